"""Static checks across devices, and their JUnit and Markdown reports.

Facts are built by hand from real intents (the mini inventory), then one thing is broken at a time.
"""

from __future__ import annotations

import dataclasses
import re
import sys
import types
import xml.etree.ElementTree as ET
from collections.abc import Callable
from ipaddress import IPv4Interface, IPv6Interface, ip_interface
from pathlib import Path
from typing import Any

import pytest
from conftest import MINI, InventoryFiles

from infra.inventory import Inventory, load
from infra.plan import make_plan
from infra.render.build import build_intents
from infra.render.checks import CHECKS, Finding, collect_facts, device_files, run_checks
from infra.render.facts import DeviceFacts, InterfaceFacts
from infra.render.intent import DeviceIntent, Interface
from infra.render.report import junit_xml, markdown_summary

ROOT = Path(__file__).resolve().parent.parent
EDGE1, EDGE2, CORE1 = "dc-chinh-edge1", "dc-chinh-edge2", "dc-chinh-core1"
AGENCY = "so-tttt-ce1"

Intents = dict[str, DeviceIntent]
Facts = dict[str, DeviceFacts]


def intents_of(inv: Inventory) -> Intents:
    return build_intents(inv, make_plan(inv))


def interface_facts(i: Interface) -> InterfaceFacts:
    area = i.ospf_area if i.ospf else None
    return InterfaceFacts(
        i.name,
        ipv4=[IPv4Interface(a.cidr) for a in i.ipv4],
        ipv6=[IPv6Interface(a.cidr) for a in i.ipv6],
        mtu=i.mtu,
        ospf_area=area,
        ospf6_area=area,
        filter_v4=i.filter_v4,
        filter_v6=i.filter_v6,
        ra_suppressed=i.ra_suppress,
    )


def facts_of(intents: Intents) -> Facts:
    """What a faithful template set and parser would report: the intent, read back."""
    return {
        name: DeviceFacts(intent.hostname, {i.name: interface_facts(i) for i in intent.interfaces})
        for name, intent in intents.items()
    }


def first(intents: Intents, device: str, kind: str) -> Interface:
    return next(i for i in intents[device].interfaces if i.kind == kind)


def by_kind(intents: Intents, device: str, kind: str) -> list[Interface]:
    return [i for i in intents[device].interfaces if i.kind == kind]


@pytest.fixture(scope="module")
def intents() -> Intents:
    return intents_of(load(MINI))


@pytest.fixture
def facts(intents: Intents) -> Facts:
    return facts_of(intents)


@pytest.fixture
def link(intents: Intents) -> tuple[Interface, Interface]:
    """The edge1 end and the core1 end of the link between them."""
    edge = first(intents, EDGE1, "link")
    assert edge.peer == CORE1
    core = intents[CORE1].interface(edge.peer_interface)
    assert core.peer == EDGE1
    assert core.peer_interface == edge.name
    return edge, core


def only(findings: list[Finding]) -> Finding:
    assert len(findings) == 1, findings
    return findings[0]


# --- the good case ---------------------------------------------------------------------------------


def test_faithful_facts_have_no_findings(intents: Intents, facts: Facts) -> None:
    assert by_kind(intents, EDGE1, "wan")
    assert by_kind(intents, EDGE1, "link")
    assert run_checks(intents, facts) == []


def test_the_sample_inventory_read_back_faithfully_has_no_findings() -> None:
    sample = intents_of(load(ROOT / "inventory"))
    assert run_checks(sample, facts_of(sample)) == []


# --- duplicate-address -----------------------------------------------------------------------------


def test_an_address_used_twice_is_one_finding_naming_both_places(intents: Intents, facts: Facts) -> None:
    loop = first(intents, EDGE1, "loopback")
    theirs = first(intents, AGENCY, "loopback")
    facts[AGENCY].interfaces[theirs.name].ipv4.append(IPv4Interface(loop.ipv4[0].cidr))
    found = only(run_checks(intents, facts))
    assert (found.check, found.device, found.interface, found.severity) == (
        "duplicate-address",
        AGENCY,  # the second use, in device order
        theirs.name,
        "error",
    )
    assert loop.ipv4[0].ip in found.message
    assert f"{EDGE1} {loop.name}" in found.message
    assert f"{AGENCY} {theirs.name}" in found.message


