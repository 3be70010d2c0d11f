"""The ``render``, ``diff`` and ``ci`` commands: printing and exit codes around ``infra.render.pipeline``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from infra.errors import ProblemsError
from infra.render.env import default_templates

if TYPE_CHECKING:
    from infra.errors import Problem
    from infra.render.diff import Comparison
    from infra.render.pipeline import Build

EXIT_OK, EXIT_FAILED = 0, 1
MAX_DIFF_DEVICES = 200  # full diffs printed; the rest are in the build folder


def _templates(args: argparse.Namespace) -> Path:
    return Path(args.templates) if args.templates else default_templates()


def _failures(problems: list[Problem], err: TextIO) -> None:
    for p in problems:
        err.write(f"{p}\n")


def cmd_render(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Render every device's configuration, the Ansible inventory and the plan into the build folder."""
    from infra.render.pipeline import build

    result = build(Path(args.path), Path(args.out), _templates(args))
    written = result.written
    assert written is not None
    rendered = result.rendered
    summary = {
        "ok": not rendered.failures,
        "inventory_sha256": result.inv.digest,
        "devices": len(rendered.devices),
        "failed": len(rendered.failures),
        "files": len(result.files),
        "written": len(written.written),
        "unchanged": written.unchanged,
        "removed": len(written.removed),
        "out": args.out,
    }
    if args.format == "json":
        out.write(json.dumps({**summary, "failures": [str(p) for p in rendered.failures]}, ensure_ascii=False) + "\n")
    else:
        out.write(
            f"rendered {summary['devices']} devices of {result.inv.province.name} into {args.out}: "
            f"{summary['files']} files, {summary['written']} written, {summary['unchanged']} unchanged, "
            f"{summary['removed']} removed\n"
        )
        _failures(rendered.failures, err)
    if rendered.failures:
        err.write(f"hatang: rendering failed for {len(rendered.failures)} devices; the others were written\n")
        return EXIT_FAILED
    return EXIT_OK


def _print_comparison(cmp: Comparison, out: TextIO, limit: int) -> None:
    for d in cmp.devices[:limit]:
        out.write(f"=== {d.device} ({d.status})\n{d.text}")
        if d.text and not d.text.endswith("\n"):
            out.write("\n")
    if len(cmp.devices) > limit:
        out.write(f"... {len(cmp.devices) - limit} more devices changed (diffs in the build folder)\n")
    s = cmp.summary()
    out.write(
        f"summary: {len(s['devices_changed'])} changed, {len(s['devices_added'])} added, "  # type: ignore[arg-type]
        f"{len(s['devices_removed'])} removed devices; {s['files_changed']} files\n"  # type: ignore[arg-type]
    )
    sites = cmp.sites_prefixes_changed
    if sites:
        out.write(f"WARNING: address blocks changed at {len(sites)} sites: {', '.join(sites[:20])}\n")
    else:
        out.write("address blocks of existing sites: unchanged\n")


def _write_diffs(cmp: Comparison, out_dir: Path) -> None:
    folder = out_dir / "diffs"
    if folder.is_dir():
        for old in folder.glob("*.diff"):
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    for d in cmp.devices:
        (folder / f"{d.device}.diff").write_text(d.text, encoding="utf-8")
    (folder / "summary.json").write_text(json.dumps(cmp.summary(), indent=1) + "\n", encoding="utf-8")


