"""Cisco IOS / IOS-XE configurations (``show running-config`` or hatang's rendering).

IOS hides a setting at its default value, so some facts come from documented defaults when the line is absent
(marked in ``Config.defaults``): SSH authentication retries 3, syslog trap level informational, logging on, a
line's exec-timeout 10 minutes. SNMPv3 users are never in a running configuration (IOS keeps them apart), so
their algorithms are unknown there unless the text carries ``snmp-server user`` lines, as a rendering does.
"""

from __future__ import annotations

from collections.abc import Callable

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
from infra.render.facts import cisco_ios

DEFAULT_AUTH_RETRIES = 3
DEFAULT_EXEC_TIMEOUT = 600
DEFAULT_TRAP_LEVEL = 6
# Lines the catalogue (NET-09) names as unneeded services when present.
FORBIDDEN = (
    ("ip", "http", "server"),
    ("service", "pad"),
    ("ip", "bootp", "server"),
    ("service", "tcp-small-servers"),
    ("service", "udp-small-servers"),
    ("ip", "finger"),
    ("ip", "identd"),
    ("ip", "rcmd"),
    ("boot", "network"),
    ("service", "config"),
)

Handler = Callable[[Config, Section], None]


def _ssh(c: Config, s: Section) -> None:
    w = s.words
    if w[2:4] == ["version", "2"]:
        c.ssh_version = "2"
    elif w[2:3] == ["version"] and len(w) > 3:
        c.ssh_version = w[3]
    elif w[2:5] == ["server", "algorithm", "mac"]:
        c.ssh_macs = tuple(w[5:])
    elif w[2:3] == ["authentication-retries"] and len(w) > 3:
        c.ssh_auth_retries = int(w[3])


def _http(c: Config, s: Section, negated: bool) -> None:
    w = s.words
    if w[2:3] == ["server"]:
        c.http = not negated
    elif w[2:3] == ["secure-server"]:
        c.https = not negated
    elif w[2:4] == ["timeout-policy", "idle"] and len(w) > 4:
        c.http_idle_timeout = int(w[4])


def _ip(c: Config, s: Section) -> None:
    w = s.words
    what = w[1] if len(w) > 1 else ""
    if what == "ssh":
        _ssh(c, s)
    elif what == "http":
        _http(c, s, negated=False)
    elif what == "access-list" and len(w) > 3:
        _acl(c, s, "ipv4", w[3], standard=w[2] == "standard")
    elif what == "source-route":
        c.source_route = True
    elif w[1:3] == ["ssh", "server"]:
        c.ssh_enabled = True


def _ipv6(c: Config, s: Section) -> None:
    w = s.words
    if w[1:2] == ["unicast-routing"]:
        c.ipv6_routing = True
    elif w[1:2] == ["access-list"] and len(w) > 2:
        _acl(c, s, "ipv6", w[2], standard=False)
    elif w[1:2] == ["hop-limit"] and len(w) > 2:
        c.hop_limit = int(w[2])
    elif w[1:4] == ["nd", "raguard", "policy"] and len(w) > 4 and ["device-role", "host"] in s.children():
        c.ra_guard_policies.append(w[4])


def _acl(c: Config, s: Section, family: str, name: str, *, standard: bool) -> None:
    acl = Acl(name, "ipv4" if family == "ipv4" else "ipv6")
    for words in s.children():
        rule = (standard_rule if standard else extended_rule)(words, acl.family)
        if rule is not None:
            acl.rules.append(rule)
    c.acls[name] = acl


def _numbered_acl(c: Config, s: Section) -> None:
    # access-list <n> permit|deny ...: 1-99 and 1300-1999 standard, the rest extended
    w = s.words
    if len(w) < 3 or not w[1].isdigit():
        return
    number = int(w[1])
    standard = number < 100 or 1300 <= number < 2000
    acl = c.acls.setdefault(w[1], Acl(w[1], "ipv4"))
    rule = (standard_rule if standard else extended_rule)(w[2:], "ipv4")
    if rule is not None:
        acl.rules.append(rule)


def _no(c: Config, s: Section) -> None:
    w = s.words[1:]
    if w[:2] == ["ip", "http"]:
        _http(c, Section(w), negated=True)
    elif w[:2] == ["ip", "source-route"]:
        c.source_route = False
    elif w[:2] == ["logging", "on"]:
        c.logging_enabled = False
    elif w[:1] == ["service"]:
        c.services_off.append(" ".join(s.words))
    elif w[:1] == ["cdp"] and w[1:2] == ["run"]:
        c.services_off.append("no cdp run")
    elif w[:2] == ["ip", "bootp"]:
        c.services_off.append(" ".join(s.words))


