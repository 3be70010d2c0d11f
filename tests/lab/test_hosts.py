"""The host playbooks on real lab hosts, through ``hatang hosts --lab`` (ansible-runner, SSH, host keys checked).

The shared hosts' lab (see hostslab.py), in order: Lynis before, apply, what each role made true (SSH, kernel,
firewall, time from the provincial servers over IPv6, root logins refused, account lockout, audit rules), a
second run (nothing changes), drift and --check, vaulted operator variables with and without the vault password,
host keys, an unreachable host, Lynis after.
"""

from __future__ import annotations

import base64
import re
import subprocess
import time
from pathlib import Path

import pytest

from infra.lab import control

from .hostslab import HATANG, HOSTS, LAB, REPO, HostsLab, hatang

pytestmark = [pytest.mark.slow]

LYNIS_HOST = "portal-web-01"
# the areas the host playbooks harden (a full Lynis run spends minutes on package and network look-ups)
LYNIS_GROUPS = (
    "accounting authentication file_permissions firewalls insecure_services kernel kernel_hardening logging "
    "networking shells ssh time webservers crypto"
)
LYNIS: dict[str, int] = {}


def lynis_index(hosts_lab: HostsLab) -> int:
    """Lynis's hardening index of the Lynis host."""
    command = f"lynis audit system --quick --no-colors --no-log --tests-from-group '{LYNIS_GROUPS}'"
    out = hosts_lab.sh(LYNIS_HOST, command, timeout=600)
    found = re.search(r"Hardening index\s*:\s*(\d+)", out)
    assert found, out[-2000:]
    return int(found.group(1))


def test_lynis_before_hardening(hosts_lab: HostsLab) -> None:
    LYNIS["before"] = lynis_index(hosts_lab)


def test_apply_makes_every_host_dual_stack_and_hardened(hosts_lab: HostsLab) -> None:
    proc, data = hosts_lab.hosts()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    hosts_lab.applied = True
    assert set(data["hosts"]) == set(HOSTS)
    assert {name: (h["status"], h["failures"]) for name, h in data["hosts"].items()} == dict.fromkeys(
        HOSTS, ("changed", [])
    )
    sshd = hosts_lab.sh("ntp-01", "sshd -T")
    listen = {line.split()[1] for line in sshd.splitlines() if line.startswith("listenaddress ")}
    addresses = hosts_lab.host_vars("ntp-01")["hatang_addresses"]  # the planned ones
    assert f"[{addresses['gua']}]:22" in listen
    assert f"{addresses['ipv4']}:22" in listen
    assert "ciphers chacha20-poly1305@openssh.com," in sshd
    assert "3des" not in sshd
    assert "passwordauthentication no" in sshd
    assert "maxauthtries 3" in sshd
    sysctls = hosts_lab.sh("ntp-01", "sysctl -n net.ipv6.conf.all.accept_ra net.ipv4.conf.all.rp_filter")
    assert sysctls.split() == ["0", "1"]


def test_the_host_firewall_drops_ssh_from_outside_management_and_keeps_icmpv6(hosts_lab: HostsLab) -> None:
    ruleset = hosts_lab.sh("ntp-01", "nft list table inet hatang_host")
    assert "policy drop" in ruleset
    assert "nd-neighbor-solicit" in ruleset
    host_vars = hosts_lab.host_vars("ntp-01")
    target6, target4 = host_vars["hatang_addresses"]["gua"], host_vars["hatang_addresses"]["ipv4"]
    # dns-res-01 shares ntp-01's VLAN but not the management prefixes: ping yes, SSH no, in both families
    assert (
        hosts_lab.sh(
            "dns-res-01", f"ping -6 -c 1 -W 2 {target6} >/dev/null && ping -4 -c 1 -W 2 {target4} >/dev/null && echo ok"
        )
        == "ok\n"
    )
    for target in (target6, target4):
        probe = f"timeout 3 bash -c '</dev/tcp/{target}/22' 2>/dev/null && echo open || echo closed"
        assert hosts_lab.sh("dns-res-01", probe) == "closed\n", target


def test_time_comes_from_the_provincial_servers_over_ipv6(hosts_lab: HostsLab) -> None:
    ntp = hosts_lab.host_vars("ntp-01")["hatang_addresses"]["gua"]
    conf = hosts_lab.sh("portal-web-01", "cat /etc/chrony/chrony.conf")
    servers = [line.split()[1] for line in conf.splitlines() if line.startswith("server ")]
    assert len(servers) >= 2
    assert ntp in servers
    assert all(":" in s for s in servers), "sources are reached over IPv6"
    own = hosts_lab.sh("ntp-01", "cat /etc/chrony/chrony.conf")
    assert f"server {ntp} " not in own, "the NTP server does not list itself"
    assert "allow " in own
    deadline, tracking = time.monotonic() + 120, ""
    while time.monotonic() < deadline:
        tracking = hosts_lab.sh("portal-web-01", "chronyc -n tracking")
        if f"({ntp})" in tracking:
            break
        time.sleep(3)
    assert f"({ntp})" in tracking, tracking  # synchronised to ntp-01, through the data centre's routers
    assert "Leap status     : Normal" in tracking


