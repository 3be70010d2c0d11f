"""Facts of a Linux router running FRR 8.4, read from its three rendered files.

``cfg`` is frr.conf (hostname, interface addresses, OSPF areas, router advertisements), ``ip`` the ``ip -batch``
file (MTU, the VLAN subinterfaces, bridges and VRRP macvlans FRR cannot create) and ``nft`` the nftables ruleset
(which filter chain each interface's inbound traffic jumps to).

Router advertisements: FRR sends none on an interface unless ``no ipv6 nd suppress-ra`` is configured there
(suppression is its default and ``ipv6 nd suppress-ra`` never appears in a running configuration), so an
interface without that line counts as suppressed. One exception: vrrpd turns advertisements on, by itself, on
the IPv6 macvlan of a VRRP group while it is master; an interface with a VRRP IPv6 group therefore counts as
suppressed only if that macvlan's advertisements say the router is no default router (``ipv6 nd ra-lifetime 0``).
The macvlans themselves (and the bridge ports the ``ip`` file adds) are not interfaces of the intent and are
left out, as are link-local and VRRP virtual addresses.

OSPF areas count only when the matching ``router ospf`` / ``router ospf6`` exists; an inbound filter counts
only when both the ``input`` and the ``forward`` chain send the interface's traffic of that family to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from ipaddress import IPv4Address, IPv4Interface, IPv6Interface

from infra.render.facts import DeviceFacts

JUMP = re.compile(r'^iifname "(?P<name>[^"]+)" meta nfproto (?P<family>ipv4|ipv6) jump (?P<chain>\S+)$')
CHAIN = re.compile(r"^chain (?P<name>\S+) \{$")
MTU = re.compile(r"^link set dev (?P<name>\S+) .*\bmtu (?P<mtu>\d+)\b")
MACVLAN = re.compile(r"^link add (?:name )?(?P<name>\S+) link (?P<parent>\S+) type macvlan\b")


@dataclass(slots=True)
class _Interface:
    """What frr.conf says about one interface, before it becomes facts."""

    name: str
    lines: list[str] = field(default_factory=list)


def _dotted(area: str) -> str:
    """An OSPF area as FRR accepts it (dotted or decimal), in dotted form."""
    return area if "." in area else str(IPv4Address(int(area)))


def _blocks(cfg: str) -> tuple[str | None, list[_Interface], set[str]]:
    """The hostname, the interface blocks in order and the top-level commands (``router ospf``...)."""
    hostname: str | None = None
    blocks: list[_Interface] = []
    top: set[str] = set()
    current: _Interface | None = None
    for raw in cfg.splitlines():
        if raw.startswith(" ") and current is not None:
            current.lines.append(raw.strip())
            continue
        line = raw.strip()
        current = None
        if line.startswith("interface "):
            current = _Interface(line.split()[1])
            blocks.append(current)
        elif line.startswith("hostname "):
            hostname = line.split(maxsplit=1)[1]
        elif line and not line.startswith("!"):
            top.add(line)
    return hostname, blocks, top


def _macvlans(ip: str) -> dict[str, str]:
    """The macvlans the ip file creates, with their parents."""
    found = (MACVLAN.match(line.strip()) for line in ip.splitlines())
    return {m["name"]: m["parent"] for m in found if m}


def _mtus(ip: str) -> dict[str, int]:
    """The MTU the ip file sets per interface (the last one set wins)."""
    found = (MTU.match(line.strip()) for line in ip.splitlines())
    return {m["name"]: int(m["mtu"]) for m in found if m}


def _filters(nft: str) -> dict[tuple[str, str], str]:
    """(interface, family) -> filter chain, where both the input and the forward chain jump to it."""
    chain = ""
    jumps: dict[str, dict[tuple[str, str], str]] = {"input": {}, "forward": {}}
    for raw in nft.splitlines():
        line = raw.strip()
        opened = CHAIN.match(line)
        if opened:
            chain = opened["name"]
            continue
        jump = JUMP.match(line)
        if jump and chain in jumps:
            jumps[chain][(jump["name"], jump["family"])] = jump["chain"]
    forward = jumps["forward"]
    return {k: v for k, v in jumps["input"].items() if forward.get(k) == v}


def _addresses(facts: DeviceFacts, block: _Interface) -> None:
    iface = facts.interface(block.name)
    for line in block.lines:
        words = line.split()
        if words[:2] == ["ip", "address"]:
            iface.ipv4.append(IPv4Interface(words[2]))
        elif words[:2] == ["ipv6", "address"]:
            address = IPv6Interface(words[2])
            if not address.is_link_local:
                iface.ipv6.append(address)
        elif words == ["shutdown"]:
            iface.shutdown = True


def _ospf(facts: DeviceFacts, block: _Interface, top: set[str]) -> None:
    iface = facts.interface(block.name)
    for line in block.lines:
        words = line.split()
        if words[:3] == ["ip", "ospf", "area"] and "router ospf" in top:
            iface.ospf_area = _dotted(words[3])
        elif words[:3] == ["ipv6", "ospf6", "area"] and "router ospf6" in top:
            iface.ospf6_area = _dotted(words[3])


def _advertises(block: _Interface, macvlans: dict[str, _Interface]) -> bool:
    """Whether FRR sends router advertisements that offer a default router on this interface."""
    if "no ipv6 nd suppress-ra" in block.lines:
        return True
    if not any(line.startswith("vrrp ") and " ipv6 " in line for line in block.lines):
        return False
    return not any("ipv6 nd ra-lifetime 0" in m.lines for m in macvlans.values())


def parse(files: dict[str, str]) -> DeviceFacts:
    """The facts of one FRR router from its files (``cfg``, ``ip``, ``nft``; missing ones count as empty)."""
    hostname, blocks, top = _blocks(files.get("cfg", ""))
    parents = _macvlans(files.get("ip", ""))
    mtus = _mtus(files.get("ip", ""))
    filters = _filters(files.get("nft", ""))
    facts = DeviceFacts(hostname=hostname)
    for block in blocks:
        if block.name in parents:
            continue
        _addresses(facts, block)
        _ospf(facts, block, top)
        iface = facts.interface(block.name)
        own = {m.name: m for m in blocks if parents.get(m.name) == block.name}
        iface.ra_suppressed = not _advertises(block, own)
        iface.mtu = mtus.get(block.name)
        iface.filter_v4 = filters.get((block.name, "ipv4"))
        iface.filter_v6 = filters.get((block.name, "ipv6"))
    return facts
