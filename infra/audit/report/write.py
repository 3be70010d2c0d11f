"""Writing every report of a run into one folder."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from infra._gc import gc_paused
from infra.audit.catalogue import Catalogue
from infra.audit.model import AuditRun
from infra.audit.report.common import LANGS, ReportError, check_run
from infra.audit.report.data import audit_document, dumps
from infra.audit.report.html import report_html
from infra.audit.report.ipv6 import ipv6_readiness
from infra.audit.report.junit import junit_xml
from infra.audit.report.markdown import summary_markdown
from infra.inventory import Inventory
from infra.plan import AddressPlan

FILES = {
    "json": "audit.json",
    "junit": "junit.xml",
    "markdown": "summary.md",
    "html-vi": "report.vi.html",
    "html-en": "report.en.html",
}
_SURROGATE = re.compile("[\ud800-\udfff]")


def json_text(text: str) -> str:
    """JSON text whose lone surrogates (undecodable bytes kept by surrogateescape) are written as escapes.

    They can only occur inside strings; escaped, the file is valid UTF-8 and reading it back gives the evidence
    text exactly, so that its SHA-256 can be recomputed.
    """
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _write(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) through a temporary file in the same folder, so a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@gc_paused
def write_reports(run: AuditRun, inv: Inventory, plan: AddressPlan, catalogue: Catalogue, out: Path) -> dict[str, Path]:
    """Write ``audit.json``, ``junit.xml``, ``summary.md``, ``report.vi.html`` and ``report.en.html`` into ``out``.

    IPv6 readiness is ``run.ipv6`` when the engine filled it, else computed here from the plan and the findings.

    Returns:
        The files written, by kind: ``json``, ``junit``, ``markdown``, ``html-vi``, ``html-en``.

    Raises:
        ReportError: the run contradicts itself (an unknown baseline or control, evidence missing or altered),
            or ``out`` cannot be written.
    """
    baseline = check_run(run, catalogue)
    ipv6 = run.ipv6 or ipv6_readiness(run, inv, plan)
    texts = {
        "json": json_text(dumps(audit_document(run, catalogue, baseline, ipv6))),
        "junit": junit_xml(run, catalogue),
        "markdown": summary_markdown(run, catalogue),
    }
    for lang in LANGS:
        texts[f"html-{lang}"] = report_html(
            run, catalogue, baseline, ipv6, lang, inv.province.name, {s.name: s.label for s in inv.systems.values()}
        )
    paths = {kind: out / FILES[kind] for kind in texts}
    try:
        out.mkdir(parents=True, exist_ok=True)
        for kind, text in texts.items():
            _write(paths[kind], text)
    except OSError as err:
        raise ReportError([f"cannot write the reports into {out}: {err.strerror or err}"]) from err
    return paths
