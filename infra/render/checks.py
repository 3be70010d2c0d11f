"""Static checks across devices: what the rendered configurations say, read back as facts, compared end to end.

``collect_facts`` reads every device's rendered files with its platform's parser (``infra.render.facts``);
``run_checks`` compares the facts of all devices with each other and with the intents. Each check is a small
function over indexes built once, so a run stays linear in the number of interfaces.

Checks:
    duplicate-address: one IPv4 or IPv6 address configured on two interfaces anywhere.
    link-subnet: the two ends of an internal link share one /31 (IPv4) and one /127 per IPv6 prefix.
    link-mtu: the two ends of an internal link have the same MTU.
    link-area: the two ends of an internal link are in the same OSPFv2 and OSPFv3 area.
    filter-parity: an interface filters inbound IPv4 exactly when it filters inbound IPv6 (NET-16);
        WAN interfaces filter both.
    wan-ra: WAN interfaces with IPv6 do not send router advertisements (NET-12).
    missing-interface: a WAN or link interface of the intent is absent from the configuration.
    unparsed: a device whose configuration could not be read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Interface, IPv6Interface

from infra.render.facts import DeviceFacts, InterfaceFacts, Parser, parser
from infra.render.intent import DeviceIntent, Interface

CHECKS: tuple[str, ...] = (
    "duplicate-address",
    "link-subnet",
    "link-mtu",
    "link-area",
    "filter-parity",
    "wan-ra",
    "missing-interface",
    "unparsed",
)
"""Every check, in report order."""

DEFAULT_MTU = 1500
LINK_V4_LENGTH = 31  # RFC 3021
LINK_V6_LENGTH = 127  # RFC 6164


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a check found wrong.

    Attributes:
        check: The check's id, one of ``CHECKS``.
        device: The device it is about.
        interface: Its interface, or "" when it is about the whole device.
        message: What was found and what was expected (link checks name both ends).
        severity: Always "error": every check guards a control or a working network.
    """

    check: str
    device: str
    interface: str
    message: str
    severity: str = "error"


@dataclass(frozen=True, slots=True)
class End:
    """One end of an internal link: the device, its intent interface and its facts."""

    device: str
    intent: Interface
    facts: InterfaceFacts

    @property
    def label(self) -> str:
        """``device interface``, as messages name an end."""
        return f"{self.device} {self.intent.name}"


@dataclass(frozen=True, slots=True)
class Link:
    """An internal link whose two ends are both in the facts."""

    a: End
    b: End

    @property
    def label(self) -> str:
        """Both ends, as messages name the link."""
        return f"link {self.a.label} — {self.b.label}"

    def finding(self, check: str, message: str) -> Finding:
        """A finding about the link, filed under its first end."""
        return Finding(check, self.a.device, self.a.intent.name, f"{self.label}: {message}")


def interface_facts(facts: DeviceFacts, name: str) -> InterfaceFacts | None:
    """The facts of an intent interface (Junos may name a port's unit 0 ``<port>.0``)."""
    return facts.interfaces.get(name) or facts.interfaces.get(f"{name}.0")


# --- duplicate-address ---------------------------------------------------------------------------

Place = tuple[str, str]  # (device, interface)
Ifc = IPv4Interface | IPv6Interface


def _address_index(facts: dict[str, DeviceFacts]) -> dict[tuple[int, int], list[tuple[Ifc, Place]]]:
    """Every use of each address, keyed by (IP version, the address as an integer): fast, and exact."""
    index: dict[tuple[int, int], list[tuple[Ifc, Place]]] = defaultdict(list)
    for device in sorted(facts):
        for name in sorted(facts[device].interfaces):
            iface = facts[device].interfaces[name]
            for family in (iface.ipv4, iface.ipv6):
                for address in family:
                    uses = index[address.version, int(address)]
                    if not uses or uses[-1][1] != (device, name):  # listed twice on one interface is one use
                        uses.append((address, (device, name)))
    return index


