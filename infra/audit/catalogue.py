"""The control catalogue: what the audit checks, which rule each check answers to, and how firmly.

The catalogue is data, ``checks/catalogue/*.yaml`` (one file per family of controls). This module reads it
into strict models, reports every problem at once (file:line, the field, what was found, what is expected),
and answers what a check or a report asks: does a control apply at a level, which threshold is in force at
a level, which references to print for a baseline.

Every reference and every threshold carries how firmly it was established (``read``, ``third-party``,
``title-only``, ``inferred``), so that a report can show which values are law and which are defaults.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, ValidationError

from infra.errors import Problem, ProblemsError, did_you_mean
from infra.inventory.explain import Origin, problems_from
from infra.inventory.source import Document, describe, find_files, read_documents

CATALOGUE_DIR = Path(__file__).resolve().parents[2] / "checks" / "catalogue"

Status = Literal["read", "third-party", "title-only", "inferred"]
Target = Literal["inventory", "linux-host", "network-device", "datacenter-facility"]
Engine = Literal["testinfra", "config", "inventory", "evidence"]
Family = Literal["inventory", "linux-host", "network-device", "wan", "datacenter"]
Baseline = Literal["tcvn11930_2017", "tcvn14423_2026"]
Op = Literal["max", "min", "equals", "one-of", "all-of", "none-of"]
Era = Literal["legacy", "current"]
Level = Annotated[int, Field(ge=1, le=5)]

STRENGTH: dict[str, int] = {"read": 3, "third-party": 2, "title-only": 1, "inferred": 0}
FAMILY_PREFIX: dict[str, str] = {
    "inventory": "INV",
    "linux-host": "HOST",
    "network-device": "NET",
    "wan": "WAN",
    "datacenter": "DC",
}
PREFIX_FAMILY: dict[str, Family] = {
    "INV": "inventory",
    "HOST": "linux-host",
    "NET": "network-device",
    "WAN": "wan",
    "DC": "datacenter",
}
BASELINE_ERA: dict[str, Era] = {"tcvn11930_2017": "legacy", "tcvn14423_2026": "current"}
ID_RE = re.compile(r"^(INV|HOST|NET|WAN|DC)-[0-9]{2}$")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True, slots=True)
class Instrument:
    """A rule, standard or baseline a control can cite.

    Attributes:
        title: What it is, for reports.
        era: ``legacy`` (the Decree 85 / TCVN 11930 dossiers) or ``current`` (Decree 331 / TCVN 14423);
            ``None`` when it holds whichever baseline a report uses.
        best: The firmest status a reference to it may claim, given how much of it was read.
    """

    title: str
    era: Era | None
    best: Status


INSTRUMENTS: dict[str, Instrument] = {
    "nd85_2016": Instrument("Decree 85/2016/NĐ-CP (security of information systems by level)", "legacy", "title-only"),
    "tt12_2022": Instrument("Circular 12/2022/TT-BTTTT (details of Decree 85/2016)", "legacy", "read"),
    "tcvn11930_2017": Instrument("TCVN 11930:2017 (clause numbers as cited in TT 12/2022)", "legacy", "read"),
    "nd331_2026": Instrument("Decree 331/2026/NĐ-CP (cybersecurity of information systems)", "current", "read"),
    "tcvn14423_2026": Instrument("TCVN 14423:2026 (cybersecurity, basic requirements)", "current", "third-party"),
    "tt06_2026": Instrument("Circular 06/2026/TT-BKHCN (specialised data network, TSLCD)", None, "read"),
    "tt39_2017": Instrument("Circular 39/2017/TT-BTTTT (list of mandatory technical standards)", None, "read"),
    "qd38_2021": Instrument("Decision 38/QĐ-BTTTT (IPv6 for Gov 2021-2025)", None, "third-party"),
    "cv1149_2022": Instrument("Official letter 1149/BTTTT-VNNIC (IPv6 for public services)", None, "third-party"),
    "ct14_2019": Instrument("Directive 14/CT-TTg (strengthening cybersecurity)", None, "third-party"),
    "ipv6only_2026": Instrument("Programme for IPv6-only conversion in Vietnam 2026-2030", None, "third-party"),
    "vnnic_ipv6_plan": Instrument("VNNIC IPv6 address-planning guide", None, "title-only"),
    "ripe690": Instrument("RIPE-690 (IPv6 prefix assignment for end users)", None, "read"),
    "rfc": Instrument("IETF RFC", None, "title-only"),
    "tt03_2013": Instrument("Circular 03/2013/TT-BTTTT as amended by TT 23/2022 (data centres)", None, "third-party"),
    "tcvn9250_2021": Instrument("TCVN 9250:2021 (data-centre infrastructure)", None, "title-only"),
    "tia942b": Instrument("ANSI/TIA-942-B:2017 (data-centre infrastructure)", None, "third-party"),
    "qcvn32_2020": Instrument("QCVN 32:2020/BTTTT (lightning protection of telecom works)", None, "third-party"),
    "qcvn9_2016": Instrument("QCVN 9:2016/BTTTT (earthing of telecom works)", None, "third-party"),
    "qcvn06_2021": Instrument("QCVN 06:2021/BXD (fire safety of buildings)", None, "third-party"),
    "cis_debian12": Instrument("CIS Debian Linux 12 Benchmark", None, "third-party"),
    "cis_cisco_ios": Instrument("CIS Cisco IOS Benchmark", None, "third-party"),
    "devsec": Instrument("dev-sec baselines (linux-baseline, ssh-baseline, hardening collection)", None, "read"),
    "stig": Instrument("DISA STIG (Cisco IOS-XE NDM, RTR, L2S; ACI L2S)", None, "read"),
    "iso27001_2022": Instrument("ISO/IEC 27001:2022 Annex A", None, "inferred"),
}


class CatalogueError(ProblemsError):
    """The control catalogue cannot be read or is not valid."""

    what = "the control catalogue"


# --- models ------------------------------------------------------------------------------------------------


def _text(value: str) -> str:
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        raise ValueError("a non-empty text")
    return value


def _instrument(value: str) -> str:
    if value not in INSTRUMENTS:
        raise ValueError("one of the instruments " + ", ".join(INSTRUMENTS) + did_you_mean(value, INSTRUMENTS))
    return value


def _control_id(value: str) -> str:
    if not ID_RE.match(value):
        raise ValueError("an id such as HOST-05: INV, HOST, NET, WAN or DC, a dash, two digits")
    return value


ThresholdValue = int | float | bool | str | tuple[int, ...] | tuple[str, ...] | dict[str, int]


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _threshold_value(value: Any) -> ThresholdValue:
    """One value of a threshold; lists become tuples (a threshold never changes)."""
    if isinstance(value, bool | int | str) or (isinstance(value, float) and math.isfinite(value)):
        return value
    strings_or_ints = isinstance(value, list) and (all(isinstance(v, str) for v in value) or all(map(_is_int, value)))
    if value and strings_or_ints:
        return tuple(value)
    if isinstance(value, dict) and value and all(isinstance(k, str) and _is_int(v) for k, v in value.items()):
        return dict(value)
    raise ValueError(
        "a number, true or false, a string, a non-empty list of strings or of whole numbers,"
        " or a mapping of names to whole numbers"
    )


Text = Annotated[str, AfterValidator(_text)]
InstrumentId = Annotated[str, AfterValidator(_instrument)]
ControlId = Annotated[str, AfterValidator(_control_id)]
Value = Annotated[ThresholdValue, PlainValidator(_threshold_value)]


class Model(BaseModel):
    """Base of every catalogue model: strict, closed, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Title(Model):
    """A control's title in both languages."""

    en: Text
    vi: Text


