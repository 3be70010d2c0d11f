"""What the device checks (``checks/device``) share: configuration, external interfaces, access lists, intent.

The target's parsed configuration, its external interfaces, how an access list treats a packet, and the
expectations taken from the device's intent.

Expected addresses, peers and prefixes come from the intent (built from the inventory and its address plan);
thresholds from the catalogue through the ``check`` fixture. The few fixed values here are not thresholds but
facts of the protocols (IANA's special-purpose IPv4 blocks, the syslog severity names, platform defaults), each
with where it comes from.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_interface, ip_network

from infra.audit.checking import Check, shown
from infra.audit.devicefacts import Acl, AclRule, Addr, Config, Family, Net, read
from infra.audit.scope import DeviceTarget
from infra.render.intent import DeviceIntent, Interface

# The catalogue's NET-06 check text: the collectors receive informational (6) or debugging (7) messages.
SEVERITY_INFORMATIONAL = 6
# Platform defaults for the hop limit a router advertises when nothing is configured (IOS, EOS, Junos, VRP
# and FRR all advertise 64, the value RFC 8200 recommends as the default).
DEFAULT_RA_HOP_LIMIT = 64
# Sources never legitimate on an external interface (RFC 6890 "source: false" blocks and multicast/reserved),
# the RFC 6598 shared space, and RFC 1918 (not required on TSLCD circuits: the specialised data network is
# addressed from private blocks, TT 06/2026 Art. 7, so they are its own sources).
MARTIANS_V4 = ("0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4")
SHARED_V4 = ("100.64.0.0/10",)
PRIVATE_V4 = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
# Platforms whose console and vty lines each name their login method (the others apply one AAA setup to all).
LINE_LOGIN_PLATFORMS = frozenset({"cisco_ios", "huawei_vrp"})
URPF_RANK = {"": 0, "loose": 1, "strict": 2}


def config_of(device: DeviceTarget) -> Config:
    """The device's configuration, parsed once (``Unreadable`` when its platform's reader refuses it)."""
    return read(device.platform, device.text)


def seen(config: Config, fact: str, value: object) -> object:
    """A fact as an item shows it: with the platform default it was taken from, when the configuration hid it."""
    note = config.defaults.get(fact)
    return f"{shown(value)} ({note})" if note else value


def named(config: Config, fact: str, name: str) -> str:
    """An item's name, marked when the value judged is a platform default the configuration hid."""
    return f"{name} (platform default)" if fact in config.defaults else name


def unknown(check: Check, config: Config, key: str) -> None:
    """Stop with the reason the configuration cannot show ``key`` on this platform (a manual finding)."""
    check.manual(config.unknown.get(key, f"the {config.platform} configuration does not show {key}"))


def external(intent: DeviceIntent) -> list[Interface]:
    """The interfaces facing outside the province network: the TSLCD circuits (kind ``wan``)."""
    return [i for i in intent.interfaces if i.kind == "wan"]


def external_or_stop(check: Check, device: DeviceTarget) -> list[Interface]:
    """The external interfaces, or stop: not applicable without any, manual for an edge the inventory leaves bare."""
    found = external(device.intent)
    if found:
        return found
    if device.role == "internet-edge":
        check.manual(
            "the inventory records no Internet uplink of this internet-edge device (no circuit ends on it): "
            "its external interfaces and their filters cannot be identified"
        )
    check.not_applicable("no external interface: no TSLCD circuit or Internet uplink ends on this device")
    return []


def ip(text: str) -> Addr:
    """An address from text (ValueError when it is not one)."""
    return ip_address(text)


def is_address(text: str) -> bool:
    """Whether ``text`` is an IP address (not an interface name)."""
    try:
        ip_address(text)
    except ValueError:
        return False
    return True


def addresses(targets: Iterable[object]) -> list[Addr]:
    """The addresses of intent targets (``Target.address``), as address objects."""
    out: list[Addr] = []
    for t in targets:
        text = getattr(t, "address", None)
        if isinstance(text, str):
            out.append(ip_address(text))
    return out


def intent_networks(intent: DeviceIntent, family: Family | None = None) -> list[Net]:
    """Every network an interface address of the intent lies in (loopbacks as /32 and /128)."""
    out: list[Net] = []
    for iface in intent.interfaces:
        for a in (*iface.ipv4, *iface.ipv6):
            net = ip_network(a.network)
            if family is None or (net.version == 4) == (family == "ipv4"):
                out.append(net)
    return out


def own_blocks(intent: DeviceIntent, family: Family) -> list[Net]:
    """The site's own blocks the device announces (empty when it speaks no BGP)."""
    if intent.bgp is None:
        return []
    texts = intent.bgp.export_v4 if family == "ipv4" else intent.bgp.export_v6
    return [ip_network(t) for t in texts]


def filter_sources(intent: DeviceIntent, purpose: str, family: Family) -> list[Net]:
    """The sources the intent's filter of ``purpose`` (``mgmt``, ``snmp``) permits, per family."""
    out: list[Net] = []
    for f in intent.filters:
        if f.purpose == purpose and f.family == family:
            out += [ip_network(r.source) for r in f.rules if r.action == "permit" and r.source != "any"]
    return out