def duplicate_addresses(facts: dict[str, DeviceFacts]) -> Iterator[Finding]:
    """One finding per use of an address after its first, naming every place it is used."""
    for uses in _address_index(facts).values():
        if len(uses) < 2:
            continue
        where = ", ".join(f"{d} {i}" for _, (d, i) in uses)
        ip = uses[0][0].ip
        for _, (device, name) in uses[1:]:
            message = f"address {ip} is configured {len(uses)} times ({where}); expected each address once"
            yield Finding("duplicate-address", device, name, message)


# --- links ----------------------------------------------------------------------------------------


def _end(device: str, iface: Interface, facts: dict[str, DeviceFacts]) -> End | None:
    found = facts.get(device)
    if found is None:
        return None
    ifacts = interface_facts(found, iface.name)
    return None if ifacts is None else End(device, iface, ifacts)


def internal_links(intents: dict[str, DeviceIntent], facts: dict[str, DeviceFacts]) -> list[Link]:
    """Every internal link once (ordered by its first end), when both ends are in the facts."""
    by_name = {d: {i.name: i for i in intent.interfaces} for d, intent in intents.items()}
    links: list[Link] = []
    for device in sorted(intents):
        for iface in intents[device].interfaces:
            if iface.kind != "link" or not iface.peer or not iface.peer_interface:
                continue
            if (device, iface.name) > (iface.peer, iface.peer_interface):
                continue  # taken from the other end
            peer = by_name.get(iface.peer, {}).get(iface.peer_interface)
            a = _end(device, iface, facts)
            b = _end(iface.peer, peer, facts) if peer is not None else None
            if a is not None and b is not None:
                links.append(Link(a, b))
    return links


def _family_problems(family: str, a: Sequence[Ifc], b: Sequence[Ifc], length: int, link: Link) -> list[str]:
    problems = [
        f"{end.label} has {x.with_prefixlen}, expected a /{length}"
        for end, xs in ((link.a, a), (link.b, b))
        for x in xs
        if x.network.prefixlen != length
    ]
    nets_a = {x.network: x.ip for x in a if x.network.prefixlen == length}
    nets_b = {x.network: x.ip for x in b if x.network.prefixlen == length}
    if set(nets_a) != set(nets_b):
        shown_a = ", ".join(x.with_prefixlen for x in a) or f"no {family} address"
        shown_b = ", ".join(x.with_prefixlen for x in b) or f"no {family} address"
        problems.append(f"found {shown_a} at one end and {shown_b} at the other; expected both ends in each /{length}")
    for net in sorted(set(nets_a) & set(nets_b)):
        if nets_a[net] == nets_b[net]:
            problems.append(f"both ends use {nets_a[net]}; expected two different addresses in {net}")
    return problems


def _missing_family(link: Link) -> Iterator[str]:
    for end in (link.a, link.b):
        for family, planned, found in (
            ("IPv4", end.intent.ipv4, end.facts.ipv4),
            ("IPv6", end.intent.ipv6, end.facts.ipv6),
        ):
            if planned and not found:
                expected = ", ".join(a.cidr for a in planned)
                yield f"{end.label} has no {family} address; expected {expected}"


def link_subnets(links: list[Link]) -> Iterator[Finding]:
    """Both ends of each link in the same /31 and the same /127s, at different addresses."""
    for link in links:
        problems = list(_missing_family(link))
        if not problems:
            problems += _family_problems("IPv4", link.a.facts.ipv4, link.b.facts.ipv4, LINK_V4_LENGTH, link)
            problems += _family_problems("IPv6", link.a.facts.ipv6, link.b.facts.ipv6, LINK_V6_LENGTH, link)
        for problem in problems:
            yield link.finding("link-subnet", problem)


