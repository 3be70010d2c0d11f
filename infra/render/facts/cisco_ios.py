"""Facts of a Cisco IOS-XE configuration, read with a line parser.

Each ``interface`` section is cut out of the text; its one-space-indented lines are its settings
(deeper lines, such as a VRRP group's ``address``, belong to sub-sections and are skipped), and it
ends at the next top-level line.
This is a fraction of the cost of a general configuration parser, which matters at ~16,000 devices.
The Arista EOS parser reuses the walk with its own settings table.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Interface, IPv6Interface

from infra.render.facts import DeviceFacts, InterfaceFacts

Setting = Callable[[InterfaceFacts, list[str]], None]
"""Applies one interface setting (its words) to the interface's facts."""


def dotted(area: str) -> str:
    """An OSPF area in dotted form, whether written ``0``, ``10`` or ``0.0.0.10``."""
    return str(IPv4Address(int(area))) if area.isdigit() else area


def ipv6(facts: InterfaceFacts, address: str, *flags: str) -> None:
    """Record a global or ULA IPv6 address; link-local addresses are skipped."""
    if "link-local" in flags or address[:4].lower() == "fe80":
        return
    facts.ipv6.append(IPv6Interface(address))


def _ip(facts: InterfaceFacts, words: list[str]) -> None:
    what = words[1] if len(words) > 1 else ""
    if what == "address" and len(words) >= 4:
        facts.ipv4.append(IPv4Interface(f"{words[2]}/{words[3]}"))
    elif what == "access-group" and words[-1] == "in":
        facts.filter_v4 = words[2]
    elif what == "ospf" and len(words) >= 5 and words[3] == "area":
        facts.ospf_area = dotted(words[4])


def _ipv6(facts: InterfaceFacts, words: list[str]) -> None:
    what = words[1] if len(words) > 1 else ""
    if what == "address" and len(words) >= 3:
        ipv6(facts, words[2], *words[3:])
    elif what == "traffic-filter" and words[-1] == "in":
        facts.filter_v6 = words[2]
    elif words[1:4] == ["nd", "ra", "suppress"]:
        facts.ra_suppressed = True
    elif what == "ospf" and len(words) >= 5 and words[3] == "area":
        facts.ospf6_area = dotted(words[4])


def _ospfv3(facts: InterfaceFacts, words: list[str]) -> None:
    # ospfv3 <pid> ipv6 area <area>  |  ospfv3 <pid> area <area>
    if "area" in words and words.index("area") + 1 < len(words) and "ipv4" not in words:
        facts.ospf6_area = dotted(words[words.index("area") + 1])


def mtu(facts: InterfaceFacts, words: list[str]) -> None:
    """``mtu <bytes>``."""
    facts.mtu = int(words[1])


def shutdown(facts: InterfaceFacts, words: list[str]) -> None:
    """``shutdown``."""
    facts.shutdown = True


def no(facts: InterfaceFacts, words: list[str]) -> None:
    """``no shutdown`` (other negations change no fact)."""
    if words[1:] == ["shutdown"]:
        facts.shutdown = False


SETTINGS: dict[str, Setting] = {
    "ip": _ip,
    "ipv6": _ipv6,
    "ospfv3": _ospfv3,
    "mtu": mtu,
    "shutdown": shutdown,
    "no": no,
}


def walk(text: str, indent: str, settings: dict[str, Setting]) -> DeviceFacts:
    """Walk a configuration: the hostname, and each interface section's settings at ``indent``."""
    facts = DeviceFacts(hostname=_hostname(text))
    depth = len(indent)
    for section in ("\n" + text).split("\ninterface ")[1:]:
        lines = section.split("\n")
        current = facts.interface(lines[0].strip())
        for line in lines[1:]:
            if line[:depth] != indent:
                break  # the section ends at the next top-level line
            words = line.split()
            if not words or line[depth] == " ":
                continue  # a blank line, or a sub-section's line
            handler = settings.get(words[0])
            if handler is not None:
                handler(current, words)
    finish(facts)
    return facts


def _hostname(text: str) -> str | None:
    text = "\n" + text
    start = text.find("\nhostname ")
    if start < 0:
        return None
    end = text.find("\n", start + 1)
    return text[start + 10 : end if end >= 0 else len(text)].strip()


def finish(facts: DeviceFacts) -> None:
    """Interfaces that cannot send router advertisements count as suppressed: no IPv6, or a loopback."""
    for iface in facts.interfaces.values():
        if not iface.ipv6 or iface.name.lower().startswith("loopback"):
            iface.ra_suppressed = True


def parse(files: dict[str, str]) -> DeviceFacts:
    """The facts of one IOS-XE device from its rendered files (``cfg``)."""
    return walk(files.get("cfg", ""), " ", SETTINGS)
