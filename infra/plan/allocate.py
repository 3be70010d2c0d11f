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

from collections import defaultdict
from collections.abc import Callable, Iterator
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import Any

from infra._gc import gc_paused
from infra.errors import PlanError, Problem
from infra.inventory.explain import Origin
from infra.inventory.models import POOLS, Addresses, Circuit, Host, TierBlock
from infra.inventory.resolve import EffectiveSite, Inventory
from infra.plan.model import (
    AddressPlan,
    Block,
    DevicePlan,
    HostPlan,
    IPAddr,
    IPNet,
    LinkPlan,
    SitePlan,
    VlanPlan,
)


def size(net: IPNet) -> int:
    """How many addresses ``net`` holds (plain arithmetic; ipaddress's own property is slow)."""
    return 1 << (net.max_prefixlen - net.prefixlen)


def last(net: IPNet) -> IPAddr:
    """The last address of ``net``."""
    value = int(net.network_address) + size(net) - 1
    return IPv6Address(value) if net.max_prefixlen == 128 else IPv4Address(value)


def subnet(base: IPNet, index: int, length: int) -> IPNet | None:
    """The ``index``-th subnet of ``length`` inside ``base``, or None when it does not fit."""
    plen, maxlen = base.prefixlen, base.max_prefixlen
    if length < plen or length > maxlen or index < 0 or index >> (length - plen):
        return None
    start = int(base.network_address) + (index << (maxlen - length))
    return IPv6Network((start, length)) if maxlen == 128 else IPv4Network((start, length))


def address(base: IPNet, offset: int) -> IPAddr | None:
    """The address ``offset`` places into ``base``, or None when outside."""
    if offset < 0 or offset >> (base.max_prefixlen - base.prefixlen):
        return None
    value = int(base.network_address) + offset
    return IPv6Address(value) if base.max_prefixlen == 128 else IPv4Address(value)


def _end(net: IPNet) -> int:
    return int(net.network_address) + size(net) - 1


def _is_v6(pool: str) -> bool:
    return pool != "ipv4"


