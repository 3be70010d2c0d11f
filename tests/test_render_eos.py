"""Arista EOS configurations: every device of both samples renders, parses into the planned hierarchy,
meets the network-device controls, keeps secrets as placeholders; the facts parser reads them back.

Expected values come from the address plan and the inventory (``make_plan``), never from the output.
The samples have no EOS device with a WAN circuit; a copy of the mini inventory makes one (BGP, filters).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Interface, IPv6Interface, ip_interface
from pathlib import Path
from typing import Any

import pytest
from ciscoconfparse2 import CiscoConfParse
from conftest import mini_data, write_files
from ios_style import assert_children, blocks, child_block, children, endpoint_address

from infra import __version__ as version
from infra.errors import Problem
from infra.inventory import Inventory, load
from infra.plan import make_plan
from infra.plan.model import AddressPlan, DevicePlan, SitePlan, VlanPlan
from infra.render import filters as flt
from infra.render.build import build_intents
from infra.render.facts.arista_eos import parse as parse_facts
from infra.render.intent import ICMP_TYPES, DeviceIntent, Filter, Rule
from infra.render.render import render_intents

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = {"phu-yen": ROOT / "inventory", "phu-tho": ROOT / "examples" / "phu-tho-2025"}
PLATFORM = "arista_eos"
SENTINEL = "sentinel-value-5b1e"
LOOPBACK, MGMT_PORT, MGMT_VRF = "Loopback0", "Management1", "MGMT"  # EOS names


@dataclass
class Sample:
    inv: Inventory
    plan: AddressPlan
    intents: dict[str, DeviceIntent]  # this platform's devices
    configs: dict[str, str]  # device -> configuration text
    failures: list[Problem]
    parsed: dict[str, Any] = dataclasses.field(default_factory=dict)  # device -> CiscoConfParse

    def parse(self) -> Sample:
        self.parsed = {
            n: CiscoConfParse(t.splitlines(), syntax="ios", auto_commit=False) for n, t in self.configs.items()
        }
        return self


def render_sample(root: Path, inv: Inventory | None = None) -> Sample:
    inv = inv or load(root)
    plan = make_plan(inv)
    intents = {n: i for n, i in build_intents(inv, plan).items() if i.platform == PLATFORM}
    result = render_intents(intents, inv.digest)
    configs = {n: result.files[f"configs/{n}.cfg"] for n in result.devices}
    return Sample(inv, plan, intents, configs, result.failures)


@pytest.fixture(scope="module")
def samples() -> dict[str, Sample]:
    """Both samples rendered with every secret's environment variable set to a sentinel value."""
    out: dict[str, Sample] = {}
    with pytest.MonkeyPatch.context() as mp:
        for key, root in SAMPLES.items():
            inv = load(root)
            for secret in inv.secrets.values():
                if secret.env:
                    mp.setenv(secret.env, f"{SENTINEL}-{secret.name}")
            out[key] = render_sample(root, inv).parse()
    return out


