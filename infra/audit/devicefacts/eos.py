"""Arista EOS configurations (``show running-config`` or hatang's rendering; sections indented by three spaces).

Platform facts the configuration does not spell out (marked in ``Config.defaults``): EOS's SSH server speaks
only protocol 2; telnet and the HTTP API are shut down unless ``no shutdown`` is configured; AAA is always on;
the syslog trap level is informational unless set; keys in the configuration are kept encrypted. An Ethernet
port without ``no switchport`` is a layer-2 port, in access mode and VLAN 1 unless configured otherwise.
"""

from __future__ import annotations

from infra.audit.devicefacts import (
    Acl,
    BgpNeighbor,
    Config,
    Extra,
    Line,
    LocalUser,
    Port,
    SnmpGroup,
    SnmpHost,
    SnmpUser,
    address,
    severity,
)
from infra.audit.devicefacts._lines import Section, extended_rule, sections, standard_rule
from infra.audit.devicefacts.ios import URPF, vlan_list
from infra.render.facts import arista_eos, cisco_ios

DEFAULT_TRAP_LEVEL = 6
UNIT = 3


def _without_vrf(words: list[str], start: int) -> list[str]:
    """``words[start:]`` without a ``vrf <name>`` pair."""
    rest = words[start:]
    if "vrf" in rest[:-1]:
        i = rest.index("vrf")
        rest = rest[:i] + rest[i + 2 :]
    return rest


def _management(c: Config, s: Section) -> None:
    what = s.words[1] if len(s.words) > 1 else ""
    children = s.children()
    enabled = ["no", "shutdown"] in children
    if what == "ssh":
        c.ssh_enabled = ["shutdown"] not in children
        c.ssh_version = "2"
        c.defaults["ssh_version"] = "EOS's SSH server speaks protocol 2 only"
        line = Line("ssh", transport=("ssh",))
        for w in children:
            _ssh_setting(c, line, w)
        c.lines.append(line)
    elif what == "telnet":
        c.telnet = enabled
    elif s.words[1:3] == ["api", "http-commands"]:
        c.https = enabled
        c.http = enabled and ["protocol", "http"] in children
    elif what == "console":
        line = Line("con 0")
        for w in children:
            if w[:1] == ["idle-timeout"] and len(w) > 1:
                line.exec_timeout = int(w[1]) * 60
        c.lines.append(line)


def _ssh_setting(c: Config, line: Line, w: list[str]) -> None:
    if w[:1] == ["idle-timeout"] and len(w) > 1:
        line.exec_timeout = int(w[1]) * 60
    elif w[:2] == ["ip", "access-group"] and len(w) > 2 and w[-1] == "in":
        line.acl_v4 = w[2]
    elif w[:2] == ["ipv6", "access-group"] and len(w) > 2 and w[-1] == "in":
        line.acl_v6 = w[2]
    elif w[:1] == ["mac"]:
        c.ssh_macs = tuple(w[1:])
    elif w[:2] == ["authentication", "protocol"]:
        line.login = " ".join(w[2:])


def _aaa(c: Config, s: Section) -> None:
    w = s.words
    if w[1:4] == ["authentication", "login", "default"]:
        c.aaa_login = [
            " ".join(w[i : i + 2]) if w[i] == "group" else w[i] for i in range(4, len(w)) if w[i - 1] != "group"
        ]
    elif w[1:3] == ["accounting", "commands"] and "start-stop" in w:
        c.command_accounting = True
    elif w[1:4] == ["authentication", "policy", "lockout"] and "failure" in w:
        c.login_attempts = int(w[w.index("failure") + 1])
        c.login_block = True


def _username(c: Config, w: list[str]) -> None:
    if "secret" in w:
        after = w[w.index("secret") + 1 :]
        kind = after[0] if len(after) > 1 else "5"
        c.local_users.append(LocalUser(w[1], "plaintext" if kind == "0" else kind))
    elif "nopassword" in w:
        c.local_users.append(LocalUser(w[1], "none"))


def _logging(c: Config, s: Section) -> None:
    w = _without_vrf(s.words, 1)
    if w[:1] == ["host"] and len(w) > 1:
        found = address(w[1])
        if found is not None:
            c.syslog_hosts.append(found)
    elif w[:1] == ["trap"] and len(w) > 1:
        c.logging_level = severity(w[1])
    elif w[:3] == ["format", "timestamp", "high-resolution"]:
        c.logging_timestamps = True
    elif w[:1] == ["source-interface"] and len(w) > 1:
        c.logging_source = w[1]


def _ntp(c: Config, s: Section) -> None:
    w = s.words
    if w[1:2] == ["server"]:
        rest = _without_vrf(w, 2)
        found = address(rest[0]) if rest else None
        if found is not None:
            c.ntp_servers.append(found)
            c.ntp_server_keys[found] = rest[rest.index("key") + 1] if "key" in rest[:-1] else None
    elif w[1:2] == ["authenticate"]:
        c.ntp_authenticate = True
    elif w[1:2] == ["authentication-key"] and len(w) > 3:
        c.ntp_keys[w[2]] = w[3]
    elif w[1:2] == ["trusted-key"] and len(w) > 2:
        c.ntp_trusted.update(str(k) for k in vlan_list(w[2]))


