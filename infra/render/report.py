"""Reports of the static checks: JUnit XML for CI test views, Markdown for a pull-request comment.

Both stay small for a province of any size: JUnit has one passing test case per check (summarising the
devices that pass it) and one failing test case per (check, device) with findings; Markdown lists the
first findings and counts the rest.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Iterable, Sequence

from infra.render.checks import CHECKS, Finding

MARKDOWN_FINDINGS = 50  # findings listed in a pull-request comment; the rest are counted
MARKDOWN_NAMES = 10  # device and site names listed per kind of change


def _by_check(findings: Iterable[Finding]) -> dict[str, dict[str, list[Finding]]]:
    """Findings grouped by check, then by device (both in first-seen order)."""
    out: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for finding in findings:
        out[finding.check][finding.device].append(finding)
    return out


def _check_names(checks: Sequence[str], grouped: dict[str, dict[str, list[Finding]]]) -> list[str]:
    """The checks to report: those asked for, then any other that has findings."""
    return [*checks, *(c for c in grouped if c not in checks)]


def _line(finding: Finding) -> str:
    return f"{finding.interface}: {finding.message}" if finding.interface else finding.message


def _failing_case(suite: ET.Element, check: str, device: str, found: list[Finding]) -> None:
    case = ET.SubElement(suite, "testcase", classname=check, name=device, time="0")
    message = "; ".join(_line(f) for f in found)
    failure = ET.SubElement(case, "failure", message=message, type=check)
    failure.text = "\n".join(_line(f) for f in found)


def _passing_case(suite: ET.Element, check: str, passing: int) -> None:
    ET.SubElement(suite, "testcase", classname=check, name=f"{passing} devices pass", time="0")


def junit_xml(
    findings: Sequence[Finding],
    *,
    devices: Sequence[str],
    checks: Sequence[str] = CHECKS,
    suite: str = "hatang ci",
    inventory_sha: str | None = None,
) -> str:
    """The findings as a JUnit XML document.

    Args:
        findings: What the checks found.
        devices: Every device checked (the passing count of a check is those without its findings).
        checks: Every check run; a check with findings that is not listed is reported too.
        suite: The test suite's name.
        inventory_sha: The inventory's SHA-256, recorded as a property when given.

    Returns:
        The XML text: one failing test case per (check, device) with findings, and one passing test case
        per check for the devices that pass it (present when some device passes, or when none fails).
    """
    grouped = _by_check(findings)
    root = ET.Element("testsuites", name=suite)
    body = ET.SubElement(root, "testsuite", name=suite, errors="0", skipped="0", time="0")
    if inventory_sha is not None:
        properties = ET.SubElement(body, "properties")
        ET.SubElement(properties, "property", name="inventory_sha256", value=inventory_sha)
    tests = failures = 0
    for check in _check_names(checks, grouped):
        failing = grouped.get(check, {})
        for device, found in failing.items():
            _failing_case(body, check, device, found)
        passing = sum(1 for d in devices if d not in failing)
        if passing or not failing:
            _passing_case(body, check, passing)
        tests += len(failing) + (1 if passing or not failing else 0)
        failures += len(failing)
    for element in (root, body):
        element.set("tests", str(tests))
        element.set("failures", str(failures))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


# --- Markdown ------------------------------------------------------------------------------------


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell: pipes escaped, line breaks flattened."""
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())


def _verdict(findings: Sequence[Finding], inventory_sha: str, base: str | None) -> str:
    against = f" against `{cell(base)}`" if base else ""
    where = f"inventory sha256 `{inventory_sha[:12]}`{against}"
    if not findings:
        return f"✅ **hatang checks passed** ({where})"
    devices = len({f.device for f in findings})
    return f"❌ **hatang checks failed**: {len(findings)} findings on {devices} devices ({where})"


def _check_table(findings: Sequence[Finding], checks: Sequence[str], devices: Sequence[str] | None) -> list[str]:
    grouped = _by_check(findings)
    lines = ["| Check | Devices passing | Devices failing | Findings |", "| --- | ---: | ---: | ---: |"]
    for check in _check_names(checks, grouped):
        failing = grouped.get(check, {})
        passing = str(sum(1 for d in devices if d not in failing)) if devices is not None else "—"
        mark = "❌" if failing else "✅"
        count = sum(len(v) for v in failing.values())
        lines.append(f"| {mark} `{check}` | {passing} | {len(failing)} | {count} |")
    return lines


def _finding_table(findings: Sequence[Finding], limit: int) -> list[str]:
    if not findings:
        return []
    lines = ["", "| Check | Device | Interface | Message |", "| --- | --- | --- | --- |"]
    for f in findings[:limit]:
        lines.append(f"| `{f.check}` | {cell(f.device)} | {cell(f.interface)} | {cell(f.message)} |")
    if len(findings) > limit:
        lines.append("")
        lines.append(f"…and {len(findings) - limit} more findings (see the JUnit report).")
    return lines


def _names(values: object) -> list[str]:
    return [str(v) for v in values] if isinstance(values, list | tuple) else []


def _first(names: list[str]) -> str:
    shown = ", ".join(cell(n) for n in names[:MARKDOWN_NAMES])
    more = f" …and {len(names) - MARKDOWN_NAMES} more" if len(names) > MARKDOWN_NAMES else ""
    return f": {shown}{more}" if names else ""


def _changes(diff: dict[str, object], base: str | None) -> list[str]:
    against = f" (against `{cell(base)}`)" if base else ""
    files = diff.get("files_changed", 0)
    lines = ["", f"#### Changes{against}", "", f"- files changed: {files if isinstance(files, int) else 0}"]
    for key, label in (
        ("devices_changed", "devices changed"),
        ("devices_added", "devices added"),
        ("devices_removed", "devices removed"),
    ):
        names = _names(diff.get(key))
        lines.append(f"- {label}: {len(names)}{_first(names)}")
    sites = _names(diff.get("sites_prefixes_changed"))
    if sites:
        lines.append("")
        lines.append(f"⚠️ prefixes changed at sites{_first(sites)} — normally none")
    return lines


def markdown_summary(
    *,
    findings: Sequence[Finding],
    diff_summary: dict[str, object] | None,
    inventory_sha: str,
    base: str | None,
    devices: Sequence[str] | None = None,
    checks: Sequence[str] = CHECKS,
    limit: int = MARKDOWN_FINDINGS,
) -> str:
    """A Markdown section for a pull-request comment.

    Args:
        findings: What the checks found, in report order.
        diff_summary: What changed against ``base`` (``devices_changed``, ``devices_added``,
            ``devices_removed`` and ``sites_prefixes_changed`` name lists, ``files_changed`` a count), or None.
        inventory_sha: The inventory's SHA-256.
        base: The revision the change is compared with, when there is one.
        devices: Every device checked, for the passing counts (shown as "—" without it).
        checks: Every check run.
        limit: How many findings to list; the rest are counted.

    Returns:
        The section: a verdict line, a table of checks, the first findings, and the changes when given.
    """
    lines = ["### hatang", "", _verdict(findings, inventory_sha, base), ""]
    lines += _check_table(findings, checks, devices)
    lines += _finding_table(findings, limit)
    if diff_summary is not None:
        lines += _changes(diff_summary, base)
    return "\n".join(lines) + "\n"
