"""The huawei_vrp template set and its facts parser.

What these tests prove: every Huawei device of both sample inventories (AR CEs, S5735 cores and access
switches, USG firewalls) renders without a failure, and the structural reader accepts the layout (no tab,
every indented line inside a block, every block opened by a known block command, one level of indentation
at a time, ``return`` last); the blocks hold what the plan and the controls say — the planned WAN addresses
(recomputed from ``make_plan``) on the WAN interface with their masks, each BGP peer activated only in its
own address family, router advertisements halted on WAN interfaces, both inbound filters on WAN interfaces
with every rule of the intent translated (ICMP by type and code, wildcards that match the prefixes),
SNMPv3 without community, vty lines limited by both management ACLs, USG zones and a default-deny policy,
secrets only as ``${secret:NAME}`` placeholders; the same text comes out of plain data in Jinja2's sandbox
(what Ansible's ``template`` module does); the facts parser reads back addresses, MTU and filter names,
and rejects malformed layouts with the line at fault.

What they do not prove: that VRP accepts these commands on a real AR, S5735 or USG, in this order, on the
software release a site runs — no VRP image can run here. The commands follow Huawei's documentation and
are a reviewed draft until a lab has loaded them.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from dataclasses import dataclass
from ipaddress import IPv4Network, ip_network
from pathlib import Path

import pytest
from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from infra import __version__
from infra.inventory import Inventory, load
from infra.plan import make_plan
from infra.plan.model import AddressPlan
from infra.render import filters as flt
from infra.render.build import build_intents
from infra.render.facts import parser
from infra.render.facts.huawei_vrp import Block, VrpSyntaxError, facts_of, parse, parse_blocks
from infra.render.intent import ICMP_TYPES, DeviceIntent, Rule, Vrrp, as_data
from infra.render.render import Meta, Rendered, Renderer, render_intents

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = {"phu-yen": ROOT / "inventory", "phu-tho": ROOT / "examples" / "phu-tho-2025"}
PLATFORM = "huawei_vrp"
SENTINEL = "sentinel-secret-value-7f3a"
TOKEN = re.compile(r"\$\{secret:([a-z0-9-]+)\}")
ICMP_CODES = {("ipv4", 3): 16, ("ipv4", 11): 2, ("ipv6", 1): 8, ("ipv6", 3): 2, ("ipv6", 4): 4}  # RFC 792/1812/4443


@dataclass(frozen=True)
class Sample:
    inv: Inventory
    plan: AddressPlan
    intents: dict[str, DeviceIntent]
    rendered: Rendered
    blocks: dict[str, list[Block]]

    def text(self, device: str) -> str:
        return self.rendered.files[f"configs/{device}.cfg"]


@pytest.fixture(scope="module", params=sorted(SAMPLES))
def sample(request: pytest.FixtureRequest) -> Sample:
    path = SAMPLES[request.param]
    with pytest.MonkeyPatch.context() as monkeypatch:
        for secret in load(path).secrets.values():
            if secret.env:
                monkeypatch.setenv(secret.env, SENTINEL)  # a value that must never reach a configuration
        inv = load(path)
        plan = make_plan(inv)
        intents = {n: i for n, i in build_intents(inv, plan).items() if i.platform == PLATFORM}
        rendered = render_intents(intents, inv.digest, Renderer())
    blocks = {name: parse_blocks(rendered.files[f"configs/{name}.cfg"]) for name in rendered.devices}
    return Sample(inv, plan, intents, rendered, blocks)


def block(blocks: list[Block], *words: str) -> Block:
    found = [b for b in blocks if b.words == words]
    assert len(found) == 1, f"{len(found)} blocks '{' '.join(words)}'"
    return found[0]


def lines(b: Block, depth: int = 1) -> list[tuple[str, ...]]:
    return [w for d, w in b.body if d == depth]


def section(b: Block, *header: str) -> list[tuple[str, ...]]:
    """The depth-2 lines under the depth-1 line ``header`` of a block."""
    out: list[tuple[str, ...]] = []
    inside = False
    for depth, words in b.body:
        if depth == 1:
            inside = words == header
        elif inside and depth == 2:
            out.append(words)
    return out


def planned_wan(plan: AddressPlan, device: str) -> set[tuple[str, ...]]:
    """The address lines the plan implies for this device's WAN circuits."""
    out: set[tuple[str, ...]] = set()
    for link in plan.circuits.values():
        if link.a == device:
            for pool, net in link.prefixes.items():
                ip = link.a_addr[pool]
                if isinstance(net, IPv4Network):
                    out.add(("ip", "address", str(ip), str(net.netmask)))
                else:
                    out.add(("ipv6", "address", f"{ip}/{net.prefixlen}"))
    return out


