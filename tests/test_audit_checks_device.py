"""The device checks (checks/device) on the sample's real rendered configurations, and on broken variants of them.

Configurations are rendered in-process from the sample inventory (every platform), each device's files joined
as the audit engine joins them; the expectations come from the intents the renderer was given. A broken variant
changes one line of the real text (the edit must apply), and the verdict must change with it. The FRR running
configuration is ``tests/data/audit/so-noi-vu-ce1.frr-running.txt``: FRR 8.4.4 (the machine's package) was
started with the lab's rendering of so-noi-vu-ce1 in a private network namespace and asked
``vtysh -c 'show running-config'``; the test strips its header and masks its keys as the driver and the engine do.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from ipaddress import ip_interface
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from infra.audit.catalogue import Catalogue, load_catalogue
from infra.audit.checking import Check, NotApplicable, Undecided, verdict
from infra.audit.devicefacts import Unreadable, read
from infra.audit.scope import DeviceTarget, device_level, site_systems
from infra.deploy.engine import strip_header
from infra.deploy.targets import Secrets
from infra.inventory import Inventory, load
from infra.plan import AddressPlan, make_plan
from infra.render.intent import DeviceIntent
from infra.render.render import Rendered, render, render_intents

ROOT = Path(__file__).resolve().parents[1]
CHECKS = ROOT / "checks" / "device"
FRR_RUNNING = Path(__file__).parent / "data" / "audit" / "so-noi-vu-ce1.frr-running.txt"

CheckFn = Callable[[DeviceTarget, Check], None]


@cache
def module(name: str) -> ModuleType:
    """A check module of checks/device, loaded from its file (as the engine's importlib mode does)."""
    path = CHECKS / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"hatang_checks_device_{name}", path)
    assert spec is not None
    assert spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loaded)
    return loaded


def fn(name: str, test: str) -> CheckFn:
    found: CheckFn = getattr(module(name), test)
    return found


@dataclass(frozen=True)
class Sample:
    inv: Inventory
    plan: AddressPlan
    rendered: Rendered
    catalogue: Catalogue

    def text(self, name: str) -> str:
        return "".join(self.rendered.files[f] for f in self.rendered.devices[name])

    def intent(self, name: str) -> DeviceIntent:
        return self.rendered.intents[name]

    def pick(self, platform: str, role: str, *, wan: bool | None = None, vrrp: bool = False) -> str:
        for name, intent in sorted(self.rendered.intents.items()):
            has_wan = any(i.kind == "wan" for i in intent.interfaces)
            if intent.platform != platform or intent.role != role or (wan is not None and has_wan != wan):
                continue
            if vrrp and not any(i.vrrp for i in intent.interfaces):
                continue
            return name
        raise LookupError(f"no {platform} {role} in the sample")


@pytest.fixture(scope="module")
def sample() -> Sample:
    inv = load(ROOT / "inventory")
    plan = make_plan(inv)
    return Sample(inv, plan, render(inv, plan), load_catalogue())


def target(
    s: Sample, name: str, text: str | None = None, *, source: str = "intended", intent: DeviceIntent | None = None
) -> DeviceTarget:
    intent = intent or s.intent(name)
    level, systems = device_level(s.inv, intent.site, site_systems(s.inv))
    return DeviceTarget(
        name, intent.site, intent.role, intent.platform, level, source,  # type: ignore[arg-type]
        s.text(name) if text is None else text, "test", "2026-01-01T00:00:00Z", intent, f"{name}:1", systems,
    )  # fmt: skip


def judge(s: Sample, check_fn: CheckFn, device: DeviceTarget, level: int) -> tuple[str, Check]:
    """The finding's status as the engine makes it (level gating, not-applicable and manual signals)."""
    control = s.catalogue.get(check_fn.pytestmark[0].args[0])  # type: ignore[attr-defined]
    check = Check(control, level, str(device))
    if level < control.applies_from_level:
        return "not-applicable", check
    try:
        check_fn(device, check)
    except NotApplicable:
        return (verdict(check.items) if check.items else "not-applicable"), check
    except Undecided:
        status = verdict(check.items)
        return ("manual" if status in ("pass", "not-applicable") else status), check
    return verdict(check.items), check


def edit(text: str, old: str, new: str) -> str:
    assert old in text, f"the sample no longer has {old!r}: the broken variant would be the same text"
    return text.replace(old, new)


def failing(check: Check) -> list[str]:
    return [i.name for i in check.items if i.status == "fail"]


def item(check: Check, name: str) -> Any:
    found = [i for i in check.items if i.name == name]
    assert found, f"no item {name!r} in {[i.name for i in check.items]}"
    return found[0]


# --- parsing ---------------------------------------------------------------------------------------------------


def test_every_rendered_configuration_is_read(sample: Sample) -> None:
    platforms: set[str] = set()
    for name, intent in sample.rendered.intents.items():
        config = read(intent.platform, sample.text(name))
        platforms.add(intent.platform)
        assert config.device.hostname == intent.hostname
        planned = {i.name for i in intent.interfaces if i.addressed}
        assert all(config.interface(n) is not None for n in planned), name
    assert platforms == {"cisco_ios", "arista_eos", "juniper_junos", "huawei_vrp", "frr"}


def test_an_unknown_platform_or_a_broken_junos_text_is_unreadable(sample: Sample) -> None:
    with pytest.raises(Unreadable, match="no configuration reader"):
        read("vyos", "set system host-name x")
    name = sample.pick("juniper_junos", "wan-edge")
    with pytest.raises(Unreadable, match="line"):
        read("juniper_junos", sample.text(name) + "\nsystem {\n")


