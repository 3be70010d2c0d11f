"""Huawei VRP configurations read back as blocks and as facts.

A VRP configuration is a sequence of top-level commands separated by ``#`` lines; a command opens a block
when the lines after it are indented (one space per level: ``interface X`` then `` ip address …``; ``aaa`` then
`` authentication-scheme S`` then ``  authentication-mode …``). ``parse_blocks(text)`` is strict: a tab
character, an indented line with no block above it, an indentation that jumps more than one level, or a
block opened by a command that is not a known block keyword raise ``VrpSyntaxError`` naming the line.
``parse(files)`` turns the blocks into ``DeviceFacts``; VRP halts router advertisements unless an interface
says ``undo ipv6 nd ra halt``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from ipaddress import IPv4Interface, IPv6Interface

from infra.render.facts import DeviceFacts, InterfaceFacts

BLOCK_KEYWORDS: tuple[tuple[str, ...], ...] = (
    ("interface",),
    ("acl",),
    ("aaa",),
    ("hwtacacs-server", "template"),
    ("ip", "vpn-instance"),
    ("vlan",),
    ("ospf",),
    ("ospfv3",),
    ("bgp",),
    ("route-policy",),
    ("user-interface",),
    ("firewall", "zone"),
    ("security-policy",),
)
"""The top-level commands that open a block (their first words)."""


class VrpSyntaxError(ValueError):
    """A configuration the structural reader refuses, with the line it refuses."""

    def __init__(self, line: int, message: str) -> None:
        """Name the line in the message."""
        super().__init__(f"line {line}: {message}")
        self.line = line


@dataclass(slots=True)
class Block:
    """A top-level command and the indented lines under it, with their depth (1 = directly under it)."""

    words: tuple[str, ...]
    line: int
    body: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)

    @property
    def opens(self) -> bool:
        """Whether the command has indented lines under it."""
        return bool(self.body)


def _is_block_keyword(words: tuple[str, ...]) -> bool:
    return any(words[: len(k)] == k for k in BLOCK_KEYWORDS)


def _depth(raw: str, number: int) -> int:
    if "\t" in raw:
        raise VrpSyntaxError(number, "tab character (VRP indents with one space per level)")
    return len(raw) - len(raw.lstrip(" "))


def _indented(current: Block | None, depth: int, words: tuple[str, ...], number: int) -> None:
    if current is None:
        raise VrpSyntaxError(number, f"indented line '{' '.join(words)}' belongs to no block")
    previous = current.body[-1][0] if current.body else 0
    if depth > previous + 1:
        raise VrpSyntaxError(number, f"indentation jumps from level {previous} to {depth}")
    if not current.body and not _is_block_keyword(current.words):
        raise VrpSyntaxError(current.line, f"'{' '.join(current.words)}' is not a command that opens a block")
    current.body.append((depth, words))


def parse_blocks(text: str) -> list[Block]:
    """Every top-level command with its indented lines (raises ``VrpSyntaxError`` on a malformed layout)."""
    blocks: list[Block] = []
    current: Block | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        depth = _depth(raw, number)
        stripped = raw.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            if depth:
                raise VrpSyntaxError(number, "indented '#': separators start at column 1")
            current = None
            continue
        words = tuple(stripped.split())
        if depth:
            _indented(current, depth, words, number)
            continue
        current = Block(words, number)
        blocks.append(current)
    return blocks


def _prefix_length(mask: str) -> int:
    return IPv4Interface(f"0.0.0.0/{mask}").network.prefixlen


def _address(facts: InterfaceFacts, words: tuple[str, ...]) -> None:
    if words[:2] == ("ip", "address") and len(words) >= 4:
        facts.ipv4.append(IPv4Interface(f"{words[2]}/{_prefix_length(words[3])}"))
    elif words[:2] == ("ipv6", "address") and len(words) == 3 and "/" in words[2]:
        facts.ipv6.append(IPv6Interface(words[2]))


def _filter(facts: InterfaceFacts, words: tuple[str, ...]) -> None:
    if words[:2] != ("traffic-filter", "inbound"):
        return
    rest = words[2:]
    v6 = rest[:1] == ("ipv6",)
    rest = rest[1:] if v6 else rest
    name = rest[-1] if rest[:1] == ("acl",) else None
    if v6:
        facts.filter_v6 = name
    else:
        facts.filter_v4 = name


def _line(facts: InterfaceFacts, words: tuple[str, ...]) -> None:
    if words[0] in ("ip", "ipv6") and words[1:2] == ("address",):
        _address(facts, words)
    elif words[0] == "traffic-filter":
        _filter(facts, words)
    elif words[0] == "mtu" and len(words) == 2:
        facts.mtu = int(words[1])
    elif words[:2] == ("ospf", "enable") and "area" in words:
        facts.ospf_area = words[words.index("area") + 1]
    elif words[0] == "ospfv3" and "area" in words:
        facts.ospf6_area = words[words.index("area") + 1]
    elif words == ("undo", "ipv6", "nd", "ra", "halt"):
        facts.ra_suppressed = False
    elif words == ("shutdown",):
        facts.shutdown = True


def facts_of(blocks: list[Block]) -> DeviceFacts:
    """The facts the blocks state."""
    facts = DeviceFacts()
    for block in blocks:
        if block.words[0] == "sysname" and len(block.words) > 1:
            facts.hostname = block.words[1]
        elif block.words[0] == "interface" and len(block.words) > 1:
            ifacts = facts.interface(block.words[1])
            ifacts.ra_suppressed = True  # VRP's default: ipv6 nd ra halt
            for depth, words in block.body:
                if depth == 1:
                    _line(ifacts, words)
    return facts


def parse(files: dict[str, str]) -> DeviceFacts:
    """The facts of a VRP device from its rendered files (``cfg``)."""
    return facts_of(parse_blocks(files["cfg"]))
