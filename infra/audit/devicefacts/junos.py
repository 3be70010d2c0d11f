"""Junos configurations in the hierarchical format (``show configuration`` or hatang's rendering).

Junos has no vty lines and no enable secret: remote access is ``system services ssh``, limited by the filter on
``lo0`` (the routing engine's filter, also its control-plane protection), and idle sessions end by the login
class's ``idle-timeout``. Services that are not configured are off; IPv6 is routed wherever ``family inet6`` is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

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
)
from infra.audit.devicefacts._lines import port_number
from infra.audit.devicefacts.ios import vlan_list
from infra.render.facts.juniper_junos import Node, facts_of, logical, parse_tree

UNNEEDED = ("telnet", "ftp", "finger", "rlogin", "rsh", "tftp-server", "xnm-clear-text")
PRIV_BITS = {"privacy-aes128": 128, "privacy-des": 56, "privacy-3des": 168}
HEADERS = {"routing": "routing", "dstopts": "dest-option", "fragment": "fragment", "hop-by-hop": "hop-by-hop"}


def _children(node: Node | None) -> list[Node]:
    return [c for c in (node.children or []) if not c.inactive] if node is not None else []


def _values(node: Node | None) -> list[str]:
    """The values of a statement: its words after the keyword, or its children's keys when it is a block."""
    if node is None:
        return []
    if node.children is not None:
        return [c.key for c in _children(node)]
    return [w for w in node.words[1:] if w not in ("[", "]")]


# --- system ---------------------------------------------------------------------------------------------------


def _services(c: Config, system: Node) -> None:
    services = system.first("services")
    ssh = services.first("ssh") if services is not None else None
    c.ssh_enabled = ssh is not None
    if ssh is not None:
        version = ssh.value("protocol-version")
        c.ssh_version = "2" if version in (None, "v2") else version
        if version is None:
            c.defaults["ssh_version"] = "Junos default: protocol-version v2"
        c.ssh_macs = tuple(_values(ssh.first("macs")))
    c.telnet = services is not None and services.first("telnet") is not None
    web = services.first("web-management") if services is not None else None
    c.http = web is not None and web.first("http") is not None
    c.https = web is not None and web.first("https") is not None
    for name in UNNEEDED:
        if services is not None and services.first(name) is not None:
            c.services_on.append(f"system services {name}")


def _login(c: Config, system: Node) -> None:
    login = system.first("login")
    retry = login.first("retry-options") if login is not None else None
    if retry is not None:
        tries = retry.value("tries-before-disconnect")
        c.ssh_auth_retries = c.login_attempts = int(tries) if tries else None
        c.login_block = retry.first("backoff-threshold") is not None or retry.first("lockout-period") is not None
    classes = {n.words[1]: n.value("idle-timeout") for n in login.each("class")} if login is not None else {}
    timeouts: list[int] = []
    for user in login.each("user") if login is not None else ():
        kind = user.value("class")
        idle = classes.get(kind or "")
        timeouts.append(int(idle) * 60 if idle else 0)
        auth = user.first("authentication")
        if auth is not None and auth.first("encrypted-password") is not None:
            c.local_users.append(LocalUser(user.words[1], "encrypted"))
        elif auth is not None and auth.first("plain-text-password-value") is not None:
            c.local_users.append(LocalUser(user.words[1], "plaintext"))
    timeout = max(timeouts) if timeouts and 0 not in timeouts else 0
    c.lines = [Line("ssh", ("ssh",), timeout), Line("con 0", None, timeout)]


def _aaa(c: Config, system: Node) -> None:
    order = _values(system.first("authentication-order"))
    c.aaa_login = [f"group {m}" if m in ("tacplus", "radius") else "local" for m in order]
    c.aaa_enabled = any(m in ("tacplus", "radius") for m in order)
    for kind in ("tacplus-server", "radius-server"):
        for block in system.each(kind):
            servers = _children(block) if len(block.words) == 1 else [Node(block.words[1:], block.line)]
            for server in servers:
                found = address(server.key)
                if found is not None:
                    c.aaa_servers.append(found)
    accounting = system.first("accounting")
    events = _values(accounting.first("events")) if accounting is not None else []
    c.command_accounting = (
        "interactive-commands" in events and accounting is not None and (accounting.first("destination") is not None)
    )
    c.config_logging = "change-log" in events
    archival = system.first("archival", "configuration")
    c.archive = archival is not None and archival.first("transfer-on-commit") is not None