RECORDINGS = Path(__file__).parent / "drivers" / "recordings"


def recorded_running(driver: str) -> str:
    """A vendor running configuration as NAPALM's getter returned it (the driver contract's recordings)."""
    data = json.loads((RECORDINGS / driver / "getters" / "get_config.1").read_text())
    text: str = data["running"]
    return strip_header(text)


def test_the_readers_take_the_vendors_own_running_text() -> None:
    ios = read("cisco_ios", recorded_running("ios"))
    assert ios.device.hostname == "so-noi-vu-core1"
    assert ios.aaa_enabled is False  # "no aaa new-model"
    assert ios.archive is True  # archive path + write-memory
    assert [ln.login for ln in ios.lines if ln.remote] == ["local"]
    assert {str(n.address): n.authenticated for n in ios.bgp} == {"198.51.100.8": False, "2001:db8:0:12::8": False}
    assert ios.logging_level == 6
    assert "logging_level" in ios.defaults  # hidden at its default: taken from IOS's default, and said so
    assert ip_interface("2001:db8:0:12::9/64") in ios.device.interfaces["GigabitEthernet0/0/0"].ipv6
    eos = read("arista_eos", recorded_running("eos"))
    assert eos.device.hostname == "dc-chinh-core1"
    assert (eos.https, eos.http) == (True, False)  # the API runs on a unix socket, not plain HTTP
    assert not any(n.authenticated for n in eos.bgp)
    assert len(eos.bgp) == 2
    junos = read("juniper_junos", recorded_running("junos"))
    assert junos.device.hostname == "dc-chinh-wan1"
    assert junos.ssh_version == "2"
    assert junos.control_plane == ""  # no lo0 filter
    assert {n.remote_as for n in junos.bgp} == {64512}
    vrp = read("huawei_vrp", recorded_running("huawei_vrp"))
    assert vrp.device.hostname == "xa-da-loc-ce1"
    assert [u.hashed for u in vrp.local_users] == [True]
    assert {str(n.address) for n in vrp.bgp} == {"198.51.100.16", "2001:db8:0:14::10"}
    assert vrp.ipv6_routing is True


def test_the_readers_find_what_the_intent_configured(sample: Sample) -> None:
    for platform, role in (
        ("cisco_ios", "ce"),
        ("arista_eos", "core"),
        ("juniper_junos", "wan-edge"),
        ("huawei_vrp", "ce"),
    ):
        name = sample.pick(platform, role)
        intent = sample.intent(name)
        c = read(platform, sample.text(name))
        assert {str(a) for a in c.syslog_hosts} == {t.address for t in intent.syslog}, name
        assert {str(a) for a in c.ntp_servers} == {t.address for t in intent.ntp}, name
        assert {str(a) for a in c.aaa_servers} == {t.address for t in intent.aaa}, name
        peers = {p.address for p in intent.bgp.peers} if intent.bgp else set()
        assert {str(n.address) for n in c.bgp} == peers, name
        assert all(n.authenticated for n in c.bgp), name


# --- NET-01 ----------------------------------------------------------------------------------------------------


def test_net01_passes_on_every_platform_but_frr(sample: Sample) -> None:
    check_fn = fn("test_management", "test_ssh_only_management")
    for platform, role in (
        ("cisco_ios", "ce"),
        ("arista_eos", "core"),
        ("juniper_junos", "firewall"),
        ("huawei_vrp", "ce"),
    ):
        status, check = judge(sample, check_fn, target(sample, sample.pick(platform, role)), 1)
        assert status == "pass", (platform, failing(check))
    frr = sample.pick("frr", "internet-edge")
    status, _ = judge(sample, check_fn, target(sample, frr), 1)
    assert status == "manual"


@pytest.mark.parametrize(
    ("platform", "role", "old", "new", "broken"),
    [
        ("cisco_ios", "ce", "ip ssh version 2\n", "", "SSH protocol version"),
        ("cisco_ios", "ce", " transport input ssh\n", " transport input telnet ssh\n", "line vty 0 4 transport input"),
        ("cisco_ios", "ce", "ip ssh server algorithm mac hmac-sha2-256 hmac-sha2-512\n", "", "SSH MACs"),
        (
            "arista_eos",
            "core",
            "management telnet\n   shutdown\n",
            "management telnet\n   no shutdown\n",
            "telnet server",
        ),
        (
            "juniper_junos",
            "firewall",
            "    services {\n        ssh {",
            "    services {\n        telnet;\n        ssh {",
            "telnet server",
        ),
        ("huawei_vrp", "ce", " protocol inbound ssh\n", " protocol inbound all\n", "line vty 0 4 transport input"),
        ("huawei_vrp", "ce", "undo http server enable\n", "http server enable\n", "plain HTTP server"),
    ],
)
def test_net01_fails_on_broken_variants(
    sample: Sample, platform: str, role: str, old: str, new: str, broken: str
) -> None:
    name = sample.pick(platform, role)
    status, check = judge(
        sample,
        fn("test_management", "test_ssh_only_management"),
        target(sample, name, edit(sample.text(name), old, new)),
        1,
    )
    assert status == "fail"
    assert broken in failing(check)


# --- NET-02 / NET-04 / NET-05 / NET-09 ---------------------------------------------------------------------------


