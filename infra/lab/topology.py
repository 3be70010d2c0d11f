"""The lab twin as data: which nodes, which ports, which wires — derived from the inventory's ``lab`` selection.

Nothing here touches the machine. Lab routers are the selected sites' devices of the roles the lab keeps,
rendered for FRR whatever their production platform; the connection gateways become FRR nodes speaking
the operator's ASN; the layer-2 access layer becomes one bridge per VLAN segment; ports whose far end is
not in the lab (trunks to access switches, management ports, Internet uplinks) end in a stub, so they are
up. Every node has one more port, ``lab0``, on the lab's own management network.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from dataclasses import dataclass, field
from typing import Literal

from infra.errors import LabError
from infra.inventory import Inventory
from infra.inventory.models import Circuit, CircuitEnd, Lab
from infra.plan import AddressPlan
from infra.render.intent import DeviceIntent, Interface

NodeKind = Literal["router", "gateway", "host"]
NetworkKind = Literal["link", "segment", "stub"]
MGMT_PORT = "lab0"
MAX_NODES = 250


@dataclass(frozen=True, slots=True)
class Macvlan:
    """A VRRP virtual router's port: FRR's vrrpd needs it made, with the virtual MAC and addresses."""

    name: str
    mac: str
    addresses: tuple[str, ...]  # address/length


@dataclass(slots=True)
class Port:
    """One port of a node: its name inside the node and the network it is wired to."""

    name: str
    network: str
    mtu: int = 1500
    macvlans: tuple[Macvlan, ...] = ()  # VRRP: the virtual router's MAC and addresses on top of this port


@dataclass(slots=True)
class Node:
    """One namespace node: a router, an emulated gateway or a Linux host."""

    name: str
    kind: NodeKind
    site: str
    id: int  # its number on the management network
    mgmt_v6: str
    mgmt_v4: str
    ports: list[Port] = field(default_factory=list)
    addresses: list[tuple[str, str]] = field(default_factory=list)  # hosts: (port, address/len)
    routes: list[str] = field(default_factory=list)  # hosts: `ip route` arguments


@dataclass(slots=True)
class Network:
    """A wire between two ports (link), a bridge joining several (segment), or a lone far end (stub)."""

    name: str
    kind: NetworkKind
    members: list[tuple[str, str]] = field(default_factory=list)  # (node, port)


@dataclass(slots=True)
class Topology:
    """The whole lab: its nodes, in start order, and its networks."""

    lab: Lab
    nodes: dict[str, Node]
    networks: dict[str, Network]
    intents: dict[str, DeviceIntent]  # the lab routers' FRR intents
    circuits: dict[int, Circuit]  # the circuits whose both ends are in the lab

    def node(self, name: str) -> Node:
        """The node of that name, or a LabError listing the names."""
        try:
            return self.nodes[name]
        except KeyError:
            names = ", ".join(self.nodes)
            raise LabError(f"no lab node {name!r}; the lab has: {names}") from None

    @property
    def routers(self) -> list[Node]:
        """The lab routers (the devices a rollout configures), in inventory order."""
        return [n for n in self.nodes.values() if n.kind == "router"]


def lab_inventory(inv: Inventory) -> Inventory:
    """The inventory as the lab sees it: every device on the frr platform, circuits on default port names."""
    twin = dataclasses.replace(inv)
    twin.sites = {
        name: dataclasses.replace(site, devices=tuple(dataclasses.replace(d, platform="frr") for d in site.devices))
        for name, site in inv.sites.items()
    }
    twin.circuits = {
        cid: c.model_copy(update={"a": CircuitEnd(site=c.a.site, device=c.a.device)}) for cid, c in inv.circuits.items()
    }
    return twin


class _Builder:
    def __init__(self, inv: Inventory, plan: AddressPlan, intents: dict[str, DeviceIntent], lab: Lab) -> None:
        self.inv, self.plan, self.lab = inv, plan, lab
        self.sites = set(lab.sites)
        self.intents = {
            name: i for name, i in intents.items() if i.site in self.sites and inv.devices[name].role in set(lab.roles)
        }
        self.nodes: dict[str, Node] = {}
        self.networks: dict[str, Network] = {}
        self.circuits: dict[int, Circuit] = {}

    def add_node(self, name: str, kind: NodeKind, site: str) -> Node:
        number = len(self.nodes) + 1
        if number > MAX_NODES:
            raise LabError(f"the lab selection makes more than {MAX_NODES} nodes; select fewer sites or hosts")
        v6 = self.lab.mgmt.ipv6.network_address + number
        v4 = self.lab.mgmt.ipv4.network_address + number
        node = Node(name, kind, site, number, str(v6), str(v4))
        self.nodes[name] = node
        return node

    def network(self, kind: NetworkKind, key: str | None = None) -> Network:
        prefix = {"link": "l", "segment": "s", "stub": "t"}[kind]
        name = key or f"{prefix}{sum(1 for n in self.networks.values() if n.kind == kind) + 1}"
        return self.networks.setdefault(name, Network(name, kind))

    def wire(self, node: Node, port: Port, network: Network) -> None:
        node.ports.append(port)
        network.members.append((node.name, port.name))

    def stub(self, node: Node, iface: Interface) -> None:
        net = self.network("stub")
        self.wire(node, Port(iface.name, net.name, iface.mtu), net)


def _vrrp_macs(iface: Interface) -> tuple[Macvlan, ...]:
    if iface.vrrp is None:
        return ()
    out: list[Macvlan] = []
    group = f"{iface.vrrp.group:02x}"
    if iface.vrrp.ipv4 and iface.ipv4:
        out.append(
            Macvlan(f"vrrp4-{iface.vlan}", f"00:00:5e:00:01:{group}", (f"{iface.vrrp.ipv4}/{iface.ipv4[0].length}",))
        )
    if iface.vrrp.ipv6 and iface.ipv6:
        v6 = tuple(f"{a}/{iface.ipv6[0].length}" for a in iface.vrrp.ipv6)
        out.append(Macvlan(f"vrrp6-{iface.vlan}", f"00:00:5e:00:02:{group}", v6))
    return tuple(out)


def _router_ports(b: _Builder, node: Node, intent: DeviceIntent) -> None:
    for iface in intent.interfaces:
        if iface.kind == "loopback":
            continue
        if iface.kind == "link" and iface.peer in b.intents:
            ends = sorted([(intent.name, iface.name), (iface.peer, iface.peer_interface)])
            net = b.network("link", "l-" + "|".join(f"{d}:{p}" for d, p in ends))
            b.wire(node, Port(iface.name, net.name, iface.mtu), net)
        elif iface.kind == "wan" and iface.peer in b.inv.gateways:
            net = b.network("link", f"wan-{intent.name}:{iface.name}")
            b.wire(node, Port(iface.name, net.name, iface.mtu), net)
        elif iface.kind == "mgmt" and (segment := _mgmt_segment(b, intent)):
            net = b.network("segment", segment)
            b.wire(node, Port(iface.name, net.name, iface.mtu), net)
        elif iface.kind == "vlan":
            net = b.network("segment", f"seg-{intent.site}:{iface.vlan}")
            b.wire(node, Port(iface.name, net.name, iface.mtu, _vrrp_macs(iface)), net)
        else:
            b.stub(node, iface)


def _mgmt_segment(b: _Builder, intent: DeviceIntent) -> str | None:
    """The site's management VLAN segment, unless the device's own management address is on a VLAN port."""
    own = {a.ip for i in intent.interfaces if i.kind == "vlan" for a in (*i.ipv4, *i.ipv6)}
    if {intent.mgmt_v4, intent.mgmt_v6} & own:
        return None
    vlan = next((v for v in b.plan.sites[intent.site].vlans if v.role == "management"), None)
    return f"seg-{intent.site}:{vlan.vlan_id}" if vlan else None


def _circuits(b: _Builder) -> None:
    for cid, circuit in sorted(b.inv.circuits.items()):
        device = f"{circuit.a.site}-{circuit.a.device}"
        if device not in b.intents:
            continue
        b.circuits[cid] = circuit
        gw = b.nodes.get(circuit.gateway) or b.add_node(circuit.gateway, "gateway", "")
        intent = b.intents[device]
        link = b.plan.circuits[cid]
        ours = {str(a) for a in link.a_addr.values()}
        iface = next(i for i in intent.interfaces if i.kind == "wan" and {a.ip for a in (*i.ipv4, *i.ipv6)} & ours)
        net = b.networks[f"wan-{device}:{iface.name}"]
        b.wire(gw, Port(f"c{cid}", net.name, iface.mtu), net)


def _gateway_mesh(b: _Builder) -> None:
    gateways = [n for n in b.nodes.values() if n.kind == "gateway"]
    for i, a in enumerate(gateways):
        for z in gateways[i + 1 :]:
            net = b.network("link", f"gw-{a.name}|{z.name}")
            b.wire(a, Port(f"g{z.id}", net.name), net)
            b.wire(z, Port(f"g{a.id}", net.name), net)


def _host_node(b: _Builder, name: str) -> None:
    host = b.inv.hosts[name]
    hplan = b.plan.hosts[name]
    node = b.add_node(name, "host", host.site)
    net = b.networks.get(f"seg-{host.site}:{_vlan_id(b, host.site, hplan.vlan)}")
    if net is None:
        raise LabError(f"lab host {name!r}: no lab router of site {host.site!r} routes VLAN {hplan.vlan!r}")
    b.wire(node, Port("eth0", net.name), net)
    vlan = next(v for v in b.plan.sites[host.site].vlans if v.name == hplan.vlan)
    for pool, address in hplan.addresses.items():
        subnet = vlan.subnets[pool]
        node.addresses.append(("eth0", f"{address}/{subnet.prefixlen}"))
    for pool, gateway in vlan.gateways.items():
        if pool in ("ipv4", "gua"):
            node.routes.append(f"route add default via {gateway} dev eth0")


def _vlan_id(b: _Builder, site: str, vlan: str) -> int:
    return next(v.vlan_id for v in b.plan.sites[site].vlans if v.name == vlan)


def build_topology(inv: Inventory, plan: AddressPlan, intents: dict[str, DeviceIntent]) -> Topology:
    """The lab of ``inv.lab`` from the lab view of the inventory, its plan and its FRR intents."""
    if inv.lab is None:
        raise LabError("the inventory has no 'lab' section: add one (see docs/lab.md) naming the sites to build")
    b = _Builder(inv, plan, intents, inv.lab)
    for intent in b.intents.values():
        _router_ports(b, b.add_node(intent.name, "router", intent.site), intent)
    _circuits(b)
    _gateway_mesh(b)
    for name in inv.lab.hosts:
        _host_node(b, name)
    for node in b.nodes.values():
        node.ports.sort(key=lambda p: p.name)
    _check_names(b)
    return Topology(inv.lab, b.nodes, b.networks, b.intents, b.circuits)


def _check_names(b: _Builder) -> None:
    bad = [f"{n.name}:{p.name}" for n in b.nodes.values() for p in n.ports if len(p.name) > 15 or "/" in p.name]
    if bad:
        raise LabError(f"port names Linux cannot hold (at most 15 characters, no '/'): {', '.join(bad)}")


def mgmt_host(address: str) -> str:
    """An address as a URL/SSH host part (IPv6 in brackets)."""
    return f"[{address}]" if ipaddress.ip_address(address).version == 6 else address
