"""Logging, time, SNMP and backup controls NET-06, NET-07, NET-08 and NET-19 (network-device.yaml).

The collectors, time servers and SNMP managers a device must use are the intent's (the inventory's endpoints,
resolved through the plan); the numbers are the catalogue's at the device's level. The inventory's syslog
endpoints are the SOC's log collectors (``Endpoint``: "SOC log collector"), so a collector of the intent is
the SOC's.
"""

from __future__ import annotations

from ipaddress import ip_address, ip_network

import pytest

from infra.audit import devicecheck as dc
from infra.audit.checking import Check
from infra.audit.devicefacts import Config
from infra.audit.scope import DeviceTarget

SHA_AUTH = ("sha", "sha1", "sha224", "sha256", "sha384", "sha512", "sha2-256", "sha2-384", "sha2-512")


@pytest.mark.control("NET-06")
def test_syslog_to_collectors(device: DeviceTarget, check: Check) -> None:
    """Logging on, enough collectors (the inventory's, the SOC's among them), informational, msec, fixed source."""
    c = dc.config_of(device)
    check.item("logging on", bool(c.logging_enabled), dc.seen(c, "logging_enabled", c.logging_enabled), True)
    level = c.logging_level
    check.item(
        "severity sent",
        level is not None and level >= dc.SEVERITY_INFORMATIONAL,
        dc.seen(c, "logging_level", level),
        "informational (6) or debugging (7)",
    )
    check.item("timestamps with date and milliseconds", bool(c.logging_timestamps), c.logging_timestamps, True)
    if "syslog" in c.unknown:
        check.undecided("collectors", "forwarded by the host, not in the router's configuration", c.unknown["syslog"])
        return
    hosts = sorted(set(c.syslog_hosts), key=str)
    expected = dc.addresses(device.intent.syslog)
    check.at_least("collectors", len(hosts), "syslog_collectors")
    check.contains("collectors of the inventory", hosts, expected)
    if check.applies("soc_collector"):
        soc = [h for h in hosts if h in expected]
        check.item(
            "a SOC collector",
            bool(soc),
            soc or "none",
            "one of " + ", ".join(map(str, expected)),
            limit="soc_collector",
        )
    _source(check, c, device)


def _source(check: Check, c: Config, device: DeviceTarget) -> None:
    intent = device.intent
    names = {intent.mgmt_interface, *(i.name for i in intent.interfaces if i.kind == "loopback")}
    own = {a for a in (intent.mgmt_v4, intent.mgmt_v6, intent.loopback_v4, intent.loopback_v6) if a}
    found = c.logging_source
    ok = found is not None and (found in names or _same_address(found, own))
    check.item("logging source", ok, found, f"the management interface {intent.mgmt_interface} or a loopback")


def _same_address(found: str, own: set[str]) -> bool:
    if not dc.is_address(found):
        return False
    return any(ip_address(found) == ip_address(a) for a in own)


@pytest.mark.control("NET-07")
def test_ntp_sources(device: DeviceTarget, check: Check) -> None:
    """Enough NTP servers (the inventory's); from the threshold's level, every server authenticated."""
    c = dc.config_of(device)
    if "ntp" in c.unknown:
        dc.unknown(check, c, "ntp")
    servers = sorted(set(c.ntp_servers), key=str)
    check.at_least("NTP servers", len(servers), "ntp_servers")
    check.contains("NTP servers of the inventory", servers, dc.addresses(device.intent.ntp))
    if not check.applies("ntp_authentication"):
        return
    check.item("NTP authentication on", bool(c.ntp_authenticate), c.ntp_authenticate, True, limit="ntp_authentication")
    trusted = [k for k in c.ntp_trusted if k in c.ntp_keys]
    check.item("trusted NTP keys", bool(trusted), sorted(trusted) or "none", "at least one key, trusted")
    unkeyed = [str(s) for s, key in c.ntp_server_keys.items() if key is None or key not in c.ntp_trusted]
    check.item("every server with a trusted key", not unkeyed, unkeyed or "all keyed", "all keyed")


@pytest.mark.control("NET-08")
def test_snmpv3_authpriv(device: DeviceTarget, check: Check) -> None:
    """No community; v3 groups, users and receivers at authPriv with SHA and AES; agent limited to the NMS."""
    c = dc.config_of(device)
    if "snmp" in c.unknown:
        dc.unknown(check, c, "snmp")
    if not (c.snmp_enabled or c.snmp_groups or c.snmp_communities or c.snmp_hosts):
        check.not_applicable("no SNMP agent is configured")
    check.absent("SNMP communities (v1/v2c)", c.snmp_communities)
    weak = [f"{g.name} {g.version} {g.level}" for g in c.snmp_groups if g.version != "v3" or g.level != "priv"]
    check.item(
        "groups at v3 authPriv", bool(c.snmp_groups) and not weak, weak or [g.name for g in c.snmp_groups], "v3 priv"
    )
    _users(check, c)
    hosts = [f"{h.address} {h.version} {h.level}" for h in c.snmp_hosts if h.version != "v3" or h.level != "priv"]
    check.item("notification receivers at v3 authPriv", not hosts, hosts or "all v3 priv", "v3 priv")
    managers = device.intent.snmp.managers if device.intent.snmp else ()
    for family, name in (("ipv4", _acl_name(c, "ipv4")), ("ipv6", _acl_name(c, "ipv6"))):
        bits = 32 if family == "ipv4" else 128
        allowed = [ip_network(f"{t.address}/{bits}") for t in managers if t.family == family]
        dc.judge_acl_sources(check, f"SNMP {family}", c.acl(name), "udp", 161, allowed)


def _acl_name(c: Config, family: str) -> str | None:
    own = c.snmp_acl_v4 if family == "ipv4" else c.snmp_acl_v6
    groups = [g.acl_v4 if family == "ipv4" else g.acl_v6 for g in c.snmp_groups]
    return own or next((g for g in groups if g), None)


def _users(check: Check, c: Config) -> None:
    if c.snmp_users is None:
        reason = c.unknown.get("snmp users", "SNMPv3 users are not in this configuration")
        check.undecided("users: SHA authentication, AES privacy", "not in the configuration", reason)
        return
    for user in c.snmp_users:
        auth_ok = (user.auth or "").lower() in SHA_AUTH
        check.item(f"user {user.name} authentication", auth_ok, user.auth, "SHA")
        aes = (user.priv or "").lower().startswith("aes")
        check.item(f"user {user.name} privacy AES", aes, user.priv, "AES")
        check.at_least(f"user {user.name} privacy key (bits)", user.priv_bits, "snmp_privacy_key_bits")


@pytest.mark.control("NET-19")
def test_config_backup_and_support(device: DeviceTarget, check: Check) -> None:
    """Configuration archived on change (else the backup system's record); software support from its level."""
    c = dc.config_of(device)
    limit = check.threshold("config_backup_max_age")
    if c.archive:
        check.item("configuration archived on change", True, True, True)
    else:
        reason = c.unknown.get("archive", "no archive on change in the configuration")
        check.undecided(
            "configuration backup",
            reason,
            f"the external backup system's last fetch within {limit} h: the inventory records no backup fetch times",
        )
    if check.applies("past_support_end"):
        check.undecided(
            "software support",
            f"model {device.intent.model or 'unknown'}, release not in the configuration",
            "the release not past the vendor's end of support: the inventory records no release or support_end",
        )