def test_net02_counts_the_inventorys_servers_from_level_3(sample: Sample) -> None:
    check_fn = fn("test_management", "test_central_aaa")
    name = sample.pick("cisco_ios", "ce")
    assert judge(sample, check_fn, target(sample, name), 3)[0] == "pass"
    assert judge(sample, check_fn, target(sample, name), 2)[0] == "not-applicable"
    one = edit(sample.text(name), " server name aaa-2\n", "")
    one = edit(one, "tacacs server aaa-2\n address ipv6", "tacacs server aaa-2\n description")
    status, check = judge(sample, check_fn, target(sample, name, one), 3)
    assert status == "fail"
    assert {"AAA servers", "AAA servers of the inventory"} <= set(failing(check))
    extra = edit(
        sample.text(name), "username netadmin", "username backdoor privilege 15 secret 9 $9$x\nusername netadmin"
    )
    status, check = judge(sample, check_fn, target(sample, name, extra), 3)
    assert failing(check) == ["local accounts"]


def test_net04_timeouts_and_throttling(sample: Sample) -> None:
    check_fn = fn("test_management", "test_session_timeout_and_throttling")
    name = sample.pick("cisco_ios", "ce")
    assert judge(sample, check_fn, target(sample, name), 1)[0] == "pass"
    never = edit(
        sample.text(name),
        "line vty 0 4\n access-class MGMT-V4 in vrf-also\n ipv6 access-class MGMT-V6 in\n exec-timeout 5 0",
        "line vty 0 4\n access-class MGMT-V4 in vrf-also\n ipv6 access-class MGMT-V6 in\n exec-timeout 0 0",
    )
    _, check = judge(sample, check_fn, target(sample, name, never), 1)
    assert failing(check) == ["line vty 0 4 idle timeout (s)"]
    lax = edit(
        sample.text(name), "login block-for 120 attempts 3 within 60", "login block-for 120 attempts 10 within 60"
    )
    assert failing(judge(sample, check_fn, target(sample, name, lax), 1)[1]) == ["failed logins before blocking"]
    vrp = sample.pick("huawei_vrp", "ce")
    long_idle = edit(
        sample.text(vrp),
        " protocol inbound ssh\n idle-timeout 5 0",
        " protocol inbound ssh\n idle-timeout 15 0",
    )
    assert failing(judge(sample, check_fn, target(sample, vrp, long_idle), 1)[1]) == ["line vty 0 4 idle timeout (s)"]


def test_net05_reversible_passwords_fail_and_md5_warns(sample: Sample) -> None:
    check_fn = fn("test_management", "test_hashed_credentials")
    name = sample.pick("cisco_ios", "ce")
    assert judge(sample, check_fn, target(sample, name), 1)[0] == "pass"
    seven = edit(
        sample.text(name), "username netadmin privilege 15 secret 9", "username netadmin privilege 15 password 7"
    )
    assert judge(sample, check_fn, target(sample, name, seven), 1)[0] == "fail"
    md5 = edit(sample.text(name), "aaa new-model\n", "aaa new-model\nenable secret 5 $1$abcd$efgh\n")
    assert judge(sample, check_fn, target(sample, name, md5), 1)[0] == "warn"
    clear = edit(sample.text(name), "aaa new-model\n", "aaa new-model\nenable password cisco\n")
    assert failing(judge(sample, check_fn, target(sample, name, clear), 1)[1]) == ["enable password (reversible)"]


def test_net09_services_and_external_interfaces(sample: Sample) -> None:
    check_fn = fn("test_management", "test_unneeded_services_off")
    name = sample.pick("cisco_ios", "ce", wan=True)
    assert judge(sample, check_fn, target(sample, name), 1)[0] == "pass"
    small = edit(sample.text(name), "no service pad\n", "service tcp-small-servers\nno service pad\n")
    assert failing(judge(sample, check_fn, target(sample, name, small), 1)[1]) == ["unneeded services"]
    wan = next(i.name for i in sample.intent(name).interfaces if i.kind == "wan")
    cdp = edit(sample.text(name), " no cdp enable\n", "")
    assert failing(judge(sample, check_fn, target(sample, name, cdp), 1)[1]) == [f"{wan} CDP/LLDP"]
    routed = edit(sample.text(name), "no ip source-route\n", "")
    assert failing(judge(sample, check_fn, target(sample, name, routed), 1)[1]) == ["source-routed packets"]


# --- NET-06 / NET-07 / NET-08 -------------------------------------------------------------------------------------


def _drop_second(text: str, line_start: str) -> str:
    lines = text.splitlines(keepends=True)
    hits = [i for i, line in enumerate(lines) if line.startswith(line_start)]
    assert len(hits) >= 2, f"fewer than two lines start with {line_start!r}"
    return "".join(line for i, line in enumerate(lines) if i not in hits[1:])


def test_net06_one_collector_is_enough_below_level_3(sample: Sample) -> None:
    check_fn = fn("test_monitoring", "test_syslog_to_collectors")
    name = sample.pick("cisco_ios", "ce")
    one = _drop_second(sample.text(name), "logging host ")
    assert judge(sample, check_fn, target(sample, name), 3)[0] == "pass"
    assert judge(sample, check_fn, target(sample, name, one), 2)[0] == "fail"  # the inventory's second collector
    _, check = judge(sample, check_fn, target(sample, name, one), 3)
    assert {"collectors", "collectors of the inventory"} <= set(failing(check))
    assert item(check, "collectors").threshold == "syslog_collectors"
    other = edit(sample.text(name), "logging host ipv6 2001:db8:5410:4140::3f", "logging host ipv6 2001:db8:ffff::514")
    other = edit(other, "logging host ipv6 2001:db8:5410:4140::40", "logging host ipv6 2001:db8:ffff::515")
    assert "a SOC collector" in failing(judge(sample, check_fn, target(sample, name, other), 3)[1])