def _aaa(c: Config, s: Section, lists: dict[str, list[str]]) -> None:
    w = s.words
    if w[1:2] == ["new-model"]:
        c.aaa_enabled = True
    elif w[1:3] == ["authentication", "login"] and len(w) > 3:
        lists[w[3]] = [
            " ".join(w[i : i + 2]) if w[i] == "group" else w[i] for i in range(4, len(w)) if w[i - 1] != "group"
        ]
    elif w[1:3] == ["accounting", "commands"] and "start-stop" in w:
        c.command_accounting = True


def _server(c: Config, s: Section) -> None:
    # tacacs server X / radius server X with "address ipv4|ipv6 A"; tacacs-server host A / radius-server host A
    w = s.words
    if len(w) >= 3 and w[1] == "host":
        found = address(w[2])
        if found is not None:
            c.aaa_servers.append(found)
        return
    for child in s.children():
        if child[:1] == ["address"] and len(child) > 2:
            found = address(child[2])
            if found is not None:
                c.aaa_servers.append(found)


def _username(c: Config, s: Section) -> None:
    w = s.words
    name = w[1] if len(w) > 1 else ""
    storage = "plaintext"
    if "algorithm-type" in w:
        kind = w[w.index("algorithm-type") + 1]
        storage = {"scrypt": "9", "sha256": "8", "md5": "5"}.get(kind, kind)
    elif "secret" in w:
        after = w[w.index("secret") + 1 :]
        storage = after[0] if len(after) > 1 and after[0].isdigit() else "5"
    elif "password" in w:
        after = w[w.index("password") + 1 :]
        storage = "7" if len(after) > 1 and after[0] == "7" else "plaintext"
    else:
        return
    c.local_users.append(LocalUser(name, storage))


def _enable(c: Config, s: Section) -> None:
    w = s.words
    if "algorithm-type" in w:
        kind = w[w.index("algorithm-type") + 1]
        c.enable_secret = {"scrypt": "9", "sha256": "8", "md5": "5"}.get(kind, kind)
    elif w[1:2] == ["secret"]:
        c.enable_secret = w[2] if len(w) > 3 and w[2].isdigit() else "5"
    elif w[1:2] == ["password"]:
        c.enable_password = True


def _logging(c: Config, s: Section) -> None:
    w = s.words
    what = w[1] if len(w) > 1 else ""
    if what == "on":
        c.logging_enabled = True
    elif what == "host" and len(w) > 2:
        found = address(w[3] if w[2] in ("ipv6", "ipv4") and len(w) > 3 else w[2])
        if found is not None:
            c.syslog_hosts.append(found)
    elif what == "trap" and len(w) > 2:
        c.logging_level = severity(w[2])
    elif what == "source-interface" and len(w) > 2:
        c.logging_source = w[2]
    elif address(what) is not None:
        c.syslog_hosts.append(address(what))  # type: ignore[arg-type]


def _service(c: Config, s: Section) -> None:
    w = s.words
    if w[1:4] == ["timestamps", "log", "datetime"]:
        c.logging_timestamps = "msec" in w
    elif w[1:2] == ["password-encryption"]:
        c.password_encryption = True


def _ntp(c: Config, s: Section) -> None:
    w = s.words
    what = w[1] if len(w) > 1 else ""
    if what == "server":
        rest = w[2:]
        if rest[:1] == ["vrf"]:
            rest = rest[2:]
        if rest[:1] in (["ipv6"], ["ip"]):
            rest = rest[1:]
        found = address(rest[0]) if rest else None
        if found is not None:
            c.ntp_servers.append(found)
            c.ntp_server_keys[found] = rest[rest.index("key") + 1] if "key" in rest[:-1] else None
    elif what == "authenticate":
        c.ntp_authenticate = True
    elif what == "authentication-key" and len(w) > 3:
        c.ntp_keys[w[2]] = w[3]
    elif what == "trusted-key" and len(w) > 2:
        c.ntp_trusted.add(w[2])


