"""Indented (IOS-style) configurations cut into sections, and the access-list rule syntax IOS, EOS and FRR share."""

from __future__ import annotations

from dataclasses import dataclass, field

from infra.audit.devicefacts import AclRule, Family, Net, icmp_type, network, wildcard_network

LOG_WORDS = frozenset({"log", "log-input", "logging"})
PORT_OPS = {"eq": 1, "neq": 1, "lt": 1, "gt": 1, "range": 2}
HEADER_WORDS = {
    "routing": "routing",
    "undetermined-transport": "undetermined-transport",
    "fragments": "fragment",
    "hbh": "hop-by-hop",
    "dest-option": "dest-option",
}
HEADER_PROTOCOLS = {"43": "routing", "60": "dest-option", "44": "fragment", "0": "hop-by-hop"}


@dataclass(slots=True)
class Section:
    """A top-level line and the indented lines under it (depth counted in indentation units)."""

    words: list[str]
    body: list[tuple[int, list[str]]] = field(default_factory=list)

    def children(self, depth: int = 1) -> list[list[str]]:
        """The words of the lines at exactly ``depth``."""
        return [w for d, w in self.body if d == depth]


def sections(text: str, unit: int = 1) -> list[Section]:
    """The configuration's top-level lines with their indented lines; ``!`` comments and blanks skipped."""
    out: list[Section] = []
    current: Section | None = None
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("!") or stripped in ("end", "exit"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        words = stripped.split()
        if indent == 0:
            current = Section(words)
            out.append(current)
        elif current is not None:
            current.body.append((max(1, indent // unit), words))
    return out


def strip_sequence(words: list[str]) -> list[str]:
    """An access-list rule without its sequence number (``10 permit …``, ``seq 10 permit …``)."""
    if words[:1] in (["seq"], ["sequence"]) and len(words) > 1:
        words = words[2:]
    if words and words[0].isdigit():
        words = words[1:]
    return words


def _address(words: list[str], i: int, family: Family) -> tuple[Net | None, int, bool]:
    """An address spec at ``words[i]``: (prefix or None for any, next index, understood)."""
    if i >= len(words):
        return None, i, False
    word = words[i]
    if word == "any":
        return None, i + 1, True
    if word == "host" and i + 1 < len(words):
        return network(words[i + 1], family), i + 2, True
    if "/" in word:
        return network(word, family), i + 1, True
    if family == "ipv4" and i + 1 < len(words) and words[i + 1].count(".") == 3:
        return wildcard_network(word, words[i + 1]), i + 2, True
    net = network(word, family)
    return net, i + 1, net is not None


PORT_NAMES = {"ssh": 22, "telnet": 23, "www": 80, "http": 80, "https": 443, "bgp": 179, "snmp": 161, "ntp": 123}


def port_number(word: str) -> int | None:
    """A port from its number or the name configurations use."""
    return int(word) if word.isdigit() else PORT_NAMES.get(word)


def _skip_ports(words: list[str], i: int) -> int:
    while i < len(words) and words[i] in PORT_OPS:
        i += 1 + PORT_OPS[words[i]]
    return i


def _ports(words: list[str], i: int) -> tuple[int, ...] | None:
    """The ports of an ``eq`` spec at ``words[i]`` (None: none, or another operator)."""
    if i + 1 < len(words) and words[i] == "eq":
        found = [port_number(w) for w in words[i + 1 : i + 2]]
        return tuple(p for p in found if p is not None) or None
    return None


def _tail(rule: AclRule, words: list[str], family: Family) -> None:
    headers: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word in LOG_WORDS:
            rule.log = True
        elif word in HEADER_WORDS:
            headers.append(HEADER_WORDS[word])
        elif word in ("routing-type", "dest-option-type") and i + 1 < len(words):
            headers.append(f"{word.removesuffix('-type')}-type-{words[i + 1]}")
            i += 1
        elif rule.protocol in ("icmp", "icmpv6") and rule.icmp is None and icmp_type(family, word) is not None:
            rule.icmp = icmp_type(family, word)
        i += 1
    rule.headers = tuple(headers)


def extended_rule(words: list[str], family: Family) -> AclRule | None:
    """``permit|deny <protocol> <source> [ports] <destination> [ports] [options]`` (IOS, EOS), or None."""
    words = strip_sequence(words)
    if len(words) < 2 or words[0] not in ("permit", "deny"):
        return None
    protocol = words[1].lower()
    if family == "ipv6" and protocol == "icmp":
        protocol = "icmpv6"
    rule = AclRule(words[0], protocol, text=" ".join(words))  # type: ignore[arg-type]
    rule.source, i, ok = _address(words, 2, family)
    i = _skip_ports(words, i)
    if ok:
        rule.destination, i, _ = _address(words, i, family)
        rule.ports = _ports(words, i)
        i = _skip_ports(words, i)
    _tail(rule, words[i:], family)
    if protocol in HEADER_PROTOCOLS:
        rule.headers = (*rule.headers, HEADER_PROTOCOLS[protocol])
    return rule


def standard_rule(words: list[str], family: Family) -> AclRule | None:
    """``permit|deny <source> [log]`` (an IOS standard list, an EOS standard list, FRR's zebra lists), or None."""
    words = strip_sequence(words)
    if len(words) < 2 or words[0] not in ("permit", "deny"):
        return None
    rule = AclRule(words[0], "ip" if family == "ipv4" else "ipv6", text=" ".join(words))  # type: ignore[arg-type]
    rule.source, i, _ = _address(words, 1, family)
    if words[1] == "exact-match":
        rule.source, i, _ = _address(words, 2, family)
    rule.log = any(w in LOG_WORDS for w in words[i:])
    return rule
