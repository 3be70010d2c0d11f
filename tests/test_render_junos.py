"""The juniper_junos template set and its facts parser.

What these tests prove: every Junos device of both sample inventories renders without a failure into the
hierarchical format, and the strict brace reader accepts it (braces balanced, every statement terminated on
its line); the hierarchy holds what the plan and the controls say — the planned WAN addresses (recomputed
from ``make_plan``) under ``interfaces <port> unit 0 family inet|inet6``, each BGP neighbor in its own family
only, router advertisements never on WAN interfaces, the WAN filters on both families with one term per
rule, the routing engine protected by a lo0 filter, SNMPv3 without community, secrets only as
``${secret:NAME}`` placeholders, SRX zones; the same text comes out of plain data in Jinja2's sandbox (what
Ansible's ``template`` module does); the facts parser reads back addresses, MTU and filter names, and rejects
malformed text with the line at fault.

What they do not prove: that a real Junos device accepts the configuration (``load override`` / ``commit
check``) or behaves as intended — no Junos image can run here. The statement names follow Juniper's
documentation and are a reviewed draft until a lab has committed them.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from ipaddress import ip_interface
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
from infra.render.facts.juniper_junos import JunosSyntaxError, Node, facts_of, parse, parse_tree
from infra.render.intent import DeviceIntent, Interface, Vrrp, as_data
from infra.render.render import Meta, Rendered, Renderer, render_intents

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = {"phu-yen": ROOT / "inventory", "phu-tho": ROOT / "examples" / "phu-tho-2025"}
PLATFORM = "juniper_junos"
SENTINEL = "sentinel-secret-value-7f3a"
TOKEN = re.compile(r"\$\{secret:([a-z0-9-]+)\}")
SECRET_STATEMENTS = (
    "encrypted-password",
    "secret",
    "authentication-key",
    "authentication-password",
    "privacy-password",
)


@dataclass(frozen=True)
class Sample:
    inv: Inventory
    plan: AddressPlan
    intents: dict[str, DeviceIntent]
    rendered: Rendered
    trees: dict[str, Node]

    def text(self, device: str) -> str:
        return self.rendered.files[f"configs/{device}.cfg"]


def _render(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Inventory, AddressPlan, Rendered]:
    for secret in load(path).secrets.values():
        if secret.env:
            monkeypatch.setenv(secret.env, SENTINEL)  # a value that must never reach a configuration
    inv = load(path)
    plan = make_plan(inv)
    intents = {n: i for n, i in build_intents(inv, plan).items() if i.platform == PLATFORM}
    return inv, plan, render_intents(intents, inv.digest, Renderer())


@pytest.fixture(scope="module", params=sorted(SAMPLES))
def sample(request: pytest.FixtureRequest) -> Sample:
    with pytest.MonkeyPatch.context() as monkeypatch:
        inv, plan, rendered = _render(SAMPLES[request.param], monkeypatch)
    trees = {name: parse_tree(rendered.files[f"configs/{name}.cfg"]) for name in rendered.devices}
    return Sample(inv, plan, rendered.intents, rendered, trees)


def walk(node: Node) -> Iterator[Node]:
    yield node
    for child in node.children or ():
        yield from walk(child)


def child(node: Node | None, *words: str) -> Node:
    """The child whose leading words are ``words`` (fails the test when absent)."""
    assert node is not None
    for c in node.children or ():
        if c.words[: len(words)] == words:
            return c
    raise AssertionError(f"no '{' '.join(words)}' under '{' '.join(node.words)}' (line {node.line})")


def children(node: Node | None, key: str) -> list[Node]:
    return list(node.each(key)) if node is not None else []


def ifl(name: str) -> tuple[str, str]:
    """(port, unit) of an intent interface name."""
    port, _, unit = name.rpartition(".") if "." in name else (name, "", "0")
    return port, unit


def unit_of(tree: Node, name: str) -> Node:
    port, unit = ifl(name)
    return child(child(child(tree, "interfaces"), port), "unit", unit)


def planned_wan(plan: AddressPlan, device: str) -> set[str]:
    """The addresses the plan gives this device's ends of its WAN circuits, as ``ip/length``."""
    out: set[str] = set()
    for link in plan.circuits.values():
        if link.a == device:
            out |= {f"{link.a_addr[p]}/{link.prefixes[p].prefixlen}" for p in link.prefixes}
    return out


