"""Resolve inheritance once, eagerly, into flat effective objects.

Inheritance order, most specific first (the first that sets a value wins):

1. the site (``sites[].devices``, ``sites[].vlans``, ``sites[].endpoints``);
2. the site's profile (``profiles[].devices``, ``vlans``, ``links``, ``endpoints``);
3. the inventory defaults (``defaults.platform``, ``defaults.endpoints``).

Devices and VLANs are merged by name: a site entry with the name of a profile entry changes only the
fields it sets; a new name adds an entry. Endpoint lists are inherited kind by kind (an empty list at
the site means "none", an absent one means "inherit").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar, cast

from infra.inventory.collect import Collected, Located
from infra.inventory.explain import Origin
from infra.inventory.models import (
    Addresses,
    Addressing,
    Circuit,
    Defaults,
    DeviceRole,
    Endpoint,
    EndpointSet,
    Gateway,
    Host,
    InternalLink,
    Lab,
    Model,
    Platform,
    Profile,
    Province,
    Rollout,
    Secret,
    Service,
    Site,
    System,
    Tier,
    Vlan,
)

ENDPOINT_KINDS = ("syslog", "ntp", "dns", "aaa", "snmp_manager")


@dataclass(frozen=True, slots=True)
class Device:
    """An effective network device: a profile device, with site changes and defaults applied."""

    name: str
    short: str
    site: str
    index: int
    role: DeviceRole
    platform: Platform
    model: str | None
    mgmt: Addresses | None
    mtu: int = 1500
    ospf_area: int = 0


@dataclass(frozen=True, slots=True)
class EffectiveSite:
    """A site with its profile and the defaults resolved."""

    spec: Site
    tier: Tier | None
    profile: Profile | None
    devices: tuple[Device, ...]
    vlans: tuple[Vlan, ...]
    links: tuple[InternalLink, ...]
    endpoints: dict[str, tuple[str, ...]]
    origin: Origin

    @property
    def name(self) -> str:
        """The site's name (its key in the inventory)."""
        return self.spec.name


@dataclass(slots=True)
class Inventory:
    """The whole province, validated and resolved; the input of every later stage."""

    root: Path
    files: tuple[str, ...]
    digest: str
    province: Province
    addressing: Addressing
    defaults: Defaults
    lab: Lab | None = None
    rollout: Rollout = field(default_factory=Rollout)
    tiers: dict[str, Tier] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    sites: dict[str, EffectiveSite] = field(default_factory=dict)
    gateways: dict[str, Gateway] = field(default_factory=dict)
    circuits: dict[int, Circuit] = field(default_factory=dict)
    hosts: dict[str, Host] = field(default_factory=dict)
    systems: dict[str, System] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    secrets: dict[str, Secret] = field(default_factory=dict)
    origins: dict[tuple[str, str | int], Origin] = field(default_factory=dict)

    @property
    def devices(self) -> dict[str, Device]:
        """Every device of every site, by its full name."""
        return {d.name: d for s in self.sites.values() for d in s.devices}

    def origin(self, section: str, key: str | int) -> Origin:
        """Where an item was written."""
        return self.origins[(section, key)]


def _merge_devices(site: Site, profile: Profile | None, defaults: Defaults) -> tuple[Device, ...]:
    base = {d.name: d for d in profile.devices} if profile else {}
    merged: dict[str, Device] = {}
    for d in base.values():
        merged[d.name] = Device(
            name=f"{site.name}-{d.name}",
            short=d.name,
            site=site.name,
            index=d.index,
            role=d.role,
            platform=d.platform or defaults.platform,
            model=d.model,
            mgmt=None,
            mtu=d.mtu or 1500,
            ospf_area=d.ospf_area or 0,
        )
    for change in site.devices:
        old = merged.get(change.name)
        index = change.index if change.index is not None else (old.index if old else None)
        role = change.role or (old.role if old else None)
        if index is None or role is None:
            continue  # reported by validation: a new device needs index and role
        merged[change.name] = Device(
            name=f"{site.name}-{change.name}",
            short=change.name,
            site=site.name,
            index=index,
            role=role,
            platform=change.platform or (old.platform if old else defaults.platform),
            model=change.model or (old.model if old else None),
            mgmt=change.mgmt,
            mtu=change.mtu or (old.mtu if old else 1500),
            ospf_area=change.ospf_area if change.ospf_area is not None else (old.ospf_area if old else 0),
        )
    return tuple(sorted(merged.values(), key=lambda d: d.index))


