"""The address planner on hand-computed examples (docs/address-plan.md, domain research §5.5–5.7)."""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from pathlib import Path
from typing import Any

import pytest
from conftest import InventoryFiles, dump_yaml

from infra.errors import PlanError, Problem, ProblemsError
from infra.inventory import Inventory, load
from infra.plan import AddressPlan, make_plan
from infra.plan.arith import address, subnet
from infra.plan.model import IPNet
from infra.plan.report import to_json

ROOT = Path(__file__).resolve().parent.parent

Files = dict[str, dict[str, Any]]
Loader = Callable[[InventoryFiles], Inventory]


def N(text: str) -> IPNet:
    return ip_network(text)


def A(text: str) -> IPv4Address | IPv6Address:
    return ip_address(text)


def plan_of(load_inventory: Loader, files: InventoryFiles) -> AddressPlan:
    return make_plan(load_inventory(files))


def plan_error(load_inventory: Loader, files: InventoryFiles) -> PlanError:
    inv = load_inventory(files)
    with pytest.raises(PlanError) as err:
        make_plan(inv)
    return err.value


def problems_of(load_inventory: Loader, files: InventoryFiles) -> list[Problem]:
    """The problems of loading or planning ``files`` (the test fails if there are none)."""
    try:
        make_plan(load_inventory(files))
    except ProblemsError as err:
        return err.problems
    raise AssertionError("expected problems, found none")


def site_index(files: Files, name: str) -> int:
    return next(i for i, s in enumerate(files["sites.yaml"]["sites"]) if s["name"] == name)


def site_entry(files: Files, name: str) -> dict[str, Any]:
    entry: dict[str, Any] = files["sites.yaml"]["sites"][site_index(files, name)]
    return entry


def position(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first occurrence of ``needle`` in ``text``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle!r} not in text")


def only(problems: list[Problem]) -> Problem:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


@pytest.fixture(scope="module")
def mini_plan() -> AddressPlan:
    return make_plan(load(ROOT / "tests" / "data" / "mini"))


# --- subnet() and address() ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "index", "length", "expected"),
    [
        ("2001:db8:5420::/44", 5, 52, "2001:db8:5420:5000::/52"),  # agency 5 (§5.5)
        ("2001:db8:5420::/44", 0x17, 52, "2001:db8:5421:7000::/52"),  # agency 0x17 (§5.5)
        ("2001:db8:5440::/44", 109, 56, "2001:db8:5440:6d00::/56"),  # commune 109 (§5.5)
        ("2001:db8:5440::/44", 1, 56, "2001:db8:5440:100::/56"),
        ("2001:db8:5420:5000::/52", 0x10, 64, "2001:db8:5420:5010::/64"),  # VLAN index 0x10
        ("2001:db8:54::/48", 4, 52, "2001:db8:54:4000::/52"),  # /48 variant (§5.6)
        ("2001:db8:54:4000::/52", 109, 60, "2001:db8:54:46d0::/60"),
        ("2001:db8:54:2000::/52", 5, 60, "2001:db8:54:2050::/60"),
        ("2001:db8:5404::/48", 224, 56, "2001:db8:5404:e000::/56"),  # /44 variant (§5.7)
        ("2001:db8:5400::/40", 15, 44, "2001:db8:54f0::/44"),  # last tier block
        ("2001:db8:5420::/44", 255, 52, "2001:db8:542f:f000::/52"),  # last site of the tier block
        ("2001:db8:5400:11::/64", 0, 127, "2001:db8:5400:11::/127"),
        ("10.54.0.0/16", 1, 17, "10.54.128.0/17"),
        ("10.54.128.0/17", 109, 26, "10.54.155.64/26"),  # 109 * 64 = 6976 = 27 * 256 + 64
        ("10.54.0.0/20", 17, 31, "10.54.0.34/31"),
        ("10.0.0.0/24", 3, 26, "10.0.0.192/26"),
        ("10.0.0.0/24", 0, 24, "10.0.0.0/24"),
    ],
)
def test_subnet_is_the_index_th_block_of_that_length(base: str, index: int, length: int, expected: str) -> None:
    assert subnet(N(base), index, length) == N(expected)


@pytest.mark.parametrize(
    ("base", "index", "length"),
    [
        ("2001:db8:5420::/44", 256, 52),  # one past the last /52 of a /44
        ("2001:db8:5440::/44", 4096, 56),
        ("2001:db8:5420::/44", -1, 52),
        ("2001:db8:5420::/44", 0, 40),  # shorter than the base
        ("2001:db8:5420::/44", 0, 129),
        ("2001:db8:5440:100::/56", 256, 64),  # a VLAN index beyond a small site block
        ("10.0.0.0/24", 4, 26),
        ("10.0.0.0/24", 0, 23),
        ("10.0.0.0/24", 0, 33),
        ("10.54.0.0/20", 2048, 31),
    ],
)
def test_subnet_out_of_range_is_none(base: str, index: int, length: int) -> None:
    assert subnet(N(base), index, length) is None


