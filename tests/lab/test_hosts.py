"""The host playbooks on real lab hosts, through ``hatang hosts --lab`` (ansible-runner, SSH, host keys checked).

A small lab of its own (the data centre's routers and three hosts, lab name ``ch``): apply, apply again
(nothing changes), drift one host and check (the drift is shown and left alone), an unreachable host.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.lab import control
from infra.lab import nodes as os_nodes

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="the lab needs root (CI runs as root)"),
]

REPO = Path(__file__).resolve().parents[2]
HATANG = str(Path(sys.executable).parent / "hatang")
LAB = "ch"
HOSTS = ["dns-res-01", "ntp-01", "portal-web-01"]


def hatang(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run the real command line."""
    return subprocess.run([HATANG, *args], capture_output=True, text=True, timeout=timeout, check=False)


class HostsLab:
    """The lab's inventory copy and build folder."""

    def __init__(self, root: Path) -> None:
        self.inventory = root / "inventory"
        self.out = root / "build"

    def hosts(self, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
        """``hatang hosts --lab`` with JSON output."""
        proc = hatang("hosts", str(self.inventory), "--lab", "--out", str(self.out), "--format", "json", *args)
        data = json.loads(proc.stdout) if proc.stdout.strip() else {}
        return proc, data

    def sh(self, node: str, command: str) -> str:
        """A shell command inside a node; its output."""
        done = os_nodes.nsenter(control.node_pid(LAB, node), ["sh", "-c", command], timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostsLab]:
    root = tmp_path_factory.mktemp("hosts")
    shutil.copytree(REPO / "inventory", root / "inventory")
    lab_file = root / "inventory" / "lab.yaml"
    mgmt = {"ipv6": "fd00:0:0:fa::/64", "ipv4": "10.255.7.0/24"}
    lab_spec = {"name": LAB, "sites": ["dc-chinh"], "hosts": HOSTS, "mgmt": mgmt}
    lab_file.write_text(yaml.safe_dump({"lab": lab_spec}, allow_unicode=True))
    hatang("lab", "down", "--name", LAB)
    up = hatang("lab", "up", str(root / "inventory"))
    assert up.returncode == 0, up.stderr
    try:
        yield HostsLab(root)
    finally:
        hatang("lab", "down", "--name", LAB)


def test_apply_makes_every_host_dual_stack_and_hardened(lab: HostsLab) -> None:
    proc, data = lab.hosts()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert set(data["hosts"]) == set(HOSTS)
    assert {name: (h["status"], h["failures"]) for name, h in data["hosts"].items()} == dict.fromkeys(
        HOSTS, ("changed", [])
    )
    sshd = lab.sh("ntp-01", "sshd -T")
    listen = {line.split()[1] for line in sshd.splitlines() if line.startswith("listenaddress ")}
    host_vars = data_dir(lab) / "inventory" / "host_vars" / "ntp-01.yml"
    addresses = yaml.safe_load(host_vars.read_text())["hatang_addresses"]  # the planned ones
    assert f"[{addresses['gua']}]:22" in listen
    assert f"{addresses['ipv4']}:22" in listen
    assert "ciphers chacha20-poly1305@openssh.com," in sshd
    assert "3des" not in sshd
    assert "passwordauthentication no" in sshd
    assert "maxauthtries 3" in sshd
    assert lab.sh("ntp-01", "sysctl -n net.ipv6.conf.all.accept_ra net.ipv4.conf.all.rp_filter").split() == ["0", "1"]


def test_the_host_firewall_drops_ssh_from_outside_management_and_keeps_icmpv6(lab: HostsLab) -> None:
    ruleset = lab.sh("ntp-01", "nft list table inet hatang_host")
    assert "policy drop" in ruleset
    assert "nd-neighbor-solicit" in ruleset
    host_vars = yaml.safe_load((data_dir(lab) / "inventory" / "host_vars" / "ntp-01.yml").read_text())
    target6, target4 = host_vars["hatang_addresses"]["gua"], host_vars["hatang_addresses"]["ipv4"]
    # dns-res-01 shares ntp-01's VLAN but not the management prefixes: ping yes, SSH no, in both families
    assert (
        lab.sh(
            "dns-res-01", f"ping -6 -c 1 -W 2 {target6} >/dev/null && ping -4 -c 1 -W 2 {target4} >/dev/null && echo ok"
        )
        == "ok\n"
    )
    for target in (target6, target4):
        probe = f"timeout 3 bash -c '</dev/tcp/{target}/22' 2>/dev/null && echo open || echo closed"
        assert lab.sh("dns-res-01", probe) == "closed\n", target


def data_dir(lab: HostsLab) -> Path:
    """The newest run folder."""
    return sorted((lab.out / "runs").iterdir())[-1]


def test_a_second_run_changes_nothing(lab: HostsLab) -> None:
    proc, data = lab.hosts()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert {name: h["changed"] for name, h in data["hosts"].items()} == dict.fromkeys(HOSTS, 0)


def test_check_shows_the_drift_of_one_host_and_changes_nothing(lab: HostsLab) -> None:
    path = "/etc/ssh/sshd_config.d/10-hatang.conf"
    lab.sh("dns-res-01", f"sed -i 's/^MaxAuthTries 3$/MaxAuthTries 10/' {path}")
    proc, data = lab.hosts("--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert data["check"] is True
    drifted = data["hosts"]["dns-res-01"]
    assert drifted["changed"] >= 1
    diff = "\n".join(d["diff"] for d in drifted["diffs"])
    assert "-MaxAuthTries 10" in diff
    assert "+MaxAuthTries 3" in diff
    assert all(data["hosts"][h]["changed"] == 0 for h in HOSTS if h != "dns-res-01")
    assert "MaxAuthTries 10" in lab.sh("dns-res-01", f"cat {path}")  # left as it was
    proc, data = lab.hosts("--limit", "dns-res-01")
    assert proc.returncode == 0
    assert "MaxAuthTries 3" in lab.sh("dns-res-01", f"cat {path}")


def test_an_unreachable_host_is_reported_and_the_others_finish(lab: HostsLab) -> None:
    assert hatang("lab", "stop", "-i", str(lab.inventory), "portal-web-01").returncode == 0
    try:
        proc, data = lab.hosts()
    finally:
        assert hatang("lab", "start", "-i", str(lab.inventory), "portal-web-01").returncode == 0
    assert proc.returncode == 1
    assert data["hosts"]["portal-web-01"]["status"] == "unreachable"
    assert data["hosts"]["portal-web-01"]["failures"]
    assert {data["hosts"][h]["status"] for h in ("dns-res-01", "ntp-01")} == {"ok"}