def _syslog(c: Config, system: Node) -> None:
    syslog = system.first("syslog")
    if syslog is None:
        return
    c.logging_enabled = True
    fmt = _values(syslog.first("time-format"))
    c.logging_timestamps = "millisecond" in fmt
    levels: list[int] = []
    for host in syslog.each("host"):
        found = address(host.words[1]) if len(host.words) > 1 else None
        if found is not None:
            c.syslog_hosts.append(found)
        for facility in _children(host):
            if facility.key == "any" and len(facility.words) > 1:
                levels.append(severity(facility.words[1]) or 0)
            elif facility.key in ("change-log", "interactive-commands"):
                c.config_logging = True
        source = host.value("source-address")
        c.logging_source = source or c.logging_source
    c.logging_level = min(levels) if levels else None
    c.config_logging = c.config_logging or any(
        f.key in ("change-log", "interactive-commands") for file in syslog.each("file") for f in _children(file)
    )


def _ntp(c: Config, system: Node) -> None:
    ntp = system.first("ntp")
    if ntp is None:
        return
    for server in ntp.each("server"):
        found = address(server.words[1]) if len(server.words) > 1 else None
        if found is not None:
            c.ntp_servers.append(found)
            c.ntp_server_keys[found] = (
                server.words[server.words.index("key") + 1] if "key" in server.words[:-1] else None
            )
    for key in ntp.each("authentication-key"):
        words = key.words
        c.ntp_keys[words[1]] = words[words.index("type") + 1] if "type" in words[:-1] else "md5"
    c.ntp_trusted.update(_values(ntp.first("trusted-key")))
    c.ntp_authenticate = bool(c.ntp_trusted)


def _system(c: Config, root: Node) -> None:
    system = root.first("system")
    if system is None:
        return
    _services(c, system)
    _login(c, system)
    _aaa(c, system)
    _syslog(c, system)
    _ntp(c, system)
    c.password_encryption = True
    c.defaults["password_encryption"] = "Junos keeps only encrypted passwords"
    if system.first("no-redirects") is not None:
        c.services_off.append("system no-redirects")
    if system.first("no-redirects-ipv6") is not None:
        c.services_off.append("system no-redirects-ipv6")
    c.source_route = False
    c.defaults["source_route"] = "Junos does not act on source-route options"


# --- SNMP -----------------------------------------------------------------------------------------------------


def _snmp(c: Config, root: Node) -> None:
    snmp = root.first("snmp")
    if snmp is None:
        c.snmp_enabled = False
        return
    c.snmp_enabled = True
    c.snmp_communities = [n.words[1] for n in snmp.each("community") if len(n.words) > 1]
    v3 = snmp.first("v3")
    engine = v3.first("usm", "local-engine") if v3 is not None else None
    users: list[SnmpUser] = []
    for user in engine.each("user") if engine is not None else ():
        auth = next((n.key.removeprefix("authentication-") for n in _children(user) if n.key.startswith("auth")), None)
        priv_node = next((n.key for n in _children(user) if n.key.startswith("privacy-")), None)
        priv = priv_node.removeprefix("privacy-") if priv_node else None
        users.append(SnmpUser(user.words[1], None, auth, priv, PRIV_BITS.get(priv_node or "")))
    c.snmp_users = users
    access = v3.first("vacm", "access") if v3 is not None else None
    for group in access.each("group") if access is not None else ():
        levels = [n.words[1] for n in _walk(group) if n.key == "security-level" and len(n.words) > 1]
        level = "priv" if levels and all(lv == "privacy" for lv in levels) else (levels[0] if levels else None)
        c.snmp_groups.append(SnmpGroup(group.words[1], "v3", level))
    params = {p.words[1]: p.first("parameters") for p in v3.each("target-parameters")} if v3 is not None else {}
    for target in v3.each("target-address") if v3 is not None else ():
        found = address(target.value("address") or "")
        param = params.get(target.value("target-parameters") or "")
        level = param.value("security-level") if param is not None else None
        c.snmp_hosts.append(SnmpHost(found, "v3", "priv" if level == "privacy" else level))


def _walk(node: Node) -> Iterator[Node]:
    for child in _children(node):
        yield child
        yield from _walk(child)


# --- filters ----------------------------------------------------------------------------------------------------


def _prefix_lists(root: Node) -> dict[str, list[Net]]:
    out: dict[str, list[Net]] = {}
    options = root.first("policy-options")
    for plist in options.each("prefix-list") if options is not None else ():
        nets = [network(n.key) for n in _children(plist)]
        out[plist.words[1]] = [n for n in nets if n is not None]
    return out


