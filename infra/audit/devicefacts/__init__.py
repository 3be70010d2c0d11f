"""What a network device's configuration says about its management plane, filters and routing, per platform.

The device checks (``checks/device``) judge these facts against the catalogue's thresholds and the device's
intent. ``read(platform, text)`` parses one configuration (rendered or running: the same syntax) with its
platform's reader and keeps the result, so that the two dozen checks of a device parse it once.

A field is ``None`` when the configuration cannot show it on that platform (for example SNMPv3 users, which
Cisco IOS keeps out of its running configuration, or anything an FRR router leaves to its Linux host); a check
then records the point as undecided instead of guessing. A platform default is applied only where the
platform documents one and hides it from its configuration (IOS hides ``ip ssh authentication-retries 3``, its
default); such values are marked in ``defaults`` so that a report can say so.

Interface addresses, inbound filters and router advertisements come from the render stage's readers
(``infra.render.facts``); the rest is read here.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass, field
from ipaddress import (
    IPv4Address,
    IPv4Network,
    IPv6Address,
    IPv6Network,
    ip_address,
    ip_network,
)
from typing import Literal

from infra.render.facts import DeviceFacts, InterfaceFacts

Net = IPv4Network | IPv6Network
Addr = IPv4Address | IPv6Address
Family = Literal["ipv4", "ipv6"]
Urpf = Literal["strict", "loose", ""]

PLATFORM_MODULES = {
    "cisco_ios": "ios",
    "arista_eos": "eos",
    "juniper_junos": "junos",
    "huawei_vrp": "vrp",
    "frr": "frr",
}

# ICMP type numbers by the names configurations use (RFC 792, RFC 4443, RFC 4861), per family.
ICMP4_NAMES: dict[str, int] = {
    "echo-reply": 0,
    "unreachable": 3,
    "destination-unreachable": 3,
    "redirect": 5,
    "echo": 8,
    "echo-request": 8,
    "time-exceeded": 11,
    "parameter-problem": 12,
    "timestamp-request": 13,
    "timestamp": 13,
    "timestamp-reply": 14,
}
ICMP6_NAMES: dict[str, int] = {
    "unreachable": 1,
    "destination-unreachable": 1,
    "packet-too-big": 2,
    "time-exceeded": 3,
    "parameter-problem": 4,
    "echo-request": 128,
    "echo-reply": 129,
    "router-solicit": 133,
    "router-solicitation": 133,
    "nd-router-solicit": 133,
    "router-advertisement": 134,
    "router-advert": 134,
    "nd-router-advert": 134,
    "nd-ns": 135,
    "neighbor-solicit": 135,
    "neighbor-solicitation": 135,
    "nd-neighbor-solicit": 135,
    "nd-na": 136,
    "neighbor-advertisement": 136,
    "neighbor-advertise": 136,
    "nd-neighbor-advert": 136,
    "redirect": 137,
}
SEVERITIES: dict[str, int] = {
    "emergencies": 0,
    "emergency": 0,
    "alerts": 1,
    "alert": 1,
    "critical": 2,
    "errors": 3,
    "error": 3,
    "warnings": 4,
    "warning": 4,
    "notifications": 5,
    "notice": 5,
    "informational": 6,
    "info": 6,
    "debugging": 7,
    "debug": 7,
    "any": 7,
}
GENERIC = frozenset({"ip", "ipv6", "any", "all"})  # protocol words that match every packet of the family
GENERIC_FAMILY = frozenset({"ip", "ipv6", "any", "all", "inet", "inet6"})


def icmp_type(family: Family, word: str) -> int | None:
    """An ICMP type from its name or number (None: not an ICMP type this reader knows)."""
    if word.isdigit():
        return int(word)
    return (ICMP4_NAMES if family == "ipv4" else ICMP6_NAMES).get(word.lower())


def severity(word: str) -> int | None:
    """A syslog severity (0-7) from its name or number."""
    if word.isdigit() and int(word) <= 7:
        return int(word)
    return SEVERITIES.get(word.lower())


def network(text: str, family: Family | None = None) -> Net | None:
    """A prefix from ``A/L`` or a lone address (a host), None when it is not one."""
    try:
        net = ip_network(text, strict=False)
    except ValueError:
        return None
    if family is not None and (net.version == 4) != (family == "ipv4"):
        return None
    return net


def address(text: str) -> Addr | None:
    """An address, None when it is not one (a name, a placeholder)."""
    try:
        return ip_address(text.split("%")[0])
    except ValueError:
        return None


def wildcard_network(base: str, wildcard: str) -> Net | None:
    """An IPv4 prefix written as address and wildcard mask (``10.0.0.0 0.0.0.255``)."""
    try:
        return IPv4Network(f"{base}/{wildcard}", strict=False) if wildcard != "0" else IPv4Network(f"{base}/32")
    except ValueError:
        return None


# --- the facts --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class AclRule:
    """One rule of an access list or firewall filter term, platform-neutral.

    Attributes:
        action: ``permit`` or ``deny`` (Junos ``accept`` / ``discard`` / ``reject``).
        protocol: ``ip``/``ipv6``/``any`` (every packet of the family), or ``tcp``, ``udp``, ``icmp``,
            ``icmpv6``, a protocol number...
        source, destination: The prefixes matched; None matches any.
        icmp: The ICMP type matched, when the rule names one.
        ports: The destination ports matched (None: any, or a range this reader does not expand).
        headers: IPv6 extension-header matches: ``routing``, ``routing-type-0``, ``dest-option``,
            ``dest-option-type-<n>``, ``undetermined-transport``, ``fragment``, ``hop-by-hop``.
        log: Whether matches are logged.
        text: The rule as written.
    """

    action: Literal["permit", "deny"]
    protocol: str = "any"
    source: Net | None = None
    destination: Net | None = None
    icmp: int | None = None
    ports: tuple[int, ...] | None = None
    headers: tuple[str, ...] = ()
    log: bool = False
    text: str = ""

    @property
    def matches_all(self) -> bool:
        """Whether the rule matches every packet of its family (any protocol, any source, any destination)."""
        return (
            self.protocol in GENERIC_FAMILY
            and self.source is None
            and self.destination is None
            and self.icmp is None
            and self.ports is None
            and not self.headers
        )

    def admits(self, protocol: str, port: int | None = None) -> bool:
        """Whether the rule can match packets of ``protocol`` (``tcp``...) to ``port``, whatever their addresses."""
        if self.protocol not in GENERIC_FAMILY and self.protocol != protocol:
            return False
        return port is None or self.ports is None or port in self.ports


@dataclass(slots=True)
class Acl:
    """A named access list or filter of one family, its rules in order."""

    name: str
    family: Family
    rules: list[AclRule] = field(default_factory=list)

    @property
    def final_deny(self) -> AclRule | None:
        """The last rule when it denies every packet explicitly, else None."""
        last = self.rules[-1] if self.rules else None
        return last if last is not None and last.action == "deny" and last.matches_all else None


@dataclass(slots=True)
class Line:
    """A console or remote-access line (IOS ``line vty 0 4``, VRP ``user-interface vty 0 4``, EOS ``management ssh``).

    Attributes:
        name: ``con 0``, ``vty 0 4``, ``ssh``...
        transport: The protocols it accepts (None: not configured, the platform default).
        exec_timeout: Idle timeout in seconds (0: never; None: not configured).
        acl_v4, acl_v6: The access lists limiting its sources.
        login: How logins are authenticated (``aaa``, a method list name), None when not configured.
        sessions: Whether sessions run on it (False for a filter in front of a service the host runs).
    """

    name: str
    transport: tuple[str, ...] | None = None
    exec_timeout: int | None = None
    acl_v4: str | None = None
    acl_v6: str | None = None
    login: str | None = None
    sessions: bool = True  # False: a filter in front of a service the host runs (FRR's nftables SSH chain)

    @property
    def remote(self) -> bool:
        """Whether it is a remote-access line (not the console or an auxiliary port)."""
        return not self.name.startswith(("con", "aux"))


@dataclass(slots=True)
class LocalUser:
    """A local account: how its password is kept (``hash`` type, or ``plaintext``)."""

    name: str
    storage: str  # "9", "8", "5", "sha512", "irreversible-cipher", "encrypted", "7" (reversible), "plaintext"

    @property
    def hashed(self) -> bool:
        """Whether the password is kept as a one-way hash."""
        return self.storage not in ("plaintext", "0", "7", "cipher")


@dataclass(slots=True)
class SnmpUser:
    """An SNMPv3 user: its authentication and privacy algorithms."""

    name: str
    group: str | None
    auth: str | None  # md5, sha, sha256, sha512...
    priv: str | None  # des, 3des, aes...
    priv_bits: int | None


@dataclass(slots=True)
class SnmpGroup:
    """An SNMP group: its version and security level, and the access lists limiting its sources."""

    name: str
    version: str  # v1, v2c, v3
    level: str | None  # noauth, auth, priv
    acl_v4: str | None = None
    acl_v6: str | None = None


@dataclass(slots=True)
class SnmpHost:
    """A notification receiver."""

    address: Addr | None
    version: str | None
    level: str | None


@dataclass(slots=True)
class BgpNeighbor:
    """A BGP neighbour and whether its session is authenticated (TCP MD5 or TCP-AO)."""

    address: Addr
    remote_as: int | None
    authenticated: bool


@dataclass(slots=True)
class Port:
    """A layer-2 port: mode, VLANs, and its first-hop security, spanning-tree guard and 802.1X settings."""

    name: str
    mode: str | None  # access, trunk, None (not set: the platform default)
    access_vlan: int | None = None
    native_vlan: int | None = None
    allowed: tuple[int, ...] | None = None
    shutdown: bool = False
    bpduguard: bool = False
    raguard: bool = False
    dhcp_guard: bool = False
    dot1x: bool = False


@dataclass(slots=True)
class Extra:
    """What the render readers do not keep about an interface: uRPF, outbound filters, ICMP and discovery."""

    urpf_v4: Urpf | None = None  # None: the configuration cannot show it (FRR: the host's nftables)
    urpf_v6: Urpf | None = None
    filter_out_v4: str | None = None
    filter_out_v6: str | None = None
    redirects: bool | None = None
    unreachables: bool | None = None
    proxy_arp: bool | None = None
    discovery: bool | None = None  # CDP/LLDP transmit on the interface
    vrf: str | None = None
    zone: str | None = None
    ospf_auth: str | None = None  # OSPFv2 authentication on the interface: md5, sha256, key-chain:<name>...
    ospf3_auth: str | None = None
    ra_hop_limit: int | None = None


@dataclass(slots=True)
class Config:
    """Everything the device checks read from one configuration.

    Attributes:
        platform: The inventory platform name.
        device: The render stage's facts: hostname, interfaces with addresses, inbound filters, RA.
        extra: Per interface (the same names as ``device.interfaces``), what the render facts do not keep.
        defaults: The facts taken from a platform default because the configuration hides it (fact name, or
            ``line:<name>`` for a line's timeout → what the default is).
        unknown: The facts this platform's configuration cannot show, with why (the checks' manual reasons).
    """

    platform: str
    device: DeviceFacts
    extra: dict[str, Extra] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    unknown: dict[str, str] = field(default_factory=dict)
    # NET-01 / NET-04 / NET-09: remote access and services
    ssh_enabled: bool | None = None
    ssh_version: str | None = None  # "2" when only SSHv2 is accepted
    ssh_macs: tuple[str, ...] = ()
    telnet: bool | None = None
    http: bool | None = None
    https: bool | None = None
    http_idle_timeout: int | None = None
    lines: list[Line] = field(default_factory=list)
    login_attempts: int | None = None  # failed logins before a block or disconnect
    login_block: bool | None = None  # whether repeated failures block or slow further attempts
    ssh_auth_retries: int | None = None
    services_on: list[str] = field(default_factory=list)  # unneeded services found enabled
    services_off: list[str] = field(default_factory=list)  # hardening statements found
    source_route: bool | None = None  # True: source-routed packets are accepted
    # NET-02 / NET-03 / NET-05: accounts and accounting
    aaa_enabled: bool | None = None
    aaa_servers: list[Addr] = field(default_factory=list)
    aaa_login: list[str] = field(default_factory=list)  # the login methods, in order: group names, local...
    local_users: list[LocalUser] = field(default_factory=list)
    enable_secret: str | None = None  # the enable secret's type, when there is one
    enable_password: bool = False  # a reversible "enable password"
    password_encryption: bool | None = None
    command_accounting: bool | None = None
    config_logging: bool | None = None  # configuration changes logged (archive log config, change-log)
    archive: bool | None = None  # configuration archived on change (path + write-memory)
    # NET-06 / NET-07 / NET-08: logging, time, SNMP
    logging_enabled: bool | None = None
    syslog_hosts: list[Addr] = field(default_factory=list)
    logging_level: int | None = None  # severity sent to the collectors
    logging_timestamps: bool | None = None  # date and time with milliseconds
    logging_source: str | None = None
    ntp_servers: list[Addr] = field(default_factory=list)
    ntp_authenticate: bool | None = None
    ntp_keys: dict[str, str] = field(default_factory=dict)  # key id -> algorithm
    ntp_trusted: set[str] = field(default_factory=set)
    ntp_server_keys: dict[Addr, str | None] = field(default_factory=dict)
    snmp_communities: list[str] = field(default_factory=list)
    snmp_groups: list[SnmpGroup] = field(default_factory=list)
    snmp_users: list[SnmpUser] | None = field(default_factory=list)  # None: kept out of the configuration
    snmp_hosts: list[SnmpHost] = field(default_factory=list)
    snmp_acl_v4: str | None = None
    snmp_acl_v6: str | None = None
    snmp_enabled: bool | None = None
    # filters, routing, layer 2
    acls: dict[str, Acl] = field(default_factory=dict)
    mgmt_acl_v4: str | None = None  # where the management plane is filtered outside lines (Junos lo0)
    mgmt_acl_v6: str | None = None
    control_plane: str | None = None  # the policy or filter protecting the control plane, "" when none
    ipv6_routing: bool | None = None
    bgp_asn: int | None = None
    bgp: list[BgpNeighbor] = field(default_factory=list)
    ospf: bool = False
    ospf3: bool = False
    vrfs: set[str] = field(default_factory=set)
    zones: dict[str, str] = field(default_factory=dict)  # interface -> firewall zone
    zone_policies: list[tuple[str, str, str]] = field(default_factory=list)  # (from, to, action)
    ports: dict[str, Port] = field(default_factory=dict)
    vrrp: dict[str, set[int]] = field(default_factory=dict)  # interface -> VRRP groups configured on it
    ra_guard_policies: list[str] = field(default_factory=list)
    hop_limit: int | None = None  # the hop limit this router advertises in its RAs

    def interface(self, name: str) -> InterfaceFacts | None:
        """The render facts of an intent interface (Junos names a port's unit 0 ``<port>.0``)."""
        return self.device.interfaces.get(name) or self.device.interfaces.get(f"{name}.0")

    def extras(self, name: str) -> Extra:
        """The extra facts of an intent interface (empty when the configuration says nothing of it)."""
        return self.extra.get(name) or self.extra.get(f"{name}.0") or Extra()

    def acl(self, name: str | None) -> Acl | None:
        """An access list by name (None when absent or unnamed)."""
        return self.acls.get(name) if name else None

    def extra_for(self, name: str) -> Extra:
        """The extra facts of an interface, created on first use (readers fill them in)."""
        found = self.extra.get(name)
        if found is None:
            found = self.extra[name] = Extra()
        return found


class Unreadable(ValueError):
    """A configuration its platform's reader refuses (the check cannot run)."""


@functools.lru_cache(maxsize=2048)  # a device's checks run device by device and check by check: keep them all
def read(platform: str, text: str) -> Config:
    """The facts of one configuration, parsed once per (platform, text).

    Raises:
        Unreadable: no reader for the platform, or the text is not a configuration of it.
    """
    module_name = PLATFORM_MODULES.get(platform)
    if module_name is None:
        raise Unreadable(f"no configuration reader for platform {platform!r}")
    module = importlib.import_module(f"infra.audit.devicefacts.{module_name}")
    try:
        config: Config = module.parse(text)
    except ValueError as exc:
        raise Unreadable(f"{platform} configuration not readable: {exc}") from exc
    return config


__all__ = [
    "Acl",
    "AclRule",
    "Addr",
    "BgpNeighbor",
    "Config",
    "Extra",
    "Family",
    "Line",
    "LocalUser",
    "Net",
    "Port",
    "SnmpGroup",
    "SnmpHost",
    "SnmpUser",
    "Unreadable",
    "address",
    "icmp_type",
    "network",
    "read",
    "severity",
    "wildcard_network",
]
