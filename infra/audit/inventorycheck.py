"""What the inventory checks (``checks/inventory``) share: where systems run, zones, circuits, distances.

Where a system runs, how the inventory's VLAN zones map to the zones TT 12/2022 names, which circuits a site
has, the distance between two sites.

The mapping from the inventory's zone names and VLAN roles to the TT 12/2022 zone names is this tool's reading
(an inference, shown as such in every item): the inventory lets a province name its zones freely.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from infra.inventory import Inventory
from infra.inventory.models import Location
from infra.inventory.resolve import EffectiveSite
from infra.render.ansible import served_systems

EARTH_RADIUS_KM = 6371.0088  # the IUGG mean radius

# TT 12/2022 zone -> (inventory zone names that realise it, VLAN roles that realise it). "edge" and "internal"
# and "device-management" are judged from devices and sites, below.
ZONE_NAMES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "dmz": (frozenset({"dmz"}), frozenset()),
    "internal-servers": (frozenset({"app", "core", "internal-servers", "servers", "lgsp"}), frozenset()),
    "database": (frozenset({"db", "database"}), frozenset()),
    "management": (frozenset({"mgmt", "management"}), frozenset({"management"})),
    "device-management": (frozenset({"device-management", "devmgmt", "oob"}), frozenset()),
    "wireless": (frozenset({"wifi", "wireless"}), frozenset({"wifi"})),
}
EDGE_ROLES = frozenset({"ce", "wan-edge", "internet-edge"})
USER_ROLES = frozenset({"lan", "voice", "video", "camera"})


def system_hosts(inv: Inventory, system: str) -> list[str]:
    """The hosts serving ``system`` (naming it, named by it, or behind one of its services)."""
    return sorted(h for h, systems in served_systems(inv).items() if system in systems)


def system_sites(inv: Inventory, system: str) -> list[str]:
    """The sites where ``system``'s hosts run."""
    return sorted({inv.hosts[h].site for h in system_hosts(inv, system) if h in inv.hosts})


def hosted_sites(inv: Inventory) -> set[str]:
    """The sites where some host runs."""
    return {h.site for h in inv.hosts.values()}


def is_datacenter(site: EffectiveSite | None) -> bool:
    """Whether the site belongs to a data-centre tier."""
    return site is not None and site.tier is not None and site.tier.kind == "datacenter"


@dataclass(frozen=True, slots=True)
class Zone:
    """How one TT 12/2022 zone is realised at a site: the VLANs (or devices) that make it, or why it is absent."""

    name: str
    found: tuple[str, ...]
    needed: bool = True  # the wireless zone is needed only where there is a wireless network


def zones_at(inv: Inventory, site: EffectiveSite, user_sites: Iterable[EffectiveSite] = ()) -> dict[str, Zone]:
    """Each TT 12/2022 zone as the site (and, for the internal and wireless zones, its users' sites) realise it.

    A management VLAN no host sits in is a device-management zone of its own; one shared with hosts (bastions,
    monitoring) is the management zone only.
    """
    out: dict[str, Zone] = {}
    for zone, (names, roles) in ZONE_NAMES.items():
        found = tuple(f"VLAN {v.id} {v.name}" for v in site.vlans if (v.zone or "") in names or v.role in roles)
        out[zone] = Zone(zone, found)
    shared = {inv.hosts[h].vlan or inv.hosts[h].zone for h in mgmt_shared_with_hosts(inv, site.name)}
    apart = tuple(
        f"VLAN {v.id} {v.name}"
        for v in site.vlans
        if v.role == "management" and v.name not in shared and v.zone not in shared
    )
    out["device-management"] = Zone("device-management", out["device-management"].found + apart)
    firewalls = [d.name for d in site.devices if d.role == "firewall"]
    edges = [d.name for d in site.devices if d.role in EDGE_ROLES]
    out["edge"] = Zone("edge", tuple(edges) if firewalls and edges else ())
    users = [site, *user_sites]
    out["internal"] = Zone(
        "internal", tuple(f"{s.name} VLAN {v.id} {v.name}" for s in users for v in s.vlans if v.role in USER_ROLES)
    )
    wifi = tuple(f"{s.name} VLAN {v.id} {v.name}" for s in users for v in s.vlans if v.role == "wifi")
    out["wireless"] = Zone("wireless", wifi, needed=bool(wifi))
    return out


def mgmt_shared_with_hosts(inv: Inventory, site: str) -> list[str]:
    """The hosts in the site's management VLANs (so that devices' management is not a zone of its own)."""
    spec = inv.sites[site]
    mgmt = {v.name for v in spec.vlans if v.role == "management"}
    zones = {v.zone for v in spec.vlans if v.role == "management" and v.zone}
    return sorted(
        h.name
        for h in inv.hosts.values()
        if h.site == site and (h.vlan in mgmt or (h.vlan is None and h.zone in zones))
    )


def haversine_km(a: Location, b: Location) -> float:
    """The great-circle distance between two WGS84 points, in kilometres."""
    lat1, lat2 = math.radians(a.lat), math.radians(b.lat)
    dlat, dlon = lat2 - lat1, math.radians(b.lon - a.lon)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def site_circuits(inv: Inventory, site: str) -> list[tuple[int, str, str]]:
    """The site's circuits as (id, route, gateway)."""
    return sorted((c.id, c.route, c.gateway) for c in inv.circuits.values() if c.a.site == site)


__all__ = [
    "EARTH_RADIUS_KM",
    "ZONE_NAMES",
    "Zone",
    "haversine_km",
    "hosted_sites",
    "is_datacenter",
    "mgmt_shared_with_hosts",
    "site_circuits",
    "system_hosts",
    "system_sites",
    "zones_at",
]
