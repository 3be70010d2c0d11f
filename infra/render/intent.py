"""A device's intent: everything its configuration says, platform-neutral, derived from inventory and plan.

Templates read only this (as ``d``) and the render metadata (as ``meta``); they compute nothing but syntax.
Every value is a plain string, number, boolean, tuple or one of these records, so the same intent can be
handed to any Jinja2 (Ansible's ``template`` module included) as plain data (``as_data``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

Family = Literal["ipv4", "ipv6"]
InterfaceKind = Literal["loopback", "mgmt", "wan", "link", "trunk", "vlan"]
SECRET_TOKEN = "${{secret:{}}}"


def secret_token(name: str) -> str:
    """The placeholder a configuration carries instead of a secret; deploy substitutes it in memory."""
    return SECRET_TOKEN.format(name)


@dataclass(slots=True)
class Addr:
    """One interface address in the forms templates need."""

    ip: str  # 10.54.0.11 / 2001:db8:5400:5::1
    length: int  # 31 / 127
    cidr: str  # 10.54.0.11/31
    network: str  # 10.54.0.10/31
    mask: str  # 255.255.255.254 (IPv4 only, else "")
    wildcard: str  # 0.0.0.1 (IPv4 only, else "")


@dataclass(slots=True)
class Vrrp:
    """A VRRPv3 group on a VLAN interface: the gateway address shared by the site's gateway devices."""

    group: int
    priority: int
    ipv4: str | None
    ipv6: tuple[str, ...]  # global/ULA virtual addresses
    ipv6_link_local: str  # the group's first IPv6 address must be link-local (RFC 5798)


@dataclass(slots=True)
class Interface:
    """One interface: physical port, subinterface, VLAN interface, loopback or management port."""

    name: str
    kind: InterfaceKind
    description: str
    ipv4: tuple[Addr, ...] = ()
    ipv6: tuple[Addr, ...] = ()
    mtu: int = 1500
    parent: str | None = None  # a subinterface's port ("GigabitEthernet0/0/1" of "GigabitEthernet0/0/1.10")
    unit: int = 0  # the subinterface / logical unit number (Junos unit, VLAN id of a subinterface)
    vlan: int | None = None  # the VLAN of a VLAN interface or subinterface
    vlans: tuple[int, ...] = ()  # an 802.1Q trunk's VLANs
    vrf: str | None = None
    ospf: bool = False
    ospf_passive: bool = False
    ospf_area: str = "0.0.0.0"
    ra_suppress: bool = True
    filter_v4: str | None = None  # inbound IPv4 filter name
    filter_v6: str | None = None  # inbound IPv6 filter name
    urpf: Literal["strict", "loose", ""] = ""
    vrrp: Vrrp | None = None
    bandwidth_kbps: int | None = None
    peer: str = ""  # the device or gateway at the other end
    peer_interface: str = ""  # its interface, when it is one of ours
    zone: str = ""  # firewalls: "untrust" (towards the WAN or the Internet) or "trust"

    @property
    def addressed(self) -> bool:
        """Whether the interface has an address of either family."""
        return bool(self.ipv4 or self.ipv6)


@dataclass(slots=True)
class Rule:
    """One filter rule, platform-neutral; templates spell it per platform."""

    action: Literal["permit", "deny"]
    protocol: str  # ip, ipv6, tcp, udp, icmp, icmpv6, ospf, vrrp
    source: str = "any"  # "any" or a prefix
    destination: str = "any"
    port: int | None = None  # destination port (tcp/udp)
    source_port: int | None = None
    icmp: str | None = None  # a name from ICMP_TYPES
    icmp_type: int | None = None
    log: bool = False
    remark: str = ""


@dataclass(slots=True)
class Filter:
    """A named access list of one family; the last rule is an explicit deny with logging."""

    name: str
    family: Family
    purpose: Literal["wan-in", "mgmt", "snmp"]
    rules: tuple[Rule, ...]


@dataclass(slots=True)
class Route:
    """A static route: a discard route for an announced block, or a next hop (management default)."""

    prefix: str
    family: Family
    next_hop: str | None  # None = discard (Null0 / blackhole / discard)
    vrf: str | None = None


@dataclass(slots=True)
class BgpPeer:
    """One eBGP session with a connection gateway, for one address family only."""

    address: str
    family: Family
    remote_as: int
    name: str
    description: str
    secret: str | None  # a secret token, never the key


