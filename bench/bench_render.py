"""Benchmark: rendering every device's configuration and the Ansible inventory, cold and incremental.

Cases (the inventories are generated the way ``bench.bench_plan`` does, from the shared administrative-unit data):

* whole process ``hatang render <inventory> --out <dir>`` into an empty folder, for the Phú Yên sample,
  Hà Nội 2023, and the 34 provinces of 2025 (one process per inventory: the sum and the largest);
* incremental: Hà Nội 2023 rendered once, then one commune gets a new VLAN and is rendered again in a new
  process with the previous output present (unchanged bodies come from the build folder, unchanged files
  are not rewritten);
* side by side: the same templates rendered by Ansible's ``ansible.builtin.template`` module through
  ``ansible_runner.run`` (localhost, ``connection: local``, ``gather_facts: false``, forks=2) for a subset of
  Hà Nội's devices, against hatang rendering the same devices in-process; both outputs are compared.

If ``hatang render`` is not available, the first two cases time the same stages in-process instead (load,
plan, render, write; the incremental case with a reused ``Renderer``) and say so.

Usage: python -m bench.bench_render [--data ../shared/data] [--repeat 3] [--ansible-devices 500]
       [--templates templates] [--skip-ansible] [--json build/bench-render.json]
Figures are printed, never asserted: this machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_plan import _generate, _inventories

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TARGETS = {"phu-yen-2023": 1.5, "ha-noi-2023": 3.0, "all-34-2025": 15.0}
INCREMENTAL_TARGET = 1.0
RATIO_TARGET = 50.0
FORKS = 2  # this machine has 2 cores
CHANGED_SITE = "thi-tran-dong-anh"
NEW_VLAN = (
    "vlans: [{name: wifi-khach, label: Wi-Fi khách, id: 50, index: 0x50, role: wifi, ipv4: {prefix: 29, index: 11}}]"
)


# --- running one render in its own process -------------------------------------------------------------------


def cli_available() -> bool:
    """Whether ``hatang render`` exists in this environment."""
    exe = BIN / "hatang"
    if not exe.exists():
        return False
    done = subprocess.run([str(exe), "render", "--help"], capture_output=True, check=False)
    return done.returncode == 0


def _command(cli: bool, inventory: Path, out: Path, templates: Path) -> list[str]:
    if cli:
        exe = str(BIN / "hatang")
        return [exe, "render", str(inventory), "--out", str(out), "--templates", str(templates), "--format", "json"]
    return [sys.executable, "-m", "bench.bench_render", "--child", str(inventory), str(out), str(templates)]


def run_process(cmd: list[str], work: Path) -> dict[str, Any]:
    """Run one command; its wall time, its own peak RSS and the JSON summary it printed last.

    Compiled templates are cached under ``work`` (``$HATANG_CACHE``), not in the user's cache folder; the
    peak RSS is the main process's (render workers forked by it are not counted).
    """
    env = {**os.environ, "HATANG_CACHE": str(work / "template-cache")}
    with tempfile.TemporaryFile("w+", encoding="utf-8") as stdout:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=stdout, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        stdout.seek(0)
        lines = stdout.read().strip().splitlines()
    summary: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    summary.pop("failures", None)
    return {"seconds": seconds, "peak_rss": usage.ru_maxrss * 1024, "rc": proc.returncode, **summary}


def child_render(inventory: Path, out: Path, templates: Path, renderer: Any = None) -> dict[str, Any]:
    """The in-process path: load, plan, render (devices and Ansible inventory), write what changed."""
    from infra.inventory import load
    from infra.plan import make_plan
    from infra.render.ansible import ansible_files
    from infra.render.render import Renderer, render

    inv = load(inventory)
    plan = make_plan(inv)
    rendered = render(inv, plan, renderer or Renderer(templates))
    files = {**rendered.files, **ansible_files(inv, plan)}
    written = 0
    for rel, text in files.items():
        path = out / rel
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written += 1
    return {"devices": len(rendered.devices), "failed": len(rendered.failures), "files": len(files), "written": written}


# --- case 1: cold renders ----------------------------------------------------------------------------------------


def cold_case(case: str, work: Path, templates: Path, cli: bool, repeat: int) -> dict[str, Any]:
    """Render each inventory of a case into an empty folder, ``repeat`` times; medians per inventory."""
    per_inventory = []
    for inventory in _inventories(case, work):
        runs = []
        for _ in range(repeat):
            out = work / "out" / case / inventory.name
            shutil.rmtree(out, ignore_errors=True)
            runs.append(run_process(_command(cli, inventory, out, templates), work))
        best = dict(runs[-1])
        best["seconds"] = statistics.median(r["seconds"] for r in runs)
        best["inventory"] = inventory.name
        per_inventory.append(best)
    largest = max(per_inventory, key=lambda r: r["seconds"])
    return {
        "case": case,
        "inventories": len(per_inventory),
        "seconds": sum(r["seconds"] for r in per_inventory),
        "largest_s": largest["seconds"],
        "largest": largest["inventory"],
        "peak_rss": max(r["peak_rss"] for r in per_inventory),
        "devices": sum(r.get("devices", 0) for r in per_inventory),
        "failed": sum(r.get("failed", 0) for r in per_inventory),
        "files": sum(r.get("files", 0) for r in per_inventory),
    }


# --- case 2: incremental -----------------------------------------------------------------------------------------


def add_vlan(inventory: Path, site: str = CHANGED_SITE) -> Path:
    """Give one commune a new VLAN in its YAML file; return the file changed."""
    pattern = re.compile(rf"^(  - \{{name: {re.escape(site)},.*profile: commune)\}}$", re.MULTILINE)
    for path in sorted((inventory / "sites").rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        new, count = pattern.subn(rf"\1, {NEW_VLAN}}}", text)
        if count:
            path.write_text(new, encoding="utf-8")
            return path
    raise SystemExit(f"site {site} not found under {inventory}")


def incremental_case(work: Path, templates: Path, cli: bool, repeat: int) -> dict[str, Any]:
    """Hà Nội 2023: render, change one commune, render again with the previous output present."""
    source = _inventories("ha-noi-2023", work)[0]
    runs, first = [], {}
    for _ in range(repeat):
        inventory = work / "incremental" / "inventory"
        out = work / "incremental" / "out"
        shutil.rmtree(work / "incremental", ignore_errors=True)
        shutil.copytree(source, inventory)
        if cli:
            first = run_process(_command(True, inventory, out, templates), work)
            add_vlan(inventory)
            runs.append(run_process(_command(True, inventory, out, templates), work))
        else:
            first, again = _incremental_in_process(inventory, out, templates)
            runs.append(again)
    result = dict(runs[-1])
    result["seconds"] = statistics.median(r["seconds"] for r in runs)
    how = "whole process, hatang render" if cli else "in-process, reused Renderer"
    return {"case": "incremental ha-noi-2023", "how": how, "first_s": first.get("seconds", 0.0), **result}


def _incremental_in_process(inventory: Path, out: Path, templates: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    from infra.render.render import Renderer

    renderer = Renderer(templates)
    start = time.perf_counter()
    first = child_render(inventory, out, templates, renderer)
    first["seconds"] = time.perf_counter() - start
    add_vlan(inventory)
    start = time.perf_counter()
    again = child_render(inventory, out, templates, renderer)
    again["seconds"] = time.perf_counter() - start
    return first, again


# --- case 3: side by side with Ansible's template module ---------------------------------------------------------

PLAYBOOK = """\
- name: Render device configurations with the template module
  hosts: all
  connection: local
  gather_facts: false
  tasks:
    - name: Render each entry template of the device's platform
      ansible.builtin.template:
        src: "{{ item.src }}"
        dest: "{{ out_dir }}/{{ inventory_hostname }}.{{ item.suffix }}"
        trim_blocks: true
        lstrip_blocks: true
        mode: "0644"
      loop: "{{ hatang_entries }}"
