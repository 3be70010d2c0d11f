"""The real lab: FRR routers and Linux hosts in namespaces, built from the sample's lab selection, rolled out.

The tests run in file order against one lab (a copy of the sample inventory under its own lab name and
management network, so that a lab someone left running is not touched): up → dry run → rollout →
reachability → idempotence → faults (a rejected candidate, a post-check failing during the wave, a router
stopped before its wave, the controller killed mid-wave then resumed) → down leaves nothing.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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
LAB = "ci"


def hatang(*args: str, env: dict[str, str] | None = None, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """Run the real command line."""
    return subprocess.run(
        [HATANG, *args], capture_output=True, text=True, timeout=timeout, env={**os.environ, **(env or {})}, check=False
    )


class Lab:
    """The running test lab: its inventory copy, build folder and helpers to look inside nodes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.inventory = root / "inventory"
        self.out = root / "build"
        self.model = control.model(self.inventory)

    def sh(self, node: str, command: str) -> subprocess.CompletedProcess[str]:
        """A shell command inside a node."""
        return os_nodes.nsenter(control.node_pid(LAB, node), ["sh", "-c", command], timeout=60)

    def running(self, node: str) -> str:
        """The node's FRR running configuration."""
        proc = self.sh(node, "vtysh -c 'show running-config'")
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def deploy(self, *args: str, templates: Path | None = None) -> subprocess.CompletedProcess[str]:
        """``hatang deploy --lab`` on this lab's inventory and build folder."""
        extra = ["--templates", str(templates)] if templates else []
        return hatang("deploy", str(self.inventory), "--lab", "--out", str(self.out), *extra, *args)

    def last_run(self) -> Path:
        """The newest run folder."""
        return sorted((self.out / "runs").iterdir())[-1]

    def events(self, run: Path | None = None) -> list[dict[str, Any]]:
        """The journal of a run (the newest by default)."""
        path = (run or self.last_run()) / "journal.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()]

    def routers_of(self, site: str) -> list[str]:
        """The lab routers of one site."""
        return [n.name for n in self.model.topo.routers if n.site == site]


def _copy_inventory(dst: Path) -> Path:
    shutil.copytree(REPO / "inventory", dst)
    lab_file = dst / "lab.yaml"
    data = yaml.safe_load(lab_file.read_text())
    data["lab"]["name"] = LAB
    data["lab"]["mgmt"] = {"ipv6": "fd00:0:0:fc::/64", "ipv4": "10.255.9.0/24"}
    lab_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return dst


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """The sample's lab selection, up for the whole module, down (verified) at the end."""
    root = tmp_path_factory.mktemp("lab")
    _copy_inventory(root / "inventory")
    hatang("lab", "down", str(root / "inventory"))
    up = hatang("lab", "up", str(root / "inventory"))
    assert up.returncode == 0, up.stderr + up.stdout
    try:
        yield Lab(root)
    finally:
        hatang("lab", "down", "--name", LAB)


