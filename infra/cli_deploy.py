"""The ``deploy`` command: a dry run by default; ``--commit`` rolls out in health-gated waves."""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from pathlib import Path
from typing import Any, TextIO

from infra.errors import DeployError

EXIT_OK, EXIT_FAILED = 0, 1
MARK = {"confirmed": "✓", "unchanged": "=", "dry-run": "·", "reverted": "↺", "failed": "✗"}


class ProgressPrinter:
    """One line per wave and per finished device, to standard error (safe from worker threads)."""

    def __init__(self, err: TextIO) -> None:
        self.err = err
        self.lock = threading.Lock()
        self.started = time.monotonic()
        self.done = 0
        self.total = 0

    def __call__(self, event: dict[str, Any]) -> None:
        """Print what one journal event means for a person watching."""
        with self.lock:
            self._print(event)
            self.err.flush()

    def _print(self, e: dict[str, Any]) -> None:
        kind = e["event"]
        if kind == "wave-start":
            self.total, self.done = len(e["devices"]), 0
            self.err.write(f"wave {e['wave']}: {len(e['sites'])} sites, {self.total} devices\n")
        elif kind == "device" and "status" in e and "checks" in e:
            self.done += 1
            failed = [f"{c['name']} ({c['detail']})" for c in e["checks"] if c["ok"] is False]
            why = e["error"] or "; ".join(failed)
            checks = f"checks {sum(1 for c in e['checks'] if c['ok'])}/{len(e['checks'])}" if e["checks"] else ""
            mark = "✗" if why else MARK.get(e["status"], "✓")  # committed and healthy: confirmed at the verdict
            line = f"  [{self.done}/{self.total}] {mark} {e['device']:<40} {e['status']:<9} {e['diff_lines']:>4} lines"
            self.err.write(f"{line} {checks} {e['seconds']:.1f}s{'  ' + why if why else ''}\n")
        elif kind == "device" and e.get("step") == "revert":
            state = "back to its previous configuration" if e.get("reverted") else "NOT verified back"
            self.err.write(f"  ↺ {e['device']}: {state}\n")
        elif kind == "wave-end":
            verdict = "passed" if e["passed"] else ("FAILED, reverted" if e.get("reverted") else "FAILED")
            self.err.write(f"wave {e['wave']}: {verdict} in {e['seconds']:.1f} s\n")


def _fleet(args: argparse.Namespace, lab: bool) -> Any:
    from infra.deploy import targets

    templates = Path(args.templates) if args.templates else _default_templates()
    if lab:
        return targets.lab_fleet(Path(args.path), templates)
    return targets.inventory_fleet(Path(args.path), templates, targets.access_from_environment(dict(os.environ)))


def _default_templates() -> Path:
    from infra.render.env import default_templates

    return default_templates()


def _check_secrets(fleet: Any, devices: list[str]) -> None:
    missing: dict[str, list[str]] = {}
    for d in devices:
        for name in fleet.secrets.missing(fleet.targets[d].candidate):
            missing.setdefault(name, []).append(d)
    if missing:
        envs = {n: s.env for n, s in fleet.inv.secrets.items()}
        lines = [
            f"{n} (set {envs.get(n) or 'its vault entry'}; used by {len(ds)} devices)" for n, ds in missing.items()
        ]
        raise DeployError("secret values missing, nothing was changed: " + "; ".join(sorted(lines)))


def _options(args: argparse.Namespace, fleet: Any, commit: bool) -> Any:
    from infra.deploy.engine import Options

    r = fleet.inv.rollout
    return Options(
        commit=commit,
        parallel=args.parallel or r.parallel,
        revert_after=args.revert_after or r.revert_after,
        check_timeout=float(args.check_timeout or r.check_timeout),
    )


def _waves(args: argparse.Namespace, fleet: Any) -> list[Any]:
    from infra.deploy.waves import plan_waves, select

    rollout = fleet.inv.rollout
    if args.budget is not None:
        rollout = rollout.model_copy(update={"failure_budget": args.budget})
    waves = plan_waves(fleet.targets, rollout)
    return select(waves, wave=args.wave, devices=args.devices, targets=fleet.targets)


def _restore_waves(meta: dict[str, Any]) -> list[Any]:
    from infra.deploy.waves import Wave

    return [Wave(w["name"], tuple(w["sites"]), tuple(w["devices"]), int(w["budget"])) for w in meta["waves"]]