"""


def _subset(intents: dict[str, Any], platforms: set[str], count: int) -> list[str]:
    """``count`` devices of the given platforms, evenly spread over the sorted list (every platform and role)."""
    names = sorted((i.platform, i.role, n) for n, i in intents.items() if i.platform in platforms)
    if len(names) <= count:
        return [n for _, _, n in names]
    step = len(names) / count
    return [names[int(k * step)][2] for k in range(count)]


def _ansible_project(pdd: Path, templates: Path, names: list[str], rendered: Any, sha: str) -> None:
    """The private data dir of ansible-runner: playbook, templates link, inventory with JSON host_vars."""
    from infra.render.intent import as_data
    from infra.render.render import header_values

    project = pdd / "project"
    host_vars = pdd / "inventory" / "host_vars"
    host_vars.mkdir(parents=True)
    project.mkdir(parents=True)
    (project / "playbook.yml").write_text(PLAYBOOK, encoding="utf-8")
    (project / "templates").symlink_to(templates.resolve(), target_is_directory=True)
    hosts: dict[str, Any] = {"all": {"hosts": dict.fromkeys(names)}}
    (pdd / "inventory" / "hosts.json").write_text(json.dumps(hosts), encoding="utf-8")
    for name in names:
        intent = rendered.intents[name]
        tset = rendered.sets[intent.platform]
        meta = header_values(intent, sha, tset)
        data = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "d": as_data(intent),
            "meta": {f: getattr(meta, f) for f in ("device", "inventory_sha256", "template_set", "template_sha256")}
            | {"generator": meta.generator},
            "hatang_entries": [{"src": src, "suffix": suffix} for suffix, src in tset.entries.items()],
        }
        (host_vars / f"{name}.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _run_ansible(pdd: Path, out_dir: Path) -> dict[str, Any]:
    import ansible_runner

    env = {
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # the venv's ansible-playbook
        "ANSIBLE_HOME": str(pdd / ".ansible"),
        "ANSIBLE_LOCAL_TEMP": str(pdd / ".ansible" / "tmp"),
    }
    start = time.perf_counter()
    result = ansible_runner.run(
        private_data_dir=str(pdd),
        playbook="playbook.yml",
        forks=FORKS,
        quiet=True,
        extravars={"out_dir": str(out_dir)},
        envvars=env,
        rotate_artifacts=1,
    )
    seconds = time.perf_counter() - start
    stats = result.stats or {}
    return {
        "seconds": seconds,
        "status": result.status,
        "rc": result.rc,
        "ok": len(stats.get("ok", {})),
        "failed": len(stats.get("failures", {})),
    }


def _normalise(text: str) -> str:
    return text.rstrip("\n") + "\n"


def _first_difference(ours: str, theirs: str) -> str:
    """Where two texts first differ: the line number, and both lines from a little before the first different byte."""
    a, b = ours.splitlines(), theirs.splitlines()
    for n, (x, y) in enumerate(zip(a, b, strict=False), 1):
        if x != y:
            col = next((i for i, (p, q) in enumerate(zip(x, y, strict=False)) if p != q), min(len(x), len(y)))
            start = max(0, col - 30)
            return f"line {n}: hatang {x[start : col + 40]!r}, ansible {y[start : col + 40]!r}"
    return f"hatang has {len(a)} lines, ansible {len(b)}"


def _compare(out_dir: Path, rendered: Any, names: list[str]) -> list[dict[str, Any]]:
    """For a few devices (one per platform first), whether Ansible wrote what hatang rendered."""
    by_platform: dict[str, str] = {}
    for name in names:
        by_platform.setdefault(rendered.intents[name].platform, name)
    picked = sorted(set(by_platform.values()) | set(names[:: max(1, len(names) // 5)]))
    out = []
    for name in picked:
        for path in rendered.devices[name]:
            theirs = out_dir / Path(path).name
            ours = _normalise(rendered.files[path])
            text = _normalise(theirs.read_text(encoding="utf-8")) if theirs.is_file() else ""
            entry: dict[str, Any] = {"device": name, "file": theirs.name, "identical": text == ours}
            if text != ours:
                entry["difference"] = _first_difference(ours, text) if text else "ansible wrote no file"
            out.append(entry)
    return out


def _hatang_subset(intents: dict[str, Any], sha: str, templates: Path, repeat: int) -> tuple[float, float, Any]:
    """hatang rendering the subset in-process: a fresh Renderer (templates compiled) and the warm median."""
    from infra.render.render import Renderer, render_intents

    start = time.perf_counter()
    rendered = render_intents(intents, sha, Renderer(templates))
    cold = time.perf_counter() - start
    warm = []
    for _ in range(max(repeat, 3)):
        renderer = Renderer(templates)
        for tset in (renderer.template_set(p) for p in {i.platform for i in intents.values()}):
            for name in tset.entries.values() if tset else ():
                renderer.template(name)
        start = time.perf_counter()
        render_intents(intents, sha, renderer)
        warm.append(time.perf_counter() - start)
    return cold, statistics.median(warm), rendered


def ansible_case(work: Path, templates: Path, count: int, repeat: int) -> dict[str, Any]:
    """The same templates and devices through ansible-runner and through hatang."""
    from infra.inventory import load
    from infra.plan import make_plan
    from infra.render.build import build_intents
    from infra.render.env import template_set

    inv = load(_inventories("ha-noi-2023", work)[0])
    intents = build_intents(inv, make_plan(inv))
    platforms = {p for p in {i.platform for i in intents.values()} if template_set(templates, p) is not None}
    names = _subset(intents, platforms, count)
    if not names:
        return {"case": "ansible side by side", "skipped": "no template set for any platform of Hà Nội 2023"}
    subset = {n: intents[n] for n in names}
    cold, warm, rendered = _hatang_subset(subset, inv.digest, templates, repeat)
    names = [n for n in names if n in rendered.devices]  # devices whose templates render in hatang
    pdd = work / "ansible-side"
    shutil.rmtree(pdd, ignore_errors=True)
    _ansible_project(pdd, templates, names, rendered, inv.digest)
    out_dir = pdd / "out"
    out_dir.mkdir()
    ansible = _run_ansible(pdd, out_dir)
    matches = _compare(out_dir, rendered, names)
    return {
        "case": "ansible side by side",
        "devices": len(names),
        "platforms": sorted({intents[n].platform for n in names}),
        "platforms_without_templates": sorted({i.platform for i in intents.values()} - platforms),
        "hatang_failed": len(rendered.failures),
        "forks": FORKS,
        "ansible_s": ansible["seconds"],
        "ansible": ansible,
        "hatang_cold_s": cold,
        "hatang_warm_s": warm,
        "ratio_cold": ansible["seconds"] / cold if cold else float("nan"),
        "ratio_warm": ansible["seconds"] / warm if warm else float("nan"),
        "compared": matches,
    }


def snapshot(templates: Path, target: Path) -> Path:
    """A copy of the templates folder, so that every case renders the same templates even if they are edited."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(templates, target, ignore=shutil.ignore_patterns(".*"))
    return target.resolve()


