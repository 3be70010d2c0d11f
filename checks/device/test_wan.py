"""Specialised data network (TSLCD) controls WAN-01, WAN-03, WAN-04 and WAN-05 (wan.yaml), device side.

A configuration shows what a device is set up to do: its circuits' interfaces, their addresses, the BGP sessions
of both families, the filters and zones between the TSLCD and the site. Whether links and sessions are up is live
state, judged by the show commands of a running audit, not here; the inventory side (two diverse circuits per data
centre) is ``checks/inventory``.
"""

from __future__ import annotations

from ipaddress import ip_interface

import pytest

from infra.audit import devicecheck as dc
from infra.audit.checking import Check
from infra.audit.devicefacts import Config
from infra.audit.scope import DeviceTarget
from infra.render.intent import Interface

OUTSIDE_ZONES = frozenset({"untrust", "tslcd", "outside", "wan"})


def _wan_or_stop(check: Check, device: DeviceTarget) -> list[Interface]:
    found = dc.external(device.intent)
    if not found:
        check.not_applicable("no TSLCD circuit ends on this device")
    return found


def _sessions(check: Check, c: Config, device: DeviceTarget, family: str | None = None) -> None:
    configured = {n.address for n in c.bgp}
    for peer in device.intent.bgp.peers if device.intent.bgp else ():
        if family is None or peer.family == family:
            found = dc.ip(peer.address) in configured
            check.item(f"BGP {peer.family} session to {peer.name} ({peer.address})", found, found, True)


@pytest.mark.control("WAN-01")
def test_tslcd_circuits_configured(device: DeviceTarget, check: Check) -> None:
    """Every circuit of the inventory ending here is configured and not shut, with its IPv4 and IPv6 BGP sessions."""
    c = dc.config_of(device)
    for iface in _wan_or_stop(check, device):
        facts = c.interface(iface.name)
        state = "absent" if facts is None else ("shut down" if facts.shutdown else "configured")
        check.item(f"{iface.name} ({iface.description})", state == "configured", state, "configured, not shut down")
    _sessions(check, c, device)


@pytest.mark.control("WAN-03")
def test_cpe_capabilities(device: DeviceTarget, check: Check) -> None:
    """IPv6 routing, VLAN separation, SSH-only management, syslog and SNMPv3 authPriv; port counts by evidence."""
    c = dc.config_of(device)
    _wan_or_stop(check, device)
    if c.ipv6_routing is None:
        check.undecided("IPv6 routing", "not in the router's configuration", c.unknown.get("forwarding", ""))
    else:
        check.item("IPv6 routing", c.ipv6_routing, dc.seen(c, "ipv6_routing", c.ipv6_routing), True)
    vlans = sorted({i.vlan for i in device.intent.interfaces if i.kind == "vlan" and i.vlan is not None})
    if vlans:
        missing = [v for v in vlans if not any(i.vlan == v and c.interface(i.name) for i in device.intent.interfaces)]
        check.item("a VLAN per service", not missing, f"missing VLANs {missing}" if missing else vlans, vlans)
    if "ssh" in c.unknown:
        check.undecided("authenticated, encrypted management (NET-01)", "the host's sshd", c.unknown["ssh"])
    else:
        remote = [ln for ln in c.lines if ln.remote and ln.sessions]
        ssh_only = (
            c.ssh_version == "2" and not c.telnet and all(set(ln.transport or ("?",)) == {"ssh"} for ln in remote)
        )
        check.item(
            "authenticated, encrypted management (NET-01)",
            ssh_only,
            "SSHv2 only" if ssh_only else "not SSHv2 only",
            "SSHv2 only",
        )
    if "syslog" not in c.unknown:
        check.item("syslog (NET-06)", bool(c.syslog_hosts), [str(h) for h in c.syslog_hosts] or "none", "collectors")
    if "snmp" not in c.unknown:
        v3 = not c.snmp_communities and all(g.version == "v3" and g.level == "priv" for g in c.snmp_groups)
        check.item(
            "SNMPv3 authPriv only (NET-08)", v3, "v3 authPriv" if v3 else "v1/v2c or noPriv present", "v3 authPriv"
        )
    ports = {
        n: check.threshold(n)
        for n in (
            "access_level_1_lan_ports",
            "access_level_1_wan_ports",
            "access_level_2_lan_ports",
            "access_level_2_wan_ports",
        )
    }
    check.undecided(
        "LAN and WAN ports of the model",
        f"model {device.intent.model or 'unknown'}: the inventory records no port counts",
        ", ".join(f"{k} at least {v}" for k, v in ports.items()),
    )


