"""Control plane, routing and layer-2 controls NET-17, NET-18 and NET-20 (network-device.yaml).

The routing adjacencies a device must authenticate are the intent's (OSPF on its non-passive interfaces, one BGP
session per gateway and family); the ports it must keep tidy are those its configuration shows.
"""

from __future__ import annotations

import pytest

from infra.audit import devicecheck as dc
from infra.audit.checking import Check
from infra.audit.devicefacts import Config, Port
from infra.audit.scope import DeviceTarget

# Platforms (or model families) that apply a built-in control-plane policy their configuration does not show:
# EOS (copp-system-policy), VRP (the default cpu-defend policy), IOS-XE Catalyst 9000 (system-cpp-policy).
BUILT_IN_COPP = frozenset({"arista_eos", "huawei_vrp"})
BUILT_IN_COPP_MODELS = ("C9",)


@pytest.mark.control("NET-17")
def test_control_plane_protection(device: DeviceTarget, check: Check) -> None:
    """A control-plane policy or routing-engine filter protects the device itself."""
    c = dc.config_of(device)
    if c.control_plane is None:
        dc.unknown(check, c, "control-plane")
    if c.control_plane:
        check.item("control-plane policy", True, c.control_plane, "a policy or filter")
        check.undecided(
            "policy rates",
            "not in the configuration",
            "rates matching the site standard (show policy-map control-plane)",
        )
        return
    built_in = device.platform in BUILT_IN_COPP or (
        device.platform == "cisco_ios" and device.intent.model.startswith(BUILT_IN_COPP_MODELS)
    )
    if built_in:
        check.undecided(
            "control-plane policy",
            "none configured: the platform's built-in policy applies",
            "a policy whose rates match the site standard (show policy-map control-plane / display cpu-defend)",
        )
        return
    check.item("control-plane policy", False, "none", "control-plane service-policy input (or an lo0 filter)")


def _ospf_interfaces(device: DeviceTarget) -> list[str]:
    return [i.name for i in device.intent.interfaces if i.ospf and not i.ospf_passive]


@pytest.mark.control("NET-18")
def test_routing_protocol_authentication(device: DeviceTarget, check: Check) -> None:
    """OSPFv2 and OSPFv3 adjacencies authenticated; every BGP neighbour with a password (or TCP-AO)."""
    c = dc.config_of(device)
    ospf = _ospf_interfaces(device)
    peers = device.intent.bgp.peers if device.intent.bgp else ()
    if not ospf and not peers and not c.bgp:
        check.not_applicable("no routing adjacency: no OSPF link and no BGP session")
    for name in ospf:
        if c.interface(name) is None:
            check.item(f"{name} OSPF", False, "interface not configured", "configured and authenticated")
            continue
        x = c.extras(name)
        iface = device.intent.interface(name)
        check.item(
            f"{name} OSPFv2 authentication", _strong(x.ospf_auth), x.ospf_auth or "none", "message-digest or key chain"
        )
        if iface.ipv6 and c.ospf3:
            check.item(
                f"{name} OSPFv3 authentication",
                bool(x.ospf3_auth),
                x.ospf3_auth or "none",
                "authentication trailer or IPsec",
            )
    _bgp(check, c, device)


def _strong(auth: str | None) -> bool:
    return auth is not None and auth not in ("simple", "null", "plain-text", "simple-password")


def _bgp(check: Check, c: Config, device: DeviceTarget) -> None:
    configured = {n.address: n for n in c.bgp}
    for peer in device.intent.bgp.peers if device.intent.bgp else ():
        found = configured.get(dc.ip(peer.address))
        check.item(
            f"BGP {peer.address} ({peer.name})",
            found is not None and found.authenticated,
            _shown(found),
            "configured, with a password",
        )
    extra = [
        str(a)
        for a in configured
        if a not in {dc.ip(p.address) for p in (device.intent.bgp.peers if device.intent.bgp else ())}
    ]
    for address in extra:
        found = configured[dc.ip(address)]
        check.item(f"BGP {address} (not in the inventory)", found.authenticated, _shown(found), "with a password")


def _shown(found: object) -> str:
    if found is None:
        return "not configured"
    return "with a password" if getattr(found, "authenticated", False) else "no password"


@pytest.mark.control("NET-20")
def test_layer2_hygiene(device: DeviceTarget, check: Check) -> None:
    """Unused ports shut; no user port in VLAN 1; trunks off VLAN 1; BPDU guard; 802.1X from its level."""
    c = dc.config_of(device)
    if not c.ports:
        if device.role == "access":
            check.manual(
                "the configuration shows no switch port: judge the switch's ports on its running configuration"
            )
        check.not_applicable("no layer-2 port")
    used = {i.name for i in device.intent.interfaces}
    for port in c.ports.values():
        if port.mode == "trunk":
            _trunk(check, port)
        elif port.name in used or not port.shutdown:
            _access(check, port, nac=check.applies("nac"))
    unused = [p.name for p in c.ports.values() if p.name not in used and not p.shutdown]
    if device.source == "intended":
        check.undecided(
            "unused ports shut down",
            "the rendered configuration lists only the ports in use",
            "judged on the running configuration",
        )
    else:
        check.item("unused ports shut down", not unused, unused or "all shut", "shut down, in a parking VLAN")


def _trunk(check: Check, port: Port) -> None:
    native = port.native_vlan or 1
    if native != 1:
        check.item(f"{port.name} native VLAN", True, native, "not 1")
        return
    carried = port.allowed is None or 1 in port.allowed
    check.item(f"{port.name} native VLAN", False, "1 (default)", "not 1", warn=not carried)


def _access(check: Check, port: Port, *, nac: bool) -> None:
    vlan = port.access_vlan or 1
    check.item(f"{port.name} access VLAN", vlan != 1, vlan, "not 1")
    check.item(f"{port.name} BPDU guard", port.bpduguard, port.bpduguard, True)
    if nac:
        check.item(f"{port.name} 802.1X", port.dot1x, port.dot1x, True, limit="nac")