def planned_link(plan: AddressPlan, device: str, peer: str) -> set[str]:
    """The addresses the plan gives ``device``'s end of its routed link to ``peer``, as ``ip/length``."""
    for site in plan.sites.values():
        for link in site.links:
            if {link.a, link.b} == {device, peer}:
                addrs = link.a_addr if link.a == device else link.b_addr
                return {f"{addrs[p]}/{link.prefixes[p].prefixlen}" for p in link.prefixes}
    raise AssertionError(f"the plan has no link {device} — {peer}")


def test_every_device_renders_and_parses(sample: Sample) -> None:
    assert sample.intents, "the sample has Junos devices"
    assert [f for f in sample.rendered.failures] == []
    assert set(sample.rendered.devices) == set(sample.intents)
    for name, tree in sample.trees.items():
        assert tree.value("system", "host-name") == sample.intents[name].hostname
        keys = {n.key for n in tree.children or ()}
        assert keys <= {
            "system",
            "security",
            "interfaces",
            "vlans",
            "snmp",
            "routing-options",
            "routing-instances",
            "protocols",
            "policy-options",
            "firewall",
        }, name
        assert ("security" in keys) == (sample.intents[name].role in ("firewall", "ce")), name


def test_header_names_generator_inventory_and_templates(sample: Sample) -> None:
    name = next(iter(sample.intents))
    head = sample.text(name).splitlines()[:4]
    assert head[0] == f"# generated by hatang {__version__} for {name}"
    assert head[1] == f"# inventory sha256 {sample.inv.digest}"
    assert head[2].startswith(f"# templates {PLATFORM} ")
    assert "${secret:NAME} placeholders are filled at deploy" in head[3]


def test_planned_wan_addresses_sit_under_their_port_unit_and_family(sample: Sample) -> None:
    checked = 0
    for name, intent in sample.intents.items():
        expected = planned_wan(sample.plan, name)
        found: set[str] = set()
        for wan in (i for i in intent.interfaces if i.kind == "wan"):
            unit = unit_of(sample.trees[name], wan.name)
            for fam in ("inet", "inet6"):
                for a in children(child(unit, "family", fam), "address"):
                    assert ip_interface(a.words[1]).version == (4 if fam == "inet" else 6)
                    found.add(a.words[1])
        assert found == expected, name
        checked += bool(expected)
    assert checked, "some Junos device has a WAN circuit"


def test_bgp_neighbors_each_only_in_their_family(sample: Sample) -> None:
    for name, intent in sample.intents.items():
        bgp = sample.trees[name].first("protocols", "bgp")
        if intent.bgp is None:
            assert bgp is None
            continue
        expected = {
            str(link.b_addr[p])
            for link in sample.plan.circuits.values()
            if link.a == name
            for p in link.b_addr
            if p != "ula"
        }
        seen: set[str] = set()
        for group in children(bgp, "group"):
            for neighbor in children(group, "neighbor"):
                address = neighbor.words[1]
                families = {f.words[1] for f in children(neighbor, "family")}
                assert families == {"inet" if ip_interface(address).version == 4 else "inet6"}, (name, address)
                assert TOKEN.fullmatch(neighbor.value("authentication-key") or ""), (name, address)
                seen.add(address)
        assert seen == expected, name


def test_router_advertisements_only_where_the_intent_wants_them(sample: Sample) -> None:
    for name, intent in sample.intents.items():
        ra = sample.trees[name].first("protocols", "router-advertisement")
        listed = {n.words[1] for n in children(ra, "interface")}
        wanted = {f"{ifl(i.name)[0]}.{ifl(i.name)[1]}" for i in intent.interfaces if i.ipv6 and not i.ra_suppress}
        assert listed == wanted, name
        for wan in (i for i in intent.interfaces if i.kind in ("wan", "link")):
            assert f"{ifl(wan.name)[0]}.{ifl(wan.name)[1]}" not in listed