class Planner:
    """Carries the inventory, the pools and the problems through one planning pass."""

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.problems: list[Problem] = []
        a = inv.addressing
        self.pools: dict[str, IPNet] = {p: n for p, n in (("gua", a.gua), ("ula", a.ula), ("ipv4", a.ipv4)) if n}
        self.infra: dict[str, IPNet] = {}
        self.tier_blocks: dict[str, dict[str, tuple[IPNet, ...]]] = {}
        self.bad_sites: set[str] = set()  # blocks already reported wrong: not checked again address by address

    def fail(self, origin: Origin, sub: tuple[str | int, ...], found: str, expected: str) -> None:
        """Record one problem."""
        self.problems.append(origin.problem(sub, found, expected))

    # --- geometry: infrastructure and tier blocks ----------------------------------------------

    def _length_ok(self, pool: str, length: int, origin: Origin, sub: tuple[str | int, ...]) -> bool:
        base = self.pools[pool]
        if length < base.prefixlen or length > base.max_prefixlen:
            self.fail(
                origin,
                sub,
                f"/{length}",
                f"a length between /{base.prefixlen} and /{base.max_prefixlen} ({pool} {base})",
            )
            return False
        if _is_v6(pool) and length % 4:
            self.fail(origin, sub, f"/{length}", "a nibble-aligned length (a multiple of 4) for IPv6")
            return False
        return True

    def infrastructure(self) -> None:
        """Place the infrastructure block of each pool."""
        origin = self._addressing_origin()
        for pool in self.pools:
            spec = getattr(self.inv.addressing.infrastructure, pool)
            if spec is None:
                continue
            length = spec.block if spec.block is not None else self._default_block(pool)
            sub = ("infrastructure", pool)
            if length is None or not self._length_ok(pool, length, origin, (*sub, "block")):
                continue
            block = subnet(self.pools[pool], spec.slot, length)
            if block is None:
                self.fail(origin, (*sub, "slot"), f"slot {spec.slot}", self._slot_range(pool, length))
                continue
            self.infra[pool] = block

    def _addressing_origin(self) -> Origin:
        return self.inv.origin("addressing", "")

    def _default_block(self, pool: str) -> int | None:
        return self.pools[pool].prefixlen + 4 if _is_v6(pool) else None

    def _slot_range(self, pool: str, length: int) -> str:
        count = 1 << (length - self.pools[pool].prefixlen)
        return f"a slot from 0 to {count - 1} (pool {pool} {self.pools[pool]} holds {count} blocks of /{length})"

    def tiers(self) -> None:
        """Cut each tier's blocks out of each pool."""
        for name, tier in self.inv.tiers.items():
            origin = self.inv.origin("tiers", name)
            blocks: dict[str, tuple[IPNet, ...]] = {}
            for pool in self.pools:
                spec: TierBlock | None = getattr(tier.addressing, pool)
                if spec is None:
                    continue
                carved = self._tier_pool(pool, spec, tier.index, origin)
                if carved:
                    blocks[pool] = carved
            self.tier_blocks[name] = blocks

    def _tier_pool(self, pool: str, spec: TierBlock, index: int, origin: Origin) -> tuple[IPNet, ...]:
        sub: tuple[str | int, ...] = ("addressing", pool)
        length = spec.block if spec.block is not None else self._default_block(pool)
        if length is None:
            self.fail(origin, (*sub, "block"), "no block length", "block: the prefix length of IPv4 tier blocks")
            return ()
        if not self._length_ok(pool, length, origin, (*sub, "block")):
            return ()
        if not self._length_ok(pool, spec.site, origin, (*sub, "site")):
            return ()
        if spec.site < length:
            self.fail(
                origin,
                (*sub, "site"),
                f"/{spec.site}",
                f"a site length of /{length} or longer (inside the tier block)",
            )
            return ()
        out: list[IPNet] = []
        for slot in spec.slots if spec.slots is not None else [index]:
            block = subnet(self.pools[pool], slot, length)
            if block is None:
                self.fail(origin, (*sub, "slots"), f"slot {slot}", self._slot_range(pool, length))
                return ()
            out.append(block)
        return tuple(out)

    def check_geometry_overlaps(self) -> None:
        """Tier blocks and infrastructure blocks must not overlap one another."""
        for pool in self.pools:
            spans: list[tuple[IPNet, str, Origin]] = []
            if pool in self.infra:
                spans.append((self.infra[pool], "the infrastructure block", self._addressing_origin()))
            for tier, blocks in self.tier_blocks.items():
                spans += [(b, f"tier {tier!r}", self.inv.origin("tiers", tier)) for b in blocks.get(pool, ())]
            for (net, what, origin), (other, other_what) in _overlaps(spans):
                self.fail(
                    origin,
                    ("addressing", pool),
                    f"block {net} of {what} overlapping {other} of {other_what}",
                    "tier blocks that do not overlap",
                )

    # --- sites ---------------------------------------------------------------------------------

    def site_blocks(self) -> dict[str, dict[str, Block]]:
        """Every site's block in every pool its tier uses, with exhaustion reported per tier."""
        out: dict[str, dict[str, Block]] = {}
        demand: dict[tuple[str, str], list[EffectiveSite]] = defaultdict(list)
        for site in sorted(self.inv.sites.values(), key=lambda s: (s.spec.tier, s.spec.id)):
            if site.tier is None:
                continue
            out[site.name] = self._one_site_blocks(site, demand)
        for (tier, pool), sites in demand.items():
            self._exhausted(tier, pool, sites)
        return out

    def _one_site_blocks(
        self, site: EffectiveSite, demand: dict[tuple[str, str], list[EffectiveSite]]
    ) -> dict[str, Block]:
        blocks: dict[str, Block] = {}
        tier = site.tier
        assert tier is not None
        overrides = site.spec.prefixes
        for pool, tier_blocks in self.tier_blocks.get(tier.name, {}).items():
            fixed = getattr(overrides, pool) if overrides is not None else None
            if fixed is not None:
                blocks[pool] = Block(fixed, "override: deployed in the field", override=True)
                continue
            spec: TierBlock = getattr(tier.addressing, pool)
            per = 1 << (spec.site - tier_blocks[0].prefixlen)
            slot, number = divmod(site.spec.id, per)
            if slot >= len(tier_blocks):
                demand[(tier.name, pool)].append(site)
                continue
            net = subnet(tier_blocks[slot], number, spec.site)
            assert net is not None
            how = f"tier {tier.name} block {tier_blocks[slot]}, /{spec.site} number {number} (site id {site.spec.id})"
            blocks[pool] = Block(net, how)
        return blocks

    def _exhausted(self, tier: str, pool: str, sites: list[EffectiveSite]) -> None:
        spec: TierBlock = getattr(self.inv.tiers[tier].addressing, pool)
        blocks = self.tier_blocks[tier][pool]
        room = len(blocks) * (1 << (spec.site - blocks[0].prefixlen))
        count = sum(1 for s in self.inv.sites.values() if s.spec.tier == tier)
        names = ", ".join(s.name for s in sites[:3]) + (" ..." if len(sites) > 3 else "")
        found = f"demand for {count} sites of /{spec.site} in tier {tier!r}, {len(sites)} with ids >= {room} ({names})"
        expected = (
            f"ids below {room}: pool {pool} {self.pools[pool]} gives tier {tier!r} {len(blocks)} block(s) "
            f"of /{blocks[0].prefixlen} = {room} sites of /{spec.site}; add slots or use a larger pool"
        )
        self.fail(self.inv.origin("tiers", tier), ("addressing", pool), found, expected)

    def check_site_blocks(self, blocks: dict[str, dict[str, Block]]) -> None:
        """Overrides inside their pool; no two site blocks overlap; nothing overlaps circuit links."""
        for pool, base in self.pools.items():
            spans: list[tuple[IPNet, str, Origin]] = []
            for name, per_pool in blocks.items():
                block = per_pool.get(pool)
                if block is None:
                    continue
                origin = self.inv.sites[name].origin
                if block.override and not _inside(block.prefix, base):
                    self.bad_sites.add(name)
                    self.fail(
                        origin,
                        ("prefixes", pool),
                        f"{block.prefix}, outside pool {pool} {base}",
                        f"a prefix inside {base}",
                    )
                    continue
                if block.override and _is_v6(pool) and block.prefix.prefixlen % 4:
                    self.fail(
                        origin,
                        ("prefixes", pool),
                        f"{block.prefix}",
                        "a nibble-aligned prefix (length a multiple of 4)",
                    )
                spans.append((block.prefix, f"site {name!r}", origin))
            if pool in self.infra:
                spans.append((self.infra[pool], "the infrastructure block", self._addressing_origin()))
            overrides = {f"site {n!r}": n for n, b in blocks.items() if pool in b and b[pool].override}

            def override_first(span: Span, overrides: dict[str, str] = overrides) -> tuple[bool, str, int, int]:
                return (span[1] in overrides, *_pos(span[2]))  # an override is what a person can get wrong

            for (net, what, origin), (other, other_what) in _overlaps(spans, blame=override_first):
                if what in overrides:
                    self.bad_sites.add(overrides[what])
                self.fail(
                    origin,
                    ("prefixes", pool),
                    f"block {net} of {what} overlapping {other} of {other_what}",
                    "blocks that do not overlap",
                )


