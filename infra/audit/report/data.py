"""``audit.json``: the machine-readable record of a run, every evidence record kept whole.

Its shape is ``schemas/audit.schema.json`` (JSON Schema draft 2020-12); :func:`audit_document` builds it and the
tests validate it against that schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from infra.audit.catalogue import INSTRUMENTS, Baseline, Catalogue, Control, references
from infra.audit.model import Agency, AuditRun, Evidence, Finding, Item, TargetError, WaiverRef
from infra.audit.report.common import by_control, counts, evidence_order, ordered

SCHEMAS = Path(__file__).resolve().parent / "schemas"
JSON_SCHEMA = SCHEMAS / "audit.schema.json"
JUNIT_SCHEMA = SCHEMAS / "junit.xsd"
FORMAT = "hatang-audit"
VERSION = 1


def _item(item: Item) -> dict[str, Any]:
    return {
        "name": item.name,
        "status": item.status,
        "observed": item.observed,
        "expected": item.expected,
        "threshold": item.threshold,
    }


def _waiver(waiver: WaiverRef | None) -> dict[str, Any] | None:
    if waiver is None:
        return None
    return {
        "justification": waiver.justification,
        "expires": waiver.expires,
        "approved_by": waiver.approved_by,
        "expired": waiver.expired,
    }


def finding_data(f: Finding) -> dict[str, Any]:
    """A finding as plain data."""
    return {
        "control": f.control,
        "kind": f.kind,
        "target": f.target,
        "source": f.source,
        "status": f.status,
        "checked_status": f.checked_status,
        "level": f.level,
        "summary": f.summary,
        "items": [_item(i) for i in f.items],
        "evidence": list(f.evidence),
        "waiver": _waiver(f.waiver),
        "site": f.site,
        "systems": list(f.systems),
        "agencies": list(f.agencies),
        "duration": round(f.duration, 6),
    }


def evidence_data(ev: Evidence) -> dict[str, Any]:
    """An evidence record as plain data, its text whole."""
    return {
        "id": ev.id,
        "target": ev.target,
        "source": ev.source,
        "taken": ev.taken,
        "sha256": ev.sha256,
        "rc": ev.rc,
        "text": ev.text,
    }


def control_data(control: Control, baseline: Baseline) -> dict[str, Any]:
    """A control as the report cites it: titles, level, and the references of ``baseline``."""
    return {
        "id": control.id,
        "family": control.family,
        "title": {"vi": control.title.vi, "en": control.title.en},
        "applies_from_level": control.applies_from_level,
        "references": [
            {
                "instrument": r.instrument,
                "title": INSTRUMENTS[r.instrument].title,
                "clause": r.clause,
                "status": r.status,
                "note": r.note,
            }
            for r in references(control, baseline)
        ],
    }


def _error(e: TargetError) -> dict[str, Any]:
    return {"kind": e.kind, "target": e.target, "reason": e.reason}


def _agency(a: Agency) -> dict[str, Any]:
    return {"name": a.name, "label": a.label, "sites": list(a.sites), "systems": list(a.systems)}


def run_data(run: AuditRun) -> dict[str, Any]:
    """The run's facts as plain data."""
    i = run.info
    return {
        "id": i.id,
        "started": i.started,
        "finished": i.finished,
        "operator": i.operator,
        "tool": i.tool,
        "command": i.command,
        "inventory": i.inventory,
        "inventory_sha256": i.inventory_sha256,
        "catalogue_sha256": i.catalogue_sha256,
        "waivers": i.waivers,
        "waivers_sha256": i.waivers_sha256,
        "baseline": i.baseline,
        "level": i.level,
        "lab": i.lab,
    }


def audit_document(
    run: AuditRun, catalogue: Catalogue, baseline: Baseline, ipv6: dict[str, dict[str, object]]
) -> dict[str, Any]:
    """The whole ``audit.json`` document (``baseline`` is the run's, already checked)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "run": run_data(run),
        "result": {"failed": run.failed, "errored": run.errored},
        "counts": dict(counts(run.findings)),
        "controls": [control_data(catalogue.get(cid), baseline) for cid in by_control(run.findings, catalogue)],
        "findings": [finding_data(f) for f in ordered(run.findings, catalogue)],
        "evidence": [evidence_data(run.evidence[k]) for k in evidence_order(run.evidence)],
        "errors": [_error(e) for e in sorted(run.errors, key=lambda e: (e.kind, e.target))],
        "agencies": [_agency(a) for a in run.agencies],
        "ipv6": ipv6,
    }


def dumps(document: dict[str, Any]) -> str:
    """JSON text: UTF-8 as written (Vietnamese stays readable), indented, one newline at the end."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"
