"""Build every device's intent from the inventory and the address plan (a pure function).

Design (docs/render.md): each site is one OSPFv2 + OSPFv3 domain (area of each device, backbone by default);
devices with WAN circuits speak eBGP to the connection gateways, one IPv4 and one IPv6 session per circuit,
announcing the site's own blocks; the site's gateway devices route its VLANs (VRRPv3 when there are two).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, ip_network

from infra.inventory.models import Circuit, Endpoint
from infra.inventory.resolve import Device, EffectiveSite, Inventory
from infra.plan.model import AddressPlan, IPAddr, IPNet, LinkPlan, SitePlan, VlanPlan
from infra.plan.model import ip_text as text
from infra.plan.site import gateway_devices
from infra.render import filters as flt
from infra.render.intent import (
    Addr,
    Admin,
    Bgp,
    BgpPeer,
    DeviceIntent,
    Family,
    Filter,
    Interface,
    Ospf,
    Route,
    Snmp,
    Target,
    Vlan,
    Vrrp,
    secret_token,
)
from infra.render.ports import STYLES

ROUTER_ROLES = frozenset({"ce", "wan-edge", "internet-edge", "core", "firewall"})
OUTSIDE_ROLES = frozenset({"ce", "wan-edge", "internet-edge"})  # a firewall's untrust side faces these
RA_ROLES = frozenset({"lan", "wifi", "voice", "video", "camera"})  # VLANs whose hosts use SLAAC


def management_sources(inv: Inventory, plan: AddressPlan) -> dict[Family, tuple[str, ...]]:
    """The data centres' management VLAN prefixes: where SSH, SNMP and the like may come from."""
    sources: dict[Family, list[str]] = {"ipv4": [], "ipv6": []}
    for site in inv.sites.values():
        if site.tier is None or site.tier.kind != "datacenter" or site.name not in plan.sites:
            continue
        for vlan in plan.sites[site.name].vlans:
            if vlan.role == "management":
                for net in vlan.subnets.values():
                    sources["ipv4" if net.version == 4 else "ipv6"].append(str(net))
    return {k: tuple(v) for k, v in sources.items()}


def addr(ip: IPAddr, net: IPNet) -> Addr:
    """An interface address inside ``net``."""
    a, length = text(ip), net.prefixlen
    network = f"{text(net.network_address)}/{length}"
    if isinstance(net, IPv4Network):
        return Addr(a, length, f"{a}/{length}", network, text(net.netmask), text(net.hostmask))
    return Addr(a, length, f"{a}/{length}", network, "", "")


def host_addr(ip: IPAddr) -> Addr:
    """A /32 or /128 (loopback) address."""
    a, length = text(ip), ip.max_prefixlen
    mask = ("255.255.255.255", "0.0.0.0") if ip.version == 4 else ("", "")
    return Addr(a, length, f"{a}/{length}", f"{a}/{length}", *mask)


def split(pairs: list[Addr]) -> tuple[tuple[Addr, ...], tuple[Addr, ...]]:
    """IPv4 and IPv6 addresses apart."""
    return tuple(a for a in pairs if ":" not in a.ip), tuple(a for a in pairs if ":" in a.ip)


def dotted(area: int) -> str:
    """An OSPF area in dotted form."""
    return str(IPv4Address(area))


