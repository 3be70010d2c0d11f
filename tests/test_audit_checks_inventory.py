"""The inventory checks (checks/inventory) on the sample inventory and its plan, and on altered copies of them.

An altered copy changes one record of the loaded inventory (or one block of its plan) the way an operator's edit
would; the verdict must change with it. Expected values come from the sample's records, never from the output.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib.util
from collections.abc import Callable
from functools import cache
from ipaddress import IPv6Network, ip_address
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from infra.audit import inventorycheck as ic
from infra.audit.catalogue import Catalogue, load_catalogue
from infra.audit.checking import Check, NotApplicable, Undecided, verdict
from infra.audit.scope import ProvinceTarget, SiteTarget, SystemTarget, device_level, site_systems
from infra.inventory import Inventory, load
from infra.inventory.models import Gateway, Location
from infra.plan import AddressPlan, make_plan
from infra.plan.model import Block

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ROOT / "checks" / "inventory"
TODAY = dt.date(2026, 6, 1)

Target = ProvinceTarget | SystemTarget | SiteTarget


@cache
def module(name: str) -> ModuleType:
    path = CHECKS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"hatang_checks_inventory_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def fn(name: str, test: str) -> Callable[[Any, Check], None]:
    found: Callable[[Any, Check], None] = getattr(module(name), test)
    return found


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return load_catalogue()


@pytest.fixture(scope="module")
def sample() -> tuple[Inventory, AddressPlan]:
    inv = load(ROOT / "inventory")
    return inv, make_plan(inv)


def judge(
    catalogue: Catalogue, check_fn: Callable[[Any, Check], None], t: Target, level: int | None = None
) -> tuple[str, Check]:
    """The finding's status as the engine makes it."""
    control = catalogue.get(check_fn.pytestmark[0].args[0])  # type: ignore[attr-defined]
    level = level or t.level
    check = Check(control, level, str(t))
    if level < control.applies_from_level:
        return "not-applicable", check
    try:
        check_fn(dataclasses.replace(t, level=level), check)
    except NotApplicable:
        return (verdict(check.items) if check.items else "not-applicable"), check
    except Undecided as signal:
        status = verdict(check.items)
        check.evidence.append(str(signal))
        return ("manual" if status in ("pass", "not-applicable") else status), check
    return verdict(check.items), check


def system(inv: Inventory, plan: AddressPlan, name: str) -> SystemTarget:
    return SystemTarget(name, inv.systems[name].level, inv, plan, TODAY)


def site(inv: Inventory, plan: AddressPlan, name: str) -> SiteTarget:
    return SiteTarget(name, device_level(inv, name, site_systems(inv))[0], inv, plan, TODAY)


def province(inv: Inventory, plan: AddressPlan) -> ProvinceTarget:
    return ProvinceTarget(inv, plan, TODAY, max(s.level for s in inv.systems.values()))


def failing(check: Check) -> list[str]:
    return [i.name for i in check.items if i.status == "fail"]


def replace_system(inv: Inventory, name: str, **changes: Any) -> Inventory:
    return dataclasses.replace(inv, systems={**inv.systems, name: inv.systems[name].model_copy(update=changes)})


def replace_site(inv: Inventory, name: str, **changes: Any) -> Inventory:
    return dataclasses.replace(inv, sites={**inv.sites, name: dataclasses.replace(inv.sites[name], **changes)})


def datacentres(inv: Inventory) -> list[str]:
    return sorted(n for n, s in inv.sites.items() if ic.is_datacenter(s))


# --- INV-01 -------------------------------------------------------------------------------------------------------


