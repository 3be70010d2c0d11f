"""Huawei VRP configurations (``display current-configuration`` or hatang's rendering).

Read leniently: a running configuration has blocks the render stage's strict reader does not know (``cpu-defend
policy``, ``traffic classifier``...), so every top-level line simply owns the indented lines under it.

Platform facts the configuration does not spell out (marked in ``Config.defaults``): the SSH server refuses
protocol 1 unless ``ssh server compatible-ssh1x enable``; telnet and HTTP are off unless enabled (current VRP
releases); SSH allows 3 authentication attempts unless set; the information centre is on.
"""

from __future__ import annotations

from infra.audit.devicefacts import (
    Acl,
    AclRule,
    BgpNeighbor,
    Config,
    Extra,
    Family,
    Line,
    LocalUser,
    Net,
    Port,
    SnmpGroup,
    SnmpHost,
    SnmpUser,
    address,
    icmp_type,
    network,
    severity,
    wildcard_network,
)
from infra.audit.devicefacts._lines import HEADER_PROTOCOLS, port_number
from infra.render.facts.huawei_vrp import Block, facts_of

DEFAULT_AUTH_RETRIES = 3
DEFAULT_IDLE_TIMEOUT = 600
PRIV_BITS = {"aes128": 128, "aes192": 192, "aes256": 256, "des56": 56, "3des": 168}
ACL_PROTOCOLS = frozenset({"ip", "ipv6", "tcp", "udp", "icmp", "icmpv6", "gre", "ospf", "vrrp"})


def blocks(text: str) -> list[Block]:
    """Every top-level command with the indented lines under it (``#`` separators and comments skipped)."""
    out: list[Block] = []
    current: Block | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#") or stripped == "return":
            if stripped.startswith("#") and not raw.startswith(" "):
                current = None  # a separator at column 1 ends the block; an indented one is a sub-block's
            continue
        depth = len(raw) - len(raw.lstrip(" "))
        words = tuple(stripped.split())
        if depth == 0:
            current = Block(words, number)
            out.append(current)
        elif current is not None:
            current.body.append((depth, words))
    return out


def _children(block: Block, depth: int = 1) -> list[tuple[str, ...]]:
    return [w for d, w in block.body if d == depth]


# --- access lists ---------------------------------------------------------------------------------------------


def _vrp_address(words: tuple[str, ...], i: int, family: Family) -> tuple[Net | None, int]:
    """``source A W`` / ``source A 0`` / ``source A/L`` / ``source A L`` at ``words[i]`` (after the keyword)."""
    if i >= len(words):
        return None, i
    base = words[i]
    if "/" in base:
        return network(base, family), i + 1
    nxt = words[i + 1] if i + 1 < len(words) else ""
    if family == "ipv4" and (nxt.count(".") == 3 or nxt == "0"):
        return wildcard_network(base, nxt), i + 2
    if family == "ipv6" and nxt.isdigit():
        return network(f"{base}/{nxt}", family), i + 2
    return network(base, family), i + 1


def _rule(words: tuple[str, ...], family: Family) -> AclRule | None:
    # rule [N] permit|deny [protocol] [source ...] [destination ...] [icmp-type T C] [destination-port eq P] [logging]
    w = list(words[1:])
    if w and w[0].isdigit():
        w = w[1:]
    if not w or w[0] not in ("permit", "deny"):
        return None
    protocol = (
        w[1] if len(w) > 1 and (w[1] in ACL_PROTOCOLS or w[1].isdigit()) else ("ip" if family == "ipv4" else "ipv6")
    )
    rule = AclRule(w[0], "icmpv6" if protocol == "icmpv6" else protocol, text=" ".join(words))  # type: ignore[arg-type]
    i = 0
    while i < len(w):
        word = w[i]
        if word in ("source", "destination"):
            net, i = _vrp_address(tuple(w), i + 1, family)
            setattr(rule, word, net)
            continue
        if word in ("icmp-type", "icmp6-type") and i + 1 < len(w):
            rule.icmp = icmp_type(family, w[i + 1])
        elif word == "destination-port" and i + 2 < len(w) and w[i + 1] == "eq":
            found = port_number(w[i + 2])
            rule.ports = (found,) if found is not None else None
        elif word == "logging":
            rule.log = True
        i += 1
    if protocol in HEADER_PROTOCOLS:
        rule.headers = (HEADER_PROTOCOLS[protocol],)
    return rule