def _inside(net: IPNet, base: IPNet) -> bool:
    return net.version == base.version and net.subnet_of(base)  # type: ignore[arg-type]


def _pos(origin: Origin) -> tuple[str, int, int]:
    mark = origin.doc.mark(origin.base) or (0, 0)
    return (origin.doc.file, mark[0], mark[1])


Span = tuple[IPNet, str, Origin]


def _later(span: Span) -> tuple[str, int, int]:
    return _pos(span[2])


def _overlaps(
    spans: list[Span], blame: Callable[[Span], tuple[Any, ...]] = _later
) -> list[tuple[Span, tuple[IPNet, str]]]:
    """Pairs that overlap, found by one sweep over the spans sorted by start.

    Of each pair, the one ranked higher by ``blame`` (by default the one written later) is reported.
    """
    ordered = sorted(spans, key=lambda s: (int(s[0].network_address), s[0].prefixlen))
    found: list[tuple[Span, tuple[IPNet, str]]] = []
    widest: Span | None = None
    for span in ordered:
        if widest is not None and int(span[0].network_address) <= _end(widest[0]):
            later, earlier = (span, widest) if blame(span) >= blame(widest) else (widest, span)
            found.append((later, (earlier[0], earlier[1])))
            if _end(span[0]) <= _end(widest[0]):
                continue
        widest = span
    return found


def vlan_plans(site: EffectiveSite, blocks: dict[str, Block], planner: Planner) -> tuple[VlanPlan, ...]:
    """A site's VLAN subnets in every pool it has a block in (the gateway is each subnet's first address)."""
    out: list[VlanPlan] = []
    pools = [(pool, _is_v6(pool), block.prefix) for pool, block in blocks.items()]
    for vlan in site.vlans:
        subnets: dict[str, IPNet] = {}
        v4 = vlan.ipv4
        for pool, v6, block in pools:
            if v6 and vlan.ipv6:
                net = subnet(block, vlan.index, 64)
            elif not v6 and v4 is not None:
                net = subnet(block, v4.index, v4.prefix)
            else:
                continue
            if net is None:
                where = f"/64 number {vlan.index}" if v6 else f"IPv4 /{v4.prefix} number {v4.index}"  # type: ignore[union-attr]
                found = f"VLAN {vlan.name!r} at {where}, outside site block {block}"
                planner.fail(site.origin, ("profile",), found, "VLANs that fit the site block")
                continue
            subnets[pool] = net
        out.append(VlanPlan(vlan.name, vlan.id, vlan.index, vlan.role, vlan.zone, subnets))
    return tuple(out)