def test_ipv6_duplicates_are_compared_as_addresses_not_text(intents: Intents, facts: Facts) -> None:
    loop = first(intents, EDGE1, "loopback")
    exploded = ip_interface(loop.ipv6[0].cidr).exploded  # 2001:0db8:…, another spelling of the same address
    assert exploded != loop.ipv6[0].cidr
    theirs = first(intents, AGENCY, "loopback")
    facts[AGENCY].interfaces[theirs.name].ipv6.append(IPv6Interface(exploded))
    assert only(run_checks(intents, facts)).check == "duplicate-address"


def test_three_uses_are_two_findings_each_naming_every_place(intents: Intents, facts: Facts) -> None:
    loop = first(intents, EDGE1, "loopback")
    address = IPv4Interface(loop.ipv4[0].cidr)
    for device in (AGENCY, "tp-tuy-hoa-ce1"):
        facts[device].interfaces[first(intents, device, "loopback").name].ipv4.append(address)
    found = run_checks(intents, facts)
    assert [(f.check, f.device) for f in found] == [
        ("duplicate-address", AGENCY),
        ("duplicate-address", "tp-tuy-hoa-ce1"),
    ]
    for f in found:
        assert all(device in f.message for device in (EDGE1, AGENCY, "tp-tuy-hoa-ce1"))


def test_an_address_listed_twice_on_one_interface_is_one_use(intents: Intents, facts: Facts) -> None:
    loop = first(intents, EDGE1, "loopback")
    facts[EDGE1].interfaces[loop.name].ipv4.append(IPv4Interface(loop.ipv4[0].cidr))
    assert run_checks(intents, facts) == []


# --- link-subnet -----------------------------------------------------------------------------------


def test_a_link_end_moved_to_another_127_is_one_finding_naming_both_ends(
    intents: Intents, facts: Facts, link: tuple[Interface, Interface]
) -> None:
    edge, core = link
    moved = IPv6Interface(edge.ipv6[0].cidr)
    facts[EDGE1].interfaces[edge.name].ipv6 = [IPv6Interface(f"{moved.ip + 2}/127")]
    found = only(run_checks(intents, facts))
    assert found.check == "link-subnet"
    assert (found.device, found.interface) == (CORE1, core.name)  # a link is filed under its first end
    assert f"{EDGE1} {edge.name}" in found.message
    assert f"{CORE1} {core.name}" in found.message
    assert str(moved.ip + 2) in found.message
    assert "/127" in found.message


def test_a_link_end_moved_to_another_31_is_a_finding(
    intents: Intents, facts: Facts, link: tuple[Interface, Interface]
) -> None:
    edge, _ = link
    ours = IPv4Interface(edge.ipv4[0].cidr)
    facts[EDGE1].interfaces[edge.name].ipv4 = [IPv4Interface(f"{ours.ip + 2}/31")]
    found = only(run_checks(intents, facts))
    assert found.check == "link-subnet"
    assert "/31" in found.message


def test_a_link_address_with_the_wrong_prefix_length_is_a_finding(
    intents: Intents, facts: Facts, link: tuple[Interface, Interface]
) -> None:
    edge, _ = link
    ours = IPv6Interface(edge.ipv6[0].cidr)
    facts[EDGE1].interfaces[edge.name].ipv6 = [IPv6Interface(f"{ours.ip}/64")]
    found = run_checks(intents, facts)
    assert {f.check for f in found} == {"link-subnet"}
    assert any(f"{ours.ip}/64" in f.message and "expected a /127" in f.message for f in found)


def test_both_link_ends_on_one_address_are_caught(
    intents: Intents, facts: Facts, link: tuple[Interface, Interface]
) -> None:
    edge, core = link
    facts[EDGE1].interfaces[edge.name].ipv4 = [IPv4Interface(core.ipv4[0].cidr)]
    found = run_checks(intents, facts)
    assert sorted(f.check for f in found) == ["duplicate-address", "link-subnet"]
    assert "expected two different addresses" in next(f.message for f in found if f.check == "link-subnet")


def test_a_link_end_without_its_ipv4_address_is_a_finding(
    intents: Intents, facts: Facts, link: tuple[Interface, Interface]
) -> None:
    edge, _ = link
    facts[EDGE1].interfaces[edge.name].ipv4 = []
    found = only(run_checks(intents, facts))
    assert found.check == "link-subnet"
    assert edge.ipv4[0].cidr in found.message