# --- packets through access lists ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Packet:
    """A packet as an access list sees it: None addresses match only rules that match any address."""

    protocol: str
    source: Addr | None = None
    destination: Addr | None = None
    port: int | None = None
    icmp: int | None = None


def _covers(net: Net | None, addr: Addr | None) -> bool:
    if net is None:
        return True
    return addr is not None and addr.version == net.version and addr in net


def rule_matches(rule: AclRule, packet: Packet) -> bool:
    """Whether ``rule`` matches ``packet`` (protocol, addresses, ICMP type, destination port)."""
    generic = rule.protocol in ("ip", "ipv6", "any", "all", "inet", "inet6")
    if not generic and rule.protocol != packet.protocol:
        return False
    if rule.headers:
        return False  # extension-header rules match only packets that carry such headers
    if rule.icmp is not None and rule.icmp != packet.icmp:
        return False
    if rule.ports is not None and packet.port not in rule.ports:
        return False
    return _covers(rule.source, packet.source) and _covers(rule.destination, packet.destination)


def first_match(acl: Acl, packet: Packet) -> AclRule | None:
    """The rule that decides ``packet`` (None: no rule matches, the implicit deny)."""
    return next((r for r in acl.rules if rule_matches(r, packet)), None)


def permitted(acl: Acl, packet: Packet) -> bool:
    """Whether ``acl`` lets ``packet`` through."""
    found = first_match(acl, packet)
    return found is not None and found.action == "permit"


def admitting_sources(acl: Acl, protocol: str, port: int | None) -> Iterator[tuple[AclRule, Net | None]]:
    """Each permit rule that can admit ``protocol`` to ``port``, with the source it admits (None: any)."""
    for rule in acl.rules:
        if rule.action == "permit" and not rule.headers and rule.admits(protocol, port):
            yield rule, rule.source


def outside(sources: Iterable[tuple[AclRule, Net | None]], allowed: list[Net]) -> list[str]:
    """The admitted sources not inside any of ``allowed`` (as the rules' text)."""
    out = []
    for rule, source in sources:
        if source is None or not any(source.version == a.version and source.subnet_of(a) for a in allowed):  # type: ignore[arg-type]
            out.append(f"{rule.text} (from {source or 'any'})")
    return out


def judge_acl_sources(
    check: Check, what: str, acl: Acl | None, protocol: str, port: int | None, allowed: list[Net]
) -> None:
    """Record that ``acl`` exists, admits ``protocol``/``port`` only from ``allowed`` and ends by denying the rest."""
    if acl is None:
        check.item(f"{what}: access list", False, "none", "an access list of the allowed sources")
        return
    extra = outside(admitting_sources(acl, protocol, port), allowed)
    check.item(f"{what}: sources admitted ({acl.name})", not extra, extra or "only the allowed sources", allowed)
    last = acl.rules[-1].text if acl.rules else "no rule"
    check.item(f"{what}: ends in an explicit deny ({acl.name})", acl.final_deny is not None, last, "deny any")


def sample_address(nets: list[Net]) -> Addr | None:
    """An address inside the first of ``nets`` (its first host), to stand for the site in a packet."""
    if not nets:
        return None
    net = nets[0]
    return net.network_address + 1 if net.num_addresses > 1 else net.network_address


def urpf_at_least(observed: str | None, expected: str) -> bool:
    """Whether the uRPF mode observed is at least as strict as expected (strict > loose > none)."""
    return observed is not None and URPF_RANK.get(observed, 0) >= URPF_RANK.get(expected, 0)


def configured_addresses(config: Config, name: str) -> list[object]:
    """The interface addresses a configuration gives an intent interface (as ``ip_interface`` objects)."""
    facts = config.interface(name)
    if facts is None:
        return []
    return [*facts.ipv4, *facts.ipv6]


def intent_addresses(iface: Interface) -> list[object]:
    """The interface addresses the intent gives an interface."""
    return [ip_interface(a.cidr) for a in (*iface.ipv4, *iface.ipv6)]


def as_net(text: str) -> Net:
    """A prefix from text (strict: host bits must be zero)."""
    net = ip_network(text)
    assert isinstance(net, IPv4Network | IPv6Network)
    return net


__all__ = [
    "DEFAULT_RA_HOP_LIMIT",
    "LINE_LOGIN_PLATFORMS",
    "MARTIANS_V4",
    "PRIVATE_V4",
    "SEVERITY_INFORMATIONAL",
    "SHARED_V4",
    "Packet",
    "addresses",
    "admitting_sources",
    "as_net",
    "config_of",
    "configured_addresses",
    "external",
    "external_or_stop",
    "filter_sources",
    "first_match",
    "intent_addresses",
    "intent_networks",
    "ip",
    "is_address",
    "judge_acl_sources",
    "named",
    "own_blocks",
    "permitted",
    "rule_matches",
    "sample_address",
    "seen",
    "unknown",
    "urpf_at_least",
]
