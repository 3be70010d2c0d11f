"""``junit.xml``: the findings as JUnit test results, for CI (Jenkins, GitLab) to show beside the pipeline.

One ``<testsuite>`` per control family, in catalogue order, then one for the targets that could not be examined.
A test case is one control on one target: ``classname`` is the control's id and English title, ``name`` the
target (with ``[intended]`` or ``[running]`` for device configurations). ``fail`` becomes ``<failure>``, ``error``
``<error>``; ``not-applicable``, ``waived`` and ``manual`` become ``<skipped>`` with the reason; ``pass`` and
``warn`` pass (a warning says so in ``<system-out>``). The shape is ``schemas/junit.xsd``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from infra.audit.catalogue import Catalogue
from infra.audit.model import AuditRun, Finding, TargetError
from infra.audit.report.common import ordered

# Characters XML 1.0 cannot carry (C0 controls but tab, newline and return; lone surrogates; U+FFFE, U+FFFF).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
SKIPPED = ("not-applicable", "waived", "manual")


def xml_text(text: str) -> str:
    """``text`` with the characters XML cannot carry replaced by U+FFFD (evidence may hold terminal escapes)."""
    return _NOT_XML.sub("\ufffd", text)


def case_classname(f: Finding, catalogue: Catalogue) -> str:
    """The control's id and English title.

    A dot in the title is written as a one-dot leader (U+2024): Jenkins reads what comes before the last dot of a
    class name as a package name.
    """
    return f"{f.control} {catalogue.get(f.control).title.en}".replace(".", "\u2024")


def case_name(f: Finding) -> str:
    """The target, with the configuration source for device findings."""
    return f"{f.target} [{f.source}]" if f.source else f.target


def _details(f: Finding) -> str:
    lines = []
    for i in f.items:
        threshold = f" (threshold {i.threshold})" if i.threshold else ""
        lines.append(f"{i.name}: {i.status}; observed {i.observed}; expected {i.expected}{threshold}")
    return "\n".join(lines)


def _evidence(f: Finding, run: AuditRun) -> str:
    out = []
    for e in f.evidence:
        ev = run.evidence.get(e)
        out.append(f"evidence {e}: {ev.source}, taken {ev.taken}, sha256 {ev.sha256}" if ev else f"evidence {e}")
    return "\n".join(out)


def _skip_message(f: Finding) -> str:
    if f.status == "waived" and f.waiver is not None:
        w = f.waiver
        who = f", approved by {w.approved_by}" if w.approved_by else ""
        checked = f" (check: {f.checked_status})" if f.checked_status else ""
        return f"waived until {w.expires}{who}{checked}: {w.justification}"
    return f"{f.status}: {f.summary}" if f.summary else f.status


@dataclass(slots=True)
class Tally:
    """The counts of a suite, and of the whole file."""

    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    time: float = 0.0

    def add(self, other: Tally) -> None:
        """Add another suite's counts."""
        self.tests += other.tests
        self.failures += other.failures
        self.errors += other.errors
        self.skipped += other.skipped
        self.time += other.time

    def attrs(self) -> dict[str, str]:
        """The counting attributes."""
        return {
            "tests": str(self.tests),
            "failures": str(self.failures),
            "errors": str(self.errors),
            "skipped": str(self.skipped),
            "time": f"{self.time:.3f}",
        }


def _case(f: Finding, run: AuditRun, catalogue: Catalogue, tally: Tally) -> ET.Element:
    case = ET.Element(
        "testcase", {"classname": case_classname(f, catalogue), "name": case_name(f), "time": f"{f.duration:.3f}"}
    )
    tally.tests += 1
    tally.time += f.duration
    message = xml_text(f.summary or f.status)
    if f.status == "fail":
        tally.failures += 1
        ET.SubElement(case, "failure", {"message": message, "type": "fail"}).text = xml_text(_details(f))
    elif f.status == "error":
        tally.errors += 1
        ET.SubElement(case, "error", {"message": message, "type": "error"}).text = xml_text(_details(f))
    elif f.status in SKIPPED:
        tally.skipped += 1
        ET.SubElement(case, "skipped", {"message": xml_text(_skip_message(f))})
    out = "\n".join(x for x in (f"warning: {f.summary}" if f.status == "warn" else "", _evidence(f, run)) if x)
    if out:
        ET.SubElement(case, "system-out").text = xml_text(out)
    return case


def _properties(run: AuditRun) -> ET.Element:
    props = ET.Element("properties")
    i = run.info
    values = {
        "run": i.id,
        "tool": i.tool,
        "operator": i.operator,
        "baseline": i.baseline,
        "level": "each target's own" if i.level is None else str(i.level),
        "inventory": i.inventory,
        "inventory_sha256": i.inventory_sha256,
        "catalogue_sha256": i.catalogue_sha256,
        "waivers_sha256": i.waivers_sha256 or "",
        "lab": "yes" if i.lab else "no",
    }
    for name, value in values.items():
        ET.SubElement(props, "property", {"name": name, "value": xml_text(value)})
    return props


def _suite(name: str, number: int, run: AuditRun) -> ET.Element:
    host = run.info.operator.rsplit("@", 1)[-1]
    suite = ET.Element(
        "testsuite",
        {"name": name, "id": str(number), "package": "hatang.audit", "hostname": host, "timestamp": run.info.started},
    )
    suite.append(_properties(run))
    return suite


def _error_case(e: TargetError, tally: Tally) -> ET.Element:
    case = ET.Element("testcase", {"classname": f"target {e.kind}", "name": e.target, "time": "0.000"})
    ET.SubElement(case, "error", {"message": xml_text(e.reason), "type": "unreachable"})
    tally.tests += 1
    tally.errors += 1
    return case


def junit_xml(run: AuditRun, catalogue: Catalogue) -> str:
    """The JUnit XML text of a run."""
    families: dict[str, list[Finding]] = {}
    for f in ordered(run.findings, catalogue):
        families.setdefault(catalogue.get(f.control).family, []).append(f)
    root = ET.Element("testsuites", {"name": f"hatang audit {run.info.id}"})
    total = Tally()
    suites: list[tuple[ET.Element, Tally]] = []
    for number, (family, findings) in enumerate(families.items()):
        suite, tally = _suite(family, number, run), Tally()
        for f in findings:
            suite.append(_case(f, run, catalogue, tally))
        suites.append((suite, tally))
    if run.errors:
        suite, tally = _suite("targets", len(suites), run), Tally()
        for e in sorted(run.errors, key=lambda e: (e.kind, e.target)):
            suite.append(_error_case(e, tally))
        suites.append((suite, tally))
    for suite, tally in suites:
        suite.attrib.update(tally.attrs())
        total.add(tally)
        root.append(suite)
    root.attrib.update(total.attrs())
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
