"""The inventory file format: strict pydantic models, one per kind of object.

Every model forbids unknown keys and does not coerce types (``"5"`` is not a level). IP values are
parsed with :mod:`ipaddress` and compared as addresses, never as text. These models describe what a
user writes; :mod:`infra.inventory.resolve` turns them into flat, effective objects.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import unicodedata
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

NAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
ENV_RE = re.compile(r"^[A-Z_][A-Z0-9_]*$")
FQDN_RE = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CODE_RE = re.compile(r"^[0-9]{2,5}$")

PLATFORMS = ("frr", "cisco_ios", "juniper_junos", "huawei_vrp", "arista_eos")


def _name(value: str) -> str:
    if not NAME_RE.match(value):
        raise ValueError("a name of lower-case letters, digits and '-' (for example xa-hoa-kien), at most 63 long")
    return value


def _label(value: str) -> str:
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        raise ValueError("a non-empty label")
    return value


def _fqdn(value: str) -> str:
    if not FQDN_RE.match(value):
        raise ValueError("a fully qualified, lower-case DNS name such as dichvucong.phuyen.gov.vn")
    return value


def _code(value: str) -> str:
    if not CODE_RE.match(value):
        raise ValueError("an official code of 2 to 5 digits, quoted (for example '22015')")
    return value


def _env(value: str) -> str:
    if not ENV_RE.match(value):
        raise ValueError("an environment variable name such as HATANG_SNMP_AUTH")
    return value


SSH_KEY_RE = re.compile(r"^(ssh-ed25519|ecdsa-sha2-nistp(256|384|521)|ssh-rsa) [A-Za-z0-9+/]+={0,3}$")


def _ssh_key(value: str) -> str:
    if not SSH_KEY_RE.match(value):
        raise ValueError("an SSH public host key such as 'ssh-ed25519 AAAAC3Nza...' (type and key, no host name)")
    return value


def _ip_parser(kind: type[Any], what: str) -> Any:
    def parse(value: Any) -> Any:
        if isinstance(value, str):
            try:
                return kind(value)
            except ValueError as err:
                raise ValueError(f"{what} ({err})") from None
        return value

    return BeforeValidator(parse)


Name = Annotated[str, AfterValidator(_name)]
Label = Annotated[str, AfterValidator(_label)]
Fqdn = Annotated[str, AfterValidator(_fqdn)]
Code = Annotated[str, AfterValidator(_code)]
EnvName = Annotated[str, AfterValidator(_env)]
SshHostKey = Annotated[str, AfterValidator(_ssh_key)]
Net6 = Annotated[ipaddress.IPv6Network, _ip_parser(ipaddress.IPv6Network, "an IPv6 prefix such as 2001:db8::/48")]
Net4 = Annotated[ipaddress.IPv4Network, _ip_parser(ipaddress.IPv4Network, "an IPv4 prefix such as 10.54.0.0/16")]
Addr6 = Annotated[ipaddress.IPv6Address, _ip_parser(ipaddress.IPv6Address, "an IPv6 address")]
Addr4 = Annotated[ipaddress.IPv4Address, _ip_parser(ipaddress.IPv4Address, "an IPv4 address")]

Platform = Literal["frr", "cisco_ios", "juniper_junos", "huawei_vrp", "arista_eos"]
DeviceRole = Literal["ce", "wan-edge", "internet-edge", "core", "firewall", "access", "oob"]
TierKind = Literal["datacenter", "agency", "district", "commune", "other"]
VlanRole = Literal["lan", "management", "server", "voice", "camera", "wifi", "video"]
EndpointKind = Literal["syslog", "ntp", "dns", "aaa", "snmp-manager"]
Mtu = Annotated[int, Field(ge=1280, le=9216)]
Area = Annotated[int, Field(ge=0, le=4294967295)]
PoolName = Literal["gua", "ula", "ipv4"]
POOLS: tuple[PoolName, ...] = ("gua", "ula", "ipv4")


class Model(BaseModel):
    """Base of every inventory model: strict, closed, immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


# --- province and address pools --------------------------------------------------------------


class Province(Model):
    """The province this inventory describes."""

    name: Label = Field(description="Vietnamese name, e.g. Phú Yên")
    code: Code = Field(description="GSO province code, quoted, e.g. '54'")
    snapshot: dt.date = Field(description="date of the administrative map the inventory follows")
    asn: int = Field(ge=1, le=4294967294, description="the province network's BGP AS number")
    domain: Fqdn | None = Field(default=None, description="the province's DNS domain, e.g. phuyen.gov.vn")