def _addresses(match: Node, key: str, lists: dict[str, list[Net]], family: Family) -> list[Net | None]:
    found: list[Net | None] = []
    node = match.first(key)
    if node is not None:
        for child in _children(node) or [node]:
            word = child.key if child is not node else (node.words[1] if len(node.words) > 1 else "")
            if "except" not in child.words:
                found.append(network(word, family))
    plist = match.first(key.replace("-address", "-prefix-list"))
    for name in _values(plist):
        found.extend(lists.get(name, []))
    return found or [None]


def _action(then: Node | None) -> tuple[str | None, bool]:
    if then is None:
        return None, False
    words = set(then.words[1:]) | {c.key for c in _children(then)}
    log = bool(words & {"syslog", "log"})
    if "accept" in words:
        return "permit", log
    if words & {"discard", "reject"}:
        return "deny", log
    return None, log


def _term_rules(term: Node, family: Family, lists: dict[str, list[Net]]) -> list[AclRule]:
    decided, log = _action(term.first("then"))
    if decided is None:
        return []  # a term that only counts or marks changes nothing
    action: Literal["permit", "deny"] = "permit" if decided == "permit" else "deny"
    match = term.first("from")
    if match is None:
        return [AclRule(action, "any", log=log, text=f"term {term.words[1]}")]
    protocols = _values(match.first("protocol")) + _values(match.first("next-header"))
    protocol = protocols[0] if protocols else "any"
    if protocol == "icmp6":
        protocol = "icmpv6"
    icmp = next((icmp_type(family, t) for t in _values(match.first("icmp-type"))), None)
    ports = tuple(p for p in (port_number(w) for w in _values(match.first("destination-port"))) if p is not None)
    ports += tuple(p for p in (port_number(w) for w in _values(match.first("port"))) if p is not None)
    headers = tuple(HEADERS.get(h, h) for h in _values(match.first("extension-header")))
    headers += tuple(HEADERS[p] for p in protocols if p in HEADERS)
    rules = []
    for source in _addresses(match, "source-address", lists, family):
        for destination in _addresses(match, "destination-address", lists, family):
            text = f"term {term.words[1]}"
            rules.append(AclRule(action, protocol, source, destination, icmp, ports or None, headers, log, text))
    return rules


def _filters(c: Config, root: Node) -> None:
    firewall = root.first("firewall")
    if firewall is None:
        return
    lists = _prefix_lists(root)
    blocks = [(f, "inet") for f in firewall.each("filter")]
    blocks += [(f, fam.words[1]) for fam in firewall.each("family") if len(fam.words) > 1 for f in fam.each("filter")]
    for node, fam in blocks:
        if fam not in ("inet", "inet6"):
            continue
        family: Family = "ipv4" if fam == "inet" else "ipv6"
        acl = Acl(node.words[1], family)
        for term in node.each("term"):
            acl.rules.extend(_term_rules(term, family, lists))
        c.acls[acl.name] = acl


# --- interfaces, routing, security ------------------------------------------------------------------------------


def _interfaces(c: Config, root: Node) -> None:
    interfaces = root.first("interfaces")
    lldp = root.first("protocols", "lldp")
    lldp_on = {logical(n.words[1]) for n in lldp.each("interface") if n.first("disable") is None} if lldp else set()
    every = lldp is not None and any(n.words[1:2] == ("all",) for n in lldp.each("interface"))
    for port in _children(interfaces):
        if port.children is None:
            continue
        for unit in port.each("unit"):
            name = f"{port.key}.{unit.words[1]}"
            x = c.extra_for(name)
            x.discovery = every or name in lldp_on
            x.proxy_arp = unit.first("proxy-arp") is not None
            x.redirects = "system no-redirects" not in c.services_off
            for family in unit.each("family"):
                _family(c, x, name, family)
                for node in _walk(family):
                    if node.key in ("vrrp-group", "vrrp-inet6-group") and len(node.words) > 1:
                        c.vrrp.setdefault(name, set()).add(int(node.words[1]))
        if port.key == "lo0":
            _loopback_filters(c, port)
    c.control_plane = c.mgmt_acl_v4 or c.mgmt_acl_v6 or ""


def _loopback_filters(c: Config, port: Node) -> None:
    """The routing engine's filters: the input filters of lo0's unit 0."""
    unit0 = port.first("unit")
    for family in unit0.each("family") if unit0 is not None else ():
        name = family.value("filter", "input")
        if family.words[1:2] == ("inet",):
            c.mgmt_acl_v4 = name
        elif family.words[1:2] == ("inet6",):
            c.mgmt_acl_v6 = name


