"""Per site: INV-03, INV-06, WAN-01 (data centres), WAN-02 and DC-01…DC-06.

A site's level is the highest level of the systems running there (else of those its agency owns or operates).
Facility controls apply to the data centres; what the inventory does not record (ratings, UPS and generator
data, sensors, camera retention, coordinates) is named in the manual finding, with the evidence needed.
"""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network

import pytest

from infra.audit import inventorycheck as ic
from infra.audit.checking import Check, shown
from infra.audit.scope import SiteTarget
from infra.plan.model import IPNet, SitePlan
from infra.render.build import RA_ROLES

SITE_LOCAL = IPv6Network("fec0::/10")  # deprecated by RFC 3879; INV-06 forbids it
NIBBLE = 4
HOST_ROLES = {
    "load-balancer": ("load-balancer", "lb"),
    "waf": ("waf",),
    "storage": ("storage", "san", "nas"),
    "database-firewall": ("database-firewall", "db-firewall"),
}
DEVICE_ROLES = {"core-switch": ("core",), "central-firewall": ("firewall",)}


def _dc_or_stop(site: SiteTarget, check: Check) -> None:
    if not ic.is_datacenter(site.inv.sites.get(site.name)):
        check.not_applicable("not a data centre")


@pytest.mark.control("INV-03")
def test_redundant_main_devices(site: SiteTarget, check: Check) -> None:
    """Where systems run, each main device class of the level comes in a redundant pair."""
    if site.name not in ic.hosted_sites(site.inv):
        check.not_applicable("no information system runs at this site")
    wanted = check.threshold("redundant_devices")
    spec = site.inv.sites[site.name]
    for kind in wanted if isinstance(wanted, tuple) else ():
        kind = str(kind)
        if kind in DEVICE_ROLES:
            found = [d.name for d in spec.devices if d.role in DEVICE_ROLES[kind]]
            check.item(f"{kind} pair", len(found) >= 2, found or "none", "two or more", limit="redundant_devices")
        elif kind == "all-network-devices":
            roles = sorted({d.role for d in spec.devices})
            single = [r for r in roles if sum(d.role == r for d in spec.devices) < 2]
            check.item(
                "every network device redundant",
                not single,
                single or roles,
                "two or more of each role",
                limit="redundant_devices",
            )
        else:
            hosts = [
                h.name
                for h in site.inv.hosts.values()
                if h.site == site.name and h.role in HOST_ROLES.get(kind, (kind,))
            ]
            if len(hosts) >= 2:
                check.item(f"{kind} pair", True, hosts, "two or more", limit="redundant_devices")
            else:
                check.undecided(
                    f"{kind} pair",
                    hosts or "the inventory records none",
                    "two or more (evidence if they exist outside it)",
                )


@pytest.mark.control("INV-06")
def test_site_address_plan(site: SiteTarget, check: Check) -> None:
    """Site prefix short enough and nibble-aligned, SLAAC LANs /64, no fec0::/10, no overlap with any other block."""
    sp = site.plan.sites.get(site.name)
    if sp is None:
        check.item("site planned", False, "no block", "blocks in the address plan")
        return
    spec = site.inv.sites[site.name]
    small = spec.tier is not None and spec.tier.kind == "commune"
    for pool, block in sp.blocks.items():
        net = block.prefix
        if net.version == 6:
            limit = "small_site_prefix_length_max" if small else "site_prefix_length_max"
            check.at_most(f"{pool} block {net} length", net.prefixlen, limit)
            check.item(
                f"{pool} block {net} on a nibble boundary",
                net.prefixlen % NIBBLE == 0,
                net.prefixlen,
                "a multiple of 4",
            )
            check.item(f"{pool} block {net} not site-local", not net.overlaps(SITE_LOCAL), net, "outside fec0::/10")
        outside = [f"{v.name} {s}" for v in sp.vlans for p, s in v.subnets.items() if p == pool and not _inside(s, net)]
        check.item(f"{pool} VLAN subnets inside {net}", not outside, outside or "all inside", str(net))
    _slaac(check, sp)
    clashes = [
        f"{n} {o}"
        for n, o in _others(site)
        if any(o.overlaps(b.prefix) for b in sp.blocks.values() if b.prefix.version == o.version)
    ]
    check.item("no overlap with other sites, circuits or infrastructure", not clashes, clashes or "none", "none")


def _inside(subnet: IPNet, block: IPNet) -> bool:
    if isinstance(subnet, IPv6Network) and isinstance(block, IPv6Network):
        return subnet.subnet_of(block)
    if isinstance(subnet, IPv4Network) and isinstance(block, IPv4Network):
        return subnet.subnet_of(block)
    return False


def _slaac(check: Check, sp: SitePlan) -> None:
    wanted = check.threshold("slaac_lan_prefix_length")
    for vlan in sp.vlans:
        if vlan.role not in RA_ROLES:
            continue
        for pool, subnet in vlan.subnets.items():
            if subnet.version == 6:
                check.item(
                    f"VLAN {vlan.vlan_id} {vlan.name} ({pool}) SLAAC prefix",
                    subnet.prefixlen == wanted,
                    subnet.prefixlen,
                    wanted,
                    limit="slaac_lan_prefix_length",
                )


def _others(site: SiteTarget) -> list[tuple[str, IPNet]]:
    out: list[tuple[str, IPNet]] = []
    for name, other in site.plan.sites.items():
        if name != site.name:
            out += [(name, b.prefix) for b in other.blocks.values()]
    for cid, link in site.plan.circuits.items():
        out += [(f"circuit {cid}", p) for p in link.prefixes.values()]
    out += [(f"infrastructure {p}", n) for p, n in site.plan.infrastructure.items()]
    return out


