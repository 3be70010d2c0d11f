"""Junos configurations in the hierarchical (curly-brace) format, read back as a tree and as facts.

``parse_tree(text)`` reads the format ``show configuration`` prints and ``load`` accepts: statements end
with ``;``, blocks are ``name {`` … ``}``, lists are ``[ a b ]``, strings may be quoted, ``/* … */`` and ``#``
are comments, and ``inactive:`` marks a statement the device ignores. It is strict: an unbalanced brace, a
statement left without its ``;`` on its line, an unterminated string or comment raise ``JunosSyntaxError``
naming the line. ``parse(files)`` turns the tree into ``DeviceFacts``: interfaces are named ``<port>.<unit>``
(``ge-0/0/0.0``, ``irb.10``), OSPF areas come from ``protocols ospf``/``ospf3``, and an interface sends router
advertisements only when ``protocols router-advertisement`` lists it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from ipaddress import IPv4Interface, IPv6Interface, ip_interface

from infra.render.facts import DeviceFacts, InterfaceFacts

TAGS = frozenset({"inactive:", "protect:", "replace:"})
_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\r\f]+)
    |(?P<comment>/\*.*?\*/)
    |(?P<open>/\*)
    |(?P<hash>\#.*)
    |(?P<string>"(?:[^"\\]|\\.)*")
    |(?P<bad>")
    |(?P<punct>[{};\[\]])
    |(?P<word>[^\s{};\[\]"]+)
    """,
    re.VERBOSE,
)
_UNESCAPE = re.compile(r"\\(.)")
_SLOW = re.compile(r'["#\[\]]|/\*|\*/')  # quotes, comments and lists need the tokenizer
HEADER_OVERHEAD = {True: 18, False: 14}  # Ethernet header (+ 802.1Q tag) in a port's media MTU


class JunosSyntaxError(ValueError):
    """A configuration the strict reader refuses, with the line it refuses."""

    def __init__(self, line: int, message: str) -> None:
        """Name the line in the message."""
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(slots=True)
class Node:
    """One statement: its words, where it starts, and its children when it opens a block."""

    words: tuple[str, ...]
    line: int
    children: list[Node] | None = None  # None: a leaf statement ended by ';'
    inactive: bool = False

    @property
    def key(self) -> str:
        """The statement's first word."""
        return self.words[0]

    def each(self, key: str) -> Iterator[Node]:
        """The active children whose first word is ``key``."""
        for child in self.children or ():
            if child.key == key and not child.inactive:
                yield child

    def first(self, *path: str) -> Node | None:
        """The first active descendant along ``path`` (each step a statement's first word)."""
        node: Node | None = self
        for key in path:
            node = next(node.each(key), None) if node is not None else None
        return node

    def value(self, *path: str) -> str | None:
        """The second word of the statement at ``path`` (``host-name X;`` → ``X``)."""
        node = self.first(*path)
        return node.words[1] if node is not None and len(node.words) > 1 else None


@dataclass(slots=True)
class _Reader:
    """The parser's state while it walks the tokens."""

    stack: list[Node]
    words: list[str] = field(default_factory=list)
    start: int = 0  # the line where the pending statement starts
    in_list: bool = False
    inactive: bool = False

    def word(self, text: str, line: int) -> None:
        if not self.words and not self.in_list and text in TAGS:
            self.inactive = self.inactive or text == "inactive:"
            self.start = self.start or line
            return
        if not self.words:
            self.start = self.start or line
        self.words.append(text)

    def end_statement(self, line: int) -> None:
        if self.in_list:
            raise JunosSyntaxError(self.start, "list '[' is not closed before ';'")
        if not self.words:
            raise JunosSyntaxError(line, "';' without a statement")
        self._add(None)

    def open_block(self, line: int) -> None:
        if not self.words or self.in_list:
            raise JunosSyntaxError(line, "'{' without a statement name")
        node = self._add([])
        self.stack.append(node)

    def close_block(self, line: int) -> None:
        self.pending_is_complete(line)
        if len(self.stack) == 1:
            raise JunosSyntaxError(line, "unbalanced '}': no block is open")
        self.stack.pop()

    def newline(self, line: int) -> None:
        self.pending_is_complete(line)

    def pending_is_complete(self, line: int) -> None:
        if self.words or self.inactive:
            shown = " ".join(self.words)
            raise JunosSyntaxError(self.start, f"statement '{shown}' is not terminated by ';'")

    def _add(self, children: list[Node] | None) -> Node:
        node = Node(tuple(self.words), self.start, children, self.inactive)
        parent = self.stack[-1].children
        assert parent is not None  # blocks on the stack always have children
        parent.append(node)
        self.words, self.start, self.inactive = [], 0, False
        return node


def _list_bracket(reader: _Reader, text: str, line: int) -> None:
    if text == "[":
        if reader.in_list or not reader.words:
            raise JunosSyntaxError(line, "'[' out of place")
        reader.in_list = True
    else:
        if not reader.in_list:
            raise JunosSyntaxError(line, "']' without '['")
        reader.in_list = False