class Reference(Model):
    """One clause of one instrument that a control answers to, and how firmly that was established."""

    instrument: InstrumentId
    clause: Text | None = None
    status: Status
    note: Text | None = None


class Step(Model):
    """The value of a threshold from a level on (until the next step)."""

    level: Level
    value: Value


class Threshold(Model):
    """A value a check compares against, by level; ``op`` says how (the value is a maximum, a minimum...)."""

    op: Op
    unit: Text | None = None
    status: Status
    source: InstrumentId | None = None
    note: Text | None = None
    steps: list[Step] = Field(min_length=1)

    def at(self, level: int) -> Step | None:
        """The step in force at ``level``: the one with the highest level not above it."""
        in_force = [s for s in self.steps if s.level <= level]
        return max(in_force, key=lambda s: s.level) if in_force else None


class Control(Model):
    """One control of the catalogue (its family follows from the id prefix)."""

    id: ControlId
    title: Title
    target: list[Target] = Field(min_length=1)
    engine: list[Engine] = Field(min_length=1)
    applies_from_level: Level
    level_status: Status | None = None
    recommended_from_level: Level | None = None
    level_note: Text | None = None
    thresholds: dict[str, Threshold] = Field(default_factory=dict)
    references: list[Reference] = Field(min_length=1)
    evidence_status: dict[str, Status] = Field(default_factory=dict)
    check: Text

    @property
    def family(self) -> Family:
        """The family, from the id prefix (HOST-05 is a linux-host control)."""
        return PREFIX_FAMILY[self.id.split("-")[0]]


