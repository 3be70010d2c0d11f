"""Benchmark: rolling the lab out — one wave of 30+ routers against its slowest device, and the whole lab.

A copy of the sample inventory gets its own lab selection: the data centre (8 routers) and the first N communes
(one CE router each, default 32: 2 go to the canary, 30 make the big wave), plus the emulated gateways and one
DC service host. The rollout runs in the inventory's order: a canary of 2 communes, the data centre, then one
wave with every other commune. Figures:

* lab up (namespaces, wires, nodes, SSH and FRR ready);
* the big commune wave: its wall time, each device's own time (connect → load → diff → commit → post-checks,
  without the wait for a free worker), the slowest device, and the parallel efficiency = slowest / wave time
  (1.0 would mean the wave costs no more than its slowest device); with ``--parallel`` workers;
* the whole rollout (all waves), and a second dry run (every diff must be empty);
* a sample of the wave's devices (``--serial-sample``) put back to bare and rolled out again one at a time (the
  way a plain NAPALM loop would), scaled to the wave: the speed-up of the parallel wave over a serial loop.

Needs root (the lab). Usage: python -m bench.bench_rollout [--communes 32] [--parallel 8] [--serial-sample 6]
Figures are printed (and written with --json), never asserted: this machine is shared and noisy (2 cores).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
HATANG = str(Path(sys.executable).parent / "hatang")
LAB = "bn"


def _hatang(*args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.monotonic()
    proc = subprocess.run([HATANG, *args], capture_output=True, text=True, check=False)
    return time.monotonic() - start, proc


def _inventory(dst: Path, communes: int) -> list[str]:
    shutil.copytree(ROOT / "inventory", dst)
    from infra.inventory import load

    inv = load(dst)
    chosen = [s.name for s in inv.sites.values() if s.tier is not None and s.tier.kind == "commune"][:communes]
    lab = {"name": LAB, "sites": ["dc-chinh", *chosen], "hosts": ["dns-res-01"],
           "mgmt": {"ipv6": "fd00:0:0:fb::/64", "ipv4": "10.255.8.0/24"}}  # fmt: skip
    (dst / "lab.yaml").write_text(yaml.safe_dump({"lab": lab}, allow_unicode=True))
    rollout = yaml.safe_load((dst / "rollout.yaml").read_text())
    rollout["rollout"]["wave_sites"]["commune"] = communes
    (dst / "rollout.yaml").write_text(yaml.safe_dump(rollout, allow_unicode=True))
    return chosen


def _report(out: Path) -> dict[str, Any]:
    run = sorted((out / "runs").iterdir())[-1]
    data: dict[str, Any] = json.loads((run / "report.json").read_text())
    return data


def _check(proc: subprocess.CompletedProcess[str], what: str) -> None:
    if proc.returncode != 0:
        sys.exit(f"{what} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def measure(communes: int, parallel: int, serial_sample: int) -> dict[str, Any]:
    """Build the bench lab, roll it out, measure; always tear it down."""
    tmp = Path(tempfile.mkdtemp(prefix="hatang-bench-rollout-"))
    inv, out = tmp / "inventory", tmp / "build"
    chosen = _inventory(inv, communes)
    figures: dict[str, Any] = {"communes": communes, "parallel": parallel, "cores": os.cpu_count()}
    try:
        _hatang("lab", "down", "--name", LAB)
        figures["lab_up_s"], proc = _hatang("lab", "up", str(inv))
        _check(proc, "lab up")
        figures["routers"] = sum(
            1 for line in _hatang("lab", "status", str(inv))[1].stdout.splitlines() if " router " in line
        )
        figures["rollout_s"], proc = _hatang("deploy", str(inv), "--lab", "--commit", "--out", str(out),
                                             "--parallel", str(parallel))  # fmt: skip
        _check(proc, "rollout")
        report = _report(out)
        big = max(report["waves"], key=lambda w: len(w["devices"]))
        own = [d["seconds"] for d in big["devices"]]
        figures |= {
            "waves": {w["name"]: {"devices": len(w["devices"]), "seconds": w["seconds"]} for w in report["waves"]},
            "big_wave": big["name"],
            "big_wave_devices": len(own),
            "big_wave_s": big["seconds"],
            "device_s_median": sorted(own)[len(own) // 2],
            "device_s_slowest": max(own),
            "parallel_efficiency": round(max(own) / big["seconds"], 3),
        }
        figures["dry_run_again_s"], proc = _hatang("deploy", str(inv), "--lab", "--out", str(out))
        _check(proc, "second dry run")
        again = _report(out)
        figures["changed_after_rollout"] = sum(1 for w in again["waves"] for d in w["devices"] if d["changed"])
        figures |= _serial(inv, out, chosen[-serial_sample:], len(own), big["seconds"])
    finally:
        _hatang("lab", "down", "--name", LAB)
        shutil.rmtree(tmp, ignore_errors=True)
    return figures


def _bare(inv: Path, names: list[str]) -> None:
    """Put devices back to the lab's bare configuration, so that a serial run does the same work as the wave."""
    from infra.deploy.engine import napalm_opener
    from infra.deploy.targets import lab_fleet
    from infra.render.env import default_templates

    fleet = lab_fleet(inv, default_templates())
    for name in names:
        driver = napalm_opener(fleet.targets[name])
        try:
            driver.load_replace_candidate(
                config=f"frr defaults traditional\nhostname {name}\nservice integrated-vtysh-config\n!\n"
            )
            driver.commit_config()
        finally:
            driver.close()


def _serial(inv: Path, out: Path, devices: list[str], wave_size: int, wave_s: float) -> dict[str, Any]:
    """Roll a sample of the wave's devices out again one at a time, from the same bare start (a plain loop)."""
    names = [f"{site}-ce1" for site in devices]
    _bare(inv, names)
    serial_s, proc = _hatang("deploy", str(inv), "--lab", "--commit", "--out", str(out),
                             "--devices", *names, "--parallel", "1")  # fmt: skip
    _check(proc, "serial sample")
    per_device = serial_s / len(names)
    return {
        "serial_sample_devices": len(names),
        "serial_sample_s": round(serial_s, 1),
        "serial_per_device_s": round(per_device, 2),
        "serial_wave_estimate_s": round(per_device * wave_size, 1),
        "speedup_vs_serial": round(per_device * wave_size / wave_s, 1),
    }


def main() -> None:
    """Run and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=32)
    parser.add_argument("--parallel", type=int, default=8)
    parser.add_argument("--serial-sample", type=int, default=6)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench_rollout needs root (it builds a lab)")
    figures = measure(args.communes, args.parallel, args.serial_sample)
    for key, value in figures.items():
        print(f"{key:>26}: {value}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")


if __name__ == "__main__":
    main()