def _acl(c: Config, block: Block) -> None:
    words = block.words
    family: Family = "ipv6" if words[1:2] == ("ipv6",) else "ipv4"
    rest = words[2:] if family == "ipv6" else words[1:]
    name = rest[1] if len(rest) > 1 and rest[0] in ("name", "number") else (rest[0] if rest else "")
    acl = Acl(name, family)
    for child in _children(block):
        if child[:1] == ("rule",):
            rule = _rule(child, family)
            if rule is not None:
                acl.rules.append(rule)
    c.acls[name] = acl


# --- management ---------------------------------------------------------------------------------------------------


def _aaa(c: Config, block: Block) -> None:
    schemes: dict[str, list[str]] = {}
    scheme = ""
    for depth, w in block.body:
        if depth == 1 and w[:1] == ("authentication-scheme",) and len(w) > 1:
            scheme = w[1]
        elif depth == 2 and w[:1] == ("authentication-mode",) and scheme:
            schemes[scheme] = [f"group {m}" if m in ("hwtacacs", "radius") else m for m in w[1:]]
        elif depth == 1 and w[:1] == ("local-user",) and len(w) > 3 and w[2] == "password":
            kind = w[3]
            c.local_users.append(LocalUser(w[1], {"simple": "plaintext", "cipher": "cipher"}.get(kind, kind)))
        elif depth == 1 and w[:2] == ("local-aaa-user", "wrong-password") and "retry-time" in w:
            c.login_attempts = int(w[w.index("retry-time") + 1])
            c.login_block = "block-time" in w
        elif depth == 1 and w[:2] == ("cmd", "recording-scheme"):
            c.command_accounting = True
    login = next(iter(schemes.values()), [])
    c.aaa_login = login
    c.aaa_enabled = any(m.startswith("group") for m in login)


def _servers(c: Config, block: Block) -> None:
    for w in _children(block):
        if len(w) > 2 and w[1] in ("authentication", "authorization", "accounting"):
            found = address(w[2])
            if found is not None and found not in c.aaa_servers:
                c.aaa_servers.append(found)


def _user_interface(c: Config, block: Block) -> None:
    line = Line(" ".join(block.words[1:]))
    for w in _children(block):
        if w[:2] == ("protocol", "inbound") and len(w) > 2:
            line.transport = ("ssh", "telnet") if w[2] == "all" else (w[2],)
        elif w[:1] == ("idle-timeout",) and len(w) > 1:
            line.exec_timeout = int(w[1]) * 60 + (int(w[2]) if len(w) > 2 else 0)
        elif w[:1] == ("acl",) and w[-1] == "inbound":
            if w[1:2] == ("ipv6",):
                line.acl_v6 = w[-2]
            else:
                line.acl_v4 = w[-2]
        elif w[:1] == ("authentication-mode",) and len(w) > 1:
            line.login = w[1]
    if line.exec_timeout is None:
        line.exec_timeout = DEFAULT_IDLE_TIMEOUT
        c.defaults[f"line:{line.name}"] = "VRP default: idle-timeout 10 0"
    c.lines.append(line)


def _info_center(c: Config, w: tuple[str, ...]) -> None:
    if w[1:2] == ("enable",):
        c.logging_enabled = True
    elif w[1:2] == ("loghost",) and len(w) > 2:
        if w[2] == "source" and len(w) > 3:
            c.logging_source = w[3]
            return
        found = address(w[3] if w[2] == "ipv6" and len(w) > 3 else w[2])
        if found is not None:
            c.syslog_hosts.append(found)
    elif w[1:2] == ("timestamp",) and "log" in w:
        c.logging_timestamps = "millisecond" in w
    elif w[1:2] == ("source",) and "loghost" in w and "level" in w:
        c.logging_level = severity(w[w.index("level") + 1])


