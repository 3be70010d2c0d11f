"""Loading the inventory: inheritance (site > profile > defaults), NFC labels, digest, single-file inventories."""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import InventoryFiles, dump_yaml

from infra.errors import InventoryError
from infra.inventory import Inventory, load
from infra.plan import make_plan

Files = dict[str, dict[str, Any]]
Loader = Callable[[InventoryFiles], Inventory]


def site_entry(files: Files, name: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(s for s in files["sites.yaml"]["sites"] if s["name"] == name)
    return entry


def profile_entry(files: Files, name: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(p for p in files["profiles.yaml"]["profiles"] if p["name"] == name)
    return entry


# --- devices ------------------------------------------------------------------------------------------------------


def test_site_device_change_keeps_profile_index_and_role(mini_dir: Path) -> None:
    inv = load(mini_dir)
    ce1 = inv.devices["xa-binh-ngoc-ce1"]  # sites.yaml: {name: ce1, platform: juniper_junos, model: SRX300}
    assert (ce1.short, ce1.site, ce1.index, ce1.role) == ("ce1", "xa-binh-ngoc", 1, "ce")
    assert (ce1.platform, ce1.model) == ("juniper_junos", "SRX300")
    sw1 = inv.devices["xa-binh-ngoc-sw1"]  # untouched: profile values, platform from defaults
    assert (sw1.index, sw1.role, sw1.platform, sw1.model) == (2, "access", "cisco_ios", None)
    other = inv.devices["phuong-1-ce1"]  # the same profile device at another site is not changed
    assert (other.platform, other.model) == ("cisco_ios", None)


def test_site_device_change_of_one_field_keeps_the_others(mini: Files, load_inventory: Loader) -> None:
    profile_entry(mini, "commune")["devices"][0].update({"platform": "huawei_vrp", "model": "AR651"})
    site_entry(mini, "xa-binh-ngoc")["devices"] = [{"name": "ce1", "model": "AR6120"}]
    inv = load_inventory(mini)
    ce1 = inv.devices["xa-binh-ngoc-ce1"]
    assert (ce1.index, ce1.role, ce1.platform, ce1.model) == (1, "ce", "huawei_vrp", "AR6120")
    assert inv.devices["phuong-1-ce1"].model == "AR651"


def test_site_can_renumber_a_profile_device(mini: Files, load_inventory: Loader) -> None:
    site_entry(mini, "phuong-1")["devices"] = [{"name": "sw1", "index": 7}]
    inv = load_inventory(mini)
    assert inv.devices["phuong-1-sw1"].index == 7
    assert inv.devices["phuong-1-sw1"].role == "access"
    loopbacks = {d.name: d.loopbacks for d in make_plan(inv).sites["phuong-1"].devices}
    assert str(loopbacks["phuong-1-sw1"]["gua"]) == "2001:db8:5440:100::7"


def test_new_site_device_is_added(mini: Files, load_inventory: Loader) -> None:
    site_entry(mini, "xa-binh-ngoc")["devices"].append({"name": "cam1", "index": 5, "role": "access"})
    inv = load_inventory(mini)
    cam = inv.devices["xa-binh-ngoc-cam1"]
    assert (cam.short, cam.index, cam.role, cam.platform, cam.model) == ("cam1", 5, "access", "cisco_ios", None)
    assert [d.short for d in inv.sites["xa-binh-ngoc"].devices] == ["ce1", "sw1", "cam1"]  # by index
    assert "phuong-1-cam1" not in inv.devices
    plan = make_plan(inv)
    loopbacks = {d.name: d.loopbacks for d in plan.sites["xa-binh-ngoc"].devices}
    assert str(loopbacks["xa-binh-ngoc-cam1"]["gua"]) == "2001:db8:5440:1000::5"
    assert str(loopbacks["xa-binh-ngoc-cam1"]["ipv4"]) == "10.54.132.53"  # infra_ipv4 10.54.132.48/28 + 5


@pytest.mark.parametrize("change", [{"name": "cam1", "index": 5}, {"name": "cam1", "role": "access"}])
def test_new_site_device_needs_index_and_role(mini: Files, load_inventory: Loader, change: dict[str, Any]) -> None:
    site_entry(mini, "xa-binh-ngoc")["devices"].append(change)
    with pytest.raises(InventoryError) as err:
        load_inventory(mini)
    (problem,) = err.value.problems
    assert problem.path == "sites[4].devices[1].name"
    assert "'cam1', which is not a device of profile 'commune'" in problem.found
    assert "a new device with index and role" in problem.expected


def test_defaults_platform_is_used_when_the_profile_device_has_none(mini: Files, load_inventory: Loader) -> None:
    profile_entry(mini, "agency")["devices"][1]["platform"] = "arista_eos"
    inv = load_inventory(mini)
    assert inv.devices["so-tttt-ce1"].platform == "cisco_ios"  # defaults.platform
    assert inv.devices["so-tttt-fw1"].platform == "arista_eos"  # the profile's own
    assert inv.devices["tp-tuy-hoa-fw1"].platform == "arista_eos"


def test_without_defaults_the_platform_is_frr(mini: Files, load_inventory: Loader) -> None:
    del mini["province.yaml"]["defaults"]
    inv = load_inventory(mini)
    assert inv.devices["so-tttt-ce1"].platform == "frr"
    assert inv.devices["xa-binh-ngoc-ce1"].platform == "juniper_junos"
    assert all(v == () for s in inv.sites.values() for v in s.endpoints.values())


# --- endpoints ----------------------------------------------------------------------------------------------------


def test_endpoints_are_inherited_kind_by_kind(mini: Files, load_inventory: Loader) -> None:
    mini["dc.yaml"]["endpoints"] += [
        {"name": "ntp-2", "kind": "ntp", "address": {"ipv4": "10.54.17.14"}},
        {"name": "dns-1", "kind": "dns", "address": {"ipv6": "2001:db8:5410:1000::35"}},
    ]
    mini["province.yaml"]["defaults"]["endpoints"]["dns"] = ["dns-1"]
    profile_entry(mini, "commune")["endpoints"] = {"ntp": ["ntp-2"]}
    site_entry(mini, "phuong-1")["endpoints"] = {"syslog": []}
    site_entry(mini, "xa-binh-ngoc")["endpoints"] = {"ntp": ["ntp-1", "ntp-2"]}
    inv = load_inventory(mini)

    assert inv.sites["phuong-1"].endpoints == {
        "syslog": (),  # an empty list at the site: none
        "ntp": ("ntp-2",),  # from the profile
        "dns": ("dns-1",),  # from the defaults
        "aaa": (),  # nowhere
        "snmp_manager": (),
    }
    assert inv.sites["xa-binh-ngoc"].endpoints == {
        "syslog": ("soc-log-1",),
        "ntp": ("ntp-1", "ntp-2"),  # the site's list, in its order, replaces the profile's
        "dns": ("dns-1",),
        "aaa": (),
        "snmp_manager": (),
    }
    assert inv.sites["so-tttt"].endpoints["ntp"] == ("ntp-1",)  # agency profile has none: defaults
    assert inv.sites["so-tttt"].endpoints["syslog"] == ("soc-log-1",)


def test_profile_empty_list_means_none_even_with_defaults(mini: Files, load_inventory: Loader) -> None:
    profile_entry(mini, "agency")["endpoints"] = {"syslog": []}
    inv = load_inventory(mini)
    assert inv.sites["so-tttt"].endpoints["syslog"] == ()
    assert inv.sites["so-tttt"].endpoints["ntp"] == ("ntp-1",)
    assert inv.sites["phuong-1"].endpoints["syslog"] == ("soc-log-1",)


def test_endpoint_of_the_wrong_kind_is_refused(mini: Files, load_inventory: Loader) -> None:
    site_entry(mini, "phuong-1")["endpoints"] = {"ntp": ["soc-log-1"]}
    with pytest.raises(InventoryError) as err:
        load_inventory(mini)
    (problem,) = err.value.problems
    assert problem.path == "sites[3].endpoints.ntp[0]"
    assert problem.found == "'soc-log-1', an endpoint of kind syslog"


# --- VLANs --------------------------------------------------------------------------------------------------------


def test_vlans_merge_by_name(mini: Files, load_inventory: Loader) -> None:
    site_entry(mini, "xa-binh-ngoc")["vlans"] = [
        {"name": "mgmt", "id": 98, "index": 14},  # changes id and index; role and ipv4 stay the profile's
        {"name": "cam", "id": 30, "index": 3, "role": "camera"},  # a new VLAN
    ]
    inv = load_inventory(mini)
    vlans = {v.name: v for v in inv.sites["xa-binh-ngoc"].vlans}
    assert [v.name for v in inv.sites["xa-binh-ngoc"].vlans] == ["office", "cam", "mgmt"]  # by index 1, 3, 14
    assert (vlans["mgmt"].id, vlans["mgmt"].index, vlans["mgmt"].role) == (98, 14, "management")
    assert vlans["mgmt"].ipv4 is not None
    assert (vlans["mgmt"].ipv4.prefix, vlans["mgmt"].ipv4.index) == (28, 2)
    assert (vlans["cam"].id, vlans["cam"].role, vlans["cam"].ipv4) == (30, "camera", None)
    assert vlans["office"] == next(v for v in inv.profiles["commune"].vlans if v.name == "office")
    assert [v.name for v in inv.sites["phuong-1"].vlans] == ["office", "mgmt"]  # other sites keep the profile's
    assert next(v for v in inv.sites["phuong-1"].vlans if v.name == "mgmt").id == 99

    site = make_plan(inv).sites["xa-binh-ngoc"]
    subnets = {v.name: {p: str(n) for p, n in v.subnets.items()} for v in site.vlans}
    assert subnets["mgmt"] == {"gua": "2001:db8:5440:100e::/64", "ipv4": "10.54.132.32/28"}
    assert subnets["cam"] == {"gua": "2001:db8:5440:1003::/64"}
    mgmt = {d.name: {p: str(a) for p, a in d.mgmt.items()} for d in site.devices}
    assert mgmt["xa-binh-ngoc-ce1"] == {"gua": "2001:db8:5440:100e::1", "ipv4": "10.54.132.33"}


def test_site_vlan_may_change_the_ipv4_subnet_and_role(mini: Files, load_inventory: Loader) -> None:
    site_entry(mini, "so-tttt")["vlans"] = [
        {"name": "office", "id": 10, "index": 1, "role": "wifi", "ipv4": {"prefix": 26, "index": 0}},
    ]
    inv = load_inventory(mini)
    office = next(v for v in inv.sites["so-tttt"].vlans if v.name == "office")
    assert office.role == "wifi"
    assert office.ipv4 is not None
    assert (office.ipv4.prefix, office.ipv4.index) == (26, 0)
    assert next(v for v in inv.sites["tp-tuy-hoa"].vlans if v.name == "office").role == "lan"


def test_site_vlan_index_repeating_a_profile_vlan_index_is_refused(mini: Files, load_inventory: Loader) -> None:
    site_entry(mini, "phuong-1")["vlans"] = [{"name": "cam", "id": 30, "index": 15}]  # mgmt has index 15
    with pytest.raises(InventoryError) as err:
        load_inventory(mini)
    (problem,) = err.value.problems
    assert problem.path == "sites[3].vlans"
    assert problem.found == "VLAN index 15 2 times"


# --- Vietnamese text ------------------------------------------------------------------------------------------------


def test_labels_are_normalised_to_nfc(mini: Files, load_inventory: Loader) -> None:
    nfc = "Xã Hòa Kiến"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc  # the test writes decomposed text, as some editors do
    site_entry(mini, "xa-binh-ngoc")["label"] = nfd
    mini["province.yaml"]["province"]["name"] = unicodedata.normalize("NFD", "Phú Yên")
    mini["province.yaml"]["tiers"][3]["label"] = unicodedata.normalize("NFD", "Cấp xã")
    inv = load_inventory(mini)
    assert inv.sites["xa-binh-ngoc"].spec.label == nfc
    assert inv.province.name == "Phú Yên"
    assert inv.tiers["commune"].label == "Cấp xã"
    assert make_plan(inv).province == "Phú Yên"


def test_nfd_and_nfc_labels_are_the_same_label(mini: Files, load_inventory: Loader) -> None:
    site_entry(mini, "phuong-1")["label"] = "Xã Bình Ngọc"
    site_entry(mini, "xa-binh-ngoc")["label"] = unicodedata.normalize("NFD", "Xã Bình Ngọc")
    with pytest.raises(InventoryError) as err:
        load_inventory(mini)
    (problem,) = err.value.problems
    assert problem.path.startswith("sites[4]")
    assert "Xã Bình Ngọc" in problem.found


# --- digest -------------------------------------------------------------------------------------------------------


def test_digest_is_stable_and_follows_the_bytes(mini_dir: Path, tmp_path: Path) -> None:
    reference = load(mini_dir).digest
    assert re.fullmatch(r"[0-9a-f]{64}", reference)
    copy = tmp_path / "copy"
    shutil.copytree(mini_dir, copy)
    assert load(copy).digest == reference  # the same bytes elsewhere: the same digest
    assert load(copy).digest == reference

    sites = copy / "sites.yaml"
    original = sites.read_bytes()
    sites.write_bytes(original + b"# a comment changes the bytes\n")
    changed = load(copy).digest
    assert changed != reference
    assert make_plan(load(copy)).digest == changed

    sites.write_bytes(original)
    assert load(copy).digest == reference

    (copy / "sites.yaml").rename(copy / "sites-2023.yaml")  # names are part of the digest
    assert load(copy).digest != reference


def test_digest_changes_when_a_file_is_added(mini_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(mini_dir, copy)
    before = load(copy).digest
    (copy / "more.yaml").write_text(
        dump_yaml({"gateways": [{"name": "gw-2", "label": "Cổng 2", "asn": 64601, "operator": "VNPT"}]}),
        encoding="utf-8",
    )
    after = load(copy)
    assert after.digest != before
    assert "gw-2" in after.gateways


# --- one file -----------------------------------------------------------------------------------------------------


def test_single_file_inventory(mini: Files, mini_dir: Path, tmp_path: Path) -> None:
    merged: dict[str, Any] = {}
    for data in mini.values():
        for section, value in data.items():
            if isinstance(value, list):
                merged.setdefault(section, []).extend(value)
            else:
                assert section not in merged
                merged[section] = value
    path = tmp_path / "phu-yen.yaml"
    path.write_text(dump_yaml(merged), encoding="utf-8")
    inv = load(path)
    assert len(inv.files) == 1
    assert inv.files[0].endswith("phu-yen.yaml")
    directory = load(mini_dir)
    assert set(inv.sites) == set(directory.sites)
    assert set(inv.hosts) == set(directory.hosts)
    assert inv.devices.keys() == directory.devices.keys()
    one, many = make_plan(inv).to_dict(), make_plan(directory).to_dict()
    assert one.pop("inventory_sha256") != many.pop("inventory_sha256")
    assert one == many
