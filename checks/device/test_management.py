"""Management-plane controls NET-01…NET-05, NET-09 and NET-10 (checks/catalogue/network-device.yaml).

Each check reads the device's configuration (rendered or running) with its platform's reader
(``infra.audit.devicefacts``) and judges it against the catalogue's thresholds at the device's level and the
device's intent (AAA servers, the local account, the management sources: all from the inventory and its plan).
On an FRR router SSH, AAA and accounts are the Linux host's: those checks say so instead of guessing.
"""

from __future__ import annotations

import pytest

from infra.audit import devicecheck as dc
from infra.audit.checking import Check
from infra.audit.devicefacts import Net
from infra.audit.scope import DeviceTarget


@pytest.mark.control("NET-01")
def test_ssh_only_management(device: DeviceTarget, check: Check) -> None:
    """SSH v2 with SHA-2 MACs; remote lines accept SSH only; no telnet or plain HTTP server."""
    c = dc.config_of(device)
    if c.ssh_enabled is None:
        dc.unknown(check, c, "ssh")
    check.item("SSH server", bool(c.ssh_enabled), c.ssh_enabled, True)
    wanted = check.threshold("ssh_protocol_version")
    if wanted is not None:
        version = c.ssh_version or "1.99 (not restricted)"
        ok = str(version) == str(wanted)
        check.item("SSH protocol version", ok, dc.seen(c, "ssh_version", version), wanted, limit="ssh_protocol_version")
    strong = bool(c.ssh_macs) and all("sha2" in m for m in c.ssh_macs)
    check.item(
        "SSH MACs", strong, list(c.ssh_macs) or "platform default (includes HMAC-SHA1)", "HMAC-SHA2-256/512 only"
    )
    for line in (ln for ln in c.lines if ln.remote):
        shown = list(line.transport) if line.transport is not None else "not set (platform default)"
        ok = line.transport is not None and set(line.transport) == {"ssh"}
        check.item(f"line {line.name} transport input", ok, shown, "ssh only")
    if c.telnet is not None:
        check.item("telnet server", not c.telnet, dc.seen(c, "telnet", c.telnet), False)
    if c.http is not None:
        check.item("plain HTTP server", not c.http, dc.seen(c, "http", c.http), False)


@pytest.mark.control("NET-02")
def test_central_aaa(device: DeviceTarget, check: Check) -> None:
    """AAA on, enough RADIUS/TACACS+ servers (the inventory's), the local account only as fallback."""
    c = dc.config_of(device)
    if c.aaa_enabled is None:
        dc.unknown(check, c, "aaa")
    check.item("AAA enabled", bool(c.aaa_enabled), c.aaa_enabled, True)
    servers = sorted(set(c.aaa_servers), key=str)
    check.at_least("AAA servers", len(servers), "aaa_servers")
    expected = dc.addresses(device.intent.aaa)
    if expected:
        check.contains("AAA servers of the inventory", servers, expected)
    login = c.aaa_login
    fallback = bool(login) and login[0].startswith("group") and login[-1] == "local"
    check.item("login methods", fallback, login or "none", "a server group first, then local")
    wanted = check.threshold("local_accounts")
    if wanted is not None:
        names = [u.name for u in c.local_users]
        check.item(
            "local accounts", len(names) == wanted, names, f"{wanted} ({_admin(device)})", limit="local_accounts"
        )
    if device.platform in dc.LINE_LOGIN_PLATFORMS:
        for line in c.lines:
            ok = line.login is not None and line.login not in ("local", "password", "none")
            check.item(f"line {line.name} login authentication", ok, line.login, "AAA")


def _admin(device: DeviceTarget) -> str:
    return device.intent.admin.user if device.intent.admin else "the break-glass account"


@pytest.mark.control("NET-03")
def test_command_accounting(device: DeviceTarget, check: Check) -> None:
    """Privileged commands accounted to the AAA servers; configuration changes logged."""
    c = dc.config_of(device)
    if c.command_accounting is None and c.config_logging is None:
        dc.unknown(check, c, "accounting")
    check.item("command accounting (start-stop)", bool(c.command_accounting), c.command_accounting, True)
    logged = dc.seen(c, "config_logging", c.config_logging)
    check.item("configuration changes logged", bool(c.config_logging), logged, True)