def planned_link(plan: AddressPlan, device: str, peer: str) -> set[str]:
    for site in plan.sites.values():
        for link in site.links:
            if {link.a, link.b} == {device, peer}:
                addrs = link.a_addr if link.a == device else link.b_addr
                return {f"{addrs[p]}/{link.prefixes[p].prefixlen}" for p in link.prefixes}
    raise AssertionError(f"the plan has no link {device} — {peer}")


def test_every_device_renders_and_parses(sample: Sample) -> None:
    assert sample.intents, "the sample has Huawei devices"
    assert sample.rendered.failures == []
    assert set(sample.rendered.devices) == set(sample.intents)
    for name, blocks in sample.blocks.items():
        text = sample.text(name)
        assert "\t" not in text
        assert text.rstrip("\n").splitlines()[-1] == "return"
        assert block(blocks, "sysname", sample.intents[name].hostname).body == []
    roles = {i.role for i in sample.intents.values()}
    assert {"ce", "firewall"} <= roles


def test_header_names_generator_inventory_and_templates(sample: Sample) -> None:
    name = next(iter(sample.intents))
    head = sample.text(name).splitlines()[:4]
    assert head[0] == f"# generated by hatang {__version__} for {name}"
    assert head[1] == f"# inventory sha256 {sample.inv.digest}"
    assert head[2].startswith(f"# templates {PLATFORM} ")
    assert "${secret:NAME} placeholders are filled at deploy" in head[3]


def test_planned_wan_addresses_on_the_wan_interface(sample: Sample) -> None:
    checked = 0
    for name, intent in sample.intents.items():
        found: set[tuple[str, ...]] = set()
        for wan in (i for i in intent.interfaces if i.kind == "wan"):
            found |= {w for w in lines(block(sample.blocks[name], "interface", wan.name)) if w[1:2] == ("address",)}
        assert found == planned_wan(sample.plan, name), name
        checked += bool(found)
    assert checked


def test_bgp_peers_each_only_in_their_family(sample: Sample) -> None:
    checked = 0
    for name, intent in sample.intents.items():
        bgp = [b for b in sample.blocks[name] if b.words[0] == "bgp"]
        if intent.bgp is None:
            assert bgp == []
            continue
        expected = {
            str(link.b_addr[p])
            for link in sample.plan.circuits.values()
            if link.a == name
            for p in link.b_addr
            if p != "ula"
        }
        peers = {w[1] for w in lines(bgp[0]) if w[0] == "peer" and w[2] == "as-number"}
        assert peers == expected, name
        keyed = {
            w[1] for w in lines(bgp[0]) if w[0] == "peer" and w[2:4] == ("password", "cipher") and TOKEN.fullmatch(w[4])
        }
        assert keyed == peers
        for header, version in ((("ipv4-family", "unicast"), 4), (("ipv6-family", "unicast"), 6)):
            enabled = {w[1] for w in section(bgp[0], *header) if w[0] == "peer" and w[2:] == ("enable",)}
            assert enabled == {p for p in peers if ip_network(p).version == version}, (name, header)
        checked += 1
    assert checked


def test_router_advertisements_halted_on_wan_and_sent_where_wanted(sample: Sample) -> None:
    for name, intent in sample.intents.items():
        for i in (x for x in intent.interfaces if x.ipv6 and x.kind != "loopback"):
            body = lines(block(sample.blocks[name], "interface", i.name))
            halted = ("ipv6", "nd", "ra", "halt") in body and ("undo", "ipv6", "nd", "ra", "halt") not in body
            assert halted == i.ra_suppress, (name, i.name)
            if i.kind == "wan":
                assert halted