def _infra4(site: EffectiveSite, blocks: dict[str, Block], planner: Planner) -> IPNet | None:
    block = blocks.get("ipv4")
    if block is None or site.profile is None:
        return None
    spec = site.profile.infra_ipv4
    net = subnet(block.prefix, spec.index, spec.prefix)
    if net is None:
        planner.fail(
            site.origin,
            ("profile",),
            f"infra_ipv4 /{spec.prefix} number {spec.index}, outside site block {block.prefix}",
            "an infra_ipv4 subnet inside the site block",
        )
    return net


def _fixed_mgmt(site: EffectiveSite, short: str, fixed: Addresses, planner: Planner) -> dict[str, IPAddr]:
    """Management addresses already in use: each must be inside one of the province's pools."""
    out: dict[str, IPAddr] = {}
    for addr in (fixed.ipv4, fixed.ipv6):
        if addr is None:
            continue
        pool = next((p for p, n in planner.pools.items() if n.version == addr.version and addr in n), None)
        if pool is None:
            where = next(i for i, d in enumerate(site.spec.devices) if d.name == short)
            pools = ", ".join(str(n) for n in planner.pools.values())
            planner.fail(
                site.origin, ("devices", where, "mgmt"), f"{addr}, outside the pools", f"an address in {pools}"
            )
            continue
        out[pool] = addr
    return out


def _addr(v6: bool, value: int) -> IPAddr:
    return IPv6Address(value) if v6 else IPv4Address(value)


def device_plans(
    site: EffectiveSite,
    blocks: dict[str, Block],
    vlans: tuple[VlanPlan, ...],
    infra4: IPNet | None,
    planner: Planner,
) -> tuple[DevicePlan, ...]:
    """Loopbacks (/64 number 0, and infra_ipv4) and management addresses (management VLAN) of a site's devices."""
    loop_bases: list[tuple[str, bool, int, int]] = []  # pool, IPv6?, first address, size
    for pool, block in blocks.items():
        if _is_v6(pool):
            loop_bases.append((pool, True, int(block.prefix.network_address), 1 << 64))
        elif infra4 is not None:
            loop_bases.append((pool, False, int(infra4.network_address), size(infra4)))
    mgmt_vlan = next((v for v in vlans if v.role == "management"), None)
    mgmt_nets = list(mgmt_vlan.subnets.items()) if mgmt_vlan is not None else []
    out: list[DevicePlan] = []
    for device in site.devices:
        i = device.index
        loops = {pool: _addr(v6, base + i) for pool, v6, base, count in loop_bases if i < count}
        mgmt: dict[str, IPAddr] = {}
        for pool, net in mgmt_nets:
            count = size(net)
            if i >= count or (i == count - 1 and not _is_v6(pool)):
                found = f"device {device.name!r} index {i} outside management subnet {net}"
                planner.fail(site.origin, ("devices",), found, "a device index that fits the management VLAN")
                continue
            mgmt[pool] = _addr(_is_v6(pool), int(net.network_address) + i)
        if device.mgmt is not None:
            mgmt.update(_fixed_mgmt(site, device.short, device.mgmt, planner))
        out.append(DevicePlan(device.name, i, loops, mgmt))
    return tuple(out)


def _link_v6(
    site: EffectiveSite, k: int, block: IPNet, taken: dict[int, str], planner: Planner
) -> tuple[IPNet, IPNet] | None:
    """The reserved /64 of internal link ``k`` in one IPv6 site block, and the /127 used from it."""
    link = site.links[k]
    number = link.index if link.index is not None else (1 << (64 - block.prefixlen)) - 1 - k
    if number in taken:
        found = f"link {link.a}--{link.b} on /64 number {number}, which is also {taken[number]}"
        planner.fail(
            site.origin, ("profile",), found, "link /64s apart from the loopback /64, VLAN /64s and one another"
        )
        return None
    taken[number] = f"link {link.a}--{link.b}'s"
    reserved = subnet(block, number, 64)
    if reserved is None:
        return None
    return reserved, IPv6Network((int(reserved.network_address), 127))


