"""Deterministic, hierarchical, nibble-aligned address allocation.

Layout (see docs/address-plan.md):

* each pool (``gua``, optional ``ula``, ``ipv4``) is cut into *tier blocks*; a tier owns one or more
  (``slots``), and the infrastructure block holds one reserved /64 (and one /31) per WAN circuit,
  numbered by the circuit's ``id``;
* a site's block is the ``id``-th block of its tier's size inside the tier's blocks. It depends on
  nothing but the tier's carving and the site's own ``id``: adding, removing, reordering sites or
  giving a site another parent never moves any other site;
* inside a site block: /64 number 0 holds the loopbacks (/128 per device, host part = device index),
  /64 number ``vlan.index`` is the VLAN, internal links reserve a /64 each from the top (RFC 6164,
  /127 configured); in IPv4 each VLAN has its declared subnet and ``infra_ipv4`` holds the /32
  loopbacks (from the bottom) and /31 links (from the top).
"""

from __future__ import annotations

from collections.abc import Iterator
from ipaddress import IPv4Address, IPv6Address

from infra._gc import gc_paused
from infra.errors import PlanError
from infra.inventory.models import Circuit
from infra.inventory.resolve import Inventory
from infra.plan.arith import inside, is_v6, last, overlaps, size, subnet
from infra.plan.carve import Planner
from infra.plan.model import AddressPlan, IPNet, LinkPlan, SitePlan
from infra.plan.site import device_plans, host_plan, infra4_subnet, link_plans, vlan_plans


def circuit_plan(circuit: Circuit, planner: Planner) -> LinkPlan:
    """A WAN circuit: /64 number ``id`` of the infrastructure block reserved, its first /127 used; /31 number ``id``."""
    inv = planner.inv
    origin = inv.origin("circuits", circuit.id)
    reserved: dict[str, IPNet] = {}
    prefixes: dict[str, IPNet] = {}
    for pool, infra in planner.infra.items():
        fixed = getattr(circuit.prefixes, pool) if circuit.prefixes is not None else None
        if fixed is not None:
            if not inside(fixed, planner.pools[pool]):
                planner.fail(
                    origin,
                    ("prefixes", pool),
                    f"{fixed}, outside pool {pool} {planner.pools[pool]}",
                    f"a prefix inside {planner.pools[pool]}",
                )
                continue
            prefixes[pool] = subnet(fixed, 0, 127 if is_v6(pool) else 31) or fixed
            continue
        length = 64 if is_v6(pool) else 31
        net = subnet(infra, circuit.id, length)
        if net is None:
            room = size(infra) >> (infra.max_prefixlen - length)
            planner.fail(
                origin,
                ("id",),
                f"circuit id {circuit.id}",
                f"an id below {room}: pool {pool} infrastructure block {infra} holds {room} links of /{length}",
            )
            continue
        if is_v6(pool):
            reserved[pool] = net
            net = subnet(net, 0, 127) or net
        prefixes[pool] = net
    site = inv.sites.get(circuit.a.site)
    device = (
        next((d.name for d in site.devices if d.short == circuit.a.device), circuit.a.device)
        if site
        else circuit.a.device
    )
    ce = {p: last(n) for p, n in prefixes.items()}
    gw = {p: n.network_address for p, n in prefixes.items()}
    return LinkPlan(f"circuit-{circuit.id}", device, circuit.gateway, reserved, prefixes, ce, gw, circuit.a.site)


def _address_users(plan: AddressPlan, planner: Planner) -> Iterator[tuple[int, int, str, str, str]]:
    """(version, address, kind, name, site) of every device loopback, management and host address."""
    for site in plan.sites.values():
        if site.name in planner.bad_sites:
            continue
        for device in site.devices:
            for addr in device.loopbacks.values():
                yield addr.version, int(addr), "device", device.name, site.name
            for addr in device.mgmt.values():
                yield addr.version, int(addr), "device (mgmt)", device.name, site.name
    for name, host in plan.hosts.items():
        for addr in host.addresses.values():
            yield addr.version, int(addr), "host", name, host.site


def _check_unique_addresses(plan: AddressPlan, planner: Planner) -> None:
    """No two devices or hosts share an address (loopback, management or host address)."""
    every = [
        a for s in plan.sites.values() for d in s.devices for group in (d.loopbacks, d.mgmt) for a in group.values()
    ]
    every += [a for h in plan.hosts.values() for a in h.addresses.values()]
    if len(set(every)) == len(every):
        return  # the usual case; the detailed pass below names the culprits
    seen: dict[tuple[int, int], tuple[str, str]] = {}
    for version, value, kind, name, site in _address_users(plan, planner):
        first = seen.setdefault((version, value), (kind, name))
        if first == (kind, name):
            continue
        addr = IPv6Address(value) if version == 6 else IPv4Address(value)
        if kind == "host":
            origin, sub = planner.inv.origin("hosts", name), ("id",)
        else:
            origin, sub = planner.inv.sites[site].origin, ("devices",)
        found = f"address {addr} of {kind} {name!r}, also used by {first[0]} {first[1]!r}"
        planner.fail(origin, sub, found, "a unique address")


def _check_circuit_overlaps(plan: AddressPlan, planner: Planner) -> None:
    for pool in planner.pools:
        spans = [
            (
                link.reserved.get(pool) or link.prefixes[pool],
                f"circuit {cid}",
                planner.inv.origin("circuits", cid),
            )
            for cid, link in plan.circuits.items()
            if pool in link.prefixes
        ]
        spans += [
            (s.blocks[pool].prefix, f"site {n!r}", planner.inv.sites[n].origin)
            for n, s in plan.sites.items()
            if pool in s.blocks and n not in planner.bad_sites
        ]
        for (net, what, origin), (other, other_what) in overlaps(spans):
            if what.startswith("circuit") or other_what.startswith("circuit"):
                found = f"{net} of {what} overlapping {other} of {other_what}"
                planner.fail(origin, ("prefixes", pool), found, "link prefixes that overlap nothing else")


@gc_paused
def make_plan(inv: Inventory) -> AddressPlan:
    """Plan every address of the province, or raise :class:`PlanError` with every problem found."""
    planner = Planner(inv)
    planner.infrastructure()
    planner.tiers()
    planner.check_geometry_overlaps()
    if planner.problems:
        raise PlanError(planner.problems)
    blocks = planner.site_blocks()
    planner.check_site_blocks(blocks)
    plan = AddressPlan(
        province=inv.province.name,
        digest=inv.digest,
        pools=dict(planner.pools),
        infrastructure=dict(planner.infra),
        tiers={t: dict(b) for t, b in sorted(planner.tier_blocks.items())},
    )
    for name, site_blocks in blocks.items():
        site = inv.sites[name]
        vlans = vlan_plans(site, site_blocks, planner)
        infra4 = infra4_subnet(site, site_blocks, planner)
        devices = device_plans(site, site_blocks, vlans, infra4, planner)
        links = link_plans(site, site_blocks, infra4, planner)
        plan.sites[name] = SitePlan(name, site.spec.tier, site.spec.id, site_blocks, vlans, devices, links)
    for cid in sorted(inv.circuits):
        plan.circuits[cid] = circuit_plan(inv.circuits[cid], planner)
    for name in sorted(inv.hosts):
        host = host_plan(inv.hosts[name], plan.sites, planner)
        if host is not None:
            plan.hosts[name] = host
    _check_circuit_overlaps(plan, planner)
    _check_unique_addresses(plan, planner)
    if planner.problems:
        raise PlanError(planner.problems)
    return plan