def _snmp(c: Config, s: Section) -> None:
    w = s.words
    what = w[1] if len(w) > 1 else ""
    c.snmp_enabled = True
    if what == "community":
        c.snmp_communities.append(w[2] if len(w) > 2 else "")
    elif what == "group" and len(w) > 3:
        c.snmp_groups.append(SnmpGroup(w[2], w[3], w[4] if len(w) > 4 else None))
    elif what == "user" and len(w) > 4:
        auth = w[w.index("auth") + 1] if "auth" in w[:-1] else None
        priv = w[w.index("priv") + 1] if "priv" in w[:-1] else None
        bits = {"aes": 128, "aes192": 192, "aes256": 256, "des": 56, "3des": 168}.get(priv or "")
        assert c.snmp_users is not None
        c.snmp_users.append(SnmpUser(w[2], w[3], auth, priv, bits))
    elif what == "host" and len(w) > 2:
        rest = _without_vrf(w, 2)
        version = rest[rest.index("version") + 1] if "version" in rest[:-1] else "1"
        level = rest[rest.index("version") + 2] if version == "3" and len(rest) > rest.index("version") + 2 else None
        c.snmp_hosts.append(SnmpHost(address(rest[0]), "v" + version if version[0].isdigit() else version, level))
    elif what == "ipv4" and w[2:3] == ["access-list"] and len(w) > 3:
        c.snmp_acl_v4 = w[3]
    elif what == "ipv6" and w[2:3] == ["access-list"] and len(w) > 3:
        c.snmp_acl_v6 = w[3]


def _acl(c: Config, s: Section) -> None:
    family = "ipv4" if s.words[0] == "ip" else "ipv6"
    standard = s.words[2:3] == ["standard"]
    name = s.words[3] if standard and len(s.words) > 3 else s.words[2]
    acl = Acl(name, family)  # type: ignore[arg-type]
    for words in s.children():
        rule = (standard_rule if standard else extended_rule)(words, acl.family)
        if rule is not None:
            acl.rules.append(rule)
    c.acls[name] = acl


def _bgp(c: Config, s: Section) -> None:
    c.bgp_asn = int(s.words[2]) if len(s.words) > 2 and s.words[2].isdigit() else None
    remote: dict[str, int | None] = {}
    secured: set[str] = set()
    groups: dict[str, str] = {}
    for _, w in s.body:
        if w[:1] == ["neighbor"] and len(w) > 3:
            if w[2] == "remote-as":
                remote[w[1]] = int(w[3]) if w[3].isdigit() else None
            elif w[2] == "password":
                secured.add(w[1])
            elif w[2] == "peer" and w[3] == "group" and len(w) > 4:
                groups[w[1]] = w[4]
    for who, asn in remote.items():
        found = address(who)
        if found is not None:
            c.bgp.append(BgpNeighbor(found, asn, who in secured or groups.get(who) in secured))


def _interface(c: Config, s: Section, redirects: bool) -> None:
    name = s.words[1] if len(s.words) > 1 else ""
    x = c.extra_for(name)
    x.redirects, x.proxy_arp, x.discovery = redirects, False, True
    routed = not name.startswith(("Ethernet", "Port-Channel")) or ["no", "switchport"] in s.children()
    port = Port(name, None if routed else "access", access_vlan=None if routed else 1)
    for w in s.children():
        _interface_line(x, port, w)
        if w[:1] == ["vrrp"] and len(w) > 1 and w[1].isdigit():
            c.vrrp.setdefault(name, set()).add(int(w[1]))
    if not routed:
        port.shutdown = ["shutdown"] in s.children()
        c.ports[name] = port