def test_net06_junos_sends_notice_only(sample: Sample) -> None:
    check_fn = fn("test_monitoring", "test_syslog_to_collectors")
    name = sample.pick("juniper_junos", "wan-edge")
    status, check = judge(sample, check_fn, target(sample, name), 1)
    assert status == "fail"
    assert failing(check) == ["severity sent"]
    info = sample.text(name).replace(
        "            any notice;\n            authorization info;\n            interactive",
        "            any info;\n            interactive",
    )
    assert info != sample.text(name)
    assert judge(sample, check_fn, target(sample, name, info), 1)[0] == "pass"


def test_net07_two_servers_at_level_1_authentication_from_level_3(sample: Sample) -> None:
    check_fn = fn("test_monitoring", "test_ntp_sources")
    name = sample.pick("cisco_ios", "ce")
    assert judge(sample, check_fn, target(sample, name), 1)[0] == "pass"
    assert judge(sample, check_fn, target(sample, name), 2)[0] == "pass"  # authentication is not judged below L3
    status, check = judge(sample, check_fn, target(sample, name), 3)
    assert status == "fail"
    assert "NTP authentication on" in failing(check)
    one = _drop_second(sample.text(name), "ntp server ")
    status, check = judge(sample, check_fn, target(sample, name, one), 1)
    assert status == "fail"
    assert {"NTP servers", "NTP servers of the inventory"} == set(failing(check))
    keyed = edit(
        sample.text(name),
        "ntp source",
        "ntp authenticate\nntp authentication-key 1 hmac-sha2-256 0 K\nntp trusted-key 1\nntp source",
    )
    keyed = keyed.replace(
        "ntp server vrf Mgmt-intf ipv6 2001:db8:5410:100::1b",
        "ntp server vrf Mgmt-intf ipv6 2001:db8:5410:100::1b key 1",
    )
    keyed = keyed.replace(
        "ntp server vrf Mgmt-intf ipv6 2001:db8:5410:100::1c",
        "ntp server vrf Mgmt-intf ipv6 2001:db8:5410:100::1c key 1",
    )
    assert judge(sample, check_fn, target(sample, name, keyed), 3)[0] == "pass"


def test_net08_snmp(sample: Sample) -> None:
    check_fn = fn("test_monitoring", "test_snmpv3_authpriv")
    for platform, role in (("cisco_ios", "ce"), ("arista_eos", "core"), ("huawei_vrp", "ce")):
        assert judge(sample, check_fn, target(sample, sample.pick(platform, role)), 1)[0] == "pass", platform
    name = sample.pick("cisco_ios", "ce")
    community = edit(sample.text(name), "snmp-server location", "snmp-server community public RO\nsnmp-server location")
    assert failing(judge(sample, check_fn, target(sample, name, community), 1)[1]) == ["SNMP communities (v1/v2c)"]
    open_acl = edit(sample.text(name), " permit ipv6 host 2001:db8:5410:99::15 any\n", " permit ipv6 any any\n")
    assert failing(judge(sample, check_fn, target(sample, name, open_acl), 1)[1]) == [
        "SNMP ipv6: sources admitted (SNMP-V6)"
    ]
    running = "\n".join(line for line in sample.text(name).splitlines() if not line.startswith("snmp-server user "))
    assert judge(sample, check_fn, target(sample, name, running, source="running"), 1)[0] == "manual"


def test_net08_and_net10_junos_routing_engine_filter_admits_service_hosts(sample: Sample) -> None:
    name = sample.pick("juniper_junos", "wan-edge")
    status, check = judge(sample, fn("test_monitoring", "test_snmpv3_authpriv"), target(sample, name), 1)
    assert failing(check) == ["SNMP ipv6: sources admitted (PROTECT-RE-V6)"]
    status, check = judge(sample, fn("test_management", "test_management_plane_acls"), target(sample, name), 2)
    assert status == "fail"
    assert "term services" in item(check, "line ssh ipv6: sources admitted (PROTECT-RE-V6)").observed


def test_net10_management_acls(sample: Sample) -> None:
    check_fn = fn("test_management", "test_management_plane_acls")
    for platform, role in (("cisco_ios", "ce"), ("arista_eos", "core"), ("huawei_vrp", "ce"), ("frr", "internet-edge")):
        status, check = judge(sample, check_fn, target(sample, sample.pick(platform, role)), 2)
        assert status == "pass", (platform, failing(check))
    name = sample.pick("cisco_ios", "ce")
    wide = edit(sample.text(name), " permit ipv6 2001:db8:5410:99::/64 any\n", " permit ipv6 2001:db8:5410::/48 any\n")
    assert failing(judge(sample, check_fn, target(sample, name, wide), 2)[1]) == [
        "line vty 0 4 ipv6: sources admitted (MGMT-V6)",
        "line vty 5 15 ipv6: sources admitted (MGMT-V6)",
    ]
    no_v6 = wide.replace(" ipv6 access-class MGMT-V6 in\n", "")
    assert "line vty 0 4 IPv6 access list" in failing(judge(sample, check_fn, target(sample, name, no_v6), 2)[1])
    assert judge(sample, check_fn, target(sample, name), 1)[0] == "not-applicable"


# --- NET-11…NET-16 -------------------------------------------------------------------------------------------------