def cmd_deploy(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Dry-run or roll out the rendered configurations, wave by wave."""
    from infra.deploy.engine import Rollout
    from infra.deploy.journal import Journal
    from infra.deploy.report import write_reports

    out_dir = Path(args.out)
    if args.resume is not None:
        journal = Journal.open(out_dir, args.resume or None)
        meta = journal.meta()
        args.path = meta["inventory"]
        args.templates = meta.get("templates") or args.templates
        fleet = _fleet(args, bool(meta["lab"]))
        waves, commit, done = _restore_waves(meta), bool(meta["commit"]), journal.passed_waves()
        journal.write("resume")
    else:
        fleet = _fleet(args, args.lab)
        waves, commit, done = _waves(args, fleet), args.commit, set()
        if args.list:
            return _list(waves, out)
        _check_secrets(fleet, [d for w in waves for d in w.devices])
        journal = Journal.create(
            out_dir,
            {
                "inventory": str(args.path),
                "templates": args.templates,
                "lab": fleet.lab,
                "commit": commit,
                "waves": [_wave_data(w) for w in waves],
            },
        )
    options = _options(args, fleet, commit)
    err.write(f"{'rollout' if commit else 'dry run'} {journal.run_id}: {len(waves)} waves → {journal.root}\n")
    rollout = Rollout(fleet, journal, options, progress=ProgressPrinter(err))
    result = rollout.run(waves, done=done, resume=args.resume is not None)
    _, md = write_reports(result, journal.root)
    if not commit and args.format == "text":
        _print_diffs(journal.root, [d for w in result.waves for d in w.devices], out)
    if args.format == "json":
        from infra.deploy.report import as_data

        out.write(json.dumps(as_data(result), ensure_ascii=False) + "\n")
    else:
        out.write(md.read_text())
    return EXIT_FAILED if result.failed else EXIT_OK


def _wave_data(w: Any) -> dict[str, Any]:
    return {"name": w.name, "sites": list(w.sites), "devices": list(w.devices), "budget": w.budget}


def _list(waves: list[Any], out: TextIO) -> int:
    for w in waves:
        out.write(f"{w.name}: {len(w.sites)} sites, {len(w.devices)} devices, failure budget {w.budget}\n")
        for d in w.devices:
            out.write(f"  {d}\n")
    return EXIT_OK


def _print_diffs(root: Path, devices: list[Any], out: TextIO) -> None:
    for d in devices:
        path = root / "diffs" / f"{d.device}.diff"
        if d.changed and path.is_file():
            text = path.read_text()
            out.write(f"--- {d.device} (running)\n+++ {d.device} (candidate)\n{text}")
            if not text.endswith("\n"):
                out.write("\n")


def add_deploy_parser(sub: Any, default_inventory: str) -> None:
    """The ``deploy`` command."""
    p = sub.add_parser(
        "deploy",
        help="show (default) or roll out the configurations: waves with post-checks, revert on failure",
        description=(
            "Dry run by default: every candidate is loaded, diffed, saved under build/runs/<id>/diffs and discarded. "
            "With --commit: backup, load, diff, commit with a revert timer, post-checks, confirm; a wave whose "
            "failures exceed its budget is put back and the rollout halts."
        ),
    )
    p.add_argument("path", nargs="?", default=default_inventory, help="inventory (default: inventory)")
    p.add_argument("--lab", action="store_true", help="deploy to the running lab twin instead of the devices")
    pick = p.add_mutually_exclusive_group()
    pick.add_argument("--wave", help="run only this wave (see --list)")
    pick.add_argument("--devices", nargs="+", metavar="DEVICE", help="run only these devices, as one wave")
    p.add_argument("--commit", action="store_true", help="change the devices (default: dry run)")
    p.add_argument("--resume", nargs="?", const="", metavar="RUN", help="continue an interrupted run (default: last)")
    p.add_argument("--list", action="store_true", help="print the waves and their devices, then stop")
    p.add_argument("--parallel", type=int, help="devices at a time (default: the inventory's rollout.parallel)")
    p.add_argument("--budget", type=int, help="devices a wave may lose before it is reverted (default: inventory)")
    p.add_argument("--revert-after", type=int, help="seconds before an unconfirmed commit reverts itself")
    p.add_argument("--check-timeout", type=int, help="seconds post-checks may wait for adjacencies")
    p.add_argument("--out", default="build", help="build folder; runs go to <out>/runs/<id> (default: build)")
    p.add_argument("--templates", help="templates folder (default: the templates/ beside the package)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_deploy)
