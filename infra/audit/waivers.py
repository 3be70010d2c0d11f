"""Waivers: an accepted exception to a control, with who accepted it, why, for what, and until when.

A waiver file (InSpec's shape, in YAML):

    waivers:
      - control: HOST-15
        justification: The SOC collectors of the province go live in March; logs stay on the host until then.
        expires: 2027-03-31
        approved_by: Giám đốc Sở KH&CN
        hosts: [portal-web-01]        # optional scope: hosts, devices, systems, sites (default: everything)
        run: true                     # still run the check and show its result beside the waiver (default)

Every problem of every waiver is reported at once with file:line (an unknown control id, a missing or empty
justification, a missing or malformed date, a scope naming nothing the inventory has). An expired waiver is not an
error: it waives nothing, and the report says it expired and when.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from infra.audit.catalogue import Catalogue
from infra.errors import Problem, ProblemsError, did_you_mean
from infra.inventory import Inventory
from infra.inventory.explain import Origin, problems_from
from infra.inventory.source import find_files, read_documents

Name = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Justification = Annotated[str, StringConstraints(strip_whitespace=True, min_length=20, max_length=2000)]


class WaiverError(ProblemsError):
    """The waiver file cannot be read or is not valid."""

    what = "the waiver file"


class Waiver(BaseModel):
    """One accepted exception to one control."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    control: str = Field(description="the control's id in the catalogue, e.g. HOST-15")
    justification: Justification = Field(description="why the control cannot be met, in a sentence or more")
    expires: dt.date = Field(description="the last day the waiver holds (YYYY-MM-DD)")
    approved_by: Name | None = Field(default=None, description="who accepted the risk")
    hosts: tuple[Name, ...] = Field(default=(), description="only these hosts (default: all)")
    devices: tuple[Name, ...] = Field(default=(), description="only these network devices (default: all)")
    systems: tuple[Name, ...] = Field(default=(), description="only these information systems (default: all)")
    sites: tuple[Name, ...] = Field(default=(), description="only these sites (default: all)")
    run: bool = Field(default=True, description="still run the check and show its result beside the waiver")

    def expired(self, today: dt.date) -> bool:
        """Whether the waiver no longer holds on ``today``."""
        return today > self.expires

    def covers(self, control: str, *, target: str, systems: set[str], site: str | None) -> bool:
        """Whether this waiver is for ``control`` on this host or device (of these systems, at this site)."""
        if control != self.control:
            return False
        if (self.hosts or self.devices) and target not in (*self.hosts, *self.devices):
            return False
        if self.systems and not systems & set(self.systems):
            return False
        return not (self.sites and site not in self.sites)


class WaiverFile(BaseModel):
    """The top level of a waiver file."""

    model_config = ConfigDict(extra="forbid")

    waivers: list[Waiver]


@dataclass(frozen=True, slots=True)
class Waivers:
    """The waivers in force and the expired ones, from one file."""

    file: str
    items: tuple[Waiver, ...]

    def find(
        self, control: str, *, target: str, systems: set[str], site: str | None, today: dt.date
    ) -> tuple[Waiver | None, Waiver | None]:
        """(the waiver in force for this result, else None; an expired one that would have covered it, else None)."""
        matching = [w for w in self.items if w.covers(control, target=target, systems=systems, site=site)]
        live = next((w for w in matching if not w.expired(today)), None)
        stale = next((w for w in matching if w.expired(today)), None)
        return live, stale


@dataclass(frozen=True, slots=True)
class Known:
    """What the waivers may name: the catalogue's controls and the inventory's names."""

    catalogue: Catalogue
    hosts: frozenset[str]
    devices: frozenset[str]
    systems: frozenset[str]
    sites: frozenset[str]


def known_from(catalogue: Catalogue, inv: Inventory) -> Known:
    """What an inventory's waivers may name."""
    return Known(
        catalogue,
        frozenset(inv.hosts),
        frozenset(inv.devices),
        frozenset(inv.systems),
        frozenset(inv.sites),
    )


def _scope_problems(raw: dict[str, object], origin: Origin, known: Known) -> list[Problem]:
    out: list[Problem] = []
    control = raw.get("control")
    if isinstance(control, str) and control not in known.catalogue.ids():
        hint = did_you_mean(control, known.catalogue.ids())
        out.append(origin.problem(("control",), f"unknown control {control!r}", f"a control of the catalogue{hint}"))
    scopes = {"hosts": known.hosts, "devices": known.devices, "systems": known.systems, "sites": known.sites}
    for key, names in scopes.items():
        values = raw.get(key)
        for i, value in enumerate(values if isinstance(values, list) else []):
            if isinstance(value, str) and value not in names:
                hint = did_you_mean(value, sorted(names))
                out.append(
                    origin.problem((key, i), f"unknown {key[:-1]} {value!r}", f"a {key[:-1]} of the inventory{hint}")
                )
    return out


def load_waivers(path: Path, known: Known) -> Waivers:
    """Read and check a waiver file.

    Raises:
        WaiverError: every problem found, each located file:line:column.
    """
    files, problems = find_files(path)
    if problems or len(files) != 1:
        found = "a folder" if path.is_dir() else "nothing there"
        raise WaiverError(problems or [Problem(str(path), None, None, "", found, "one YAML waiver file")])
    docs, problems = read_documents(files, displays=[str(path)])
    items: list[Waiver] = []
    for doc in docs:
        if doc.root is None:
            continue
        if not isinstance(doc.data, dict) or not isinstance(doc.data.get("waivers"), list):
            problems.append(
                Origin(doc, ()).problem((), "no 'waivers:' list", "waivers: [ {control, justification, expires}, ... ]")
            )
            continue
        for i, raw in enumerate(doc.data["waivers"]):
            origin = Origin(doc, ("waivers", i))
            try:
                items.append(Waiver.model_validate(raw))
            except ValidationError as err:
                problems += problems_from(err.errors(include_url=False), origin, Waiver)
            if isinstance(raw, dict):
                problems += _scope_problems(raw, origin, known)
    if problems:
        raise WaiverError(problems)
    return Waivers(str(path), tuple(items))
