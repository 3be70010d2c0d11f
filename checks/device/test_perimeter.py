"""Perimeter and IPv6 controls NET-11…NET-16 (network-device.yaml), judged on the device's external interfaces.

The external interfaces are the intent's circuits to the specialised data network (kind ``wan``); a device
without one has nothing these controls govern. Filters are read as ordered rule lists, and a requirement on a
filter is judged by the rule that decides a representative packet (first match, implicit deny at the end), so
that a deny placed after a broader permit does not count.
"""

from __future__ import annotations

from ipaddress import ip_network

import pytest

from infra.audit import devicecheck as dc
from infra.audit.checking import Check
from infra.audit.devicefacts import ICMP6_NAMES, Acl, Config, Net
from infra.audit.scope import DeviceTarget
from infra.render.intent import Interface

# First-hop security: the platforms whose configuration syntax this reader knows (others: an auditor looks).
FHS_PLATFORMS = frozenset({"cisco_ios"})
# Platforms whose IPv6 filters this tool reads an "undetermined transport" match for (IOS's keyword).
UNDETERMINED_PLATFORMS = frozenset({"cisco_ios"})


def _filters_or_stop(check: Check, c: Config) -> None:
    if "filters" in c.unknown:
        dc.unknown(check, c, "filters")


@pytest.mark.control("NET-11")
def test_ipv6_first_hop_security(device: DeviceTarget, check: Check) -> None:
    """RA Guard (host role) and DHCPv6 Guard on every access port."""
    c = dc.config_of(device)
    access = [p for p in c.ports.values() if p.mode == "access"]
    if not access:
        if device.role == "access":
            check.manual(
                "the configuration has no access port: user ports are not described by the inventory, so RA Guard "
                "and DHCPv6 Guard on them are judged on the switch's running configuration"
            )
        check.not_applicable("no access port")
    if device.platform not in FHS_PLATFORMS:
        check.manual(f"RA Guard / DHCPv6 Guard settings of {device.platform} are not read by this tool")
    check.item(
        "RA Guard policy with device-role host", bool(c.ra_guard_policies), c.ra_guard_policies or "none", "a policy"
    )
    for port in access:
        check.item(f"{port.name} RA Guard", port.raguard or port.shutdown, port.raguard, True)
        check.item(f"{port.name} DHCPv6 Guard", port.dhcp_guard or port.shutdown, port.dhcp_guard, True)


@pytest.mark.control("NET-12")
def test_ra_suppressed_at_the_edge(device: DeviceTarget, check: Check) -> None:
    """No router advertisements on external interfaces; a sane hop limit where RAs are sent."""
    c = dc.config_of(device)
    wan = [i for i in dc.external(device.intent) if i.ipv6]
    sending = [n for n, f in c.device.interfaces.items() if f.ipv6 and not f.ra_suppressed]
    if not wan and not sending:
        check.not_applicable("no external IPv6 interface and no interface sending router advertisements")
    for iface in wan:
        facts = c.interface(iface.name)
        check.item(f"{iface.name} RA suppressed", facts is not None and facts.ra_suppressed, _ra(facts), "suppressed")
    for name in sending:
        limit = c.extras(name).ra_hop_limit or c.hop_limit
        check.at_least(f"{name} advertised hop limit", limit or dc.DEFAULT_RA_HOP_LIMIT, "lan_ra_hop_limit")


def _ra(facts: object) -> str:
    if facts is None:
        return "interface not configured"
    return "suppressed" if getattr(facts, "ra_suppressed", False) else "sent"


def _v6_filters(check: Check, device: DeviceTarget, c: Config) -> list[tuple[Interface, Acl | None]]:
    _filters_or_stop(check, c)
    out = []
    for iface in dc.external_or_stop(check, device):
        if iface.ipv6:
            facts = c.interface(iface.name)
            out.append((iface, c.acl(facts.filter_v6 if facts else None)))
    if not out:
        check.not_applicable("no external interface with IPv6")
    return out


HEADER_RULES = (
    ("undetermined transport", ("undetermined-transport",)),
    ("routing header (type 0)", ("routing", "routing-type-0")),
    ("destination option 195 (jumbo payload)", ("dest-option", "dest-option-type-195")),
    ("destination option 138", ("dest-option", "dest-option-type-138")),
)


@pytest.mark.control("NET-13")
def test_extension_header_filtering(device: DeviceTarget, check: Check) -> None:
    """The external IPv6 filter denies undetermined transport, routing type 0 and dangerous destination options."""
    c = dc.config_of(device)
    for iface, acl in _v6_filters(check, device, c):
        if acl is None:
            check.item(f"{iface.name} IPv6 filter", False, "none", "an inbound IPv6 filter")
            continue
        for what, headers in HEADER_RULES:
            if "undetermined-transport" in headers and device.platform not in UNDETERMINED_PLATFORMS:
                check.undecided(
                    f"{iface.name} {acl.name} denies {what}", "not read", f"no such match is read for {device.platform}"
                )
                continue
            denied = [r.text for r in acl.rules if r.action == "deny" and set(r.headers) & set(headers)]
            check.item(f"{iface.name} {acl.name} denies {what}", bool(denied), denied or "no such rule", "deny")