class InfraBlock(Model):
    """Where the infrastructure block (WAN circuit links) sits in a pool."""

    block: int | None = Field(default=None, description="prefix length of the block; v6 default: pool + 4")
    slot: int = Field(ge=0, description="which block of that length inside the pool")


class Infrastructure(Model):
    """Infrastructure blocks, one per pool; WAN circuit links are numbered from them."""

    gua: InfraBlock
    ula: InfraBlock | None = None
    ipv4: InfraBlock


class Addressing(Model):
    """The province's address pools."""

    gua: Net6 = Field(description="IPv6 global allocation, a /40, /44 or /48")
    ula: Net6 | None = Field(default=None, description="optional IPv6 unique-local /48 (fd00::/8)")
    ipv4: Net4 = Field(description="private IPv4 pool (RFC 1918)")
    infrastructure: Infrastructure


# --- tiers and profiles -------------------------------------------------------------------------


class TierBlock(Model):
    """How one pool is carved for a tier: tier blocks of one length, and one block per site."""

    block: int | None = Field(default=None, description="prefix length of the tier block; v6 default: pool + 4")
    slots: list[int] | None = Field(default=None, description="which tier blocks; default: [tier index]")
    site: int = Field(description="prefix length of each site's block")


class TierAddressing(Model):
    """Per-pool carving of a tier."""

    gua: TierBlock
    ula: TierBlock | None = None
    ipv4: TierBlock


class Tier(Model):
    """A level of the province's hierarchy (data centre, agency, district, commune...)."""

    name: Name
    label: Label
    index: int = Field(ge=0, le=255, description="the tier's number; the default block slot")
    kind: TierKind
    parent: Name | None = Field(default=None, description="tier that sites of this tier hang under")
    max_sites: int | None = Field(default=None, ge=1, description="policy limit on the number of sites")
    addressing: TierAddressing


class V4Subnet(Model):
    """An IPv4 subnet inside a site's IPv4 block: its length, and which one of that length."""

    prefix: int = Field(ge=8, le=32)
    index: int = Field(ge=0)


class Vlan(Model):
    """A VLAN of a site; its IPv6 /64 is the site block's /64 number ``index``."""

    name: Name
    label: Label | None = None
    id: int = Field(ge=1, le=4094, description="802.1Q VLAN id")
    index: int = Field(ge=1, description="which /64 of the site block (0 holds the loopbacks)")
    role: VlanRole = "lan"
    zone: Name | None = Field(default=None, description="security zone (DC: dmz, app, db, security...)")
    ipv4: V4Subnet | None = Field(default=None, description="IPv4 subnet; absent = IPv6-only VLAN")
    ipv6: bool = True


class ProfileDevice(Model):
    """A device every site of a profile has."""

    name: Name = Field(description="short name inside the site, e.g. ce1")
    index: int = Field(ge=1, le=255, description="device number in the site: loopback and management host part")
    role: DeviceRole
    platform: Platform | None = None
    model: str | None = None
    mtu: Mtu | None = Field(default=None, description="MTU of its routed interfaces; default 1500")
    ospf_area: Area | None = Field(default=None, description="OSPF area of its interfaces; default 0 (backbone)")


class InternalLink(Model):
    """A point-to-point link between two devices of the same site."""

    a: Name
    b: Name
    index: int | None = Field(default=None, ge=1, description="/64 of the site block reserved for the link")


class EndpointSet(Model):
    """Shared endpoints by name; an absent list is inherited, an empty list means none."""

    syslog: list[Name] | None = None
    ntp: list[Name] | None = None
    dns: list[Name] | None = None
    aaa: list[Name] | None = None
    snmp_manager: list[Name] | None = Field(default=None, alias="snmp-manager")

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)


class Profile(Model):
    """What a kind of site has: devices, VLANs, internal links, endpoints."""

    name: Name
    label: Label | None = None
    devices: list[ProfileDevice] = Field(min_length=1)
    vlans: list[Vlan] = []
    links: list[InternalLink] = []
    infra_ipv4: V4Subnet = Field(description="IPv4 subnet holding the site's loopbacks and internal /31 links")
    endpoints: EndpointSet | None = None


# --- sites ------------------------------------------------------------------------------------


class Prefixes(Model):
    """Site blocks already deployed in the field, used instead of the computed ones."""

    gua: Net6 | None = None
    ula: Net6 | None = None
    ipv4: Net4 | None = None


class Addresses(Model):
    """A fixed pair of addresses."""

    ipv4: Addr4 | None = None
    ipv6: Addr6 | None = None


