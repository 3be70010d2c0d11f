"""``report.vi.html`` and ``report.en.html``: the auditor's report, one self-contained file per language.

Inline CSS, no script, no external resource (a Content-Security-Policy in the page forbids loading any). The page
holds the run's header, the summary by level and by agency, IPv6 readiness per agency, every control of the
catalogue in order with its references for the run's baseline (and how firmly each was established), every
finding with what was observed and expected, its waiver and its evidence ids, and at the end every piece of
evidence once, whole, in a collapsed block. Jinja2 renders it with autoescape on and StrictUndefined.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from infra.audit.catalogue import INSTRUMENTS, Baseline, Catalogue, Control, Threshold, ThresholdValue, references
from infra.audit.model import STATUSES, AuditRun, Evidence, Finding, Status
from infra.audit.report import i18n
from infra.audit.report.common import (
    Lang,
    Row,
    agency_rows,
    by_control,
    counts,
    evidence_order,
    level_rows,
    system_rows,
    title,
)

TEMPLATES = Path(__file__).resolve().parent / "templates"
TEMPLATE = "report.html.j2"
SYMBOL: dict[str, str] = {
    "pass": "✔",
    "fail": "✘",
    "warn": "⚠",
    "not-applicable": "–",
    "waived": "⊘",
    "manual": "✎",
    "error": "!",
}
OPEN = ("fail", "warn", "waived", "manual", "error")  # findings shown unfolded
_NOT_SHOWN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def shown(text: str) -> str:
    """Text as the page shows it: control characters and undecodable bytes as U+FFFD (the JSON keeps them)."""
    return _NOT_SHOWN.sub("\ufffd", text) if _NOT_SHOWN.search(text) else text


@dataclass(frozen=True, slots=True)
class Badge:
    """A status as shown: its class, symbol and translated text (never colour alone)."""

    status: str
    symbol: str
    text: str


def badge(status: str, lang: Lang) -> Badge:
    """The badge of a finding status."""
    return Badge(status, SYMBOL[status], i18n.status_label(status, lang))


@dataclass(frozen=True, slots=True)
class RefView:
    """A reference as printed: instrument title, clause, verification status and note."""

    instrument: str
    title: str
    clause: str | None
    status: str
    status_text: str
    note: str | None


@dataclass(frozen=True, slots=True)
class ThresholdView:
    """A threshold as printed: its name, how it compares, its steps by level, how firmly it was established."""

    name: str
    steps: str
    status: str
    status_text: str
    source: str | None
    note: str | None


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """An evidence id as a finding cites it, with its hash and time."""

    id: str
    anchor: str
    source: str
    taken: str
    sha256: str


@dataclass(frozen=True, slots=True)
class FindingView:
    """A finding with its labels resolved."""

    finding: Finding
    badge: Badge
    checked: Badge | None
    kind: str
    source: str | None
    open: bool
    evidence: tuple[EvidenceRef, ...]
    agencies: str


@dataclass(frozen=True, slots=True)
class ControlView:
    """A control with its references, thresholds and findings."""

    id: str
    anchor: str
    title: str
    family: str
    applies_from: int
    references: tuple[RefView, ...]
    thresholds: tuple[ThresholdView, ...]
    findings: tuple[FindingView, ...]
    counts: dict[Status, int]


@dataclass(frozen=True, slots=True)
class EvidenceView:
    """A piece of evidence as the appendix prints it."""

    id: str
    anchor: str
    target: str
    source: str
    taken: str
    sha256: str
    rc: int | None
    text: str
    lines: int


@dataclass(frozen=True, slots=True)
class ReadinessView:
    """One agency's IPv6 readiness row."""

    name: str
    label: str
    score: object
    plan_only: bool
    parts: dict[str, dict[str, object]]
    services: dict[str, object]
    devices: dict[str, object]
    hosts: dict[str, object]


def anchors(run: AuditRun) -> dict[str, str]:
    """Evidence id → a safe HTML id."""
    return {key: f"ev-{n}" for n, key in enumerate(evidence_order(run.evidence))}


def _ref(control: Control, baseline: Baseline, lang: Lang) -> tuple[RefView, ...]:
    return tuple(
        RefView(
            instrument=r.instrument,
            title=i18n.instrument_title(r.instrument, INSTRUMENTS[r.instrument].title, lang),
            clause=r.clause,
            status=r.status,
            status_text=i18n.verification_label(r.status, lang),
            note=r.note,
        )
        for r in references(control, baseline)
    )