def cmd_diff(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Render a git revision and the working tree; print per-device diffs and a summary."""
    from infra.render.pipeline import diff_against

    base, head, cmp = diff_against(Path(args.path), args.base, _templates(args))
    if args.out:
        _write_diffs(cmp, Path(args.out))
    if args.format == "json":
        out.write(json.dumps({"base": args.base, **cmp.summary()}, ensure_ascii=False) + "\n")
    else:
        _print_comparison(cmp, out, MAX_DIFF_DEVICES)
    failures = base.rendered.failures + head.rendered.failures
    if failures:
        _failures(failures, err)
        err.write(f"hatang: rendering failed for {len(failures)} devices (base and head together)\n")
        return EXIT_FAILED
    return EXIT_OK


def _ci_checks(head: Build) -> tuple[list[Any], list[str]]:
    from infra.render.checks import collect_facts, run_checks

    facts, unparsed = collect_facts(head.rendered.intents, head.rendered.files)
    findings = list(unparsed) + run_checks(head.rendered.intents, facts)
    return findings, sorted(head.rendered.devices)


def _invalid_reports(exc: ProblemsError, args: argparse.Namespace, out_dir: Path) -> None:
    """JUnit and Markdown reports for an inventory that does not validate (one ``validate`` failure per file)."""
    from infra.render.checks import Finding
    from infra.render.report import junit_xml, markdown_summary

    findings = [Finding("validate", p.file or "<inventory>", "", str(p)) for p in exc.problems]
    files = sorted({f.device for f in findings})
    reports = out_dir / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    junit = Path(args.junit) if args.junit else reports / "ci.xml"
    markdown = Path(args.markdown) if args.markdown else reports / "ci.md"
    junit.write_text(junit_xml(findings, devices=files, checks=["validate"]), encoding="utf-8")
    text = markdown_summary(findings=findings, diff_summary=None, inventory_sha="", base=args.base, checks=["validate"])
    markdown.write_text(text, encoding="utf-8")


def cmd_ci(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Validate, render, diff against a base (optional) and run the static checks; write JUnit XML and Markdown."""
    from infra.render.checks import CHECKS
    from infra.render.pipeline import build, diff_against
    from infra.render.report import junit_xml, markdown_summary

    out_dir = Path(args.out)
    try:
        head = build(Path(args.path), out_dir, _templates(args))
    except ProblemsError as exc:
        _invalid_reports(exc, args, out_dir)
        raise
    cmp = None
    if args.base:
        _, _, cmp = diff_against(Path(args.path), args.base, _templates(args), head=head)
        _write_diffs(cmp, out_dir)
        _print_comparison(cmp, out, 20)
    findings, devices = _ci_checks(head)
    failures = head.rendered.failures
    sha = head.inv.digest
    reports = out_dir / "reports"
    reports.mkdir(parents=True, exist_ok=True)
    junit = Path(args.junit) if args.junit else reports / "ci.xml"
    markdown = Path(args.markdown) if args.markdown else reports / "ci.md"
    junit.write_text(junit_xml(findings, devices=devices, checks=list(CHECKS), inventory_sha=sha), encoding="utf-8")
    summary = cmp.summary() if cmp is not None else None
    text = markdown_summary(findings=findings, diff_summary=summary, inventory_sha=sha, base=args.base, devices=devices)
    markdown.write_text(text, encoding="utf-8")
    for f in findings:
        err.write(f"{f.check}: {f.device}{' ' + f.interface if f.interface else ''}: {f.message}\n")
    _failures(failures, err)
    ok = not findings and not failures
    out.write(
        f"ci: {'passed' if ok else 'FAILED'} — {len(devices)} devices rendered, {len(failures)} render failures, "
        f"{len(findings)} check findings; reports: {junit}, {markdown}\n"
    )
    return EXIT_OK if ok else EXIT_FAILED


def add_parsers(sub: Any, default_inventory: str) -> None:
    """Add the render, diff and ci subcommands."""
    tpl_help = "templates folder (default: $HATANG_TEMPLATES or the templates/ beside the package)"
    p = sub.add_parser("render", help="render every device's configuration, the Ansible inventory and the plan")
    p.add_argument("path", nargs="?", default=default_inventory, help="inventory directory or file")
    p.add_argument("--out", default="build", help="build folder (default: build); unchanged files are not rewritten")
    p.add_argument("--templates", help=tpl_help)
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("diff", help="show what a change does to every device, against a git revision")
    p.add_argument("path", nargs="?", default=default_inventory, help="inventory directory or file")
    p.add_argument("--base", required=True, help="git revision to compare with (e.g. origin/main, HEAD~1)")
    p.add_argument("--templates", help=tpl_help)
    p.add_argument("--out", help="also write diffs/<device>.diff and diffs/summary.json under this folder")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=cmd_diff)

    p = sub.add_parser("ci", help="validate, render, diff (with --base) and check across devices; JUnit + Markdown")
    p.add_argument("path", nargs="?", default=default_inventory, help="inventory directory or file")
    p.add_argument("--base", help="git revision to diff against (optional)")
    p.add_argument("--out", default="build", help="build folder (default: build)")
    p.add_argument("--templates", help=tpl_help)
    p.add_argument("--junit", help="JUnit XML path (default: <out>/reports/ci.xml)")
    p.add_argument("--markdown", help="Markdown summary path (default: <out>/reports/ci.md)")
    p.add_argument("--format", choices=("text", "json", "github"), default="text", help="problem format")
    p.set_defaults(func=cmd_ci)
