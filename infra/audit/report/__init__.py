"""The audit's reports, all made from one :class:`~infra.audit.model.AuditRun`.

``audit.json`` (with its JSON Schema), ``junit.xml``, ``summary.md``, the HTML report in Vietnamese and English,
and the IPv6 readiness of each agency.

See docs/audit-reports.md for what each file holds, the readiness formula and how to validate the files.
"""

from __future__ import annotations

from infra.audit.report.common import ReportError, check_run, run_problems
from infra.audit.report.data import JSON_SCHEMA, JUNIT_SCHEMA, audit_document
from infra.audit.report.html import report_html
from infra.audit.report.ipv6 import ipv6_readiness
from infra.audit.report.junit import junit_xml
from infra.audit.report.markdown import summary_markdown
from infra.audit.report.write import FILES, write_reports

__all__ = [
    "FILES",
    "JSON_SCHEMA",
    "JUNIT_SCHEMA",
    "ReportError",
    "audit_document",
    "check_run",
    "ipv6_readiness",
    "junit_xml",
    "report_html",
    "run_problems",
    "summary_markdown",
    "write_reports",
]
