"""The ``hosts`` command: printing and exit codes around ``infra.hosts.runner``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import threading
from pathlib import Path
from typing import Any, TextIO

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class TaskPrinter:
    """One line per task, then one per host that changed or failed in it (standard error, thread-safe)."""

    def __init__(self, err: TextIO) -> None:
        self.err = err
        self.lock = threading.Lock()

    def __call__(self, event: dict[str, Any]) -> None:
        """Print one ansible-runner event for a person watching."""
        with self.lock:
            kind = event["event"]
            if kind == "playbook_on_task_start":
                self.err.write(f"task {event['task']}\n")
            elif kind == "runner_on_failed":
                self.err.write(f"  ✗ {event['host']}: failed\n")
            elif kind == "runner_on_unreachable":
                self.err.write(f"  ✗ {event['host']}: unreachable\n")
            elif kind == "runner_on_ok" and event["changed"]:
                self.err.write(f"  ~ {event['host']}: changed\n")
            self.err.flush()


def cmd_hosts(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run the host playbooks (``--check``: show what would change, change nothing)."""
    from infra.hosts.runner import lab_access, operator_access, run_hosts
    from infra.hosts.runner import summary as run_summary

    if args.no_host_key_check and not args.lab:
        err.write("hatang: --no-host-key-check is for the lab only; production host keys are always verified\n")
        return EXIT_USAGE
    access = lab_access(Path(args.path)) if args.lab else operator_access(dict(os.environ))
    if args.no_host_key_check:
        access = dataclasses.replace(access, check_host_keys=False)
        err.write("hatang: WARNING: SSH host keys are NOT verified in this run (--no-host-key-check, lab only)\n")
    vault = args.vault_password_file or os.environ.get("HATANG_VAULT_PASSWORD_FILE")
    result = run_hosts(
        Path(args.path), Path(args.out), access=access, check=args.check, limit=args.limit, tags=args.tags,
        progress=TaskPrinter(err), extra_vars=Path(args.vars) if args.vars else None,
        vault_password_file=Path(vault) if vault else None,
    )  # fmt: skip
    summary = run_summary(result)
    if args.format == "json":
        out.write(json.dumps(summary, ensure_ascii=False) + "\n")
        return EXIT_FAILED if result.failed else EXIT_OK
    mode = "check (nothing changed)" if result.check else "applied"
    out.write(f"hosts {mode}: run {result.run_id} ({result.status}) → {result.root}\n")
    if summary["vaulted_without_password"]:
        files = ", ".join(summary["vaulted_without_password"])
        err.write(f"hatang: no vault password given (--vault-password-file): vaulted values in {files} stay shut\n")
    if not summary["host_keys_checked"]:
        err.write("hatang: this run did not verify SSH host keys (lab only)\n")
    if summary["reason"]:
        err.write(f"hatang: Ansible stopped before reaching any host:\n{summary['reason']}\n")
    for name, h in summary["hosts"].items():
        line = f"  {name:<24} {h['status']:<12} ok={h['ok']} changed={h['changed']} failed={h['failed']}"
        out.write(line + "\n")
        for f in h["failures"]:
            out.write(f"      ✗ {f['task']}: {f['reason']}\n")
        for d in h["diffs"] if result.check else []:
            out.write(f"      ~ {d['task']}\n" + "".join(f"        {x}\n" for x in d["diff"].splitlines()))
    return EXIT_FAILED if result.failed else EXIT_OK


def add_hosts_parser(sub: Any, default_inventory: str) -> None:
    """The ``hosts`` command."""
    p = sub.add_parser(
        "hosts",
        help="dual-stack and harden the data-centre hosts (Ansible through ansible-runner); --check changes nothing",
        description=(
            "Apply playbooks/site.yml to the inventory's data-centre hosts through ansible-runner; each run is kept "
            "in <out>/runs/<id>/ (inventory, artifacts, summary.json). Production login: HATANG_HOSTS_USER "
            "(default: you) with HATANG_HOSTS_KEY or your agent, then sudo (HATANG_HOSTS_BECOME_PASSWORD if "
            "needed); host keys checked against HATANG_KNOWN_HOSTS (default ~/.ssh/known_hosts). Exit 0: every "
            "host finished; 1: a host failed or was unreachable (the others finish); 2: misuse."
        ),
    )
    p.add_argument("path", nargs="?", default=default_inventory, help="inventory (default: inventory)")
    p.add_argument("--lab", action="store_true", help="the running lab's hosts, on the lab's management network")
    p.add_argument("--check", action="store_true", help="show what would change (diffs), change nothing")
    p.add_argument("--limit", help="Ansible host pattern (e.g. dns-res-01 or zone_dmz)")
    p.add_argument(
        "--tags",
        help="only these roles' tags: addressing, sysctl, ssh, accounts, time, syslog, auditd, firewall, service",
    )
    p.add_argument(
        "--vars",
        metavar="DIR",
        help="your own Ansible variables (DIR/group_vars/*.yml, DIR/host_vars/<host>.yml; values may be vaulted)",
    )
    p.add_argument(
        "--vault-password-file",
        metavar="FILE",
        help="opens vaulted values in --vars (default: $HATANG_VAULT_PASSWORD_FILE); never logged",
    )
    p.add_argument(
        "--no-host-key-check",
        action="store_true",
        help="with --lab only: do not verify SSH host keys (logged in the run's summary; never for production)",
    )
    p.add_argument("--out", default="build", help="build folder; runs go to <out>/runs/<id> (default: build)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_hosts)