def test_net11_access_switch_without_user_ports_is_manual(sample: Sample) -> None:
    check_fn = fn("test_perimeter", "test_ipv6_first_hop_security")
    switch = sample.pick("cisco_ios", "access")
    assert judge(sample, check_fn, target(sample, switch), 2)[0] == "manual"
    assert judge(sample, check_fn, target(sample, sample.pick("cisco_ios", "ce")), 2)[0] == "not-applicable"
    ported = (
        sample.text(switch) + "interface GigabitEthernet1/0/5\n switchport mode access\n switchport access vlan 10\n!\n"
    )
    status, _ = judge(sample, check_fn, target(sample, switch, ported, source="running"), 2)
    assert status == "fail"
    guarded = ported.replace(
        " switchport access vlan 10\n",
        " switchport access vlan 10\n ipv6 nd raguard attach-policy HOSTS\n ipv6 dhcp guard attach-policy CLIENTS\n",
    )
    guarded = guarded.replace(
        "spanning-tree mode", "ipv6 nd raguard policy HOSTS\n device-role host\nspanning-tree mode"
    )
    assert judge(sample, check_fn, target(sample, switch, guarded, source="running"), 2)[0] == "pass"


def test_net12_ra_on_the_wan_fails(sample: Sample) -> None:
    check_fn = fn("test_perimeter", "test_ra_suppressed_at_the_edge")
    name = sample.pick("huawei_vrp", "ce")
    assert judge(sample, check_fn, target(sample, name), 1)[0] == "pass"
    wan = next(i for i in sample.intent(name).interfaces if i.kind == "wan")
    text = sample.text(name)
    block = text[text.index(f"interface {wan.name}\n") :]
    block = block[: block.index("#")]
    broken = text.replace(block, block.replace(" ipv6 nd ra halt\n", " undo ipv6 nd ra halt\n"))
    assert broken != text
    assert failing(judge(sample, check_fn, target(sample, name, broken), 1)[1]) == [f"{wan.name} RA suppressed"]
    _, check = judge(sample, check_fn, target(sample, name), 1)
    lans = [i.name for i in check.items if i.name.endswith("advertised hop limit")]
    assert lans, "the commune CE advertises on its user VLANs"
    assert all(i.observed == "64" for i in check.items if i.name in lans)  # VRP's default, not written
    low = edit(text, "ipv6\n", "ipv6\nipv6 nd hop-limit 8\n")
    assert set(failing(judge(sample, check_fn, target(sample, name, low), 1)[1])) == set(lans)


def test_net13_extension_headers(sample: Sample) -> None:
    check_fn = fn("test_perimeter", "test_extension_header_filtering")
    name = sample.pick("cisco_ios", "ce", wan=True)
    assert judge(sample, check_fn, target(sample, name), 2)[0] == "not-applicable"
    assert judge(sample, check_fn, target(sample, name), 3)[0] == "fail"
    denies = (
        " deny ipv6 any any undetermined-transport log\n deny ipv6 any any routing-type 0 log\n"
        " deny 60 any any dest-option-type 195 log\n deny 60 any any dest-option-type 138 log\n"
    )
    fixed = edit(sample.text(name), "ipv6 access-list TSLCD-IN-V6\n", "ipv6 access-list TSLCD-IN-V6\n" + denies)
    assert judge(sample, check_fn, target(sample, name, fixed), 3)[0] == "pass"
    junos = sample.pick("juniper_junos", "wan-edge")
    status, check = judge(sample, check_fn, target(sample, junos), 3)
    assert status == "fail"
    assert any(i.status == "manual" and "undetermined" in i.name for i in check.items)


def test_net14_icmpv6_errors_before_any_deny(sample: Sample) -> None:
    check_fn = fn("test_perimeter", "test_icmpv6_filtering")
    for platform in ("cisco_ios", "huawei_vrp", "juniper_junos"):
        name = sample.pick(platform, "ce" if platform != "juniper_junos" else "wan-edge", wan=True)
        assert judge(sample, check_fn, target(sample, name), 1)[0] == "pass", platform
    name = sample.pick("cisco_ios", "ce", wan=True)
    no_ptb = edit(sample.text(name), " permit icmp any any packet-too-big\n", "")
    status, check = judge(sample, check_fn, target(sample, name, no_ptb), 1)
    assert status == "fail"
    assert item(check, failing(check)[0]).observed == "packet-too-big"
    early = edit(sample.text(name), " remark ICMP destination-unreachable\n", " deny icmp any any log\n")
    assert judge(sample, check_fn, target(sample, name, early), 1)[0] == "fail"


def test_net15_urpf_and_spoofed_sources(sample: Sample) -> None:
    check_fn = fn("test_perimeter", "test_anti_spoofing")
    name = sample.pick("cisco_ios", "ce", wan=True)
    status, check = judge(sample, check_fn, target(sample, name), 2)
    assert status == "fail"
    assert [f for f in failing(check) if "100.64.0.0/10" in f]
    shared = edit(
        sample.text(name),
        " remark ICMP unreachable\n",
        " deny ip 100.64.0.0 0.63.255.255 any log\n remark ICMP unreachable\n",
    )
    status, check = judge(sample, check_fn, target(sample, name, shared), 2)
    assert status == "manual"  # 2001:db8::/32 holds the sample's own blocks: it cannot be denied here
    assert [i.name for i in check.items if i.status == "manual"] == [
        n for n in (i.name for i in check.items) if "2001:db8::/32" in n
    ]
    no_ula = edit(shared, " deny ipv6 fc00::/7 any log\n", "")
    assert [f for f in failing(judge(sample, check_fn, target(sample, name, no_ula), 2)[1]) if "fc00::/7" in f]
    link = next(i.name for i in sample.intent(name).interfaces if i.kind == "link")
    no_urpf = edit(shared, " ip verify unicast source reachable-via rx\n", "")
    assert f"{link} ipv4 uRPF" in failing(judge(sample, check_fn, target(sample, name, no_urpf), 2)[1])
    loose = edit(
        shared, " ipv6 verify unicast source reachable-via rx\n", " ipv6 verify unicast source reachable-via any\n"
    )
    assert f"{link} ipv6 uRPF" in failing(judge(sample, check_fn, target(sample, name, loose), 2)[1])