def test_each_ipv6_prefix_of_a_link_is_checked_on_its_own(
    intents: Intents, facts: Facts, link: tuple[Interface, Interface]
) -> None:
    edge, core = link
    facts[EDGE1].interfaces[edge.name].ipv6.append(IPv6Interface("fd54::/127"))
    facts[CORE1].interfaces[core.name].ipv6.append(IPv6Interface("fd54::1/127"))
    assert run_checks(intents, facts) == []  # a GUA and a ULA pair, each in its /127
    facts[CORE1].interfaces[core.name].ipv6[-1] = IPv6Interface("fd54::3/127")
    found = only(run_checks(intents, facts))
    assert found.check == "link-subnet"
    assert "fd54::3/127" in found.message


# --- link-mtu and link-area ------------------------------------------------------------------------


def test_one_link_end_with_another_mtu_is_one_finding(
    intents: Intents, facts: Facts, link: tuple[Interface, Interface]
) -> None:
    edge, core = link
    facts[EDGE1].interfaces[edge.name].mtu = 9000
    found = only(run_checks(intents, facts))
    assert found.check == "link-mtu"
    assert "9000" in found.message
    assert "1500" in found.message
    assert f"{EDGE1} {edge.name}" in found.message
    assert f"{CORE1} {core.name}" in found.message


def test_an_unset_mtu_is_1500(intents: Intents, facts: Facts, link: tuple[Interface, Interface]) -> None:
    edge, core = link
    assert core.mtu == 1500
    facts[EDGE1].interfaces[edge.name].mtu = None
    assert run_checks(intents, facts) == []


def test_one_link_end_in_another_ospfv2_area_is_one_finding(
    intents: Intents, facts: Facts, link: tuple[Interface, Interface]
) -> None:
    edge, _ = link
    facts[EDGE1].interfaces[edge.name].ospf_area = "0.0.0.1"
    found = only(run_checks(intents, facts))
    assert found.check == "link-area"
    assert "OSPFv2" in found.message
    assert "0.0.0.1" in found.message


def test_one_link_end_in_another_ospfv3_area_is_one_finding(
    intents: Intents, facts: Facts, link: tuple[Interface, Interface]
) -> None:
    edge, _ = link
    facts[EDGE1].interfaces[edge.name].ospf6_area = "0.0.0.2"
    found = only(run_checks(intents, facts))
    assert found.check == "link-area"
    assert "OSPFv3" in found.message


def test_an_area_written_as_a_number_is_the_dotted_area(
    intents: Intents, facts: Facts, link: tuple[Interface, Interface]
) -> None:
    edge, _ = link
    facts[EDGE1].interfaces[edge.name].ospf_area = "0"
    assert run_checks(intents, facts) == []


def test_a_link_end_left_out_of_ospf_is_a_finding(
    intents: Intents, facts: Facts, link: tuple[Interface, Interface]
) -> None:
    edge, _ = link
    facts[EDGE1].interfaces[edge.name].ospf6_area = None
    found = only(run_checks(intents, facts))
    assert found.check == "link-area"
    assert "not in OSPFv3" in found.message


# --- filter-parity and wan-ra ----------------------------------------------------------------------


def test_a_wan_interface_without_its_ipv6_filter_is_one_finding(intents: Intents, facts: Facts) -> None:
    wan = first(intents, EDGE1, "wan")
    assert wan.filter_v4
    assert wan.filter_v6
    facts[EDGE1].interfaces[wan.name].filter_v6 = None
    found = only(run_checks(intents, facts))
    assert (found.check, found.device, found.interface) == ("filter-parity", EDGE1, wan.name)
    assert "NET-16" in found.message


def test_a_wan_interface_without_any_filter_is_a_finding(intents: Intents, facts: Facts) -> None:
    wan = first(intents, EDGE1, "wan")
    facts[EDGE1].interfaces[wan.name].filter_v4 = None
    facts[EDGE1].interfaces[wan.name].filter_v6 = None
    assert only(run_checks(intents, facts)).check == "filter-parity"  # parity alone would let this pass


def test_a_dual_stack_interface_filtering_one_family_is_a_finding(intents: Intents, facts: Facts) -> None:
    vlan = first(intents, CORE1, "vlan")
    assert vlan.ipv4
    assert vlan.ipv6
    facts[CORE1].interfaces[vlan.name].filter_v4 = "SERVERS-IN"
    found = only(run_checks(intents, facts))
    assert found.check == "filter-parity"
    assert "SERVERS-IN" in found.message
    assert "not IPv6" in found.message
    facts[CORE1].interfaces[vlan.name].filter_v6 = "SERVERS-IN-V6"
    assert run_checks(intents, facts) == []