@pytest.mark.control("NET-04")
def test_session_timeout_and_throttling(device: DeviceTarget, check: Check) -> None:
    """Idle sessions end within the threshold; failed logins are limited and throttled."""
    c = dc.config_of(device)
    for line in (ln for ln in c.lines if ln.sessions):
        name = dc.named(c, f"line:{line.name}", f"line {line.name} idle timeout (s)")
        check.positive_at_most(name, line.exec_timeout, "exec_timeout")
    if c.https or c.http:
        check.positive_at_most("HTTP idle timeout (s)", c.http_idle_timeout, "http_idle_timeout")
    if c.login_attempts is None and c.ssh_auth_retries is None and "aaa" in c.unknown:
        check.undecided("login throttling", "not in the router's configuration", c.unknown["aaa"])
        return
    check.item("failed logins throttled", bool(c.login_block), c.login_block, True)
    check.at_most("failed logins before blocking", c.login_attempts, "login_block_attempts")
    retries = c.ssh_auth_retries if c.ssh_auth_retries is not None else c.login_attempts
    name = dc.named(c, "ssh_auth_retries", "SSH authentication attempts per connection")
    check.at_most(name, retries, "ssh_authentication_retries")


@pytest.mark.control("NET-05")
def test_hashed_credentials(device: DeviceTarget, check: Check) -> None:
    """No reversible enable password; enable secret and local accounts hashed with a strong type."""
    c = dc.config_of(device)
    check.item("enable password (reversible)", not c.enable_password, c.enable_password, False)
    allowed = check.threshold("enable_secret_types")
    types = {str(t) for t in (allowed if isinstance(allowed, tuple) else (allowed,))} if allowed is not None else set()
    if c.enable_secret is not None:
        _secret_type(check, "enable secret type", c.enable_secret, types)
    for user in c.local_users:
        if device.platform == "cisco_ios" and user.hashed:
            _secret_type(check, f"user {user.name} secret type", user.storage, types)
        else:
            check.item(f"user {user.name} password kept hashed", user.hashed, user.storage, "a one-way hash")
    if c.password_encryption is not None:
        shown = dc.seen(c, "password_encryption", c.password_encryption)
        check.item("service password-encryption", c.password_encryption, shown, True)
    if not c.local_users and "accounts" in c.unknown:
        check.undecided("local accounts", "not in the router's configuration", c.unknown["accounts"])


def _secret_type(check: Check, name: str, found: str, allowed: set[str]) -> None:
    if found in allowed:
        check.item(name, True, found, f"one of {', '.join(sorted(allowed))}", limit="enable_secret_types")
    else:
        weak = found == "5"  # MD5-crypt: a warning, as the catalogue's threshold note says
        check.item(name, False, found, f"one of {', '.join(sorted(allowed))}", warn=weak, limit="enable_secret_types")


@pytest.mark.control("NET-09")
def test_unneeded_services_off(device: DeviceTarget, check: Check) -> None:
    """Unneeded services absent, source routing off; external interfaces without proxy ARP, redirects, discovery."""
    c = dc.config_of(device)
    if "services" in c.unknown and c.source_route is None:
        dc.unknown(check, c, "services")
    if "services" not in c.unknown:
        check.absent("unneeded services", c.services_on)
    if c.source_route is not None:
        state = dc.seen(c, "source_route", "accepted" if c.source_route else "dropped")
        check.item("source-routed packets", not c.source_route, state, "dropped")
    for iface in dc.external(device.intent):
        x = c.extras(iface.name)
        for what, value in (
            ("proxy ARP", x.proxy_arp),
            ("ICMP redirects", x.redirects),
            ("ICMP unreachables", x.unreachables),
            ("CDP/LLDP", x.discovery),
        ):
            if value is not None:
                check.item(f"{iface.name} {what}", not value, "on" if value else "off", "off")
    if "services" in c.unknown:
        check.undecided("unneeded services", "not in the router's configuration", c.unknown["services"])


@pytest.mark.control("NET-10")
def test_management_plane_acls(device: DeviceTarget, check: Check) -> None:
    """Remote lines limited by IPv4 and IPv6 access lists that admit only the management prefixes."""
    c = dc.config_of(device)
    allowed: dict[str, list[Net]] = {
        "ipv4": dc.filter_sources(device.intent, "mgmt", "ipv4"),
        "ipv6": dc.filter_sources(device.intent, "mgmt", "ipv6"),
    }
    dual = bool(c.ipv6_routing) or any(i.ipv6 for i in c.device.interfaces.values())
    remote = [ln for ln in c.lines if ln.remote]
    for line in remote:
        check.item(f"line {line.name} IPv4 access list", line.acl_v4 is not None, line.acl_v4, "an access class")
        if dual:
            check.item(f"line {line.name} IPv6 access list", line.acl_v6 is not None, line.acl_v6, "an access class")
        for family, name in (("ipv4", line.acl_v4), ("ipv6", line.acl_v6)):
            if name is not None:
                acl = c.acl(name)
                dc.judge_acl_sources(check, f"line {line.name} {family}", acl, "tcp", 22, allowed[family])
    if not any("ssh" in (ln.transport or ()) or ln.name == "ssh" for ln in remote) and "ssh" in c.unknown:
        check.undecided("SSH sources", "not in the router's configuration", c.unknown.get("filters", c.unknown["ssh"]))