def test_inv01_records_complete_but_the_regulation_is_evidence(
    catalogue: Catalogue, sample: tuple[Inventory, AddressPlan]
) -> None:
    inv, plan = sample
    check_fn = fn("test_systems", "test_system_record")
    for name in inv.systems:
        status, check = judge(catalogue, check_fn, system(inv, plan, name))
        assert status == "manual", name
        assert not failing(check)
        assert [i.name for i in check.items if i.status == "manual"] == [
            "security regulation (quy chế bảo đảm an toàn)"
        ]
    name = sorted(inv.systems)[0]
    future = inv.systems[name].decision.model_copy(update={"date": TODAY + dt.timedelta(days=1)})
    status, check = judge(catalogue, check_fn, system(replace_system(inv, name, decision=future), plan, name))
    assert failing(check) == ["level decision date"]
    orphan = replace_system(inv, name, owner="so-khong-ton-tai")
    assert failing(judge(catalogue, check_fn, system(orphan, plan, name))[1]) == ["owner"]
    blank = inv.systems[name].decision.model_copy(update={"number": "  "})
    assert failing(judge(catalogue, check_fn, system(replace_system(inv, name, decision=blank), plan, name))[1]) == [
        "level decision number"
    ]


# --- INV-02 / INV-03 ----------------------------------------------------------------------------------------------


def test_inv02_zones_by_level(catalogue: Catalogue, sample: tuple[Inventory, AddressPlan]) -> None:
    inv, plan = sample
    check_fn = fn("test_systems", "test_zoning_matches_level")
    level4 = next(s for s in sorted(inv.systems) if inv.systems[s].level == 4)
    status, check = judge(catalogue, check_fn, system(inv, plan, level4))
    assert status == "fail"  # the data centre's management VLAN holds hosts: no device-management zone of its own
    assert all(f.endswith(": device-management") for f in failing(check))
    level3 = next(s for s in sorted(inv.systems) if inv.systems[s].level == 3 and ic.system_sites(inv, s))
    assert judge(catalogue, check_fn, system(inv, plan, level3))[0] == "pass"
    dc = ic.system_sites(inv, level3)[0]
    no_db = replace_site(inv, dc, vlans=tuple(v for v in inv.sites[dc].vlans if v.zone != "db"))
    status, check = judge(catalogue, check_fn, system(no_db, plan, level3))
    assert failing(check) == [f"{dc}: database"]
    assert judge(catalogue, check_fn, system(no_db, plan, level3), level=2)[0] == "pass"  # CSDL zone from L3


def test_inv02_device_management_apart_from_hosts(sample: tuple[Inventory, AddressPlan]) -> None:
    inv, _ = sample
    dc = datacentres(inv)[0]
    assert not ic.zones_at(inv, inv.sites[dc])["device-management"].found
    agency = next(n for n, s in sorted(inv.sites.items()) if s.tier is not None and s.tier.kind == "agency")
    assert ic.zones_at(inv, inv.sites[agency])["device-management"].found  # its management VLAN has no host


def test_inv03_pairs_where_systems_run(catalogue: Catalogue, sample: tuple[Inventory, AddressPlan]) -> None:
    inv, plan = sample
    check_fn = fn("test_sites", "test_redundant_main_devices")
    dc = datacentres(inv)[0]
    assert judge(catalogue, check_fn, site(inv, plan, dc), level=2)[0] == "pass"
    status, check = judge(catalogue, check_fn, site(inv, plan, dc), level=3)
    assert status == "manual"  # load balancers, WAFs, storage: not recorded by the inventory
    assert not failing(check)
    one_core = replace_site(inv, dc, devices=tuple(d for d in inv.sites[dc].devices if d.short != "core2"))
    assert failing(judge(catalogue, check_fn, site(one_core, plan, dc), level=2)[1]) == ["core-switch pair"]
    status, check = judge(catalogue, check_fn, site(inv, plan, dc), level=5)
    assert "every network device redundant" in failing(check)  # one out-of-band switch
    agency = next(n for n in sorted(inv.sites) if n not in ic.hosted_sites(inv))
    assert judge(catalogue, check_fn, site(inv, plan, agency), level=2)[0] == "not-applicable"


# --- INV-06 -------------------------------------------------------------------------------------------------------