def test_a_single_stack_interface_may_filter_its_one_family(intents: Intents, facts: Facts) -> None:
    vlan = first(intents, CORE1, "vlan")
    facts[CORE1].interfaces[vlan.name].ipv6 = []
    facts[CORE1].interfaces[vlan.name].filter_v4 = "SERVERS-IN"
    assert run_checks(intents, facts) == []


def test_a_wan_interface_sending_router_advertisements_is_one_finding(intents: Intents, facts: Facts) -> None:
    wan = first(intents, EDGE1, "wan")
    facts[EDGE1].interfaces[wan.name].ra_suppressed = False
    found = only(run_checks(intents, facts))
    assert (found.check, found.device, found.interface) == ("wan-ra", EDGE1, wan.name)
    assert "NET-12" in found.message


def test_router_advertisements_on_a_lan_are_not_a_wan_finding(intents: Intents, facts: Facts) -> None:
    vlan = first(intents, CORE1, "vlan")
    facts[CORE1].interfaces[vlan.name].ra_suppressed = False
    assert run_checks(intents, facts) == []


# --- missing-interface -----------------------------------------------------------------------------


def test_a_dropped_link_interface_is_one_finding(
    intents: Intents, facts: Facts, link: tuple[Interface, Interface]
) -> None:
    edge, _ = link
    del facts[EDGE1].interfaces[edge.name]
    found = only(run_checks(intents, facts))  # the link's other checks need both ends: no noise from them
    assert (found.check, found.device, found.interface) == ("missing-interface", EDGE1, edge.name)


def test_a_dropped_wan_interface_is_one_finding(intents: Intents, facts: Facts) -> None:
    wan = first(intents, EDGE1, "wan")
    del facts[EDGE1].interfaces[wan.name]
    found = only(run_checks(intents, facts))
    assert (found.check, found.device, found.interface) == ("missing-interface", EDGE1, wan.name)


def test_a_junos_unit_0_is_its_port(intents: Intents, facts: Facts) -> None:
    wan = first(intents, EDGE1, "wan")
    facts[EDGE1].interfaces[f"{wan.name}.0"] = facts[EDGE1].interfaces.pop(wan.name)
    assert run_checks(intents, facts) == []


def test_findings_come_in_report_order(intents: Intents, facts: Facts, link: tuple[Interface, Interface]) -> None:
    edge, _ = link
    wan = first(intents, EDGE2, "wan")
    facts[EDGE2].interfaces[wan.name].ra_suppressed = False
    facts[EDGE1].interfaces[edge.name].mtu = 9000
    facts[EDGE1].interfaces[first(intents, EDGE1, "wan").name].ra_suppressed = False
    found = run_checks(intents, facts)
    assert [(f.check, f.device) for f in found] == [("link-mtu", CORE1), ("wan-ra", EDGE1), ("wan-ra", EDGE2)]
    assert run_checks(intents, dict(reversed(facts.items()))) == found


# --- through the inventory -------------------------------------------------------------------------


def with_site_device(mini: dict[str, dict[str, Any]], **change: object) -> InventoryFiles:
    for site in mini["sites.yaml"]["sites"]:
        if site["name"] == "dc-chinh":
            site["devices"] = [{"name": "edge1", **change}]
    return mini


def test_a_device_mtu_in_the_inventory_is_a_link_mtu_finding(
    mini: dict[str, dict[str, Any]], load_inventory: Callable[[InventoryFiles], Inventory]
) -> None:
    changed = intents_of(load_inventory(with_site_device(mini, mtu=9000)))
    edge = first(changed, EDGE1, "link")
    assert edge.mtu == 9000
    assert changed[CORE1].interface(edge.peer_interface).mtu == 1500
    found = only(run_checks(changed, facts_of(changed)))
    assert found.check == "link-mtu"
    assert EDGE1 in found.message
    assert CORE1 in found.message