def _family(c: Config, x: Extra, name: str, family: Node) -> None:
    kind = family.words[1] if len(family.words) > 1 else ""
    rpf = family.first("rpf-check")
    mode = "loose" if rpf is not None and rpf.value("mode") == "loose" else "strict"
    out = family.value("filter", "output")
    if kind == "inet":
        x.urpf_v4 = mode if rpf is not None else ""  # type: ignore[assignment]
        x.filter_out_v4 = out
    elif kind == "inet6":
        x.urpf_v6 = mode if rpf is not None else ""  # type: ignore[assignment]
        x.filter_out_v6 = out
        c.ipv6_routing = True
    elif kind == "ethernet-switching":
        _switchport(c, name, family)


def _switchport(c: Config, name: str, family: Node) -> None:
    mode = family.value("interface-mode") or family.value("port-mode") or "access"
    members = _values(family.first("vlan", "members"))
    port = Port(name.rsplit(".", 1)[0], mode)
    numbers = [int(m) for m in members if m.isdigit()]
    if mode == "access":
        port.access_vlan = numbers[0] if numbers else None
    else:
        port.allowed = tuple(numbers) or (vlan_list(members[0]) if members else None)
    c.ports[port.name] = port


def _ospf(c: Config, root: Node) -> None:
    for protocol, attribute in (("ospf", "ospf_auth"), ("ospf3", "ospf3_auth")):
        node = root.first("protocols", protocol)
        if node is None:
            continue
        setattr(c, "ospf" if protocol == "ospf" else "ospf3", True)
        for area in node.each("area"):
            for iface in area.each("interface"):
                auth = iface.first("authentication")
                kinds = [n.key for n in _children(auth)] if auth is not None else []
                if iface.first("ipsec-sa") is not None:
                    kinds.append("ipsec")
                setattr(c.extra_for(logical(iface.words[1])), attribute, " ".join(kinds) or None)


def _bgp(c: Config, root: Node) -> None:
    bgp = root.first("protocols", "bgp")
    asn = root.value("routing-options", "autonomous-system")
    c.bgp_asn = int(asn) if asn and asn.isdigit() else None
    if bgp is None:
        return
    secured_all = bgp.first("authentication-key") is not None
    for group in bgp.each("group"):
        secured = secured_all or group.first("authentication-key") is not None
        group_as = group.value("peer-as")
        for neighbor in group.each("neighbor"):
            found = address(neighbor.words[1]) if len(neighbor.words) > 1 else None
            if found is None:
                continue
            ok = secured or any(
                neighbor.first(k) is not None for k in ("authentication-key", "authentication-key-chain")
            )
            peer_as = neighbor.value("peer-as") or group_as
            c.bgp.append(BgpNeighbor(found, int(peer_as) if peer_as and peer_as.isdigit() else None, ok))


def _security(c: Config, root: Node) -> None:
    security = root.first("security")
    zones = security.first("zones") if security is not None else None
    for zone in zones.each("security-zone") if zones is not None else ():
        for member in _values(zone.first("interfaces")):
            c.zones[member] = zone.words[1]
            c.extra_for(member).zone = zone.words[1]
    policies = security.first("policies") if security is not None else None
    for pair in policies.each("from-zone") if policies is not None else ():
        words = pair.words
        target = words[words.index("to-zone") + 1] if "to-zone" in words[:-1] else ""
        for rule in pair.each("policy"):
            then = rule.first("then")
            action = next((k.key for k in _children(then) if k.key in ("permit", "deny", "reject")), "")
            c.zone_policies.append((words[1], target, action))
    for instance in _children(root.first("routing-instances")):
        c.vrfs.add(instance.key)
        for iface in instance.each("interface"):
            c.extra_for(logical(iface.words[1])).vrf = instance.key


def _router_advertisements(c: Config, root: Node) -> None:
    ra = root.first("protocols", "router-advertisement")
    limits = [n.value("current-hop-limit") for n in ra.each("interface")] if ra is not None else []
    found = [int(v) for v in limits if v]
    c.hop_limit = min(found) if found else None


def parse(text: str) -> Config:
    """The facts of one Junos configuration."""
    root = parse_tree(text)
    c = Config("juniper_junos", facts_of(root))
    _system(c, root)
    _snmp(c, root)
    _filters(c, root)
    _interfaces(c, root)
    _ospf(c, root)
    _bgp(c, root)
    _security(c, root)
    _router_advertisements(c, root)
    c.snmp_acl_v4, c.snmp_acl_v6 = c.mgmt_acl_v4, c.mgmt_acl_v6
    c.ipv6_routing = bool(c.ipv6_routing)  # Junos routes IPv6 wherever family inet6 is configured
    for line in c.lines:
        line.acl_v4, line.acl_v6 = c.mgmt_acl_v4, c.mgmt_acl_v6
    return c
