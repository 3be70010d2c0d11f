"""Generate realistic hatang inventories from the public lists of Vietnamese administrative units.

``generate(province, year)`` turns one province of ``admin-units-2023.json`` (three tiers: province,
district, commune) or ``admin-units-2025.json`` (two tiers: province, commune) into the files of one
inventory directory. The command line writes one province, or every province of a year::

    python -m bench.generate --year 2023 --province 01 --out build/bench/ha-noi
    python -m bench.generate --year 2025 --all --out build/bench/2025

Real: the names and official codes of provinces, districts and communes, their counts, and the list of
provincial departments of each period (domain notes §2.4). Fictional, and said so in the output: device
models, bandwidth splits, circuit routes, decisions, hosts, and every address (IPv6 from the
documentation prefix 2001:db8::/32, IPv4 from RFC 1918). The output is deterministic (no clock, no
randomness) and written as text rather than through a YAML emitter: it is fast, and it reads like a
hand-kept inventory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Any, NamedTuple, cast

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
YEARS = (2023, 2025)
SNAPSHOT = {2023: "2023-04-10", 2025: "2025-07-01"}
OPERATOR = "Cục Bưu điện Trung ương"
FICTIONAL = "Fictional: models, bandwidth splits, routes, decisions and every address (documentation/RFC 1918)."

# --- the provincial agencies of each period (domain notes §2.4); (label, bandwidth Mbps, role) ---------------------

AGENCIES_2023: tuple[tuple[str, int, str], ...] = (
    ("Sở Nội vụ", 100, ""),
    ("Sở Tư pháp", 100, ""),
    ("Sở Kế hoạch và Đầu tư", 100, ""),
    ("Sở Tài chính", 100, ""),
    ("Sở Công Thương", 100, ""),
    ("Sở Nông nghiệp và Phát triển nông thôn", 100, ""),
    ("Sở Giao thông vận tải", 100, ""),
    ("Sở Xây dựng", 100, ""),
    ("Sở Tài nguyên và Môi trường", 100, ""),
    ("Sở Thông tin và Truyền thông", 1000, "it"),
    ("Sở Lao động - Thương binh và Xã hội", 100, ""),
    ("Sở Văn hóa, Thể thao và Du lịch", 100, ""),
    ("Sở Khoa học và Công nghệ", 100, ""),
    ("Sở Giáo dục và Đào tạo", 100, ""),
    ("Sở Y tế", 100, ""),
    ("Thanh tra {kind}", 100, ""),
    ("Văn phòng UBND {kind}", 1000, "office"),
    ("Sở Ngoại vụ", 100, ""),
    ("Ban Dân tộc", 100, ""),
    ("Ban Quản lý Khu kinh tế", 100, ""),
)
AGENCIES_2025: tuple[tuple[str, int, str], ...] = (
    ("Sở Nội vụ", 100, ""),
    ("Sở Tư pháp", 100, ""),
    ("Sở Tài chính", 100, ""),
    ("Sở Công Thương", 100, ""),
    ("Sở Nông nghiệp và Môi trường", 100, ""),
    ("Sở Xây dựng", 100, ""),
    ("Sở Khoa học và Công nghệ", 1000, "it"),
    ("Sở Văn hóa, Thể thao và Du lịch", 100, ""),
    ("Sở Giáo dục và Đào tạo", 100, ""),
    ("Sở Y tế", 100, ""),
    ("Thanh tra {kind}", 100, ""),
    ("Văn phòng UBND {kind}", 1000, "office"),
    ("Sở Dân tộc và Tôn giáo", 100, ""),
    ("Sở Ngoại vụ", 100, ""),
)

# --- profiles ----------------------------------------------------------------------------------------------------


class Dev(NamedTuple):
    """A profile device: short name, number (its index), role, platform ('' = the default), model (fictional)."""

    name: str
    number: int
    role: str
    platform: str
    model: str


class Vl(NamedTuple):
    """A profile VLAN; ``v6`` is its /64 number in the 2023 and the 2025 layout; ``v4`` is (prefix, index)."""

    name: str
    label: str
    id: int
    role: str
    zone: str
    v6: tuple[int, int]
    v4: tuple[int, int]


class Prof(NamedTuple):
    """A profile: devices, VLANs, internal links and the IPv4 subnet of loopbacks and links."""

    name: str
    label: str
    devices: tuple[Dev, ...]
    vlans: tuple[Vl, ...]
    links: tuple[tuple[str, str], ...]
    infra: tuple[int, int]


COMMUNE_2023 = Prof(
    "commune",
    "Trụ sở UBND cấp xã",
    (Dev("ce1", 1, "ce", "huawei_vrp", "AR611"), Dev("sw1", 2, "access", "", "C1000-24T-4G-L")),
    (
        Vl("office", "Văn phòng", 10, "lan", "", (0x10, 0), (26, 0)),
        Vl("mot-cua", "Bộ phận một cửa", 20, "lan", "", (0x20, 0), (28, 4)),
        Vl("video", "Hội nghị truyền hình", 30, "video", "", (0x30, 0), (29, 10)),
        Vl("camera", "Camera", 40, "camera", "", (0x40, 0), (28, 6)),
        Vl("mgmt", "Quản trị thiết bị", 99, "management", "", (0x99, 0), (29, 14)),
    ),
    (("ce1", "sw1"),),
    (29, 15),
)
COMMUNE_2025 = Prof(
    "commune",
    "Trụ sở UBND xã, phường, đặc khu",
    (
        Dev("ce1", 1, "ce", "huawei_vrp", "AR651"),
        Dev("fw1", 2, "firewall", "huawei_vrp", "USG6510F"),
        Dev("sw1", 3, "access", "", "C1000-24P-4G-L"),
        Dev("sw2", 4, "access", "", "C1000-24P-4G-L"),
    ),
    (
        Vl("office", "Văn phòng", 10, "lan", "", (0, 1), (25, 0)),
        Vl("mot-cua", "Bộ phận một cửa", 20, "lan", "", (0, 2), (27, 4)),
        Vl("video", "Hội nghị truyền hình", 30, "video", "", (0, 3), (28, 10)),
        Vl("camera", "Camera", 40, "camera", "", (0, 4), (27, 6)),
        Vl("wifi", "Wi-Fi", 50, "wifi", "", (0, 5), (28, 11)),
        Vl("mgmt", "Quản trị thiết bị", 99, "management", "", (0, 8), (28, 14)),
    ),
    (("ce1", "fw1"), ("fw1", "sw1"), ("fw1", "sw2")),
    (28, 15),
)
AGENCY = Prof(
    "agency",
    "Cơ quan cấp tỉnh",
    (
        Dev("ce1", 1, "ce", "cisco_ios", "ISR1100-4G"),
        Dev("fw1", 2, "firewall", "juniper_junos", "SRX345"),
        Dev("core1", 3, "core", "arista_eos", "720XP-24ZY4"),
        Dev("sw1", 4, "access", "arista_eos", "720XP-48ZC2"),
        Dev("sw2", 5, "access", "arista_eos", "720XP-48ZC2"),
    ),
    (
        Vl("office", "Văn phòng", 10, "lan", "", (0x10, 1), (25, 0)),
        Vl("wifi", "Wi-Fi", 20, "wifi", "", (0x20, 2), (26, 2)),
        Vl("voice", "Thoại IP", 30, "voice", "", (0x30, 3), (28, 12)),
        Vl("video", "Hội nghị truyền hình", 40, "video", "", (0x40, 4), (28, 13)),
        Vl("mgmt", "Quản trị thiết bị", 99, "management", "", (0x99, 8), (28, 14)),
    ),
    (("ce1", "fw1"), ("fw1", "core1"), ("core1", "sw1"), ("core1", "sw2")),
    (28, 15),
)
DISTRICT = Prof(
    "district",
    "Trụ sở UBND cấp huyện",
    (
        Dev("ce1", 1, "ce", "juniper_junos", "SRX300"),
        Dev("fw1", 2, "firewall", "juniper_junos", "SRX345"),
        Dev("core1", 3, "core", "huawei_vrp", "S5735-S24T4X"),
        Dev("sw1", 4, "access", "huawei_vrp", "S5735-L24P4S-A"),
        Dev("sw2", 5, "access", "huawei_vrp", "S5735-L24P4S-A"),
    ),
    (
        Vl("office", "Văn phòng", 10, "lan", "", (0x10, 0), (25, 0)),
        Vl("mot-cua", "Bộ phận một cửa", 20, "lan", "", (0x20, 0), (27, 4)),
        Vl("video", "Hội nghị truyền hình", 30, "video", "", (0x30, 0), (28, 10)),
        Vl("camera", "Camera", 40, "camera", "", (0x40, 0), (28, 11)),
        Vl("wifi", "Wi-Fi", 50, "wifi", "", (0x50, 0), (27, 6)),
        Vl("mgmt", "Quản trị thiết bị", 99, "management", "", (0x99, 0), (28, 14)),
    ),
    (("ce1", "fw1"), ("fw1", "core1"), ("core1", "sw1"), ("core1", "sw2")),
    (28, 15),
)
_LEAVES = tuple(Dev(f"leaf{n}", 8 + n, "access", "arista_eos", "7050SX3-48YC12") for n in range(1, 5))
DATACENTER = Prof(
    "datacenter",
    "Trung tâm dữ liệu",
    (
        Dev("wan1", 1, "wan-edge", "juniper_junos", "MX204"),
        Dev("wan2", 2, "wan-edge", "juniper_junos", "MX204"),
        Dev("inet1", 3, "internet-edge", "frr", "x86-1U"),
        Dev("inet2", 4, "internet-edge", "frr", "x86-1U"),
        Dev("fw1", 5, "firewall", "huawei_vrp", "USG6655F"),
        Dev("fw2", 6, "firewall", "huawei_vrp", "USG6655F"),
        Dev("core1", 7, "core", "arista_eos", "7280CR3-32P4"),
        Dev("core2", 8, "core", "arista_eos", "7280CR3-32P4"),
        *_LEAVES,
        Dev("oob1", 13, "oob", "", "C9200L-48T-4G"),
    ),
    (
        Vl("mgmt", "Quản trị thiết bị và máy chủ", 99, "management", "mgmt", (0x0099, 0x01), (25, 0)),
        Vl("backup", "Sao lưu", 98, "server", "mgmt", (0x0098, 0x02), (25, 1)),
        Vl("core", "Dịch vụ hạ tầng dùng chung", 100, "server", "core", (0x0100, 0x03), (24, 1)),
        Vl("dmz", "Vùng DMZ", 110, "server", "dmz", (0x1110, 0x10), (24, 2)),
        Vl("app", "Vùng ứng dụng", 120, "server", "app", (0x2120, 0x20), (24, 3)),
        Vl("db", "Vùng cơ sở dữ liệu", 130, "server", "db", (0x3130, 0x30), (24, 4)),
        Vl("security", "Vùng an toàn thông tin (SOC)", 140, "server", "security", (0x4140, 0x40), (24, 5)),
        Vl("lgsp", "Vùng LGSP, kết nối NDXP", 150, "server", "lgsp", (0x5150, 0x50), (24, 6)),
    ),
    (
        ("wan1", "fw1"),
        ("wan2", "fw2"),
        ("inet1", "fw1"),
        ("inet2", "fw2"),
        ("fw1", "fw2"),
        ("fw1", "core1"),
        ("fw2", "core2"),
        ("core1", "core2"),
        *((leaf.name, core) for leaf in _LEAVES for core in ("core1", "core2")),
    ),
    (24, 7),
)

# --- data-centre hosts, systems, services, endpoints ------------------------------------------------------------


class HostRow(NamedTuple):
    """A DC host: name, at the DR site?, zone, VLAN ('' = the zone's only one), role, os, systems."""

    name: str
    dr: bool
    zone: str
    vlan: str
    role: str
    os: str
    systems: tuple[str, ...]


def _hosts(dr: bool, zone: str, vlan: str, role: str, os_: str, system: str, *names: str) -> list[HostRow]:
    return [HostRow(n, dr, zone, vlan, role, os_, (system,)) for n in names]


HOSTS: tuple[HostRow, ...] = (
    *_hosts(False, "mgmt", "mgmt", "bastion", "debian12", "ha-tang-ttdl", "bastion-01"),
    *_hosts(False, "mgmt", "mgmt", "monitoring", "debian12", "ha-tang-ttdl", "nms-01"),
    *_hosts(False, "mgmt", "mgmt", "virtualisation-manager", "appliance", "ha-tang-ttdl", "virt-mgr-01"),
    *_hosts(False, "mgmt", "backup", "backup", "debian12", "ha-tang-ttdl", "backup-01", "backup-02"),
    *_hosts(False, "core", "", "dns-resolver", "debian12", "dns", "dns-res-01", "dns-res-02"),
    *_hosts(False, "core", "", "ntp", "debian12", "ha-tang-ttdl", "ntp-01", "ntp-02"),
    *_hosts(False, "core", "", "aaa", "debian12", "ha-tang-ttdl", "aaa-01", "aaa-02"),
    *_hosts(False, "core", "", "directory", "debian12", "xac-thuc", "dir-01", "dir-02"),
    *_hosts(False, "dmz", "", "web", "debian12", "cong-ttdt", "portal-web-01", "portal-web-02"),
    *_hosts(False, "dmz", "", "web", "debian12", "dvc", "dvc-web-01", "dvc-web-02"),
    *_hosts(False, "dmz", "", "mail-relay", "debian12", "thu-cong-vu", "mail-mx-01", "mail-mx-02"),
    *_hosts(False, "dmz", "", "webmail", "debian12", "thu-cong-vu", "mail-web-01"),
    *_hosts(False, "dmz", "", "dns-authoritative", "debian12", "dns", "dns-auth-01"),
    *_hosts(False, "dmz", "", "video-edge", "appliance", "hop-truc-tuyen", "vc-edge-01"),
    *_hosts(False, "app", "", "app", "debian12", "cong-ttdt", "portal-app-01"),
    *_hosts(False, "app", "", "app", "rhel9", "dvc", "dvc-app-01", "dvc-app-02", "motcua-app-01", "motcua-app-02"),
    *_hosts(False, "app", "", "app", "windows2022", "qlvb", "qlvb-app-01", "qlvb-app-02"),
    *_hosts(False, "app", "", "mail-store", "debian12", "thu-cong-vu", "mail-store-01", "mail-store-02"),
    *_hosts(False, "app", "", "app", "ubuntu2204", "ioc", "ioc-app-01", "ioc-app-02"),
    *_hosts(False, "app", "", "mcu", "appliance", "hop-truc-tuyen", "vc-mcu-01", "vc-mcu-02"),
    *_hosts(False, "app", "", "app", "debian12", "bao-cao", "baocao-app-01"),
    *_hosts(False, "db", "", "db", "debian12", "cong-ttdt", "portal-db-01"),
    *_hosts(False, "db", "", "db", "rhel9", "dvc", "dvc-db-01", "dvc-db-02"),
    *_hosts(False, "db", "", "db", "windows2022", "qlvb", "qlvb-db-01", "qlvb-db-02"),
    *_hosts(False, "db", "", "db", "ubuntu2204", "ioc", "ioc-db-01"),
    *_hosts(False, "db", "", "db", "debian12", "bao-cao", "baocao-db-01"),
    *_hosts(False, "security", "", "log-collector", "debian12", "soc", "soc-log-01", "soc-log-02"),
    *_hosts(False, "security", "", "siem", "rhel9", "soc", "soc-siem-01"),
    *_hosts(False, "lgsp", "", "api-gateway", "rhel9", "lgsp", "lgsp-gw-01", "lgsp-gw-02"),
    *_hosts(False, "lgsp", "", "esb", "rhel9", "lgsp", "lgsp-esb-01"),
    *_hosts(True, "mgmt", "mgmt", "bastion", "debian12", "ha-tang-ttdl", "dr-bastion-01"),
    *_hosts(True, "mgmt", "backup", "backup", "debian12", "ha-tang-ttdl", "dr-backup-01"),
    *_hosts(True, "core", "", "dns-resolver", "debian12", "dns", "dr-dns-res-01"),
    *_hosts(True, "core", "", "ntp", "debian12", "ha-tang-ttdl", "dr-ntp-01"),
    *_hosts(True, "dmz", "", "dns-authoritative", "debian12", "dns", "dr-dns-auth-01"),
    *_hosts(True, "dmz", "", "web", "debian12", "cong-ttdt", "dr-portal-web-01"),
    *_hosts(True, "dmz", "", "web", "debian12", "dvc", "dr-dvc-web-01"),
    *_hosts(True, "dmz", "", "mail-relay", "debian12", "thu-cong-vu", "dr-mail-mx-01"),
    *_hosts(True, "db", "", "db", "rhel9", "dvc", "dr-dvc-db-01"),
    *_hosts(True, "db", "", "db", "windows2022", "qlvb", "dr-qlvb-db-01"),
    *_hosts(True, "security", "", "log-collector", "debian12", "soc", "dr-soc-log-01"),
)
FIRST_HOST_ID = 20  # 1-13 are the DC devices' management addresses; 0-9 gateways

# name, label ("{of}" = "tỉnh Phú Yên"), level (2023, 2025), owner, operator
SYSTEMS: tuple[tuple[str, str, tuple[int, int], str, str], ...] = (
    ("cong-ttdt", "Cổng thông tin điện tử {of}", (3, 3), "office", "it"),
    ("dvc", "Hệ thống thông tin giải quyết thủ tục hành chính {of}", (3, 4), "office", "it"),
    ("qlvb", "Hệ thống quản lý văn bản và điều hành (QLVBĐH)", (3, 3), "office", "it"),
    ("thu-cong-vu", "Hệ thống thư điện tử công vụ", (3, 3), "it", "it"),
    ("lgsp", "Nền tảng tích hợp, chia sẻ dữ liệu {of} (LGSP)", (3, 4), "it", "it"),
    ("ioc", "Trung tâm giám sát, điều hành thông minh (IOC)", (2, 3), "office", "it"),
    ("soc", "Hệ thống giám sát an toàn thông tin (SOC)", (3, 3), "it", "it"),
    ("hop-truc-tuyen", "Hệ thống hội nghị truyền hình trực tuyến", (2, 2), "office", "it"),
    ("dns", "Hệ thống máy chủ tên miền (DNS)", (3, 3), "it", "it"),
    ("bao-cao", "Hệ thống thông tin báo cáo {of}", (2, 2), "office", "it"),
    ("xac-thuc", "Hệ thống xác thực tập trung (SSO, dịch vụ thư mục)", (3, 3), "it", "it"),
    ("ha-tang-ttdl", "Hạ tầng Trung tâm dữ liệu (ảo hóa, sao lưu, NTP, AAA, quản trị)", (3, 3), "it", "it"),
)


class Svc(NamedTuple):
    """A published service: name, first label of the FQDN, ports, protocol, hosts, system, exposure."""

    name: str
    host: str
    ports: tuple[int, ...]
    protocol: str
    hosts: tuple[str, ...]
    system: str
    exposure: str


SERVICES: tuple[Svc, ...] = (
    Svc("cong-ttdt-web", "www", (443, 80), "tcp", ("portal-web-01", "portal-web-02"), "cong-ttdt", "public"),
    Svc("dvc-web", "dichvucong", (443,), "tcp", ("dvc-web-01", "dvc-web-02"), "dvc", "public"),
    Svc("motcua-web", "motcua", (443,), "tcp", ("motcua-app-01", "motcua-app-02"), "dvc", "internal"),
    Svc("qlvb-web", "qlvb", (443,), "tcp", ("qlvb-app-01", "qlvb-app-02"), "qlvb", "internal"),
    Svc("mail-mx", "mail", (25,), "tcp", ("mail-mx-01", "mail-mx-02"), "thu-cong-vu", "public"),
    Svc("mail-web", "mail", (443,), "tcp", ("mail-web-01",), "thu-cong-vu", "public"),
    Svc("mail-client", "imap", (993, 587), "tcp", ("mail-store-01", "mail-store-02"), "thu-cong-vu", "internal"),
    Svc("lgsp-api", "lgsp", (443,), "tcp", ("lgsp-gw-01", "lgsp-gw-02"), "lgsp", "internal"),
    Svc("ioc-web", "ioc", (443,), "tcp", ("ioc-app-01", "ioc-app-02"), "ioc", "internal"),
    Svc("soc-syslog", "soc", (6514,), "tcp", ("soc-log-01", "soc-log-02"), "soc", "internal"),
    Svc("hop-truc-tuyen-web", "hoptructuyen", (443,), "tcp", ("vc-edge-01",), "hop-truc-tuyen", "internal"),
    Svc("hop-truc-tuyen-sip", "sip", (5061,), "tcp", ("vc-mcu-01", "vc-mcu-02"), "hop-truc-tuyen", "internal"),
    Svc("dns-ns1", "ns1", (53,), "udp", ("dns-auth-01",), "dns", "public"),
    Svc("dns-ns2", "ns2", (53,), "udp", ("dr-dns-auth-01",), "dns", "public"),
    Svc("dns-resolver", "dns", (53,), "udp", ("dns-res-01", "dns-res-02"), "dns", "internal"),
    Svc("ntp", "ntp", (123,), "udp", ("ntp-01", "ntp-02"), "ha-tang-ttdl", "internal"),
    Svc("bao-cao-web", "baocao", (443,), "tcp", ("baocao-app-01",), "bao-cao", "internal"),
    Svc("sso", "sso", (443,), "tcp", ("dir-01", "dir-02"), "xac-thuc", "internal"),
)

# name, kind, host, port, secret
ENDPOINTS: tuple[tuple[str, str, str, int | None, str], ...] = (
    ("soc-log-1", "syslog", "soc-log-01", 6514, ""),
    ("soc-log-2", "syslog", "soc-log-02", 6514, ""),
    ("soc-log-dr", "syslog", "dr-soc-log-01", 6514, ""),
    ("ntp-1", "ntp", "ntp-01", None, ""),
    ("ntp-2", "ntp", "ntp-02", None, ""),
    ("ntp-dr", "ntp", "dr-ntp-01", None, ""),
    ("dns-1", "dns", "dns-res-01", None, ""),
    ("dns-2", "dns", "dns-res-02", None, ""),
    ("dns-dr", "dns", "dr-dns-res-01", None, ""),
    ("aaa-1", "aaa", "aaa-01", 49, "tacacs-key"),
    ("aaa-2", "aaa", "aaa-02", 49, "tacacs-key"),
    ("nms-1", "snmp-manager", "nms-01", 162, ""),
)
SECRETS = (
    ("snmp-auth", "HATANG_SNMP_AUTH", "SNMPv3 authentication passphrase"),
    ("snmp-priv", "HATANG_SNMP_PRIV", "SNMPv3 privacy passphrase"),
    ("tacacs-key", "HATANG_TACACS_KEY", "TACACS+ shared key of the AAA servers"),
    ("admin-hash", "HATANG_ADMIN_HASH", "password hash (not the password) of the break-glass account"),
    ("ospf-key", "HATANG_OSPF_KEY", "OSPF authentication key inside sites"),
    ("bgp-tslcd", "HATANG_BGP_TSLCD", "BGP session key agreed with the gateways' operator"),
)

# --- text helpers -------------------------------------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_YAML_SPECIAL = frozenset(":#,[]{}&*!|>'\"%@`\\")


def slug(text: str) -> str:
    """An ASCII name from a Vietnamese label: diacritics stripped (đ → d), lower case, words joined by '-'."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = text.encode("ascii", "ignore").decode()
    return _NON_ALNUM.sub("-", ascii_text.lower()).strip("-")


def q(text: str) -> str:
    """A YAML scalar for ``text``: plain when that is safe in flow style, else double-quoted."""
    plain = (
        text[:1].isalpha()
        and text == text.strip()
        and not _YAML_SPECIAL.intersection(text)
        and text.lower() not in ("true", "false", "null")
    )
    return text if plain else '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def flow(**fields: object) -> str:
    """A one-line flow mapping of already rendered values (None values are left out)."""
    return "{" + ", ".join(f"{k}: {v}" for k, v in fields.items() if v is not None) + "}"


def _index(value: int, width: int) -> str:
    return f"0x{value:0{width}x}" if value >= 16 else str(value)


def _stable(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("/".join(parts).encode()).digest()[:4], "big")


# --- the province ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ctx:
    """One province, one year: names and pools."""

    year: int
    code: str
    name: str
    kind: str
    gua: IPv6Network
    ula: IPv6Network | None
    ipv4: IPv4Network
    commune_slots: tuple[int, ...]

    @property
    def slug(self) -> str:
        """The province's name as an ASCII slug (phu-yen)."""
        return slug(self.name)

    @property
    def of(self) -> str:
        """'tỉnh Phú Yên' / 'thành phố Hà Nội', for labels."""
        return f"{self.kind} {self.name}"

    @property
    def domain(self) -> str:
        """The province's DNS domain (phuyen.gov.vn)."""
        return self.slug.replace("-", "") + ".gov.vn"

    @property
    def gateways(self) -> tuple[str, str]:
        """The names of the two connection gateways."""
        return (f"gw-{self.slug}-1", f"gw-{self.slug}-2")


# IPv4 carving of the commune tier: (tier block length, site length) per year
COMMUNE_V4 = {2023: (17, 25), 2025: (18, 24)}


def _ipv4_pool(code: str, communes: int, year: int) -> tuple[IPv4Network, tuple[int, ...]]:
    """10.<code>.0.0/16, or a /15 or /14 around it when the communes do not fit (ids start at 1)."""
    block, site = COMMUNE_V4[year]
    for prefix in (16, 15, 14):
        slots = tuple(range(1, 1 << (block - prefix)))
        if len(slots) * (1 << (site - block)) - 1 >= communes:
            second = int(code) & ~((1 << (16 - prefix)) - 1) & 0xFF
            return IPv4Network(f"10.{second}.0.0/{prefix}"), slots
    raise ValueError(f"{communes} communes do not fit a /14 IPv4 pool")


def _ula(code: str) -> IPv6Network:
    """An RFC 4193 /48: fd00::/8 and a 40-bit global id (derived from the code, so stable)."""
    global_id = int.from_bytes(hashlib.sha256(f"hatang ula {code}".encode()).digest()[:5], "big")
    return IPv6Network(((0xFD << 120) | (global_id << 80), 48))


def province_ctx(province: dict[str, Any], year: int) -> Ctx:
    """Names and pools of one province of the given year's data."""
    if year not in YEARS:
        raise ValueError(f"year {year}: expected one of {YEARS}")
    code, full = str(province["code"]), str(province["name"])
    kind, _, name = full.partition(" ") if full.startswith("Tỉnh ") else ("Thành phố", "", full[len("Thành phố ") :])
    communes = sum(len(d["communes"]) for d in province["districts"]) if year == 2023 else len(province["communes"])
    ipv4, slots = _ipv4_pool(code, communes, year)
    if year == 2023:
        gua, ula = IPv6Network(f"2001:db8:{code}00::/40"), None
    else:
        gua, ula = IPv6Network(f"2001:db8:{code}0::/44"), _ula(code)
    return Ctx(year, code, name, kind.lower(), gua, ula, ipv4, slots)


# --- sites ----------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    """A site as it will be written."""

    name: str
    label: str
    id: int
    tier: str
    profile: str
    code: str | None = None
    up: Row | None = None
    bandwidth: int = 0
    role: str = ""
    note: str = ""


def agency_rows(ctx: Ctx) -> list[Row]:
    """The provincial agencies of the period, ids from 1 in the order of the decree's list."""
    table = AGENCIES_2023 if ctx.year == 2023 else AGENCIES_2025
    out = []
    for n, (label, mbps, role) in enumerate(table, start=1):
        text = label.format(kind=ctx.kind)
        out.append(Row(slug(text), text, n, "agency", "agency", bandwidth=mbps, role=role))
    return out


def district_rows(province: dict[str, Any]) -> list[Row]:
    """2023 districts, ids from 1 in data order."""
    return [
        Row(slug(d["name"]), d["name"], n, "district", "district", code=d["code"], bandwidth=200)
        for n, d in enumerate(province["districts"], start=1)
    ]


def commune_rows(province: dict[str, Any], year: int, districts: list[Row]) -> list[Row]:
    """Communes, ids from 1 in data order across the province (2023: under their district)."""
    mbps = 100 if year == 2023 else 200
    out: list[Row] = []
    if year == 2023:
        for district, raw in zip(districts, province["districts"], strict=True):
            for c in raw["communes"]:
                row = Row(slug(c["name"]), c["name"], len(out) + 1, "commune", "commune", c["code"], bandwidth=mbps)
                row.up = district
                out.append(row)
        return out
    for c in province["communes"]:
        merged = ", ".join(m["name"] + (" (một phần)" if m.get("type") == "partial" else "") for m in c["merged_from"])
        row = Row(slug(c["name"]), c["name"], len(out) + 1, "commune", "commune", c["code"], bandwidth=mbps)
        row.note = f"từ: {merged}"
        out.append(row)
    return out


def dedupe(rows: list[Row]) -> None:
    """Give every site a unique name: a name several sites share gets each one's official code appended."""
    counts = Counter(r.name for r in rows)
    for row in rows:
        if counts[row.name] > 1 and row.code:
            row.name = f"{row.name}-{row.code}"


@dataclass(frozen=True, slots=True)
class Sites:
    """Every site of the inventory, by tier."""

    datacenters: tuple[Row, Row]
    agencies: list[Row]
    districts: list[Row]
    communes: list[Row]

    def role(self, role: str) -> str:
        """The name of the agency with a role ('office': VP UBND; 'it': the IT department)."""
        return next(r.name for r in self.agencies if r.role == role)


def build_sites(ctx: Ctx, province: dict[str, Any]) -> Sites:
    """Data centres, agencies, districts (2023) and communes, names unique."""
    mbps = 1000 if ctx.year == 2023 else 10000
    primary = Row("dc-chinh", f"Trung tâm dữ liệu {ctx.of}", 0, "datacenter", "datacenter", bandwidth=mbps)
    dr_label = "Trung tâm dữ liệu dự phòng (thuê chỗ tại IDC của doanh nghiệp viễn thông)"
    dr = Row("dc-du-phong", dr_label, 1, "datacenter", "datacenter", bandwidth=mbps)
    agencies = agency_rows(ctx)
    districts = district_rows(province) if ctx.year == 2023 else []
    communes = commune_rows(province, ctx.year, districts)
    dedupe([primary, dr, *agencies, *districts, *communes])
    return Sites((primary, dr), agencies, districts, communes)


# --- files ------------------------------------------------------------------------------------------------------------


def _nth(net: IPv4Network | IPv6Network, length: int, index: int) -> str:
    shift = net.max_prefixlen - length
    start = int(net.network_address) + (index << shift)
    return str(type(net)((start, length)))


def _carving(pool: IPv4Network | IPv6Network, block: int, slots: Sequence[int], site: int) -> str:
    first = _nth(pool, block, slots[0])
    more = f" + {len(slots) - 1} more" if len(slots) > 1 else ""
    return f"{first}{more}: {len(slots) << (site - block)} sites of /{site}"


def _doc(head: Sequence[str], body: Sequence[str]) -> str:
    """A YAML file: comment lines, a blank line, the body lines."""
    return "".join(f"# {h}\n" if h else "#\n" for h in head) + "\n" + "\n".join(body) + "\n"


def _padded(text: str, comment: str, width: int) -> str:
    return f"{text:<{width}}# {comment}"


def province_file(ctx: Ctx) -> str:
    """Province, pools and the inventory-wide defaults."""
    three = "three tiers: province, district, commune" if ctx.year == 2023 else "two tiers: province, commune"
    body = [
        "province:",
        f"  name: {q(ctx.name)}",
        f'  code: "{ctx.code}"',
        f"  snapshot: {SNAPSHOT[ctx.year]}",
        _padded(f"  asn: {65000 + int(ctx.code)}", "private ASN (fictional)", 32),
        f"  domain: {ctx.domain}",
        "",
        "addressing:",
        _padded(f"  gua: {ctx.gua}", f'"{ctx.code}" = the GSO code, a mnemonic only (documentation prefix)', 32),
    ]
    if ctx.ula is not None:
        body.append(_padded(f"  ula: {ctx.ula}", "RFC 4193 unique-local /48, random-looking 40-bit global id", 32))
    body += [
        f"  ipv4: {ctx.ipv4}",
        _padded("  infrastructure:", "WAN links: IPv6 /64 and IPv4 /31 number <circuit id>", 32),
        _padded("    gua: {slot: 0}", _nth(ctx.gua, ctx.gua.prefixlen + 4, 0), 32),
    ]
    if ctx.ula is not None:
        body.append(_padded("    ula: {slot: 0}", _nth(ctx.ula, 52, 0), 32))
    body += [_padded("    ipv4: {block: 20, slot: 0}", _nth(ctx.ipv4, 20, 0), 32), "", *DEFAULTS]
    head = [
        f"{ctx.name}: the province, its address pools and the inventory-wide defaults.",
        f"Administrative map of {SNAPSHOT[ctx.year]} ({three}); names and codes are the GSO's.",
        FICTIONAL,
    ]
    return _doc(head, body)


DEFAULTS = (
    "defaults:",
    "  platform: cisco_ios",
    "  endpoints:",
    "    syslog: [soc-log-1, soc-log-2]",
    "    ntp: [ntp-1, ntp-2]",
    "    dns: [dns-1, dns-2]",
    "    aaa: [aaa-1, aaa-2]",
    "    snmp-manager: [nms-1]",
    "  snmp: {user: nms, auth: snmp-auth, priv: snmp-priv}",
    "  admin: {user: netadmin, secret: admin-hash}",
    "  ospf_secret: ospf-key",
)


class TierSpec(NamedTuple):
    """A tier: name, label, slot (its index), kind, parent, max sites, GUA and ULA site lengths, IPv4 carving."""

    name: str
    label: str
    slot: int
    kind: str
    parent: str
    max_sites: int
    gua: int
    ula: int
    v4: tuple[int, tuple[int, ...], int]


def tier_specs(ctx: Ctx) -> list[TierSpec]:
    """The tiers of the year's layout (domain notes §5.5 for 2023, §5.7 plus a ULA for 2025)."""
    commune_v4 = (COMMUNE_V4[ctx.year][0], ctx.commune_slots, COMMUNE_V4[ctx.year][1])
    if ctx.year == 2023:
        return [
            TierSpec("datacenter", "Trung tâm dữ liệu", 1, "datacenter", "", 2, 48, 0, (20, (1,), 21)),
            TierSpec("agency", "Cơ quan cấp tỉnh", 2, "agency", "", 0, 52, 0, (19, (1,), 24)),
            TierSpec("district", "Cấp huyện", 3, "district", "", 0, 52, 0, (19, (2,), 24)),
            TierSpec("commune", "Cấp xã", 4, "commune", "district", 0, 56, 0, commune_v4),
        ]
    return [
        TierSpec("datacenter", "Trung tâm dữ liệu", 1, "datacenter", "", 2, 52, 56, (20, (1,), 21)),
        TierSpec("agency", "Cơ quan cấp tỉnh", 2, "agency", "", 0, 56, 60, (19, (1,), 24)),
        TierSpec("commune", "Cấp xã (xã, phường, đặc khu)", 4, "commune", "", 0, 56, 60, commune_v4),
    ]


def _tier_text(ctx: Ctx, t: TierSpec) -> list[str]:
    lines = [f"  - name: {t.name}", f"    label: {q(t.label)}", f"    index: {t.slot}", f"    kind: {t.kind}"]
    lines += [f"    parent: {t.parent}"] * bool(t.parent) + [f"    max_sites: {t.max_sites}"] * bool(t.max_sites)
    lines.append("    addressing:")
    gua_note = _carving(ctx.gua, ctx.gua.prefixlen + 4, (t.slot,), t.gua)
    lines.append(_padded(f"      gua: {{site: {t.gua}}}", gua_note, 54))
    if ctx.ula is not None:
        lines.append(_padded(f"      ula: {{site: {t.ula}}}", _carving(ctx.ula, 52, (t.slot,), t.ula), 54))
    block, slots, site = t.v4
    v4 = f"      ipv4: {{block: {block}, slots: [{', '.join(map(str, slots))}], site: {site}}}"
    lines.append(_padded(v4, _carving(ctx.ipv4, block, slots, site), 54))
    return lines


def tiers_file(ctx: Ctx) -> str:
    """The tiers and how each carves the pools."""
    head = [
        f"Tiers of {ctx.name}'s network and how each one carves the address pools.",
        "A site's block is block number <site id> of its tier's size inside the tier's blocks: ids never move.",
        f"IPv6 tier blocks are /{ctx.gua.prefixlen + 4}s of the GUA pool, number <index> (0 = infrastructure).",
    ]
    if ctx.year == 2025:
        head.append(
            "ULA tier blocks are /52s, number <index>. Tier 3 stays empty: it was the district tier until 2025."
        )
    return _doc(head, ["tiers:", *(line for t in tier_specs(ctx) for line in _tier_text(ctx, t))])


def _vlan_text(v: Vl, year: int) -> str:
    index = v.v6[0] if year == 2023 else v.v6[1]
    width = 4 if year == 2023 and v.zone else 2
    return "      - " + flow(
        name=v.name,
        label=q(v.label),
        id=v.id,
        index=_index(index, width),
        role=v.role if v.role != "lan" else None,
        zone=v.zone or None,
        ipv4=flow(prefix=v.v4[0], index=v.v4[1]),
    )


def _profile_text(p: Prof, year: int) -> list[str]:
    lines = [f"  - name: {p.name}", f"    label: {q(p.label)}", "    devices:"]
    for d in p.devices:
        fields = flow(name=d.name, index=d.number, role=d.role, platform=d.platform or None, model=d.model)
        lines.append(f"      - {fields}")
    lines.append("    vlans:")
    lines += [_vlan_text(v, year) for v in p.vlans]
    lines.append("    links:")
    lines += [f"      - {{a: {a}, b: {b}}}" for a, b in p.links]
    lines.append(f"    infra_ipv4: {flow(prefix=p.infra[0], index=p.infra[1])}")
    if p.name == "datacenter":
        lines += [
            "    endpoints:",
            "      ntp: [ntp-1, ntp-2, ntp-cbdtw]   # DC routers also follow the carrier's clock",
        ]
    return lines


def profiles_file(ctx: Ctx) -> str:
    """The profiles: what each kind of site has."""
    profiles = [DATACENTER, AGENCY, DISTRICT, COMMUNE_2023] if ctx.year == 2023 else [DATACENTER, AGENCY, COMMUNE_2025]
    if ctx.year == 2023:
        rule = [
            "VLAN /64 number = the VLAN id read as hex (VLAN 10 -> 0x10). In the data centre the first digit",
            "is the zone's /52 (0x1110 = VLAN 110 in zone 1, the DMZ; zone 0 holds management and core services).",
        ]
    else:
        rule = [
            "VLAN /64 numbers fit a site's ULA /60 (1-13; internal links take 15, 14...). In the data centre",
            "the first digit is the zone's /60 (0x10 = DMZ, 0x20 = app...; zone 0 is management and core).",
        ]
    head = [
        "Profiles: the devices, VLANs and internal links every site of a kind has (a site may change them).",
        *rule,
        "Internal links take /64s from the top of the site block; IPv4 subnets are (prefix, index) in its block.",
        "Device models are a fictional assignment (a plausible vendor mix), not a record of what is deployed;",
        "a device without a platform takes the default one (province.yaml).",
    ]
    return _doc(head, ["profiles:", *(line for p in profiles for line in _profile_text(p, ctx.year))])


def gateways_file(ctx: Ctx) -> str:
    """The two connection gateways of the specialised data network."""
    body = ["gateways:"]
    for n, g in enumerate(ctx.gateways, start=1):
        label = q(f"Cổng kết nối MTSLCD {ctx.name} {n}")
        body.append(f"  - {flow(name=g, label=label, asn=64600, operator=q(OPERATOR), bgp_secret='bgp-tslcd')}")
    head = [
        f"Connection gateways (cổng kết nối) of the specialised data network (MTSLCD) in {ctx.name}.",
        f"Run by {OPERATOR}; the gateways' ASN is fictional.",
    ]
    return _doc(head, body)


def _site_line(r: Row) -> str:
    return "  - " + flow(
        name=r.name,
        label=q(r.label),
        id=r.id,
        tier=r.tier,
        code=f'"{r.code}"' if r.code else None,
        parent=r.up.name if r.up else None,
        profile=r.profile,
    )


def datacenters_file(sites: Sites) -> str:
    """The primary and the DR data centre; the DR site changes its WAN routers and endpoints."""
    body = ["sites:"]
    for dc in sites.datacenters:
        body += [f"  - name: {dc.name}", f"    label: {q(dc.label)}", f"    id: {dc.id}"]
        body += ["    tier: datacenter", "    profile: datacenter"]
    body += [
        "    devices:",
        "      - {name: wan1, platform: cisco_ios, model: ASR1001-X}",
        "      - {name: wan2, platform: cisco_ios, model: ASR1001-X}",
        "    endpoints:",
        "      syslog: [soc-log-dr, soc-log-1]",
        "      ntp: [ntp-dr, ntp-cbdtw]",
        "      dns: [dns-dr, dns-1]",
    ]
    head = [
        "The provincial data centres: the primary one and the disaster-recovery site at a carrier IDC.",
        "The DR site's WAN routers are the IDC's (a fictional model); its devices log and sync locally first.",
    ]
    return _doc(head, body)


def agencies_file(ctx: Ctx, sites: Sites) -> str:
    """The provincial agencies."""
    basis = "NĐ 24/2014 and NĐ 107/2020 (17 uniform)" if ctx.year == 2023 else "NĐ 45/2025 (12 uniform)"
    head = [
        f"Provincial agencies (cơ quan chuyên môn thuộc UBND {ctx.of}) on the specialised data network.",
        f"The list follows {basis} plus the usual specific ones; ids in the decree's order.",
    ]
    return _doc(head, ["sites:", *(_site_line(r) for r in sites.agencies)])


def districts_file(ctx: Ctx, sites: Sites) -> str:
    """The district People's Committees (2023)."""
    head = [f"District-level units of {ctx.name}: {len(sites.districts)}, GSO names and codes of {SNAPSHOT[2023]}."]
    return _doc(head, ["sites:", *(_site_line(r) for r in sites.districts)])


def commune_files(ctx: Ctx, sites: Sites) -> dict[str, str]:
    """2023: one file of communes per district; 2025: one file of every commune."""
    if ctx.year == 2025:
        head = [
            f"The {len(sites.communes)} communes, wards and special zones of {ctx.name} from {SNAPSHOT[2025]}",
            "(GSO names and codes); above each, the units it was formed from.",
        ]
        body = ["sites:", *(f"  # {r.note}\n{_site_line(r)}" for r in sites.communes)]
        return {"sites/communes.yaml": _doc(head, body)}
    out: dict[str, str] = {}
    for district in sites.districts:
        rows = [_site_line(r) for r in sites.communes if r.up is district]
        head = [f"Communes of {district.label} (code {district.code}): {len(rows)}, GSO names and codes."]
        body = ["sites:", *rows] if rows else ["sites: []   # no commune-level units (an island district)"]
        out[f"sites/communes/{district.name}.yaml"] = _doc(head, body)
    return out


def _dc_circuits(ctx: Ctx, sites: Sites) -> list[str]:
    lines = []
    cid = 0
    for n, dc in enumerate(sites.datacenters):
        interface = "xe-0/1/0" if n == 0 else "TenGigabitEthernet0/1/0"
        for device, gateway, side in (("wan1", ctx.gateways[0], "A"), ("wan2", ctx.gateways[1], "B")):
            cid += 1
            lines += [
                f"  - id: {cid}",
                f"    a: {flow(site=dc.name, device=device, interface=interface)}",
                f"    gateway: {gateway}",
                "    access: cap1",
                f"    bandwidth_mbps: {dc.bandwidth}",
                f"    route: T{ctx.code}-DC{n}-{side}",
                f"    reference: TSLCD-{ctx.code}-{cid:05d}",
            ]
    return lines


def _circuit_line(ctx: Ctx, cid: int, r: Row) -> str:
    return "  - " + flow(
        id=cid,
        a=flow(site=r.name, device="ce1"),
        gateway=ctx.gateways[(cid + 1) % 2],
        access="cap2",
        bandwidth_mbps=r.bandwidth,
        route=f"T{ctx.code}-{cid:04d}",
    )


def _circuit_groups(sites: Sites) -> list[tuple[str, list[Row]]]:
    groups: list[tuple[str, list[Row]]] = [("Provincial agencies", sites.agencies)]
    if not sites.districts:
        return [*groups, ("Communes, wards and special zones", sites.communes)]
    groups.append(("District People's Committees", sites.districts))
    return groups + [(f"Communes of {d.label}", [r for r in sites.communes if r.up is d]) for d in sites.districts]


def circuits_file(ctx: Ctx, sites: Sites) -> str:
    """Two diverse circuits per data centre, one cấp II circuit per other site; ids in site order."""
    body = ["circuits:", "  # Data centres: two circuits each, on physically diverse routes (TT 06/2026 Art. 5.4)"]
    body += _dc_circuits(ctx, sites)
    cid = 4
    for title, rows in _circuit_groups(sites):
        body.append(f"  # {title}")
        for r in rows:
            cid += 1
            body.append(_circuit_line(ctx, cid, r))
    head = [
        "WAN circuits of the specialised data network (MTSLCD), numbered in site order; an id never changes.",
        "Circuit <id> gets IPv6 /64 number <id> of the infrastructure block (a /127 used) and IPv4 /31 number <id>.",
        f"Bandwidths follow domain notes §5.4: DC 2 x {sites.datacenters[0].bandwidth} Mbps, agencies 100 or 1000,",
        f"districts 200, communes {100 if ctx.year == 2023 else 200}. Fictional: the split, routes, references, ports.",
    ]
    return _doc(head, body)


def hosts_file(ctx: Ctx, sites: Sites) -> str:
    """The data-centre hosts, ids from FIRST_HOST_ID in file order."""
    body = ["hosts:"]
    last = ("", "")
    for n, h in enumerate(HOSTS):
        site = sites.datacenters[1 if h.dr else 0].name
        if (site, h.zone) != last:
            body.append(f"  # {site}, zone {h.zone}")
            last = (site, h.zone)
        fields = flow(
            name=h.name,
            id=FIRST_HOST_ID + n,
            site=site,
            zone=h.zone,
            vlan=h.vlan or None,
            role=h.role,
            os=None if h.os == "debian12" else h.os,
            systems="[" + ", ".join(h.systems) + "]",
        )
        body.append(f"  - {fields}")
    head = [
        f"Hosts (VMs and appliances) of the data centres of {ctx.name}: {len(HOSTS)} in all.",
        "id = the host's address inside its VLAN (IPv4 and IPv6), unique across the inventory; 1-13 are the",
        "DC devices' management addresses. os defaults to debian12. Fictional: the list, roles and systems.",
    ]
    return _doc(head, body)


def _decision(ctx: Ctx, system: str) -> str:
    h = _stable(ctx.code, str(ctx.year), system)
    number = 100 + h % 2900
    if ctx.year == 2023:
        date = f"{2021 + h % 2}-{1 + (h >> 8) % 12:02d}-{1 + (h >> 12) % 28:02d}"
    else:
        date = f"2025-{7 + (h >> 8) % 4:02d}-{1 + (h >> 12) % 28:02d}"
    return flow(number=q(f"{number}/QĐ-UBND"), date=date)


def systems_file(ctx: Ctx, sites: Sites) -> str:
    """Information systems with their approved security level; hosts list them in `systems`."""
    body = ["systems:"]
    for name, label, levels, owner, operator in SYSTEMS:
        body += [
            f"  - name: {name}",
            f"    label: {q(label.format(of=ctx.of))}",
            f"    level: {levels[0] if ctx.year == 2023 else levels[1]}",
            f"    decision: {_decision(ctx, name)}",
            f"    owner: {sites.role(owner)}",
            f"    operator: {sites.role(operator)}",
        ]
    head = [
        f"Information systems (hệ thống thông tin) of {ctx.name} and their approved security level (cấp độ 1-5).",
        "Their hosts name them (datacenter/hosts.yaml). Fictional: decision numbers and dates; levels are judged.",
    ]
    return _doc(head, body)


def services_file(ctx: Ctx) -> str:
    """Published services under the province's domain."""
    body = ["services:"]
    for s in SERVICES:
        fields = flow(
            name=s.name,
            fqdn=f"{s.host}.{ctx.domain}",
            ports="[" + ", ".join(map(str, s.ports)) + "]",
            protocol=None if s.protocol == "tcp" else s.protocol,
            hosts="[" + ", ".join(s.hosts) + "]",
            system=s.system,
            exposure=s.exposure,
        )
        body.append(f"  - {fields}")
    head = [
        "Services of the data centres: the names people and systems use, and the hosts behind them.",
        "public = reachable from the Internet through the DC's Internet edge; internal = over MTSLCD only.",
    ]
    return _doc(head, body)


def endpoints_file() -> str:
    """Shared endpoints: SOC collectors, NTP, DNS resolvers, AAA, the NMS; one outside NTP source."""
    body = ["endpoints:"]
    for name, kind, host, port, secret in ENDPOINTS:
        body.append("  - " + flow(name=name, kind=kind, host=host, port=port, secret=secret or None))
    outside = flow(ipv4="192.0.2.123", ipv6='"2001:db8:ffff::123"')
    body.append(f"  - {flow(name='ntp-cbdtw', kind='ntp', address=outside)}   # the carrier's clock (fictional)")
    head = [
        "Shared endpoints (SOC log collectors, NTP, DNS resolvers, AAA, NMS) that devices are configured with.",
        "defaults.endpoints (province.yaml) names the ones every device uses; profiles and sites may change that.",
    ]
    return _doc(head, body)


def secrets_file() -> str:
    """Secrets, by environment variable only."""
    body = ["secrets:", *(f"  - {flow(name=name, env=env)}   # {what}" for name, env, what in SECRETS)]
    return _doc(["Secrets, only ever by reference: the values live in the environment of whoever runs hatang."], body)


# --- entry points -------------------------------------------------------------------------------------------------


def generate(province: dict[str, Any], year: int) -> dict[str, str]:
    """The inventory files (relative path -> YAML text) of one province of the given year's data."""
    ctx = province_ctx(province, year)
    sites = build_sites(ctx, province)
    files = {
        "province.yaml": province_file(ctx),
        "tiers.yaml": tiers_file(ctx),
        "profiles.yaml": profiles_file(ctx),
        "gateways.yaml": gateways_file(ctx),
        "sites/datacenters.yaml": datacenters_file(sites),
        "sites/agencies.yaml": agencies_file(ctx, sites),
    }
    if sites.districts:
        files["sites/districts.yaml"] = districts_file(ctx, sites)
    files.update(commune_files(ctx, sites))
    files.update(
        {
            "circuits.yaml": circuits_file(ctx, sites),
            "datacenter/hosts.yaml": hosts_file(ctx, sites),
            "systems.yaml": systems_file(ctx, sites),
            "services.yaml": services_file(ctx),
            "endpoints.yaml": endpoints_file(),
            "secrets.yaml": secrets_file(),
        }
    )
    return files


def load_units(data_dir: Path, year: int) -> list[dict[str, Any]]:
    """The provinces of ``admin-units-<year>.json`` in ``data_dir``."""
    if year not in YEARS:
        raise ValueError(f"year {year}: expected one of {YEARS}")
    raw = json.loads((Path(data_dir) / f"admin-units-{year}.json").read_text(encoding="utf-8"))
    return cast(list[dict[str, Any]], raw["provinces"])


def write(files: dict[str, str], out: Path, *, schema: Path | None = None) -> None:
    """Write an inventory's files under ``out``, each with a `$schema` comment when a schema is given."""
    for rel, text in files.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if schema is not None:
            link = Path(os.path.relpath(schema.resolve(), target.parent.resolve())).as_posix()
            text = f"# yaml-language-server: $schema={link}\n{text}"
        target.write_text(text, encoding="utf-8")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"admin-units directory ({DEFAULT_DATA})")
    parser.add_argument("--year", type=int, choices=YEARS, default=2023, help="map of 2023 or of 2025")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--province", help="one province's GSO code, e.g. 54")
    which.add_argument("--all", action="store_true", help="every province, one subdirectory <code>-<name> each")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--schema", type=Path, help="schema.json that `$schema` comments should point at")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Generate one or every province's inventory; print what was written and how long it took."""
    args = _parser().parse_args(argv)
    provinces = load_units(args.data, args.year)
    if not args.all:
        provinces = [p for p in provinces if p["code"] == args.province.zfill(2)]
        if not provinces:
            print(f"no province with code {args.province!r} in the {args.year} data", file=sys.stderr)
            return 2
    start = time.perf_counter()
    total = 0
    for province in provinces:
        files = generate(province, args.year)
        out = args.out / f"{province['code']}-{province_ctx(province, args.year).slug}" if args.all else args.out
        write(files, out, schema=args.schema)
        total += sum(text.count("\n  - {name: ") for rel, text in files.items() if rel.startswith("sites/")) + 2
    elapsed = time.perf_counter() - start
    print(f"wrote {len(provinces)} inventories, {total} sites, to {args.out} in {elapsed:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