@dataclass(slots=True)
class Context:
    """What the whole province shares: endpoints resolved to addresses, management sources, pools."""

    inv: Inventory
    plan: AddressPlan
    mgmt_sources: dict[Family, tuple[str, ...]]
    circuits: dict[str, list[tuple[Circuit, LinkPlan]]] = field(default_factory=lambda: defaultdict(list))
    memo: dict[object, object] = field(default_factory=dict)
    pool_text: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, inv: Inventory, plan: AddressPlan) -> Context:
        """Index what every device needs."""
        ctx = cls(inv, plan, management_sources(inv, plan))
        ctx.pool_text = {p: str(n) for p, n in plan.pools.items()}
        for cid, circuit in sorted(inv.circuits.items()):
            link = plan.circuits.get(cid)
            if link is not None:
                ctx.circuits[link.a].append((circuit, link))
        return ctx

    def target(self, name: str) -> Target | None:
        """An endpoint's address: IPv6 where it has one (GUA before ULA), else IPv4."""
        endpoint = self.inv.endpoints.get(name)
        if endpoint is None:
            return None
        addresses = self._addresses(endpoint)
        for pool, family in (("gua", "ipv6"), ("ula", "ipv6"), ("ipv4", "ipv4")):
            if pool in addresses:
                secret = secret_token(endpoint.secret) if endpoint.secret else None
                return Target(name, addresses[pool], family, endpoint.port, secret)  # type: ignore[arg-type]
        return None

    def _addresses(self, endpoint: Endpoint) -> dict[str, str]:
        if endpoint.host is not None:
            host = self.plan.hosts.get(endpoint.host)
            return {p: text(a) for p, a in host.addresses.items()} if host else {}
        out: dict[str, str] = {}
        if endpoint.address is not None and endpoint.address.ipv6 is not None:
            out["gua"] = str(endpoint.address.ipv6)
        if endpoint.address is not None and endpoint.address.ipv4 is not None:
            out["ipv4"] = str(endpoint.address.ipv4)
        return out

    def targets(self, site: EffectiveSite, kind: str) -> tuple[Target, ...]:
        """The site's endpoints of one kind, resolved (once per distinct list)."""
        names = site.endpoints.get(kind, ())
        key = ("targets", names)
        if key not in self.memo:
            found = (self.target(n) for n in names)
            self.memo[key] = tuple(t for t in found if t is not None)
        return self.memo[key]  # type: ignore[return-value]


@dataclass(slots=True)
class SiteView:
    """One site while its devices are being built: ports handed out, interfaces collected per device."""

    ctx: Context
    site: EffectiveSite
    plan: SitePlan
    routers: tuple[Device, ...]
    ports: dict[str, dict[str, str]] = field(default_factory=dict)  # device -> key -> port name
    plane: dict[str, object] = field(default_factory=dict)
    interfaces: dict[str, list[Interface]] = field(default_factory=lambda: defaultdict(list))

    @property
    def gateway_names(self) -> frozenset[str]:
        """The names of the devices that route the site's VLANs."""
        return frozenset(d.name for d in self.routers)


def _is_trunk(site: EffectiveSite, a: str, b: str) -> bool:
    roles = {d.name: d.role for d in site.devices}
    return roles.get(a) == "access" or roles.get(b) == "access"


def assign_ports(view: SiteView) -> None:
    """Give each WAN circuit and each link end a port, in a fixed order."""
    for device in view.site.devices:
        style = STYLES[device.platform]
        circuits = view.ctx.circuits.get(device.name, [])
        explicit = {c.a.interface for c, _ in circuits if c.a.interface}
        alloc = style.ports({str(x) for x in explicit})
        names: dict[str, str] = {}
        for circuit, _ in circuits:
            names[f"circuit-{circuit.id}"] = circuit.a.interface or alloc.next()
        for link in view.plan.links:
            if device.name in (link.a, link.b):
                names[link.name] = alloc.next()
        view.ports[device.name] = names


