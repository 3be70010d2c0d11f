"""Facts of an Arista EOS configuration, read with the IOS line walker (EOS indents by three spaces).

Interface settings: ``ip address A/L``, ``ipv6 address A/L`` (``link-local`` skipped), ``mtu``,
``ip ospf area X``, ``ipv6 ospf <pid> area X``, ``ip access-group X in``, ``ipv6 access-group X in``,
``ipv6 nd ra disabled``, ``shutdown``. VRRP lines (``vrrp <g> ipv4 X``) are not addresses.
"""

from __future__ import annotations

from ipaddress import IPv4Interface

from infra.render.facts import DeviceFacts, InterfaceFacts
from infra.render.facts.cisco_ios import Setting, dotted, ipv6, mtu, no, shutdown, walk


def _ip(facts: InterfaceFacts, words: list[str]) -> None:
    what = words[1] if len(words) > 1 else ""
    if what == "address" and len(words) >= 3:
        facts.ipv4.append(IPv4Interface(words[2]))
    elif what == "access-group" and words[-1] == "in":
        facts.filter_v4 = words[2]
    elif words[1:3] == ["ospf", "area"] and len(words) >= 4:
        facts.ospf_area = dotted(words[3])


def _ipv6(facts: InterfaceFacts, words: list[str]) -> None:
    what = words[1] if len(words) > 1 else ""
    if what == "address" and len(words) >= 3:
        ipv6(facts, words[2], *words[3:])
    elif what == "access-group" and words[-1] == "in":
        facts.filter_v6 = words[2]
    elif words[1:4] == ["nd", "ra", "disabled"]:
        facts.ra_suppressed = True
    elif what == "ospf" and len(words) >= 5 and words[3] == "area":
        facts.ospf6_area = dotted(words[4])


SETTINGS: dict[str, Setting] = {
    "ip": _ip,
    "ipv6": _ipv6,
    "mtu": mtu,
    "shutdown": shutdown,
    "no": no,
}


def parse(files: dict[str, str]) -> DeviceFacts:
    """The facts of one EOS device from its rendered files (``cfg``)."""
    return walk(files.get("cfg", ""), "   ", SETTINGS)