class CatalogueFile(Model):
    """A catalogue file: one family; its controls are validated one by one, so one bad control hides nothing."""

    family: Family
    controls: list[Any] = Field(min_length=1)


# --- the catalogue and its questions -----------------------------------------------------------------------


@dataclass(frozen=True)
class Catalogue:
    """Every control, in family order then by number, and the files they were read from."""

    controls: tuple[Control, ...]
    files: tuple[str, ...] = ()
    _index: dict[str, Control] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {c.id: c for c in self.controls})

    def __iter__(self) -> Iterator[Control]:
        return iter(self.controls)

    def __len__(self) -> int:
        return len(self.controls)

    def __contains__(self, control_id: object) -> bool:
        return control_id in self._index

    def ids(self) -> tuple[str, ...]:
        """The control ids, in catalogue order."""
        return tuple(c.id for c in self.controls)

    def get(self, control_id: str) -> Control:
        """The control with this id; KeyError (with the closest id) when there is none."""
        try:
            return self._index[control_id]
        except KeyError:
            raise KeyError(f"no control {control_id!r}{did_you_mean(control_id, self._index)}") from None

    def family(self, name: Family) -> tuple[Control, ...]:
        """The controls of one family."""
        return tuple(c for c in self.controls if c.family == name)


def _level(level: int) -> int:
    if not _is_int(level) or not 1 <= level <= 5:
        raise ValueError(f"a security level is a whole number from 1 to 5, not {level!r}")
    return level


def applicable(control: Control, level: int) -> bool:
    """Whether ``control`` applies to a system of security level ``level`` (1-5)."""
    return _level(level) >= control.applies_from_level


def threshold(control: Control, name: str, level: int) -> ThresholdValue | None:
    """The value of threshold ``name`` in force at ``level``, or None below its first step.

    Raises:
        KeyError: ``control`` has no threshold of that name.
    """
    _level(level)
    if name not in control.thresholds:
        known = did_you_mean(name, control.thresholds)
        raise KeyError(f"{control.id} has no threshold {name!r}{known}")
    step = control.thresholds[name].at(level)
    return None if step is None else step.value


def references(control: Control, baseline: Baseline) -> tuple[Reference, ...]:
    """The references a report on ``baseline`` prints: the baseline's era and the instruments of no era."""
    if baseline not in BASELINE_ERA:
        raise ValueError(f"a baseline is one of {', '.join(BASELINE_ERA)}, not {baseline!r}")
    era = BASELINE_ERA[baseline]
    return tuple(r for r in control.references if INSTRUMENTS[r.instrument].era in (None, era))


# --- loading -----------------------------------------------------------------------------------------------

_REWORD = {
    "a mapping of inventory sections": "a mapping with the keys family and controls",
    "*.yaml inventory files": "*.yaml catalogue files",
    "an inventory file or directory": "a catalogue file or directory",
}


