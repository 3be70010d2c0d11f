"""What an audit looks at: its targets (hosts, devices, systems, sites, the province), their levels and agencies.

Every expectation a check compares with comes from here, that is from the inventory and its address plan (the
same data the renderer and the host playbooks use), never from literals in the checks.

Levels: a host is judged at the highest level of the systems it serves (the level the playbooks harden it to); a
device at the highest level of the systems whose hosts sit at its site, else at the highest level of the systems
its site's agency owns or operates, else at level 1; a system at its own level; a site like its devices; the
province at the highest level of all. ``--level`` replaces all of these with one level.

Agencies: every site of an agency, district or commune tier is an agency of its own; a data-centre host or device
counts for the agencies that own or operate the systems it serves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from infra.audit.model import Agency
from infra.inventory import Inventory
from infra.plan import AddressPlan
from infra.render.ansible import host_vars, served_systems
from infra.render.intent import DeviceIntent

if TYPE_CHECKING:
    from infra.audit.facts import Gathered

AGENCY_KINDS = ("agency", "district", "commune")
ConfigSource = Literal["intended", "running"]


@dataclass(frozen=True, slots=True)
class Output:
    """A command's result on a host."""

    rc: int
    stdout: str
    stderr: str = ""


@dataclass(slots=True)
class LinuxTarget:
    """A data-centre host as a check sees it.

    Attributes:
        name: The inventory host name.
        address: Where the audit connects to it.
        level: The level it is judged at.
        site, systems, agencies: Where it sits and whom it serves.
        vars: Its generated Ansible variables (``hatang_*``: addresses, interface, services, NTP, syslog, level…),
            exactly what the playbooks were given.
        gathered: Its facts, read once by the engine (or read command by command, for the plain testinfra mode).
        reads: The command keys the current check read (its evidence), reset by the engine before each check.
    """

    name: str
    address: str
    level: int
    site: str
    systems: tuple[str, ...]
    agencies: tuple[str, ...]
    vars: dict[str, Any]
    gathered: Gathered | None = None
    reads: list[str] = field(default_factory=list)
    access: tuple[str, ...] = ()  # more management addresses of the host (the lab's management network)

    def run(self, key: str) -> Output:
        """The output of the gathered command ``key`` (a key of a ``GATHER`` table in ``checks/``)."""
        assert self.gathered is not None, f"{self.name}: nothing gathered"
        out = self.gathered.output(key)
        self.reads.append(key)
        return out

    def text(self, key: str) -> str:
        """The standard output of ``key`` (empty when the command failed)."""
        out = self.run(key)
        return out.stdout if out.rc == 0 else ""

    @property
    def host(self) -> Any:
        """The testinfra ``Host`` of this target (its persistent connection), for checks that need more."""
        assert self.gathered is not None
        return self.gathered.host

    def __str__(self) -> str:
        return self.name


@dataclass(slots=True)
class DeviceTarget:
    """One configuration of one network device: the rendered (intended) one or the device's running one.

    Attributes:
        name: The device's full name (``<site>-<short>``).
        site, role, platform: From the inventory.
        level: The level it is judged at.
        source: ``intended`` or ``running``.
        text: The configuration text (secrets masked).
        origin: Where it came from (``rendered from <inventory>``, a backup file, ``live from <address>``).
        taken: When it was read (ISO 8601 UTC).
        intent: What the renderer was asked to configure: interfaces with their roles and addresses, filters,
            BGP and OSPF, the NTP, syslog, AAA and SNMP targets; the expectations of device checks.
        evidence: The id of the evidence record holding ``text``.
        systems, agencies: Whom it serves.
    """

    name: str
    site: str
    role: str
    platform: str
    level: int
    source: ConfigSource
    text: str
    origin: str
    taken: str
    intent: DeviceIntent
    evidence: str
    systems: tuple[str, ...] = ()
    agencies: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"{self.name}[{self.source}]"


