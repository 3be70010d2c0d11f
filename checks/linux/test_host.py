"""Linux host controls HOST-01…HOST-21 (checks/catalogue/linux-host.yaml), judged on what the host shows.

Every command a check reads is in ``GATHER`` (all read-only, run as root through sudo); the engine reads them all
in one trip per host. Thresholds come from the catalogue at the host's level; addresses, services, NTP servers and
SOC collectors from the host's generated variables (the inventory and the plan).
"""

from __future__ import annotations

import ipaddress

import pytest

from infra.audit import linuxfacts as lf
from infra.audit.catalogue import load_catalogue
from infra.audit.checking import Check
from infra.audit.scope import LinuxTarget


def _sysctl_keys() -> list[str]:
    """Every kernel parameter a threshold of HOST-10 or HOST-20 names, at any level, and those HOST-11 reads."""
    catalogue = load_catalogue()
    keys = {"net.ipv6.conf.all.disable_ipv6", "net.ipv6.conf.all.accept_ra", "kernel.yama.ptrace_scope"}
    for control in ("HOST-10", "HOST-20"):
        limit = catalogue.get(control).thresholds.get("sysctl")
        for step in limit.steps if limit else ():
            keys |= set(step.value) if isinstance(step.value, dict) else set()
    return sorted(keys)


SYSCTL_KEYS = _sysctl_keys()
LISTENS_443 = "ss -Hltn 'sport = :443' | grep -q . || { echo no-listener; exit 0; }; "

GATHER: dict[str, str] = {
    "sshd": "sshd -T",
    "sshd-config-mode": "stat -c '%n %a %U %G' /etc/ssh/sshd_config",
    "listening": "ss -H -n -t -u -l",
    "established": "ss -H -n -t state established",
    "pwquality": "cat /etc/security/pwquality.conf /etc/security/pwquality.conf.d/*.conf 2>/dev/null; true",
    "login-defs": "cat /etc/login.defs",
    "pam-password": "cat /etc/pam.d/common-password",
    "pam-auth": "cat /etc/pam.d/common-auth",
    "faillock": "cat /etc/security/faillock.conf",
    "useradd": "useradd -D",
    "passwd": "getent passwd",
    "group": "getent group",
    # the hash never leaves the host: P (a password is set) or L (locked / none), then the ageing fields
    "shadow": 'awk -F: \'{ s = ($2 ~ /^[!*]/ || $2 == "") ? "L" : "P"; '
    'print $1 ":" s ":" $3 ":" $4 ":" $5 ":" $6 ":" $7 ":" $8 }\' /etc/shadow',
    # a POSIX login shell reads /etc/profile and /etc/profile.d as an administrator's shell does
    "login-shell-tmout": 'sh -lc \'printf "%s|%s\\n" "${TMOUT-unset}" "$(readonly -p | grep -w TMOUT)"\'',
    "packages": "dpkg-query -W -f='${Package} ${db:Status-Abbrev}\\n'",
    "nft": "nft -j list ruleset",
    "sysctl": "sysctl " + " ".join(SYSCTL_KEYS) + " 2>/dev/null; true",
    "addresses": "ip -j addr show",
    "route6-default": "ip -6 route show default",
    "processes": "cat /proc/[0-9]*/comm 2>/dev/null; true",
    "chrony-conf": "cat /etc/chrony/chrony.conf /etc/chrony/conf.d/*.conf /etc/chrony/sources.d/*.sources 2>/dev/null; true",
    "chrony-tracking": "chronyc -n tracking",
    "chrony-sources": "chronyc -n sources",
    "auditd-conf": "cat /etc/audit/auditd.conf",
    "auditctl-status": "auditctl -s",
    "auditctl-rules": "auditctl -l",
    "rsyslog-conf": "cat /etc/rsyslog.conf /etc/rsyslog.d/*.conf 2>/dev/null; true",
    "log-modes": "stat -c '%n %a %U %G' /var/log /var/log/auth.log /var/log/syslog /var/log/audit/audit.log 2>/dev/null; true",
    "file-modes": "stat -c '%n %a %U %G' /etc/passwd /etc/shadow /etc/group",
    "mounts": "findmnt -rn -o TARGET,OPTIONS",
    "nginx": "nginx -T 2>/dev/null || true",
    "tls11-v4": LISTENS_443
    + "openssl s_client -connect 127.0.0.1:443 -tls1_1 -cipher DEFAULT@SECLEVEL=0 </dev/null >/dev/null 2>&1; echo $?",
    "tls12-v4": LISTENS_443 + "openssl s_client -connect 127.0.0.1:443 -tls1_2 </dev/null >/dev/null 2>&1; echo $?",
    "tls11-v6": LISTENS_443
    + "openssl s_client -connect '[::1]:443' -tls1_1 -cipher DEFAULT@SECLEVEL=0 </dev/null >/dev/null 2>&1; echo $?",
    "tls12-v6": LISTENS_443 + "openssl s_client -connect '[::1]:443' -tls1_2 </dev/null >/dev/null 2>&1; echo $?",
    # installed packages whose version differs from the security suite's (the check keeps those older than it)
    "apt-security": '{ for f in /var/lib/apt/lists/*security*_Packages*; do [ -e "$f" ] && /usr/lib/apt/apt-helper cat-file "$f"; done '
    "| awk '/^Package: /{p=$2} /^Version: /{print \"S\", p, $2}'; dpkg-query -W -f='I ${Package} ${Version}\\n'; } "
    '| awk \'$1=="S"{s[$2]=$3} $1=="I"{i[$2]=$3} END{for (p in i) if ((p in s) && s[p] != i[p]) print p, i[p], s[p]}\' '
    "| sort",
    "os-release": "cat /etc/os-release",
}