def _snmp(c: Config, s: Section) -> None:
    w = s.words
    what = w[1] if len(w) > 1 else ""
    c.snmp_enabled = True
    if what == "community":
        c.snmp_communities.append(w[2] if len(w) > 2 else "")
    elif what == "group" and len(w) > 3:
        level = w[4] if len(w) > 4 and w[4] in ("priv", "auth", "noauth") else None
        group = SnmpGroup(w[2], w[3], level)
        if "access" in w:
            rest = w[w.index("access") + 1 :]
            if rest[:1] == ["ipv6"] and len(rest) > 1:
                group.acl_v6, rest = rest[1], rest[2:]
            group.acl_v4 = rest[0] if rest else None
        c.snmp_groups.append(group)
    elif what == "user" and len(w) > 4:
        _snmp_user(c, w)
    elif what == "host" and len(w) > 2:
        version = w[w.index("version") + 1] if "version" in w[:-1] else "1"
        level = w[w.index("version") + 2] if version == "3" and len(w) > w.index("version") + 2 else None
        c.snmp_hosts.append(SnmpHost(address(w[2]), "v" + version if version[0].isdigit() else version, level))


def _snmp_user(c: Config, w: list[str]) -> None:
    assert c.snmp_users is not None
    auth = w[w.index("auth") + 1] if "auth" in w[:-1] else None
    priv, bits = None, None
    if "priv" in w[:-1]:
        rest = w[w.index("priv") + 1 :]
        priv = rest[0]
        if priv == "aes" and len(rest) > 1 and rest[1].isdigit():
            bits = int(rest[1])
        elif priv == "3des":
            bits = 168
        elif priv == "des":
            bits = 56
    c.snmp_users.append(SnmpUser(w[2], w[3], auth, priv, bits))


def _line(c: Config, s: Section) -> None:
    line = Line(" ".join(s.words[1:]))
    for w in s.children():
        if w[:2] == ["transport", "input"]:
            line.transport = tuple(w[2:])
        elif w[:1] == ["exec-timeout"] and len(w) > 1:
            line.exec_timeout = int(w[1]) * 60 + (int(w[2]) if len(w) > 2 else 0)
        elif w[:2] == ["no", "exec-timeout"]:
            line.exec_timeout = 0
        elif w[:1] == ["access-class"] and len(w) > 2 and w[2] == "in":
            line.acl_v4 = w[1]
        elif w[:2] == ["ipv6", "access-class"] and len(w) > 3 and w[3] == "in":
            line.acl_v6 = w[2]
        elif w[:2] == ["login", "authentication"] and len(w) > 2:
            line.login = w[2]
        elif w == ["login", "local"]:
            line.login = "local"
    if line.exec_timeout is None:
        line.exec_timeout = DEFAULT_EXEC_TIMEOUT
        c.defaults[f"line:{line.name}"] = "IOS default: exec-timeout 10 0"
    c.lines.append(line)


def _bgp(c: Config, s: Section) -> None:
    c.bgp_asn = int(s.words[2]) if len(s.words) > 2 and s.words[2].isdigit() else None
    remote: dict[str, int | None] = {}
    secured: set[str] = set()
    groups: dict[str, str] = {}
    for _, w in s.body:
        if w[:1] != ["neighbor"] or len(w) < 3:
            continue
        who, what = w[1], w[2]
        if what == "remote-as" and len(w) > 3:
            remote[who] = int(w[3]) if w[3].isdigit() else None
        elif what in ("password", "ao"):
            secured.add(who)
        elif what == "peer-group" and len(w) > 3:
            groups[who] = w[3]
            remote.setdefault(who, None)
    for who, asn in remote.items():
        found = address(who)
        if found is not None:
            ok = who in secured or groups.get(who) in secured
            c.bgp.append(BgpNeighbor(found, asn, ok))


def _ospf(c: Config, s: Section, area_auth: dict[str, str]) -> None:
    if s.words[:2] == ["router", "ospf"]:
        c.ospf = True
        for w in s.children():
            if w[:1] == ["area"] and w[2:3] == ["authentication"] and len(w) > 1:
                area_auth[w[1]] = "message-digest" if "message-digest" in w else "simple"
    else:
        c.ospf3 = True


def _interface(c: Config, s: Section) -> None:
    name = s.words[1] if len(s.words) > 1 else ""
    x = c.extra_for(name)
    x.redirects = x.unreachables = x.proxy_arp = x.discovery = True  # IOS defaults, negated below
    port = Port(name, None)
    for w in s.children():
        _interface_line(x, port, w)
        if w[:1] == ["vrrp"] and len(w) > 1 and w[1].isdigit():
            c.vrrp.setdefault(name, set()).add(int(w[1]))
    if port.mode is not None or any(p for p in (port.bpduguard, port.raguard, port.dhcp_guard, port.dot1x)):
        port.shutdown = any(w == ["shutdown"] for w in s.children())
        c.ports[name] = port