def test_a_device_ospf_area_in_the_inventory_is_a_link_area_finding(
    mini: dict[str, dict[str, Any]], load_inventory: Callable[[InventoryFiles], Inventory]
) -> None:
    changed = intents_of(load_inventory(with_site_device(mini, ospf_area=1)))
    edge = first(changed, EDGE1, "link")
    assert edge.ospf_area == "0.0.0.1"
    assert changed[CORE1].interface(edge.peer_interface).ospf_area == "0.0.0.0"
    found = run_checks(changed, facts_of(changed))
    assert [f.check for f in found] == ["link-area", "link-area"]
    assert "OSPFv2" in found[0].message
    assert "OSPFv3" in found[1].message


# --- collect_facts ---------------------------------------------------------------------------------


def test_device_files_groups_rendered_files_by_device_and_suffix() -> None:
    grouped = device_files({"configs/a-1.cfg": "x", "configs/a-1.nft": "y", "configs/b.cfg": "z", "README": "-"})
    assert grouped == {"a-1": {"cfg": "x", "nft": "y"}, "b": {"cfg": "z"}}


@pytest.fixture
def fake_parsers(monkeypatch: pytest.MonkeyPatch, intents: Intents) -> dict[str, dict[str, str]]:
    """A parser for cisco_ios that reads the device name from its cfg file; one for juniper_junos that fails.

    Returns what each parser was given, by device.
    """
    seen: dict[str, dict[str, str]] = {}
    good = facts_of(intents)

    def read(files: dict[str, str]) -> DeviceFacts:
        seen[files["cfg"]] = files
        return good[files["cfg"]]

    def fail(files: dict[str, str]) -> DeviceFacts:
        raise ValueError("line 3: unexpected 'interfaces {'")

    for platform, parse in (("cisco_ios", read), ("juniper_junos", fail)):
        module = types.ModuleType(f"infra.render.facts.{platform}")
        module.parse = parse  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, module.__name__, module)
    return seen


def test_collect_facts_reads_each_device_and_reports_those_it_cannot(
    intents: Intents, fake_parsers: dict[str, dict[str, str]]
) -> None:
    assert intents["xa-binh-ngoc-ce1"].platform == "juniper_junos"
    mixed = dict(intents)
    mixed[AGENCY] = dataclasses.replace(intents[AGENCY], platform="no_such_platform")
    files = {f"configs/{name}.cfg": name for name in mixed if name != EDGE2}
    files[f"configs/{CORE1}.nft"] = "table inet filter {}"
    facts, unparsed = collect_facts(mixed, files)
    assert fake_parsers[CORE1] == {"cfg": CORE1, "nft": "table inet filter {}"}
    why = {f.device: f.message for f in unparsed}
    assert sorted(why) == sorted([EDGE2, AGENCY, "xa-binh-ngoc-ce1"])
    assert all(f.check == "unparsed" and f.interface == "" for f in unparsed)
    assert "no rendered files" in why[EDGE2]
    assert "no facts parser for platform 'no_such_platform'" in why[AGENCY]
    assert "ValueError" in why["xa-binh-ngoc-ce1"]
    assert "line 3" in why["xa-binh-ngoc-ce1"]
    assert set(facts) == set(intents) - set(why)
    assert run_checks(mixed, facts) == []  # links with an unread end are not checked, not reported twice


# --- JUnit XML -------------------------------------------------------------------------------------


def test_junit_has_one_case_per_failing_check_and_device_and_one_passing_case_per_check() -> None:
    findings = [
        Finding("link-mtu", "a", "Gi0/1", "MTU 9000 at a Gi0/1, 1500 at b Gi0/2; expected the same"),
        Finding("link-mtu", "a", "Gi0/3", "MTU 9000 at a Gi0/3, 1500 at c Gi0/2; expected the same"),
        Finding("wan-ra", "b", "Gi0/0", 'sends RAs <& "quoted" >'),
    ]
    text = junit_xml(findings, devices=["a", "b", "c"], checks=list(CHECKS), inventory_sha="ab" * 32)
    root = ET.fromstring(text)
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    # 8 checks, each passed by some device, plus (link-mtu, a) and (wan-ra, b)
    assert len(cases) == len(CHECKS) + 2 == 10
    for element in (root, suite):
        assert (element.get("tests"), element.get("failures")) == ("10", "2")
    failed = {(c.get("classname"), c.get("name")): c.find("failure") for c in cases if c.find("failure") is not None}
    assert set(failed) == {("link-mtu", "a"), ("wan-ra", "b")}
    mtu = failed["link-mtu", "a"]
    assert mtu is not None
    assert "Gi0/1" in (mtu.get("message") or "")
    assert "Gi0/3" in (mtu.get("message") or "")
    ra = failed["wan-ra", "b"]
    assert ra is not None
    assert 'sends RAs <& "quoted" >' in (ra.get("message") or "")
    passing = {c.get("classname"): c.get("name") for c in cases if c.find("failure") is None}
    assert passing["link-mtu"] == "2 devices pass"
    assert passing["duplicate-address"] == "3 devices pass"
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props == {"inventory_sha256": "ab" * 32}