def _ntp(c: Config, w: tuple[str, ...]) -> None:
    if w[1:2] == ("unicast-server",) and len(w) > 2:
        found = address(w[3] if w[2] == "ipv6" and len(w) > 3 else w[2])
        if found is not None:
            c.ntp_servers.append(found)
            key = w[w.index("authentication-keyid") + 1] if "authentication-keyid" in w[:-1] else None
            c.ntp_server_keys[found] = key
    elif w[1:3] == ("authentication", "enable"):
        c.ntp_authenticate = True
    elif w[1:2] == ("authentication-keyid",) and "authentication-mode" in w:
        c.ntp_keys[w[2]] = w[w.index("authentication-mode") + 1]
    elif w[1:3] == ("reliable", "authentication-keyid") and len(w) > 3:
        c.ntp_trusted.add(w[3])


def _snmp(c: Config, w: tuple[str, ...]) -> None:
    c.snmp_enabled = True
    if w[1:2] == ("community",):
        c.snmp_communities.append(w[-1])
    elif w[1:2] == ("group",) and len(w) > 3:
        level = {"privacy": "priv", "authentication": "auth", "noauthentication": "noauth"}.get(
            w[4] if len(w) > 4 else ""
        )
        group = SnmpGroup(w[3], w[2], level)
        rest = list(w)
        while "acl" in rest[:-1]:
            i = rest.index("acl")
            if rest[i + 1] == "ipv6" and i + 2 < len(rest):
                group.acl_v6, rest = rest[i + 2], rest[i + 3 :]
            else:
                group.acl_v4, rest = rest[i + 1], rest[i + 2 :]
        c.snmp_groups.append(group)
        c.snmp_acl_v4, c.snmp_acl_v6 = group.acl_v4 or c.snmp_acl_v4, group.acl_v6 or c.snmp_acl_v6
    elif w[1:3] == ("usm-user", "v3") and len(w) > 3:
        _usm(c, w)
    elif w[1:2] == ("target-host",):
        found = next((address(x) for x in w if address(x) is not None), None)
        level = "priv" if "privacy" in w else ("auth" if "authentication" in w else None)
        c.snmp_hosts.append(SnmpHost(found, "v3" if "v3" in w else "v2c", level))


def _usm(c: Config, w: tuple[str, ...]) -> None:
    assert c.snmp_users is not None
    user = next((u for u in c.snmp_users if u.name == w[3]), None)
    if user is None:
        user = SnmpUser(w[3], None, None, None, None)
        c.snmp_users.append(user)
    if w[4:5] == ("group",) and len(w) > 5:
        user.group = w[5]
    elif w[4:5] == ("authentication-mode",) and len(w) > 5:
        user.auth = w[5]
    elif w[4:5] == ("privacy-mode",) and len(w) > 5:
        user.priv, user.priv_bits = w[5], PRIV_BITS.get(w[5])


def _ssh(c: Config, w: tuple[str, ...]) -> None:
    if w[:3] == ("stelnet", "server", "enable"):
        c.ssh_enabled = True
    elif w[:3] == ("ssh", "server", "hmac"):
        c.ssh_macs = w[3:]
    elif w[:3] == ("ssh", "server", "compatible-ssh1x") and w[-1] == "enable":
        c.ssh_version = "1.99"
    elif w[:3] == ("ssh", "server", "authentication-retries") and len(w) > 3:
        c.ssh_auth_retries = int(w[3])


def _toggle(c: Config, w: tuple[str, ...]) -> None:
    negated = w[0] == "undo"
    words = w[1:] if negated else w
    if words[-1:] != ("enable",):
        return
    what = words[0]
    if what == "telnet":
        c.telnet = (c.telnet or False) or not negated
    elif what == "http":
        setattr(c, "https" if "secure-server" in words else "http", not negated)
    elif what in ("ftp", "tftp") and not negated:
        c.services_on.append(" ".join(w))


# --- interfaces, routing ------------------------------------------------------------------------------------------


