"""What an audit finds, as data: one finding per control and target, the evidence behind it, and the run's facts.

Every stage after the checks (the JSON evidence file, JUnit, Markdown, the HTML report, the exit code) reads these
records and nothing else. A finding says what was observed and what was expected, in words an auditor can sign,
and points at the evidence it rests on by id; every piece of evidence (a command's output, a configuration file)
is kept whole, hashed (SHA-256) and time-stamped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

# pass: meets the control at the target's level; fail: does not; warn: meets it with a reservation the catalogue
# marks as a warning (e.g. support ending soon); not-applicable: the control starts above the target's level, or
# the target has nothing it governs; waived: a waiver in force covers it (the check's own result is kept beside
# it); manual: the tool cannot decide it (evidence an auditor must look at, or data the inventory lacks);
# error: the check could not run (host unreachable, command failed, no parser for the platform).
Status = Literal["pass", "fail", "warn", "not-applicable", "waived", "manual", "error"]
STATUSES: tuple[Status, ...] = ("pass", "fail", "warn", "not-applicable", "waived", "manual", "error")
TargetKind = Literal["host", "device", "inventory", "site", "system"]


@dataclass(frozen=True, slots=True)
class Evidence:
    """A raw output a finding rests on, kept whole.

    Attributes:
        id: ``<target>:<n>``, unique in a run.
        target: The host, device or ``inventory`` it was taken from.
        source: What produced it: a command line, a file path, ``intended:<device>.cfg``, ``running:<device>``.
        taken: When it was taken (ISO 8601, UTC, seconds).
        sha256: Hash of ``text`` (UTF-8).
        text: The output itself (secrets masked before it is recorded).
        rc: The command's exit status, when it was a command.
    """

    id: str
    target: str
    source: str
    taken: str
    sha256: str
    text: str
    rc: int | None = None

    @staticmethod
    def digest(text: str) -> str:
        """SHA-256 of a text, hex."""
        return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True, slots=True)
class Item:
    """One requirement inside a control's check (e.g. ``maxauthtries`` of HOST-03): what was seen and expected."""

    name: str
    status: Status
    observed: str
    expected: str
    threshold: str | None = None  # the catalogue threshold it was judged against, when it has one


@dataclass(frozen=True, slots=True)
class WaiverRef:
    """The waiver that covered (or, expired, would have covered) a finding."""

    justification: str
    expires: str
    approved_by: str
    expired: bool


@dataclass(frozen=True, slots=True)
class Finding:
    """The result of one control on one target.

    Attributes:
        control: Catalogue id, e.g. ``HOST-03``.
        kind: What the target is: ``host``, ``device``, ``inventory`` (the province as a whole), ``site``, ``system``.
        target: Its name (``inventory`` for the province as a whole).
        status: The final status (``waived`` when a waiver in force covers a failure).
        level: The security level the control was judged at (the highest level of the systems the target serves,
            or the level the audit was asked to judge at).
        items: The requirements checked, each with observed and expected.
        summary: One line for the report: the first failing item, or why it is not applicable / not decided.
        evidence: Ids of the evidence it rests on.
        checked_status: The check's own status before a waiver (``status`` unless waived).
        waiver: The waiver in force, or an expired one that would have covered it.
        site, systems, agencies: Where the target sits and whom it serves, for the report's groupings.
        source: For device findings, ``intended`` (rendered configuration) or ``running`` (the device's own).
        duration: Seconds the check took (not the gathering of its evidence).
    """

    control: str
    kind: TargetKind
    target: str
    status: Status
    level: int
    items: tuple[Item, ...] = ()
    summary: str = ""
    evidence: tuple[str, ...] = ()
    checked_status: Status | None = None
    waiver: WaiverRef | None = None
    site: str | None = None
    systems: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()
    source: str | None = None
    duration: float = 0.0


@dataclass(frozen=True, slots=True)
class TargetError:
    """A target the audit could not examine at all (unreachable, login refused), with the reason."""

    kind: TargetKind
    target: str
    reason: str


@dataclass(frozen=True, slots=True)
class RunInfo:
    """Who ran what, when, on which inputs.

    Attributes:
        id: The run id (also the report folder's name).
        started, finished: ISO 8601 UTC.
        operator: ``user@machine`` that ran the audit.
        tool: ``hatang <version>``.
        command: The command line (no secrets are ever on it).
        inventory: The inventory path as given.
        inventory_sha256: Hash over every inventory file (sorted paths and contents).
        catalogue_sha256: Hash over the catalogue files.
        waivers: The waiver file, if any, and its hash.
        baseline: ``tcvn11930_2017`` or ``tcvn14423_2026``: which references the report cites.
        level: The level asked for (``None``: each target's own).
        lab: Whether the targets are the lab twin.
    """

    id: str
    started: str
    finished: str
    operator: str
    tool: str
    command: str
    inventory: str
    inventory_sha256: str
    catalogue_sha256: str
    baseline: str
    level: int | None
    lab: bool
    waivers: str | None = None
    waivers_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class Agency:
    """An agency for the report: a site of the province with its own name, and what it owns."""

    name: str
    label: str
    sites: tuple[str, ...]
    systems: tuple[str, ...]


@dataclass(slots=True)
class AuditRun:
    """Everything one audit produced."""

    info: RunInfo
    findings: list[Finding] = field(default_factory=list)
    evidence: dict[str, Evidence] = field(default_factory=dict)
    errors: list[TargetError] = field(default_factory=list)
    agencies: list[Agency] = field(default_factory=list)
    ipv6: dict[str, dict[str, object]] = field(default_factory=dict)  # agency → readiness figures (report.ipv6)
    problems: list[str] = field(default_factory=list)  # input problems (waiver file, unknown ids): reported, skipped

    def counts(self) -> dict[str, int]:
        """How many findings have each status."""
        out: dict[str, int] = dict.fromkeys(STATUSES, 0)
        for f in self.findings:
            out[f.status] += 1
        return out

    @property
    def failed(self) -> bool:
        """Whether any finding failed (waived ones do not)."""
        return any(f.status == "fail" for f in self.findings)

    @property
    def errored(self) -> bool:
        """Whether a target or a check could not be examined."""
        return bool(self.errors or self.problems) or any(f.status == "error" for f in self.findings)
