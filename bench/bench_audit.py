"""Benchmark: auditing 20+ lab hosts with the full host control set, against a plain pytest-testinfra run.

A copy of the sample inventory gets its own lab: the main data centre's routers and its first N hosts (default
24). Both runs execute the same checks (checks/linux, HOST-01…HOST-21) over SSH on the same hosts, judged at the
same levels; only the way the hosts are read differs:

* ``hatang audit --lab --no-devices --no-inventory``: one verified paramiko connection per host, all hosts at
  once, every command of the audit in one round trip per host, checks judged locally (pytest in-process);
* the plain way (``--plain``): pytest-testinfra's ``ssh://`` backend in one thread, a command per fact a check
  reads, each through an OpenSSH master kept per host (ControlMaster, testinfra's best setting) — what a plain
  ``pytest --hosts=ssh://...`` run of such checks does.

Both write the same reports; the figures are the whole command's wall time, the ratio, and the number of SSH
round trips. Needs root (the lab). Usage: python -m bench.bench_audit [--hosts 24] [--json FILE]
Figures are printed, never asserted: this machine is shared and noisy (2 cores).
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
LAB = "ba"
MGMT = {"ipv6": "fd00:0:0:f6::/64", "ipv4": "10.246.0.0/24"}


def _hatang(*args: str) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    done = subprocess.run([HATANG, *args], capture_output=True, text=True, check=False, timeout=3600)
    return time.perf_counter() - started, done


def _inventory(root: Path, count: int) -> list[str]:
    shutil.copytree(ROOT / "inventory", root / "inventory")
    hosts = yaml.safe_load((ROOT / "inventory" / "datacenter" / "hosts.yaml").read_text())["hosts"]
    chosen = [h["name"] for h in hosts if h["site"] == "dc-chinh"][:count]
    lab = {"name": LAB, "sites": ["dc-chinh"], "hosts": chosen, "mgmt": MGMT}
    (root / "inventory" / "lab.yaml").write_text(yaml.safe_dump({"lab": lab}, allow_unicode=True))
    return chosen


def _audit(inventory: Path, out: Path, *extra: str) -> tuple[float, dict[str, Any]]:
    seconds, done = _hatang(
        "audit",
        str(inventory),
        "--lab",
        "--no-devices",
        "--no-inventory",
        "--out",
        str(out),
        "--format",
        "json",
        *extra,
    )
    if done.returncode not in (0, 1):
        sys.exit(f"audit failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return seconds, json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=24, help="lab hosts to audit (default 24)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("the lab needs root")
    with tempfile.TemporaryDirectory(prefix="hatang-bench-audit-") as tmp:
        root = Path(tmp)
        hosts = _inventory(root, args.hosts)
        _hatang("lab", "down", "--name", LAB)
        up, done = _hatang("lab", "up", str(root / "inventory"))
        if done.returncode != 0:
            sys.exit(done.stderr)
        try:
            ours, report = _audit(root / "inventory", root / "ours")
            plain, plain_report = _audit(root / "inventory", root / "plain", "--plain")
        finally:
            _hatang("lab", "down", "--name", LAB)
    findings = sum(report["counts"].values())
    same = report["counts"] == plain_report["counts"]
    figures = {
        "hosts": len(hosts),
        "findings": findings,
        "lab_up_s": round(up, 1),
        "hatang_audit_s": round(ours, 2),
        "plain_testinfra_s": round(plain, 2),
        "ratio": round(plain / ours, 1),
        "same_counts": same,
        "counts": report["counts"],
    }
    print(f"lab up: {len(hosts)} hosts in {up:.1f} s")
    print(f"hatang audit (parallel, one trip per host):   {ours:6.2f} s  ({findings} findings)")
    print(f"plain pytest-testinfra (one thread, ssh://):   {plain:6.2f} s")
    print(f"ratio: {plain / ours:.1f}x   same results: {same}")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2) + "\n")


if __name__ == "__main__":
    main()
