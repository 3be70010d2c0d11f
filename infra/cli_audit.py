"""The ``audit`` command: printing, report files and exit codes around ``infra.audit.engine``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
from pathlib import Path
from typing import Any, TextIO

# Exit codes: every finding passed (or was waived / not applicable / left to an auditor); a control failed; the
# audit is incomplete (a target unreachable, a check that could not run, a problem with the waiver file or an
# unknown id) — incomplete outranks failed, since an audit with holes cannot be called a pass or a fail.
EXIT_PASS, EXIT_FAIL, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 4
MARK = {"pass": "✓", "fail": "✗", "warn": "!", "not-applicable": "-", "waived": "w", "manual": "?", "error": "E"}


def _names(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(n.strip() for n in value.split(",") if n.strip())


def cmd_audit(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run the compliance checks read-only and write the reports."""
    from infra.audit.engine import Spec, run_audit
    from infra.audit.report import write_reports

    baseline = {"tcvn11930": "tcvn11930_2017", "tcvn14423": "tcvn14423_2026"}[args.baseline]
    sources = ("intended", "running") if args.config == "both" else (args.config,)
    spec = Spec(
        inventory=Path(args.path),
        hosts=() if args.no_hosts else _names(args.hosts),
        devices=() if args.no_devices else _names(args.devices),
        all_devices=args.devices == "all",
        sources=sources,
        running=args.running,
        controls=_names(args.controls),
        level=args.level,
        baseline=baseline,
        waivers=Path(args.waivers) if args.waivers else None,
        lab=args.lab,
        inventory_checks=not args.no_inventory,
        plain=args.plain,
        workers=args.workers,
        build=Path(args.out),
        command=shlex.join(["hatang", *sys.argv[1:]]) if sys.argv[1:2] == ["audit"] else "hatang audit",
    )
    if spec.all_devices:
        spec = dataclasses.replace(spec, devices=None)

    def say(text: str) -> None:
        if args.format == "text":
            err.write(text + "\n")
            err.flush()

    audited = run_audit(spec, say)
    run = audited.run
    folder = Path(args.out) / "reports" / run.info.id
    folder.mkdir(parents=True, exist_ok=True)
    files = write_reports(run, audited.inv, audited.plan, audited.catalogue, folder)
    latest = Path(args.out) / "reports" / "latest"
    if latest.is_symlink() or latest.exists():
        latest.unlink()
    latest.symlink_to(run.info.id)
    code = EXIT_INCOMPLETE if run.errored else EXIT_FAIL if run.failed else EXIT_PASS
    if args.format == "json":
        out.write(json.dumps(_summary(run, files, code), ensure_ascii=False) + "\n")
        return code
    _print(run, files, out, err, verbose=args.verbose)
    return code


def _summary(run: Any, files: dict[str, Path], code: int) -> dict[str, Any]:
    return {
        "run": run.info.id,
        "exit": code,
        "counts": run.counts(),
        "errors": [{"kind": e.kind, "target": e.target, "reason": e.reason} for e in run.errors],
        "problems": list(run.problems),
        "failed": [
            {"control": f.control, "target": f.target, "source": f.source, "summary": f.summary}
            for f in run.findings
            if f.status in ("fail", "error")
        ],
        "reports": {k: str(v) for k, v in files.items()},
    }


def _print(run: Any, files: dict[str, Path], out: TextIO, err: TextIO, *, verbose: bool) -> None:
    for problem in run.problems:
        err.write(f"hatang: {problem}\n")
    for e in run.errors:
        err.write(f"hatang: {e.kind} {e.target}: {e.reason}\n")
    shown = ("fail", "error", "warn", "waived", "manual", "pass", "not-applicable") if verbose else ("fail", "error")
    for f in run.findings:
        if f.status in shown:
            where = f"{f.target}[{f.source}]" if f.source else f.target
            out.write(f"  {MARK[f.status]} {f.control:<7} {where:<40} {f.status:<14} {f.summary}\n")
    counts = run.counts()
    out.write("audit: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n) + f" ({len(run.findings)} findings)\n")
    out.write(f"reports: {files['html-vi'].parent if 'html-vi' in files else ''}\n")
    for key, path in files.items():
        out.write(f"  {key:<8} {path}\n")


def add_audit_parser(sub: Any, default_inventory: str) -> None:
    """The ``audit`` command."""
    p = sub.add_parser(
        "audit",
        help="read-only compliance checks of hosts, devices and the inventory; reports in Vietnamese and English",
        description=(
            "Run the checks of checks/ (the control catalogue's controls) with pytest-testinfra: each host is read "
            "once over a verified SSH connection (hosts in parallel), each device's intended (rendered) and running "
            "configuration is checked, and the inventory's records. A control that starts above a target's level is "
            "reported as not applicable. Reports go to <out>/reports/<run-id>/ (audit.json with hashed, time-stamped "
            "evidence; junit.xml; summary.md; report.vi.html and report.en.html) and <out>/reports/latest. Nothing "
            "is changed anywhere. Exit 0: pass; 1: a control failed; 2: bad input (the inventory); 4: incomplete "
            "(an unreachable target, a check that could not run, a bad waiver file or an unknown id; the rest of "
            "the audit still runs)."
        ),
    )
    p.add_argument("path", nargs="?", default=default_inventory, help="inventory (default: inventory)")
    p.add_argument("--lab", action="store_true", help="audit the running lab twin (its hosts and routers)")
    p.add_argument("--hosts", metavar="H1,H2", help="only these hosts (default: all; the lab's with --lab)")
    p.add_argument("--no-hosts", action="store_true", help="no host checks")
    p.add_argument(
        "--devices", metavar="D1,D2|all", help="these devices, or all (default: none; the lab's routers with --lab)"
    )
    p.add_argument("--no-devices", action="store_true", help="no device checks")
    p.add_argument("--no-inventory", action="store_true", help="no checks of the inventory's records")
    p.add_argument(
        "--config",
        choices=("intended", "running", "both"),
        default="both",
        help="which device configurations to check (default: both)",
    )
    p.add_argument(
        "--running",
        choices=("live", "backup"),
        default="live",
        help="running configurations read from the device (read-only) or from the newest rollout backup",
    )
    p.add_argument("--controls", metavar="ID,ID", help="only these controls (e.g. HOST-01,NET-06)")
    p.add_argument("--level", type=int, choices=range(1, 6), metavar="1-5", help="judge every target at this level")
    p.add_argument(
        "--baseline",
        choices=("tcvn11930", "tcvn14423"),
        default="tcvn14423",
        help="references to cite: TCVN 11930:2017 (Decree 85) or TCVN 14423:2026 (Decree 331; default)",
    )
    p.add_argument("--waivers", metavar="FILE", help="waiver file (justification, approver, expiry, scope)")
    p.add_argument("--workers", type=int, default=32, help="hosts read at the same time (default: 32)")
    p.add_argument("--plain", action="store_true", help=argparse.SUPPRESS)  # one thread, a command per read
    p.add_argument("--out", default="build", help="build folder; reports go to <out>/reports (default: build)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument("-v", "--verbose", action="store_true", help="list every finding, not only failures and errors")
    p.set_defaults(func=cmd_audit)