def _interface_line(x: Extra, port: Port, w: list[str]) -> None:  # noqa: C901 - one branch per setting
    if w[:2] == ["ip", "verify"] and "reachable-via" in w:
        x.urpf_v4 = URPF.get(w[w.index("reachable-via") + 1], "")  # type: ignore[assignment]
    elif w[:2] == ["ipv6", "verify"] and "reachable-via" in w:
        x.urpf_v6 = URPF.get(w[w.index("reachable-via") + 1], "")  # type: ignore[assignment]
    elif w[:2] == ["ip", "access-group"] and w[-1] == "out":
        x.filter_out_v4 = w[2]
    elif w[:2] == ["ipv6", "access-group"] and w[-1] == "out":
        x.filter_out_v6 = w[2]
    elif w[:2] == ["ip", "proxy-arp"]:
        x.proxy_arp = True
    elif w[:3] == ["no", "lldp", "transmit"]:
        x.discovery = False
    elif w[:1] == ["vrf"] and len(w) > 1:
        x.vrf = w[-1]
    elif w[:3] == ["ip", "ospf", "authentication"]:
        x.ospf_auth = " ".join(w[3:]) or "simple"
    elif w[:3] == ["ipv6", "ospf", "authentication"]:
        x.ospf3_auth = " ".join(w[3:]) or "yes"
    elif w[:2] == ["switchport", "mode"] and len(w) > 2:
        port.mode = w[2]
    elif w[:3] == ["switchport", "access", "vlan"] and len(w) > 3:
        port.access_vlan = int(w[3])
    elif w[:4] == ["switchport", "trunk", "native", "vlan"] and len(w) > 4 and w[4].isdigit():
        port.native_vlan = int(w[4])
    elif w[:4] == ["switchport", "trunk", "allowed", "vlan"] and len(w) > 4:
        port.allowed = vlan_list(w[4])
    elif w[:3] == ["spanning-tree", "bpduguard", "enable"]:
        port.bpduguard = True
    elif w[:3] == ["dot1x", "port-control", "auto"]:
        port.dot1x = True


def _control_plane(c: Config, s: Section) -> None:
    for _, w in s.body:
        if w[:2] in (["ip", "access-group"], ["ipv6", "access-group"], ["service-policy", "input"]) and len(w) > 2:
            c.control_plane = w[2]


def _global(c: Config, s: Section) -> None:  # noqa: C901 - one branch per statement
    w = s.words
    if w[0] == "management":
        _management(c, s)
    elif w[0] == "aaa":
        _aaa(c, s)
    elif w[0] in ("tacacs-server", "radius-server") and w[1:2] == ["host"] and len(w) > 2:
        found = address(w[2])
        if found is not None:
            c.aaa_servers.append(found)
    elif w[0] == "username" and len(w) > 1:
        _username(c, w)
    elif w[:2] == ["enable", "password"] or w[:2] == ["enable", "secret"]:
        c.enable_secret = w[2] if len(w) > 3 else "5"
    elif w[0] == "logging":
        _logging(c, s)
    elif w[:2] == ["no", "logging"] and w[2:3] == ["on"]:
        c.logging_enabled = False
    elif w[0] == "ntp":
        _ntp(c, s)
    elif w[0] == "snmp-server":
        _snmp(c, s)
    elif w[0] in ("ip", "ipv6") and w[1:2] == ["access-list"] and len(w) > 2:
        _acl(c, s)
    elif w[:2] == ["ipv6", "unicast-routing"] and len(w) == 2:
        c.ipv6_routing = True
    elif w[:2] == ["router", "bgp"]:
        _bgp(c, s)
    else:
        _routing(c, s)


def _routing(c: Config, s: Section) -> None:
    w = s.words
    if w[:2] == ["router", "ospf"]:
        c.ospf = True
    elif w[:3] == ["ipv6", "router", "ospf"] or w[:2] == ["router", "ospfv3"]:
        c.ospf3 = True
    elif w[:2] == ["system", "control-plane"] or w[:1] == ["control-plane"]:
        _control_plane(c, s)
    elif w[:2] == ["vrf", "instance"] and len(w) > 2:
        c.vrfs.add(w[2])


def _finish(c: Config) -> None:
    c.aaa_enabled = True
    c.defaults["aaa_enabled"] = "AAA is always on in EOS"
    for attribute, value, note in (
        ("telnet", False, "management telnet shut down"),
        ("https", False, "management api http-commands shut down"),
        ("http", False, "management api http-commands shut down"),
        ("logging_level", DEFAULT_TRAP_LEVEL, "logging trap informational"),
        ("logging_enabled", True, "logging on"),
        ("ssh_enabled", True, "management ssh enabled"),
    ):
        if getattr(c, attribute) is None:
            setattr(c, attribute, value)
            c.defaults[attribute] = f"EOS default: {note}"
    c.password_encryption = True
    c.defaults["password_encryption"] = "EOS stores keys as type 7 or hashes"
    if c.config_logging is None:
        c.config_logging = True
        c.defaults["config_logging"] = "EOS sends SYS-5-CONFIG_E/I to syslog"
    c.source_route = False
    c.defaults["source_route"] = "EOS does not forward source-routed packets"
    if c.control_plane is None:
        c.control_plane = ""
    if c.ipv6_routing is None:
        c.ipv6_routing = False  # EOS routes IPv6 only with "ipv6 unicast-routing"
    if c.logging_timestamps is None:
        c.logging_timestamps = False


def parse(text: str) -> Config:
    """The facts of one EOS configuration."""
    c = Config("arista_eos", cisco_ios.walk(text, "   ", arista_eos.SETTINGS))
    found = sections(text, UNIT)
    redirects = not any(s.words == ["no", "ip", "icmp", "redirect"] for s in found)
    for s in found:
        if s.words[0] == "interface" and len(s.words) > 1:
            _interface(c, s, redirects)
        else:
            _global(c, s)
    _finish(c)
    return c
