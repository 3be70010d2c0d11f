"""Cisco IOS-XE configurations: every device of both samples renders, parses into the planned hierarchy,
meets the network-device controls, keeps secrets as placeholders; the facts parser reads them back.

Expected values come from the address plan and the inventory (``make_plan``), never from the output.
ciscoconfparse2 takes ~15 ms a configuration: it parses every device of Phú Yên, every router of Phú Thọ
and one access switch in eight there (the rest are the same shape); text-level control checks and the
facts parser read every configuration.
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
from infra.plan.model import AddressPlan, LinkPlan
from infra.render import filters as flt
from infra.render.build import build_intents
from infra.render.facts.cisco_ios import parse as parse_facts
from infra.render.intent import ICMP_TYPES, DeviceIntent, Filter, Rule
from infra.render.render import render_intents

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = {"phu-yen": ROOT / "inventory", "phu-tho": ROOT / "examples" / "phu-tho-2025"}
PLATFORM = "cisco_ios"
SENTINEL = "sentinel-value-7f3a"
LOOPBACK, MGMT_PORT = "Loopback0", "GigabitEthernet0"  # IOS-XE names of the loopback and management port
SWITCH_ROLES = ("access", "oob")
STRIDE = {"phu-yen": 1, "phu-tho": 8}  # ciscoconfparse2 reads one access switch in STRIDE


@dataclass
class Sample:
    inv: Inventory
    plan: AddressPlan
    intents: dict[str, DeviceIntent]  # this platform's devices
    configs: dict[str, str]  # device -> configuration text
    failures: list[Problem]
    parsed: dict[str, Any] = dataclasses.field(default_factory=dict)  # device -> CiscoConfParse

    def parse(self, stride: int) -> Sample:
        """Parse the routers and one access switch in ``stride`` with ciscoconfparse2."""
        switches = sorted(n for n, i in self.intents.items() if i.role == "access")
        chosen = {n for n, i in self.intents.items() if i.role != "access"} | set(switches[::stride])
        self.parsed = {n: CiscoConfParse(self.configs[n].splitlines(), syntax="ios", auto_commit=False) for n in chosen}
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
            out[key] = render_sample(root, inv).parse(STRIDE[key])
    return out


def every_config(samples: dict[str, Sample]) -> Iterable[tuple[Sample, str, str]]:
    for sample in samples.values():
        for name, text in sample.configs.items():
            yield sample, name, text


def every_parsed(samples: dict[str, Sample]) -> Iterable[tuple[Sample, str, Any]]:
    for sample in samples.values():
        for name, conf in sample.parsed.items():
            yield sample, name, conf


def test_ciscoconfparse2_reads_every_router_and_a_share_of_the_switches(samples: dict[str, Sample]) -> None:
    for key, sample in samples.items():
        routers = {n for n, i in sample.intents.items() if i.role != "access"}
        switches = len(sample.intents) - len(routers)
        assert routers <= set(sample.parsed)
        assert len(sample.parsed) - len(routers) >= switches // STRIDE[key] > 10


# --- structural assertions --------------------------------------------------------------------------------


def ios_v4(ip: Any, net: Any) -> str:
    return f"ip address {ip} {net.netmask}"


def ios_v6(ip: Any, net: Any) -> str:
    return f"ipv6 address {ip}/{net.prefixlen}"


def planned_lines(addresses: dict[str, Any], prefixes: dict[str, Any]) -> list[str]:
    """The IOS address lines of one end of a planned link or VLAN: ``ip address A MASK``, ``ipv6 address A/L``."""
    return [
        ios_v4(addresses[p], net) if net.version == 4 else ios_v6(addresses[p], net)
        for p, net in prefixes.items()
        if p in addresses
    ]


def wan_port(intent: DeviceIntent, circuit: int) -> str:
    return next(i.name for i in intent.interfaces if i.kind == "wan" and f"circuit {circuit} " in i.description)


def planned_circuits(sample: Sample) -> Iterable[tuple[int, LinkPlan, DeviceIntent]]:
    for cid, link in sorted(sample.plan.circuits.items()):
        if link.a in sample.intents:
            yield cid, link, sample.intents[link.a]


# --- rendering -----------------------------------------------------------------------------------------------


def test_every_device_of_both_samples_renders(samples: dict[str, Sample]) -> None:
    for sample in samples.values():
        assert sample.failures == []
        assert set(sample.configs) == set(sample.intents)
        assert {i.role for i in sample.intents.values()} >= {"ce", "access", "oob", "wan-edge"}
    for sample, name, text in every_config(samples):
        assert text.startswith(f"! hatang {version}: {name}\n! inventory sha256 {sample.inv.digest}\n"), name
        assert re.search(r"^! templates cisco_ios [0-9a-f]{12}$", text, re.M)
        assert "generated, do not edit; ${secret:NAME} placeholders are filled at deploy" in text
        assert text.rstrip().endswith("\nend"), name


def test_the_structural_assertion_fails_on_a_missing_child() -> None:
    good = ["interface GigabitEthernet0/0/0", " ip address 10.0.0.1 255.255.255.254", " ipv6 address 2001:db8::1/127"]
    expected = ["ip address 10.0.0.1 255.255.255.254", "ipv6 address 2001:db8::1/127"]
    assert_children(CiscoConfParse(good, syntax="ios"), "interface GigabitEthernet0/0/0", expected)
    broken = CiscoConfParse(good[:2], syntax="ios")
    with pytest.raises(AssertionError, match="missing"):
        assert_children(broken, "interface GigabitEthernet0/0/0", expected)
    flat = CiscoConfParse([good[0], good[1].strip(), good[2].strip()], syntax="ios")  # children at top level
    with pytest.raises(AssertionError, match="missing"):
        assert_children(flat, "interface GigabitEthernet0/0/0", expected)


# --- the planned hierarchy -----------------------------------------------------------------------------------


def test_wan_interfaces_carry_the_planned_addresses_and_filters(samples: dict[str, Sample]) -> None:
    seen = 0
    for sample in samples.values():
        for cid, link, intent in planned_circuits(sample):
            expected = planned_lines(link.a_addr, link.prefixes)
            expected += [f"ip access-group {flt.WAN_V4} in", f"ipv6 traffic-filter {flt.WAN_V6} in"]
            expected += ["ipv6 nd ra suppress all", "ip verify unicast source reachable-via any"]
            expected += ["no ip proxy-arp", "no ip redirects", "no ip unreachables", "no cdp enable"]
            assert_children(sample.parsed[link.a], f"interface {wan_port(intent, cid)}", expected)
            seen += 1
    assert seen >= 20


def test_links_loopbacks_and_management_ports_carry_the_planned_addresses(samples: dict[str, Sample]) -> None:
    for sample in samples.values():
        roles = {d.name: d.role for s in sample.inv.sites.values() for d in s.devices}
        for site in sample.plan.sites.values():
            mgmt = next((v for v in site.vlans if v.role == "management"), None)
            for dev in site.devices:
                if dev.name not in sample.parsed:
                    continue
                conf = sample.parsed[dev.name]
                loops = [
                    f"ip address {a} 255.255.255.255" if a.version == 4 else f"ipv6 address {a}/128"
                    for a in dev.loopbacks.values()
                ]
                assert_children(conf, f"interface {LOOPBACK}", loops)
                if mgmt is not None and not sample.intents[dev.name].gateway:
                    lines = planned_lines(dev.mgmt, mgmt.subnets)
                    vrf = sample.intents[dev.name].mgmt_vrf
                    assert_children(conf, f"interface {MGMT_PORT}", [*lines, f"vrf forwarding {vrf}"])
                    assert_children(conf, f"vrf definition {vrf}", ["address-family ipv4", "address-family ipv6"])
            for link in site.links:
                for end, addresses in ((link.a, link.a_addr), (link.b, link.b_addr)):
                    intent = sample.intents.get(end)
                    if end not in sample.parsed or intent is None or "access" in (roles[link.a], roles[link.b]):
                        continue  # a trunk, not a routed link
                    port = next(i.name for i in intent.interfaces if i.kind == "link" and i.peer in (link.a, link.b))
                    expected = [*planned_lines(addresses, link.prefixes), "ipv6 nd ra suppress all"]
                    expected += ["ip ospf network point-to-point", "ip verify unicast source reachable-via rx"]
                    assert_children(sample.parsed[end], f"interface {port}", expected)


def test_bgp_has_exactly_the_planned_neighbours_each_in_its_own_family(samples: dict[str, Sample]) -> None:
    routers = 0
    for sample in samples.values():
        peers: dict[str, dict[str, tuple[int, str | None]]] = {}
        for cid, link, _ in planned_circuits(sample):
            gateway = sample.inv.gateways[sample.inv.circuits[cid].gateway]
            for pool, address in link.b_addr.items():
                if pool != "ula":
                    peers.setdefault(link.a, {})[str(address)] = (gateway.asn, gateway.bgp_secret)
        for device, expected in peers.items():
            routers += 1
            conf = sample.parsed[device]
            top = children(conf, f"router bgp {sample.inv.province.asn}")
            assert "no bgp default ipv4-unicast" in top
            found = {
                m.group(1): int(m.group(2)) for line in top if (m := re.match(r"neighbor (\S+) remote-as (\d+)$", line))
            }
            assert found == {a: asn for a, (asn, _) in expected.items()}
            for peer, (_, secret) in expected.items():
                assert f"neighbor {peer} password ${{secret:{secret}}}" in top
            active4 = {
                line.split()[1]
                for line in child_block(conf, f"router bgp {sample.inv.province.asn}", "address-family ipv4")
                if line.endswith(" activate")
            }
            active6 = {
                line.split()[1]
                for line in child_block(conf, f"router bgp {sample.inv.province.asn}", "address-family ipv6")
                if line.endswith(" activate")
            }
            assert active4 == {a for a in expected if ":" not in a}
            assert active6 == {a for a in expected if ":" in a}
        for name, conf in sample.parsed.items():
            if name not in peers:
                assert not conf.find_objects(r"^router bgp"), name
    assert routers >= 20


def test_ospf_is_passive_except_on_the_internal_links(samples: dict[str, Sample]) -> None:
    for sample, name, conf in every_parsed(samples):
        intent = sample.intents[name]
        if intent.role in SWITCH_ROLES or intent.ospf is None:
            assert not conf.find_objects(r"^router ospf"), name
            continue
        links = sorted(i.name for i in intent.interfaces if i.kind == "link")
        top = children(conf, "router ospf 1")
        assert "passive-interface default" in top
        assert sorted(line.split()[-1] for line in top if line.startswith("no passive-interface")) == links
        assert f"area {intent.ospf.area} authentication message-digest" in top
        v3 = child_block(conf, "router ospfv3 1", "address-family ipv6 unicast")
        assert sorted(line.split()[-1] for line in v3 if line.startswith("no passive-interface")) == links


def test_switches_carry_vlans_on_trunks_and_do_not_route(samples: dict[str, Sample]) -> None:
    switches = 0
    for sample in samples.values():
        for site in sample.plan.sites.values():
            vlan_ids = [v.vlan_id for v in site.vlans]
            for dev in site.devices:
                intent = sample.intents.get(dev.name)
                if intent is None or intent.role != "access" or dev.name not in sample.parsed:
                    continue
                switches += 1
                conf = sample.parsed[dev.name]
                for v in site.vlans:
                    assert_children(conf, f"vlan {v.vlan_id}", [f"name {v.name}"])
                trunks = [i.name for i in intent.interfaces if i.kind == "trunk"]
                assert trunks
                allowed = ",".join(str(v) for v in vlan_ids)
                for port in trunks:
                    assert_children(
                        conf, f"interface {port}", ["switchport mode trunk", f"switchport trunk allowed vlan {allowed}"]
                    )
                assert not conf.find_objects(r"^router ")
    assert switches > 100


# --- controls ------------------------------------------------------------------------------------------------


def test_net01_net04_remote_access_text(samples: dict[str, Sample]) -> None:
    for _, name, text in every_config(samples):
        assert re.search(r"^ip ssh version 2$", text, re.M), name
        assert re.search(r"^ip ssh server algorithm mac hmac-sha2-(256|512)", text, re.M)
        assert not re.search(r"^ip http server", text, re.M)
        assert not re.search(r"^ *transport input (telnet|all)", text, re.M)
        assert re.search(r"^login block-for \d+ attempts [1-5] within", text, re.M)
        assert re.search(r"^ip ssh authentication-retries [1-3]$", text, re.M)
        assert len(re.findall(r"^ transport input ssh$", text, re.M)) == 2  # both vty ranges


def test_net01_net04_net10_every_line_block(samples: dict[str, Sample]) -> None:
    for _, name, conf in every_parsed(samples):
        vtys = blocks(conf, r"^line vty")
        assert [v[0] for v in vtys] == ["line vty 0 4", "line vty 5 15"]
        for line, kids in [*vtys, *blocks(conf, r"^line con 0")]:
            timeout = next(k for k in kids if k.startswith("exec-timeout "))
            minutes, seconds = (int(x) for x in timeout.split()[1:3])
            assert 0 < 60 * minutes + seconds <= 300, (name, line)
            assert "login authentication default" in kids, (name, line)
        for _line, kids in vtys:
            assert "transport input ssh" in kids
            acl4 = next(m.group(1) for k in kids if (m := re.match(r"access-class (\S+) in", k)))
            acl6 = next(m.group(1) for k in kids if (m := re.match(r"ipv6 access-class (\S+) in$", k)))
            assert (acl4, acl6) == (flt.MGMT_V4, flt.MGMT_V6)
            assert children(conf, f"ip access-list extended {acl4}")[-1] == "deny ip any any log"
            assert children(conf, f"ipv6 access-list {acl6}")[-1] == "deny ipv6 any any log"


def test_net02_net03_aaa_and_net05_hashed_credentials(samples: dict[str, Sample]) -> None:
    for sample, _name, text in every_config(samples):
        assert re.search(r"^aaa new-model$", text, re.M)
        assert re.search(r"^aaa authentication login \S+ group \S+ local$", text, re.M)
        assert re.search(r"^aaa accounting commands 15 default start-stop group", text, re.M)
        users = re.findall(r"^username .*$", text, re.M)
        admin = sample.inv.defaults.admin
        assert admin is not None
        assert users == [f"username {admin.user} privilege 15 secret 9 ${{secret:{admin.secret}}}"]
        assert not re.search(r"^enable password|^username \S+ .*password ", text, re.M)
        assert re.search(r"^service password-encryption$", text, re.M)
    for sample, name, conf in every_parsed(samples):
        servers = blocks(conf, r"^tacacs server ")
        planned = sample.inv.sites[sample.intents[name].site].endpoints["aaa"]
        assert [s for s, _ in servers] == [f"tacacs server {e}" for e in planned]
        assert len(servers) >= 2
        for (_, kids), endpoint in zip(servers, planned, strict=True):
            address = endpoint_address(sample.inv, sample.plan, endpoint)
            assert f"address {'ipv6' if ':' in address else 'ipv4'} {address}" in kids
            assert "key ${secret:tacacs-key}" in kids
        assert_children(conf, "archive", ["log config"])


def test_net06_net07_syslog_and_ntp_to_every_planned_target(samples: dict[str, Sample]) -> None:
    for sample, name, text in every_config(samples):
        site = sample.inv.sites[sample.intents[name].site]
        assert re.search(r"^logging on$", text, re.M)
        assert re.search(r"^logging trap (informational|6)$", text, re.M)
        assert re.search(r"^service timestamps log datetime msec( localtime)? show-timezone$", text, re.M)
        assert re.search(rf"^logging source-interface ({LOOPBACK}|{MGMT_PORT}|Vlan\d+)\b", text, re.M)
        hosts = re.findall(r"^logging host (ipv6 )?(\S+)", text, re.M)
        assert {h for _, h in hosts} == {endpoint_address(sample.inv, sample.plan, e) for e in site.endpoints["syslog"]}
        assert len(hosts) >= 2
        assert all(v6 == "ipv6 " for v6, h in hosts if ":" in h)
        servers = re.findall(r"^ntp server (?:vrf \S+ )?(ipv6 )?(\S+)$", text, re.M)
        assert {h for _, h in servers} == {endpoint_address(sample.inv, sample.plan, e) for e in site.endpoints["ntp"]}
        assert len(servers) >= 2


def test_net08_snmp_v3_authpriv_only(samples: dict[str, Sample]) -> None:
    user = r"^snmp-server user \S+ NMS-RO v3 auth sha \$\{secret:snmp-auth\} priv aes 128 \$\{secret:snmp-priv\}$"
    for _, _, text in every_config(samples):
        assert not re.search(r"^snmp-server community", text, re.M)
        groups = re.findall(r"^snmp-server group \S+ v3 .*$", text, re.M)
        assert groups == [f"snmp-server group NMS-RO v3 priv access ipv6 {flt.SNMP_V6} {flt.SNMP_V4}"]
        assert re.search(user, text, re.M)
        hosts = re.findall(r"^snmp-server host .*$", text, re.M)
        assert hosts
        assert all(re.search(r" version 3 priv \S+", h) for h in hosts)
    for _, _, conf in every_parsed(samples):
        assert children(conf, f"ip access-list standard {flt.SNMP_V4}")[-1] == "deny any log"
        assert children(conf, f"ipv6 access-list {flt.SNMP_V6}")[-1] == "deny ipv6 any any log"


ABSENT = (
    r"^(ip http server|service pad|ip bootp server|service (tcp|udp)-small-servers|ip finger|ip identd|ip rcmd"
    r"|boot network|service config)"
)


def test_net09_unneeded_services_off(samples: dict[str, Sample]) -> None:
    for _, name, text in every_config(samples):
        assert not re.search(ABSENT, text, re.M), name
        assert re.search(r"^no ip source-route$", text, re.M)
    for _, name, conf in every_parsed(samples):
        for line, kids in blocks(conf, r"^interface "):
            if any(k.startswith("ip address ") for k in kids) and not line.startswith(f"interface {LOOPBACK}"):
                assert {"no ip proxy-arp", "no ip redirects", "no ip unreachables"} <= set(kids), (name, line)


def test_net12_net16_ra_suppressed_and_filters_of_both_families(samples: dict[str, Sample]) -> None:
    for sample, name, conf in every_parsed(samples):
        intent = sample.intents[name]
        outside = {i.name for i in intent.interfaces if i.kind in ("wan", "link", "mgmt")}
        for line, kids in blocks(conf, r"^interface "):
            port = line.split()[1]
            v6 = any(k.startswith("ipv6 address ") for k in kids)
            v4_filter = any(re.match(r"ip access-group \S+ in$", k) for k in kids)
            v6_filter = any(re.match(r"ipv6 traffic-filter \S+ in$", k) for k in kids)
            if v6 and port in outside:
                assert any(re.match(r"ipv6 nd ra suppress( all)?$", k) for k in kids), (name, port)
            if v6 and any(k.startswith("ip address ") for k in kids):
                assert v4_filter == v6_filter, (name, port)
        for f in intent.filters:
            if f.purpose == "wan-in":
                kind = "ip access-list extended" if f.family == "ipv4" else "ipv6 access-list"
                entries = [k for k in children(conf, f"{kind} {f.name}") if not k.startswith("remark ")]
                assert len(entries) == len(f.rules)  # every rule translated
                assert re.match(r"deny (ip|ipv6) any any log$", entries[-1])


def test_every_icmp_type_is_spelled_by_name() -> None:
    """A filter naming every ICMP type renders IOS keywords (RFC 4890 names), not numbers."""
    ios_names = {
        "unreachable": "unreachable",
        "time-exceeded": "time-exceeded",
        "echo-request": "echo",
        "echo-reply": "echo-reply",
        "destination-unreachable": "destination-unreachable",
        "packet-too-big": "packet-too-big",
        "time-exceeded-v6": "time-exceeded",
        "parameter-problem": "parameter-problem",
        "echo-request-v6": "echo-request",
        "echo-reply-v6": "echo-reply",
        "router-solicitation": "router-solicitation",
        "router-advertisement": "router-advertisement",
        "neighbor-solicitation": "nd-ns",
        "neighbor-advertisement": "nd-na",
    }
    assert set(ios_names) == set(ICMP_TYPES)
    sample = render_sample(ROOT / "tests" / "data" / "mini")
    intent = sample.intents["dc-chinh-edge1"]
    rules = {
        family: tuple(
            Rule("permit", "icmp" if family == "ipv4" else "icmpv6", icmp=n, icmp_type=t)
            for n, (f, t) in ICMP_TYPES.items()
            if f == family
        )
        for family in ("ipv4", "ipv6")
    }
    crafted = (Filter("ICMP-V4", "ipv4", "wan-in", rules["ipv4"]), Filter("ICMP-V6", "ipv6", "wan-in", rules["ipv6"]))
    text = render_intents({intent.name: dataclasses.replace(intent, filters=intent.filters + crafted)}, "x").files[
        f"configs/{intent.name}.cfg"
    ]
    conf = CiscoConfParse(text.splitlines(), syntax="ios")
    assert children(conf, "ip access-list extended ICMP-V4") == [
        f"permit icmp any any {ios_names[r.icmp or '']}" for r in rules["ipv4"]
    ]
    assert children(conf, "ipv6 access-list ICMP-V6") == [
        f"permit icmp any any {ios_names[r.icmp or '']}" for r in rules["ipv6"]
    ]


CRAFTED = {
    "ipv4": (
        (
            Rule("permit", "tcp", "10.1.2.0/31", "192.0.2.0/24", port=22),
            "permit tcp 10.1.2.0 0.0.0.1 192.0.2.0 0.0.0.255 eq 22",
        ),
        (Rule("permit", "udp", "10.0.0.1", source_port=123), "permit udp host 10.0.0.1 eq 123 any"),
        (Rule("permit", "vrrp", "10.0.0.0/8"), "permit 112 10.0.0.0 0.255.255.255 any"),
        (Rule("permit", "ospf", destination="172.16.0.0/12"), "permit ospf any 172.16.0.0 0.15.255.255"),
        (Rule("deny", "ip", "10.9.9.9/32", log=True), "deny ip host 10.9.9.9 any log"),
    ),
    "ipv6": (
        (
            Rule("permit", "tcp", "2001:db8::/32", "2001:db8:1::1/128", port=179),
            "permit tcp 2001:db8::/32 host 2001:db8:1::1 eq 179",
        ),
        (Rule("permit", "ospf"), "permit 89 any any"),
        (Rule("permit", "vrrp", "fe80::/10"), "permit 112 fe80::/10 any"),
        (Rule("permit", "udp", "2001:db8::5", source_port=547), "permit udp host 2001:db8::5 eq 547 any"),
        (Rule("deny", "ipv6", log=True), "deny ipv6 any any log"),
    ),
}


def test_rules_are_translated_exactly() -> None:
    """Prefix lengths become IOS wildcards, /32 and bare addresses ``host``, protocols IOS keywords or numbers."""
    sample = render_sample(ROOT / "tests" / "data" / "mini")
    intent = sample.intents["dc-chinh-edge1"]
    crafted = tuple(Filter(f"T-{f}", f, "wan-in", tuple(r for r, _ in rules)) for f, rules in CRAFTED.items())  # type: ignore[arg-type]
    text = render_intents({intent.name: dataclasses.replace(intent, filters=crafted)}, "x").files[
        f"configs/{intent.name}.cfg"
    ]
    conf = CiscoConfParse(text.splitlines(), syntax="ios")
    assert children(conf, "ip access-list extended T-ipv4") == [line for _, line in CRAFTED["ipv4"]]
    assert children(conf, "ipv6 access-list T-ipv6") == [line for _, line in CRAFTED["ipv6"]]


def test_secrets_appear_only_as_placeholders(samples: dict[str, Sample]) -> None:
    for sample, name, text in every_config(samples):
        assert SENTINEL not in text, name
        names = set(re.findall(r"\$\{secret:([^}]*)\}", text))
        assert names <= set(sample.inv.secrets) | {"NAME"}
        assert {"tacacs-key", "admin-hash", "snmp-auth", "snmp-priv"} <= names


# --- routers that route VLANs, VRRP, subinterfaces: the mini inventory (IOS by default) ----------------------


@pytest.fixture(scope="module")
def mini_pair(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """The mini inventory with a second core in the data centre: two gateways, so VRRP."""
    data = mini_data()
    dc = next(p for p in data["profiles.yaml"]["profiles"] if p["name"] == "datacenter")
    dc["devices"].append({"name": "core2", "index": 4, "role": "core"})
    dc["links"] += [{"a": "edge1", "b": "core2"}, {"a": "edge2", "b": "core2"}]
    return render_sample(write_files(tmp_path_factory.mktemp("mini-pair"), data))


def test_vlan_gateways_subinterfaces_and_vrrp(mini_pair: Sample) -> None:
    assert mini_pair.failures == []
    checked = 0
    for site in mini_pair.plan.sites.values():
        for dev in site.devices:
            intent = mini_pair.intents.get(dev.name)
            if intent is None or not intent.gateway:
                continue
            conf = CiscoConfParse(mini_pair.configs[dev.name].splitlines(), syntax="ios")
            routers = [d for d in site.devices if mini_pair.intents[d.name].gateway]
            for vlan in site.vlans:
                port = next(i.name for i in intent.interfaces if i.kind == "vlan" and i.vlan == vlan.vlan_id)
                kids = children(conf, f"interface {port}")
                if "." in port:
                    assert f"encapsulation dot1Q {vlan.vlan_id}" in kids
                else:  # a VLAN interface needs its VLAN
                    assert_children(conf, f"vlan {vlan.vlan_id}", [f"name {vlan.name}"])
                if len(routers) == 1:
                    own = vlan.gateways if vlan.role != "management" else dev.mgmt
                    assert set(planned_lines(own, vlan.subnets)) <= set(kids)
                    assert not any(k.startswith("vrrp ") for k in kids)
                else:
                    group = f"vrrp {intent.interface(port).vrrp.group}"  # type: ignore[union-attr]
                    conf_port = conf.find_objects(f"^interface {re.escape(port)}$")[0]
                    fams = {
                        c.text.strip(): [g.text.strip() for g in c.children]
                        for c in conf_port.children
                        if c.text.strip().startswith(group)
                    }
                    vip4 = vlan.gateways["ipv4"]
                    assert f"address {vip4} primary" in fams[f"{group} address-family ipv4"]
                    v6 = fams[f"{group} address-family ipv6"]
                    assert v6[1].startswith("address fe80::")
                    assert v6[1].endswith(" primary")
                    assert {
                        f"address {vlan.gateways[p]}/{n.prefixlen}" for p, n in vlan.subnets.items() if n.version == 6
                    } <= set(v6)
                checked += 1
    assert checked >= 8


# --- the facts parser --------------------------------------------------------------------------------------


def test_facts_read_back_planned_addresses_and_filters(samples: dict[str, Sample]) -> None:
    for sample in samples.values():
        facts = {name: parse_facts({"cfg": text}) for name, text in sample.configs.items()}
        for name, f in facts.items():
            assert f.hostname == name
        for site in sample.plan.sites.values():
            for dev in site.devices:
                if dev.name in facts:
                    loop = facts[dev.name].interfaces[LOOPBACK]
                    planned = [ip_interface(f"{a}/{a.max_prefixlen}") for a in dev.loopbacks.values()]
                    assert loop.ipv4 == [a for a in planned if a.version == 4]
                    assert loop.ipv6 == [a for a in planned if a.version == 6]
        for cid, link, intent in planned_circuits(sample):
            wan = facts[link.a].interfaces[wan_port(intent, cid)]
            assert wan.ipv4 == [
                IPv4Interface(f"{link.a_addr[p]}/{n.prefixlen}") for p, n in link.prefixes.items() if n.version == 4
            ]
            assert wan.ipv6 == [
                IPv6Interface(f"{link.a_addr[p]}/{n.prefixlen}") for p, n in link.prefixes.items() if n.version == 6
            ]
            assert (wan.filter_v4, wan.filter_v6, wan.ra_suppressed, wan.mtu) == (flt.WAN_V4, flt.WAN_V6, True, 1500)


def test_facts_read_back_the_areas_and_ra_of_links(samples: dict[str, Sample]) -> None:
    sample = samples["phu-yen"]
    for name, intent in sample.intents.items():
        f = parse_facts({"cfg": sample.configs[name]})
        for i in intent.interfaces:
            got = f.interfaces[i.name]
            if i.kind == "link":
                assert (got.ospf_area, got.ospf6_area, got.ra_suppressed) == ("0.0.0.0", "0.0.0.0", True)
            if i.kind == "trunk":
                assert got.ipv4 == got.ipv6 == []
                assert got.ra_suppressed


def test_facts_read_a_device_mtu_override(tmp_path: Path) -> None:
    """``mtu: 9000`` on one site device (a copy of the mini inventory) reaches its routed interfaces only."""
    data = mini_data()
    dc = next(site for site in data["sites.yaml"]["sites"] if site["name"] == "dc-chinh")
    dc["devices"] = [{"name": "edge1", "mtu": 9000}]
    sample = render_sample(write_files(tmp_path / "mini-mtu", data))
    assert sample.failures == []
    for name, mtu in (("dc-chinh-edge1", 9000), ("dc-chinh-edge2", 1500)):
        facts = parse_facts({"cfg": sample.configs[name]})
        routed = [i.name for i in sample.intents[name].interfaces if i.kind in ("wan", "link")]
        assert len(routed) == 2
        assert [facts.interfaces[n].mtu for n in routed] == [mtu, mtu]


def test_facts_skip_link_local_and_vrrp_addresses() -> None:
    text = "\n".join(
        [
            "hostname r1",
            "interface Vlan10",
            " ip address 10.0.0.2 255.255.255.0",
            " ipv6 address FE80::2 link-local",
            " ipv6 address 2001:db8::2/64",
            " ospfv3 1 ipv6 area 5",
            " ip ospf 1 area 5",
            " shutdown",
            " vrrp 10 address-family ipv4",
            "  address 10.0.0.1 primary",
            " exit-vrrp",
            "!",
            "interface Vlan20",
            " ip address 10.0.1.2 255.255.255.0",
            " ip address 10.0.2.2 255.255.255.0 secondary",
            "!",
            "ip access-list extended X",
            " permit ip any any",
            "end",
        ]
    )
    f = parse_facts({"cfg": text})
    v10, v20 = f.interfaces["Vlan10"], f.interfaces["Vlan20"]
    assert (v10.ipv4, v10.ipv6) == ([IPv4Interface("10.0.0.2/24")], [IPv6Interface("2001:db8::2/64")])
    assert (v10.ospf_area, v10.ospf6_area, v10.shutdown, v10.ra_suppressed) == ("0.0.0.5", "0.0.0.5", True, False)
    assert v20.ipv4 == [IPv4Interface("10.0.1.2/24"), IPv4Interface("10.0.2.2/24")]
    assert v20.ra_suppressed  # no IPv6: never advertises
    assert set(f.interfaces) == {"Vlan10", "Vlan20"}