def link_mtus(links: list[Link]) -> Iterator[Finding]:
    """Both ends of each link with the same MTU (unset = 1500)."""
    for link in links:
        a, b = link.a.facts.mtu or DEFAULT_MTU, link.b.facts.mtu or DEFAULT_MTU
        if a != b:
            message = f"MTU {a} at {link.a.label}, {b} at {link.b.label}; expected the same MTU at both ends"
            yield link.finding("link-mtu", message)


def normal_area(area: str | None) -> str | None:
    """An OSPF area in dotted form ("1" and "0.0.0.1" are one area)."""
    if area is not None and area.isdigit():
        return str(IPv4Address(int(area)))
    return area


def _area_problems(link: Link, version: str, area: Callable[[InterfaceFacts], str | None]) -> Iterator[str]:
    a, b = normal_area(area(link.a.facts)), normal_area(area(link.b.facts))
    for end, found in ((link.a, a), (link.b, b)):
        if end.intent.ospf and found is None:
            yield f"{end.label} is not in {version}; expected area {end.intent.ospf_area}"
    if a is not None and b is not None and a != b:
        yield f"{version} area {a} at {link.a.label}, {b} at {link.b.label}; expected the same area at both ends"


def link_areas(links: list[Link]) -> Iterator[Finding]:
    """Both ends of each link in the same OSPFv2 area and the same OSPFv3 area."""
    for link in links:
        for problem in _area_problems(link, "OSPFv2", lambda f: f.ospf_area):
            yield link.finding("link-area", problem)
        for problem in _area_problems(link, "OSPFv3", lambda f: f.ospf6_area):
            yield link.finding("link-area", problem)


# --- per interface --------------------------------------------------------------------------------


def _parity_problem(iface: InterfaceFacts, wan: bool) -> str | None:
    v4, v6 = iface.filter_v4, iface.filter_v6
    if wan and not (v4 and v6):
        found = f"inbound IPv4 filter {v4 or 'none'}, inbound IPv6 filter {v6 or 'none'}"
        return f"WAN interface with {found}; expected inbound filters of both families (NET-16)"
    if iface.ipv4 and iface.ipv6 and bool(v4) != bool(v6):
        filtered, open_ = ("IPv4", "IPv6") if v4 else ("IPv6", "IPv4")
        name = v4 or v6
        return (
            f"dual-stack interface filters inbound {filtered} ({name}) but not {open_}; "
            "expected an inbound filter of both families or of neither (NET-16)"
        )
    return None


def filter_parity(intents: dict[str, DeviceIntent], facts: dict[str, DeviceFacts]) -> Iterator[Finding]:
    """Inbound filters of both families or of neither on dual-stack interfaces; of both on WAN interfaces."""
    for device in sorted(facts):
        intent = intents.get(device)
        wan = {i.name for i in intent.interfaces if i.kind == "wan"} if intent else set()
        wan |= {f"{n}.0" for n in wan}
        for name in sorted(facts[device].interfaces):
            problem = _parity_problem(facts[device].interfaces[name], name in wan)
            if problem is not None:
                yield Finding("filter-parity", device, name, problem)


def _wan_interfaces(intents: dict[str, DeviceIntent], facts: dict[str, DeviceFacts]) -> Iterator[End]:
    for device in sorted(facts):
        intent = intents.get(device)
        for iface in intent.interfaces if intent else ():
            if iface.kind == "wan":
                ifacts = interface_facts(facts[device], iface.name)
                if ifacts is not None:
                    yield End(device, iface, ifacts)


def wan_ra(intents: dict[str, DeviceIntent], facts: dict[str, DeviceFacts]) -> Iterator[Finding]:
    """Router advertisements off on every WAN interface that has IPv6."""
    for end in _wan_interfaces(intents, facts):
        if (end.intent.ipv6 or end.facts.ipv6) and not end.facts.ra_suppressed:
            message = "WAN interface sends IPv6 router advertisements; expected them suppressed (NET-12)"
            yield Finding("wan-ra", end.device, end.intent.name, message)


