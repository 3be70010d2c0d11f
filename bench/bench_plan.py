"""Benchmark: validate + plan time and peak memory, on the sample and on national-scale inventories.

Cases: the Phú Yên sample (inventory/), Hà Nội 2023 (30 districts, 579 communes) and all 34 provinces
of 2025 (3,321 communes), the last two generated from the shared administrative-unit data. Each case
runs in a fresh process (so peak RSS is the case's own). Side by side, the same files are checked the
way many teams check inventories today: PyYAML + jsonschema against the published schema, which
only checks shapes (no references, no uniqueness, no addresses).

Usage: python -m bench.bench_plan [--data ../shared/data] [--repeat 5] [--json build/bench/plan.json]
Figures are printed, never asserted: this machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from infra._gc import gc_paused

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"phu-yen-2023": 0.5, "ha-noi-2023": 1.0, "all-34-2025": 5.0}


def _inventories(case: str, work: Path) -> list[Path]:
    if case == "phu-yen-2023":
        return [ROOT / "inventory"]
    if case == "ha-noi-2023":
        return [work / "ha-noi-2023"]
    return sorted(p for p in (work / "all-2025").iterdir() if p.is_dir())


def _generate(data: Path, work: Path) -> None:
    from bench.generate import generate, load_units

    def write(target: Path, files: dict[str, str]) -> None:
        for rel, text in files.items():
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    if work.exists():
        shutil.rmtree(work)
    units_2023 = load_units(data, 2023)
    hanoi = next(p for p in units_2023 if p["code"] == "01")
    write(work / "ha-noi-2023", generate(hanoi, 2023))
    for province in load_units(data, 2025):
        write(work / "all-2025" / f"p{province['code']}", generate(province, 2025))


def _hatang_once(paths: list[Path]) -> dict[str, int]:
    from infra.inventory import load
    from infra.plan import make_plan

    counts = {"sites": 0, "devices": 0, "hosts": 0}
    for path in paths:
        inv = load(path)
        plan = make_plan(inv)
        counts["sites"] += len(plan.sites)
        counts["devices"] += len(inv.devices)
        counts["hosts"] += len(plan.hosts)
    return counts


def _jsonschema_once(paths: list[Path]) -> dict[str, int]:
    import jsonschema
    import yaml

    from infra.inventory.schema import schema

    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())
    errors = 0
    for path in paths:
        for file in sorted(path.rglob("*.yaml")):
            data = yaml.safe_load(file.read_text(encoding="utf-8"))
            errors += sum(1 for _ in validator.iter_errors(data))
    return {"schema_errors": errors}


def measure(case: str, tool: str, work: Path, repeat: int) -> dict[str, Any]:
    """Run one case in this process: the first (cold) run, then ``repeat`` warm runs.

    Both tools run with the cyclic garbage collector paused, as the ``hatang`` command runs.
    """
    paths = _inventories(case, work)
    once = gc_paused(_hatang_once if tool == "hatang" else _jsonschema_once)
    start = time.perf_counter()
    counts = once(paths)
    cold = time.perf_counter() - start
    warm = []
    for _ in range(repeat):
        start = time.perf_counter()
        once(paths)
        warm.append(time.perf_counter() - start)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"case": case, "tool": tool, "cold_s": cold, "median_s": statistics.median(warm), "peak_rss": rss, **counts}


def _child(case: str, tool: str, work: Path, repeat: int) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.bench_plan", "--child", case, tool, str(work), str(repeat)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _cli_seconds(work: Path, repeat: int) -> float:
    """Whole-process time of `hatang validate inventory` (start-up included)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "infra", "validate", str(ROOT / "inventory")], check=True, capture_output=True
        )
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Generate the inventories, measure every case in its own process, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "bench")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        case, tool, work, repeat = args.child
        print(json.dumps(measure(case, tool, Path(work), int(repeat))))
        return 0
    _generate(args.data, args.work)
    rows = []
    for case in TARGETS:
        ours = _child(case, "hatang", args.work, args.repeat)
        theirs = _child(case, "jsonschema", args.work, args.repeat)
        rows.append((ours, theirs))
    _print(rows, _cli_seconds(args.work, args.repeat))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps([r for pair in rows for r in pair], indent=2) + "\n")
    return 0


def _print(rows: list[tuple[dict[str, Any], dict[str, Any]]], cli: float) -> None:
    print(
        f"{'case':<14}{'sites':>7}{'devices':>9}{'hatang cold':>13}{'warm':>9}{'target':>8}{'peak RSS':>10}"
        f"{'jsonschema':>12}{'ratio':>8}"
    )
    for ours, theirs in rows:
        ratio = ours["median_s"] / theirs["median_s"] if theirs["median_s"] else float("nan")
        rss = ours["peak_rss"] / 2**20
        print(
            f"{ours['case']:<14}{ours['sites']:>7}{ours['devices']:>9}{ours['cold_s']:>12.3f}s"
            f"{ours['median_s']:>8.3f}s{TARGETS[ours['case']]:>7.1f}s{rss:>8.0f}MiB"
            f"{theirs['median_s']:>11.3f}s{ratio:>7.2f}x"
        )
    print(f"whole CLI process, hatang validate inventory (Phú Yên): {cli:.3f}s")
    print("ratio = hatang (schema + references + uniqueness + full address plan) / jsonschema (shapes only)")


if __name__ == "__main__":
    raise SystemExit(main())