def _interface(c: Config, block: Block) -> None:
    name = block.words[1]
    x = c.extra_for(name)
    x.proxy_arp, x.urpf_v4, x.urpf_v6 = False, "", ""
    port = Port(name, None)
    for w in _children(block):
        _interface_line(x, port, w)
        if w[:2] in (("vrrp", "vrid"), ("vrrp6", "vrid")) and len(w) > 2 and w[2].isdigit():
            c.vrrp.setdefault(name, set()).add(int(w[2]))
    if port.mode is not None:
        port.shutdown = ("shutdown",) in _children(block)
        c.ports[name] = port


def _interface_line(x: Extra, port: Port, w: tuple[str, ...]) -> None:  # noqa: C901 - one branch per setting
    if w[:1] == ("urpf",) and len(w) > 1:
        x.urpf_v4 = w[1]  # type: ignore[assignment]
    elif w[:2] == ("ipv6", "urpf") and len(w) > 2:
        x.urpf_v6 = w[2]  # type: ignore[assignment]
    elif w[:2] == ("traffic-filter", "outbound"):
        if w[2:3] == ("ipv6",):
            x.filter_out_v6 = w[-1]
        else:
            x.filter_out_v4 = w[-1]
    elif w[:2] == ("arp-proxy", "enable"):
        x.proxy_arp = True
    elif w[:3] == ("ip", "binding", "vpn-instance") and len(w) > 3:
        x.vrf = w[3]
    elif w[:2] == ("ospf", "authentication-mode"):
        x.ospf_auth = " ".join(w[2:3])
    elif w[:2] == ("ospfv3", "authentication-mode") or w[:2] == ("ospfv3", "ipsec"):
        x.ospf3_auth = " ".join(w[2:3]) or "ipsec"
    elif w[:2] == ("port", "link-type") and len(w) > 2:
        port.mode = w[2]
    elif w[:2] == ("port", "default") and w[2:3] == ("vlan",) and len(w) > 3:
        port.access_vlan = int(w[3])
    elif w[:4] == ("port", "trunk", "pvid", "vlan") and len(w) > 4:
        port.native_vlan = int(w[4])
    elif w[:4] == ("port", "trunk", "allow-pass", "vlan"):
        port.allowed = tuple(int(v) for v in w[4:] if v.isdigit())
    elif w[:2] in (("stp", "edged-port"), ("stp", "bpdu-protection")):
        port.bpduguard = port.bpduguard or w[1] == "bpdu-protection"
    elif w[:2] in (("dot1x", "enable"), ("authentication-profile",)) or w[:1] == ("authentication-profile",):
        port.dot1x = True


def _ospf(c: Config, block: Block, area_auth: dict[str, str]) -> None:
    v3 = block.words[0] == "ospfv3"
    setattr(c, "ospf3" if v3 else "ospf", True)
    area = ""
    for depth, w in block.body:
        if depth == 1 and w[:1] == ("area",) and len(w) > 1:
            area = w[1]
        elif depth == 2 and w[:1] == ("authentication-mode",) and area:
            area_auth[("v3:" if v3 else "") + area] = w[1] if len(w) > 1 else "simple"


def _bgp(c: Config, block: Block) -> None:
    c.bgp_asn = int(block.words[1]) if len(block.words) > 1 and block.words[1].isdigit() else None
    remote: dict[str, int | None] = {}
    secured: set[str] = set()
    groups: dict[str, str] = {}
    for _, w in block.body:
        if w[:1] != ("peer",) or len(w) < 3:
            continue
        if w[2] == "as-number" and len(w) > 3:
            remote[w[1]] = int(w[3]) if w[3].isdigit() else None
        elif w[2] in ("password", "tcp-ao", "keychain"):
            secured.add(w[1])
        elif w[2] == "group" and len(w) > 3:
            groups[w[1]] = w[3]
    for who, asn in remote.items():
        found = address(who)
        if found is not None:
            c.bgp.append(BgpNeighbor(found, asn, who in secured or groups.get(who) in secured))


def _zone(c: Config, block: Block) -> None:
    zone = block.words[2] if len(block.words) > 2 else ""
    for w in _children(block):
        if w[:2] == ("add", "interface") and len(w) > 2:
            c.zones[w[2]] = zone
            c.extra_for(w[2]).zone = zone


