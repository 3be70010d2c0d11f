"""Facts read back from rendered configurations, per platform, for the static checks.

Each platform has a module ``infra.render.facts.<platform>`` with ``parse(files) -> DeviceFacts``, where
``files`` maps an output suffix (``cfg``, and e.g. ``nft`` for FRR's companion nftables file) to its text.
The checks compare these facts (what the configuration says) with the intent (what it should say), so a
template that drops a filter or an address is caught, not only a bad inventory.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from ipaddress import IPv4Interface, IPv6Interface
from typing import Protocol


@dataclass(slots=True)
class InterfaceFacts:
    """What a configuration says about one interface (link-local and VRRP virtual addresses excluded)."""

    name: str
    ipv4: list[IPv4Interface] = field(default_factory=list)
    ipv6: list[IPv6Interface] = field(default_factory=list)
    mtu: int | None = None  # None: the platform default (1500)
    ospf_area: str | None = None  # OSPFv2 area, dotted ("0.0.0.0"); None: not in OSPFv2
    ospf6_area: str | None = None  # OSPFv3 area, dotted; None: not in OSPFv3
    filter_v4: str | None = None  # inbound IPv4 filter
    filter_v6: str | None = None  # inbound IPv6 filter
    ra_suppressed: bool = False  # router advertisements off (or never sent: no IPv6 routing on it)
    shutdown: bool = False


@dataclass(slots=True)
class DeviceFacts:
    """What a configuration says about a device."""

    hostname: str | None = None
    interfaces: dict[str, InterfaceFacts] = field(default_factory=dict)

    def interface(self, name: str) -> InterfaceFacts:
        """The facts of an interface, created empty on first use (parsers fill them in)."""
        found = self.interfaces.get(name)
        if found is None:
            found = self.interfaces[name] = InterfaceFacts(name)
        return found


class Parser(Protocol):
    """A platform's parser."""

    def __call__(self, files: dict[str, str]) -> DeviceFacts:
        """Read the facts of one device from its rendered files."""
        ...


def parser(platform: str) -> Parser:
    """The parser of a platform (ImportError names the missing module)."""
    module = importlib.import_module(f"infra.render.facts.{platform}")
    return module.parse  # type: ignore[no-any-return]