def test_subnet_keeps_the_address_family() -> None:
    assert isinstance(subnet(N("10.0.0.0/8"), 1, 16), IPv4Network)
    assert isinstance(subnet(N("2001:db8::/32"), 1, 48), IPv6Network)


@pytest.mark.parametrize(
    ("base", "offset", "expected"),
    [
        ("2001:db8:5410:1000::/64", 11, "2001:db8:5410:1000::b"),
        ("2001:db8:5410:1000::/64", 0, "2001:db8:5410:1000::"),
        ("2001:db8:5400:11::/127", 1, "2001:db8:5400:11::1"),
        ("10.54.17.0/24", 11, "10.54.17.11"),
        ("10.54.17.0/24", 255, "10.54.17.255"),
        ("10.0.0.0/30", 3, "10.0.0.3"),
    ],
)
def test_address_is_base_plus_offset(base: str, offset: int, expected: str) -> None:
    assert address(N(base), offset) == A(expected)


@pytest.mark.parametrize(
    ("base", "offset"),
    [("10.0.0.0/30", 4), ("10.0.0.0/30", -1), ("2001:db8::/127", 2), ("2001:db8::/64", 1 << 64)],
)
def test_address_out_of_range_is_none(base: str, offset: int) -> None:
    assert address(N(base), offset) is None


# --- the mini inventory, by hand ----------------------------------------------------------------------------------


def test_mini_pools_infrastructure_and_tiers(mini_plan: AddressPlan) -> None:
    assert mini_plan.pools == {"gua": N("2001:db8:5400::/40"), "ipv4": N("10.54.0.0/16")}
    # v6 infrastructure: default length pool + 4, slot 0; ipv4: {block: 20, slot: 0}
    assert mini_plan.infrastructure == {"gua": N("2001:db8:5400::/44"), "ipv4": N("10.54.0.0/20")}
    assert mini_plan.tiers == {
        # default v6 slot = tier index, default length /44
        "agency": {"gua": (N("2001:db8:5420::/44"),), "ipv4": (N("10.54.32.0/19"),)},
        "commune": {"gua": (N("2001:db8:5440::/44"),), "ipv4": (N("10.54.128.0/17"),)},
        "datacenter": {"gua": (N("2001:db8:5410::/44"),), "ipv4": (N("10.54.16.0/20"),)},
        "district": {"gua": (N("2001:db8:5430::/44"),), "ipv4": (N("10.54.64.0/20"),)},
    }


@pytest.mark.parametrize(
    ("site", "gua", "ipv4"),
    [
        ("dc-chinh", "2001:db8:5410::/48", "10.54.16.0/21"),  # id 0
        ("so-tttt", "2001:db8:5420:5000::/52", "10.54.37.0/24"),  # id 5: 10.54.32.0 + 5 * 256
        ("tp-tuy-hoa", "2001:db8:5430:1000::/52", "10.54.65.0/24"),  # id 1
        ("phuong-1", "2001:db8:5440:100::/56", "10.54.128.64/26"),  # id 1
        ("xa-binh-ngoc", "2001:db8:5440:1000::/56", "10.54.132.0/26"),  # id 16: 16 * 64 = 1024
    ],
)
def test_mini_site_blocks(mini_plan: AddressPlan, site: str, gua: str, ipv4: str) -> None:
    blocks = mini_plan.sites[site].blocks
    assert {p: b.prefix for p, b in blocks.items()} == {"gua": N(gua), "ipv4": N(ipv4)}
    assert not any(b.override for b in blocks.values())


def test_mini_vlans_are_the_site_block_s_64_number_index(mini_plan: AddressPlan) -> None:
    vlans = {v.name: v for v in mini_plan.sites["so-tttt"].vlans}
    assert vlans["office"].subnets == {"gua": N("2001:db8:5420:5001::/64"), "ipv4": N("10.54.37.0/25")}
    assert vlans["office"].gateways == {"gua": A("2001:db8:5420:5001::1"), "ipv4": A("10.54.37.1")}
    # mgmt: index 15; IPv4 /28 number 8 = offset 128
    assert vlans["mgmt"].subnets == {"gua": N("2001:db8:5420:500f::/64"), "ipv4": N("10.54.37.128/28")}
    dc = {v.name: v.subnets for v in mini_plan.sites["dc-chinh"].vlans}
    assert dc["dmz"] == {"gua": N("2001:db8:5410:1000::/64"), "ipv4": N("10.54.17.0/24")}
    assert dc["app"] == {"gua": N("2001:db8:5410:2000::/64"), "ipv4": N("10.54.18.0/24")}
    assert dc["mgmt"] == {"gua": N("2001:db8:5410:f00::/64"), "ipv4": N("10.54.16.0/24")}
    commune = {v.name: v.subnets for v in mini_plan.sites["xa-binh-ngoc"].vlans}
    assert commune["office"] == {"gua": N("2001:db8:5440:1001::/64"), "ipv4": N("10.54.132.0/27")}
    assert commune["mgmt"] == {"gua": N("2001:db8:5440:100f::/64"), "ipv4": N("10.54.132.32/28")}


