"""Allocate inside one site's block: VLANs, loopbacks, management addresses, internal links, hosts.

IPv6: /64 number 0 holds the loopbacks (host part = device index), /64 number ``vlan.index`` is the
VLAN, internal links reserve a /64 each from the top of the block (RFC 6164, /127 used). IPv4: each
VLAN has its declared subnet; ``infra_ipv4`` holds /32 loopbacks from the bottom and /31 links from
the top. Everything depends only on the site's own block and profile.
"""

from __future__ import annotations

from ipaddress import IPv6Network

from infra.inventory.models import Addresses, Host, Vlan
from infra.inventory.resolve import Device, EffectiveSite
from infra.plan.arith import address, is_v6, last, make_address, size, subnet
from infra.plan.carve import Planner
from infra.plan.model import Block, DevicePlan, HostPlan, IPAddr, IPNet, LinkPlan, SitePlan, VlanPlan


def _vlan_field(site: EffectiveSite, name: str, v6: bool) -> tuple[str | int, ...]:
    """Where a VLAN of this site was declared: the site's own entry if it has one, else its profile."""
    for i, vlan in enumerate(site.spec.vlans):
        if vlan.name == name:
            return ("vlans", i, "index") if v6 else ("vlans", i, "ipv4")
    return ("profile",)


GATEWAY_ROLES = ("core", "ce", "wan-edge", "firewall", "internet-edge")


def gateway_devices(site: EffectiveSite) -> tuple[Device, ...]:
    """The devices that route a site's VLANs.

    Its cores; else the devices its access switches hang from (by link); else its CE, else the first router
    by role order.
    """
    cores = tuple(d for d in site.devices if d.role == "core")
    if cores:
        return cores
    roles = {d.short: d.role for d in site.devices}
    uplinks = {lk.a for lk in site.links if roles.get(lk.b) == "access"}
    uplinks |= {lk.b for lk in site.links if roles.get(lk.a) == "access"}
    found = tuple(d for d in site.devices if d.short in uplinks and d.role != "access")
    if found:
        return found
    for role in GATEWAY_ROLES:
        found = tuple(d for d in site.devices if d.role == role)
        if found:
            return found
    return site.devices[:1]


def vlan_gateways(vlan: Vlan, subnets: dict[str, IPNet], routers: tuple[Device, ...]) -> dict[str, IPAddr]:
    """The gateway address of each of a VLAN's subnets.

    A user VLAN's gateway is its first address (``::1``, ``.1``); with two or more gateway devices that
    is the VRRP address and the devices take ``::2``, ``::3``... The management VLAN's host part is the
    device index, so its gateway is the one gateway device's own management address, or with two or
    more (VRRP) the subnet's last usable address.
    """
    if vlan.role != "management":
        return {p: n.network_address + 1 for p, n in subnets.items()}
    if len(routers) == 1:
        return {p: n.network_address + routers[0].index for p, n in subnets.items()}
    return {p: n.broadcast_address - 1 for p, n in subnets.items()}


def vlan_plans(site: EffectiveSite, blocks: dict[str, Block], planner: Planner) -> tuple[VlanPlan, ...]:
    """A site's VLAN subnets in every pool it has a block in, with their gateways."""
    out: list[VlanPlan] = []
    pools = [(pool, is_v6(pool), block.prefix) for pool, block in blocks.items()]
    routers = gateway_devices(site)
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
                where = (
                    f"IPv4 /{v4.prefix} number {v4.index}" if v4 is not None and not v6 else f"/64 number {vlan.index}"
                )
                found = f"VLAN {vlan.name!r} at {where}, outside site block {block}"
                planner.fail(site.origin, _vlan_field(site, vlan.name, v6), found, "VLANs that fit the site block")
                continue
            subnets[pool] = net
        gateways = vlan_gateways(vlan, subnets, routers)
        out.append(VlanPlan(vlan.name, vlan.id, vlan.index, vlan.role, vlan.zone, subnets, gateways))
    return tuple(out)


def infra4_subnet(site: EffectiveSite, blocks: dict[str, Block], planner: Planner) -> IPNet | None:
    """The profile's ``infra_ipv4`` subnet inside the site's IPv4 block (loopbacks and /31 links)."""
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
        if is_v6(pool):
            loop_bases.append((pool, True, int(block.prefix.network_address), 1 << 64))
        elif infra4 is not None:
            loop_bases.append((pool, False, int(infra4.network_address), size(infra4)))
    mgmt_vlan = next((v for v in vlans if v.role == "management"), None)
    mgmt_nets = list(mgmt_vlan.subnets.items()) if mgmt_vlan is not None else []
    out: list[DevicePlan] = []
    for device in site.devices:
        i = device.index
        loops = {pool: make_address(v6, base + i) for pool, v6, base, count in loop_bases if i < count}
        mgmt: dict[str, IPAddr] = {}
        for pool, net in mgmt_nets:
            count = size(net)
            if i >= count or (i == count - 1 and not is_v6(pool)):
                found = f"device {device.name!r} index {i} outside management subnet {net}"
                planner.fail(site.origin, ("devices",), found, "a device index that fits the management VLAN")
                continue
            mgmt[pool] = make_address(is_v6(pool), int(net.network_address) + i)
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
    held = {pool: dict(taken0) for pool in blocks if is_v6(pool)}  # /64 number -> what already has it
    for k, link in enumerate(site.links):
        reserved: dict[str, IPNet] = {}
        prefixes: dict[str, IPNet] = {}
        for pool, block in blocks.items():
            if is_v6(pool):
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
        if addr is None or (not is_v6(pool) and addr == last(net)) or addr == vlan.gateways.get(pool):
            origin = planner.inv.origin("hosts", host.name)
            planner.fail(
                origin,
                ("id",),
                f"host id {host.id}",
                f"an id that fits VLAN {vlan.name!r} {net} (at most {size(net) - 2}) and is not its gateway",
            )
            continue
        addrs[pool] = addr
    return HostPlan(host.name, host.site, vlan.name, addrs)
