"""FRR configurations: frr.conf, ``show running-config`` as the driver returns it, or a whole rendering.

A rendering holds frr.conf followed by its ``ip``, ``nft`` and ``sysctl`` companions, each after its own
``hatang`` header line.

An FRR router is a Linux host: SSH, AAA, NTP, SNMP, syslog forwarding, local accounts, packet filters (inbound
filters, uRPF, control-plane protection: nftables) and forwarding itself (sysctl) belong to the host, not to
frr.conf. What the text carries is read: FRR's own settings (its vty lines and their access lists, logging to the
host's syslog, routing-protocol authentication, BGP and OSPF, router advertisements) always; the nftables ruleset
and the kernel settings when the rendering's companions are there. The rest is left unknown, each with the reason
a check reports.
"""

from __future__ import annotations

import re

from infra.audit.devicefacts import (
    Acl,
    AclRule,
    BgpNeighbor,
    Config,
    Family,
    Line,
    address,
    icmp_type,
    network,
    severity,
)
from infra.audit.devicefacts._lines import Section, sections, standard_rule
from infra.render.facts import frr as frr_facts

PART = re.compile(r"^[!#] hatang \S+: \S+ \((?P<what>[^)]*)\)")
PART_KIND = (("frr.conf", "cfg"), ("nftables", "nft"), ("kernel settings", "sysctl"), ("ip -batch", "ip"))

HOST = "the Linux host of an FRR router"
UNKNOWN = {
    "ssh": f"SSH is served by {HOST} (sshd), not by FRR: judged by the host controls (HOST-*)",
    "aaa": f"logins are authenticated by {HOST} (PAM, sshd), not by FRR",
    "accounts": f"accounts are {HOST}'s (/etc/passwd, /etc/shadow), not FRR's",
    "syslog": f"FRR logs to {HOST}'s syslog; forwarding to the collectors is rsyslog's configuration",
    "ntp": f"time is kept by {HOST} (chrony), not by FRR",
    "snmp": f"SNMP is served by {HOST} (snmpd), not by FRR",
    "services": f"network services are {HOST}'s (systemd units, sshd), not FRR's",
    "filters": f"packet filters are {HOST}'s nftables ruleset, not part of frr.conf: see 'nft list ruleset'",
    "urpf": f"uRPF is {HOST}'s nftables prerouting chain (fib saddr), not part of frr.conf",
    "control-plane": f"the control plane is protected by {HOST}'s nftables input chain, not by frr.conf",
    "forwarding": f"IPv6 forwarding is {HOST}'s sysctl (net.ipv6.conf.all.forwarding), not part of frr.conf",
    "archive": f"configuration backups of {HOST} are outside frr.conf (the deploy keeps the rendered files)",
    "accounting": f"commands are recorded by {HOST} (auditd, sudo and shell logging), not by FRR",
}


def _interface(c: Config, s: Section) -> None:
    name = s.words[1] if len(s.words) > 1 else ""
    x = c.extra_for(name)
    for w in s.children():
        if w[:3] == ["ip", "ospf", "authentication"]:
            x.ospf_auth = " ".join(w[3:]) or "simple"
        elif w[:3] == ["ip", "ospf", "message-digest-key"] and x.ospf_auth is None:
            x.ospf_auth = "message-digest-key"
        elif w[:3] == ["ipv6", "ospf6", "authentication"]:
            x.ospf3_auth = " ".join(w[3:5]) or "yes"
        elif w[:3] == ["ipv6", "nd", "ra-hop-limit"] and len(w) > 3:
            x.ra_hop_limit = int(w[3])
        elif w[:1] == ["vrrp"] and len(w) > 1 and w[1].isdigit():
            c.vrrp.setdefault(name, set()).add(int(w[1]))


def _bgp(c: Config, s: Section) -> None:
    c.bgp_asn = int(s.words[2]) if len(s.words) > 2 and s.words[2].isdigit() else None
    remote: dict[str, int | None] = {}
    secured: set[str] = set()
    groups: dict[str, str] = {}
    for _, w in s.body:
        if w[:1] != ["neighbor"] or len(w) < 3:
            continue
        if w[2] == "remote-as" and len(w) > 3:
            remote[w[1]] = int(w[3]) if w[3].isdigit() else None
        elif w[2] == "password":
            secured.add(w[1])
        elif w[2] == "peer-group" and len(w) > 3:
            groups[w[1]] = w[3]
    for who, asn in remote.items():
        found = address(who)
        if found is not None:
            c.bgp.append(BgpNeighbor(found, asn, who in secured or groups.get(who) in secured))


def _acl(c: Config, s: Section) -> None:
    w = s.words
    v6 = w[0] == "ipv6"
    rest = w[2:] if v6 else w[1:]
    if not rest:
        return
    name = f"zebra:{rest[0]}"
    acl = c.acls.setdefault(name, Acl(name, "ipv6" if v6 else "ipv4"))
    rule = standard_rule(rest[1:], acl.family)
    if rule is not None:
        acl.rules.append(rule)