def test_root_logins_are_refused_and_the_administrator_uses_sudo(hosts_lab: HostsLab) -> None:
    refused = hosts_lab.ssh("root", "dns-res-01", "true")
    assert refused.returncode != 0
    assert "Permission denied" in refused.stderr
    admin = hosts_lab.ssh("hatang", "dns-res-01", "sudo -n cat /var/log/sudo.log >/dev/null && echo root-ok")
    assert admin.stdout == "root-ok\n", admin.stderr
    assert "COMMAND=/usr/bin/cat /var/log/sudo.log" in hosts_lab.sh("dns-res-01", "cat /var/log/sudo.log")
    shell = hosts_lab.sh("dns-res-01", "bash -lc 'readonly -p' | grep TMOUT")
    level = hosts_lab.host_vars("dns-res-01").get("hatang_level", 1)
    assert f'TMOUT="{300 if level >= 3 else 900}"' in shell


def test_an_account_locks_after_five_wrong_passwords(hosts_lab: HostsLab) -> None:
    probe = base64.b64encode((REPO / "tests" / "lab" / "pam_probe.py").read_bytes()).decode()
    password = "Dung-Mat-Khau-2026"
    hosts_lab.sh(
        "dns-res-01",
        f"echo {probe} | base64 -d > /tmp/pam_probe.py && printf '@include common-auth\\n@include common-account\\n'"
        f' > /etc/pam.d/hatang-probe && useradd -m kiemtra && usermod -p "$(openssl passwd -6 {password})" kiemtra',
    )

    def login(secret: str) -> int:
        return hosts_lab.run("dns-res-01", f"python3 /tmp/pam_probe.py hatang-probe kiemtra {secret}").returncode

    assert login(password) == 0
    assert [login(f"sai-{i}") for i in range(5)] == [1] * 5
    assert login(password) == 1, "the right password is refused while the account is locked"
    assert hosts_lab.sh("dns-res-01", "faillock --user kiemtra").count("hatang-probe") == 5
    hosts_lab.sh("dns-res-01", "faillock --user kiemtra --reset && userdel -r kiemtra 2>/dev/null; true")
    defs = hosts_lab.sh("dns-res-01", "grep -E '^(PASS_MAX_DAYS|ENCRYPT_METHOD)' /etc/login.defs")
    assert defs.split() == ["PASS_MAX_DAYS", "60", "ENCRYPT_METHOD", "YESCRYPT"]
    assert "minlen = 14" in hosts_lab.sh("dns-res-01", "cat /etc/security/pwquality.conf")


def test_audit_rules_follow_the_level(hosts_lab: HostsLab) -> None:
    level = hosts_lab.host_vars("portal-web-01").get("hatang_level", 1)
    rules = hosts_lab.sh("portal-web-01", "cat /etc/audit/rules.d/50-hatang.rules")
    assert "-w /etc/shadow -p wa -k identity" in rules
    assert ("-F euid=0 -k root-commands" in rules) == (level >= 3)
    assert rules.rstrip().endswith("-e 2") == (level >= 3)
    conf = hosts_lab.sh("portal-web-01", "grep -E '^(max_log_file_action|disk_full_action)' /etc/audit/auditd.conf")
    assert conf.split() == ["max_log_file_action", "=", "keep_logs", "disk_full_action", "=", "SUSPEND"]


def test_a_second_run_changes_nothing(hosts_lab: HostsLab) -> None:
    proc, data = hosts_lab.hosts()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {name: h["changed"] for name, h in data["hosts"].items()} == dict.fromkeys(HOSTS, 0)