def test_net16_parity_final_deny_and_egress(sample: Sample) -> None:
    check_fn = fn("test_perimeter", "test_perimeter_default_deny")
    name = sample.pick("cisco_ios", "ce", wan=True)
    assert judge(sample, check_fn, target(sample, name), 1)[0] == "pass"
    status, check = judge(sample, check_fn, target(sample, name), 3)
    assert status == "fail"
    assert all("outbound" in f for f in failing(check))
    wan = next(i.name for i in sample.intent(name).interfaces if i.kind == "wan")
    open_v6 = edit(sample.text(name), " ipv6 traffic-filter TSLCD-IN-V6 in\n", "")
    assert f"{wan} IPv4/IPv6 parity" in failing(judge(sample, check_fn, target(sample, name, open_v6), 1)[1])
    no_log = edit(
        sample.text(name),
        " remark default deny\n deny ipv6 any any log\n",
        " remark default deny\n deny ipv6 any any\n",
    )
    assert failing(judge(sample, check_fn, target(sample, name, no_log), 1)[1]) == [
        f"{wan} TSLCD-IN-V6 ends in a logged deny"
    ]
    assert judge(sample, check_fn, target(sample, sample.pick("arista_eos", "core")), 1)[0] == "not-applicable"
    assert judge(sample, check_fn, target(sample, sample.pick("frr", "internet-edge")), 1)[0] == "manual"


# --- NET-17 / NET-18 / NET-20 -------------------------------------------------------------------------------------


def test_net17_control_plane(sample: Sample) -> None:
    check_fn = fn("test_routing", "test_control_plane_protection")
    ce = sample.pick("cisco_ios", "ce")
    assert judge(sample, check_fn, target(sample, ce), 3)[0] == "fail"
    copp = sample.text(ce).replace("\nend", "\ncontrol-plane\n service-policy input COPP\n!\nend")
    assert judge(sample, check_fn, target(sample, ce, copp), 3)[0] == "manual"
    assert judge(sample, check_fn, target(sample, sample.pick("arista_eos", "core")), 3)[0] == "manual"
    _, check = judge(sample, check_fn, target(sample, sample.pick("juniper_junos", "wan-edge")), 3)
    assert item(check, "control-plane policy").status == "pass"


def test_net18_routing_authentication(sample: Sample) -> None:
    check_fn = fn("test_routing", "test_routing_protocol_authentication")
    name = sample.pick("cisco_ios", "ce", wan=True)
    assert judge(sample, check_fn, target(sample, name), 2)[0] == "pass"
    peer = next(p for p in sample.intent(name).bgp.peers if p.family == "ipv4")  # type: ignore[union-attr]
    bare = edit(sample.text(name), f" neighbor {peer.address} password ${{secret:bgp-tslcd}}\n", "")
    assert failing(judge(sample, check_fn, target(sample, name, bare), 2)[1]) == [f"BGP {peer.address} ({peer.name})"]
    link = next(i.name for i in sample.intent(name).interfaces if i.kind == "link")
    plain = edit(sample.text(name), " ip ospf authentication key-chain OSPF-KEY\n", "")
    plain = edit(plain, " area 0.0.0.0 authentication message-digest\n", "")
    assert failing(judge(sample, check_fn, target(sample, name, plain), 2)[1]) == [f"{link} OSPFv2 authentication"]
    status, check = judge(sample, check_fn, target(sample, sample.pick("arista_eos", "core", vrrp=True)), 2)
    assert status == "fail"
    assert all("OSPFv3" in f for f in failing(check))


def test_net20_trunks_and_unused_ports(sample: Sample) -> None:
    check_fn = fn("test_routing", "test_layer2_hygiene")
    name = sample.pick("arista_eos", "core", vrrp=True)
    status, check = judge(sample, check_fn, target(sample, name), 2)
    assert status == "warn"  # native VLAN 1, not carried on the trunks
    native = sample.text(name).replace(
        "   switchport mode trunk\n", "   switchport mode trunk\n   switchport trunk native vlan 999\n"
    )
    assert judge(sample, check_fn, target(sample, name, native), 2)[0] == "manual"  # the unused ports: running config
    unused = native.replace("\nend", "\ninterface Ethernet30\n!\nend")
    status, check = judge(sample, check_fn, target(sample, name, unused, source="running"), 2)
    assert status == "fail"
    assert {"Ethernet30 access VLAN", "Ethernet30 BPDU guard", "unused ports shut down"} <= set(failing(check))
    shut = native.replace("\nend", "\ninterface Ethernet30\n   shutdown\n!\nend")
    assert judge(sample, check_fn, target(sample, name, shut, source="running"), 2)[0] == "pass"
    assert judge(sample, check_fn, target(sample, name, unused, source="running"), 3)[0] == "fail"
    assert "Ethernet30 802.1X" in failing(judge(sample, check_fn, target(sample, name, unused, source="running"), 3)[1])


# --- WAN ----------------------------------------------------------------------------------------------------------