def _acl(blocks: list[Block], family: str, name: str) -> list[tuple[str, ...]]:
    header = ("acl", "name", name, "advance") if family == "ipv4" else ("acl", "ipv6", "name", name, "advance")
    return lines(block(blocks, *header))


def _after(words: tuple[str, ...], key: str) -> tuple[str, ...]:
    return words[words.index(key) + 1 :] if key in words else ()


def _check_rule(rule: Rule, family: str, group: list[tuple[str, ...]]) -> None:
    v4 = family == "ipv4"
    assert {w[2] for w in group} == {rule.action}
    codes = ICMP_CODES.get((family, rule.icmp_type), 1) if rule.icmp_type is not None else 1
    assert len(group) == codes
    for words in group:
        for key, value in (("source", rule.source), ("destination", rule.destination)):
            given = _after(words, key)
            if value == "any":
                assert not given
                continue
            host = "/" not in value
            shown = (f"{given[0]}/32" if given[1] == "0" else f"{given[0]}/{given[1]}") if v4 else given[0]
            assert ip_network(shown) == ip_network(value if not host else f"{value}/{32 if v4 else 128}")
        if rule.icmp_type is not None:
            assert _after(words, "icmp-type" if v4 else "icmp6-type")[0] == str(rule.icmp_type)
        if rule.port:
            assert _after(words, "destination-port")[:2] == ("eq", str(rule.port))
        assert ("logging" in words) == rule.log