def _link_interfaces(view: SiteView, link: LinkPlan) -> None:
    devices = {d.name: d for d in view.site.devices}
    a, b = devices.get(link.a), devices.get(link.b)
    if a is None or b is None:
        return
    pa, pb = view.ports[a.name][link.name], view.ports[b.name][link.name]
    if _is_trunk(view.site, a.name, b.name):
        vlans = tuple(v.vlan_id for v in view.plan.vlans)
        for dev, port, peer, peer_port in ((a, pa, b, pb), (b, pb, a, pa)):
            desc = f"trunk to {peer.name} {peer_port}"
            view.interfaces[dev.name].append(
                Interface(port, "trunk", desc, mtu=dev.mtu, vlans=vlans, peer=peer.name, peer_interface=peer_port)
            )
        return
    for dev, port, peer, peer_port, ends in ((a, pa, b, pb, link.a_addr), (b, pb, a, pa, link.b_addr)):
        v4, v6 = split([addr(ends[p], link.prefixes[p]) for p in link.prefixes])
        zone = ("untrust" if peer.role in OUTSIDE_ROLES else "trust") if dev.role == "firewall" else ""
        view.interfaces[dev.name].append(
            Interface(
                port,
                "link",
                f"link to {peer.name} {peer_port}",
                v4,
                v6,
                mtu=dev.mtu,
                ospf=True,
                ospf_area=dotted(dev.ospf_area),
                urpf="strict",
                peer=peer.name,
                peer_interface=peer_port,
                zone=zone,
            )
        )


def _wan_interface(view: SiteView, device: Device, circuit: Circuit, link: LinkPlan) -> Interface:
    v4, v6 = split([addr(link.a_addr[p], link.prefixes[p]) for p in link.prefixes])
    ref = f", {circuit.reference}" if circuit.reference else ""
    desc = f"TSLCD circuit {circuit.id} to {circuit.gateway} ({circuit.access}, {circuit.bandwidth_mbps} Mbps{ref})"
    return Interface(
        view.ports[device.name][f"circuit-{circuit.id}"],
        "wan",
        desc,
        v4,
        v6,
        mtu=device.mtu,
        filter_v4=flt.WAN_V4 if v4 else None,
        filter_v6=flt.WAN_V6 if v6 else None,
        urpf="loose",
        bandwidth_kbps=circuit.bandwidth_mbps * 1000,
        peer=circuit.gateway,
        zone="untrust",
    )


def _vlan_addresses(view: SiteView, device: Device, vlan: VlanPlan) -> tuple[list[Addr], Vrrp | None]:
    dplan = next(d for d in view.plan.devices if d.name == device.name)
    k = [r.name for r in view.routers].index(device.name)
    if vlan.role == "management":
        own = [addr(dplan.mgmt[p], n) for p, n in vlan.subnets.items() if p in dplan.mgmt]
    elif len(view.routers) == 1:
        own = [addr(vlan.gateways[p], n) for p, n in vlan.subnets.items()]
    else:
        own = [addr(n.network_address + 2 + k, n) for n in vlan.subnets.values()]
    if len(view.routers) == 1:
        return own, None
    v4 = next((text(a) for p, a in vlan.gateways.items() if p == "ipv4"), None)
    v6 = tuple(text(a) for p, a in vlan.gateways.items() if p != "ipv4")
    return own, Vrrp(vlan.vlan_id % 256 or 1, 110 if k == 0 else 100, v4, v6, "fe80::1")


def _vlan_interfaces(view: SiteView, device: Device) -> None:
    style = STYLES[device.platform]
    trunks = [i.name for i in view.interfaces[device.name] if i.kind == "trunk"]
    trunk = trunks[0] if trunks else None
    sub = device.role != "core" and len(trunks) == 1  # a router on a stick; with several trunks, VLAN interfaces
    for vlan in view.plan.vlans:
        own, vrrp = _vlan_addresses(view, device, vlan)
        v4, v6 = split(own)
        name = style.subinterface.format(port=trunk, vlan=vlan.vlan_id) if sub else style.svi.format(vlan=vlan.vlan_id)
        parent = trunk if sub else name.split(".")[0] if "." in name else None
        view.interfaces[device.name].append(
            Interface(
                name,
                "vlan",
                f"VLAN {vlan.vlan_id} {vlan.name} gateway",
                v4,
                v6,
                mtu=device.mtu,
                parent=parent,
                unit=vlan.vlan_id if "." in name else 0,
                vlan=vlan.vlan_id,
                ospf=device.role in ROUTER_ROLES,
                ospf_passive=True,
                ospf_area=dotted(device.ospf_area),
                ra_suppress=vlan.role not in RA_ROLES,
                urpf="strict",
                vrrp=vrrp,
            )
        )