def test_inv06_site_prefix_lengths(catalogue: Catalogue, sample: tuple[Inventory, AddressPlan]) -> None:
    inv, plan = sample
    check_fn = fn("test_sites", "test_site_address_plan")
    commune = next(n for n, s in sorted(inv.sites.items()) if s.tier is not None and s.tier.kind == "commune")
    agency = next(n for n, s in sorted(inv.sites.items()) if s.tier is not None and s.tier.kind == "agency")
    dc = datacentres(inv)[0]
    assert plan.sites[commune].blocks["gua"].prefix.prefixlen == 56
    assert judge(catalogue, check_fn, site(inv, plan, commune))[0] == "pass"
    assert judge(catalogue, check_fn, site(inv, plan, dc))[0] == "pass"
    _, check = judge(catalogue, check_fn, site(inv, plan, agency))
    assert plan.sites[agency].blocks["gua"].prefix.prefixlen == 52  # the sample gives agencies /52s
    assert failing(check) == [f"gua block {plan.sites[agency].blocks['gua'].prefix} length"]


def _with_block(plan: AddressPlan, name: str, prefix: str) -> AddressPlan:
    sp = plan.sites[name]
    blocks = {**sp.blocks, "gua": Block(IPv6Network(prefix), "test")}
    return dataclasses.replace(plan, sites={**plan.sites, name: dataclasses.replace(sp, blocks=blocks)})


def test_inv06_site_plan_broken(catalogue: Catalogue, sample: tuple[Inventory, AddressPlan]) -> None:
    inv, plan = sample
    check_fn = fn("test_sites", "test_site_address_plan")
    communes = [n for n, s in sorted(inv.sites.items()) if s.tier is not None and s.tier.kind == "commune"]
    a, b = communes[:2]
    other = str(plan.sites[b].blocks["gua"].prefix)
    clash = judge(catalogue, check_fn, site(inv, _with_block(plan, a, other), a))[1]
    assert "no overlap with other sites, circuits or infrastructure" in failing(clash)
    odd = judge(catalogue, check_fn, site(inv, _with_block(plan, a, "2001:db8:54ff:fc00::/54"), a))[1]
    assert "gua block 2001:db8:54ff:fc00::/54 on a nibble boundary" in failing(odd)
    local = judge(catalogue, check_fn, site(inv, _with_block(plan, a, "fec0:0:0:100::/56"), a))[1]
    assert "gua block fec0:0:0:100::/56 not site-local" in failing(local)
    sp = plan.sites[a]
    lan = next(v for v in sp.vlans if v.role == "lan")
    narrow = dataclasses.replace(
        lan, subnets={**lan.subnets, "gua": IPv6Network(f"{lan.subnets['gua'].network_address}/80")}
    )
    vlans = tuple(narrow if v is lan else v for v in sp.vlans)
    narrowed = dataclasses.replace(plan, sites={**plan.sites, a: dataclasses.replace(sp, vlans=vlans)})
    failed = failing(judge(catalogue, check_fn, site(inv, narrowed, a))[1])
    assert failed == [f"VLAN {lan.vlan_id} {lan.name} (gua) SLAAC prefix"]


def test_inv06_province_plan(catalogue: Catalogue, sample: tuple[Inventory, AddressPlan]) -> None:
    inv, plan = sample
    check_fn = fn("test_province", "test_province_address_plan")
    assert judge(catalogue, check_fn, province(inv, plan))[0] == "pass"
    cid = min(plan.circuits)
    link = plan.circuits[cid]
    stray = dataclasses.replace(link, prefixes={**link.prefixes, "gua": IPv6Network("2001:db8:54ff::/127")})
    moved = dataclasses.replace(plan, circuits={**plan.circuits, cid: stray})
    assert failing(judge(catalogue, check_fn, province(inv, moved))[1]) == [
        "circuit prefixes inside the infrastructure blocks"
    ]
    twin = dataclasses.replace(
        plan, circuits={**plan.circuits, cid: dataclasses.replace(link, prefixes=plan.circuits[cid + 1].prefixes)}
    )
    assert failing(judge(catalogue, check_fn, province(inv, twin))[1]) == ["circuit prefixes apart"]
    host = sorted(plan.hosts)[0]
    hp = plan.hosts[host]
    wrong = dataclasses.replace(hp, addresses={**hp.addresses, "gua": ip_address("2001:db8:54ff::10")})
    assert failing(
        judge(catalogue, check_fn, province(inv, dataclasses.replace(plan, hosts={**plan.hosts, host: wrong})))[1]
    ) == ["host addresses inside their VLAN subnets"]