def _terms(tree: Node, fam: str, name: str) -> list[Node]:
    return children(child(child(child(tree, "firewall"), "family", fam), "filter", name), "term")


def _discards_and_logs(term: Node) -> bool:
    then = term.first("then")
    return then is not None and {c.key for c in then.children or ()} == {"syslog", "discard"}


def test_wan_filters_on_both_families_with_every_rule(sample: Sample) -> None:
    for name, intent in sample.intents.items():
        tree = sample.trees[name]
        for wan in (i for i in intent.interfaces if i.kind == "wan"):
            unit = unit_of(tree, wan.name)
            assert child(unit, "family", "inet").value("filter", "input") == flt.WAN_V4
            assert child(unit, "family", "inet6").value("filter", "input") == flt.WAN_V6
        for f in intent.filters:
            fam, proto = ("inet", "protocol") if f.family == "ipv4" else ("inet6", "next-header")
            terms = _terms(tree, fam, f.name)
            assert len(terms) == len(f.rules), (name, f.name)
            for rule, term in zip(f.rules, terms, strict=True):
                frm = term.first("from")
                assert (frm.value("icmp-type") if frm else None) == (
                    str(rule.icmp_type) if rule.icmp_type is not None else None
                )
                if rule.protocol in ("tcp", "udp") and frm is not None:
                    assert frm.value(proto) == rule.protocol
            assert _discards_and_logs(terms[-1]), (name, f.name)


def test_lo0_filter_protects_the_routing_engine(sample: Sample) -> None:
    for name, intent in sample.intents.items():
        tree = sample.trees[name]
        lo = unit_of(tree, next(i.name for i in intent.interfaces if i.kind == "loopback"))
        for fam, tag, mgmt in (("inet", "V4", intent.mgmt_filter_v4), ("inet6", "V6", intent.mgmt_filter_v6)):
            assert child(lo, "family", fam).value("filter", "input") == f"PROTECT-RE-{tag}"
            terms = _terms(tree, fam, f"PROTECT-RE-{tag}")
            assert _discards_and_logs(terms[-1])
            ssh = next(t for t in terms if t.words[1] == "ssh")
            plists = child(child(ssh, "from"), "source-prefix-list").children or []
            assert [n.key for n in plists] == [f"MGMT-SOURCES-{tag}"]
            plist = child(child(tree, "policy-options"), "prefix-list", f"MGMT-SOURCES-{tag}")
            sources = [
                r.source for r in next(f for f in intent.filters if f.name == mgmt).rules if r.action == "permit"
            ]
            assert [n.key for n in plist.children or ()] == sources
            if intent.bgp is not None:
                assert any(t.words[1] == "bgp" for t in terms)


def test_snmp_is_v3_authpriv_without_community(sample: Sample) -> None:
    for name, intent in sample.intents.items():
        snmp = sample.trees[name].first("snmp")
        assert snmp is not None
        assert intent.snmp is not None
        assert not [n for n in walk(snmp) if n.key == "community"], name
        user = child(child(child(child(snmp, "v3"), "usm"), "local-engine"), "user", intent.snmp.user)
        assert {c.key for c in user.children or ()} == {"authentication-sha256", "privacy-aes128"}
        levels = [n.words[1] for n in walk(snmp) if n.key == "security-level"]
        assert levels
        assert set(levels) == {"privacy"}


def test_secrets_appear_only_as_placeholders(sample: Sample) -> None:
    for name, tree in sample.trees.items():
        text = sample.text(name)
        assert SENTINEL not in text
        assert set(TOKEN.findall(text)) - {"NAME"} <= set(sample.inv.secrets), name
        for node in walk(tree):
            if node.key in SECRET_STATEMENTS and node.children is None:
                assert TOKEN.fullmatch(node.words[-1]), (name, node.line, node.words)
            if node.words[:1] == ("md5",):
                assert TOKEN.fullmatch(node.words[-1]), (name, node.line)