def test_wan01_circuit_shut_down_fails(sample: Sample) -> None:
    check_fn = fn("test_wan", "test_tslcd_circuits_configured")
    name = sample.pick("juniper_junos", "wan-edge")
    assert judge(sample, check_fn, target(sample, name), 1)[0] == "pass"
    wan = next(i for i in sample.intent(name).interfaces if i.kind == "wan")
    down = edit(sample.text(name), f"    {wan.name} {{\n", f"    {wan.name} {{\n        disable;\n")
    assert failing(judge(sample, check_fn, target(sample, name, down), 1)[1]) == [f"{wan.name} ({wan.description})"]


def test_wan04_filters_and_zones(sample: Sample) -> None:
    check_fn = fn("test_wan", "test_tslcd_kept_apart")
    name = sample.pick("cisco_ios", "ce", wan=True)
    status, check = judge(sample, check_fn, target(sample, name), 1)
    assert status == "manual"  # the default routes are live state
    assert not failing(check)
    bare = edit(sample.text(name), " ip access-group TSLCD-IN-V4 in\n", "")
    assert judge(sample, check_fn, target(sample, name, bare), 1)[0] == "fail"
    fw = sample.pick("juniper_junos", "firewall")
    status, check = judge(sample, check_fn, target(sample, fw), 1)
    assert item(check, "policy from the TSLCD zone inwards").status == "pass"
    opened = edit(
        sample.text(fw),
        "                then {\n                    deny;",
        "                then {\n                    permit;",
    )
    assert "policy from the TSLCD zone inwards" in failing(judge(sample, check_fn, target(sample, fw, opened), 1)[1])


def test_wan05_ipv6_on_the_circuit(sample: Sample) -> None:
    check_fn = fn("test_wan", "test_dual_stack_wan")
    name = sample.pick("cisco_ios", "ce", wan=True)
    assert judge(sample, check_fn, target(sample, name), 1)[0] == "pass"
    wan = next(i for i in sample.intent(name).interfaces if i.kind == "wan")
    planned = wan.ipv6[0].cidr
    moved = edit(sample.text(name), f" ipv6 address {planned}\n", " ipv6 address 2001:db8:ffff:1::1/127\n")
    assert failing(judge(sample, check_fn, target(sample, name, moved), 1)[1]) == [f"{wan.name} IPv6 address"]
    no_v6 = edit(sample.text(name), "ipv6 unicast-routing\n", "")
    assert failing(judge(sample, check_fn, target(sample, name, no_v6), 1)[1]) == ["IPv6 routing"]


def test_wan03_port_counts_need_evidence(sample: Sample) -> None:
    check_fn = fn("test_wan", "test_cpe_capabilities")
    name = sample.pick("huawei_vrp", "ce")
    status, check = judge(sample, check_fn, target(sample, name), 1)
    assert status == "manual"
    assert not failing(check)
    v2 = edit(sample.text(name), "snmp-agent mib-view", "snmp-agent community read cipher public\nsnmp-agent mib-view")
    assert failing(judge(sample, check_fn, target(sample, name, v2), 1)[1]) == ["SNMPv3 authPriv only (NET-08)"]


# --- inventory side -----------------------------------------------------------------------------------------------


def test_inv06_addresses_in_their_blocks(sample: Sample) -> None:
    check_fn = fn("test_inventory_side", "test_addresses_in_their_blocks")
    for platform, role in (
        ("cisco_ios", "ce"),
        ("arista_eos", "core"),
        ("juniper_junos", "wan-edge"),
        ("huawei_vrp", "ce"),
        ("frr", "internet-edge"),
    ):
        assert judge(sample, check_fn, target(sample, sample.pick(platform, role)), 1)[0] == "pass", platform
    name = sample.pick("cisco_ios", "ce", wan=True)
    link = next(i for i in sample.intent(name).interfaces if i.kind == "link")
    outside = edit(sample.text(name), f" ipv6 address {link.ipv6[0].cidr}\n", " ipv6 address 2001:db8:5499::1/127\n")
    _, check = judge(sample, check_fn, target(sample, name, outside), 1)
    assert set(failing(check)) == {"addresses inside their planned blocks", "planned addresses configured"}
    site_local = edit(
        sample.text(name),
        f" ipv6 address {link.ipv6[0].cidr}\n",
        f" ipv6 address {link.ipv6[0].cidr}\n ipv6 address fec0::1/64\n",
    )
    assert "site-local (fec0::/10) addresses" in failing(
        judge(sample, check_fn, target(sample, name, site_local), 1)[1]
    )


def test_inv02_and_inv03_device_side(sample: Sample) -> None:
    zones, vrrp = (
        fn("test_inventory_side", "test_zones_routed_apart"),
        fn("test_inventory_side", "test_gateway_redundancy"),
    )
    core = sample.pick("arista_eos", "core", vrrp=True)
    assert judge(sample, zones, target(sample, core), 1)[0] == "pass"
    assert judge(sample, vrrp, target(sample, core), 2)[0] == "manual"  # groups configured; their state is live
    vlan = next(i for i in sample.intent(core).interfaces if i.vrrp is not None)
    assert vlan.vrrp is not None
    no_group = sample.text(core).replace(f"   vrrp {vlan.vrrp.group} ", f"   vrrp {vlan.vrrp.group + 1000} ")
    assert no_group != sample.text(core)
    assert judge(sample, vrrp, target(sample, core, no_group), 2)[0] == "fail"
    gone = edit(sample.text(core), f"interface {vlan.name}\n", f"interface {vlan.name}-old\n")
    assert judge(sample, zones, target(sample, core, gone), 1)[0] == "fail"


