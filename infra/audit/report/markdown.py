"""``summary.md``: a short Markdown summary for a pull-request or CI comment (in English, as CI logs are).

Totals; a table by security level and one by agency; every failing control with its target and summary line
(up to a limit, so the comment stays under the size forges accept); the targets and checks that could not run;
waivers with their expiry, expired ones marked.
"""

from __future__ import annotations

import re

from infra.audit.catalogue import Catalogue
from infra.audit.model import STATUSES, AuditRun, Finding
from infra.audit.report.common import Row, agency_rows, counts, erroring, failing, level_rows, system_rows, waived
from infra.audit.report.junit import case_name

LIMIT = 100  # findings listed per section; the rest are counted
_NOT_SHOWN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_MARKUP = re.compile(r"([\\`*_{}\[\]<>|#~])")


def cell(text: str) -> str:
    """Text safe in a Markdown table cell or list line: one line, Markdown and HTML characters escaped."""
    one_line = " ".join(_NOT_SHOWN.sub("\ufffd", text).split())
    return _MARKUP.sub(r"\\\1", one_line)


def code(text: str) -> str:
    """Text as an inline code span (one line; a backquote inside becomes a quote)."""
    one_line = " ".join(_NOT_SHOWN.sub("\ufffd", text).split()).replace("`", "'")
    return f"`{one_line}`"


def _table(rows: list[Row], head: str) -> list[str]:
    out = [
        f"| {head} | " + " | ".join(STATUSES) + " | total |",
        "|---|" + "---:|" * (len(STATUSES) + 1),
    ]
    for row in rows:
        name = cell(row.label if row.label == row.key else f"{row.label} ({row.key})")
        out.append(f"| {name} | " + " | ".join(str(row.counts[s]) for s in STATUSES) + f" | {row.total} |")
    return out


def _finding_line(f: Finding, catalogue: Catalogue) -> str:
    title = catalogue.get(f.control).title.en
    line = f"- **{f.control}** {cell(title)} — {code(case_name(f))}"
    return line + (f": {cell(f.summary)}" if f.summary else "")


def _limited(findings: list[Finding], catalogue: Catalogue) -> list[str]:
    lines = [_finding_line(f, catalogue) for f in findings[:LIMIT]]
    if len(findings) > LIMIT:
        lines.append(f"- … and {len(findings) - LIMIT} more (see the HTML report or audit.json)")
    return lines


def _waiver_lines(findings: list[Finding], catalogue: Catalogue) -> list[str]:
    lines = []
    for f in findings[:LIMIT]:
        assert f.waiver is not None
        w = f.waiver
        state = f"**expired {w.expires}** (waives nothing)" if w.expired else f"until {w.expires}"
        who = f", approved by {cell(w.approved_by)}" if w.approved_by else ""
        lines.append(f"{_finding_line(f, catalogue)} — {state}{who}: {cell(w.justification)}")
    if len(findings) > LIMIT:
        lines.append(f"- … and {len(findings) - LIMIT} more")
    return lines


def _verdict(run: AuditRun) -> str:
    if run.failed:
        return "**FAIL** — some controls fail"
    if run.errored:
        return "**INCOMPLETE** — some targets or checks could not be examined"
    return "**PASS** — no control fails"


def summary_markdown(run: AuditRun, catalogue: Catalogue) -> str:
    """The Markdown summary of a run."""
    i = run.info
    total = counts(run.findings)
    level = "each target's own" if i.level is None else str(i.level)
    lines = [
        f"## hatang audit {code(i.id)}: {_verdict(run)}",
        "",
        f"{len(run.findings)} findings: " + ", ".join(f"{total[s]} {s}" for s in STATUSES) + ".",
        f"Baseline `{i.baseline}`, level {level}, {'lab twin' if i.lab else 'real targets'}; "
        f"run by {cell(i.operator)} from {i.started} to {i.finished} with {cell(i.tool)}; "
        f"inventory {code(i.inventory)} sha256 `{i.inventory_sha256[:16]}…`.",
        "",
        "### By security level",
        "",
        *_table(level_rows(run), "level"),
        "",
    ]
    systems = system_rows(run)
    if systems:
        lines += ["### By information system", "", *_table(systems, "system"), ""]
    agencies = agency_rows(run)
    if agencies:
        lines += ["<details><summary>By agency</summary>", "", *_table(agencies, "agency"), "", "</details>", ""]
    fails = failing(run, catalogue)
    lines += [f"### Failing ({len(fails)})", "", *(_limited(fails, catalogue) or ["None."]), ""]
    errors = erroring(run, catalogue)
    if run.errors or errors:
        lines += [f"### Could not be examined ({len(run.errors) + len(errors)})", ""]
        lines += [f"- {e.kind} {code(e.target)}: {cell(e.reason)}" for e in run.errors]
        lines += [*_limited(errors, catalogue), ""]
    waivers = waived(run, catalogue)
    if waivers:
        lines += [f"### Waivers ({len(waivers)})", "", *_waiver_lines(waivers, catalogue), ""]
    return "\n".join(lines).rstrip("\n") + "\n"