def _loopback(device: Device, dplan_loops: dict[str, IPAddr]) -> Interface:
    pairs = [host_addr(a) for a in dplan_loops.values()]
    v4, v6 = split(pairs)
    style = STYLES[device.platform]
    return Interface(
        style.loopback,
        "loopback",
        "router id and management source",
        v4,
        v6,
        mtu=device.mtu,
        ospf=device.role in ROUTER_ROLES,
        ospf_passive=True,
        ospf_area=dotted(device.ospf_area),
    )


def _mgmt_interface(view: SiteView, device: Device, mgmt: dict[str, IPAddr]) -> Interface | None:
    if device.name in view.gateway_names:
        return None  # managed in band, on its management VLAN interface
    vlan = next((v for v in view.plan.vlans if v.role == "management"), None)
    if vlan is None:
        return None
    style = STYLES[device.platform]
    v4, v6 = split([addr(a, vlan.subnets[p]) for p, a in mgmt.items() if p in vlan.subnets])
    return Interface(
        style.mgmt,
        "mgmt",
        "out-of-band management",
        v4,
        v6,
        vrf=style.mgmt_vrf,
    )


def _mgmt_routes(view: SiteView, device: Device, mgmt: Interface | None) -> list[Route]:
    """Management routes towards the management VLAN's gateway.

    In a management VRF, its default routes. Without one (FRR: the management port stays in the main table),
    only the data centres' management prefixes, so that the port never competes with the routed default.
    """
    vlan = next((v for v in view.plan.vlans if v.role == "management"), None)
    if mgmt is None or vlan is None:
        return []
    out: list[Route] = []
    for pool, gw in vlan.gateways.items():
        if pool == "ula" and "gua" in vlan.gateways:
            continue
        family: Family = "ipv4" if gw.version == 4 else "ipv6"
        if not (mgmt.ipv4 if family == "ipv4" else mgmt.ipv6):
            continue
        if mgmt.vrf is not None:
            out.append(Route("0.0.0.0/0" if family == "ipv4" else "::/0", family, text(gw), mgmt.vrf))
            continue
        own = vlan.subnets[pool]
        for prefix in view.ctx.mgmt_sources[family]:
            if ip_network(prefix) != own:
                out.append(Route(prefix, family, text(gw), None))
    return out


def _blocks(view: SiteView) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The site's own blocks as text, IPv4 and IPv6."""
    if "blocks" not in view.plane:
        v4 = tuple(str(b.prefix) for p, b in view.plan.blocks.items() if p == "ipv4")
        v6 = tuple(str(b.prefix) for p, b in view.plan.blocks.items() if p != "ipv4")
        view.plane["blocks"] = (v4, v6)
    return view.plane["blocks"]  # type: ignore[return-value]


def _bgp(view: SiteView, device: Device, router_id: str) -> Bgp | None:
    circuits = view.ctx.circuits.get(device.name, [])
    if not circuits:
        return None
    inv = view.ctx.inv
    peers: list[BgpPeer] = []
    for circuit, link in circuits:
        gateway = inv.gateways.get(circuit.gateway)
        if gateway is None:
            continue
        secret = secret_token(gateway.bgp_secret) if gateway.bgp_secret else None
        for pool, address in link.b_addr.items():
            if pool == "ula":
                continue
            family: Family = "ipv4" if address.version == 4 else "ipv6"
            desc = f"{gateway.name} circuit {circuit.id} {family}"
            peers.append(BgpPeer(text(address), family, gateway.asn, gateway.name, desc, secret))
    v4, v6 = _blocks(view)
    return Bgp(inv.province.asn, router_id, tuple(peers), v4, v6, ("0.0.0.0/0", *v4), ("::/0", *v6))


