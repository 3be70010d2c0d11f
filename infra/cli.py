"""The ``hatang`` command line. The only place that prints and turns results into exit codes.

Exit codes: 0 success; 1 a check or operation failed; 2 bad input (inventory, plan, usage);
3 an internal error (a bug: please report it with HATANG_DEBUG=1 output).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from infra import __version__
from infra._gc import gc_paused
from infra.errors import Problem, ProblemsError, ToolError, UsageError, did_you_mean

if TYPE_CHECKING:
    from infra.inventory import Inventory
    from infra.plan import AddressPlan

EXIT_OK, EXIT_FAILED, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
DEFAULT_INVENTORY = "inventory"


def _problem_lines(problems: list[Problem], style: str) -> list[str]:
    if style == "github":
        out = []
        for p in problems:
            where = f"file={p.file}" + (f",line={p.line}" if p.line else "") + (f",col={p.column}" if p.column else "")
            out.append(f"::error {where}::{p.path + ': ' if p.path else ''}found {p.found}; expected {p.expected}")
        return out
    return [str(p) for p in problems]


def report_problems(err: ProblemsError, style: str, out: TextIO) -> None:
    """Print every problem, one per line, and a closing count."""
    if style == "json":
        rows = [
            {
                "file": p.file,
                "line": p.line,
                "column": p.column,
                "path": p.path,
                "found": p.found,
                "expected": p.expected,
            }
            for p in err.problems
        ]
        out.write(json.dumps({"ok": False, "problems": rows}, ensure_ascii=False, indent=2) + "\n")
        return
    for line in _problem_lines(err.problems, style):
        out.write(line + "\n")
    out.write(f"hatang: {err}; nothing was changed\n")


def _load_and_plan(path: str) -> tuple[Inventory, AddressPlan]:
    from infra.inventory import load
    from infra.plan import make_plan

    inv = load(path)
    return inv, make_plan(inv)


def cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    """Validate the inventory and its address plan."""
    inv, plan = _load_and_plan(args.path)
    if args.format == "json":
        counts = {
            "sites": len(plan.sites),
            "devices": len(inv.devices),
            "circuits": len(plan.circuits),
            "hosts": len(plan.hosts),
        }
        out.write(json.dumps({"ok": True, "inventory_sha256": inv.digest, **counts}) + "\n")
        return EXIT_OK
    out.write(
        f"ok: {inv.province.name} — {len(inv.files)} files, {len(plan.sites)} sites, {len(inv.devices)} devices, "
        f"{len(plan.circuits)} circuits, {len(plan.hosts)} hosts, {len(inv.systems)} systems, "
        f"{len(inv.services)} services\n"
    )
    return EXIT_OK


def cmd_plan(args: argparse.Namespace, out: TextIO) -> int:
    """Print or write the address plan."""
    from infra.plan import report

    inv, plan = _load_and_plan(args.path)
    if args.site is not None:
        if args.site not in plan.sites:
            expected = f"the name of a site of the inventory{did_you_mean(args.site, plan.sites)}"
            raise ProblemsError([Problem("<command line>", None, None, "--site", repr(args.site), expected)])
        if args.format == "json":
            text = json.dumps({args.site: plan.to_dict()["sites"][args.site]}, indent=2, ensure_ascii=False) + "\n"
        else:
            text = report.explain_site(plan, inv, args.site)
    else:
        render: dict[str, Callable[[], str]] = {
            "table": lambda: report.table(plan, inv),
            "summary": lambda: report.summary(plan, inv),
            "json": lambda: report.to_json(plan),
            "csv": lambda: report.to_csv(plan),
        }
        text = render[args.format]()
    if args.out:
        target = Path(args.out)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        out.write(f"wrote {target}\n")
    else:
        out.write(text)
    return EXIT_OK


def cmd_schema(args: argparse.Namespace, out: TextIO) -> int:
    """Print or write the JSON Schema of inventory files."""
    from infra.inventory.schema import schema_text

    text = schema_text()
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        out.write(f"wrote {args.out}\n")
    else:
        out.write(text)
    return EXIT_OK


def _wants_err(func: Callable[..., int]) -> bool:
    return func.__module__ in (
        "infra.cli_render",
        "infra.cli_lab",
        "infra.cli_deploy",
        "infra.cli_hosts",
        "infra.cli_audit",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = argparse.ArgumentParser(
        prog="hatang",
        description="Run a province's government network and data centre from one declarative inventory.",
        epilog="Exit codes: 0 ok, 1 failed, 2 bad input, 3 internal error. Docs: docs/ in the source tree.",
    )
    parser.add_argument("--version", action="version", version=f"hatang {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check the inventory and its address plan; report every problem")
    p.add_argument(
        "path", nargs="?", default=DEFAULT_INVENTORY, help="inventory directory or file (default: inventory)"
    )
    p.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="problem format (github: CI annotations)",
    )
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("plan", help="show the address plan (table, json, csv) or explain one site")
    p.add_argument(
        "path", nargs="?", default=DEFAULT_INVENTORY, help="inventory directory or file (default: inventory)"
    )
    p.add_argument("--format", choices=("table", "summary", "json", "csv"), default="table")
    p.add_argument("--site", help="explain every allocation of this site and how it was derived")
    p.add_argument("--out", help="write to this file instead of standard output")
    p.set_defaults(func=cmd_plan)

    p = sub.add_parser("schema", help="print the JSON Schema of inventory files (for editors)")
    p.add_argument("--out", help="write to this file (e.g. inventory/schema.json)")
    p.set_defaults(func=cmd_schema)

    from infra.cli_render import add_parsers

    add_parsers(sub, DEFAULT_INVENTORY)
    from infra.cli_audit import add_audit_parser
    from infra.cli_deploy import add_deploy_parser
    from infra.cli_hosts import add_hosts_parser
    from infra.cli_lab import add_lab_parser

    add_lab_parser(sub, DEFAULT_INVENTORY)
    add_deploy_parser(sub, DEFAULT_INVENTORY)
    add_hosts_parser(sub, DEFAULT_INVENTORY)
    add_audit_parser(sub, DEFAULT_INVENTORY)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run one command; return its exit code. Never lets a traceback reach the user."""
    out = out or sys.stdout
    err = err or sys.stderr
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return EXIT_OK if exc.code == 0 else EXIT_INPUT
    style = getattr(args, "format", "text")
    style = style if style in ("json", "github") else "text"
    try:
        func = args.func
        code: int = gc_paused(func)(args, out, err) if _wants_err(func) else gc_paused(func)(args, out)
        return code
    except ProblemsError as exc:
        report_problems(exc, style, out if style == "json" else err)
        return EXIT_INPUT
    except UsageError as exc:
        err.write(f"hatang: {exc}\n")
        return EXIT_INPUT
    except ToolError as exc:
        err.write(f"hatang: {exc}\n")
        return EXIT_FAILED
    except KeyboardInterrupt:
        err.write("hatang: interrupted\n")
        return 130
    except Exception as exc:
        if os.environ.get("HATANG_DEBUG"):
            raise
        err.write(f"hatang: internal error: {type(exc).__name__}: {exc}\n(run with HATANG_DEBUG=1 for details)\n")
        return EXIT_INTERNAL


def run() -> None:
    """Console-script entry point."""
    raise SystemExit(main())
