"""Parsers for what the Linux host checks read: ``sshd -T``, ``ss``, ``nft -j``, key=value files, shadow, mounts.

Pure functions from command output to typed values, so the checks stay short and the parsing is tested alone.
Addresses are parsed with :mod:`ipaddress`, never compared as text.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

IPAddr = ipaddress.IPv4Address | ipaddress.IPv6Address

ICMPV6_TYPES: dict[str, int] = {
    "destination-unreachable": 1,
    "packet-too-big": 2,
    "time-exceeded": 3,
    "parameter-problem": 4,
    "echo-request": 128,
    "echo-reply": 129,
    "mld-listener-query": 130,
    "mld-listener-report": 131,
    "mld-listener-done": 132,
    "mld-listener-reduction": 132,
    "nd-router-solicit": 133,
    "nd-router-advert": 134,
    "nd-neighbor-solicit": 135,
    "nd-neighbor-advert": 136,
    "nd-redirect": 137,
    "mld2-listener-report": 143,
}


def sshd_settings(text: str) -> dict[str, list[str]]:
    """``sshd -T`` output: keyword (lower case) → every value given for it (``listenaddress`` repeats)."""
    out: dict[str, list[str]] = {}
    for line in text.splitlines():
        parts = line.strip().split(None, 1)
        if len(parts) == 2:
            out.setdefault(parts[0].lower(), []).append(parts[1].strip())
    return out


def first(settings: dict[str, list[str]], key: str) -> str | None:
    """The first value of ``key``, if any."""
    values = settings.get(key)
    return values[0] if values else None


def as_int(value: str | None) -> int | None:
    """An integer, or None when absent or not a number."""
    if value is None:
        return None
    try:
        return int(value.strip())
    except ValueError:
        return None


def key_values(text: str, sep: str = "=") -> dict[str, str]:
    """``key = value`` lines (``#`` comments and blank lines ignored; the last value wins), keys lower-cased."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split(None, 1) if sep == " " else [p.strip() for p in line.split(sep, 1)]
        if len(parts) == 2:
            out[parts[0].strip().lower()] = parts[1].strip()
        elif len(parts) == 1 and sep == "=":
            out[parts[0].strip().lower()] = ""
    return out


def pam_lines(text: str, module: str) -> list[dict[str, str]]:
    """The arguments of every active line of a PAM file that uses ``module`` (``name=value`` or ``flag`` → '')."""
    out = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or module not in line.split():
            continue
        words = line.split()
        args = words[words.index(module) + 1 :]
        out.append({a.split("=", 1)[0]: (a.split("=", 1)[1] if "=" in a else "") for a in args})
    return out


@dataclass(frozen=True, slots=True)
class Socket:
    """A listening or connected socket from ``ss -H -n``."""

    proto: str
    local: IPAddr | None  # None: every address of the family (0.0.0.0, ::, *)
    family: int  # 4 or 6
    port: int
    peer: IPAddr | None = None
    peer_port: int | None = None


def _endpoint(text: str) -> tuple[IPAddr | None, int, int] | None:
    host, _, port = text.rpartition(":")
    if not port.isdigit():
        return None
    host = host.strip("[]").split("%", 1)[0]
    if host in ("*", "0.0.0.0"):
        return None if host == "*" else (None, 4, int(port))
    if host == "::":
        return (None, 6, int(port))
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return (ip.ipv4_mapped, 4, int(port))
    return (ip, ip.version, int(port))


def sockets(text: str) -> list[Socket]:
    """``ss -H -n -t -u -l`` (or ``state established``) lines as sockets; ``*:port`` counts for both families."""
    out = []
    for line in text.splitlines():
        words = line.split()
        netid = words[0] in ("tcp", "udp")
        if len(words) < (6 if netid else 4):
            continue
        proto = words[0] if netid else "tcp"
        # with a Netid column (-t -u): Netid State Recv-Q Send-Q Local Peer; with a state filter: Recv-Q Send-Q …
        local_text, peer_text = (words[4], words[5]) if netid else (words[2], words[3])
        if local_text.startswith("*:"):
            port = int(local_text[2:]) if local_text[2:].isdigit() else 0
            out += [Socket(proto, None, 4, port), Socket(proto, None, 6, port)]
            continue
        local = _endpoint(local_text)
        if local is None:
            continue
        peer = _endpoint(peer_text)
        out.append(Socket(proto, local[0], local[1], local[2], peer[0] if peer else None, peer[2] if peer else None))
    return out


def addresses(ip_json: str) -> list[ipaddress.IPv4Interface | ipaddress.IPv6Interface]:
    """Every address of ``ip -j addr show`` with its prefix (global and link scope alike)."""
    out: list[ipaddress.IPv4Interface | ipaddress.IPv6Interface] = []
    try:
        links = json.loads(ip_json or "[]")
    except json.JSONDecodeError:
        return out
    for link in links:
        for a in link.get("addr_info", []):
            try:
                out.append(ipaddress.ip_interface(f"{a['local']}/{a['prefixlen']}"))
            except (KeyError, ValueError):
                continue
    return out


# --- nftables ---------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BaseChain:
    """A base chain hooked on input: its table's family, policy, and its rules' expressions."""

    family: str
    table: str
    name: str
    policy: str
    rules: tuple[list[dict[str, Any]], ...]


def input_chains(nft_json: str) -> list[BaseChain]:
    """The base chains hooked on ``input`` in ``nft -j list ruleset``."""
    try:
        items = json.loads(nft_json or "{}").get("nftables", [])
    except (json.JSONDecodeError, AttributeError):
        return []
    chains: dict[tuple[str, str, str], dict[str, Any]] = {}
    rules: dict[tuple[str, str, str], list[list[dict[str, Any]]]] = {}
    for item in items:
        if "chain" in item and item["chain"].get("hook") == "input":
            c = item["chain"]
            chains[(c["family"], c["table"], c["name"])] = c
        elif "rule" in item:
            r = item["rule"]
            rules.setdefault((r["family"], r["table"], r["chain"]), []).append(r.get("expr", []))
    return [
        BaseChain(k[0], k[1], k[2], str(c.get("policy", "accept")), tuple(rules.get(k, [])))
        for k, c in sorted(chains.items())
    ]


def _verdict(expr: list[dict[str, Any]]) -> str | None:
    for e in expr:
        for v in ("accept", "drop", "reject"):
            if v in e:
                return v
    return None


def _icmpv6_match(expr: list[dict[str, Any]]) -> set[int] | None:
    """The ICMPv6 types a rule matches (None: it matches no ICMPv6 type field); all 256 for ``l4proto ipv6-icmp``."""
    types: set[int] | None = None
    for e in expr:
        m = e.get("match")
        if not isinstance(m, dict):
            continue
        left, right = m.get("left", {}), m.get("right")
        payload = left.get("payload", {}) if isinstance(left, dict) else {}
        meta = left.get("meta", {}) if isinstance(left, dict) else {}
        if payload.get("protocol") == "icmpv6" and payload.get("field") == "type":
            values = right.get("set", []) if isinstance(right, dict) else [right]
            types = (types or set()) | {_icmp_number(v) for v in values if _icmp_number(v) is not None}  # type: ignore[misc]
        elif meta.get("key") == "l4proto" and right in ("ipv6-icmp", "icmpv6", 58):
            return set(range(256))
        elif isinstance(left, dict) and ("ct" in left or "payload" in left or "meta" in left) and types is None:
            continue
    return types


def _icmp_number(value: object) -> int | None:
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return ICMPV6_TYPES.get(value, int(value) if value.isdigit() else None)
    return None


def icmpv6_accepted_before_drop(chain: BaseChain) -> set[int]:
    """ICMPv6 types the chain accepts before its first unconditional drop (then the policy applies)."""
    accepted: set[int] = set()
    for expr in chain.rules:
        verdict = _verdict(expr)
        matches = [e for e in expr if "match" in e]
        if verdict in ("drop", "reject") and not matches:
            break
        if verdict == "accept":
            types = _icmpv6_match(expr)
            if types is not None:
                accepted |= types
    return accepted


def filters_family(chain: BaseChain, family: int) -> bool:
    """Whether the chain sees packets of an IP family (inet sees both; ip only 4; ip6 only 6)."""
    return chain.family == "inet" or (chain.family == "ip" and family == 4) or (chain.family == "ip6" and family == 6)


# --- other files --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShadowEntry:
    """A shadow line without its hash: whether a password is set, and the ageing fields."""

    user: str
    password_set: bool
    max_days: int | None
    inactive: int | None


def shadow(text: str) -> list[ShadowEntry]:
    """Lines ``user:P|L:lastchg:min:max:warn:inactive:expire`` (the hash is never read out of the host)."""
    out = []
    for line in text.splitlines():
        f = line.split(":")
        if len(f) >= 7:
            out.append(ShadowEntry(f[0], f[1] == "P", as_int(f[4] or None), as_int(f[6] or None)))
    return out


def passwd(text: str) -> list[tuple[str, int, int, str]]:
    """``getent passwd`` lines as (user, uid, gid, shell)."""
    out = []
    for line in text.splitlines():
        f = line.split(":")
        if len(f) >= 7 and f[2].isdigit() and f[3].isdigit():
            out.append((f[0], int(f[2]), int(f[3]), f[6]))
    return out


def mounts(text: str) -> dict[str, set[str]]:
    """``findmnt -rn -o TARGET,OPTIONS`` lines: mount point → its options."""
    out: dict[str, set[str]] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2:
            out[parts[0]] = set(parts[1].split(","))
    return out


def sysctl_values(text: str) -> dict[str, str]:
    """``sysctl`` output ``key = value`` lines."""
    return {k: v for k, v in key_values(text).items() if v != ""}


def stats(text: str) -> dict[str, tuple[int, str, str]]:
    """``stat -c '%n %a %U %G'`` lines: path → (mode, owner, group)."""
    out = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 4 and re.fullmatch(r"[0-7]{3,4}", parts[1]):
            out[parts[0]] = (int(parts[1], 8), parts[2], parts[3])
    return out


def processes(text: str) -> set[str]:
    """Command names from ``ps -eo comm=``."""
    return {line.strip() for line in text.splitlines() if line.strip()}


def _params(block: str) -> dict[str, str]:
    return {k.lower(): v for k, v in re.findall(r'([A-Za-z_.]+)\s*=\s*"([^"]*)"', block)}


def rsyslog_actions(text: str) -> Iterator[dict[str, str]]:
    """The parameters of each ``action(type="omfwd" ...)`` in rsyslog configuration (RainerScript).

    An action inside a ``ruleset(...) { ... }`` with a queue inherits the ruleset's ``queue.*`` parameters (the
    queue it runs behind) unless it has its own.
    """
    spans: list[tuple[int, int, dict[str, str]]] = []
    for m in re.finditer(r"ruleset\s*\((.*?)\)\s*\{", text, flags=re.S | re.I):
        end = text.find("\n}", m.end())
        queue = {k: v for k, v in _params(m.group(1)).items() if k.startswith("queue.")}
        spans.append((m.end(), end if end >= 0 else len(text), queue))
    for m in re.finditer(r"action\s*\((.*?)\)", text, flags=re.S | re.I):
        params = _params(m.group(1))
        if params.get("type", "").lower() != "omfwd":
            continue
        for start, end, queue in spans:
            if start <= m.start() < end and "queue.filename" not in params:
                params = {**queue, **params}
        yield params


def nginx_protocols(text: str) -> list[set[str]]:
    """Every ``ssl_protocols`` directive of ``nginx -T`` as a set of protocol names."""
    out = []
    for line in text.splitlines():
        stripped = line.split("#", 1)[0].strip()
        if stripped.startswith("ssl_protocols"):
            out.append(set(stripped.rstrip(";").split()[1:]))
    return out


# --- Debian versions ----------------------------------------------------------------------------------------


def _order(c: str) -> int:
    """The weight dpkg gives one character of a non-digit part: ~ first, then the end, letters, then the rest."""
    if c == "~":
        return -1
    if c.isdigit():
        return 0
    if c.isalpha():
        return ord(c)
    return ord(c) + 256


def _non_digits(a: str, i: int, b: str, j: int) -> tuple[int, int, int]:
    """Compare the non-digit runs at ``a[i:]`` and ``b[j:]``: (difference, new i, new j)."""
    while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
        ac = _order(a[i]) if i < len(a) else 0
        bc = _order(b[j]) if j < len(b) else 0
        if ac != bc:
            return ac - bc, i, j
        i, j = i + 1, j + 1
    return 0, i, j


def _digits(a: str, i: int) -> tuple[int, int]:
    """The number at ``a[i:]`` (0 when there is none) and where it ends."""
    end = i
    while end < len(a) and a[end].isdigit():
        end += 1
    return int(a[i:end] or 0), end


def _verrevcmp(a: str, b: str) -> int:
    i = j = 0
    while i < len(a) or j < len(b):
        diff, i, j = _non_digits(a, i, b, j)
        if diff:
            return diff
        na, i = _digits(a, i)
        nb, j = _digits(b, j)
        if na != nb:
            return na - nb
    return 0


def _split_version(v: str) -> tuple[int, str, str]:
    epoch, _, rest = v.rpartition(":") if ":" in v else ("0", "", v)
    upstream, _, revision = rest.rpartition("-") if "-" in rest else (rest, "", "0")
    return int(epoch or 0) if epoch.isdigit() else 0, upstream, revision


def debian_version_compare(a: str, b: str) -> int:
    """Negative, zero or positive as Debian version ``a`` is older than, equal to or newer than ``b`` (dpkg's rules)."""
    ea, ua, ra = _split_version(a)
    eb, ub, rb = _split_version(b)
    if ea != eb:
        return ea - eb
    return _verrevcmp(ua, ub) or _verrevcmp(ra, rb)


def pending_updates(text: str) -> list[tuple[str, str, str]]:
    """(package, installed, offered) for each line ``package installed offered`` whose offer is newer."""
    out = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 3 and debian_version_compare(parts[2], parts[1]) > 0:
            out.append((parts[0], parts[1], parts[2]))
    return out