@pytest.mark.control("WAN-04")
def test_tslcd_kept_apart(device: DeviceTarget, check: Check) -> None:
    """TSLCD interfaces apart from the Internet, filtered towards the site; default routes by live evidence."""
    c = dc.config_of(device)
    wan = dc.external(device.intent)
    outside = [(n, z) for n, z in c.zones.items() if z in OUTSIDE_ZONES]
    if not wan and not (device.role == "firewall" and outside):
        check.not_applicable("no TSLCD interface and no outside firewall zone")
    for iface in wan:
        x = c.extras(iface.name)
        apart = x.vrf is not None or x.zone is not None or device.role != "internet-edge"
        how = f"VRF {x.vrf}" if x.vrf else (f"zone {x.zone}" if x.zone else "no Internet uplink on this device")
        check.item(f"{iface.name} apart from the Internet", apart, how, "a TSLCD VRF or zone, or no Internet uplink")
        facts = c.interface(iface.name)
        if "filters" in c.unknown:
            check.undecided(
                f"{iface.name} filtered towards the site", "not in the router's configuration", c.unknown["filters"]
            )
        else:
            both = (
                facts is not None
                and bool(facts.filter_v4 or not iface.ipv4)
                and bool(facts.filter_v6 or not iface.ipv6)
            )
            check.item(
                f"{iface.name} filtered towards the site", both, _filters(facts), "inbound filters of both families"
            )
    if outside:
        _zone_policy(check, c, {z for _, z in outside})
    if wan:
        check.undecided(
            "default routes", "live routing table", "0.0.0.0/0 and ::/0 only towards the TSLCD gateway (show ip route)"
        )


def _filters(facts: object) -> str:
    if facts is None:
        return "interface not configured"
    return f"IPv4 {getattr(facts, 'filter_v4', None) or 'none'}, IPv6 {getattr(facts, 'filter_v6', None) or 'none'}"


def _zone_policy(check: Check, c: Config, outside: set[str]) -> None:
    inbound = [(a, b, act) for a, b, act in c.zone_policies if a in outside and b not in outside]
    permits = [f"{a}->{b}" for a, b, act in inbound if act == "permit"]
    denied = any(act in ("deny", "reject") for _, _, act in inbound)
    check.item(
        "policy from the TSLCD zone inwards", denied and not permits, permits or ("deny" if denied else "none"), "deny"
    )


@pytest.mark.control("WAN-05")
def test_dual_stack_wan(device: DeviceTarget, check: Check) -> None:
    """IPv6 routing; each circuit with its planned global IPv6 address; an IPv6 BGP session per circuit."""
    c = dc.config_of(device)
    wan = _wan_or_stop(check, device)
    if c.ipv6_routing is None:
        check.undecided("IPv6 routing", "not in the router's configuration", c.unknown.get("forwarding", ""))
    else:
        check.item("IPv6 routing", c.ipv6_routing, dc.seen(c, "ipv6_routing", c.ipv6_routing), True)
    for iface in wan:
        planned = [ip_interface(a.cidr) for a in iface.ipv6]
        facts = c.interface(iface.name)
        found = list(facts.ipv6) if facts else []
        inside = all(any(f.ip in p.network for p in planned) for f in found)
        ok = bool(planned) and all(p in found for p in planned) and inside
        check.item(
            f"{iface.name} IPv6 address",
            ok,
            [str(f) for f in found] or "none",
            [str(p) for p in planned] or "a planned IPv6 address",
        )
    _sessions(check, c, device, "ipv6")
