"""What every report format shares: the run's consistency check, the order of findings, and the counts by group."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, cast

from infra.audit.catalogue import BASELINE_ERA, Baseline, Catalogue, Control
from infra.audit.model import STATUSES, Agency, AuditRun, Evidence, Finding, Status
from infra.errors import ToolError

Lang = Literal["vi", "en"]
LANGS: tuple[Lang, ...] = ("vi", "en")
LEVELS = (1, 2, 3, 4, 5)


class ReportError(ToolError):
    """The audit run cannot be reported: its records contradict each other (the message lists every problem)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        count = len(problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"the audit run has {count} {noun}: " + "; ".join(problems))


def run_problems(run: AuditRun, catalogue: Catalogue) -> list[str]:
    """Every contradiction in ``run`` a report would hide or repeat: unknown ids, missing or altered evidence."""
    out: list[str] = []
    if run.info.baseline not in BASELINE_ERA:
        out.append(f"baseline {run.info.baseline!r} is not one of {', '.join(BASELINE_ERA)}")
    if run.info.level is not None and run.info.level not in LEVELS:
        out.append(f"level {run.info.level!r} is not a security level 1-5")
    for key, ev in run.evidence.items():
        if key != ev.id:
            out.append(f"evidence {ev.id!r} is filed under {key!r}")
        if Evidence.digest(ev.text) != ev.sha256:
            out.append(f"evidence {ev.id!r}: its text does not match its SHA-256 {ev.sha256}")
    for f in run.findings:
        where = f"finding {f.control} on {f.target}"
        if f.control not in catalogue:
            out.append(f"{where}: no control {f.control!r} in the catalogue")
        if f.status not in STATUSES or (f.checked_status is not None and f.checked_status not in STATUSES):
            out.append(f"{where}: status {f.status!r} is not one of {', '.join(STATUSES)}")
        out += [f"{where}: no evidence {e!r} in the run" for e in f.evidence if e not in run.evidence]
    return out


def check_run(run: AuditRun, catalogue: Catalogue) -> Baseline:
    """The run's baseline, once the run is known to be consistent.

    Raises:
        ReportError: with every problem :func:`run_problems` found.
    """
    problems = run_problems(run, catalogue)
    if problems:
        raise ReportError(problems)
    return cast(Baseline, run.info.baseline)


def evidence_order(evidence: Iterable[str]) -> list[str]:
    """Evidence ids in natural order: by target, then by number (``host:2`` before ``host:10``)."""

    def key(eid: str) -> tuple[str, int, str]:
        target, _, number = eid.rpartition(":")
        return (target, int(number), "") if number.isdigit() else (eid, -1, eid)

    return sorted(evidence, key=key)


def control_order(catalogue: Catalogue) -> dict[str, int]:
    """Each control id's position in the catalogue (families in their order, then by number)."""
    return {cid: i for i, cid in enumerate(catalogue.ids())}


def ordered(findings: Iterable[Finding], catalogue: Catalogue) -> list[Finding]:
    """Findings in catalogue order, then by target kind, target and configuration source."""
    order = control_order(catalogue)
    return sorted(findings, key=lambda f: (order.get(f.control, len(order)), f.kind, f.target, f.source or ""))


def by_control(findings: Iterable[Finding], catalogue: Catalogue) -> dict[str, list[Finding]]:
    """Findings grouped by control id, in catalogue order."""
    out: dict[str, list[Finding]] = {}
    for f in ordered(findings, catalogue):
        out.setdefault(f.control, []).append(f)
    return out


def counts(findings: Iterable[Finding]) -> dict[Status, int]:
    """How many findings have each status (every status present, zero or not)."""
    out: dict[Status, int] = dict.fromkeys(STATUSES, 0)
    for f in findings:
        out[f.status] += 1
    return out


@dataclass(frozen=True, slots=True)
class Row:
    """One row of a summary table: a group (a level, an agency) and its counts."""

    key: str
    label: str
    counts: dict[Status, int]

    @property
    def total(self) -> int:
        """How many findings the group has."""
        return sum(self.counts.values())


def level_rows(run: AuditRun) -> list[Row]:
    """Counts by the level each finding was judged at, for the levels that have findings."""
    rows = []
    for level in LEVELS:
        group = [f for f in run.findings if f.level == level]
        if group:
            rows.append(Row(str(level), str(level), counts(group)))
    return rows


def agency_rows(run: AuditRun) -> list[Row]:
    """Counts by agency (a finding counts for every agency it serves), for the agencies that have findings."""
    found: dict[str, dict[Status, int]] = {}
    for f in run.findings:
        for name in f.agencies:
            found.setdefault(name, dict.fromkeys(STATUSES, 0))[f.status] += 1
    return [Row(a.name, a.label, found[a.name]) for a in run.agencies if a.name in found]


def system_rows(run: AuditRun, labels: dict[str, str] | None = None) -> list[Row]:
    """Counts by information system (a finding counts for every system its target serves), by system name."""
    found: dict[str, dict[Status, int]] = {}
    for f in run.findings:
        for name in f.systems:
            found.setdefault(name, dict.fromkeys(STATUSES, 0))[f.status] += 1
    return [Row(name, (labels or {}).get(name, name), found[name]) for name in sorted(found)]


def agency_labels(agencies: Iterable[Agency]) -> dict[str, str]:
    """Agency name → label."""
    return {a.name: a.label for a in agencies}


def effective(f: Finding) -> Status:
    """The check's own result: the status before a waiver covered it."""
    return f.checked_status if f.status == "waived" and f.checked_status is not None else f.status


def failing(run: AuditRun, catalogue: Catalogue) -> list[Finding]:
    """The findings that fail (waived ones do not), in catalogue order."""
    return ordered((f for f in run.findings if f.status == "fail"), catalogue)


def erroring(run: AuditRun, catalogue: Catalogue) -> list[Finding]:
    """The findings whose check could not run, in catalogue order."""
    return ordered((f for f in run.findings if f.status == "error"), catalogue)


def waived(run: AuditRun, catalogue: Catalogue) -> list[Finding]:
    """The findings that carry a waiver (in force or expired), in catalogue order."""
    return ordered((f for f in run.findings if f.waiver is not None), catalogue)


def title(control: Control, lang: Lang) -> str:
    """A control's title in ``lang``."""
    return control.title.vi if lang == "vi" else control.title.en