def _punct(reader: _Reader, text: str, line: int) -> None:
    if text == ";":
        reader.end_statement(line)
    elif text == "{":
        reader.open_block(line)
    elif text == "}":
        reader.close_block(line)
    else:
        _list_bracket(reader, text, line)


def _simple(line: str) -> tuple[list[str], str] | None:
    """The words and terminator of a plain line (no quote, comment, list or second statement), else None."""
    if _SLOW.search(line):
        return None
    stripped = line.strip()
    end = stripped[-1:] if stripped[-1:] in (";", "{", "}") else ""
    body = stripped[: len(stripped) - len(end)]
    if "{" in body or "}" in body or ";" in body:
        return None
    return body.split(), end


def _slow_line(reader: _Reader, line: str, number: int) -> bool:
    """Feed one line token by token; True when it leaves a ``/*`` comment open."""
    for match in _TOKEN.finditer(line):
        kind, value = match.lastgroup, match.group()
        if kind == "open":
            return True
        if kind == "bad":
            raise JunosSyntaxError(number, "unterminated string")
        if kind == "string":
            reader.word(_UNESCAPE.sub(r"\1", value[1:-1]), number)
        elif kind == "word":
            reader.word(value, number)
        elif kind == "punct":
            _punct(reader, value, number)
    return False


def parse_tree(text: str) -> Node:
    """The configuration as a tree under a root node (raises ``JunosSyntaxError`` on malformed input)."""
    root = Node(("",), 0, [])
    reader = _Reader([root])
    comment_from = number = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw
        if comment_from:
            end = line.find("*/")
            if end < 0:
                continue
            line, comment_from = line[end + 2 :], 0
        simple = _simple(line)
        if simple is None:
            comment_from = number if _slow_line(reader, line, number) else 0
        else:
            for word in simple[0]:
                reader.word(word, number)
            if simple[1]:
                _punct(reader, simple[1], number)
        reader.newline(number)
    if comment_from:
        raise JunosSyntaxError(comment_from, "unterminated comment '/*'")
    reader.pending_is_complete(number)
    if len(reader.stack) > 1:
        block = reader.stack[-1]
        raise JunosSyntaxError(block.line, f"block '{' '.join(block.words)}' is never closed: missing '}}'")
    return root


def logical(name: str) -> str:
    """A logical interface name: Junos means unit 0 when a protocol names a port alone."""
    return name if "." in name else f"{name}.0"


def _family(facts: InterfaceFacts, family: Node) -> None:
    v6 = family.words[1] == "inet6"
    for address in family.each("address"):
        ip = ip_interface(address.words[1])
        if v6 and isinstance(ip, IPv6Interface):
            facts.ipv6.append(ip)
        elif not v6 and isinstance(ip, IPv4Interface):
            facts.ipv4.append(ip)
    mtu = family.value("mtu")
    if mtu is not None and facts.mtu is None:
        facts.mtu = int(mtu)
    filter_in = family.value("filter", "input")
    if filter_in is not None:
        if v6:
            facts.filter_v6 = filter_in
        else:
            facts.filter_v4 = filter_in


def _port(facts: DeviceFacts, port: Node) -> None:
    media = port.value("mtu")
    tagged = port.first("vlan-tagging") is not None
    port_down = port.first("disable") is not None
    for unit in port.each("unit"):
        ifacts = facts.interface(f"{port.key}.{unit.words[1]}")
        ifacts.shutdown = port_down or unit.first("disable") is not None
        for family in unit.each("family"):
            if len(family.words) > 1 and family.words[1] in ("inet", "inet6"):
                _family(ifacts, family)
        if ifacts.mtu is None and media is not None:
            ifacts.mtu = int(media) - HEADER_OVERHEAD[tagged]


def _areas(root: Node, protocol: str) -> dict[str, str]:
    """Logical interface → area, from ``protocols ospf`` or ``protocols ospf3``."""
    out: dict[str, str] = {}
    proto = root.first("protocols", protocol)
    for area in proto.each("area") if proto is not None else ():
        for iface in area.each("interface"):
            if iface.words[1] != "all":
                out[logical(iface.words[1])] = area.words[1]
    return out


def _ra_interfaces(root: Node) -> set[str]:
    ra = root.first("protocols", "router-advertisement")
    return {logical(i.words[1]) for i in ra.each("interface")} if ra is not None else set()


def facts_of(root: Node) -> DeviceFacts:
    """The facts a configuration tree states."""
    facts = DeviceFacts(hostname=root.value("system", "host-name"))
    interfaces = root.first("interfaces")
    for port in interfaces.children or () if interfaces is not None else ():
        if port.children is not None and not port.inactive and port.key not in ("interface-range", "apply-groups"):
            _port(facts, port)
    ospf, ospf3, ra = _areas(root, "ospf"), _areas(root, "ospf3"), _ra_interfaces(root)
    for name, ifacts in facts.interfaces.items():
        ifacts.ospf_area = ospf.get(name)
        ifacts.ospf6_area = ospf3.get(name)
        ifacts.ra_suppressed = name not in ra or not ifacts.ipv6
    return facts


def parse(files: dict[str, str]) -> DeviceFacts:
    """The facts of a Junos device from its rendered files (``cfg``)."""
    return facts_of(parse_tree(files["cfg"]))