def test_check_shows_the_drift_of_one_host_and_changes_nothing(hosts_lab: HostsLab) -> None:
    path = "/etc/ssh/sshd_config.d/10-hatang.conf"
    hosts_lab.sh("dns-res-01", f"sed -i 's/^MaxAuthTries 3$/MaxAuthTries 10/' {path}")
    proc, data = hosts_lab.hosts("--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert data["check"] is True
    drifted = data["hosts"]["dns-res-01"]
    assert drifted["changed"] >= 1
    diff = "\n".join(d["diff"] for d in drifted["diffs"])
    assert "-MaxAuthTries 10" in diff
    assert "+MaxAuthTries 3" in diff
    assert all(data["hosts"][h]["changed"] == 0 for h in HOSTS if h != "dns-res-01")
    assert "MaxAuthTries 10" in hosts_lab.sh("dns-res-01", f"cat {path}")  # left as it was
    proc, data = hosts_lab.hosts("--limit", "dns-res-01")
    assert proc.returncode == 0
    assert "MaxAuthTries 3" in hosts_lab.sh("dns-res-01", f"cat {path}")


def test_an_unreachable_host_is_reported_and_the_others_finish(hosts_lab: HostsLab) -> None:
    assert hatang("lab", "stop", "-i", str(hosts_lab.inventory), "portal-web-01").returncode == 0
    try:
        proc, data = hosts_lab.hosts()
    finally:
        assert hatang("lab", "start", "-i", str(hosts_lab.inventory), "portal-web-01").returncode == 0
    assert proc.returncode == 1
    assert data["hosts"]["portal-web-01"]["status"] == "unreachable"
    assert data["hosts"]["portal-web-01"]["failures"]
    assert {data["hosts"][h]["status"] for h in ("dns-res-01", "ntp-01")} == {"ok"}


def _vault(tmp: Path, value: str) -> tuple[Path, Path]:
    """An operator variables folder giving ntp-01 a break-glass account with a vaulted hash; its password file."""
    password = tmp / "vault-pass"
    password.write_text("mat-khau-kho-vault\n")
    vault = str(Path(HATANG).parent / "ansible-vault")
    done = subprocess.run(
        [vault, "encrypt_string", "--vault-password-file", str(password), value, "--name", "password_hash"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    folder = tmp / "vars"
    (folder / "host_vars").mkdir(parents=True)
    indented = "\n".join("  " + line for line in done.stdout.strip().splitlines())
    (folder / "host_vars" / "ntp-01.yml").write_text(f"hatang_accounts_breakglass:\n  name: khancap\n{indented}\n")
    return folder, password


def test_vaulted_values_need_the_vault_password_and_never_show(hosts_lab: HostsLab, tmp_path: Path) -> None:
    secret = subprocess.run(
        ["openssl", "passwd", "-6", "-salt", "khancapsalt", "Khan-Cap-2026"], capture_output=True, text=True, check=True
    ).stdout.strip()
    folder, password = _vault(tmp_path, secret)
    proc, data = hosts_lab.hosts("--tags", "accounts", "--vars", str(folder))
    assert proc.returncode == 1
    failed = data["hosts"]["ntp-01"]
    assert failed["status"] == "failed"
    assert len(failed["failures"]) == 1
    assert failed["failures"][0]["task"]  # the task that needed the value (the role's argument check)
    assert "no vault secrets" in failed["failures"][0]["reason"]
    assert {data["hosts"][h]["status"] for h in HOSTS if h != "ntp-01"} == {"ok"}
    assert data["vaulted_without_password"] == [str(folder / "host_vars" / "ntp-01.yml")]
    proc, data = hosts_lab.hosts("--tags", "accounts", "--vars", str(folder), "--vault-password-file", str(password))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert data["hosts"]["ntp-01"]["changed"] >= 1
    assert hosts_lab.sh("ntp-01", "getent shadow khancap").split(":")[1] == secret
    runs = sorted((hosts_lab.out / "runs").iterdir())[-2:]
    leaks = subprocess.run(["grep", "-rl", secret, *map(str, runs)], capture_output=True, text=True, check=False)
    assert leaks.stdout == "", "the hash appears in the run folders"
    assert secret not in proc.stdout + proc.stderr
    hosts_lab.sh("ntp-01", "userdel khancap")


def test_host_keys_are_verified_unless_the_lab_run_says_otherwise(hosts_lab: HostsLab) -> None:
    known = control.LabPaths.of(LAB).known_hosts
    original = known.read_text()
    lines = original.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("dns-res-01,"))
    other = next(line for line in lines if not line.startswith("dns-res-01,"))
    lines[index] = lines[index].split()[0] + " " + " ".join(other.split()[1:])  # another node's key
    known.write_text("\n".join(lines) + "\n")
    try:
        proc, data = hosts_lab.hosts("--tags", "sysctl", "--limit", "dns-res-01")
        assert proc.returncode == 1
        assert data["hosts"]["dns-res-01"]["status"] == "unreachable"
        assert "Host key verification failed" in data["hosts"]["dns-res-01"]["failures"][0]["reason"]
        proc, data = hosts_lab.hosts("--tags", "sysctl", "--limit", "dns-res-01", "--no-host-key-check")
        assert "NOT verified" in proc.stderr
        assert data["host_keys_checked"] is False
    finally:
        known.write_text(original)
    production = hatang("hosts", str(hosts_lab.inventory), "--no-host-key-check")
    assert production.returncode == 2
    assert "lab only" in production.stderr


def test_lynis_after_hardening(hosts_lab: HostsLab, capsys: pytest.CaptureFixture[str]) -> None:
    proc, _ = hosts_lab.hosts("--limit", LYNIS_HOST)  # the unreachable test restarted nodes: services back up
    assert proc.returncode == 0, proc.stdout + proc.stderr
    LYNIS["after"] = lynis_index(hosts_lab)
    with capsys.disabled():
        print(f"\nLynis hardening index of {LYNIS_HOST}: before {LYNIS.get('before')}, after {LYNIS['after']}")
    assert LYNIS["after"] > LYNIS["before"]