@dataclass(frozen=True, slots=True)
class ProvinceTarget:
    """The inventory as a whole (kind ``inventory``), for controls on records rather than machines."""

    inv: Inventory
    plan: AddressPlan
    today: dt.date
    level: int
    name: str = "inventory"

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class RecordTarget:
    """A record of the inventory judged on its own (a system or a site), with the inventory and plan."""

    name: str
    level: int
    inv: Inventory
    plan: AddressPlan
    today: dt.date
    agencies: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class SystemTarget(RecordTarget):
    """One information system (kind ``system``)."""


@dataclass(frozen=True, slots=True)
class SiteTarget(RecordTarget):
    """One site (kind ``site``)."""


# --- levels and agencies ------------------------------------------------------------------------------------


def agencies(inv: Inventory) -> list[Agency]:
    """Every agency of the province: the sites of agency, district and commune tiers, with what they own."""
    out = []
    for site in sorted(inv.sites.values(), key=lambda s: s.name):
        kind = site.tier.kind if site.tier else None
        if kind not in AGENCY_KINDS:
            continue
        systems = sorted(s.name for s in inv.systems.values() if site.name in (s.owner, s.operator))
        out.append(Agency(site.name, site.spec.label, (site.name,), tuple(systems)))
    return out


def system_agencies(inv: Inventory, systems: set[str] | tuple[str, ...]) -> tuple[str, ...]:
    """The agencies owning or operating any of ``systems``."""
    names = {x for s in systems if s in inv.systems for x in (inv.systems[s].owner, inv.systems[s].operator)}
    return tuple(sorted(names))


def site_agencies(inv: Inventory, site: str, systems: tuple[str, ...]) -> tuple[str, ...]:
    """A site's agency: itself if it is one, else (a data centre) the agencies of the systems it hosts."""
    spec = inv.sites.get(site)
    if spec is not None and spec.tier is not None and spec.tier.kind in AGENCY_KINDS:
        return (site,)
    return system_agencies(inv, systems)


def site_systems(inv: Inventory) -> dict[str, tuple[str, ...]]:
    """The systems whose hosts sit at each site."""
    served = served_systems(inv)
    out: dict[str, set[str]] = {}
    for host in inv.hosts.values():
        out.setdefault(host.site, set()).update(served.get(host.name, set()))
    return {site: tuple(sorted(s)) for site, s in out.items()}


def max_level(inv: Inventory, systems: tuple[str, ...] | set[str]) -> int | None:
    """The highest level among ``systems`` (None when there is none)."""
    levels = [inv.systems[s].level for s in systems if s in inv.systems]
    return max(levels) if levels else None


def device_level(inv: Inventory, site: str, hosted: Mapping[str, tuple[str, ...]]) -> tuple[int, tuple[str, ...]]:
    """(level, systems) of a device at ``site`` (see the module's rules)."""
    systems = hosted.get(site, ())
    if not systems:
        systems = tuple(sorted(s.name for s in inv.systems.values() if site in (s.owner, s.operator)))
    return max_level(inv, systems) or 1, systems


def linux_targets(
    inv: Inventory,
    plan: AddressPlan,
    names: list[str],
    addresses: Mapping[str, str],
    level: int | None,
    access: Mapping[str, tuple[str, ...]] | None = None,
) -> list[LinuxTarget]:
    """The hosts ``names`` as audit targets, connected to at ``addresses`` (host → address)."""
    served = served_systems(inv)
    out = []
    for name in names:
        host = inv.hosts[name]
        systems = tuple(sorted(served.get(name, set())))
        hv = host_vars(inv, plan, host, set(systems))
        out.append(
            LinuxTarget(
                name=name,
                address=addresses[name],
                level=level or int(hv.get("hatang_level") or 1),
                site=host.site,
                systems=systems,
                agencies=system_agencies(inv, systems),
                vars=hv,
                access=(access or {}).get(name, ()),
            )
        )
    return out