def _security_policy(c: Config, block: Block) -> None:
    source = target = ""
    for _, w in block.body:
        if w[:1] == ("rule",):
            source = target = ""
        elif w[:1] == ("source-zone",) and len(w) > 1:
            source = w[1]
        elif w[:1] == ("destination-zone",) and len(w) > 1:
            target = w[1]
        elif w[:1] == ("action",) and len(w) > 1:
            c.zone_policies.append((source or "any", target or "any", w[1]))


def _block(c: Config, block: Block, area_auth: dict[str, str]) -> None:  # noqa: C901 - one branch per block kind
    w = block.words
    head = w[0]
    if head == "acl":
        _acl(c, block)
    elif head == "aaa":
        _aaa(c, block)
    elif head in ("hwtacacs-server", "radius-server") and w[1:2] == ("template",):
        _servers(c, block)
    elif head == "user-interface":
        _user_interface(c, block)
    elif head == "interface" and len(w) > 1:
        _interface(c, block)
    elif head in ("ospf", "ospfv3"):
        _ospf(c, block, area_auth)
    elif head == "bgp":
        _bgp(c, block)
    elif w[:2] == ("firewall", "zone"):
        _zone(c, block)
    elif head == "security-policy":
        _security_policy(c, block)
    elif w[:2] == ("ip", "vpn-instance") and len(w) > 2:
        c.vrfs.add(w[2])
    else:
        _line(c, w)


def _line(c: Config, w: tuple[str, ...]) -> None:
    head = w[0]
    if head == "info-center":
        _info_center(c, w)
    elif w[:2] == ("undo", "info-center") and w[-1] == "enable":
        c.logging_enabled = False
    elif head == "ntp-service":
        _ntp(c, w)
    elif head == "snmp-agent":
        _snmp(c, w)
    elif head in ("stelnet", "ssh"):
        _ssh(c, w)
    elif w == ("ipv6",):
        c.ipv6_routing = True
    elif w[:1] == ("cpu-defend-policy",) and len(w) > 1:
        c.control_plane = w[1]
    elif w[:3] == ("ipv6", "nd", "hop-limit") and len(w) > 3:
        c.hop_limit = int(w[3])
    elif w[:2] == ("undo", "icmp") and "redirect" in w:
        c.services_off.append(" ".join(w))
    else:
        _toggle(c, w)


def _area_auth(c: Config, area_auth: dict[str, str]) -> None:
    """An interface in an area with area-wide authentication is authenticated."""
    for name, iface in c.device.interfaces.items():
        x = c.extra_for(name)
        if x.ospf_auth is None and iface.ospf_area in area_auth:
            x.ospf_auth = area_auth[iface.ospf_area]
        if x.ospf3_auth is None and iface.ospf6_area is not None and f"v3:{iface.ospf6_area}" in area_auth:
            x.ospf3_auth = area_auth[f"v3:{iface.ospf6_area}"]


def _finish(c: Config) -> None:
    for attribute, value, note in (
        ("telnet", False, "telnet server off (the default of current VRP releases)"),
        ("http", False, "HTTP server off (the default of current VRP releases)"),
        ("https", False, "HTTPS server off (the default of current VRP releases)"),
        ("ssh_version", "2", "SSH protocol 1 refused (no ssh server compatible-ssh1x enable)"),
        ("ssh_auth_retries", DEFAULT_AUTH_RETRIES, "ssh server authentication-retries 3"),
        ("logging_enabled", True, "info-center enable"),
        ("control_plane", "", ""),
        ("ipv6_routing", False, ""),
    ):
        if getattr(c, attribute) is None:
            setattr(c, attribute, value)
            if note:
                c.defaults[attribute] = f"VRP default: {note}"
    c.password_encryption = True
    c.defaults["password_encryption"] = "VRP never shows passwords in clear"
    if c.config_logging is None and c.logging_enabled:
        c.config_logging = True
        c.defaults["config_logging"] = "VRP's information centre records each command (SHELL/CMDRECORD)"


def parse(text: str) -> Config:
    """The facts of one VRP configuration."""
    found = blocks(text)
    c = Config("huawei_vrp", facts_of(found))
    area_auth: dict[str, str] = {}
    for block in found:
        _block(c, block, area_auth)
    _area_auth(c, area_auth)
    _finish(c)
    return c
