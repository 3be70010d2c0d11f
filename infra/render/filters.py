"""The filters every device carries: WAN edge (anti-spoofing, RFC 4890 ICMPv6, own blocks only), management plane, SNMP.

IPv4 and IPv6 are built side by side from the same inputs, so that every IPv4 rule has its IPv6 twin.
"""

from __future__ import annotations

from collections.abc import Iterable

from infra.render.intent import ICMP_TYPES, Family, Filter, Rule

WAN_V4, WAN_V6 = "TSLCD-IN-V4", "TSLCD-IN-V6"
MGMT_V4, MGMT_V6 = "MGMT-V4", "MGMT-V6"
SNMP_V4, SNMP_V6 = "SNMP-V4", "SNMP-V6"

BOGONS_V4 = ("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "192.0.0.0/24", "224.0.0.0/4", "240.0.0.0/4")
BOGONS_V6 = ("::/128", "::1/128", "::ffff:0:0/96", "fec0::/10", "ff00::/8", "fc00::/7")
ICMP4_PERMIT = ("unreachable", "time-exceeded", "echo-request", "echo-reply")
# RFC 4890 §4.3.1 (must not be dropped) plus echo; neighbour discovery stays on the link.
ICMP6_PERMIT = (
    "destination-unreachable",
    "packet-too-big",
    "time-exceeded-v6",
    "parameter-problem",
    "echo-request-v6",
    "echo-reply-v6",
    "neighbor-solicitation",
    "neighbor-advertisement",
)


def _icmp(family: Family, names: Iterable[str]) -> list[Rule]:
    proto = "icmp" if family == "ipv4" else "icmpv6"
    return [Rule("permit", proto, icmp=n, icmp_type=ICMP_TYPES[n][1], remark=f"ICMP {n}") for n in names]


def _deny_all(family: Family) -> Rule:
    return Rule("deny", "ip" if family == "ipv4" else "ipv6", log=True, remark="default deny")


def wan_filter(family: Family, *, own: tuple[str, ...], peers: tuple[str, ...], keep: tuple[str, ...]) -> Filter:
    """Inbound on a WAN interface: drop bogon and spoofed sources, allow ICMP and BGP, then only the site's blocks.

    ``own`` are the site's blocks (spoofed if they arrive as sources, the only destinations allowed),
    ``peers`` the gateway addresses (BGP), ``keep`` bogon exceptions (the province's own ULA).
    """
    v4 = family == "ipv4"
    ip = "ip" if v4 else "ipv6"
    rules = [Rule("permit", ip, source=p, destination=d, remark="province ULA") for p in keep for d in own]
    bogons = BOGONS_V4 if v4 else BOGONS_V6
    rules += [Rule("deny", ip, source=b, log=True, remark="bogon source") for b in bogons]
    rules += [Rule("deny", ip, source=o, log=True, remark="spoofed: our own block as source") for o in own]
    rules += _icmp(family, ICMP4_PERMIT if v4 else ICMP6_PERMIT)
    for peer in peers:
        rules.append(Rule("permit", "tcp", source=peer, port=179, remark="BGP from the gateway"))
        rules.append(Rule("permit", "tcp", source=peer, source_port=179, remark="BGP from the gateway"))
    rules += [Rule("permit", ip, destination=o, remark="to this site") for o in own]
    rules.append(_deny_all(family))
    return Filter(WAN_V4 if v4 else WAN_V6, family, "wan-in", tuple(rules))


def source_filter(family: Family, purpose: str, sources: tuple[str, ...]) -> Filter:
    """Management or SNMP access: only the listed sources, then deny and log."""
    ip = "ip" if family == "ipv4" else "ipv6"
    rules = [Rule("permit", ip, source=s, remark=f"{purpose} source") for s in sources]
    rules.append(_deny_all(family))
    names = {"mgmt": (MGMT_V4, MGMT_V6), "snmp": (SNMP_V4, SNMP_V6)}[purpose]
    name = names[0] if family == "ipv4" else names[1]
    return Filter(name, family, "mgmt" if purpose == "mgmt" else "snmp", tuple(rules))