# --- INV-07 / WAN-01 / DC-07 ---------------------------------------------------------------------------------------


def test_inv07_public_services(catalogue: Catalogue, sample: tuple[Inventory, AddressPlan]) -> None:
    inv, plan = sample
    check_fn = fn("test_systems", "test_public_services_planned_on_ipv6")
    public = sorted({s.system for s in inv.services.values() if s.exposure == "public" and s.system})
    internal = next(s for s in sorted(inv.systems) if s not in public)
    for name in public:
        assert judge(catalogue, check_fn, system(inv, plan, name))[0] == "pass", name
    assert judge(catalogue, check_fn, system(inv, plan, internal))[0] == "not-applicable"
    service = next(s for s in inv.services.values() if s.system == public[0] and s.exposure == "public")
    host = service.hosts[0]
    hp = plan.hosts[host]
    v4only = dataclasses.replace(hp, addresses={p: a for p, a in hp.addresses.items() if a.version == 4})
    status, check = judge(
        catalogue, check_fn, system(inv, dataclasses.replace(plan, hosts={**plan.hosts, host: v4only}), public[0])
    )
    assert status == "fail"
    assert f"{service.name} ({service.fqdn}) hosts with IPv6" in failing(check)
    assert "public services with IPv6 (%)" in failing(check)


def test_wan01_diverse_routes(catalogue: Catalogue, sample: tuple[Inventory, AddressPlan]) -> None:
    inv, plan = sample
    site_fn, system_fn = (
        fn("test_sites", "test_datacentre_diverse_circuits"),
        fn("test_systems", "test_system_sites_dual_homed"),
    )
    dc = datacentres(inv)[0]
    assert judge(catalogue, site_fn, site(inv, plan, dc))[0] == "pass"
    ids = [cid for cid, _, _ in ic.site_circuits(inv, dc)]
    same = inv.circuits[ids[1]].model_copy(update={"route": inv.circuits[ids[0]].route})
    one_route = dataclasses.replace(inv, circuits={**inv.circuits, ids[1]: same})
    assert failing(judge(catalogue, site_fn, site(one_route, plan, dc))[1]) == ["circuits on distinct routes"]
    assert judge(catalogue, site_fn, site(inv, plan, "so-noi-vu"))[0] == "not-applicable"
    level4 = next(s for s in sorted(inv.systems) if inv.systems[s].level == 4)
    assert judge(catalogue, system_fn, system(inv, plan, level4))[0] == "pass"
    assert judge(catalogue, system_fn, system(inv, plan, level4), level=3)[0] == "not-applicable"
    assert judge(catalogue, system_fn, system(one_route, plan, level4))[0] == "fail"


def test_dc07_shared_vlans_fail(catalogue: Catalogue, sample: tuple[Inventory, AddressPlan]) -> None:
    inv, plan = sample
    check_fn = fn("test_systems", "test_tenant_isolation")
    portal = next(s.system for s in inv.services.values() if s.fqdn.startswith("www.") and s.system)
    status, check = judge(catalogue, check_fn, system(inv, plan, portal))
    assert status == "fail"  # its web hosts share the DMZ VLAN with other systems' hosts
    assert judge(catalogue, check_fn, system(inv, plan, portal), level=2)[0] == "not-applicable"
    alone = [
        s
        for s in sorted(inv.systems)
        if inv.systems[s].level >= 3 and judge(catalogue, check_fn, system(inv, plan, s))[0] == "manual"
    ]
    assert alone  # a system alone in its VLANs: only the policy, pool and attestation are left to evidence
    status, check = judge(catalogue, check_fn, system(inv, plan, alone[0]), level=5)
    assert "physical_separation" in [i.name for i in check.items if i.status == "manual"]