URPF = {"rx": "strict", "any": "loose"}


def _interface_line(x: Extra, port: Port, w: list[str]) -> None:
    if w[:2] == ["ip", "verify"] and "reachable-via" in w:
        x.urpf_v4 = URPF.get(w[w.index("reachable-via") + 1], "")  # type: ignore[assignment]
    elif w[:2] == ["ipv6", "verify"] and "reachable-via" in w:
        x.urpf_v6 = URPF.get(w[w.index("reachable-via") + 1], "")  # type: ignore[assignment]
    elif w[:2] == ["ip", "access-group"] and w[-1] == "out":
        x.filter_out_v4 = w[2]
    elif w[:2] == ["ipv6", "traffic-filter"] and w[-1] == "out":
        x.filter_out_v6 = w[2]
    elif w in (["no", "ip", "redirects"], ["no", "ip", "unreachables"], ["no", "ip", "proxy-arp"]):
        setattr(x, {"redirects": "redirects", "unreachables": "unreachables", "proxy-arp": "proxy_arp"}[w[2]], False)
    elif w in (["no", "cdp", "enable"], ["no", "lldp", "transmit"]):
        x.discovery = False
    elif w[:2] in (["vrf", "forwarding"], ["ip", "vrf"]) and len(w) > 2:
        x.vrf = w[-1]
    elif w[:3] == ["ip", "ospf", "authentication"]:
        x.ospf_auth = f"key-chain:{w[4]}" if w[3:4] == ["key-chain"] and len(w) > 4 else " ".join(w[3:]) or "simple"
    elif w[:2] == ["ospfv3", "authentication"] or w[:3] in (
        ["ipv6", "ospf", "authentication"],
        ["ipv6", "ospf", "encryption"],
    ):
        x.ospf3_auth = " ".join(w[2:]) or "yes"
    else:
        _port_line(port, w)


def _port_line(port: Port, w: list[str]) -> None:
    if w[:2] == ["switchport", "mode"] and len(w) > 2:
        port.mode = w[2]
    elif w[:3] == ["switchport", "access", "vlan"] and len(w) > 3:
        port.access_vlan = int(w[3])
    elif w[:4] == ["switchport", "trunk", "native", "vlan"] and len(w) > 4:
        port.native_vlan = int(w[4])
    elif w[:4] == ["switchport", "trunk", "allowed", "vlan"] and len(w) > 4:
        port.allowed = vlan_list(w[4])
    elif w[:3] == ["spanning-tree", "bpduguard", "enable"]:
        port.bpduguard = True
    elif w[:4] == ["ipv6", "nd", "raguard", "attach-policy"]:
        port.raguard = True
    elif w[:4] == ["ipv6", "dhcp", "guard", "attach-policy"]:
        port.dhcp_guard = True
    elif w[:3] in (["authentication", "port-control", "auto"], ["dot1x", "pae", "authenticator"]):
        port.dot1x = True


def vlan_list(text: str) -> tuple[int, ...]:
    """``10,20,30-32`` as VLAN numbers (``none``: no VLAN; ``all``: 1-4094)."""
    if text == "none":
        return ()
    if text == "all":
        return tuple(range(1, 4095))
    out: list[int] = []
    for part in text.split(","):
        low, _, high = part.partition("-")
        if low.isdigit():
            out.extend(range(int(low), int(high or low) + 1))
    return tuple(out)


def _archive(c: Config, s: Section) -> None:
    words = [w for _, w in s.body]
    c.config_logging = ["logging", "enable"] in words
    c.archive = any(w[:1] == ["path"] for w in words) and ["write-memory"] in words


def _control_plane(c: Config, s: Section) -> None:
    for w in s.children():
        if w[:2] == ["service-policy", "input"] and len(w) > 2:
            c.control_plane = w[2]