# The dev-sec ssh-baseline allow-lists (what "strong" means for HOST-01).
STRONG_CIPHERS = (
    "chacha20-poly1305@openssh.com", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com",
    "aes256-ctr", "aes192-ctr", "aes128-ctr",
)  # fmt: skip
STRONG_KEX = (
    "sntrup761x25519-sha512@openssh.com", "curve25519-sha256", "curve25519-sha256@libssh.org",
    "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512", "diffie-hellman-group-exchange-sha256",
    "mlkem768x25519-sha256",
)  # fmt: skip
STRONG_MACS = (
    "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256-etm@openssh.com", "umac-128-etm@openssh.com",
    "hmac-sha2-512", "hmac-sha2-256",
)  # fmt: skip


def _sshd(linux: LinuxTarget, check: Check) -> dict[str, list[str]]:
    out = linux.run("sshd")
    if out.rc != 0 or not out.stdout.strip():
        check.item("sshd -T", False, (out.stderr or "no output").strip()[:200], "sshd's effective configuration")
        return {}
    return lf.sshd_settings(out.stdout)


def _planned(linux: LinuxTarget, family: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    iface = linux.vars.get("hatang_interface", {}).get(family, {})
    return [ipaddress.ip_interface(a).ip for a in iface.get("addresses", [])]


@pytest.mark.control("HOST-01")
def test_ssh_strong_algorithms(linux: LinuxTarget, check: Check) -> None:
    sshd = _sshd(linux, check)
    if not sshd:
        return
    check.subset("ciphers", (lf.first(sshd, "ciphers") or "").split(","), STRONG_CIPHERS)
    check.subset("kexalgorithms", (lf.first(sshd, "kexalgorithms") or "").split(","), STRONG_KEX)
    check.subset("macs", (lf.first(sshd, "macs") or "").split(","), STRONG_MACS)
    modes = lf.stats(linux.text("sshd-config-mode"))
    mode = modes.get("/etc/ssh/sshd_config")
    check.item("sshd_config mode", mode is not None and mode[0] & 0o077 == 0, oct(mode[0]) if mode else None, "0600")


@pytest.mark.control("HOST-02")
def test_no_root_login_keys_only(linux: LinuxTarget, check: Check) -> None:
    sshd = _sshd(linux, check)
    if not sshd:
        return
    check.equals("permitrootlogin", lf.first(sshd, "permitrootlogin"), "no")
    methods = lf.first(sshd, "authenticationmethods") or "any"
    mfa = "publickey,keyboard-interactive" in methods.replace(" ", ",") or "publickey,password" in methods
    password = lf.first(sshd, "passwordauthentication")
    check.item(
        "passwordauthentication", password == "no" or mfa, f"{password} (authenticationmethods {methods})",
        "no, or MFA through authenticationmethods",
    )  # fmt: skip
    check.equals("permitemptypasswords", lf.first(sshd, "permitemptypasswords"), "no")


@pytest.mark.control("HOST-03")
def test_session_limits(linux: LinuxTarget, check: Check) -> None:
    sshd = _sshd(linux, check)
    if sshd:
        check.at_most("maxauthtries", lf.as_int(lf.first(sshd, "maxauthtries")), "maxauthtries")
        check.positive_at_most("logingracetime", lf.as_int(lf.first(sshd, "logingracetime")), "logingracetime")
        interval = lf.as_int(lf.first(sshd, "clientaliveinterval"))
        count = lf.as_int(lf.first(sshd, "clientalivecountmax"))
        check.positive_at_most("clientaliveinterval", interval, "clientaliveinterval")
        check.at_most("clientalivecountmax", count, "clientalivecountmax")
        if interval is not None and count is not None:
            check.positive_at_most(
                "idle SSH session (interval × max(1, count))", interval * max(1, count), "ssh_idle_session_max"
            )
    value, _, declared = linux.text("login-shell-tmout").strip().partition("|")
    tmout = lf.as_int(value) if value != "unset" else None
    name = "tmout_admin" if check.applies("tmout_admin") else "tmout"
    check.positive_at_most("TMOUT of a login shell", tmout, name)
    check.item(
        "TMOUT read-only",
        declared.strip().startswith("readonly TMOUT"),
        declared.strip() or "not read-only",
        "readonly TMOUT",
    )


@pytest.mark.control("HOST-04")
def test_ssh_management_listeners(linux: LinuxTarget, check: Check) -> None:
    sshd = _sshd(linux, check)
    if sshd:
        family = lf.first(sshd, "addressfamily")
        check.item("addressfamily", family in ("any", "inet6"), family, "any or inet6")
    port = lf.as_int(lf.first(sshd, "port")) or 22 if sshd else 22
    listeners = [s for s in lf.sockets(linux.text("listening")) if s.proto == "tcp" and s.port == port]
    access = {ipaddress.ip_address(a) for a in (linux.address, *linux.access)}
    allowed = set(_planned(linux, "ipv6") + _planned(linux, "ipv4")) | access
    if check.applies("management_addresses_only"):
        wild = [f"{'[::]' if s.family == 6 else '0.0.0.0'}:{port}" for s in listeners if s.local is None]
        other = [
            str(s.local)
            for s in listeners
            if s.local is not None and s.local not in allowed and not s.local.is_loopback
        ]
        check.absent("SSH listeners outside the management addresses", wild + other)
    if _planned(linux, "ipv6"):
        v6 = [s for s in listeners if s.family == 6]
        check.item("an IPv6 SSH listener", bool(v6), [str(s.local or "::") for s in v6], "at least one")


@pytest.mark.control("HOST-05")
def test_password_quality(linux: LinuxTarget, check: Check) -> None:
    pwq = lf.key_values(linux.text("pwquality"))
    check.at_least("pwquality minlen", lf.as_int(pwq.get("minlen")), "minlen")
    check.at_least("pwquality minclass", lf.as_int(pwq.get("minclass")), "minclass")
    defs = lf.key_values(linux.text("login-defs"), sep=" ")
    check.positive_at_most("PASS_MAX_DAYS", lf.as_int(defs.get("pass_max_days")), "pass_max_days")
    check.one_of("ENCRYPT_METHOD", defs.get("encrypt_method"), "encrypt_method")
    if check.applies("password_history"):
        remember = [lf.as_int(a.get("remember")) for a in lf.pam_lines(linux.text("pam-password"), "pam_pwhistory.so")]
        best = max((r for r in remember if r is not None), default=None)
        check.at_least("pam_pwhistory remember", best, "password_history")


@pytest.mark.control("HOST-06")
def test_account_lockout(linux: LinuxTarget, check: Check) -> None:
    conf = lf.key_values(linux.text("faillock"))
    check.positive_at_most("faillock deny", lf.as_int(conf.get("deny")), "deny")
    check.at_least("faillock unlock_time", lf.as_int(conf.get("unlock_time")), "unlock_time")
    used = lf.pam_lines(linux.text("pam-auth"), "pam_faillock.so")
    check.item("pam_faillock in common-auth", bool(used), f"{len(used)} line(s)", "preauth and authfail lines")


@pytest.mark.control("HOST-07")
def test_inactive_and_duplicate_accounts(linux: LinuxTarget, check: Check) -> None:
    defaults = lf.key_values(linux.text("useradd"))
    check.positive_at_most("useradd -D INACTIVE", lf.as_int(defaults.get("inactive")), "inactive_days")
    users = lf.passwd(linux.text("passwd"))
    humans = {
        u for u, uid, _gid, shell in users if uid >= 1000 and uid != 65534 and not shell.endswith(("nologin", "false"))
    }
    no_inactive = [
        e.user for e in lf.shadow(linux.text("shadow")) if e.user in humans and e.password_set and e.inactive is None
    ]
    check.absent("human accounts with a password and no inactivity limit", no_inactive)
    check.equals("accounts with UID 0", ",".join(u for u, uid, _g, _s in users if uid == 0), "root")
    uids = [uid for _u, uid, _g, _s in users]
    check.absent("duplicate UIDs", sorted({u for u in uids if uids.count(u) > 1}))
    gids = [line.split(":")[2] for line in linux.text("group").splitlines() if line.count(":") >= 3]
    check.absent("duplicate GIDs", sorted({g for g in gids if gids.count(g) > 1}))


@pytest.mark.control("HOST-08")
def test_insecure_services_absent(linux: LinuxTarget, check: Check) -> None:
    forbidden = check.threshold("absent_packages")
    assert isinstance(forbidden, tuple)
    installed = {
        line.split()[0]
        for line in linux.text("packages").splitlines()
        if len(line.split()) > 1 and line.split()[1].startswith("ii")
    }
    check.absent("insecure packages installed", sorted(installed & {str(p) for p in forbidden}))
    telnet = [s for s in lf.sockets(linux.text("listening")) if s.proto == "tcp" and s.port == 23]
    check.absent("listeners on TCP 23", [f"{s.local or 'any'}:23" for s in telnet])


@pytest.mark.control("HOST-09")
def test_host_firewall(linux: LinuxTarget, check: Check) -> None:
    chains = lf.input_chains(linux.text("nft"))
    families = [f for f in (4, 6) if any(c.policy == "drop" and lf.filters_family(c, f) for c in chains)]
    check.item(
        "input default drop, IPv4",
        4 in families,
        [f"{c.family} {c.table} {c.name} policy {c.policy}" for c in chains],
        "a base input chain with policy drop",
    )
    check.item(
        "input default drop, IPv6 (no dual-stack hole)",
        6 in families,
        [f"{c.family} {c.table} {c.name} policy {c.policy}" for c in chains],
        "a base input chain with policy drop seeing IPv6",
    )
    wanted = check.threshold("icmpv6_types_accepted")
    assert isinstance(wanted, tuple)
    v6_chains = [c for c in chains if c.policy == "drop" and lf.filters_family(c, 6)]
    accepted = set.intersection(*(lf.icmpv6_accepted_before_drop(c) for c in v6_chains)) if v6_chains else set()
    missing = sorted(int(t) for t in wanted if int(t) not in accepted)
    check.item("ICMPv6 types accepted (RFC 4890)", not missing, f"missing {missing}" if missing else "all", wanted)


def _sysctl_items(linux: LinuxTarget, check: Check, name: str, skip: tuple[str, ...] = ()) -> None:
    wanted = check.threshold(name)
    if not isinstance(wanted, dict):
        return
    seen = lf.sysctl_values(linux.text("sysctl"))
    for key, value in wanted.items():
        if key not in skip:
            check.item(key, lf.as_int(seen.get(key)) == value, seen.get(key), value)


@pytest.mark.control("HOST-10")
def test_network_kernel_parameters(linux: LinuxTarget, check: Check) -> None:
    _sysctl_items(linux, check, "sysctl")


@pytest.mark.control("HOST-11")
def test_ipv6_enabled_ra_off(linux: LinuxTarget, check: Check) -> None:
    seen = lf.sysctl_values(linux.text("sysctl"))
    check.equals("net.ipv6.conf.all.disable_ipv6", seen.get("net.ipv6.conf.all.disable_ipv6"), "0")
    check.equals("net.ipv6.conf.all.accept_ra (a server)", seen.get("net.ipv6.conf.all.accept_ra"), "0")
    planned = _planned(linux, "ipv6")
    have = {a.ip for a in lf.addresses(linux.text("addresses"))}
    missing = [str(a) for a in planned if a not in have]
    check.item(
        "planned IPv6 addresses configured",
        bool(planned) and not missing,
        f"missing {missing}" if missing else sorted(str(a) for a in have if a.version == 6 and a.is_global),
        planned,
    )
    route = linux.text("route6-default").strip()
    check.item("IPv6 default route", route.startswith("default"), route or "none", "a default route")


@pytest.mark.control("HOST-12")
def test_dual_stack_services(linux: LinuxTarget, check: Check) -> None:
    services = linux.vars.get("hatang_services", [])
    if not services:
        check.not_applicable("the host serves no declared service")
    socks = lf.sockets(linux.text("listening"))
    for service in services:
        proto = service.get("protocol", "tcp")
        for port in service["ports"]:
            for family in (4, 6):
                planned = _planned(linux, f"ipv{family}")
                ok = [
                    s
                    for s in socks
                    if s.proto == proto
                    and s.port == port
                    and s.family == family
                    and (s.local is None or s.local in planned)
                ]
                check.item(
                    f"{service['name']} {proto}/{port} on IPv{family}", bool(ok),
                    [str(s.local or "any") for s in ok] or "no listener", "a listener on any address or a planned one",
                )  # fmt: skip


def _chrony_servers(text: str) -> list[str]:
    return [
        line.split()[1]
        for line in text.splitlines()
        if line.split()[:1] in (["server"], ["pool"], ["peer"]) and len(line.split()) > 1
    ]


@pytest.mark.control("HOST-13")
def test_time_synchronisation(linux: LinuxTarget, check: Check) -> None:
    procs = lf.processes(linux.text("processes"))
    daemons = sorted(procs & {"chronyd", "systemd-timesyncd", "ntpd"})
    check.item("one time daemon running", len(daemons) == 1, daemons or "none", "exactly one (chronyd)")
    approved = [ipaddress.ip_address(a) for t in linux.vars.get("hatang_ntp", []) for a in t.get("addresses", [])]
    own = {ipaddress.ip_address(a) for a in linux.vars.get("hatang_addresses", {}).values()}
    configured = []
    for server in _chrony_servers(linux.text("chrony-conf")):
        try:
            configured.append(ipaddress.ip_address(server))
        except ValueError:
            configured.append(server)  # type: ignore[arg-type]
    check.subset("NTP servers are the inventory's", [str(s) for s in configured], [str(a) for a in approved])
    check.at_least(
        "NTP servers configured", len([s for s in configured if s in approved and s not in own]), "ntp_sources"
    )
    tracking = lf.key_values(linux.text("chrony-tracking"), sep=":")
    check.equals("leap status", tracking.get("leap status"), "Normal")
    offset = tracking.get("last offset", "").split()
    value = abs(float(offset[0])) if offset and _is_float(offset[0]) else None
    check.at_most("clock offset (s)", value, "clock_offset_max")
    if check.applies("authenticated_time"):
        conf = linux.text("chrony-conf")
        authenticated = any(
            " nts" in line or " key " in line for line in conf.splitlines() if line.startswith(("server", "pool"))
        )
        check.item(
            "authenticated time (NTS or keys)", authenticated, "yes" if authenticated else "no", "NTS or symmetric keys"
        )


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@pytest.mark.control("HOST-14")
def test_audit_logging(linux: LinuxTarget, check: Check) -> None:
    conf = lf.key_values(linux.text("auditd-conf"))
    check.one_of("max_log_file_action", conf.get("max_log_file_action"), "max_log_file_action")
    check.one_of("space_left_action", conf.get("space_left_action"), "space_left_action")
    check.one_of("disk_full_action", conf.get("disk_full_action"), "disk_full_action")
    running = "auditd" in lf.processes(linux.text("processes"))
    check.item("auditd running", running, "running" if running else "not running", "running")
    status = lf.key_values(linux.text("auditctl-status"), sep=" ")
    if check.applies("audit_rules"):
        rules = linux.text("auditctl-rules")
        for watched in ("/etc/passwd", "/etc/shadow", "/etc/group", "/etc/sudoers"):
            check.item(
                f"watch {watched}",
                f"-w {watched} " in rules or f"path={watched} " in rules,
                "watched" if watched in rules else "not watched",
                "a watch rule",
            )
        check.item(
            "time-change syscalls",
            "settimeofday" in rules or "adjtimex" in rules,
            "present" if "adjtimex" in rules else "absent",
            "a rule",
        )
        check.item(
            "root's execve logged",
            "execve" in rules and "euid=0" in rules,
            "present" if "execve" in rules else "absent",
            "-S execve -F euid=0",
        )
    if check.applies("audit_immutable"):
        check.equals("audit rules immutable (enabled 2)", status.get("enabled"), "2")


@pytest.mark.control("HOST-15")
def test_logs_forwarded_to_soc(linux: LinuxTarget, check: Check) -> None:
    if "syslog" in linux.vars.get("hatang_serves", []):
        check.not_applicable("the host is a SOC collector itself")
    collectors = linux.vars.get("hatang_syslog", [])
    if not collectors:
        check.item("SOC collectors for the site", False, "none in the inventory", "the site's syslog endpoints")
        return
    port = check.threshold("syslog_tls_port")
    hosts = {c["host"] for c in collectors} | {a for c in collectors for a in c.get("addresses", [])}
    actions = [a for a in lf.rsyslog_actions(linux.text("rsyslog-conf")) if a.get("target") in hosts]
    check.item(
        "an omfwd action to a SOC collector", bool(actions), [a.get("target") for a in actions] or "none", sorted(hosts)
    )
    for a in actions[:1]:
        check.equals("protocol", a.get("protocol"), "tcp")
        check.equals("port", a.get("port"), str(port))
        check.equals("StreamDriver", a.get("streamdriver") or a.get("streamdriver.name"), "gtls")
        check.equals("StreamDriverMode", a.get("streamdrivermode"), "1")
        check.equals("StreamDriverAuthMode", a.get("streamdriverauthmode"), "x509/name")
        check.item("disk-assisted queue", bool(a.get("queue.filename")), a.get("queue.filename"), "queue.filename set")
        check.equals("queue.saveOnShutdown", a.get("queue.saveonshutdown"), "on")
    check.item(
        "rsyslogd running",
        "rsyslogd" in lf.processes(linux.text("processes")),
        "running" if "rsyslogd" in lf.processes(linux.text("processes")) else "not running",
        "running",
    )
    addresses = {ipaddress.ip_address(a) for c in collectors for a in c.get("addresses", [])}
    tls = [s for s in lf.sockets(linux.text("established")) if s.peer_port == port and s.peer in addresses]
    check.item(
        "established TLS connection to a collector",
        bool(tls),
        [f"{s.peer}" for s in tls] or "none",
        f"a connection to port {port}",
    )


@pytest.mark.control("HOST-16")
def test_log_files_protected(linux: LinuxTarget, check: Check) -> None:
    modes = lf.stats(linux.text("log-modes"))
    var_log = modes.get("/var/log")
    check.item(
        "/var/log not world-writable",
        var_log is not None and not var_log[0] & 0o002,
        oct(var_log[0]) if var_log else None,
        "no write for others",
    )
    for path in ("/var/log/auth.log", "/var/log/syslog"):
        if path in modes:
            check.item(f"{path} mode", not modes[path][0] & 0o137, oct(modes[path][0]), "0640 or stricter")
    check.undecided(
        "retention",
        "the SIEM's oldest event is not read by this tool",
        f"{check.threshold('log_retention')} days in the SIEM",
    )


@pytest.mark.control("HOST-17")
def test_malware_protection(linux: LinuxTarget, check: Check) -> None:
    check.manual(
        "the inventory names no malware or EDR agent for the host; its signature age and console link need evidence"
    )


@pytest.mark.control("HOST-18")
def test_security_patches(linux: LinuxTarget, check: Check) -> None:
    pending = [package for package, _installed, _offered in lf.pending_updates(linux.text("apt-security"))]
    check.absent("security updates pending (from the host's package lists)", pending)
    check.undecided(
        "package lists' age",
        "not judged: the lists may be older than the lag",
        f"updates within {check.threshold('security_update_max_lag')} days",
    )


@pytest.mark.control("HOST-19")
def test_backup(linux: LinuxTarget, check: Check) -> None:
    check.manual("the inventory records no backup system for the host; the last snapshot's age needs evidence")


@pytest.mark.control("HOST-20")
def test_os_hardening_baseline(linux: LinuxTarget, check: Check) -> None:
    options = check.threshold("temp_mount_options")
    found = lf.mounts(linux.text("mounts"))
    if isinstance(options, tuple):
        for point in ("/tmp", "/dev/shm", "/var/tmp"):
            have = found.get(point)
            missing = sorted({str(o) for o in options} - (have or set()))
            check.item(
                f"{point} mount options",
                have is not None and not missing,
                f"missing {missing}" if have is not None else "not a separate mount",
                options,
            )
    _sysctl_items(linux, check, "sysctl")
    scope = lf.sysctl_values(linux.text("sysctl")).get("kernel.yama.ptrace_scope")
    check.at_least("kernel.yama.ptrace_scope", lf.as_int(scope), "ptrace_scope")
    modes = lf.stats(linux.text("file-modes"))
    shadow = modes.get("/etc/shadow")
    check.item(
        "/etc/shadow",
        shadow is not None and not shadow[0] & 0o037 and shadow[1] == "root",
        f"{oct(shadow[0])} {shadow[1]}:{shadow[2]}" if shadow else None,
        "0640 or stricter, root:shadow",
    )
    pw = modes.get("/etc/passwd")
    check.item(
        "/etc/passwd",
        pw is not None and pw[0] == 0o644 and pw[1] == "root",
        f"{oct(pw[0])} {pw[1]}" if pw else None,
        "0644 root",
    )


@pytest.mark.control("HOST-21")
def test_tls_on_web_services(linux: LinuxTarget, check: Check) -> None:
    web = [s for s in linux.vars.get("hatang_services", []) if 443 in s.get("ports", [])]
    if not web:
        check.not_applicable("the host serves no HTTPS service")
    for family in ("v4", "v6"):
        check.item(
            f"TLS 1.1 refused ({family})",
            linux.text(f"tls11-{family}").strip() not in ("0", ""),
            "refused" if linux.text(f"tls11-{family}").strip() != "0" else "accepted",
            "refused",
        )
        check.item(
            f"TLS 1.2 accepted ({family})",
            linux.text(f"tls12-{family}").strip() == "0",
            "accepted" if linux.text(f"tls12-{family}").strip() == "0" else "refused",
            "accepted",
        )
    protocols = lf.nginx_protocols(linux.text("nginx"))
    weak = sorted({p for s in protocols for p in s} & {"SSLv3", "TLSv1", "TLSv1.1"})
    check.item(
        "nginx ssl_protocols",
        bool(protocols) and not weak,
        weak or [sorted(s) for s in protocols] or "none",
        "TLSv1.2 and later only",
    )