class SiteDevice(Model):
    """Changes one profile device at one site, or adds a device (then index and role are required)."""

    name: Name
    index: int | None = Field(default=None, ge=1, le=255)
    role: DeviceRole | None = None
    platform: Platform | None = None
    model: str | None = None
    mtu: Mtu | None = Field(default=None, description="MTU of its routed interfaces; default 1500")
    ospf_area: Area | None = Field(default=None, description="OSPF area of its interfaces; default 0 (backbone)")
    mgmt: Addresses | None = Field(default=None, description="management addresses already in use")


class Location(Model):
    """WGS84 coordinates."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Site(Model):
    """A place on the specialised data network: a data centre, an agency, a district, a commune."""

    name: Name
    label: Label = Field(description="Vietnamese name, e.g. Xã Hòa Kiến")
    id: int = Field(ge=0, description="stable number within the tier; it decides the site's blocks")
    tier: Name
    code: Code | None = Field(default=None, description="official administrative code")
    parent: Name | None = None
    profile: Name
    prefixes: Prefixes | None = None
    devices: list[SiteDevice] = []
    vlans: list[Vlan] = []
    endpoints: EndpointSet | None = None
    location: Location | None = None


# --- WAN -----------------------------------------------------------------------------------------


class Gateway(Model):
    """A connection gateway (provider edge) of the specialised data network."""

    name: Name
    label: Label
    asn: int = Field(ge=1, le=4294967294)
    operator: Label = Field(description="who runs it, e.g. Cục Bưu điện Trung ương")
    bgp_secret: Name | None = Field(default=None, description="BGP session key agreed with the gateway, by secret name")


class CircuitEnd(Model):
    """The province's end of a circuit."""

    site: Name
    device: Name = Field(description="short device name within the site, e.g. ce1")
    interface: str | None = None


class LinkPrefixes(Model):
    """Link prefixes already deployed in the field (IPv6 /127 or its /64; IPv4 /31)."""

    gua: Net6 | None = None
    ula: Net6 | None = None
    ipv4: Net4 | None = None


class Circuit(Model):
    """A WAN circuit of the specialised data network, from a province device to a gateway."""

    id: int = Field(ge=1, description="stable circuit number; it decides the link's prefixes")
    a: CircuitEnd
    gateway: Name
    access: Literal["cap1", "cap2"] = Field(description="cấp I (central–province) or cấp II (province–commune)")
    bandwidth_mbps: int = Field(gt=0)
    route: str = Field(min_length=1, description="physical route id; diverse circuits differ here")
    reference: str | None = Field(default=None, description="the carrier's circuit code")
    prefixes: LinkPrefixes | None = None


# --- data centre, systems, services -----------------------------------------------------------


class Host(Model):
    """A data-centre host (VM or server)."""

    name: Name
    id: int = Field(ge=10, description="host number: its address inside its VLAN (0–9 are for gateways)")
    site: Name
    zone: Name
    vlan: Name | None = Field(default=None, description="needed only when the zone has several VLANs")
    role: Name = Field(description="what it does: web, app, db, mail, dns, ntp, log-collector...")
    os: str = "debian12"
    systems: list[Name] = []
    ssh_host_keys: list[SshHostKey] = Field(
        default=[], description="its SSH host keys (public, from /etc/ssh/ssh_host_*_key.pub): hatang trusts these"
    )


class Decision(Model):
    """An approval decision (quyết định phê duyệt cấp độ)."""

    number: str = Field(min_length=1)
    date: dt.date


class System(Model):
    """An information system (hệ thống thông tin) with its approved security level."""

    name: Name
    label: Label
    level: int = Field(ge=1, le=5, description="security level (cấp độ) 1–5")
    decision: Decision
    owner: Name = Field(description="site of the agency that owns the system")
    operator: Name = Field(description="site of the agency that operates it")
    hosts: list[Name] = []


class Service(Model):
    """A published service: a name people and systems use, and the hosts behind it."""

    name: Name
    label: Label | None = None
    fqdn: Fqdn
    ports: list[Annotated[int, Field(ge=1, le=65535)]] = Field(min_length=1)
    protocol: Literal["tcp", "udp"] = "tcp"
    hosts: list[Name] = Field(min_length=1)
    system: Name | None = None
    exposure: Literal["public", "internal"] = "internal"


class Endpoint(Model):
    """A shared endpoint (SOC log collector, NTP, DNS, AAA, NMS) referred to by name."""

    name: Name
    kind: EndpointKind
    host: Name | None = Field(default=None, description="a data-centre host of this inventory")
    address: Addresses | None = Field(default=None, description="an outside endpoint's addresses")
    port: int | None = Field(default=None, ge=1, le=65535)
    secret: Name | None = Field(default=None, description="shared key, by secret name")

    @model_validator(mode="after")
    def _one_target(self) -> Endpoint:
        if (self.host is None) == (self.address is None):
            raise ValueError("exactly one of 'host' or 'address'")
        return self