@pytest.fixture(scope="module")
def templates_changed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the templates whose FRR configuration changes on every device (timestamp precision 6)."""
    root = tmp_path_factory.mktemp("templates") / "templates"
    shutil.copytree(REPO / "templates", root)
    device = root / "frr" / "device.j2"
    text = device.read_text()
    assert "log timestamp precision 3" in text
    device.write_text(text.replace("log timestamp precision 3", "log timestamp precision 6"))
    return root


def test_up_builds_every_node_with_its_own_name_filesystem_and_verified_ssh(lab: Lab) -> None:
    status = hatang("lab", "status", str(lab.inventory), "--format", "json")
    data = json.loads(status.stdout)
    assert status.returncode == 0, status.stderr
    assert data["up"]
    names = {n["name"] for n in data["nodes"]}
    assert names == set(lab.model.topo.nodes)
    assert all(n["running"] for n in data["nodes"])
    assert sum(1 for n in data["nodes"] if n["kind"] == "router") == 24
    # its own hostname and filesystem layer: a file written in one node is seen nowhere else
    lab.sh("dc-chinh-core1", "echo mine > /etc/hatang-probe")
    assert lab.sh("dc-chinh-core1", "hostname; cat /etc/hatang-probe").stdout.split() == ["dc-chinh-core1", "mine"]
    assert lab.sh("dc-chinh-core2", "test -e /etc/hatang-probe").returncode == 1
    assert not Path("/etc/hatang-probe").exists()
    # the controller reaches every node over IPv6, with the node's host key checked against the lab's file
    paths = control.LabPaths.of(LAB)
    ssh = [
        "ssh", "-F", str(paths.ssh_config), "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "dns-res-01", "hostname",
    ]  # fmt: skip
    proc = subprocess.run(ssh, capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "dns-res-01"
    original = paths.known_hosts.read_text()
    lines = original.splitlines()
    other_key = next(line for line in lines if line.startswith("ntp-01,")).split(" ", 1)[1]
    forged = [f"{line.split(' ', 1)[0]} {other_key}" if line.startswith("dns-res-01,") else line for line in lines]
    paths.known_hosts.write_text("\n".join(forged) + "\n")
    try:
        refused = subprocess.run(ssh, capture_output=True, text=True, timeout=30, check=False)
    finally:
        paths.known_hosts.write_text(original)
    assert refused.returncode != 0
    assert "Host key verification failed" in refused.stderr


def test_up_again_is_a_no_op(lab: Lab) -> None:
    again = hatang("lab", "up", str(lab.inventory))
    assert again.returncode == 0
    assert "already up" in again.stdout


def test_dry_run_shows_every_diff_and_changes_nothing(lab: Lab) -> None:
    routers = [n.name for n in lab.model.topo.routers]
    before = {r: lab.running(r) for r in routers}
    proc = lab.deploy()
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "dry run" in proc.stdout
    assert "passed" in proc.stdout
    assert "\n+router bgp 65054\n" in proc.stdout  # the diff is printed
    run = lab.last_run()
    diffs = {p.stem for p in (run / "diffs").glob("*.diff")}
    assert diffs == set(routers)
    assert all((run / "diffs" / f"{r}.diff").read_text().strip() for r in routers)
    assert {r: lab.running(r) for r in routers} == before
    # secret values never reach the diffs, the journal or the output; placeholders do
    values = json.loads(control.LabPaths.of(LAB).secrets.read_text()).values()
    kept = proc.stdout + proc.stderr + "".join(p.read_text() for p in run.rglob("*") if p.is_file())
    assert "${secret:bgp-tslcd}" in kept
    assert not [v for v in values if v in kept]


def test_rollout_passes_every_wave_in_hierarchy_order(lab: Lab) -> None:
    proc = lab.deploy("--commit")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    ends = [e for e in lab.events() if e["event"] == "wave-end"]
    assert [e["wave"] for e in ends] == ["canary", "datacenter-1", "agency-1", "district-1", "commune-1"]
    assert all(e["passed"] for e in ends)
    report = json.loads((lab.last_run() / "report.json").read_text())
    statuses = {d["device"]: d["status"] for w in report["waves"] for d in w["devices"]}
    assert set(statuses) == {n.name for n in lab.model.topo.routers}
    assert set(statuses.values()) == {"confirmed"}
    checks = {c["name"] for w in report["waves"] for d in w["devices"] for c in d["checks"]}
    assert {"interfaces-up", "addresses", "ospf-v2", "ospf-v3", "bgp-ipv4", "bgp-ipv6", "ping-gateway"} <= checks
    assert "ping6-dc-services" in checks
    # nothing is left pending: a confirmed commit does not revert itself
    assert not _pending(lab, sorted(statuses))


def _deepest(lab: Lab) -> dict[str, tuple[str, str, str]]:
    """Per lab site, its innermost router and that router's loopbacks (v4, v6)."""
    out = {}
    for site in lab.model.topo.lab.sites:
        name = lab.routers_of(site)[-1]
        intent = lab.model.topo.intents[name]
        assert intent.loopback_v4
        assert intent.loopback_v6
        out[site] = (name, intent.loopback_v4, intent.loopback_v6)
    return out


def test_every_pair_of_sites_reaches_each_other_over_ipv4_and_ipv6(lab: Lab) -> None:
    ends = _deepest(lab)
    pairs = [(a, b, fam) for a, b in itertools.permutations(ends, 2) for fam in (4, 6)]

    def ping(pair: tuple[str, str, int]) -> tuple[str, str, int, bool]:
        a, b, fam = pair
        node, src4, src6 = ends[a]
        _, dst4, dst6 = ends[b]
        src, dst = (src4, dst4) if fam == 4 else (src6, dst6)
        proc = lab.sh(node, f"ping -{fam} -c 2 -i 0.2 -W 1 -I {src} {dst}")
        return a, b, fam, proc.returncode == 0

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(ping, pairs))
    failed = [f"{a}→{b} IPv{fam}" for a, b, fam, ok in results if not ok]
    assert len(results) == 9 * 8 * 2
    assert not failed, failed