def outside(intents: dict[str, DeviceIntent], intent: DeviceIntent, i: Interface) -> bool:
    """A WAN interface, or an interface the intent puts on a firewall's untrust side."""
    return i.kind == "wan" or (intent.role == "firewall" and i.zone == "untrust")


def test_srx_zones_split_wan_from_internal(sample: Sample) -> None:
    srx = [n for n, i in sample.intents.items() if i.role in ("firewall", "ce")]
    assert srx
    for name in srx:
        intent, tree = sample.intents[name], sample.trees[name]
        zones = child(child(tree, "security"), "zones")
        members = {
            z.words[1]: {n.key for n in children(z, "interfaces")[0].children or ()}
            if children(z, "interfaces")
            else set()
            for z in children(zones, "security-zone")
        }
        wan = {"{}.{}".format(*ifl(i.name)) for i in intent.interfaces if outside(sample.intents, intent, i)}
        routed = {"{}.{}".format(*ifl(i.name)) for i in intent.interfaces if i.addressed and i.kind != "mgmt"}
        assert members["tslcd"] == wan, name
        assert members["trust"] == routed - wan, name
        policies = child(child(tree, "security"), "policies")
        assert [n.key for n in child(policies, "default-policy").children or ()] == ["deny-all"]
        inbound = child(policies, "from-zone", "tslcd", "to-zone", "trust")
        assert not [n for n in walk(inbound) if n.key == "permit"]
        assert [n for n in walk(child(policies, "from-zone", "trust", "to-zone", "tslcd")) if n.key == "permit"]


def test_facts_read_back_planned_addresses_and_filters(sample: Sample) -> None:
    parse_facts = parser(PLATFORM)
    for name, intent in sample.intents.items():
        facts = parse_facts({"cfg": sample.text(name)})
        assert facts.hostname == intent.hostname
        wans = [facts.interfaces[f"{i.name}.0"] for i in intent.interfaces if i.kind == "wan"]
        assert {str(a) for f in wans for a in [*f.ipv4, *f.ipv6]} == planned_wan(sample.plan, name), name
        for link in (i for i in intent.interfaces if i.kind == "link"):
            f = facts.interfaces[f"{link.name}.0"]
            assert {str(a) for a in [*f.ipv4, *f.ipv6]} == planned_link(sample.plan, name, link.peer), (name, link.name)
        for wan in (i for i in intent.interfaces if i.kind == "wan"):
            f = facts.interfaces[f"{wan.name}.0"]
            assert (f.filter_v4, f.filter_v6, f.ra_suppressed) == (flt.WAN_V4, flt.WAN_V6, True)
        for link in (i for i in intent.interfaces if i.kind == "link"):
            f = facts.interfaces[f"{link.name}.0"]
            assert (f.ospf_area, f.ospf6_area) == (link.ospf_area, link.ospf_area)


def test_mtu_override_reaches_configuration_and_facts(tmp_path: Path) -> None:
    copy = tmp_path / "inventory"
    shutil.copytree(SAMPLES["phu-yen"], copy)
    site_file = copy / "sites" / "communes" / "thanh-pho-tuy-hoa.yaml"
    text = site_file.read_text(encoding="utf-8")
    old = "{name: ce1, platform: juniper_junos, model: SRX300}"
    assert old in text
    site_file.write_text(text.replace(old, "{name: ce1, platform: juniper_junos, model: SRX300, mtu: 9000}"))
    inv = load(copy)
    intents = build_intents(inv, make_plan(inv))
    device = "xa-binh-ngoc-ce1"
    out = render_intents({device: intents[device]}, inv.digest, Renderer())
    assert out.failures == []
    facts = parse({"cfg": out.files[f"configs/{device}.cfg"]})
    routed = [i for i in intents[device].interfaces if i.addressed and i.kind not in ("loopback", "mgmt")]
    assert routed
    for i in routed:
        name = i.name if "." in i.name else f"{i.name}.0"
        assert facts.interfaces[name].mtu == 9000, name
    assert facts.interfaces["lo0.0"].mtu is None
    baseline = build_intents(load(SAMPLES["phu-yen"]), make_plan(load(SAMPLES["phu-yen"])))[device]
    plain = render_intents({device: baseline}, "x", Renderer()).files[f"configs/{device}.cfg"]
    assert {f.mtu for f in parse({"cfg": plain}).interfaces.values()} == {None}


