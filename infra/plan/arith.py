"""Address arithmetic on integers: subnets by number, addresses by offset, overlap sweeps.

ipaddress objects are used for values; their cached properties (``num_addresses``,
``broadcast_address``) are slow at national scale, so sizes and ends are computed here.
"""

from __future__ import annotations

from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network
from typing import Any

from infra.inventory.explain import Origin
from infra.plan.model import IPAddr, IPNet


def size(net: IPNet) -> int:
    """How many addresses ``net`` holds (plain arithmetic; ipaddress's own property is slow)."""
    return 1 << (net.max_prefixlen - net.prefixlen)


def last(net: IPNet) -> IPAddr:
    """The last address of ``net``."""
    value = int(net.network_address) + size(net) - 1
    return IPv6Address(value) if net.max_prefixlen == 128 else IPv4Address(value)


def capacity(blocks: tuple[IPNet, ...], site_length: int) -> int:
    """How many sites of ``/site_length`` the tier blocks hold together."""
    return len(blocks) << (site_length - blocks[0].prefixlen) if blocks else 0


def subnet(base: IPNet, index: int, length: int) -> IPNet | None:
    """The ``index``-th subnet of ``length`` inside ``base``, or None when it does not fit."""
    plen, maxlen = base.prefixlen, base.max_prefixlen
    if length < plen or length > maxlen or index < 0 or index >> (length - plen):
        return None
    start = int(base.network_address) + (index << (maxlen - length))
    return IPv6Network((start, length)) if maxlen == 128 else IPv4Network((start, length))


def address(base: IPNet, offset: int) -> IPAddr | None:
    """The address ``offset`` places into ``base``, or None when outside."""
    if offset < 0 or offset >> (base.max_prefixlen - base.prefixlen):
        return None
    value = int(base.network_address) + offset
    return IPv6Address(value) if base.max_prefixlen == 128 else IPv4Address(value)


def end(net: IPNet) -> int:
    """The last address of ``net``, as an integer."""
    return int(net.network_address) + size(net) - 1


def is_v6(pool: str) -> bool:
    """Whether a pool name is an IPv6 pool (``gua``, ``ula``)."""
    return pool != "ipv4"


def make_address(v6: bool, value: int) -> IPAddr:
    """An address object from its integer value."""
    return IPv6Address(value) if v6 else IPv4Address(value)


def inside(net: IPNet, base: IPNet) -> bool:
    """Whether ``net`` lies inside ``base`` (false across address families)."""
    return net.version == base.version and net.subnet_of(base)  # type: ignore[arg-type]


def position(origin: Origin) -> tuple[str, int, int]:
    """Where an item was written, as a sortable (file, line, column)."""
    mark = origin.doc.mark(origin.base) or (0, 0)
    return (origin.doc.file, mark[0], mark[1])


Span = tuple[IPNet, str, Origin]


def later(span: Span) -> tuple[str, int, int]:
    """Blame order for overlaps: the span written later in the files ranks higher."""
    return position(span[2])


def overlaps(
    spans: list[Span], blame: Callable[[Span], tuple[Any, ...]] = later
) -> list[tuple[Span, tuple[IPNet, str]]]:
    """Pairs that overlap, found by one sweep over the spans sorted by start.

    Of each pair, the one ranked higher by ``blame`` (by default the one written later) is reported.
    """
    ordered = sorted(spans, key=lambda s: (int(s[0].network_address), s[0].prefixlen))
    found: list[tuple[Span, tuple[IPNet, str]]] = []
    widest: Span | None = None
    for span in ordered:
        if widest is not None and int(span[0].network_address) <= end(widest[0]):
            later, earlier = (span, widest) if blame(span) >= blame(widest) else (widest, span)
            found.append((later, (earlier[0], earlier[1])))
            if end(span[0]) <= end(widest[0]):
                continue
        widest = span
    return found
