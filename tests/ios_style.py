"""Assertions on IOS-style configurations (Cisco IOS-XE, Arista EOS) parsed by ciscoconfparse2."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from infra.inventory import Inventory
from infra.plan.model import AddressPlan


def children(conf: Any, parent: str) -> list[str]:
    """The stripped child lines of the one top-level line matching ``parent`` exactly."""
    found = conf.find_objects(f"^{re.escape(parent)}$")
    assert len(found) == 1, f"expected one {parent!r}, found {len(found)}"
    return [c.text.strip() for c in found[0].children]


def assert_children(conf: Any, parent: str, expected: Iterable[str]) -> None:
    """``parent`` exists once and has every ``expected`` child line."""
    found = children(conf, parent)
    missing = [e for e in expected if e not in found]
    assert not missing, f"{parent}: missing {missing}; has {found}"


def child_block(conf: Any, parent: str, child: str) -> list[str]:
    """The stripped lines under ``child`` (a sub-section such as an address family) of ``parent``."""
    top = conf.find_objects(f"^{re.escape(parent)}$")
    assert len(top) == 1, f"expected one {parent!r}"
    subs = [c for c in top[0].children if c.text.strip() == child]
    assert len(subs) == 1, f"{parent}: expected one {child!r}"
    return [c.text.strip() for c in subs[0].children]


def blocks(conf: Any, regex: str) -> list[tuple[str, list[str]]]:
    """Every top-level line matching ``regex``, with its stripped children."""
    return [(o.text, [c.text.strip() for c in o.children]) for o in conf.find_objects(regex)]


def endpoint_address(inv: Inventory, plan: AddressPlan, name: str) -> str:
    """Where the plan puts a shared endpoint: its host's GUA (then ULA, then IPv4), or its fixed address."""
    endpoint = inv.endpoints[name]
    if endpoint.host is not None:
        addresses = plan.hosts[endpoint.host].addresses
        return str(next(addresses[p] for p in ("gua", "ula", "ipv4") if p in addresses))
    assert endpoint.address is not None
    return str(endpoint.address.ipv6 or endpoint.address.ipv4)
