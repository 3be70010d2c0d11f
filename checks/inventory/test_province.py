"""Province-wide records: INV-04, INV-06 (pools, infrastructure, circuits, hosts) and WAN-06.

The asset register, drill records and the monitoring account are not in the inventory: those findings say what
evidence is needed. The address plan is judged as a whole here, site by site in ``test_sites``.
"""

from __future__ import annotations

from ipaddress import IPv6Network

import pytest

from infra.audit.checking import Check
from infra.audit.scope import ProvinceTarget
from infra.plan.model import IPNet

SITE_LOCAL = IPv6Network("fec0::/10")  # deprecated by RFC 3879; INV-06 forbids it


@pytest.mark.control("INV-04")
def test_asset_register(province: ProvinceTarget, check: Check) -> None:
    """Serials, management addresses and support dates of every asset: the inventory records no support dates."""
    devices = province.inv.devices
    limit = check.threshold("past_support_end")
    check.manual(
        f"the inventory records no serial number or support_end for its {len(devices)} devices and "
        f"{len(province.inv.hosts)} hosts: an asset register with vendor support dates is needed "
        f"(an asset past its support end gives {limit} at level {province.level})"
    )


@pytest.mark.control("INV-06")
def test_province_address_plan(province: ProvinceTarget, check: Check) -> None:
    """Pools outside fec0::/10; circuits inside the infrastructure block and apart; hosts inside their VLANs."""
    plan = province.plan
    for pool, net in plan.pools.items():
        check.item(f"pool {pool} {net} not site-local", not net.overlaps(SITE_LOCAL), net, "outside fec0::/10")
    for pool, block in plan.infrastructure.items():
        inside = pool in plan.pools and block.subnet_of(plan.pools[pool])  # type: ignore[arg-type]
        check.item(f"infrastructure {pool} {block} inside its pool", inside, block, plan.pools.get(pool))
    _circuits(check, province)
    _hosts(check, province)


def _circuits(check: Check, province: ProvinceTarget) -> None:
    plan = province.plan
    stray: list[str] = []
    clashes: list[str] = []
    seen: dict[str, IPNet] = {}
    for cid, link in sorted(plan.circuits.items()):
        for pool, prefix in link.prefixes.items():
            block = plan.infrastructure.get(pool)
            if block is None or not prefix.subnet_of(block):  # type: ignore[arg-type]
                stray.append(f"circuit {cid} {prefix}")
            for other, used in seen.items():
                if used.version == prefix.version and used.overlaps(prefix):
                    clashes.append(f"circuit {cid} {prefix} overlaps {other}")
            seen[f"circuit {cid} {pool}"] = prefix
    check.item("circuit prefixes inside the infrastructure blocks", not stray, stray or "all inside", "inside")
    check.item("circuit prefixes apart", not clashes, clashes or "none overlap", "no overlap")


def _hosts(check: Check, province: ProvinceTarget) -> None:
    plan = province.plan
    misplaced = []
    for name, host in sorted(plan.hosts.items()):
        site = plan.sites.get(host.site)
        vlan = next((v for v in site.vlans if v.name == host.vlan), None) if site else None
        for pool, address in host.addresses.items():
            subnet = vlan.subnets.get(pool) if vlan else None
            if subnet is None or address not in subnet:
                misplaced.append(f"{name} {address}")
    check.item("host addresses inside their VLAN subnets", not misplaced, misplaced or "all inside", "inside")


@pytest.mark.control("WAN-06")
def test_drills_and_monitoring(province: ProvinceTarget, check: Check) -> None:
    """Drill dates, the monitoring account and the 24/7 rota: not in the inventory."""
    age = check.threshold("drill_max_age")
    rota = " and, from level 4, evidence of a 24/7 SOC rota" if check.applies("soc_24x7") else ""
    check.manual(
        f"the inventory records no last_drill_date and no monitoring account from Cục Bưu điện Trung ương: "
        f"a drill within {age} days, the account{rota} are needed"
    )