def test_second_deploy_shows_an_empty_diff(lab: Lab) -> None:
    proc = lab.deploy()
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((lab.last_run() / "report.json").read_text())
    assert all(not d["changed"] and d["diff_lines"] == 0 for w in report["waves"] for d in w["devices"])
    assert all(not p.read_text().strip() for p in (lab.last_run() / "diffs").glob("*.diff"))


def _snapshots(lab: Lab, devices: list[str]) -> dict[str, str]:
    return {d: lab.running(d) for d in devices}


def _failed_wave(lab: Lab) -> dict[str, Any]:
    ends = [e for e in lab.events() if e["event"] == "wave-end"]
    assert len(ends) == 1, ends
    assert not ends[0]["passed"]
    assert ends[0]["reverted"]
    return ends[0]


def test_a_candidate_frr_rejects_reverts_the_wave(lab: Lab, templates_changed: Path, tmp_path: Path) -> None:
    bad = tmp_path / "templates"
    shutil.copytree(templates_changed, bad)
    device = bad / "frr" / "device.j2"
    device.write_text(
        device.read_text().replace(
            "log timestamp precision 6",
            'log timestamp precision 6\n{% if d.name == "huyen-dong-xuan-fw1" %}\nno such command\n{% endif %}',
        )
    )  # fmt: skip
    devices = lab.routers_of("huyen-dong-xuan")
    before = _snapshots(lab, devices)
    proc = lab.deploy("--commit", "--wave", "district-1", templates=bad)
    assert proc.returncode == 1, proc.stdout
    wave = _failed_wave(lab)
    assert [f["device"] for f in wave["failed"]] == ["huyen-dong-xuan-fw1"]
    assert wave["failed"][0]["error"].startswith("load:")
    reverts = {e["device"]: e["reverted"] for e in lab.events() if e.get("step") == "revert"}
    assert reverts == {"huyen-dong-xuan-ce1": True, "huyen-dong-xuan-core1": True}
    assert _snapshots(lab, devices) == before
    assert "huyen-dong-xuan-fw1" in proc.stdout
    assert "halted" in proc.stdout


def _when_committed(lab: Lab, device: str, action: Any) -> threading.Thread:
    """Run ``action`` as soon as the newest run's journal shows ``device`` committed."""
    start = time.monotonic()
    known = set((lab.out / "runs").iterdir())

    def watch() -> None:
        while time.monotonic() - start < 300:
            runs = [p for p in (lab.out / "runs").iterdir() if p not in known]
            journal = runs[0] / "journal.jsonl" if runs else None
            if journal and journal.exists() and f'"device": "{device}", "step": "commit"' in journal.read_text():
                action()
                return
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_an_interface_shut_during_the_wave_fails_its_post_check_and_reverts_the_wave(
    lab: Lab, templates_changed: Path
) -> None:
    devices = lab.routers_of("so-noi-vu")
    before = _snapshots(lab, devices)
    victim = "so-noi-vu-fw1"
    port = next(i.name for i in lab.model.topo.intents[victim].interfaces if i.kind == "link")
    watcher = _when_committed(lab, victim, lambda: lab.sh(victim, f"ip link set {port} down"))
    try:
        proc = lab.deploy("--commit", "--devices", *devices, "--check-timeout", "10", templates=templates_changed)
        watcher.join(timeout=5)
    finally:
        lab.sh(victim, f"ip link set {port} up")
    assert proc.returncode == 1, proc.stdout
    wave = _failed_wave(lab)
    failed = {f["device"]: {c["name"] for c in f["checks"]} for f in wave["failed"]}
    assert "interfaces-up" in failed[victim]
    reverts = {e["device"]: e["reverted"] for e in lab.events() if e.get("step") == "revert"}
    assert reverts == dict.fromkeys(devices, True)
    assert _snapshots(lab, devices) == before