def _ospf(view: SiteView, device: Device, router_id: str, interfaces: list[Interface]) -> Ospf | None:
    if device.role not in ROUTER_ROLES or not any(i.ospf and not i.ospf_passive for i in interfaces):
        return None
    inv = view.ctx.inv
    dc = view.site.tier is not None and view.site.tier.kind == "datacenter"
    originate = device.role == "internet-edge" or (device.role == "ce" and not dc)
    pools = view.ctx.plan.pools
    secret = secret_token(inv.defaults.ospf_secret) if inv.defaults.ospf_secret else None
    return Ospf(
        router_id,
        dotted(device.ospf_area),
        originate,
        device.role == "wan-edge",
        tuple(t for p, t in view.ctx.pool_text.items() if pools[p].version == 4),
        tuple(t for p, t in view.ctx.pool_text.items() if pools[p].version == 6),
        secret,
    )


def _discard_routes(bgp: Bgp | None) -> list[Route]:
    if bgp is None:
        return []
    return [Route(p, "ipv4", None) for p in bgp.export_v4] + [Route(p, "ipv6", None) for p in bgp.export_v6]


def _plane(view: SiteView) -> dict[str, object]:
    ctx, site = view.ctx, view.site
    inv = ctx.inv
    managers = ctx.targets(site, "snmp_manager")
    snmp = None
    if inv.defaults.snmp is not None:
        spec = inv.defaults.snmp
        snmp = Snmp(
            spec.user,
            "NMS-RO",
            secret_token(spec.auth),
            secret_token(spec.priv),
            managers,
            flt.SNMP_V4,
            flt.SNMP_V6,
        )
    admin = inv.defaults.admin
    return {
        "syslog": ctx.targets(site, "syslog"),
        "ntp": ctx.targets(site, "ntp"),
        "dns": ctx.targets(site, "dns"),
        "aaa": ctx.targets(site, "aaa"),
        "snmp": snmp,
        "admin": Admin(admin.user, secret_token(admin.secret)) if admin else None,
    }


def _filters(view: SiteView, interfaces: list[Interface], snmp: Snmp | None, bgp: Bgp | None) -> tuple[Filter, ...]:
    ctx = view.ctx
    key = ("plane-filters", tuple(t.name for t in snmp.managers) if snmp else None)
    if key not in ctx.memo:
        common = [flt.source_filter("ipv4", "mgmt", ctx.mgmt_sources["ipv4"])]
        common.append(flt.source_filter("ipv6", "mgmt", ctx.mgmt_sources["ipv6"]))
        if snmp is not None:
            for family in ("ipv4", "ipv6"):
                bits = 32 if family == "ipv4" else 128
                hosts = tuple(f"{t.address}/{bits}" for t in snmp.managers if t.family == family)
                common.append(flt.source_filter(family, "snmp", hosts))
        ctx.memo[key] = common
    out = list(ctx.memo[key])  # type: ignore[call-overload]
    if bgp is not None or any(i.kind == "wan" for i in interfaces):
        v4, v6 = _blocks(view)
        peers4 = tuple(p.address for p in bgp.peers if p.family == "ipv4") if bgp else ()
        peers6 = tuple(p.address for p in bgp.peers if p.family == "ipv6") if bgp else ()
        ula = tuple(n for p, n in ctx.pool_text.items() if p == "ula")
        out.append(flt.wan_filter("ipv4", own=v4, peers=peers4, keep=()))
        out.append(flt.wan_filter("ipv6", own=v6, peers=peers6, keep=ula))
    return tuple(out)


def _site_vlans(view: SiteView) -> tuple[Vlan, ...]:
    if "vlans" not in view.plane:
        labels = {v.name: v.label or v.name for v in view.site.vlans}
        view.plane["vlans"] = tuple(Vlan(v.vlan_id, v.name, labels.get(v.name, v.name)) for v in view.plan.vlans)
    return view.plane["vlans"]  # type: ignore[return-value]