def _simple(c: Config, s: Section) -> None:
    w = s.words
    if w[:1] == ["login"] and "block-for" in w and "attempts" in w:
        c.login_block = True
        c.login_attempts = int(w[w.index("attempts") + 1])
    elif w[:2] == ["vrf", "definition"] and len(w) > 2:
        c.vrfs.add(w[2])
    elif w[:1] == ["control-plane"]:
        _control_plane(c, s)
    elif w[:1] == ["archive"]:
        _archive(c, s)
    elif w[:1] == ["access-list"]:
        _numbered_acl(c, s)
    elif w[:1] == ["enable"]:
        _enable(c, s)
    elif w[:1] == ["username"]:
        _username(c, s)


def _dispatch(c: Config, s: Section, lists: dict[str, list[str]], area_auth: dict[str, str]) -> None:  # noqa: C901
    head = s.words[0]
    if head == "ip":
        _ip(c, s)
    elif head == "ipv6":
        _ipv6(c, s)
    elif head == "no":
        _no(c, s)
    elif head == "aaa":
        _aaa(c, s, lists)
    elif head in ("tacacs", "radius", "tacacs-server", "radius-server"):
        _server(c, s)
    elif head == "logging":
        _logging(c, s)
    elif head == "service":
        _service(c, s)
    elif head == "ntp":
        _ntp(c, s)
    elif head == "snmp-server":
        _snmp(c, s)
    elif head == "line":
        _line(c, s)
    elif s.words[:2] == ["router", "bgp"]:
        _bgp(c, s)
    elif s.words[:2] in (["router", "ospf"], ["router", "ospfv3"], ["ipv6", "router"]):
        _ospf(c, s, area_auth)
    elif head == "interface":
        _interface(c, s)
    else:
        _simple(c, s)


def _forbidden(c: Config, s: Section) -> None:
    for words in FORBIDDEN:
        if tuple(s.words[: len(words)]) == words:
            c.services_on.append(" ".join(s.words))


def _finish(c: Config, lists: dict[str, list[str]], area_auth: dict[str, str]) -> None:
    used = {line.login for line in c.lines if line.login} or {"default"}
    c.aaa_login = lists.get("default", []) if "default" in used else lists.get(sorted(used)[0], [])
    if c.ssh_auth_retries is None:
        c.ssh_auth_retries = DEFAULT_AUTH_RETRIES
        c.defaults["ssh_auth_retries"] = "IOS default: ip ssh authentication-retries 3"
    if c.logging_level is None:
        c.logging_level = DEFAULT_TRAP_LEVEL
        c.defaults["logging_level"] = "IOS default: logging trap informational"
    if c.logging_enabled is None:
        c.logging_enabled = True
        c.defaults["logging_enabled"] = "IOS default: logging on"
    if c.http is None:
        c.http = False
    if c.source_route is None:
        c.source_route = True  # IOS accepts source-routed packets unless "no ip source-route"
        c.defaults["source_route"] = "IOS default: source routing on without 'no ip source-route'"
    if c.control_plane is None:
        c.control_plane = ""
    if c.ipv6_routing is None:
        c.ipv6_routing = False  # IOS routes IPv6 only with "ipv6 unicast-routing"
    if c.aaa_enabled is None:
        c.aaa_enabled = False  # AAA is off without "aaa new-model"
    c.ssh_enabled = c.ssh_enabled or c.ssh_version is not None or any("ssh" in (ln.transport or ()) for ln in c.lines)
    if c.snmp_users == [] and any(g.version == "v3" for g in c.snmp_groups):
        c.snmp_users = None  # a running configuration never lists SNMPv3 users
        c.unknown["snmp users"] = "IOS keeps SNMPv3 users out of its configuration: see 'show snmp user'"
    _area_auth(c, area_auth)


def _area_auth(c: Config, area_auth: dict[str, str]) -> None:
    """An interface in an area with area-wide authentication is authenticated (IOS inheritance)."""
    for name, iface in c.device.interfaces.items():
        x = c.extra.get(name)
        if x is not None and x.ospf_auth is None and iface.ospf_area is not None:
            for area, kind in area_auth.items():
                if cisco_ios.dotted(area) == iface.ospf_area:
                    x.ospf_auth = kind


def parse(text: str) -> Config:
    """The facts of one IOS configuration."""
    c = Config("cisco_ios", cisco_ios.walk(text, " ", cisco_ios.SETTINGS))
    lists: dict[str, list[str]] = {}
    area_auth: dict[str, str] = {}
    for s in sections(text):
        _forbidden(c, s)
        _dispatch(c, s, lists, area_auth)
    _finish(c, lists, area_auth)
    return c


__all__ = ["parse", "vlan_list"]