@pytest.fixture(scope="module")
def mini_eos(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """The mini inventory with two agency CEs on EOS: one with a WAN circuit and ``mtu: 9000``, one without."""
    data = mini_data()
    for site in data["sites.yaml"]["sites"]:
        if site["name"] == "so-tttt":
            site["devices"] = [{"name": "ce1", "platform": PLATFORM, "mtu": 9000}]
        if site["name"] == "tp-tuy-hoa":
            site["devices"] = [{"name": "ce1", "platform": PLATFORM}]
    return render_sample(write_files(tmp_path_factory.mktemp("mini-eos"), data)).parse()


def every_config(samples: dict[str, Sample]) -> Iterable[tuple[Sample, str, str]]:
    for sample in samples.values():
        for name, text in sample.configs.items():
            yield sample, name, text


def every_parsed(samples: dict[str, Sample]) -> Iterable[tuple[Sample, str, Any]]:
    for sample in samples.values():
        for name, conf in sample.parsed.items():
            yield sample, name, conf


# --- structural assertions --------------------------------------------------------------------------------


def planned_lines(addresses: dict[str, Any], prefixes: dict[str, Any]) -> list[str]:
    """EOS address lines of one end of a planned link or VLAN: ``ip address A/L``, ``ipv6 address A/L``."""
    return [
        f"{'ip' if net.version == 4 else 'ipv6'} address {addresses[p]}/{net.prefixlen}"
        for p, net in prefixes.items()
        if p in addresses
    ]


def gateways(sample: Sample, site: SitePlan) -> list[DevicePlan]:
    """The site's devices that route its VLANs, in site order (the plan's gateway devices)."""
    return [d for d in site.devices if d.name in sample.intents and sample.intents[d.name].gateway]


def own_vlan_addresses(vlan: VlanPlan, dev: DevicePlan, routers: list[DevicePlan]) -> dict[str, Any]:
    """A gateway's own address on a VLAN: its management address, the gateway address when it is the only
    gateway, else the subnet's ``network + 2 + k`` for the k-th gateway (the plan's rule)."""
    if vlan.role == "management":
        return dev.mgmt
    if len(routers) == 1:
        return vlan.gateways
    k = [r.name for r in routers].index(dev.name)
    return {p: n.network_address + 2 + k for p, n in vlan.subnets.items()}


# --- rendering -----------------------------------------------------------------------------------------------


def test_every_device_of_both_samples_renders(samples: dict[str, Sample], mini_eos: Sample) -> None:
    for sample in (*samples.values(), mini_eos):
        assert sample.failures == []
        assert set(sample.configs) == set(sample.intents)
    for sample in samples.values():
        assert {i.role for i in sample.intents.values()} == {"core", "access"}
    for sample, name, text in every_config(samples):
        assert text.startswith(f"! hatang {version}: {name}\n! inventory sha256 {sample.inv.digest}\n"), name
        assert re.search(r"^! templates arista_eos [0-9a-f]{12}$", text, re.M)
        assert "generated, do not edit; ${secret:NAME} placeholders are filled at deploy" in text
        assert text.rstrip().endswith("\nend"), name


def test_the_structural_assertion_fails_on_a_missing_child() -> None:
    good = ["interface Ethernet1", "   no switchport", "   ip address 10.0.0.1/31", "   ipv6 address 2001:db8::1/127"]
    expected = ["ip address 10.0.0.1/31", "ipv6 address 2001:db8::1/127"]
    assert_children(CiscoConfParse(good, syntax="ios"), "interface Ethernet1", expected)
    with pytest.raises(AssertionError, match="missing"):
        assert_children(CiscoConfParse(good[:3], syntax="ios"), "interface Ethernet1", expected)
    with pytest.raises(AssertionError, match="expected one"):
        assert_children(CiscoConfParse(good[1:], syntax="ios"), "interface Ethernet1", expected)


# --- the planned hierarchy -----------------------------------------------------------------------------------


def test_loopbacks_links_and_management_ports_carry_the_planned_addresses(samples: dict[str, Sample]) -> None:
    links = 0
    for sample in samples.values():
        roles = {d.name: d.role for s in sample.inv.sites.values() for d in s.devices}
        for site in sample.plan.sites.values():
            mgmt = next((v for v in site.vlans if v.role == "management"), None)
            for dev in site.devices:
                if dev.name not in sample.parsed:
                    continue
                conf = sample.parsed[dev.name]
                loops = [
                    f"{'ip' if a.version == 4 else 'ipv6'} address {a}/{a.max_prefixlen}"
                    for a in dev.loopbacks.values()
                ]
                assert_children(conf, f"interface {LOOPBACK}", loops)
                if mgmt is not None and not sample.intents[dev.name].gateway:
                    lines = planned_lines(dev.mgmt, mgmt.subnets)
                    assert_children(
                        conf, f"interface {MGMT_PORT}", [*lines, f"vrf {MGMT_VRF}", "ipv6 nd ra disabled all"]
                    )
                    gw4 = mgmt.gateways["ipv4"]
                    gw6 = mgmt.gateways.get("gua", mgmt.gateways.get("ula"))
                    assert re.search(
                        rf"^ip route vrf {MGMT_VRF} 0\.0\.0\.0/0 {re.escape(str(gw4))}$", sample.configs[dev.name], re.M
                    )
                    assert re.search(
                        rf"^ipv6 route vrf {MGMT_VRF} ::/0 {re.escape(str(gw6))}$", sample.configs[dev.name], re.M
                    )
            for link in site.links:
                if "access" in (roles[link.a], roles[link.b]):
                    continue  # a trunk
                for end, addresses in ((link.a, link.a_addr), (link.b, link.b_addr)):
                    intent = sample.intents.get(end)
                    if intent is None:
                        continue
                    port = next(i.name for i in intent.interfaces if i.kind == "link" and i.peer in (link.a, link.b))
                    expected = [*planned_lines(addresses, link.prefixes), "no switchport", "ipv6 nd ra disabled all"]
                    expected += ["ip ospf network point-to-point", "ip ospf area 0.0.0.0", "ipv6 ospf 1 area 0.0.0.0"]
                    expected += ["ip ospf authentication message-digest", "ip verify unicast source reachable-via rx"]
                    assert_children(sample.parsed[end], f"interface {port}", expected)
                    links += 1
    assert links >= 40


def test_cores_route_the_vlans_with_vrrp_where_there_are_two(samples: dict[str, Sample]) -> None:
    pairs = 0
    for sample in samples.values():
        for site in sample.plan.sites.values():
            routers = gateways(sample, site)
            for dev in routers:
                conf = sample.parsed[dev.name]
                for vlan in site.vlans:
                    port = f"interface Vlan{vlan.vlan_id}"
                    kids = children(conf, port)
                    own = own_vlan_addresses(vlan, dev, routers)
                    assert set(planned_lines(own, vlan.subnets)) <= set(kids), (dev.name, port)
                    vrrp = [k for k in kids if k.startswith("vrrp ")]
                    if len(routers) == 1:
                        assert vrrp == []
                        continue
                    group = {k.split()[1] for k in vrrp}
                    assert len(group) == 1
                    g = group.pop()
                    vips = [f"vrrp {g} ipv4 {vlan.gateways['ipv4']}"]
                    vips += [f"vrrp {g} ipv6 {a}" for p, a in vlan.gateways.items() if p != "ipv4"]
                    assert set(vips) <= set(vrrp)
                    pairs += 1
    assert pairs >= 30


def test_trunks_carry_every_vlan_and_access_switches_do_not_route(samples: dict[str, Sample]) -> None:
    switches = 0
    for sample in samples.values():
        for site in sample.plan.sites.values():
            allowed = ",".join(str(v.vlan_id) for v in site.vlans)
            for dev in site.devices:
                intent = sample.intents.get(dev.name)
                if intent is None:
                    continue
                conf = sample.parsed[dev.name]
                trunks = [i.name for i in intent.interfaces if i.kind == "trunk"]
                for port in trunks:
                    assert_children(
                        conf, f"interface {port}", ["switchport mode trunk", f"switchport trunk allowed vlan {allowed}"]
                    )
                if intent.role == "access":
                    switches += 1
                    assert trunks
                    for v in site.vlans:
                        assert_children(conf, f"vlan {v.vlan_id}", [f"name {v.name}"])
                    assert not conf.find_objects(r"^(router |ipv6 router |interface Vlan)")
    assert switches >= 80


def test_ospf_is_passive_except_on_the_internal_links(samples: dict[str, Sample]) -> None:
    for sample, name, conf in every_parsed(samples):
        intent = sample.intents[name]
        if intent.role == "access":
            assert not conf.find_objects(r"^(router ospf|ipv6 router ospf)"), name
            continue
        links = sorted(i.name for i in intent.interfaces if i.kind == "link")
        for router in ("router ospf 1", "ipv6 router ospf 1"):
            top = children(conf, router)
            assert "passive-interface default" in top
            assert sorted(line.split()[-1] for line in top if line.startswith("no passive-interface")) == links
            assert f"router-id {intent.loopback_v4}" in top


def test_bgp_wan_and_filters_on_an_eos_ce(mini_eos: Sample) -> None:
    """The planned circuit of the EOS CE: its WAN port's addresses and filters, exactly the planned peers."""
    cid, link = next((c, lk) for c, lk in mini_eos.plan.circuits.items() if lk.a == "so-tttt-ce1")
    intent = mini_eos.intents["so-tttt-ce1"]
    conf = mini_eos.parsed["so-tttt-ce1"]
    port = next(i.name for i in intent.interfaces if i.kind == "wan" and f"circuit {cid} " in i.description)
    expected = [*planned_lines(link.a_addr, link.prefixes), "no switchport", "mtu 9000", "ipv6 nd ra disabled all"]
    expected += [f"ip access-group {flt.WAN_V4} in", f"ipv6 access-group {flt.WAN_V6} in"]
    expected += ["ip verify unicast source reachable-via any"]
    assert_children(conf, f"interface {port}", expected)
    gateway = mini_eos.inv.gateways[mini_eos.inv.circuits[cid].gateway]
    peers = {str(a) for p, a in link.b_addr.items() if p != "ula"}
    router = f"router bgp {mini_eos.inv.province.asn}"
    top = children(conf, router)
    assert "no bgp default ipv4-unicast" in top
    found = {m.group(1): int(m.group(2)) for t in top if (m := re.match(r"neighbor (\S+) remote-as (\d+)$", t))}
    assert found == dict.fromkeys(peers, gateway.asn)
    active4 = {t.split()[1] for t in child_block(conf, router, "address-family ipv4") if t.endswith(" activate")}
    active6 = {t.split()[1] for t in child_block(conf, router, "address-family ipv6") if t.endswith(" activate")}
    assert active4 == {p for p in peers if ":" not in p}
    assert active6 == {p for p in peers if ":" in p}
    blocks4 = [str(b.prefix) for p, b in mini_eos.plan.sites["so-tttt"].blocks.items() if p == "ipv4"]
    assert [f"network {b}" for b in blocks4] == [
        t for t in child_block(conf, router, "address-family ipv4") if t.startswith("network ")
    ]
    for f in intent.filters:
        if f.purpose == "wan-in":
            kind = "ip access-list" if f.family == "ipv4" else "ipv6 access-list"
            entries = [k for k in children(conf, f"{kind} {f.name}") if not k.startswith("remark ")]
            assert len(entries) == len(f.rules)  # every rule translated
            assert re.match(r"deny (ip|ipv6) any any log$", entries[-1])
    for name, conf in mini_eos.parsed.items():
        if name != "so-tttt-ce1":
            assert not conf.find_objects(r"^router bgp"), name


# --- controls ------------------------------------------------------------------------------------------------


def test_net01_net04_net10_management_ssh(samples: dict[str, Sample]) -> None:
    for sample, name, conf in every_parsed(samples):
        vrf = f" vrf {MGMT_VRF}" if sample.intents[name].mgmt_vrf else ""
        ssh = children(conf, "management ssh")
        assert f"ip access-group {flt.MGMT_V4}{vrf} in" in ssh
        assert f"ipv6 access-group {flt.MGMT_V6}{vrf} in" in ssh
        timeout = next(int(k.split()[1]) for k in ssh if k.startswith("idle-timeout "))
        assert 0 < timeout <= 5
        assert any(k.startswith("mac hmac-sha2-") for k in ssh)
        assert children(conf, "management telnet") == ["shutdown"]
        assert any(k.startswith("idle-timeout ") for k in children(conf, "management console"))
        assert children(conf, f"ip access-list standard {flt.MGMT_V4}")[-1] == "deny any log"
        assert children(conf, f"ipv6 access-list standard {flt.MGMT_V6}")[-1] == "deny any log"
    for _, _, text in every_config(samples):
        assert re.search(r"^aaa authentication policy lockout failure [1-5] ", text, re.M)


def test_net02_net03_aaa_and_net05_hashed_credentials(samples: dict[str, Sample]) -> None:
    for sample, name, text in every_config(samples):
        site = sample.inv.sites[sample.intents[name].site]
        servers = re.findall(r"^tacacs-server host (\S+) .*key 0 \$\{secret:tacacs-key\}$", text, re.M)
        assert servers == [endpoint_address(sample.inv, sample.plan, e) for e in site.endpoints["aaa"]]
        assert len(servers) >= 2
        assert re.search(r"^aaa authentication login default group \S+ local$", text, re.M)
        assert re.search(r"^aaa accounting commands all default start-stop group", text, re.M)
        admin = sample.inv.defaults.admin
        assert admin is not None
        users = re.findall(r"^username .*$", text, re.M)
        assert users == [
            f"username {admin.user} privilege 15 role network-admin secret sha512 ${{secret:{admin.secret}}}"
        ]
        assert not re.search(r"^enable password|^username \S+ .*(password|nopassword)", text, re.M)


def test_net06_net07_syslog_and_ntp_to_every_planned_target(samples: dict[str, Sample]) -> None:
    for sample, name, text in every_config(samples):
        intent = sample.intents[name]
        site = sample.inv.sites[intent.site]
        vrf = f" vrf {MGMT_VRF}" if intent.mgmt_vrf else ""
        assert re.search(r"^logging trap (informational|6)$", text, re.M)
        assert re.search(rf"^logging{vrf} source-interface ({LOOPBACK}|{MGMT_PORT}|Vlan\d+)$", text, re.M)
        hosts = re.findall(rf"^logging{vrf} host (\S+)", text, re.M)
        assert hosts == [endpoint_address(sample.inv, sample.plan, e) for e in site.endpoints["syslog"]]
        servers = re.findall(rf"^ntp server{vrf} (\S+)", text, re.M)
        assert servers == [endpoint_address(sample.inv, sample.plan, e) for e in site.endpoints["ntp"]]
        assert len(hosts) >= 2
        assert len(servers) >= 2


def test_net08_snmp_v3_authpriv_only(samples: dict[str, Sample]) -> None:
    user = r"^snmp-server user \S+ NMS-RO v3 auth sha256 \$\{secret:snmp-auth\} priv aes \$\{secret:snmp-priv\}$"
    for _, _, text in every_config(samples):
        assert not re.search(r"^snmp-server community", text, re.M)
        assert re.findall(r"^snmp-server group .*$", text, re.M) == ["snmp-server group NMS-RO v3 priv"]
        assert re.search(user, text, re.M)
        hosts = re.findall(r"^snmp-server host .*$", text, re.M)
        assert hosts
        assert all(re.search(r" version 3 priv \S+$", h) for h in hosts)
        assert re.search(rf"^snmp-server ipv4 access-list {flt.SNMP_V4}\b", text, re.M)
        assert re.search(rf"^snmp-server ipv6 access-list {flt.SNMP_V6}\b", text, re.M)


def test_net09_net12_net16_interfaces(samples: dict[str, Sample]) -> None:
    for sample, name, conf in every_parsed(samples):
        intent = sample.intents[name]
        suppressed = {i.name for i in intent.interfaces if i.kind in ("link", "mgmt", "wan")}
        for line, kids in blocks(conf, r"^interface "):
            port = line.split()[1]
            v6 = any(k.startswith("ipv6 address ") for k in kids)
            if v6 and port in suppressed:
                assert "ipv6 nd ra disabled all" in kids, (name, port)
            v4_filter = any(re.match(r"ip access-group \S+ in$", k) for k in kids)
            v6_filter = any(re.match(r"ipv6 access-group \S+ in$", k) for k in kids)
            if v6 and any(k.startswith("ip address ") for k in kids):
                assert v4_filter == v6_filter, (name, port)
        text = sample.configs[name]
        assert re.search(r"^no ip icmp redirect$", text, re.M)
        assert re.search(r"^ipv6 unicast-routing$", text, re.M)


def test_every_icmp_type_is_spelled(mini_eos: Sample) -> None:
    """IPv4 ICMP types by EOS name, ICMPv6 types by number."""
    eos_names = {
        "unreachable": "unreachable",
        "time-exceeded": "time-exceeded",
        "echo-request": "echo",
        "echo-reply": "echo-reply",
    }
    intent = mini_eos.intents["so-tttt-ce1"]
    rules = {
        family: tuple(
            Rule("permit", "icmp" if family == "ipv4" else "icmpv6", icmp=n, icmp_type=t)
            for n, (f, t) in ICMP_TYPES.items()
            if f == family
        )
        for family in ("ipv4", "ipv6")
    }
    assert {r.icmp for r in rules["ipv4"]} == set(eos_names)
    crafted = (Filter("ICMP-V4", "ipv4", "wan-in", rules["ipv4"]), Filter("ICMP-V6", "ipv6", "wan-in", rules["ipv6"]))
    changed = dataclasses.replace(intent, filters=intent.filters + crafted)
    text = render_intents({intent.name: changed}, "x").files[f"configs/{intent.name}.cfg"]
    conf = CiscoConfParse(text.splitlines(), syntax="ios")
    assert children(conf, "ip access-list ICMP-V4") == [
        f"permit icmp any any {eos_names[r.icmp or '']}" for r in rules["ipv4"]
    ]
    assert children(conf, "ipv6 access-list ICMP-V6") == [
        f"permit icmpv6 any any {ICMP_TYPES[r.icmp or ''][1]}" for r in rules["ipv6"]
    ]


CRAFTED = {
    "ipv4": (
        (Rule("permit", "tcp", "10.1.2.0/31", "192.0.2.0/24", port=22), "permit tcp 10.1.2.0/31 192.0.2.0/24 eq 22"),
        (Rule("permit", "udp", "10.0.0.1", source_port=123), "permit udp host 10.0.0.1 eq 123 any"),
        (Rule("permit", "vrrp", "10.0.0.0/8"), "permit vrrp 10.0.0.0/8 any"),
        (Rule("deny", "ip", "10.9.9.9/32", log=True), "deny ip host 10.9.9.9 any log"),
    ),
    "ipv6": (
        (
            Rule("permit", "tcp", "2001:db8::/32", "2001:db8:1::1/128", port=179),
            "permit tcp 2001:db8::/32 host 2001:db8:1::1 eq 179",
        ),
        (Rule("permit", "ospf"), "permit 89 any any"),
        (Rule("permit", "udp", "2001:db8::5", source_port=547), "permit udp host 2001:db8::5 eq 547 any"),
        (Rule("deny", "ipv6", log=True), "deny ipv6 any any log"),
    ),
}


def test_rules_are_translated_exactly(mini_eos: Sample) -> None:
    intent = mini_eos.intents["so-tttt-ce1"]
    crafted = tuple(Filter(f"T-{f}", f, "wan-in", tuple(r for r, _ in rules)) for f, rules in CRAFTED.items())  # type: ignore[arg-type]
    text = render_intents({intent.name: dataclasses.replace(intent, filters=crafted)}, "x").files[
        f"configs/{intent.name}.cfg"
    ]
    conf = CiscoConfParse(text.splitlines(), syntax="ios")
    assert children(conf, "ip access-list T-ipv4") == [line for _, line in CRAFTED["ipv4"]]
    assert children(conf, "ipv6 access-list T-ipv6") == [line for _, line in CRAFTED["ipv6"]]


def test_secrets_appear_only_as_placeholders(samples: dict[str, Sample]) -> None:
    for sample, name, text in every_config(samples):
        assert SENTINEL not in text, name
        names = set(re.findall(r"\$\{secret:([^}]*)\}", text))
        assert names <= set(sample.inv.secrets) | {"NAME"}
        assert {"tacacs-key", "admin-hash", "snmp-auth", "snmp-priv"} <= names


# --- the facts parser --------------------------------------------------------------------------------------


def test_facts_read_back_planned_addresses(samples: dict[str, Sample]) -> None:
    for sample in samples.values():
        facts = {name: parse_facts({"cfg": text}) for name, text in sample.configs.items()}
        for name, f in facts.items():
            assert f.hostname == name
        for site in sample.plan.sites.values():
            routers = gateways(sample, site)
            for dev in site.devices:
                if dev.name not in facts:
                    continue
                loop = facts[dev.name].interfaces[LOOPBACK]
                planned = [ip_interface(f"{a}/{a.max_prefixlen}") for a in dev.loopbacks.values()]
                assert loop.ipv4 == [a for a in planned if a.version == 4]
                assert loop.ipv6 == [a for a in planned if a.version == 6]
                for vlan in site.vlans if dev in routers else ():
                    svi = facts[dev.name].interfaces[f"Vlan{vlan.vlan_id}"]
                    own = own_vlan_addresses(vlan, dev, routers)
                    nets = vlan.subnets.items()
                    assert svi.ipv4 == [IPv4Interface(f"{own[p]}/{n.prefixlen}") for p, n in nets if n.version == 4]
                    assert svi.ipv6 == [IPv6Interface(f"{own[p]}/{n.prefixlen}") for p, n in nets if n.version == 6]
                    assert svi.ospf_area == svi.ospf6_area == "0.0.0.0"
                    assert svi.mtu == 1500


def test_facts_read_the_filters_and_a_device_mtu_override(mini_eos: Sample) -> None:
    ce = parse_facts({"cfg": mini_eos.configs["so-tttt-ce1"]})
    other = parse_facts({"cfg": mini_eos.configs["tp-tuy-hoa-ce1"]})
    wan = next(i.name for i in mini_eos.intents["so-tttt-ce1"].interfaces if i.kind == "wan")
    assert (ce.interfaces[wan].filter_v4, ce.interfaces[wan].filter_v6) == (flt.WAN_V4, flt.WAN_V6)
    assert ce.interfaces[wan].ra_suppressed
    routed = [i.name for i in mini_eos.intents["so-tttt-ce1"].interfaces if i.kind in ("wan", "vlan")]
    assert len(routed) == 3
    assert {ce.interfaces[n].mtu for n in routed} == {9000}
    assert {i.mtu for i in other.interfaces.values() if i.name.startswith("Vlan")} == {1500}


def test_facts_skip_link_local_and_vrrp_addresses() -> None:
    text = "\n".join(
        [
            "hostname sw1",
            "interface Vlan10",
            "   mtu 9214",
            "   ip address 10.0.0.2/24",
            "   ipv6 address fe80::2/64 link-local",
            "   ipv6 address 2001:db8::2/64",
            "   ipv6 nd ra disabled all",
            "   ip ospf area 5",
            "   ipv6 ospf 1 area 0.0.0.5",
            "   vrrp 10 ipv4 10.0.0.1",
            "   vrrp 10 ipv6 2001:db8::1",
            "   shutdown",
            "!",
            "interface Ethernet1",
            "   switchport mode trunk",
            "!",
            "ip access-list X",
            "   permit ip any any",
            "end",
        ]
    )
    f = parse_facts({"cfg": text})
    v10, e1 = f.interfaces["Vlan10"], f.interfaces["Ethernet1"]
    assert (v10.ipv4, v10.ipv6) == ([IPv4Interface("10.0.0.2/24")], [IPv6Interface("2001:db8::2/64")])
    assert (v10.mtu, v10.ospf_area, v10.ospf6_area, v10.ra_suppressed, v10.shutdown) == (
        9214,
        "0.0.0.5",
        "0.0.0.5",
        True,
        True,
    )
    assert (e1.ipv4, e1.ipv6, e1.mtu, e1.ra_suppressed) == ([], [], None, True)
    assert set(f.interfaces) == {"Vlan10", "Ethernet1"}