def test_every_filter_rule_is_translated(sample: Sample) -> None:
    for name, intent in sample.intents.items():
        for f in intent.filters:
            rules = _acl(sample.blocks[name], f.family, f.name)
            numbers = [int(w[1]) for w in rules]
            assert numbers == sorted(set(numbers)), (name, f.name)
            groups: dict[int, list[tuple[str, ...]]] = {}
            for words in rules:
                groups.setdefault(int(words[1]) // 20, []).append(words)
            assert sorted(groups) == list(range(1, len(f.rules) + 1)), (name, f.name)
            for k, rule in enumerate(f.rules, start=1):
                _check_rule(rule, f.family, groups[k])
            assert rules[-1][2:] == ("deny", "ip" if f.family == "ipv4" else "ipv6", "logging")


def test_icmp_types_match_the_intent_names(sample: Sample) -> None:
    intent = next(i for i in sample.intents.values() if any(f.purpose == "wan-in" for f in i.filters))
    for f in (x for x in intent.filters if x.purpose == "wan-in"):
        for rule in (r for r in f.rules if r.icmp):
            assert rule.icmp is not None
            assert ICMP_TYPES[rule.icmp] == (f.family, rule.icmp_type)


def test_wan_interfaces_filter_both_families(sample: Sample) -> None:
    checked = 0
    for name, intent in sample.intents.items():
        for wan in (i for i in intent.interfaces if i.kind == "wan"):
            body = lines(block(sample.blocks[name], "interface", wan.name))
            assert ("traffic-filter", "inbound", "acl", "name", flt.WAN_V4) in body
            assert ("traffic-filter", "inbound", "ipv6", "acl", "name", flt.WAN_V6) in body
            assert ("urpf", "loose") in body
            assert ("ipv6", "urpf", "loose") in body
            checked += 1
    assert checked


def test_snmp_is_v3_authpriv_without_community(sample: Sample) -> None:
    for name, intent in sample.intents.items():
        assert intent.snmp is not None
        snmp = [b.words for b in sample.blocks[name] if b.words[0] == "snmp-agent"]
        assert not [w for w in snmp if w[1:2] == ("community",)], name
        user = intent.snmp.user
        assert (
            "snmp-agent",
            "usm-user",
            "v3",
            user,
            "authentication-mode",
            "sha2-256",
            "cipher",
            intent.snmp.auth,
        ) in snmp
        assert ("snmp-agent", "usm-user", "v3", user, "privacy-mode", "aes128", "cipher", intent.snmp.priv) in snmp
        group = next(w for w in snmp if w[1:4] == ("group", "v3", intent.snmp.group))
        assert group[4] == "privacy"
        assert _after(group, "acl")[0] == intent.snmp.filter_v4
        assert _after(group, "ipv6")[0] == intent.snmp.filter_v6
        assert ("snmp-agent", "sys-info", "version", "v3") in snmp


def test_vty_lines_are_ssh_only_behind_both_management_acls(sample: Sample) -> None:
    for name, intent in sample.intents.items():
        vty = lines(block(sample.blocks[name], "user-interface", "vty", "0", "4"))
        assert ("acl", intent.mgmt_filter_v4, "inbound") in vty
        assert ("acl", "ipv6", intent.mgmt_filter_v6, "inbound") in vty
        assert ("protocol", "inbound", "ssh") in vty
        assert ("authentication-mode", "aaa") in vty
        assert ("idle-timeout", str(intent.exec_timeout_minutes), "0") in vty
        top = {b.words for b in sample.blocks[name]}
        assert ("undo", "telnet", "server", "enable") in top
        assert ("stelnet", "server", "enable") in top


def test_secrets_appear_only_as_placeholders(sample: Sample) -> None:
    for name, blocks in sample.blocks.items():
        text = sample.text(name)
        assert SENTINEL not in text
        assert set(TOKEN.findall(text)) - {"NAME"} <= set(sample.inv.secrets), name
        every = [b.words for b in blocks] + [w for b in blocks for _, w in b.body]
        carrying = [w for w in every if ("cipher" in w or "irreversible-cipher" in w) and w[:2] != ("ssh", "server")]
        assert carrying
        for words in carrying:
            key = "cipher" if "cipher" in words else "irreversible-cipher"
            assert TOKEN.fullmatch(_after(words, key)[0]), (name, words)


def test_usg_firewalls_have_zones_and_a_default_deny_policy(sample: Sample) -> None:
    for name, intent in sample.intents.items():
        blocks = sample.blocks[name]
        zones = {
            b.words[2]: {w[2] for w in lines(b) if w[:2] == ("add", "interface")}
            for b in blocks
            if b.words[:2] == ("firewall", "zone")
        }
        policy = [b for b in blocks if b.words == ("security-policy",)]
        if intent.role != "firewall":
            assert (zones, policy) == ({}, []), name
            continue
        outside = {i.name for i in intent.interfaces if i.kind == "wan" or i.zone == "untrust"}
        inside = {i.name for i in intent.interfaces if i.kind not in ("mgmt", "loopback")} - outside
        assert zones == {"trust": inside, "untrust": outside}, name
        rules = lines(policy[0], 2)
        assert ("action", "deny") in rules
        assert ("policy", "logging") in rules
        denied = section(policy[0], "rule", "name", "deny-untrust")
        assert ("source-zone", "untrust") in denied
        assert ("action", "deny") in denied


def test_trunks_and_subinterfaces(sample: Sample) -> None:
    for name, intent in sample.intents.items():
        for i in intent.interfaces:
            body = lines(block(sample.blocks[name], "interface", i.name))
            subs = [x for x in intent.interfaces if x.parent == i.name]
            if i.kind == "trunk" and not subs:
                assert ("port", "link-type", "trunk") in body
                assert ("port", "trunk", "allow-pass", "vlan", *map(str, i.vlans)) in body
            if i.parent:
                assert ("dot1q", "termination", "vid", str(i.vlan)) in body


def test_facts_read_back_planned_addresses_and_filters(sample: Sample) -> None:
    parse_facts = parser(PLATFORM)
    for name, intent in sample.intents.items():
        facts = parse_facts({"cfg": sample.text(name)})
        assert facts.hostname == intent.hostname
        for wan in (i for i in intent.interfaces if i.kind == "wan"):
            f = facts.interfaces[wan.name]
            found = {("ip", "address", str(a.ip), str(a.netmask)) for a in f.ipv4} | {
                ("ipv6", "address", str(a)) for a in f.ipv6
            }
            assert found == planned_wan(sample.plan, name)
            assert (f.filter_v4, f.filter_v6, f.ra_suppressed) == (flt.WAN_V4, flt.WAN_V6, True)
        for link in (i for i in intent.interfaces if i.kind == "link"):
            f = facts.interfaces[link.name]
            assert {str(a) for a in [*f.ipv4, *f.ipv6]} == planned_link(sample.plan, name, link.peer), (name, link.name)
            assert (f.ospf_area, f.ospf6_area) == (link.ospf_area, link.ospf_area)
        for vlan in (i for i in intent.interfaces if i.kind == "vlan" and i.ipv6):
            assert facts.interfaces[vlan.name].ra_suppressed == vlan.ra_suppress


def test_mtu_override_reaches_configuration_and_facts(tmp_path: Path) -> None:
    copy = tmp_path / "inventory"
    shutil.copytree(SAMPLES["phu-yen"], copy)
    site_file = copy / "sites" / "communes" / "thanh-pho-tuy-hoa.yaml"
    text = site_file.read_text(encoding="utf-8")
    old = 'code: "22042", parent: thanh-pho-tuy-hoa, profile: commune}'
    assert old in text
    site_file.write_text(text.replace(old, old[:-1] + ", devices: [{name: ce1, mtu: 9000}]}"), encoding="utf-8")
    inv = load(copy)
    device = "xa-hoa-kien-ce1"
    intent = build_intents(inv, make_plan(inv))[device]
    assert intent.platform == PLATFORM
    out = render_intents({device: intent}, inv.digest, Renderer())
    assert out.failures == []
    facts = parse({"cfg": out.files[f"configs/{device}.cfg"]})
    routed = [i for i in intent.interfaces if i.addressed and i.kind != "loopback"]
    assert routed
    for i in routed:
        assert facts.interfaces[i.name].mtu == 9000, i.name
    assert facts.interfaces[next(i.name for i in intent.interfaces if i.kind == "loopback")].mtu is None


def _line_of(text: str, pattern: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if re.fullmatch(pattern, line))


def test_parser_rejects_broken_rendered_configs(sample: Sample) -> None:
    name = next(n for n, i in sample.intents.items() if any(x.kind == "wan" for x in i.interfaces))
    text = sample.text(name)
    lines_ = text.splitlines()
    at = _line_of(text, r"interface \S+") + 1  # the first line inside the first interface block
    tabbed = [*lines_]
    tabbed[at - 1] = "\t" + tabbed[at - 1].lstrip()
    with pytest.raises(VrpSyntaxError, match=rf"^line {at}: tab character"):
        parse_blocks("\n".join(tabbed))
    orphan = [*lines_]
    orphan[at - 2] = "#"  # the interface line gone: its body follows a separator
    with pytest.raises(VrpSyntaxError, match=rf"^line {at}: indented line '.*' belongs to no block"):
        parse_blocks("\n".join(orphan))
    unknown = [*lines_]
    unknown[at - 2] = "interfaze GigabitEthernet0/0/1"
    with pytest.raises(VrpSyntaxError, match=rf"^line {at - 1}: 'interfaze GigabitEthernet0/0/1' is not a command"):
        parse_blocks("\n".join(unknown))


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("#\n sysname a\n", 2, "indented line 'sysname a' belongs to no block"),
        ("aaa\n  local-user a privilege level 15\n", 2, "indentation jumps from level 0 to 2"),
        ("sysname a\n ipv6\n", 1, "'sysname a' is not a command that opens a block"),
        ("interface LoopBack0\n\tip address 192.0.2.1 255.255.255.255\n", 2, "tab character"),
        ("acl name X advance\n rule 5 permit ip\n #\n", 3, "indented '#'"),
    ],
)
def test_parser_rejects_malformed_layouts(text: str, line: int, message: str) -> None:
    with pytest.raises(VrpSyntaxError, match=f"^line {line}: {message}"):
        parse_blocks(text)