@pytest.mark.control("NET-14")
def test_icmpv6_filtering(device: DeviceTarget, check: Check) -> None:
    """The external IPv6 filter lets the RFC 4890 error messages through, before any deny of ICMPv6.

    Judged for errors sent to the router itself (its own address on the circuit: path MTU discovery of its BGP
    sessions) and to the site; a permit of everything to the site does not stand in for the first.
    """
    c = dc.config_of(device)
    wanted = check.threshold("icmpv6_permitted")
    names = [str(n) for n in wanted] if isinstance(wanted, tuple) else [str(wanted)]
    site = dc.sample_address(dc.own_blocks(device.intent, "ipv6"))
    for iface, acl in _v6_filters(check, device, c):
        if acl is None:
            check.item(f"{iface.name} IPv6 filter", False, "none", "an inbound IPv6 filter")
            continue
        own = [dc.ip(a.ip) for a in iface.ipv6]
        blocked = []
        for name in names:
            kind = ICMP6_NAMES.get(name)
            to = [dc.Packet("icmpv6", None, d, icmp=kind) for d in (*own, site) if d is not None]
            if kind is None or not all(dc.permitted(acl, p) for p in to):
                blocked.append(name)
        check.item(
            f"{iface.name} {acl.name} ICMPv6 errors permitted",
            not blocked,
            blocked or "all permitted",
            names,
            limit="icmpv6_permitted",
        )


def _spoof(check: Check, iface: Interface, acl: Acl, required: list[Net], own: list[Net]) -> None:
    site = dc.sample_address(own)
    for prefix in required:
        if any(prefix.overlaps(o) for o in own):
            check.undecided(
                f"{iface.name} {acl.name} denies {prefix} as source",
                f"{prefix} holds this site's own block {', '.join(map(str, own))}",
                "denied as source (not possible while the province numbers itself from it)",
            )
            continue
        source = prefix.network_address + (1 if prefix.num_addresses > 1 else 0)
        decided = dc.first_match(acl, dc.Packet("tcp", source, site, port=443))
        ok = decided is None or decided.action == "deny"
        check.item(
            f"{iface.name} {acl.name} denies {prefix} as source",
            ok,
            decided.text if decided else "implicit deny",
            "deny",
        )


@pytest.mark.control("NET-15")
def test_anti_spoofing(device: DeviceTarget, check: Check) -> None:
    """URPF as the intent asks (strict inside, loose at multihomed edges); bogon sources denied at the edge."""
    c = dc.config_of(device)
    if "urpf" in c.unknown:
        check.undecided("uRPF", "not in the router's configuration", c.unknown["urpf"])
    else:
        _urpf(check, device, c)
    wan = dc.external(device.intent)
    if not wan:
        if not check.items:
            check.not_applicable("no interface with uRPF in the intent and no external interface")
        return
    _filters_or_stop(check, c)
    wanted = check.threshold("denied_ipv6_sources")
    v6 = [ip_network(p) for p in (wanted if isinstance(wanted, tuple) else ())]
    v4 = [ip_network(p) for p in (*dc.MARTIANS_V4, *dc.SHARED_V4)]  # RFC 1918: the TSLCD's own (see devicecheck)
    for iface in wan:
        facts = c.interface(iface.name)
        for family, required, name in (
            ("ipv4", v4, facts and facts.filter_v4),
            ("ipv6", v6, facts and facts.filter_v6),
        ):
            if not (iface.ipv4 if family == "ipv4" else iface.ipv6):
                continue
            acl = c.acl(name or None)
            if acl is None:
                check.item(f"{iface.name} inbound {family} filter", False, "none", "a filter denying spoofed sources")
                continue
            _spoof(check, iface, acl, required, dc.own_blocks(device.intent, family))  # type: ignore[arg-type]


def _urpf(check: Check, device: DeviceTarget, c: Config) -> None:
    for iface in device.intent.interfaces:
        if not iface.urpf or c.interface(iface.name) is None:
            continue
        x = c.extras(iface.name)
        for family, found in (("ipv4", x.urpf_v4), ("ipv6", x.urpf_v6)):
            if iface.ipv4 if family == "ipv4" else iface.ipv6:
                ok = dc.urpf_at_least(found, iface.urpf)
                check.item(f"{iface.name} {family} uRPF", ok, found or "off", f"{iface.urpf} ({iface.kind})")


@pytest.mark.control("NET-16")
def test_perimeter_default_deny(device: DeviceTarget, check: Check) -> None:
    """External interfaces filter both families inbound, each filter ending in a logged deny; egress from its level."""
    c = dc.config_of(device)
    wan = dc.external_or_stop(check, device)
    _filters_or_stop(check, c)
    egress = check.applies("egress_filtering")
    for iface in wan:
        facts = c.interface(iface.name)
        x = c.extras(iface.name)
        v4, v6 = (facts.filter_v4, facts.filter_v6) if facts else (None, None)
        if iface.ipv4 and iface.ipv6 and bool(v4) != bool(v6):
            check.item(
                f"{iface.name} IPv4/IPv6 parity", False, f"IPv4 {v4 or 'none'}, IPv6 {v6 or 'none'}", "both filtered"
            )
        for family, name, out in (("ipv4", v4, x.filter_out_v4), ("ipv6", v6, x.filter_out_v6)):
            if not (iface.ipv4 if family == "ipv4" else iface.ipv6):
                continue
            acl = c.acl(name)
            check.item(f"{iface.name} inbound {family} filter", acl is not None, name, "a filter")
            if acl is not None:
                last = acl.final_deny
                shown = acl.rules[-1].text if acl.rules else "no rule"
                check.item(
                    f"{iface.name} {acl.name} ends in a logged deny", bool(last and last.log), shown, "deny any (log)"
                )
            if egress:
                check.item(
                    f"{iface.name} outbound {family} filter", out is not None, out, "a filter", limit="egress_filtering"
                )
