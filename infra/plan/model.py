"""The address plan: typed results of planning, and their plain-data form for JSON and CSV."""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from socket import AF_INET, AF_INET6, inet_ntop
from typing import Any

IPNet = IPv4Network | IPv6Network
IPAddr = IPv4Address | IPv6Address


def ip_text(ip: IPAddr) -> str:
    """An address as text (RFC 5952 for IPv6) through the C library: ``str()`` costs several times more."""
    value = int(ip)
    if ip.version == 4:
        return inet_ntop(AF_INET, value.to_bytes(4, "big"))
    if value >> 48 == 0:  # ::/16 holds the IPv4-compatible and -mapped forms C prints as dotted quads
        return str(ip)
    return inet_ntop(AF_INET6, value.to_bytes(16, "big"))


def net_text(net: IPNet) -> str:
    """A prefix as text, ``address/length``."""
    return f"{ip_text(net.network_address)}/{net.prefixlen}"


@dataclass(frozen=True, slots=True)
class Block:
    """A site's block in one pool, and how it was derived."""

    prefix: IPNet
    how: str
    override: bool = False


@dataclass(frozen=True, slots=True)
class VlanPlan:
    """A VLAN's subnets (per pool) and its gateway addresses (see ``site.vlan_gateways``)."""

    name: str
    vlan_id: int
    index: int
    role: str
    zone: str | None
    subnets: dict[str, IPNet]
    gateways: dict[str, IPAddr] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class DevicePlan:
    """A device's loopbacks (/128, /32) and management addresses."""

    name: str
    index: int
    loopbacks: dict[str, IPAddr]
    mgmt: dict[str, IPAddr]


@dataclass(frozen=True, slots=True)
class LinkPlan:
    """A point-to-point link: the reserved /64s (RFC 6164), the /127 and /31 in use, both ends."""

    name: str
    a: str
    b: str
    reserved: dict[str, IPNet]
    prefixes: dict[str, IPNet]
    a_addr: dict[str, IPAddr]
    b_addr: dict[str, IPAddr]
    site: str = ""


@dataclass(frozen=True, slots=True)
class SitePlan:
    """Everything allocated to one site."""

    name: str
    tier: str
    id: int
    blocks: dict[str, Block]
    vlans: tuple[VlanPlan, ...] = ()
    devices: tuple[DevicePlan, ...] = ()
    links: tuple[LinkPlan, ...] = ()


@dataclass(frozen=True, slots=True)
class HostPlan:
    """A data-centre host's addresses."""

    name: str
    site: str
    vlan: str
    addresses: dict[str, IPAddr]


@dataclass(slots=True)
class AddressPlan:
    """The province's address plan: a pure function of the inventory."""

    province: str
    digest: str
    pools: dict[str, IPNet]
    infrastructure: dict[str, IPNet]
    tiers: dict[str, dict[str, tuple[IPNet, ...]]]
    sites: dict[str, SitePlan] = field(default_factory=dict)
    circuits: dict[int, LinkPlan] = field(default_factory=dict)
    hosts: dict[str, HostPlan] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (strings, numbers, lists, mappings) in a stable order, for JSON."""
        return {
            "province": self.province,
            "inventory_sha256": self.digest,
            "pools": _strs(self.pools),
            "infrastructure": _strs(self.infrastructure),
            "tiers": {t: {p: [str(b) for b in bs] for p, bs in pools.items()} for t, pools in self.tiers.items()},
            "sites": {name: _site_dict(s) for name, s in sorted(self.sites.items())},
            "circuits": {str(cid): _link_dict(c) for cid, c in sorted(self.circuits.items())},
            "hosts": {
                name: {"site": h.site, "vlan": h.vlan, "addresses": _strs(h.addresses)}
                for name, h in sorted(self.hosts.items())
            },
        }


def _strs(mapping: dict[str, IPNet] | dict[str, IPAddr]) -> dict[str, str]:
    return {k: net_text(v) if isinstance(v, IPv4Network | IPv6Network) else ip_text(v) for k, v in mapping.items()}


def _link_dict(link: LinkPlan) -> dict[str, Any]:
    return {
        "name": link.name,
        "a": link.a,
        "b": link.b,
        "reserved": _strs(link.reserved),
        "prefixes": _strs(link.prefixes),
        "a_addr": _strs(link.a_addr),
        "b_addr": _strs(link.b_addr),
        **({"site": link.site} if link.site else {}),
    }


def _site_dict(site: SitePlan) -> dict[str, Any]:
    return {
        "tier": site.tier,
        "id": site.id,
        "blocks": {p: net_text(b.prefix) for p, b in site.blocks.items()},
        "overrides": sorted(p for p, b in site.blocks.items() if b.override),
        "vlans": {
            v.name: {
                "vlan_id": v.vlan_id,
                "index": v.index,
                "subnets": _strs(v.subnets),
                "gateways": _strs(v.gateways),
            }
            for v in site.vlans
        },
        "devices": {d.name: {"loopbacks": _strs(d.loopbacks), "mgmt": _strs(d.mgmt)} for d in site.devices},
        "links": [_link_dict(link) for link in site.links],
    }