HANDWRITTEN = """\
#
sysname lab-ar1
#
interface GigabitEthernet0/0/1
 description uplink
 mtu 1400
 ip address 192.0.2.1 255.255.255.254
 ip address 198.51.100.1 255.255.255.0 sub
 ipv6 enable
 ipv6 address 2001:db8::1/127
 ipv6 address FE80::1 link-local
 traffic-filter inbound acl 3001
 traffic-filter inbound ipv6 acl name EDGE-V6
 ospf enable 1 area 0.0.0.2
 ospfv3 1 area 0.0.0.2
#
interface Vlanif10
 ipv6 enable
 ipv6 address 2001:db8:10::1/64
 undo ipv6 nd ra halt
 shutdown
#
bgp 65000
 peer 192.0.2.0 as-number 64600
 ipv4-family unicast
  peer 192.0.2.0 enable
#
return
"""


def test_parser_reads_a_vrp_display_layout() -> None:
    facts = facts_of(parse_blocks(HANDWRITTEN))
    assert facts.hostname == "lab-ar1"
    up = facts.interfaces["GigabitEthernet0/0/1"]
    assert [str(a) for a in up.ipv4] == ["192.0.2.1/31", "198.51.100.1/24"]
    assert [str(a) for a in up.ipv6] == ["2001:db8::1/127"]  # the link-local address is left out
    assert (up.mtu, up.filter_v4, up.filter_v6) == (1400, "3001", "EDGE-V6")
    assert (up.ospf_area, up.ospf6_area, up.ra_suppressed, up.shutdown) == ("0.0.0.2", "0.0.0.2", True, False)
    vlan = facts.interfaces["Vlanif10"]
    assert (vlan.ra_suppressed, vlan.shutdown, vlan.mtu, vlan.ospf_area) == (False, True, None, None)
    assert set(facts.interfaces) == {"GigabitEthernet0/0/1", "Vlanif10"}