def _merge_vlans(site: Site, profile: Profile | None) -> tuple[Vlan, ...]:
    merged = {v.name: v for v in (profile.vlans if profile else [])}
    for vlan in site.vlans:
        old = merged.get(vlan.name)
        changes = {f: getattr(vlan, f) for f in vlan.model_fields_set}  # only the fields the site sets
        merged[vlan.name] = vlan if old is None else old.model_copy(update=changes)
    return tuple(sorted(merged.values(), key=lambda v: v.index))


def _endpoints(*layers: EndpointSet | None) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for kind in ENDPOINT_KINDS:
        for layer in layers:
            value = getattr(layer, kind) if layer is not None else None
            if value is not None:
                out[kind] = tuple(value)
                break
        else:
            out[kind] = ()
    return out


def effective_site(located: Located[Site], inv: Inventory) -> EffectiveSite:
    """Resolve one site against its tier, profile and the defaults."""
    site = located.item
    profile = inv.profiles.get(site.profile)
    return EffectiveSite(
        spec=site,
        tier=inv.tiers.get(site.tier),
        profile=profile,
        devices=_merge_devices(site, profile, inv.defaults),
        vlans=_merge_vlans(site, profile),
        links=tuple(profile.links) if profile else (),
        endpoints=_endpoints(site.endpoints, profile.endpoints if profile else None, inv.defaults.endpoints),
        origin=located.origin,
    )


K = TypeVar("K", str, int)
T = TypeVar("T", bound=Model)


def _index(inv: Inventory, collected: Collected, section: str, kind: type[T], key: Callable[[T], K]) -> dict[K, T]:
    table: dict[K, T] = {}
    for loc in collected.located(section):
        item = cast(T, loc.item)
        k = key(item)
        if k not in table:  # duplicates are reported by validation; the first one wins
            table[k] = item
            inv.origins[(section, k)] = loc.origin
    return table


def _name(item: Tier | Profile | Gateway | Host | System | Service | Endpoint | Secret | Site) -> str:
    return item.name


def resolve(collected: Collected, *, root: Path, files: tuple[str, ...], digest: str) -> Inventory:
    """Build the effective inventory from validated items (province and addressing must be present)."""
    defaults = collected.singles.get("defaults")
    inv = Inventory(
        root=root,
        files=files,
        digest=digest,
        province=cast(Province, collected.singles["province"].item),
        addressing=cast(Addressing, collected.singles["addressing"].item),
        defaults=cast(Defaults, defaults.item) if defaults else Defaults(),
    )
    lab = collected.singles.get("lab")
    inv.lab = cast(Lab, lab.item) if lab else None
    rollout = collected.singles.get("rollout")
    if rollout:
        inv.rollout = cast(Rollout, rollout.item)
    for section, single in collected.singles.items():
        inv.origins[(section, "")] = single.origin
    inv.tiers = _index(inv, collected, "tiers", Tier, _name)
    inv.profiles = _index(inv, collected, "profiles", Profile, _name)
    inv.gateways = _index(inv, collected, "gateways", Gateway, _name)
    inv.circuits = _index(inv, collected, "circuits", Circuit, lambda c: c.id)
    inv.hosts = _index(inv, collected, "hosts", Host, _name)
    inv.systems = _index(inv, collected, "systems", System, _name)
    inv.services = _index(inv, collected, "services", Service, _name)
    inv.endpoints = _index(inv, collected, "endpoints", Endpoint, _name)
    inv.secrets = _index(inv, collected, "secrets", Secret, _name)
    for loc in collected.located("sites"):
        site = cast(Site, loc.item)
        if site.name not in inv.sites:
            inv.sites[site.name] = effective_site(Located(site, loc.origin), inv)
            inv.origins[("sites", site.name)] = loc.origin
    return inv