def _vty(c: Config, s: Section) -> None:
    line = Line("vty")
    for w in s.children():
        if w[:1] == ["exec-timeout"] and len(w) > 1:
            line.exec_timeout = int(w[1]) * 60 + (int(w[2]) if len(w) > 2 else 0)
        elif w[:1] == ["access-class"] and len(w) > 1:
            line.acl_v4 = f"zebra:{w[1]}"
        elif w[:2] == ["ipv6", "access-class"] and len(w) > 2:
            line.acl_v6 = f"zebra:{w[2]}"
    if line.exec_timeout is None:
        line.exec_timeout = 600
        c.defaults[f"line:{line.name}"] = "FRR default: exec-timeout 10 0"
    c.lines.append(line)


def _global(c: Config, s: Section, area_auth: dict[str, str]) -> None:  # noqa: C901 - one branch per statement
    w = s.words
    if w[0] == "interface":
        _interface(c, s)
    elif w[:2] == ["router", "bgp"]:
        _bgp(c, s)
    elif w[:2] == ["router", "ospf"]:
        c.ospf = True
        for child in s.children():
            if child[:1] == ["area"] and child[2:3] == ["authentication"]:
                area_auth[child[1]] = " ".join(child[3:]) or "simple"
    elif w[:2] == ["router", "ospf6"]:
        c.ospf3 = True
    elif w[0] == "access-list" or w[:2] == ["ipv6", "access-list"]:
        _acl(c, s)
    elif w[:2] == ["line", "vty"]:
        _vty(c, s)
    elif w[:2] == ["log", "syslog"]:
        c.logging_enabled = True
        c.logging_level = severity(w[2]) if len(w) > 2 else 7
    elif w[:3] == ["log", "timestamp", "precision"] and len(w) > 3:
        c.logging_timestamps = int(w[3]) >= 3
    elif w[:2] == ["service", "password-encryption"]:
        c.password_encryption = True
    elif w in (["ipv6", "forwarding"], ["no", "ipv6", "forwarding"]):
        c.ipv6_routing = w[0] == "ipv6"
    elif w[0] in ("password", "enable") and "password" in w:
        c.enable_password = w[0] == "enable" and "8" not in w


def _area_auth(c: Config, area_auth: dict[str, str]) -> None:
    for name, iface in c.device.interfaces.items():
        x = c.extra_for(name)
        if x.ospf_auth is None and iface.ospf_area is not None:
            for area, kind in area_auth.items():
                if frr_facts._dotted(area) == iface.ospf_area:
                    x.ospf_auth = kind


def parts(text: str) -> dict[str, str]:
    """The rendering's files by suffix (``cfg``, ``ip``, ``nft``, ``sysctl``); plain frr.conf is all ``cfg``."""
    out: dict[str, list[str]] = {}
    kind = "cfg"
    for line in text.splitlines():
        found = PART.match(line)
        if found:
            what = found["what"]
            kind = next((k for marker, k in PART_KIND if marker in what), kind)
        out.setdefault(kind, []).append(line)
    return {k: "\n".join(v) + "\n" for k, v in out.items()}


# --- nftables --------------------------------------------------------------------------------------------------

NFT_HEADERS = {"rt": "routing", "dst": "dest-option", "frag": "fragment", "hbh": "hop-by-hop"}
NFT_VERDICT = {"accept": "permit", "return": "permit", "drop": "deny", "reject": "deny"}
CHAIN = re.compile(r"^chain (?P<name>\S+) \{$")


def _nft_rule(words: list[str], family: Family) -> AclRule | None:
    verdict = next((NFT_VERDICT[w] for w in words if w in NFT_VERDICT), None)
    if verdict is None:
        return None
    rule = AclRule(verdict, "any", text=" ".join(words))  # type: ignore[arg-type]
    for i, word in enumerate(words[:-1]):
        nxt = words[i + 1]
        if word in ("saddr", "daddr") and words[i - 1] in ("ip", "ip6"):
            setattr(rule, "source" if word == "saddr" else "destination", network(nxt, family))
        elif word in ("tcp", "udp") and nxt in ("dport", "sport"):
            rule.protocol = word
            if nxt == "dport" and i + 2 < len(words) and words[i + 2].isdigit():
                rule.ports = (int(words[i + 2]),)
        elif word == "exthdr":
            rule.headers = (*rule.headers, NFT_HEADERS.get(nxt, nxt))
            if nxt == "rt" and words[i + 2 : i + 4] == ["type", "0"]:
                rule.headers = (*rule.headers, "routing-type-0")
        elif word in ("icmp", "icmpv6") and nxt == "type":
            rule.protocol = "icmpv6" if word == "icmpv6" else "icmp"
            rule.icmp = icmp_type(family, words[i + 2]) if i + 2 < len(words) else None
    return rule