# --- FRR: the rendering and the running configuration --------------------------------------------------------------


@pytest.fixture(scope="module")
def lab() -> tuple[DeviceIntent, str, str]:
    from infra.lab import control

    m = control.model(ROOT / "inventory")
    intent = m.topo.intents["so-noi-vu-ce1"]
    rendered = render_intents({intent.name: intent}, m.inv.digest)
    intended = rendered.files[f"configs/{intent.name}.cfg"]  # the lab's candidate: frr.conf alone
    secrets = Secrets({"ospf-key": "Ospf-Key-1", "bgp-tslcd": "Bgp-Key-1"})
    running = secrets.mask(strip_header(FRR_RUNNING.read_text()))
    return intent, intended, running


def frr_target(sample: Sample, intent: DeviceIntent, text: str, source: str) -> DeviceTarget:
    return DeviceTarget(intent.name, intent.site, intent.role, "frr", 1, source, text, "test", "", intent, "e", ())  # type: ignore[arg-type]


def test_frr_running_configuration_reads_like_the_rendering(sample: Sample, lab: tuple[DeviceIntent, str, str]) -> None:
    intent, intended, running = lab
    assert "Building configuration" not in running
    assert "${secret:bgp-tslcd}" in running
    a, b = read("frr", intended), read("frr", running)
    assert {n: (f.ipv4, f.ipv6) for n, f in a.device.interfaces.items()} == {
        n: (f.ipv4, f.ipv6) for n, f in b.device.interfaces.items()
    }
    assert {(n.address, n.authenticated) for n in a.bgp} == {(n.address, n.authenticated) for n in b.bgp}
    assert b.ipv6_routing is True  # zebra prints "no ipv6 forwarding" only when it is off
    assert a.ipv6_routing is None  # frr.conf alone does not say: the host's sysctl does
    for check_fn, level in (
        (fn("test_routing", "test_routing_protocol_authentication"), 2),
        (fn("test_wan", "test_tslcd_circuits_configured"), 1),
    ):
        assert judge(sample, check_fn, frr_target(sample, intent, running, "running"), level)[0] == "pass"
        assert judge(sample, check_fn, frr_target(sample, intent, intended, "intended"), level)[0] == "pass"


def test_frr_running_configuration_broken(sample: Sample, lab: tuple[DeviceIntent, str, str]) -> None:
    intent, _, running = lab
    check_fn = fn("test_routing", "test_routing_protocol_authentication")
    peer = next(p for p in intent.bgp.peers if p.family == "ipv6")  # type: ignore[union-attr]
    bare = edit(running, f" neighbor {peer.address} password ${{secret:bgp-tslcd}}\n", "")
    assert failing(judge(sample, check_fn, frr_target(sample, intent, bare, "running"), 2)[1]) == [
        f"BGP {peer.address} ({peer.name})"
    ]
    wan5 = fn("test_wan", "test_dual_stack_wan")
    off = edit(running, "service integrated-vtysh-config\n", "no ipv6 forwarding\nservice integrated-vtysh-config\n")
    assert failing(judge(sample, wan5, frr_target(sample, intent, off, "running"), 1)[1]) == ["IPv6 routing"]
    assert judge(sample, wan5, frr_target(sample, intent, running, "running"), 1)[0] == "pass"


def test_frr_host_side_controls_are_manual_not_guessed(sample: Sample, lab: tuple[DeviceIntent, str, str]) -> None:
    intent, _, running = lab
    device = frr_target(sample, intent, running, "running")
    for module_name, test in (
        ("test_management", "test_ssh_only_management"),
        ("test_monitoring", "test_ntp_sources"),
        ("test_monitoring", "test_snmpv3_authpriv"),
        ("test_perimeter", "test_perimeter_default_deny"),
    ):
        status, check = judge(sample, fn(module_name, test), device, 3)
        assert status == "manual", test
        assert not failing(check)
    status, check = judge(sample, fn("test_management", "test_management_plane_acls"), device, 2)
    assert status == "manual"  # vty lists judged; SSH is filtered by the host's nftables, not in frr.conf
    vty = [i.status for i in check.items if "vty" in i.name]
    assert vty
    assert set(vty) == {"pass"}


def test_frr_rendering_with_its_nftables_is_judged(sample: Sample) -> None:
    name = sample.pick("frr", "internet-edge")
    status, check = judge(sample, fn("test_management", "test_management_plane_acls"), target(sample, name), 2)
    assert status == "pass"
    assert any("ssh (nftables)" in i.name for i in check.items)
    wide = edit(
        sample.text(name),
        '\t\tip6 saddr 2001:db8:5410:99::/64 accept comment "mgmt source"\n',
        "\t\tip6 saddr ::/0 accept\n",
    )
    assert (
        judge(sample, fn("test_management", "test_management_plane_acls"), target(sample, name, wide), 2)[0] == "fail"
    )
    status, check = judge(sample, fn("test_perimeter", "test_anti_spoofing"), target(sample, name), 2)
    link = next(i.name for i in sample.intent(name).interfaces if i.kind == "link")
    assert item(check, f"{link} ipv4 uRPF").status == "pass"
    loose = sample.text(name).replace("fib saddr . iif oif missing drop", "fib saddr oif missing drop")
    assert (
        item(
            judge(sample, fn("test_perimeter", "test_anti_spoofing"), target(sample, name, loose), 2)[1],
            f"{link} ipv4 uRPF",
        ).status
        == "fail"
    )
