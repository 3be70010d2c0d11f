"""The hosts' lab shared by the host-playbook tests (lab name ``ch``).

Two lab sites — the data centre and one commune — with their routers rolled out (so hosts of different zones, and
the commune, reach each other through the real WAN twin), and four data-centre hosts: a DNS resolver, an NTP
server, a portal web server and a SOC log collector.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from infra.lab import control
from infra.lab import nodes as os_nodes

REPO = Path(__file__).resolve().parents[2]
HATANG = str(Path(sys.executable).parent / "hatang")
# another name and management network (HATANG_TEST_LAB=name,ipv6-prefix,ipv4-prefix) lets two runs share a machine
_NAME, _MGMT6, _MGMT4 = os.environ.get("HATANG_TEST_LAB", "ch,fd00:0:0:fa::/64,10.255.7.0/24").split(",")
LAB = _NAME
SITES = ["dc-chinh", "xa-da-loc"]
HOSTS = ["dns-res-01", "ntp-01", "portal-web-01", "soc-log-01"]
MGMT = {"ipv6": _MGMT6, "ipv4": _MGMT4}


def hatang(*args: str, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run the real command line."""
    return subprocess.run([HATANG, *args], capture_output=True, text=True, timeout=timeout, check=False)


class HostsLab:
    """The lab's inventory copy and build folder."""

    def __init__(self, root: Path) -> None:
        self.inventory = root / "inventory"
        self.out = root / "build"
        self.audits: dict[str, dict[str, Any]] = {}  # "before" (the lab as built) → the audit's JSON report
        self.applied = False  # the host playbooks have run on every host

    def audit(self, *args: str, out: Path | None = None) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
        """``hatang audit --lab`` with JSON output; the summary, and the run's audit.json under ``report``."""
        folder = out or self.out
        proc = hatang("audit", str(self.inventory), "--lab", "--out", str(folder), "--format", "json", *args)
        data = json.loads(proc.stdout) if proc.stdout.strip() else {}
        if data.get("reports", {}).get("json"):
            data["report"] = json.loads(Path(data["reports"]["json"]).read_text())
        return proc, data

    def hosts(self, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
        """``hatang hosts --lab`` with JSON output."""
        proc = hatang("hosts", str(self.inventory), "--lab", "--out", str(self.out), "--format", "json", *args)
        data = json.loads(proc.stdout) if proc.stdout.strip() else {}
        return proc, data

    def run(self, node: str, command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        """A shell command inside a node (whatever its exit status)."""
        return os_nodes.nsenter(control.node_pid(LAB, node), ["sh", "-c", command], timeout=timeout)

    def sh(self, node: str, command: str, timeout: float = 60) -> str:
        """A shell command inside a node that must succeed; its output."""
        done = self.run(node, command, timeout)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def ssh(self, user: str, host: str, command: str) -> subprocess.CompletedProcess[str]:
        """SSH to a lab host's management address with the lab's key, host key checked."""
        paths = control.LabPaths.of(LAB)
        state = control.LabState.read(paths)
        assert state is not None
        address = state.nodes[host]["mgmt_v6"]
        options = ["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o", "ConnectTimeout=10"]
        options += ["-o", f"UserKnownHostsFile={paths.known_hosts}", "-i", str(paths.key)]
        return subprocess.run(
            ["ssh", *options, f"{user}@{address}", command], capture_output=True, text=True, timeout=60, check=False
        )

    def host_vars(self, host: str) -> dict[str, Any]:
        """A host's generated Ansible variables (from the newest run folder)."""
        import yaml

        newest = sorted((self.out / "runs").iterdir())[-1]
        generated = newest / "inventory" / "host_vars" / host / "hatang.yml"
        data: dict[str, Any] = yaml.safe_load(generated.read_text())
        return data