class VaultRef(Model):
    """A value in an ansible-vault file."""

    file: str = Field(min_length=1)
    key: str = Field(min_length=1)


class Secret(Model):
    """A secret, only ever by reference: an environment variable or an ansible-vault entry."""

    name: Name
    env: EnvName | None = None
    vault: VaultRef | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Secret:
        if (self.env is None) == (self.vault is None):
            raise ValueError("exactly one of 'env' or 'vault'")
        return self


class Snmp(Model):
    """SNMPv3 (authPriv) settings, secrets by name."""

    user: Name
    auth: Name
    priv: Name


class Admin(Model):
    """The one local (break-glass) account of every device; its password hash is a secret."""

    user: Name
    secret: Name = Field(description="secret holding the account's password hash (never the password)")


class Defaults(Model):
    """Inventory-wide defaults, the last step of inheritance."""

    platform: Platform = "frr"
    endpoints: EndpointSet | None = None
    snmp: Snmp | None = None
    admin: Admin | None = None
    ospf_secret: Name | None = Field(default=None, description="OSPF authentication key, by secret name")


class LabMgmt(Model):
    """The lab's own management network (never part of the plan): the controller reaches every node on it."""

    ipv6: Net6 = Field(default=ipaddress.IPv6Network("fd00:0:0:ff::/64"), description="a /64 for lab management")
    ipv4: Net4 = Field(default=ipaddress.IPv4Network("10.255.0.0/24"), description="an IPv4 /24 for lab management")


class Lab(Model):
    """Which part of the province the lab twin holds; lab routers run FRR whatever their platform."""

    name: Name = Field(default="lab", description="short lab name: prefix of its namespaces (at most 8 characters)")
    sites: list[Name] = Field(min_length=1, description="sites whose routers join the lab")
    hosts: list[Name] = Field(default=[], description="data-centre hosts that join the lab as Linux nodes")
    roles: list[DeviceRole] = Field(
        default=["ce", "wan-edge", "internet-edge", "firewall", "core"],
        description="device roles that become lab routers (layer-2 access and out-of-band switches are emulated)",
    )
    mgmt: LabMgmt = LabMgmt()

    @model_validator(mode="after")
    def _short_name(self) -> Lab:
        if len(self.name) > 8:
            raise ValueError(f"lab name {self.name!r} is longer than 8 characters (it prefixes namespace names)")
        return self


class WaveSizes(Model):
    """How many sites each wave of a tier holds."""

    datacenter: int = Field(default=1, ge=1)
    agency: int = Field(default=10, ge=1)
    district: int = Field(default=5, ge=1)
    commune: int = Field(default=25, ge=1)
    other: int = Field(default=10, ge=1)


class Rollout(Model):
    """How a deploy is cut into waves and when a wave counts as failed."""

    canary: int = Field(default=2, ge=0, description="sites in the first (canary) wave, taken from the lowest tier")
    wave_sites: WaveSizes = WaveSizes()
    failure_budget: int = Field(default=0, ge=0, description="devices of a wave that may fail before it is reverted")
    parallel: int = Field(default=8, ge=1, le=64, description="devices worked on at the same time")
    revert_after: int = Field(default=300, ge=30, description="seconds before an unconfirmed commit reverts itself")
    check_timeout: int = Field(default=90, ge=5, description="seconds post-checks may wait for adjacencies")


SECTION_ITEMS: dict[str, type[Model]] = {
    "tiers": Tier,
    "profiles": Profile,
    "sites": Site,
    "gateways": Gateway,
    "circuits": Circuit,
    "hosts": Host,
    "systems": System,
    "services": Service,
    "endpoints": Endpoint,
    "secrets": Secret,
}
SINGLE_SECTIONS: dict[str, type[Model]] = {
    "province": Province,
    "addressing": Addressing,
    "defaults": Defaults,
    "lab": Lab,
    "rollout": Rollout,
}


class InventoryFile(Model):
    """One inventory file: any of the sections; the files of a directory are read together."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        title="hatang inventory file",
    )

    province: Province | None = None
    addressing: Addressing | None = None
    defaults: Defaults | None = None
    lab: Lab | None = None
    rollout: Rollout | None = None
    tiers: list[Tier] = []
    profiles: list[Profile] = []
    sites: list[Site] = []
    gateways: list[Gateway] = []
    circuits: list[Circuit] = []
    hosts: list[Host] = []
    systems: list[System] = []
    services: list[Service] = []
    endpoints: list[Endpoint] = []
    secrets: list[Secret] = []