def missing_interfaces(intents: dict[str, DeviceIntent], facts: dict[str, DeviceFacts]) -> Iterator[Finding]:
    """Every WAN and link interface of the intent present in the configuration."""
    for device in sorted(facts):
        intent = intents.get(device)
        for iface in intent.interfaces if intent else ():
            if iface.kind in ("wan", "link") and interface_facts(facts[device], iface.name) is None:
                what = f"{iface.kind} interface {iface.name} ({iface.description})"
                message = f"{what} is not in the configuration; expected it as the intent has it"
                yield Finding("missing-interface", device, iface.name, message)


# --- the run --------------------------------------------------------------------------------------


def sort_key(finding: Finding) -> tuple[int, str, str, str]:
    """Report order: by check, then device, interface and message."""
    rank = CHECKS.index(finding.check) if finding.check in CHECKS else len(CHECKS)
    return rank, finding.device, finding.interface, finding.message


def run_checks(intents: dict[str, DeviceIntent], facts: dict[str, DeviceFacts]) -> list[Finding]:
    """Every check over the devices that have facts, in report order.

    Args:
        intents: Every device's intent, by device name.
        facts: What each readable device's configuration says, by device name (unreadable devices are
            absent here and reported by ``collect_facts``).

    Returns:
        The findings, sorted by check, device, interface and message.
    """
    links = internal_links(intents, facts)
    found: list[Finding] = [
        *duplicate_addresses(facts),
        *link_subnets(links),
        *link_mtus(links),
        *link_areas(links),
        *filter_parity(intents, facts),
        *wan_ra(intents, facts),
        *missing_interfaces(intents, facts),
    ]
    return sorted(found, key=sort_key)


# --- reading the facts ----------------------------------------------------------------------------


def device_files(files: dict[str, str]) -> dict[str, dict[str, str]]:
    """Rendered files (``configs/<device>.<suffix>`` -> text) grouped by device, then by suffix."""
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for path, text in files.items():
        name = path.removeprefix("configs/")
        device, dot, suffix = name.rpartition(".")
        if dot and "/" not in name:
            out[device][suffix] = text
    return out


def _parsers(platforms: set[str]) -> dict[str, Parser | str]:
    """Each platform's parser, or why it has none."""
    out: dict[str, Parser | str] = {}
    for platform in sorted(platforms):
        try:
            out[platform] = parser(platform)
        except ImportError as exc:
            out[platform] = f"no facts parser for platform {platform!r} ({exc})"
    return out


def _parse(device: str, parse: Parser | str, files: dict[str, str] | None) -> DeviceFacts | Finding:
    expected = "a configuration its platform's parser reads"
    if isinstance(parse, str):
        return Finding("unparsed", device, "", f"{parse}; expected {expected}")
    if not files:
        return Finding("unparsed", device, "", f"no rendered files configs/{device}.*; expected {expected}")
    try:
        return parse(files)
    except Exception as exc:  # a parser's failure is a finding about that device, never the end of the run
        return Finding("unparsed", device, "", f"parser failed: {type(exc).__name__}: {exc}; expected {expected}")


def collect_facts(
    intents: dict[str, DeviceIntent], files: dict[str, str]
) -> tuple[dict[str, DeviceFacts], list[Finding]]:
    """Read every device's rendered files with its platform's parser.

    Args:
        intents: Every device's intent, by device name (its platform picks the parser).
        files: Rendered files, ``configs/<device>.<suffix>`` -> text.

    Returns:
        The facts of every device that could be read, and an ``unparsed`` finding for each other device
        (no parser for its platform, no rendered files, or the parser failed).
    """
    grouped = device_files(files)
    parsers = _parsers({i.platform for i in intents.values()})
    facts: dict[str, DeviceFacts] = {}
    unparsed: list[Finding] = []
    for device in sorted(intents):
        result = _parse(device, parsers[intents[device].platform], grouped.get(device))
        if isinstance(result, Finding):
            unparsed.append(result)
        else:
            facts[device] = result
    return facts, unparsed