def _nft(c: Config, nft: str) -> None:
    chain = ""
    pending_log = False
    for raw in nft.splitlines():
        line = raw.strip()
        opened = CHAIN.match(line)
        if opened:
            chain, pending_log = opened["name"], False
            continue
        words = line.split()
        if not words or not chain or line.startswith("#") or line == "}":
            continue
        if chain in ("input", "forward", "prerouting", "output"):
            _base_chain(c, chain, words)
            continue
        family: Family = "ipv6" if chain.endswith("-V6") else "ipv4"
        acl = c.acls.setdefault(chain, Acl(chain, family))
        rule = _nft_rule(words, family)
        if rule is None:
            pending_log = pending_log or "log" in words
            continue
        rule.log = rule.log or pending_log or "log" in words
        pending_log = False
        acl.rules.append(rule)


def _base_chain(c: Config, chain: str, words: list[str]) -> None:
    if words[:1] == ["type"] and "policy" in words:
        policy = words[words.index("policy") + 1].rstrip(";")
        if chain == "input" and policy == "drop":
            c.control_plane = "nftables input chain (policy drop)"
        return
    if chain == "prerouting" and "fib" in words and "drop" in words:
        mode = "strict" if "iif" in words else "loose"
        names = re.findall(r'"([^"]+)"', " ".join(words).split(" saddr ")[0])
        for name in names:
            x = c.extra_for(name)
            if "ip6" in words:
                x.urpf_v6 = mode  # type: ignore[assignment]
            else:
                x.urpf_v4 = mode  # type: ignore[assignment]
    elif chain == "input" and "jump" in words and "dport" in words:
        port = words[words.index("dport") + 1]
        target = words[words.index("jump") + 1]
        v6 = "ipv6" in words
        if port == "22":
            _ssh_line(c).__setattr__("acl_v6" if v6 else "acl_v4", target)
        elif port == "161":
            setattr(c, "snmp_acl_v6" if v6 else "snmp_acl_v4", target)


def _ssh_line(c: Config) -> Line:
    found = next((ln for ln in c.lines if ln.name == "ssh (nftables)"), None)
    if found is None:
        found = Line("ssh (nftables)", ("ssh",), sessions=False)
        c.lines.append(found)
    return found


def _sysctl(c: Config, sysctl: str) -> None:
    values = {}
    for raw in sysctl.splitlines():
        key, eq, value = raw.partition("=")
        if eq and not raw.lstrip().startswith("#"):
            values[key.strip()] = value.strip()
    if "net.ipv6.conf.all.forwarding" in values:
        c.ipv6_routing = values["net.ipv6.conf.all.forwarding"] == "1"
    if values.get("net.ipv4.conf.all.send_redirects") == "0":
        c.services_off.append("net.ipv4.conf.all.send_redirects = 0")
        for x in c.extra.values():
            x.redirects = False
    if "net.ipv4.conf.all.accept_source_route" in values:
        c.source_route = values["net.ipv4.conf.all.accept_source_route"] != "0"


def _companions(c: Config, files: dict[str, str]) -> None:
    """The nftables ruleset and kernel settings, when the text carries them (a rendering does, frr.conf not)."""
    if "nft" in files:
        _nft(c, files["nft"])
        for key in ("filters", "urpf", "control-plane"):
            c.unknown.pop(key)
        for x in c.extra.values():
            x.urpf_v4, x.urpf_v6 = x.urpf_v4 or "", x.urpf_v6 or ""
    else:
        for x in c.extra.values():
            x.urpf_v4 = x.urpf_v6 = None
    if "sysctl" in files:
        _sysctl(c, files["sysctl"])


def parse(text: str) -> Config:
    """The facts of one frr.conf (or an FRR running configuration, or a whole rendering)."""
    files = parts(text)
    c = Config("frr", frr_facts.parse(files))
    c.unknown.update(UNKNOWN)
    c.snmp_users = None
    area_auth: dict[str, str] = {}
    for s in sections(files.get("cfg", "")):
        _global(c, s, area_auth)
    _area_auth(c, area_auth)
    for name in c.device.interfaces:
        c.extra_for(name)
    _companions(c, files)
    if c.logging_timestamps is None:
        c.logging_timestamps = False
    if c.ipv6_routing is None and any(s.words[:2] == ["frr", "version"] for s in sections(text)):
        c.ipv6_routing = True  # a running configuration says "no ipv6 forwarding" when it is off
        c.defaults["ipv6_routing"] = "zebra shows 'no ipv6 forwarding' only when it is off"
    if c.ipv6_routing is not None:
        c.unknown.pop("forwarding", None)
    return c