def _reworded(problems: list[Problem]) -> list[Problem]:
    """The shared YAML reader speaks of inventories; say catalogue instead."""
    return [dataclasses.replace(p, expected=_REWORD.get(p.expected, p.expected)) for p in problems]


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def _shown(value: ThresholdValue) -> str:
    return "a list" if isinstance(value, tuple) else describe(value)


def _value_fits(op: Op, value: ThresholdValue) -> str | None:
    """What ``op`` expects, when ``value`` does not fit it."""
    if op in ("max", "min") and not (isinstance(value, int | float) and not isinstance(value, bool)):
        return f"a number (op {op})"
    if op in ("one-of", "all-of", "none-of") and not isinstance(value, tuple):
        return f"a list (op {op})"
    if op == "equals" and isinstance(value, tuple):
        return "a single value or a mapping (op equals); use one-of, all-of or none-of for a list"
    return None


def _check_status(origin: Origin, sub: tuple[str | int, ...], instrument: str, status: Status) -> list[Problem]:
    best = INSTRUMENTS[instrument].best
    if STRENGTH[status] <= STRENGTH[best]:
        return []
    found = f"status {status} for {instrument}"
    return [origin.problem((*sub, "status"), found, f"at most {best}: that is as much of {instrument} as was read")]


@dataclass(frozen=True, slots=True)
class _Parts:
    """The parts of one written control that are valid on their own, for the rules across its fields.

    The rules run on these even when another part of the control is invalid, so that one pass reports
    every problem (a duplicate id is found in a control that also lacks its Vietnamese title).
    """

    id: str | None
    applies: int | None
    recommended: int | None
    references: list[tuple[int, Reference]]
    thresholds: list[tuple[str, Threshold]]
    evidence: list[str]

    @classmethod
    def of(cls, raw: Any) -> _Parts:
        raw = raw if isinstance(raw, dict) else {}
        control_id, evidence = raw.get("id"), raw.get("evidence_status")
        return cls(
            id=control_id if isinstance(control_id, str) and ID_RE.match(control_id) else None,
            applies=_quiet_level(raw.get("applies_from_level")),
            recommended=_quiet_level(raw.get("recommended_from_level")),
            references=_quiet_references(raw.get("references")),
            thresholds=_quiet_thresholds(raw.get("thresholds")),
            evidence=[str(k) for k in evidence] if isinstance(evidence, dict) else [],
        )


def _quiet_references(raw: Any) -> list[tuple[int, Reference]]:
    """The valid references, by index (the invalid ones are reported by the control's own validation)."""
    out: list[tuple[int, Reference]] = []
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        try:
            out.append((i, Reference.model_validate(item)))
        except ValidationError:
            continue
    return out


def _quiet_thresholds(raw: Any) -> list[tuple[str, Threshold]]:
    """The valid thresholds, by name (the invalid ones are reported by the control's own validation)."""
    out: list[tuple[str, Threshold]] = []
    for name, item in raw.items() if isinstance(raw, dict) else []:
        try:
            out.append((str(name), Threshold.model_validate(item)))
        except ValidationError:
            continue
    return out


def _quiet_level(raw: Any) -> int | None:
    return raw if _is_int(raw) and 1 <= raw <= 5 else None


def _check_threshold(parts: _Parts, name: str, limit: Threshold, origin: Origin) -> list[Problem]:
    base: tuple[str | int, ...] = ("thresholds", name)
    out: list[Problem] = []
    if not NAME_RE.match(name):
        out.append(origin.problem(base, f"threshold name {name!r}", "a name in lower_snake_case", key=True))
    levels = [s.level for s in limit.steps]
    if levels != sorted(set(levels)):
        out.append(origin.problem((*base, "steps"), f"step levels {levels}", "levels in increasing order, each once"))
    for i, step in enumerate(limit.steps):
        if parts.applies is not None and step.level < parts.applies:
            expected = f"a level of at least {parts.applies}, where the control starts to apply"
            out.append(origin.problem((*base, "steps", i, "level"), f"level {step.level}", expected))
        wrong = _value_fits(limit.op, step.value)
        if wrong is not None:
            out.append(origin.problem((*base, "steps", i, "value"), _shown(step.value), wrong))
    if limit.source is not None:
        if limit.source not in {r.instrument for _, r in parts.references}:
            found = f"source {limit.source}, which no reference of the control cites"
            out.append(origin.problem((*base, "source"), found, "one of the instruments in references"))
        out += _check_status(origin, base, limit.source, limit.status)
    return out