def _first_line(text: str, pattern: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if re.fullmatch(pattern, line))


def test_parser_rejects_a_missing_brace_naming_the_open_block(sample: Sample) -> None:
    name = next(iter(sample.intents))
    lines = sample.text(name).splitlines()
    opened = _first_line(sample.text(name), r"policy-options \{")
    closing = next(n for n in range(opened, len(lines) + 1) if lines[n - 1] == "}")
    broken = "\n".join(lines[: closing - 1] + lines[closing:])
    with pytest.raises(JunosSyntaxError, match=rf"^line {opened}: block 'policy-options' is never closed") as err:
        parse_tree(broken)
    assert err.value.line == opened
    extra = "\n".join([*lines, "}"])
    with pytest.raises(JunosSyntaxError, match=rf"^line {len(lines) + 1}: unbalanced '}}'"):
        parse_tree(extra)


def test_parser_rejects_a_missing_semicolon_naming_the_line(sample: Sample) -> None:
    name = next(iter(sample.intents))
    text = sample.text(name)
    at = _first_line(text, r"    host-name \S+;")
    lines = text.splitlines()
    lines[at - 1] = lines[at - 1].rstrip(";")
    with pytest.raises(JunosSyntaxError, match=rf"^line {at}: statement 'host-name \S+' is not terminated"):
        parse_tree("\n".join(lines))


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("system {\n    host-name a;\n", 1, "block 'system' is never closed"),
        ('system {\n    host-name "a;\n}\n', 2, "unterminated string"),
        ("/* open comment\nsystem {\n}\n", 1, "unterminated comment"),
        ("system {\n    { host-name a; }\n}\n", 2, "'{' without a statement name"),
        ("system {\n    ;\n}\n", 2, "';' without a statement"),
        ("system {\n    name-server [ a b;\n}\n", 2, "list '\\[' is not closed"),
        ("system {\n    host-name a\n    ;\n}\n", 2, "statement 'host-name a' is not terminated"),
    ],
)
def test_parser_rejects_malformed_text(text: str, line: int, message: str) -> None:
    with pytest.raises(JunosSyntaxError, match=f"^line {line}: {message}"):
        parse_tree(text)


HANDWRITTEN = """\
## Last commit: 2026-01-01 10:00:00 ICT by netadmin
version 23.4R1;
system {
    host-name "lab-mx1";   # quoted, with a comment
    authentication-order [ tacplus password ];
}
interfaces {
    /* uplink */
    ge-0/0/0 {
        unit 0 {
            family inet {
                filter {
                    input EDGE-V4;
                }
                address 192.0.2.1/31;
            }
            family inet6 {
                mtu 9000;
                address 2001:db8::1/127;
            }
        }
    }
    inactive: ge-0/0/1 {
        unit 0 {
            family inet {
                address 198.51.100.1/31;
            }
        }
    }
    ge-0/0/2 {
        disable;
        mtu 1518;
        vlan-tagging;
        unit 20 {
            vlan-id 20;
            family inet {
                address 203.0.113.1/24;
            }
        }
    }
}
protocols {
    router-advertisement {
        interface ge-0/0/2.20;
    }
    ospf {
        area 0.0.0.1 {
            interface ge-0/0/0;
            inactive: interface ge-0/0/2.20;
        }
    }
}
"""