def test_junit_omits_the_passing_case_when_every_device_fails_and_stays_small() -> None:
    devices = [f"d{i}" for i in range(16_000)]
    findings = [Finding("unparsed", d, "", "no parser") for d in devices[:2]]
    text = junit_xml(findings, devices=devices, checks=["unparsed", "wan-ra"])
    suite = ET.fromstring(text).find("testsuite")
    assert suite is not None
    assert [(c.get("classname"), c.get("name")) for c in suite.findall("testcase")] == [
        ("unparsed", "d0"),
        ("unparsed", "d1"),
        ("unparsed", "15998 devices pass"),
        ("wan-ra", "16000 devices pass"),
    ]
    assert len(text) < 2_000
    all_fail = ET.fromstring(junit_xml(findings, devices=devices[:2], checks=["unparsed"])).find("testsuite")
    assert all_fail is not None
    assert [c.get("name") for c in all_fail.findall("testcase")] == ["d0", "d1"]
    assert all_fail.find("properties") is None


# --- Markdown --------------------------------------------------------------------------------------


def table_rows(text: str, header: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(header) + 2
    rows: list[str] = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        rows.append(line)
    return rows


def unescaped_pipes(row: str) -> int:
    return len(re.findall(r"(?<!\\)\|", row))


FINDINGS_HEADER = "| Check | Device | Interface | Message |"


def test_markdown_passes_with_a_check_mark() -> None:
    text = markdown_summary(findings=[], diff_summary=None, inventory_sha="f" * 64, base=None, devices=["a"])
    assert text.splitlines()[2].startswith("✅")
    assert "❌" not in text
    assert FINDINGS_HEADER not in text
    assert "Changes" not in text


def test_markdown_escapes_pipes_and_truncates_at_50() -> None:
    findings = [Finding("wan-ra", f"dev-{i:02}", "ge|0", f"found a|b {i}; expected c") for i in range(60)]
    text = markdown_summary(findings=findings, diff_summary=None, inventory_sha="f" * 64, base="main")
    assert "❌" in text.splitlines()[2]
    assert "60 findings on 60 devices" in text
    assert "`main`" in text
    rows = table_rows(text, FINDINGS_HEADER)
    assert len(rows) == 50
    assert all(unescaped_pipes(r) == 5 for r in rows)
    assert "ge\\|0" in rows[0]
    assert "found a\\|b 0" in rows[0]
    assert "dev-49" in rows[-1]
    assert "dev-50" not in text
    assert "…and 10 more findings" in text
    check_rows = table_rows(text, "| Check | Devices passing | Devices failing | Findings |")
    assert len(check_rows) == len(CHECKS)
    assert "| ❌ `wan-ra` | — | 60 | 60 |" in check_rows


def test_markdown_lists_changes_and_warns_about_changed_site_prefixes() -> None:
    diff: dict[str, object] = {
        "devices_changed": [f"ce-{i}" for i in range(12)],
        "devices_added": ["new-1"],
        "devices_removed": [],
        "sites_prefixes_changed": ["xa-a", "xa-b"],
        "files_changed": 14,
    }
    text = markdown_summary(findings=[], diff_summary=diff, inventory_sha="f" * 64, base="origin/main")
    assert "- files changed: 14" in text
    assert "- devices changed: 12: ce-0, " in text
    assert "ce-9 …and 2 more" in text
    assert "ce-10" not in text
    assert "- devices added: 1: new-1" in text
    assert "- devices removed: 0\n" in text
    assert "prefixes changed at sites: xa-a, xa-b — normally none" in text
    quiet = markdown_summary(
        findings=[], diff_summary={**diff, "sites_prefixes_changed": []}, inventory_sha="f" * 64, base=None
    )
    assert "prefixes changed" not in quiet
    assert "files changed: 14" in quiet