def device_intent(view: SiteView, device: Device) -> DeviceIntent:
    """One device's intent, once the site's ports and links are laid out."""
    dplan = next(d for d in view.plan.devices if d.name == device.name)
    interfaces = [_loopback(device, dplan.loopbacks)]
    mgmt = _mgmt_interface(view, device, dplan.mgmt)
    if mgmt is not None:
        interfaces.append(mgmt)
    interfaces += [_wan_interface(view, device, c, link) for c, link in view.ctx.circuits.get(device.name, [])]
    interfaces += view.interfaces[device.name]
    loop4 = next((text(a) for a in dplan.loopbacks.values() if a.version == 4), None)
    loop6 = next((text(a) for p, a in dplan.loopbacks.items() if p == "gua"), None)
    router_id = loop4 or str(IPv4Address(dplan.index))
    bgp = _bgp(view, device, router_id)
    if "syslog" not in view.plane:
        view.plane.update(_plane(view))
    plane = view.plane
    snmp = plane["snmp"]
    inv = view.ctx.inv
    carried = any(i.kind in ("trunk", "vlan") for i in interfaces)
    return DeviceIntent(
        name=device.name,
        hostname=device.name,
        site=view.site.name,
        site_label=view.site.spec.label,
        role=device.role,
        platform=device.platform,
        model=device.model or "",
        domain=inv.province.domain or "",
        router=device.role in ROUTER_ROLES,
        gateway=device.name in view.gateway_names,
        loopback_v4=loop4,
        loopback_v6=loop6,
        mgmt_v4=next((text(a) for a in dplan.mgmt.values() if a.version == 4), None),
        mgmt_v6=next((text(a) for p, a in dplan.mgmt.items() if p == "gua"), None)
        or next((text(a) for a in dplan.mgmt.values() if a.version == 6), None),
        mgmt_vrf=mgmt.vrf if mgmt is not None else None,
        mgmt_interface=mgmt.name if mgmt is not None else _inband(view, device, interfaces),
        interfaces=tuple(interfaces),
        vlans=_site_vlans(view) if carried else (),
        routes=tuple(_discard_routes(bgp) + _mgmt_routes(view, device, mgmt)),
        filters=_filters(view, interfaces, snmp, bgp),  # type: ignore[arg-type]
        ospf=_ospf(view, device, router_id, interfaces),
        bgp=bgp,
        mgmt_filter_v4=flt.MGMT_V4,
        mgmt_filter_v6=flt.MGMT_V6,
        syslog=plane["syslog"],  # type: ignore[arg-type]
        ntp=plane["ntp"],  # type: ignore[arg-type]
        dns=plane["dns"],  # type: ignore[arg-type]
        aaa=plane["aaa"],  # type: ignore[arg-type]
        snmp=snmp,  # type: ignore[arg-type]
        admin=plane["admin"],  # type: ignore[arg-type]
    )


def _inband(view: SiteView, device: Device, interfaces: list[Interface]) -> str:
    mgmt_vlan = next((v.vlan_id for v in view.plan.vlans if v.role == "management"), None)
    found = next((i.name for i in interfaces if i.kind == "vlan" and i.vlan == mgmt_vlan), None)
    return found or interfaces[0].name


def site_intents(ctx: Context, site: EffectiveSite) -> list[DeviceIntent]:
    """The intents of every device of one site."""
    plan = ctx.plan.sites.get(site.name)
    if plan is None:
        return []
    view = SiteView(ctx, site, plan, gateway_devices(site))
    assign_ports(view)
    for link in plan.links:
        _link_interfaces(view, link)
    for device in view.routers:
        if view.plan.vlans:
            _vlan_interfaces(view, device)
    return [device_intent(view, d) for d in site.devices]


def build_intents(inv: Inventory, plan: AddressPlan) -> dict[str, DeviceIntent]:
    """Every device's intent, by device name, in site order."""
    ctx = Context.of(inv, plan)
    out: dict[str, DeviceIntent] = {}
    for site in inv.sites.values():
        for intent in site_intents(ctx, site):
            out[intent.name] = intent
    return out