def test_parser_reads_the_show_configuration_format() -> None:
    facts = facts_of(parse_tree(HANDWRITTEN))
    assert facts.hostname == "lab-mx1"
    assert set(facts.interfaces) == {"ge-0/0/0.0", "ge-0/0/2.20"}  # the inactive port is ignored
    up = facts.interfaces["ge-0/0/0.0"]
    assert [str(a) for a in up.ipv4] == ["192.0.2.1/31"]
    assert [str(a) for a in up.ipv6] == ["2001:db8::1/127"]
    assert (up.filter_v4, up.filter_v6, up.mtu, up.ospf_area, up.ra_suppressed) == (
        "EDGE-V4",
        None,
        9000,
        "0.0.0.1",
        True,
    )
    sub = facts.interfaces["ge-0/0/2.20"]
    assert (sub.shutdown, sub.mtu, sub.ospf_area, sub.ra_suppressed) == (True, 1500, None, True)  # no IPv6 on it


def _with(intent: DeviceIntent, **changes: object) -> DeviceIntent:
    return dataclasses.replace(intent, **changes)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def gateway() -> DeviceIntent:
    """A Junos CE that routes its site's VLANs on 802.1Q units (Phú Yên's xa-binh-ngoc-ce1)."""
    inv = load(SAMPLES["phu-yen"])
    found = [i for i in build_intents(inv, make_plan(inv)).values() if i.platform == PLATFORM and i.vlans]
    assert found, "Phú Yên has a Junos gateway device"
    return found[0]


def _render_one(intent: DeviceIntent) -> str:
    out = render_intents({intent.name: intent}, "x", Renderer())
    assert out.failures == []
    return out.files[f"configs/{intent.name}.cfg"]


def test_vrrp_groups_sit_under_the_first_address(gateway: DeviceIntent) -> None:
    vlan = next(x for x in gateway.interfaces if x.kind == "vlan" and x.ipv4 and x.ipv6)
    vrrp = Vrrp(7, 110, "192.0.2.1", ("2001:db8:7::1",), "fe80::1")
    interfaces = tuple(dataclasses.replace(x, vrrp=vrrp) if x is vlan else x for x in gateway.interfaces)
    text = _render_one(_with(gateway, interfaces=interfaces))
    tree = parse_tree(text)
    unit = unit_of(tree, vlan.name)
    v4 = child(child(child(unit, "family", "inet"), "address", vlan.ipv4[0].cidr), "vrrp-group", "7")
    assert (v4.value("virtual-address"), v4.value("priority")) == ("192.0.2.1", "110")
    v6 = child(child(child(unit, "family", "inet6"), "address", vlan.ipv6[0].cidr), "vrrp-inet6-group", "7")
    assert v6.value("virtual-inet6-address") == "2001:db8:7::1"
    assert v6.value("virtual-link-local-address") == "fe80::1"
    assert tree.first("protocols", "vrrp", "version-3") is not None
    facts = parse({"cfg": text}).interfaces[vlan.name]
    assert [str(a) for a in facts.ipv4] == [vlan.ipv4[0].cidr]  # the virtual address is not an interface address
    unchanged = parse_tree(_render_one(gateway))
    assert not [n for n in walk(unchanged) if n.key in ("vrrp-group", "vrrp-inet6-group", "vrrp")]


def test_switch_style_vlans_use_irb_units(gateway: DeviceIntent) -> None:
    swapped = tuple(
        dataclasses.replace(x, name=f"irb.{x.vlan}", parent="irb", unit=x.vlan or 0) if x.kind == "vlan" else x
        for x in gateway.interfaces
    )
    tree = parse_tree(_render_one(_with(gateway, interfaces=swapped)))
    trunk = next(x for x in gateway.interfaces if x.kind == "trunk")
    switching = child(unit_of(tree, trunk.name), "family", "ethernet-switching")
    assert child(child(switching, "vlan"), "members").words[1:] == tuple(str(v) for v in trunk.vlans)
    assert child(child(tree, "interfaces"), trunk.name).first("vlan-tagging") is None
    for vlan in gateway.vlans:
        assert child(child(tree, "vlans"), vlan.name).value("l3-interface") == f"irb.{vlan.id}"
        assert child(child(child(tree, "interfaces"), "irb"), "unit", str(vlan.id)).first("family") is not None
    routed = parse_tree(_render_one(gateway))
    assert routed.first("vlans") is None
    assert child(child(routed, "interfaces"), trunk.name).first("vlan-tagging") is not None


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