# --- main --------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Generate the inventories, run every case, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench-render")
    parser.add_argument("--templates", type=Path, default=None, help="templates folder (default: hatang's)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--ansible-devices", type=int, default=500)
    parser.add_argument("--skip-ansible", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        inventory, out, templates = (Path(p) for p in args.child)
        print(json.dumps(child_render(inventory, out, templates)))
        return 0
    from infra.render.env import default_templates

    cli = cli_available()
    _generate(args.data, args.work)
    templates = snapshot(args.templates or default_templates(), args.work / "templates")
    os.environ["HATANG_CACHE"] = str(args.work / "template-cache")  # in-process renders too: not the user's cache
    rows: list[dict[str, Any]] = [cold_case(c, args.work, templates, cli, args.repeat) for c in TARGETS]
    rows.append(incremental_case(args.work, templates, cli, args.repeat))
    if not args.skip_ansible:
        rows.append(ansible_case(args.work, templates, args.ansible_devices, args.repeat))
    _print(rows, cli)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    return 0


def _print(rows: list[dict[str, Any]], cli: bool) -> None:
    how = "whole process, hatang render --out <empty dir>" if cli else "in a child process: load, plan, render, write"
    print(f"cold render ({how}); median per inventory, all-34 = sum of 34 processes")
    print(f"{'case':<14}{'devices':>9}{'failed':>8}{'files':>8}{'time':>9}{'target':>8}{'largest':>10}{'peak RSS':>10}")
    for r in rows:
        if r["case"] in TARGETS:
            print(
                f"{r['case']:<14}{r['devices']:>9}{r['failed']:>8}{r['files']:>8}{r['seconds']:>8.2f}s"
                f"{TARGETS[r['case']]:>7.1f}s{r['largest_s']:>9.2f}s{r['peak_rss'] / 2**20:>7.0f}MiB"
            )
    for r in rows:
        if r["case"].startswith("incremental"):
            print(
                f"incremental (Hà Nội 2023, one commune gets a VLAN; {r['how']}): {r['seconds']:.2f}s "
                f"(target ≤ {INCREMENTAL_TARGET:.0f}s; first render {r['first_s']:.2f}s; "
                f"{r.get('written', '?')} files written, {r.get('unchanged', '?')} unchanged)"
            )
        if r["case"] == "ansible side by side":
            _print_ansible(r)


def _print_ansible(r: dict[str, Any]) -> None:
    if "skipped" in r:
        print(f"Ansible side by side: skipped ({r['skipped']})")
        return
    print(
        f"Ansible template module via ansible-runner (forks={r['forks']}, connection local, no facts), "
        f"{r['devices']} devices of Hà Nội 2023 on {', '.join(r['platforms'])}"
    )
    if r["platforms_without_templates"]:
        print(f"  platforms left out (no template set yet): {', '.join(r['platforms_without_templates'])}")
    a = r["ansible"]
    print(f"  ansible: {r['ansible_s']:.1f}s ({a['status']}, {a['ok']} hosts ok, {a['failed']} failed)")
    print(f"  hatang in-process: {r['hatang_cold_s']:.3f}s with template compilation, {r['hatang_warm_s']:.3f}s warm")
    print(f"  ratio: {r['ratio_cold']:.0f}x (cold), {r['ratio_warm']:.0f}x (warm); target ≥ {RATIO_TARGET:.0f}x")
    same = [c for c in r["compared"] if c["identical"]]
    print(f"  identical output (trailing newlines normalised): {len(same)}/{len(r['compared'])} files compared")
    for c in r["compared"]:
        if not c["identical"]:
            print(f"    differs: {c['file']}: {c['difference']}")


if __name__ == "__main__":
    raise SystemExit(main())
