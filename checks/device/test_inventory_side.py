"""The device side of inventory and data-centre controls: INV-02, INV-03, INV-06 and DC-05.

What a configuration can show of them: each zone's VLAN interface on the device that routes it (INV-02), the
VRRP groups of a redundant gateway pair (INV-03), every interface address inside the block the plan gave it and
no site-local fec0::/10 (INV-06). The inter-site links of a disaster-recovery site are not in the inventory
(DC-05): an auditor judges them.
"""

from __future__ import annotations

from ipaddress import IPv4Interface, IPv6Interface, IPv6Network, ip_network

import pytest

from infra.audit import devicecheck as dc
from infra.audit.checking import Check
from infra.audit.scope import DeviceTarget

SITE_LOCAL = IPv6Network("fec0::/10")  # deprecated by RFC 3879; the catalogue's INV-06 forbids it


@pytest.mark.control("INV-02")
def test_zones_routed_apart(device: DeviceTarget, check: Check) -> None:
    """Each VLAN (zone) the device routes has its own interface, with the planned addresses."""
    c = dc.config_of(device)
    vlans = [i for i in device.intent.interfaces if i.kind == "vlan"]
    zones = {i.name: z for i, z in ((i, c.extras(i.name).zone) for i in device.intent.interfaces) if z}
    if not vlans and not zones:
        check.not_applicable("the device routes no VLAN and has no firewall zone")
    labels = {v.id: v.name for v in device.intent.vlans}
    for iface in vlans:
        planned = dc.intent_addresses(iface)
        found = dc.configured_addresses(c, iface.name)
        ok = c.interface(iface.name) is not None and all(p in found for p in planned)
        name = labels.get(iface.vlan or 0, str(iface.vlan))
        check.item(
            f"VLAN {iface.vlan} ({name}) interface {iface.name}",
            ok,
            [str(f) for f in found] or "absent",
            [str(p) for p in planned],
        )
    if zones:
        check.item(
            "firewall zones",
            len(set(zones.values())) >= 2,
            sorted(set(zones.values())),
            "an outside and an inside zone",
        )


@pytest.mark.control("INV-03")
def test_gateway_redundancy(device: DeviceTarget, check: Check) -> None:
    """Each VLAN the intent gives a VRRP group has that group configured; its state is live evidence."""
    c = dc.config_of(device)
    grouped = [i for i in device.intent.interfaces if i.vrrp is not None]
    if not grouped:
        check.not_applicable("no redundant gateway (VRRP) on this device in the intent")
    for iface in grouped:
        assert iface.vrrp is not None
        found = c.vrrp.get(iface.name) or c.vrrp.get(f"{iface.name}.0") or set()
        check.item(
            f"{iface.name} VRRP group {iface.vrrp.group}",
            iface.vrrp.group in found,
            sorted(found) or "none",
            iface.vrrp.group,
        )
    check.undecided("VRRP state", "live state", "one master and one backup per group (show vrrp brief)")


@pytest.mark.control("INV-06")
def test_addresses_in_their_blocks(device: DeviceTarget, check: Check) -> None:
    """Every configured address inside its interface's planned block; every planned address configured; no fec0::/10."""
    c = dc.config_of(device)
    planned = {i.name: i for i in device.intent.interfaces}
    allowed = dc.intent_networks(device.intent)
    stray, site_local = [], []
    for name, facts in c.device.interfaces.items():
        iface = planned.get(name) or planned.get(name.removesuffix(".0"))
        nets = [ip_network(a.network) for a in (*iface.ipv4, *iface.ipv6)] if iface else allowed
        found: list[IPv4Interface | IPv6Interface] = [*facts.ipv4, *facts.ipv6]
        for address in found:
            ip = address.ip
            if ip.version == 6 and ip in SITE_LOCAL:
                site_local.append(f"{name} {address}")
            if not any(ip in n for n in nets if n.version == ip.version):
                stray.append(f"{name} {address}")
    check.item(
        "addresses inside their planned blocks",
        not stray,
        stray or "all inside",
        "inside the block the plan gave the interface",
    )
    check.absent("site-local (fec0::/10) addresses", site_local)
    missing = [
        f"{i.name} {a}"
        for i in device.intent.interfaces
        for a in dc.intent_addresses(i)
        if c.interface(i.name) is not None and a not in dc.configured_addresses(c, i.name)
    ]
    check.item("planned addresses configured", not missing, missing or "all configured", "every planned address")


@pytest.mark.control("DC-05")
def test_replication_links(device: DeviceTarget, check: Check) -> None:
    """The links between the main and the disaster-recovery data centre (data-centre WAN edges only)."""
    if device.role != "wan-edge":
        check.not_applicable("not a data-centre WAN edge")
    check.manual(
        "the inventory records no link between the data centres (replication links are not circuits of the TSLCD "
        "inventory): evidence of enough replication links, up, is needed"
    )