def _link_v4(site: EffectiveSite, k: int, infra4: IPNet, planner: Planner) -> IPNet | None:
    """The /31 of internal link ``k``, counted down from the top of infra_ipv4, clear of the loopbacks."""
    p31 = subnet(infra4, size(infra4) // 2 - 1 - k, 31)
    top_device = max((d.index for d in site.devices), default=0)
    if p31 is None or int(p31.network_address) - int(infra4.network_address) <= top_device:
        found = f"{len(site.links)} internal links and device indexes up to {top_device} in {infra4}"
        planner.fail(site.origin, ("profile",), found, "an infra_ipv4 subnet large enough for loopbacks and /31 links")
        return None
    return p31


def link_plans(
    site: EffectiveSite, blocks: dict[str, Block], infra4: IPNet | None, planner: Planner
) -> tuple[LinkPlan, ...]:
    """Internal links: a reserved /64 each from the top of the site block, /127 used; /31 from the top of infra_ipv4."""
    if not site.links:
        return ()
    out: list[LinkPlan] = []
    devices = {d.short: d.name for d in site.devices}
    taken0 = {0: "the loopbacks'", **{v.index: "a VLAN's" for v in site.vlans}}
    held = {pool: dict(taken0) for pool in blocks if _is_v6(pool)}  # /64 number -> what already has it
    for k, link in enumerate(site.links):
        reserved: dict[str, IPNet] = {}
        prefixes: dict[str, IPNet] = {}
        for pool, block in blocks.items():
            if _is_v6(pool):
                pair = _link_v6(site, k, block.prefix, held[pool], planner)
                if pair is not None:
                    reserved[pool], prefixes[pool] = pair
            elif infra4 is not None and (p31 := _link_v4(site, k, infra4, planner)) is not None:
                prefixes[pool] = p31
        a_name, b_name = devices.get(link.a, link.a), devices.get(link.b, link.b)
        ends_a = {p: n.network_address for p, n in prefixes.items()}
        ends_b = {p: last(n) for p, n in prefixes.items()}
        out.append(LinkPlan(f"{a_name}--{b_name}", a_name, b_name, reserved, prefixes, ends_a, ends_b))
    return tuple(out)


def circuit_plan(circuit: Circuit, planner: Planner) -> LinkPlan:
    """A WAN circuit: /64 number ``id`` of the infrastructure block reserved, its first /127 used; /31 number ``id``."""
    inv = planner.inv
    origin = inv.origin("circuits", circuit.id)
    reserved: dict[str, IPNet] = {}
    prefixes: dict[str, IPNet] = {}
    for pool, infra in planner.infra.items():
        fixed = getattr(circuit.prefixes, pool) if circuit.prefixes is not None else None
        if fixed is not None:
            if not _inside(fixed, planner.pools[pool]):
                planner.fail(
                    origin,
                    ("prefixes", pool),
                    f"{fixed}, outside pool {pool} {planner.pools[pool]}",
                    f"a prefix inside {planner.pools[pool]}",
                )
                continue
            prefixes[pool] = subnet(fixed, 0, 127 if _is_v6(pool) else 31) or fixed
            continue
        length = 64 if _is_v6(pool) else 31
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
        if _is_v6(pool):
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


def host_plan(host: Host, sites: dict[str, SitePlan], planner: Planner) -> HostPlan | None:
    """A host's addresses: host ``id`` inside its VLAN, in every pool the VLAN has."""
    site = sites.get(host.site)
    if site is None:
        return None
    vlan = next((v for v in site.vlans if (v.name == host.vlan if host.vlan else v.zone == host.zone)), None)
    if vlan is None:
        return None
    addrs: dict[str, IPAddr] = {}
    for pool, net in vlan.subnets.items():
        addr = address(net, host.id)
        if addr is None or (not _is_v6(pool) and addr == last(net)):
            origin = planner.inv.origin("hosts", host.name)
            planner.fail(
                origin,
                ("id",),
                f"host id {host.id}",
                f"an id that fits VLAN {vlan.name!r} {net} (at most {size(net) - 2})",
            )
            continue
        addrs[pool] = addr
    return HostPlan(host.name, host.site, vlan.name, addrs)


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
        for (net, what, origin), (other, other_what) in _overlaps(spans):
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
        infra4 = _infra4(site, site_blocks, planner)
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


__all__ = ["POOLS", "address", "ip_address", "make_plan", "subnet"]