def _value(value: ThresholdValue, lang: Lang) -> str:
    if isinstance(value, bool):
        return i18n.label("yes" if value else "no", lang)
    if isinstance(value, tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return str(value)


def _steps(limit: Threshold, lang: Lang) -> str:
    """``Level ≥ 1: at most 4; Level ≥ 3: at most 3`` (an ``equals`` step shows its value alone)."""
    word = i18n.label("level", lang)
    op = i18n.OP[limit.op][lang]
    unit = f" {limit.unit}" if limit.unit else ""
    return "; ".join(
        f"{word} ≥ {step.level}: {op + ' ' if op else ''}{_value(step.value, lang)}{unit}" for step in limit.steps
    )


def _thresholds(control: Control, lang: Lang) -> tuple[ThresholdView, ...]:
    return tuple(
        ThresholdView(
            name=name,
            steps=_steps(limit, lang),
            status=limit.status,
            status_text=i18n.verification_label(limit.status, lang),
            source=limit.source,
            note=limit.note,
        )
        for name, limit in control.thresholds.items()
    )


def _finding(f: Finding, run: AuditRun, anchor: dict[str, str], labels: dict[str, str], lang: Lang) -> FindingView:
    evidence = tuple(
        EvidenceRef(e, anchor[e], shown(run.evidence[e].source), run.evidence[e].taken, run.evidence[e].sha256)
        for e in f.evidence
    )
    checked = badge(f.checked_status, lang) if f.checked_status and f.checked_status != f.status else None
    return FindingView(
        finding=f,
        badge=badge(f.status, lang),
        checked=checked,
        kind=i18n.KIND[f.kind][lang],
        source=i18n.SOURCE[f.source][lang] if f.source in i18n.SOURCE else f.source,
        open=f.status in OPEN or (f.waiver is not None and f.waiver.expired),
        evidence=evidence,
        agencies=", ".join(labels.get(a, a) for a in f.agencies),
    )


def control_views(run: AuditRun, catalogue: Catalogue, baseline: Baseline, lang: Lang) -> list[ControlView]:
    """Every control of the catalogue, in order, with its findings of this run."""
    grouped = by_control(run.findings, catalogue)
    anchor = anchors(run)
    labels = {a.name: a.label for a in run.agencies}
    out = []
    for control in catalogue:
        findings = grouped.get(control.id, [])
        out.append(
            ControlView(
                id=control.id,
                anchor=f"c-{control.id}",
                title=title(control, lang),
                family=i18n.FAMILY[control.family][lang],
                applies_from=control.applies_from_level,
                references=_ref(control, baseline, lang),
                thresholds=_thresholds(control, lang),
                findings=tuple(_finding(f, run, anchor, labels, lang) for f in findings),
                counts=counts(findings),
            )
        )
    return out


def evidence_views(run: AuditRun) -> list[EvidenceView]:
    """Every piece of evidence once, by id."""
    anchor = anchors(run)
    return [_evidence(run.evidence[k], anchor[k]) for k in evidence_order(run.evidence)]


def _evidence(ev: Evidence, anchor: str) -> EvidenceView:
    text = shown(ev.text)
    return EvidenceView(
        id=ev.id,
        anchor=anchor,
        target=ev.target,
        source=shown(ev.source),
        taken=ev.taken,
        sha256=ev.sha256,
        rc=ev.rc,
        text=text,
        lines=len(text.splitlines()),
    )


def readiness_views(run: AuditRun, ipv6: dict[str, dict[str, object]]) -> list[ReadinessView]:
    """The readiness rows, in the run's agency order."""
    out = []
    for agency in run.agencies:
        figures = ipv6.get(agency.name)
        if figures is None:
            continue
        out.append(
            ReadinessView(
                name=agency.name,
                label=agency.label,
                score=figures["score"],
                plan_only=figures["decided"] == 0,
                parts=_mapping(figures["parts"]),
                services=_plain(figures["services"]),
                devices=_plain(figures["devices"]),
                hosts=_plain(figures["hosts"]),
            )
        )
    return out


def _plain(value: object) -> dict[str, object]:
    assert isinstance(value, dict)
    return {str(k): v for k, v in value.items()}


def _mapping(value: object) -> dict[str, dict[str, object]]:
    return {k: _plain(v) for k, v in _plain(value).items()}


@functools.cache
def environment() -> Environment:
    """The Jinja2 environment of the report templates: autoescape on, undefined names an error (built once)."""
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )


def _finalize(value: object) -> object:
    """Every printed string goes through :func:`shown` (then autoescape)."""
    return shown(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def report_html(
    run: AuditRun,
    catalogue: Catalogue,
    baseline: Baseline,
    ipv6: dict[str, dict[str, object]],
    lang: Lang,
    province: str,
    systems: dict[str, str] | None = None,
) -> str:
    """The HTML report of a run in ``lang`` (``baseline`` is the run's, already checked; ``systems``: labels)."""
    rows_level: list[Row] = level_rows(run)
    rows_agency: list[Row] = agency_rows(run)
    rows_system: list[Row] = system_rows(run, systems)
    template = environment().get_template(TEMPLATE)
    return template.render(
        lang=lang,
        t=lambda key: i18n.label(key, lang),
        badge=lambda status: badge(status, lang),
        statuses=STATUSES,
        info=run.info,
        province=province,
        baseline_text=i18n.BASELINE[baseline][lang],
        verdict="fail" if run.failed else ("error" if run.errored else "pass"),
        total=counts(run.findings),
        findings_total=len(run.findings),
        level_rows=rows_level,
        agency_rows=rows_agency,
        system_rows=rows_system,
        readiness=readiness_views(run, ipv6),
        errors=sorted(run.errors, key=lambda e: (e.kind, e.target)),
        kind_text=lambda kind: i18n.KIND[kind][lang],
        controls=control_views(run, catalogue, baseline, lang),
        evidence=evidence_views(run),
        verification=[(s, i18n.VERIFICATION[s][lang], i18n.VERIFICATION_MEANING[s][lang]) for s in i18n.VERIFICATION],
        generated=i18n.label("generated", lang).format(tool=run.info.tool),
    )