# --- data centre ------------------------------------------------------------------------------------------------------


def test_haversine() -> None:
    assert ic.haversine_km(Location(lat=0, lon=0), Location(lat=1, lon=0)) == pytest.approx(111.2, abs=0.1)
    assert ic.haversine_km(Location(lat=13.08, lon=109.30), Location(lat=13.08, lon=109.30)) == 0


def test_dc05_distance_from_coordinates(catalogue: Catalogue, sample: tuple[Inventory, AddressPlan]) -> None:
    inv, plan = sample
    check_fn = fn("test_sites", "test_dr_site_distance")
    a, b = datacentres(inv)
    assert judge(catalogue, check_fn, site(inv, plan, a), level=5)[0] == "manual"  # no coordinates in the sample
    assert judge(catalogue, check_fn, site(inv, plan, a), level=4)[0] == "not-applicable"

    def located(lat_b: float) -> Inventory:
        out = inv
        for name, lat in ((a, 13.0), (b, lat_b)):
            spec = out.sites[name].spec.model_copy(update={"location": Location(lat=lat, lon=109.3)})
            out = replace_site(out, name, spec=spec)
        return out

    far = judge(catalogue, check_fn, site(located(13.5), plan, a), level=5)[1]  # about 55 km
    assert not failing(far)
    assert [i.name for i in far.items if i.status == "manual"] == ["replication links"]
    near = judge(catalogue, check_fn, site(located(13.1), plan, a), level=5)[1]  # about 11 km
    assert failing(near) == [f"distance to {b} (km)"]


def test_dc06_providers(catalogue: Catalogue, sample: tuple[Inventory, AddressPlan]) -> None:
    inv, plan = sample
    check_fn = fn("test_sites", "test_access_providers")
    dc = datacentres(inv)[0]
    status, check = judge(catalogue, check_fn, site(inv, plan, dc))
    assert status == "manual"
    assert "1 provider ASN" in check.evidence[0]
    gateways = sorted({gw for _, _, gw in ic.site_circuits(inv, dc)})
    other: Gateway = inv.gateways[gateways[1]].model_copy(update={"asn": 64700})
    two = dataclasses.replace(inv, gateways={**inv.gateways, gateways[1]: other})
    assert judge(catalogue, check_fn, site(two, plan, dc))[0] == "pass"


@pytest.mark.parametrize(
    ("module_name", "test", "fixture", "words"),
    [
        ("test_sites", "test_design_standard", "site", "no design standard"),
        ("test_sites", "test_power_redundancy", "site", "no UPS"),
        ("test_sites", "test_environment_monitoring", "site", "no BMS"),
        ("test_sites", "test_physical_security", "site", "no VMS"),
        ("test_sites", "test_link_utilisation", "site", "no NMS counters"),
        ("test_systems", "test_assessment_cadence", "system", "no last_vuln_scan"),
        ("test_province", "test_asset_register", "province", "no serial number or support_end"),
        ("test_province", "test_drills_and_monitoring", "province", "no last_drill_date"),
    ],
)
def test_unrecorded_evidence_is_manual(
    catalogue: Catalogue, sample: tuple[Inventory, AddressPlan], module_name: str, test: str, fixture: str, words: str
) -> None:
    inv, plan = sample
    t: Target
    if fixture == "site":
        t = site(inv, plan, datacentres(inv)[0])
    elif fixture == "system":
        t = system(inv, plan, sorted(inv.systems)[0])
    else:
        t = province(inv, plan)
    status, check = judge(catalogue, fn(module_name, test), t, level=5)
    assert status == "manual"
    assert words in check.evidence[0]
    if fixture == "site" and "utilisation" not in test:
        agency = site(inv, plan, "so-noi-vu")
        assert judge(catalogue, fn(module_name, test), agency, level=5)[0] == "not-applicable"