def test_a_router_stopped_before_its_wave_fails_it_and_the_others_are_put_back(
    lab: Lab, templates_changed: Path
) -> None:
    devices = lab.routers_of("so-tai-chinh")
    stopped = devices[-1]
    before = _snapshots(lab, devices[:-1])
    assert hatang("lab", "stop", "-i", str(lab.inventory), stopped).returncode == 0
    try:
        proc = lab.deploy("--commit", "--devices", *devices, "--check-timeout", "10", templates=templates_changed)
    finally:
        assert hatang("lab", "start", "-i", str(lab.inventory), stopped).returncode == 0
    assert proc.returncode == 1, proc.stdout
    wave = _failed_wave(lab)
    failed = {f["device"]: f["error"] for f in wave["failed"]}
    assert "cannot connect" in failed[stopped]
    reverts = {e["device"]: e["reverted"] for e in lab.events() if e.get("step") == "revert"}
    assert reverts == dict.fromkeys(devices[:-1], True)
    assert _snapshots(lab, devices[:-1]) == before


def _pending(lab: Lab, devices: list[str]) -> list[str]:
    from infra.deploy.engine import napalm_opener
    from infra.deploy.targets import lab_fleet

    fleet = lab_fleet(lab.inventory, REPO / "templates")
    out = []
    for name in devices:
        driver = napalm_opener(fleet.targets[name])
        try:
            if driver.has_pending_commit():
                out.append(name)
        finally:
            driver.close()
    return out


def test_the_controller_killed_mid_wave_then_resume_completes(lab: Lab, templates_changed: Path) -> None:
    agency = [d for site in lab.model.topo.lab.sites for d in lab.routers_of(site) if site.startswith(("so-", "ban-"))]
    assert len(agency) == 9
    args = [HATANG, "deploy", str(lab.inventory), "--lab", "--out", str(lab.out), "--commit"]
    args += ["--templates", str(templates_changed), "--wave", "agency-1", "--parallel", "3"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed = threading.Event()

    def kill() -> None:
        proc.send_signal(signal.SIGKILL)
        killed.set()

    watcher = _when_committed(lab, agency[0], kill)
    proc.wait(timeout=600)
    watcher.join(timeout=5)
    assert killed.is_set()
    assert proc.returncode == -signal.SIGKILL
    run = lab.last_run()
    assert not [e for e in lab.events(run) if e["event"] == "wave-end"]
    assert _pending(lab, agency)  # left pending: these would revert by themselves
    resumed = hatang("deploy", "--resume", run.name, "--out", str(lab.out))
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    events = lab.events(run)
    assert any(e["event"] == "resume" for e in events)
    ends = [e for e in events if e["event"] == "wave-end"]
    assert [(e["wave"], e["passed"]) for e in ends] == [("agency-1", True)]
    assert all("log timestamp precision 6" in lab.running(d) for d in agency)
    assert not _pending(lab, agency)


def test_down_leaves_nothing_behind_and_can_run_again(lab: Lab) -> None:
    paths = control.LabPaths.of(LAB)
    down = hatang("lab", "down", str(lab.inventory))
    assert down.returncode == 0
    assert "namespaces" in down.stdout
    assert_nothing_left(paths.root)
    again = hatang("lab", "down", str(lab.inventory))
    assert again.returncode == 0
    assert "nothing to remove" in again.stdout


def assert_nothing_left(root: Path) -> None:
    """No namespace, link, mount or process of the test lab remains."""
    assert not os_nodes.netns_list(f"hl.{LAB}.")
    assert not os_nodes.link_names(control.link_prefix(LAB))
    assert not os_nodes.mounts_under(root)
    chrooted = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.readlink(entry / "root").startswith(str(root)):
                    chrooted.append(entry.name)
            except OSError:
                continue
    assert not chrooted
    assert not root.exists()


def test_down_after_a_crashed_up_leaves_nothing(lab: Lab) -> None:
    proc = subprocess.Popen(
        [HATANG, "lab", "up", str(lab.inventory)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not os_nodes.mounts_under(control.LabPaths.of(LAB).nodes):
        time.sleep(0.05)
    while time.monotonic() < deadline and len(os_nodes.mounts_under(control.LabPaths.of(LAB).nodes)) < 5:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert os_nodes.netns_list(f"hl.{LAB}.")  # the crash left things behind
    down = hatang("lab", "down", "--name", LAB)
    assert down.returncode == 0, down.stderr
    assert_nothing_left(control.LabPaths.of(LAB).root)