def test_mini_loopbacks_and_management_addresses(mini_plan: AddressPlan) -> None:
    devices = {d.name: d for d in mini_plan.sites["so-tttt"].devices}
    # loopbacks: device index in /64 number 0, and in infra_ipv4 (/28 number 15 = 10.54.37.240/28)
    assert devices["so-tttt-ce1"].loopbacks == {"gua": A("2001:db8:5420:5000::1"), "ipv4": A("10.54.37.241")}
    assert devices["so-tttt-fw1"].loopbacks == {"gua": A("2001:db8:5420:5000::2"), "ipv4": A("10.54.37.242")}
    # management: device index in the management VLAN
    assert devices["so-tttt-ce1"].mgmt == {"gua": A("2001:db8:5420:500f::1"), "ipv4": A("10.54.37.129")}
    assert devices["so-tttt-fw1"].mgmt == {"gua": A("2001:db8:5420:500f::2"), "ipv4": A("10.54.37.130")}
    dc = {d.name: d.loopbacks for d in mini_plan.sites["dc-chinh"].devices}
    assert dc["dc-chinh-core1"] == {"gua": A("2001:db8:5410::3"), "ipv4": A("10.54.23.3")}  # infra /24 number 7


def test_mini_internal_links(mini_plan: AddressPlan) -> None:
    (link,) = mini_plan.sites["phuong-1"].links
    assert (link.name, link.a, link.b) == ("phuong-1-ce1--phuong-1-sw1", "phuong-1-ce1", "phuong-1-sw1")
    # the top /64 of the /56 is reserved, its first /127 used; IPv4: the top /31 of infra_ipv4 10.54.128.112/28
    assert link.reserved == {"gua": N("2001:db8:5440:1ff::/64")}
    assert link.prefixes == {"gua": N("2001:db8:5440:1ff::/127"), "ipv4": N("10.54.128.126/31")}
    assert link.a_addr == {"gua": A("2001:db8:5440:1ff::"), "ipv4": A("10.54.128.126")}
    assert link.b_addr == {"gua": A("2001:db8:5440:1ff::1"), "ipv4": A("10.54.128.127")}
    first, second = mini_plan.sites["dc-chinh"].links
    assert first.reserved["gua"] == N("2001:db8:5410:ffff::/64")
    assert second.reserved["gua"] == N("2001:db8:5410:fffe::/64")
    assert first.prefixes["ipv4"] == N("10.54.23.254/31")
    assert second.prefixes["ipv4"] == N("10.54.23.252/31")


def test_mini_circuits(mini_plan: AddressPlan) -> None:
    c3 = mini_plan.circuits[3]
    assert (c3.a, c3.b, c3.site) == ("so-tttt-ce1", "gw-phu-yen-1", "so-tttt")
    assert c3.reserved == {"gua": N("2001:db8:5400:3::/64")}
    assert c3.prefixes == {"gua": N("2001:db8:5400:3::/127"), "ipv4": N("10.54.0.6/31")}


def test_circuit_17_is_64_number_17_of_the_infrastructure_block(mini: Files, load_inventory: Loader) -> None:
    mini["sites.yaml"]["circuits"].append(
        {
            "id": 17,
            "a": {"site": "xa-binh-ngoc", "device": "ce1"},
            "gateway": "gw-phu-yen-1",
            "access": "cap2",
            "bandwidth_mbps": 100,
            "route": "R17",
        }
    )
    c = plan_of(load_inventory, mini).circuits[17]
    assert c.reserved == {"gua": N("2001:db8:5400:11::/64")}  # 17 = 0x11
    assert c.prefixes == {"gua": N("2001:db8:5400:11::/127"), "ipv4": N("10.54.0.34/31")}
    assert (c.a, c.b) == ("xa-binh-ngoc-ce1", "gw-phu-yen-1")
    # the gateway takes the lower address, the province's device (CE) the upper
    assert c.b_addr == {"gua": A("2001:db8:5400:11::"), "ipv4": A("10.54.0.34")}
    assert c.a_addr == {"gua": A("2001:db8:5400:11::1"), "ipv4": A("10.54.0.35")}