@pytest.mark.control("WAN-01")
def test_datacentre_diverse_circuits(site: SiteTarget, check: Check) -> None:
    """A data centre has enough circuits to the gateways on physically different routes."""
    _dc_or_stop(site, check)
    circuits = ic.site_circuits(site.inv, site.name)
    routes = sorted({route for _, route, _ in circuits})
    check.at_least("circuits on distinct routes", len(routes), "dc_diverse_links")
    check.item(
        "circuits",
        bool(circuits),
        [f"{cid} via {route} to {gw}" for cid, route, gw in circuits] or "none",
        "circuits to the gateways",
    )


@pytest.mark.control("WAN-02")
def test_link_utilisation(site: SiteTarget, check: Check) -> None:
    """p95 utilisation of each circuit: NMS counters the inventory does not hold."""
    circuits = ic.site_circuits(site.inv, site.name)
    if not circuits:
        check.not_applicable("no circuit at this site")
    limit, every, days = (check.threshold(n) for n in ("utilisation_p95", "sample_interval", "window"))
    check.manual(
        f"the inventory holds no NMS counters: the 95th percentile per direction of circuits "
        f"{', '.join(str(c) for c, _, _ in circuits)} over {days} days of {every}-second samples, at most {limit} %"
    )


@pytest.mark.control("DC-01")
def test_design_standard(site: SiteTarget, check: Check) -> None:
    """The declared design standard and rating: not in the inventory."""
    _dc_or_stop(site, check)
    standards, rating = check.threshold("design_standard"), check.threshold("rating")
    check.manual(
        f"the inventory records no design standard or rating: the conformity declaration is needed (one of {shown(standards)}, rated at least {rating})"
    )


@pytest.mark.control("DC-02")
def test_power_redundancy(site: SiteTarget, check: Check) -> None:
    """Stabiliser, UPS, backup source, generator tests, utility feeds: facility evidence."""
    _dc_or_stop(site, check)
    needed = check.threshold("power_protection")
    check.manual(
        f"the inventory records no UPS, generator or utility-feed data and has no UPS-MIB access: evidence of {shown(needed)} is needed"
    )


@pytest.mark.control("DC-03")
def test_environment_monitoring(site: SiteTarget, check: Check) -> None:
    """Temperature and humidity bands and alarms: BMS or sensor data."""
    _dc_or_stop(site, check)
    band = [check.threshold(n) for n in ("temperature_min", "temperature_max", "humidity_min", "humidity_max")]
    check.manual(
        f"the inventory has no BMS or sensor data: readings within {band[0]}-{band[1]} °C and {band[2]}-{band[3]} % RH are needed"
    )


@pytest.mark.control("DC-04")
def test_physical_security(site: SiteTarget, check: Check) -> None:
    """Access control, CCTV retention, fire, lightning and earthing certificates: facility evidence."""
    _dc_or_stop(site, check)
    retention = check.threshold("cctv_retention")
    shown = f"CCTV kept {retention} days, " if retention is not None else ""
    check.manual(
        f"the inventory has no VMS or access-control data: evidence is needed ({shown}inspection certificates within {check.threshold('inspection_certificate_max_age')} months)"
    )


@pytest.mark.control("DC-05")
def test_dr_site_distance(site: SiteTarget, check: Check) -> None:
    """The disaster-recovery data centre lies far enough away (haversine distance from the sites' coordinates)."""
    _dc_or_stop(site, check)
    here = site.inv.sites[site.name]
    others = [s for n, s in site.inv.sites.items() if n != site.name and ic.is_datacenter(s)]
    if not others:
        check.item("another data centre (DR site)", False, "none", "a disaster-recovery data centre")
        return
    missing = [s.name for s in (here, *others) if s.spec.location is None]
    if missing:
        check.manual(
            f"the inventory records no location of {', '.join(missing)}: the distance between the data centres needs their coordinates"
        )
    for other in others:
        a, b = here.spec.location, other.spec.location
        if a is None or b is None:
            continue  # cannot happen: checked above
        km = round(ic.haversine_km(a, b), 1)
        check.at_least(f"distance to {other.name} (km)", km, "dr_distance")
    check.undecided(
        "replication links",
        "the inventory records no link between the data centres",
        f"at least {check.threshold('replication_links')}, up",
    )


@pytest.mark.control("DC-06")
def test_access_providers(site: SiteTarget, check: Check) -> None:
    """Enough access providers (distinct ASNs) reach the data centre."""
    _dc_or_stop(site, check)
    gateways = {gw for _, _, gw in ic.site_circuits(site.inv, site.name)}
    asns = sorted({site.inv.gateways[g].asn for g in gateways if g in site.inv.gateways})
    wanted = check.threshold("access_providers")
    if isinstance(wanted, int) and len(asns) >= wanted:
        check.at_least("distinct provider ASNs", len(asns), "access_providers")
        return
    operators = sorted({site.inv.gateways[g].operator for g in gateways if g in site.inv.gateways})
    check.manual(
        f"the inventory shows {len(asns)} provider ASN(s) ({', '.join(map(str, asns)) or 'none'}, {', '.join(operators) or 'no operator'}) "
        f"and records no Internet access provider or entrance room: evidence of at least {wanted} providers is needed"
    )