@pytest.fixture(scope="module")
def core() -> DeviceIntent:
    """A Huawei switch that routes its site's VLANs on VLANIF interfaces."""
    inv = load(SAMPLES["phu-yen"])
    found = [i for i in build_intents(inv, make_plan(inv)).values() if i.platform == PLATFORM and i.role == "core"]
    assert found, "Phú Yên has Huawei core switches"
    return found[0]


def test_vrrp_on_vlanif(core: DeviceIntent) -> None:
    vlan = next(x for x in core.interfaces if x.kind == "vlan" and x.ipv4 and x.ipv6)
    vrrp = Vrrp(7, 110, "192.0.2.1", ("2001:db8:7::1",), "fe80::1")
    interfaces = tuple(dataclasses.replace(x, vrrp=vrrp) if x is vlan else x for x in core.interfaces)
    out = render_intents({core.name: dataclasses.replace(core, interfaces=interfaces)}, "x", Renderer())
    assert out.failures == []
    text = out.files[f"configs/{core.name}.cfg"]
    body = lines(block(parse_blocks(text), "interface", vlan.name))
    assert ("vrrp", "vrid", "7", "virtual-ip", "192.0.2.1") in body
    assert ("vrrp", "vrid", "7", "priority", "110") in body
    assert ("vrrp6", "vrid", "7", "virtual-ip", "fe80::1", "link-local") in body
    assert ("vrrp6", "vrid", "7", "virtual-ip", "2001:db8:7::1") in body
    facts = parse({"cfg": text}).interfaces[vlan.name]
    assert [str(a) for a in facts.ipv4] == [vlan.ipv4[0].cidr]  # the virtual address is not an interface address
    plain = render_intents({core.name: core}, "x", Renderer()).files[f"configs/{core.name}.cfg"]
    assert not re.search(r"^ vrrp6? ", plain, re.MULTILINE)


def test_plain_data_in_a_sandbox_renders_the_same(sample: Sample) -> None:
    """Only built-in filters, no method of the intent records: Ansible's ``template`` module gets the same text."""
    renderer = Renderer()
    env = ImmutableSandboxedEnvironment(
        loader=FileSystemLoader(str(renderer.root)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    template = env.get_template(f"{PLATFORM}/device.j2")
    tset = sample.rendered.sets[PLATFORM]
    for name, intent in sample.intents.items():
        meta = Meta(name, sample.inv.digest, PLATFORM, tset.short)
        plain = template.render(d=as_data(intent), meta=dataclasses.asdict(meta))
        assert plain == sample.text(name), name