def test_circuit_id_beyond_the_ipv4_infrastructure_block(mini: Files, load_inventory: Loader) -> None:
    mini["sites.yaml"]["circuits"][3]["id"] = 2048  # 10.54.0.0/20 holds 2048 /31s: 0..2047
    problem = only(plan_error(load_inventory, mini).problems)
    assert problem.path == "circuits[3].id"
    assert problem.found == "circuit id 2048"
    assert "pool ipv4 infrastructure block 10.54.0.0/20 holds 2048 links of /31" in problem.expected


def test_hosts_are_their_id_inside_the_vlan_of_their_zone(mini_plan: AddressPlan) -> None:
    hosts = {n: (h.vlan, h.addresses) for n, h in mini_plan.hosts.items()}
    assert hosts == {
        "portal-web-01": ("dmz", {"gua": A("2001:db8:5410:1000::b"), "ipv4": A("10.54.17.11")}),
        "soc-log-01": ("app", {"gua": A("2001:db8:5410:2000::c"), "ipv4": A("10.54.18.12")}),
        "ntp-01": ("dmz", {"gua": A("2001:db8:5410:1000::d"), "ipv4": A("10.54.17.13")}),
    }


def test_host_id_at_the_top_of_the_vlan(mini: Files, load_inventory: Loader) -> None:
    mini["dc.yaml"]["hosts"][2]["id"] = 254
    host = plan_of(load_inventory, mini).hosts["ntp-01"]
    assert host.addresses == {"gua": A("2001:db8:5410:1000::fe"), "ipv4": A("10.54.17.254")}


@pytest.mark.parametrize("host_id", [255, 300])
def test_host_id_too_big_for_the_vlan(mini: Files, load_inventory: Loader, host_id: int) -> None:
    mini["dc.yaml"]["hosts"][2]["id"] = host_id
    problem = only(plan_error(load_inventory, mini).problems)
    assert Path(problem.file or "").name == "dc.yaml"
    assert problem.path == "hosts[2].id"
    assert problem.found == f"host id {host_id}"
    assert "10.54.17.0/24" in problem.expected
    assert "at most 254" in problem.expected


def test_commune_109(mini: Files, load_inventory: Loader) -> None:
    mini["sites.yaml"]["sites"].append(
        {
            "name": "xa-109",
            "label": "Xã Một Trăm Lẻ Chín",
            "id": 109,
            "tier": "commune",
            "parent": "tp-tuy-hoa",
            "profile": "commune",
        }
    )
    site = plan_of(load_inventory, mini).sites["xa-109"]
    assert site.blocks["gua"].prefix == N("2001:db8:5440:6d00::/56")
    assert site.blocks["ipv4"].prefix == N("10.54.155.64/26")
    assert site.links[0].reserved["gua"] == N("2001:db8:5440:6dff::/64")


def test_vlan_index_0x10_of_agency_5(mini: Files, load_inventory: Loader) -> None:
    site_entry(mini, "so-tttt")["vlans"] = [{"name": "video", "id": 16, "index": 0x10, "role": "video"}]
    vlans = {v.name: v for v in plan_of(load_inventory, mini).sites["so-tttt"].vlans}
    assert vlans["video"].subnets == {"gua": N("2001:db8:5420:5010::/64")}  # no ipv4: an IPv6-only VLAN
    assert vlans["video"].gateways == {"gua": A("2001:db8:5420:5010::1")}
    assert [v.name for v in vlans.values()] == ["office", "mgmt", "video"]  # by index: 1, 15, 16


def test_ipv4_only_vlan_has_no_ipv6_subnet(mini: Files, load_inventory: Loader) -> None:
    site_entry(mini, "so-tttt")["vlans"] = [
        {"name": "legacy", "id": 30, "index": 3, "ipv6": False, "ipv4": {"prefix": 27, "index": 5}}
    ]
    vlans = {v.name: v for v in plan_of(load_inventory, mini).sites["so-tttt"].vlans}
    assert vlans["legacy"].subnets == {"ipv4": N("10.54.37.160/27")}  # offset 5 * 32


def test_vlan_index_at_the_top_of_a_small_site_block(mini: Files, load_inventory: Loader) -> None:
    site_entry(mini, "phuong-1")["vlans"] = [{"name": "cam", "id": 20, "index": 0xFE, "role": "camera"}]
    vlans = {v.name: v for v in plan_of(load_inventory, mini).sites["phuong-1"].vlans}
    assert vlans["cam"].subnets == {"gua": N("2001:db8:5440:1fe::/64")}


