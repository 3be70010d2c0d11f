"""Interface names per platform: the management port, the loopback, and numbered front ports.

Ports are taken in a fixed order (WAN circuits by id, then the site's links in profile order), skipping any
name the inventory gives explicitly (``circuits[].a.interface``). A VLAN interface is ``svi`` on a switch
and a subinterface ``<port>.<vlan>`` on a router.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PortStyle:
    """How one platform names its interfaces."""

    mgmt: str
    loopback: str
    port: str  # format with {n}
    first: int
    svi: str  # format with {vlan}
    subinterface: str  # format with {port} and {vlan}
    mgmt_vrf: str | None

    def ports(self, taken: set[str]) -> PortAllocator:
        """A fresh allocator of front ports, avoiding names already in use."""
        return PortAllocator(self, set(taken))


class PortAllocator:
    """Hands out a device's front ports in order."""

    def __init__(self, style: PortStyle, taken: set[str]) -> None:
        """Start at the platform's first port."""
        self._style = style
        self._taken = taken
        self._n = style.first

    def next(self) -> str:
        """The next free port name."""
        while True:
            name = self._style.port.format(n=self._n)
            self._n += 1
            if name not in self._taken:
                self._taken.add(name)
                return name


STYLES: dict[str, PortStyle] = {
    "frr": PortStyle("mgmt0", "lo", "eth{n}", 1, "vlan{vlan}", "{port}.{vlan}", None),
    "cisco_ios": PortStyle(
        "GigabitEthernet0", "Loopback0", "GigabitEthernet0/0/{n}", 0, "Vlan{vlan}", "{port}.{vlan}", "Mgmt-intf"
    ),
    "juniper_junos": PortStyle("fxp0", "lo0", "ge-0/0/{n}", 0, "irb.{vlan}", "{port}.{vlan}", "mgmt_junos"),
    "huawei_vrp": PortStyle(
        "MEth0/0/1", "LoopBack0", "GigabitEthernet0/0/{n}", 1, "Vlanif{vlan}", "{port}.{vlan}", "MGMT"
    ),
    "arista_eos": PortStyle("Management1", "Loopback0", "Ethernet{n}", 1, "Vlan{vlan}", "{port}.{vlan}", "MGMT"),
}