@dataclass(slots=True)
class Bgp:
    """eBGP towards the specialised data network: separate IPv4 and IPv6 sessions."""

    asn: int
    router_id: str
    peers: tuple[BgpPeer, ...]
    export_v4: tuple[str, ...]  # the site's own blocks, announced (with discard routes)
    export_v6: tuple[str, ...]
    reject_v4: tuple[str, ...]  # never accepted: the default route and the site's own blocks
    reject_v6: tuple[str, ...]
    allowas_in: int = 1  # every site shares the province AS


@dataclass(slots=True)
class Ospf:
    """OSPFv2 + OSPFv3 inside the site."""

    router_id: str
    area: str  # the device's area, dotted
    default_originate: bool
    redistribute_bgp: bool  # data-centre WAN edges: province routes learnt by BGP
    province_v4: tuple[str, ...]  # what redistribution lets through
    province_v6: tuple[str, ...]
    secret: str | None  # a secret token
    reference_bandwidth_mbps: int = 100000


@dataclass(slots=True)
class Target:
    """A service endpoint the device talks to (syslog, NTP, DNS, AAA, SNMP manager)."""

    name: str
    address: str
    family: Family
    port: int | None
    secret: str | None  # a secret token


@dataclass(slots=True)
class Vlan:
    """A VLAN carried by the device."""

    id: int
    name: str
    label: str


@dataclass(slots=True)
class Snmp:
    """SNMPv3 authPriv only: SHA-256 authentication, AES-128 privacy."""

    user: str
    group: str
    auth: str  # a secret token
    priv: str  # a secret token
    managers: tuple[Target, ...]
    filter_v4: str
    filter_v6: str


@dataclass(slots=True)
class Admin:
    """The one local account: the fallback when no AAA server answers."""

    user: str
    secret: str  # a secret token holding the password hash


@dataclass(slots=True)
class DeviceIntent:
    """Everything one device's configuration says."""

    name: str
    hostname: str
    site: str
    site_label: str
    role: str
    platform: str
    model: str
    domain: str
    router: bool  # routes (OSPF) rather than only switching
    gateway: bool  # routes the site's VLANs
    loopback_v4: str | None
    loopback_v6: str | None
    mgmt_v4: str | None
    mgmt_v6: str | None
    mgmt_vrf: str | None
    mgmt_interface: str  # where SSH, SNMP, syslog and NTP are sourced from
    interfaces: tuple[Interface, ...]
    vlans: tuple[Vlan, ...]
    routes: tuple[Route, ...]
    filters: tuple[Filter, ...]
    ospf: Ospf | None
    bgp: Bgp | None
    mgmt_filter_v4: str
    mgmt_filter_v6: str
    syslog: tuple[Target, ...]
    ntp: tuple[Target, ...]
    dns: tuple[Target, ...]
    aaa: tuple[Target, ...]
    snmp: Snmp | None
    admin: Admin | None
    timezone: str = "ICT"
    utc_offset_hours: int = 7
    exec_timeout_minutes: int = 5
    login_attempts: int = 3

    def interface(self, name: str) -> Interface:
        """The interface of that name (KeyError if the device has none)."""
        for i in self.interfaces:
            if i.name == name:
                return i
        raise KeyError(name)


def as_data(value: Any) -> Any:
    """An intent (or part of one) as plain dicts and lists, e.g. for Ansible host variables or JSON."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [as_data(v) for v in value]
    return value


ICMP_TYPES: dict[str, tuple[Family, int]] = {
    "unreachable": ("ipv4", 3),
    "time-exceeded": ("ipv4", 11),
    "echo-request": ("ipv4", 8),
    "echo-reply": ("ipv4", 0),
    "destination-unreachable": ("ipv6", 1),
    "packet-too-big": ("ipv6", 2),
    "time-exceeded-v6": ("ipv6", 3),
    "parameter-problem": ("ipv6", 4),
    "echo-request-v6": ("ipv6", 128),
    "echo-reply-v6": ("ipv6", 129),
    "router-solicitation": ("ipv6", 133),
    "router-advertisement": ("ipv6", 134),
    "neighbor-solicitation": ("ipv6", 135),
    "neighbor-advertisement": ("ipv6", 136),
}
"""The ICMP types filters name, with their numbers (RFC 792, RFC 4443, RFC 4861)."""