def test_vlan_index_beyond_a_small_site_block(mini: Files, load_inventory: Loader) -> None:
    site_entry(mini, "phuong-1")["vlans"] = [{"name": "cam", "id": 20, "index": 256, "role": "camera"}]
    problem = only(plan_error(load_inventory, mini).problems)
    assert Path(problem.file or "").name == "sites.yaml"
    assert problem.path.startswith(f"sites[{site_index(mini, 'phuong-1')}]")
    assert problem.found == "VLAN 'cam' at /64 number 256, outside site block 2001:db8:5440:100::/56"


def test_vlan_on_the_link_64_is_refused(mini: Files, load_inventory: Loader) -> None:
    # the commune profile's ce1--sw1 link reserves the top /64 (number 255) of each /56
    site_entry(mini, "phuong-1")["vlans"] = [{"name": "cam", "id": 20, "index": 255, "role": "camera"}]
    problem = only(plan_error(load_inventory, mini).problems)
    assert problem.path.startswith(f"sites[{site_index(mini, 'phuong-1')}]")
    assert "/64 number 255" in problem.found


def profile_entry(files: Files, name: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(p for p in files["profiles.yaml"]["profiles"] if p["name"] == name)
    return entry


def test_link_with_an_explicit_index(mini: Files, load_inventory: Loader) -> None:
    profile_entry(mini, "commune")["links"] = [{"a": "ce1", "b": "sw1", "index": 200}]
    (link,) = plan_of(load_inventory, mini).sites["phuong-1"].links
    assert link.reserved == {"gua": N("2001:db8:5440:1c8::/64")}  # 200 = 0xc8
    assert link.prefixes["gua"] == N("2001:db8:5440:1c8::/127")


@pytest.mark.parametrize(
    ("links", "found"),
    [
        # an explicit index equal to the computed one of another link (the top /64, number 255)
        ([{"a": "ce1", "b": "sw1"}, {"a": "ce1", "b": "sw2", "index": 255}], "which is also link ce1--sw1's"),
        ([{"a": "ce1", "b": "sw1", "index": 9}, {"a": "ce1", "b": "sw2", "index": 9}], "which is also link ce1--sw1's"),
        ([{"a": "ce1", "b": "sw1", "index": 15}], "which is also a VLAN's"),  # mgmt is /64 number 15
    ],
)
def test_links_sharing_a_64_are_refused(
    mini: Files, load_inventory: Loader, links: list[dict[str, Any]], found: str
) -> None:
    profile = profile_entry(mini, "commune")
    profile["devices"].append({"name": "sw2", "index": 3, "role": "access"})
    profile["links"] = links
    problems = plan_error(load_inventory, mini).problems
    assert {p.path for p in problems} == {f"sites[{site_index(mini, s)}].profile" for s in ("phuong-1", "xa-binh-ngoc")}
    assert all(found in p.found for p in problems)


def test_link_on_the_loopback_64_of_a_64_site_is_refused(mini: Files, load_inventory: Loader) -> None:
    mini["province.yaml"]["tiers"][3]["addressing"]["gua"]["site"] = 64  # nibble-aligned, but one /64 per site
    profile_entry(mini, "commune")["vlans"] = []
    problems = plan_error(load_inventory, mini).problems
    assert len(problems) == 2  # phuong-1 and xa-binh-ngoc
    assert all(p.found == "link ce1--sw1 on /64 number 0, which is also the loopbacks'" for p in problems)


def test_site_vlan_ipv4_overlapping_another_vlan_is_refused(mini: Files, load_inventory: Loader) -> None:
    # commune office is the /27 at offset 0 of the /26; a /28 at offset 16 lies inside it
    site_entry(mini, "phuong-1")["vlans"] = [{"name": "cam", "id": 20, "index": 2, "ipv4": {"prefix": 28, "index": 1}}]
    problem = only(problems_of(load_inventory, mini))
    assert problem.path == f"sites[{site_index(mini, 'phuong-1')}].vlans[0].ipv4"
    assert problem.found == "the IPv4 subnet of VLAN 'cam' overlapping that of VLAN 'office'"


@pytest.mark.parametrize(("prefix", "index"), [(28, 3), (30, 12), (26, 0)])
def test_site_vlan_ipv4_overlapping_infra_ipv4_is_refused(
    mini: Files, load_inventory: Loader, prefix: int, index: int
) -> None:
    # commune infra_ipv4 is the /28 at offset 48 of the /26 (loopbacks and /31 links)
    vlans = [{"name": "cam", "id": 20, "index": 2, "ipv4": {"prefix": prefix, "index": index}}]
    site_entry(mini, "phuong-1")["vlans"] = vlans
    problem = only(problems_of(load_inventory, mini))
    assert problem.path == f"sites[{site_index(mini, 'phuong-1')}].vlans[0].ipv4"
    assert "the IPv4 subnet of VLAN 'cam' overlapping" in problem.found


def test_site_vlan_ipv4_in_free_space_is_planned(mini: Files, load_inventory: Loader) -> None:
    # offsets 0-31 office, 32-47 mgmt, 48-63 infra: nothing free in a /26; use the agency /24 instead
    site_entry(mini, "so-tttt")["vlans"] = [{"name": "cam", "id": 20, "index": 2, "ipv4": {"prefix": 28, "index": 9}}]
    vlans = {v.name: v.subnets for v in plan_of(load_inventory, mini).sites["so-tttt"].vlans}
    assert vlans["cam"] == {"gua": N("2001:db8:5420:5002::/64"), "ipv4": N("10.54.37.144/28")}


# --- exhaustion ---------------------------------------------------------------------------------------------------


def add_commune(files: Files, site_id: int, name: str | None = None) -> str:
    name = name or f"xa-{site_id}"
    files["sites.yaml"]["sites"].append(
        {
            "name": name,
            "label": f"Xã {site_id}",
            "id": site_id,
            "tier": "commune",
            "parent": "tp-tuy-hoa",
            "profile": "commune",
        }
    )
    return name


def test_last_commune_that_fits_ipv4(mini: Files, load_inventory: Loader) -> None:
    add_commune(mini, 511)
    site = plan_of(load_inventory, mini).sites["xa-511"]
    assert site.blocks["ipv4"].prefix == N("10.54.255.192/26")
    assert site.blocks["gua"].prefix == N("2001:db8:5441:ff00::/56")


def test_exhausted_ipv4_names_pool_size_and_demand(mini: Files, load_inventory: Loader) -> None:
    add_commune(mini, 512)  # 10.54.128.0/17 holds 512 /26s: ids 0..511
    err = plan_error(load_inventory, mini)
    problem = only(err.problems)
    assert str(err) == "the address plan has 1 problem"
    assert Path(problem.file or "").name == "province.yaml"
    assert problem.path == "tiers[3].addressing.ipv4"
    assert problem.found == "demand for 3 sites of /26 in tier 'commune', 1 with ids >= 512 (xa-512)"
    assert problem.expected == (
        "ids below 512: pool ipv4 10.54.0.0/16 gives tier 'commune' 1 block(s) of /17 = 512 sites of /26; "
        "add slots or use a larger pool"
    )
    # located at the commune tier's ipv4 carving (the only "block: 17" of the file)
    assert (problem.line, problem.column) == position(dump_yaml(mini["province.yaml"]), "block: 17")


def test_exhausted_gua_and_ipv4(mini: Files, load_inventory: Loader) -> None:
    for site_id in (4096, 5000, 7000, 9999):
        add_commune(mini, site_id)
    problems = {p.path: p for p in plan_error(load_inventory, mini).problems}
    assert set(problems) == {"tiers[3].addressing.gua", "tiers[3].addressing.ipv4"}
    gua = problems["tiers[3].addressing.gua"]
    assert (
        gua.found == "demand for 6 sites of /56 in tier 'commune', 4 with ids >= 4096 (xa-4096, xa-5000, xa-7000 ...)"
    )
    assert gua.expected.startswith(
        "ids below 4096: pool gua 2001:db8:5400::/40 gives tier 'commune' 1 block(s) of /44 = 4096 sites of /56"
    )
    assert "4 with ids >= 512" in problems["tiers[3].addressing.ipv4"].found


def test_a_second_slot_makes_room(mini: Files, load_inventory: Loader) -> None:
    commune = mini["province.yaml"]["tiers"][3]
    commune["addressing"]["gua"]["slots"] = [4, 5]
    add_commune(mini, 4096 + 3)
    mini["province.yaml"]["tiers"][3]["addressing"]["ipv4"] = {"block": 17, "slots": [1], "site": 30}
    mini["profiles.yaml"]["profiles"][0]["vlans"] = [{"name": "office", "id": 10, "index": 1}]
    mini["profiles.yaml"]["profiles"][0]["infra_ipv4"] = {"prefix": 30, "index": 0}
    mini["profiles.yaml"]["profiles"][0]["links"] = []
    plan = plan_of(load_inventory, mini)
    assert plan.tiers["commune"]["gua"] == (N("2001:db8:5440::/44"), N("2001:db8:5450::/44"))
    assert plan.sites["xa-4099"].blocks["gua"].prefix == N("2001:db8:5450:300::/56")
    assert plan.sites["phuong-1"].blocks["gua"].prefix == N("2001:db8:5440:100::/56")  # did not move


# --- overrides ---------------------------------------------------------------------------------------------------


def without_digest(plan: AddressPlan) -> dict[str, Any]:
    data = plan.to_dict()
    del data["inventory_sha256"]
    return data


def test_override_is_used_verbatim_and_moves_nobody(
    mini: Files, load_inventory: Loader, mini_plan: AddressPlan
) -> None:
    site_entry(mini, "so-tttt")["prefixes"] = {"gua": "2001:db8:54ff:100::/56", "ipv4": "10.54.250.0/24"}
    plan = plan_of(load_inventory, mini)
    site = plan.sites["so-tttt"]
    assert site.blocks["gua"].prefix == N("2001:db8:54ff:100::/56")
    assert site.blocks["ipv4"].prefix == N("10.54.250.0/24")
    assert all(b.override for b in site.blocks.values())
    assert plan.to_dict()["sites"]["so-tttt"]["overrides"] == ["gua", "ipv4"]
    vlans = {v.name: v.subnets for v in site.vlans}
    assert vlans["office"] == {"gua": N("2001:db8:54ff:101::/64"), "ipv4": N("10.54.250.0/25")}
    loopbacks = {d.name: d.loopbacks for d in site.devices}
    assert loopbacks["so-tttt-ce1"] == {"gua": A("2001:db8:54ff:100::1"), "ipv4": A("10.54.250.241")}
    before, after = without_digest(mini_plan), without_digest(plan)
    del before["sites"]["so-tttt"], after["sites"]["so-tttt"]
    assert after == before


def test_override_of_one_pool_keeps_the_other_computed(mini: Files, load_inventory: Loader) -> None:
    site_entry(mini, "xa-binh-ngoc")["prefixes"] = {"ipv4": "10.54.200.0/26"}
    site = plan_of(load_inventory, mini).sites["xa-binh-ngoc"]
    assert site.blocks["ipv4"].prefix == N("10.54.200.0/26")
    assert site.blocks["ipv4"].override
    assert site.blocks["gua"].prefix == N("2001:db8:5440:1000::/56")
    assert not site.blocks["gua"].override


def _override_problem(mini: Files, load_inventory: Loader, site: str, prefix: str) -> Problem:
    site_entry(mini, site)["prefixes"] = {"gua": prefix}
    problems = problems_of(load_inventory, mini)
    index = site_index(mini, site)
    located = [p for p in problems if p.path == f"sites[{index}].prefixes.gua"]
    assert located, [str(p) for p in problems]
    problem = located[0]
    line, column = position(dump_yaml(mini["sites.yaml"]), prefix)
    assert Path(problem.file or "").name == "sites.yaml"
    assert (problem.line, problem.column) == (line, column)
    return problem


def test_override_outside_the_pool(mini: Files, load_inventory: Loader) -> None:
    problem = _override_problem(mini, load_inventory, "so-tttt", "2001:db8:5500::/52")
    assert problem.found == "2001:db8:5500::/52, outside pool gua 2001:db8:5400::/40"
    assert problem.expected == "a prefix inside 2001:db8:5400::/40"


def test_override_not_nibble_aligned(mini: Files, load_inventory: Loader) -> None:
    problem = _override_problem(mini, load_inventory, "so-tttt", "2001:db8:54ff:400::/54")
    assert "nibble" in problem.expected


@pytest.mark.parametrize(
    ("site", "prefix", "other"),
    [
        ("phuong-1", "2001:db8:5440:1000::/56", "xa-binh-ngoc"),  # the override is written before the other site
        ("xa-binh-ngoc", "2001:db8:5440:100::/56", "phuong-1"),  # ... and after it
        ("xa-binh-ngoc", "2001:db8:5440::/52", "phuong-1"),  # a wider block covering the other site
    ],
)
def test_override_overlapping_another_site(
    mini: Files, load_inventory: Loader, site: str, prefix: str, other: str
) -> None:
    problem = _override_problem(mini, load_inventory, site, prefix)
    assert f"site '{site}'" in problem.found
    assert f"site '{other}'" in problem.found
    assert "overlapping" in problem.found


def test_override_overlapping_the_infrastructure_block(mini: Files, load_inventory: Loader) -> None:
    problem = _override_problem(mini, load_inventory, "so-tttt", "2001:db8:5400:100::/56")
    assert "overlapping 2001:db8:5400::/44 of the infrastructure block" in problem.found


def test_override_in_a_tier_block_where_no_site_is(mini: Files, load_inventory: Loader) -> None:
    site_entry(mini, "phuong-1")["prefixes"] = {"gua": "2001:db8:5440:200::/56"}  # commune number 2: free
    plan = plan_of(load_inventory, mini)
    assert plan.sites["phuong-1"].blocks["gua"].prefix == N("2001:db8:5440:200::/56")
    assert plan.sites["xa-binh-ngoc"].blocks["gua"].prefix == N("2001:db8:5440:1000::/56")


# --- ULA ---------------------------------------------------------------------------------------------------------


def test_ula_pool(mini: Files, load_inventory: Loader) -> None:
    province = mini["province.yaml"]
    province["addressing"]["ula"] = "fd54:1234:5678::/48"
    province["addressing"]["infrastructure"]["ula"] = {"slot": 0}  # default length /52
    tiers = {t["name"]: t for t in province["tiers"]}
    tiers["agency"]["addressing"]["ula"] = {"site": 56}  # /52 number 2 (the tier index)
    tiers["commune"]["addressing"]["ula"] = {"slots": [4, 5], "site": 56}  # 2 x 16 communes
    plan = plan_of(load_inventory, mini)
    assert plan.pools["ula"] == N("fd54:1234:5678::/48")
    assert plan.infrastructure["ula"] == N("fd54:1234:5678::/52")
    assert plan.tiers["agency"]["ula"] == (N("fd54:1234:5678:2000::/52"),)
    assert plan.tiers["commune"]["ula"] == (N("fd54:1234:5678:4000::/52"), N("fd54:1234:5678:5000::/52"))
    assert "ula" not in plan.tiers["datacenter"]

    agency = plan.sites["so-tttt"]
    assert agency.blocks["ula"].prefix == N("fd54:1234:5678:2500::/56")  # id 5
    vlans = {v.name: v.subnets for v in agency.vlans}
    # the same /64 number in every IPv6 pool
    assert vlans["office"]["ula"] == N("fd54:1234:5678:2501::/64")
    assert vlans["office"]["gua"] == N("2001:db8:5420:5001::/64")
    assert vlans["mgmt"]["ula"] == N("fd54:1234:5678:250f::/64")
    ce1 = next(d for d in agency.devices if d.name == "so-tttt-ce1")
    assert ce1.loopbacks["ula"] == A("fd54:1234:5678:2500::1")
    assert ce1.mgmt["ula"] == A("fd54:1234:5678:250f::1")

    # commune 16 is the first of the second slot
    assert plan.sites["phuong-1"].blocks["ula"].prefix == N("fd54:1234:5678:4100::/56")
    assert plan.sites["xa-binh-ngoc"].blocks["ula"].prefix == N("fd54:1234:5678:5000::/56")
    assert plan.sites["xa-binh-ngoc"].links[0].reserved["ula"] == N("fd54:1234:5678:50ff::/64")
    assert "ula" not in plan.sites["dc-chinh"].blocks
    assert plan.circuits[3].prefixes["ula"] == N("fd54:1234:5678:3::/127")
    # GUA is untouched by adding ULA
    assert agency.blocks["gua"].prefix == N("2001:db8:5420:5000::/52")


def test_ula_carving_without_a_ula_pool_is_refused(mini: Files, load_inventory: Loader) -> None:
    mini["province.yaml"]["tiers"][1]["addressing"]["ula"] = {"site": 56}
    problem = only(problems_of(load_inventory, mini))
    assert problem.path == "tiers[1].addressing.ula"


# --- determinism and golden plans ----------------------------------------------------------------------------------


def test_plan_is_a_pure_function_of_the_inventory(mini_dir: Path) -> None:
    first = to_json(make_plan(load(mini_dir)))
    second = to_json(make_plan(load(mini_dir)))
    assert first == second


def test_golden_plan_mini(mini_dir: Path, golden: Callable[[str, str], None]) -> None:
    golden("plan/mini.json", to_json(make_plan(load(mini_dir))))


def test_golden_plan_phu_yen(golden: Callable[[str, str], None]) -> None:
    golden("plan/phu-yen.json", to_json(make_plan(load(ROOT / "inventory"))))


def test_vlan_declared_on_the_site_that_does_not_fit_is_located_there(
    load_inventory: Loader, mini: dict[str, dict[str, Any]]
) -> None:
    site = next(s for s in mini["sites.yaml"]["sites"] if s["name"] == "phuong-1")
    site["vlans"] = [{"name": "iot", "id": 60, "index": 0x100}]  # a /56 holds /64 numbers 0..0xff only
    err = plan_error(load_inventory, mini)
    (problem,) = err.problems
    assert problem.file is not None
    assert problem.file.endswith("sites.yaml")
    assert problem.path.endswith(".vlans[0].index")
    assert "VLAN 'iot' at /64 number 256, outside site block 2001:db8:5440:100::/56" in problem.found