def _check_control(parts: _Parts, origin: Origin, family: Family | None) -> list[Problem]:
    """The rules a model cannot express on its own."""
    out: list[Problem] = []
    prefix = parts.id.split("-")[0] if parts.id else None
    if family is not None and prefix is not None and FAMILY_PREFIX[family] != prefix:
        found = f"{parts.id}, a {PREFIX_FAMILY[prefix]} control"
        out.append(origin.problem(("id",), found, f"an id starting {FAMILY_PREFIX[family]}- in a {family} file"))
    if parts.recommended is not None and parts.applies is not None and parts.recommended >= parts.applies:
        expected = f"a level below applies_from_level ({parts.applies})"
        out.append(origin.problem(("recommended_from_level",), f"level {parts.recommended}", expected))
    for i, ref in parts.references:
        out += _check_status(origin, ("references", i), ref.instrument, ref.status)
    for name, limit in parts.thresholds:
        out += _check_threshold(parts, name, limit, origin)
    for name in parts.evidence:
        if not NAME_RE.match(name):
            found = f"name {name!r}"
            out.append(origin.problem(("evidence_status", name), found, "a name in lower_snake_case", key=True))
    return out


def _read_file(doc: Document, out: list[tuple[Control | None, str | None, Origin]]) -> list[Problem]:
    """Validate one file's header and each of its controls; every control written goes to ``out``.

    ``out`` gets (the control, or None when it is invalid; its id, when that much is valid; where it is).
    """
    problems: list[Problem] = []
    family: Family | None = None
    try:
        family = CatalogueFile.model_validate(doc.data).family
    except ValidationError as err:
        problems += problems_from(err.errors(include_url=False), Origin(doc, ()), CatalogueFile)
    items = doc.data.get("controls")
    for i, raw in enumerate(items if isinstance(items, list) else []):
        origin = Origin(doc, ("controls", i))
        control: Control | None = None
        try:
            control = Control.model_validate(raw)
        except ValidationError as err:
            problems += problems_from(err.errors(include_url=False), origin, Control)
        parts = _Parts.of(raw)
        problems += _check_control(parts, origin, family)
        out.append((control, parts.id, origin))
    return problems


def _duplicates(located: list[tuple[Control | None, str | None, Origin]]) -> list[Problem]:
    first: dict[str, Origin] = {}
    out: list[Problem] = []
    for _, control_id, origin in located:
        if control_id is None:
            continue
        if control_id in first:
            found = f"a second control {control_id} (first at {first[control_id].where()})"
            out.append(origin.problem(("id",), found, "each control id once in the catalogue"))
        else:
            first[control_id] = origin
    return out


def _order(control: Control) -> tuple[int, int]:
    prefix, number = control.id.split("-")
    return (list(PREFIX_FAMILY).index(prefix), int(number))


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Read every YAML file under ``path`` (default: the shipped ``checks/catalogue``) into a catalogue.

    Raises:
        CatalogueError: with every problem found in every file, each located file:line:column.
    """
    root = CATALOGUE_DIR if path is None else Path(path)
    files, problems = find_files(root)
    if problems:
        raise CatalogueError(_reworded(problems))
    displays = [_display(p) for p in files]
    docs, problems = read_documents(files, displays=displays)
    problems = _reworded(problems)
    located: list[tuple[Control | None, str | None, Origin]] = []
    for doc in docs:
        if doc.root is not None:  # an empty file has been reported already
            problems += _read_file(doc, located)
    problems += _duplicates(located)
    if problems:
        raise CatalogueError(problems)
    controls = sorted((c for c, _, _ in located if c is not None), key=_order)
    return Catalogue(tuple(controls), tuple(displays))
