"""The FRR driver against two real FRR nodes (r1, r2 joined by eth1): the contract, then FRR's own behaviour."""

from __future__ import annotations

import ipaddress
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import napalm
import pytest
from napalm.base.exceptions import (
    CommandErrorException,
    CommitError,
    ConnectionClosedException,
    ConnectionException,
    ReplaceConfigException,
)

from infra.deploy.drivers.frr import FRRDriver, OSPFNeighborsDict

from ._nodes import R1, R2, Node
from .contract import Candidates, DriverContract, running

BASELINE = "/etc/frr/drvt-baseline.conf"
STATE_DIR = "/var/lib/hatang"
T = TypeVar("T")


def open_driver(node: Node, hostname: str | None = None, **options: Any) -> FRRDriver:
    args = {"port": node.port, "key_file": node.key_file, "known_hosts": node.known_hosts, **options}
    driver = FRRDriver(hostname or node.host, node.username, "", timeout=30, optional_args=args)
    driver.open()
    return driver


def sh(node: Node, command: str) -> str:
    result = node.run(command)
    assert result.returncode == 0, f"{command!r} on {node.name}: {result.stderr}"
    return result.stdout


def reset(node: Node) -> None:
    """Back to the node's starting configuration, with no timer left and no driver state on the device."""
    norm = "grep -v -x -e '!' -e end"
    sh(
        node,
        f"for f in pending.pid firing.pid; do [ -s {STATE_DIR}/$f ] && kill -KILL -- -$(cat {STATE_DIR}/$f); done;"
        f" rm -rf {STATE_DIR}; {norm} {BASELINE} > /tmp/base.norm;"
        f" vtysh -c 'show running-config' | sed '1,/^Current configuration:/d' | {norm} > /tmp/running.norm;"
        f" {norm} /etc/frr/frr.conf > /tmp/startup.norm;"
        " if ! cmp -s /tmp/base.norm /tmp/running.norm; then"
        f"   /usr/lib/frr/frr-reload.py --reload {BASELINE} >/dev/null 2>&1 || exit 1; fi;"
        " cmp -s /tmp/base.norm /tmp/startup.norm || vtysh -c 'write memory' >/dev/null",
    )


def eventually(what: str, probe: Callable[[], T | None], timeout: float = 60.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(0.5)


@pytest.fixture
def r1(frr_pair: tuple[Node, Node]) -> Iterator[Node]:
    yield frr_pair[0]
    reset(frr_pair[0])


@pytest.fixture
def r2(frr_pair: tuple[Node, Node]) -> Node:
    return frr_pair[1]


@pytest.fixture
def driver(r1: Node) -> Iterator[FRRDriver]:
    driver = open_driver(r1)
    yield driver
    driver.close()


@pytest.fixture
def baseline(r1: Node) -> str:
    return sh(r1, f"cat {BASELINE}")


CHANGED = "ip prefix-list DRVT-C seq 5 permit 192.0.2.0/24"
MERGED = "ip prefix-list DRVT-M seq 5 permit 198.51.100.0/24"
BAD = "interface eth1\n bogus-command 42\nexit\n"


@pytest.fixture
def candidates(baseline: str) -> Candidates:
    replace = baseline.replace("description link to r2", "description changed") + CHANGED + "\n"
    return Candidates(replace=replace, merge=MERGED + "\n", bad=BAD)


class TestFRRContract(DriverContract):
    extra_methods = frozenset({"get_ospf_neighbors"})

    @pytest.fixture
    def driver_class(self) -> type[FRRDriver]:
        return FRRDriver

    @pytest.fixture
    def ping_target(self) -> str:
        return R1.peer_v6


def test_registered_with_napalm() -> None:
    assert napalm.get_network_driver("frr") is FRRDriver


# -- candidate, diff, commit ----------------------------------------------------------------------------------------


def test_replace_diff_names_blocks_and_lines(driver: FRRDriver, candidates: Candidates) -> None:
    driver.load_replace_candidate(config=candidates.replace)
    diff = driver.compare_config().splitlines()
    assert diff == [" interface eth1", "- description link to r2", "+ description changed", f"+{CHANGED}"]


def test_replace_diff_of_nested_block(driver: FRRDriver, baseline: str) -> None:
    driver.load_replace_candidate(config=baseline.replace("  network 203.0.113.1/32\n", ""))
    assert driver.compare_config().splitlines() == [
        " router bgp 64901",
        "  address-family ipv4 unicast",
        "-  network 203.0.113.1/32",
    ]


def test_merge_diff_shows_only_new_lines(driver: FRRDriver) -> None:
    driver.load_merge_candidate(config=f"interface eth1\n description link to r2\n bandwidth 1000\nexit\n{MERGED}\n")
    assert driver.compare_config().splitlines() == [" interface eth1", "+ bandwidth 1000", f"+{MERGED}"]


def test_replace_removes_lines_not_in_candidate(driver: FRRDriver, baseline: str) -> None:
    before = running(driver)
    driver.load_merge_candidate(config=MERGED)
    driver.commit_config()
    assert MERGED in running(driver)
    driver.load_replace_candidate(config=baseline)
    assert driver.compare_config() == f"-{MERGED}\n"
    driver.commit_config()
    assert running(driver) == before


def test_merge_keeps_existing_lines(driver: FRRDriver) -> None:
    before = running(driver)
    driver.load_merge_candidate(config=MERGED)
    driver.commit_config()
    after = running(driver).splitlines()
    assert MERGED in after
    assert [line for line in after if line not in (MERGED, "!")] == [
        line for line in before.splitlines() if line != "!"
    ]


def test_commit_saves_startup_config(driver: FRRDriver, r1: Node) -> None:
    driver.load_merge_candidate(config=MERGED)
    driver.commit_config()
    assert MERGED in sh(r1, "cat /etc/frr/frr.conf")
    assert driver.get_config(retrieve="startup")["startup"] == sh(r1, "cat /etc/frr/frr.conf")


def test_bad_syntax_rejected_and_running_unchanged(driver: FRRDriver, r1: Node) -> None:
    before = running(driver)
    with pytest.raises(ReplaceConfigException, match=r"Unknown command.*bogus-command 42") as caught:
        driver.load_replace_candidate(config=BAD)
    assert r1.host in str(caught.value)
    assert running(driver) == before
    assert sh(r1, f"ls -A {STATE_DIR}").split() == []
    with pytest.raises(CommitError, match="no candidate"):
        driver.commit_config()


def test_failed_apply_restores_previous_config(driver: FRRDriver) -> None:
    before = running(driver)
    driver.load_merge_candidate(config=f"{MERGED}\nrouter bgp 64999\nexit\n")  # valid syntax, wrong AS
    with pytest.raises(CommitError, match="previous configuration restored"):
        driver.commit_config()
    assert running(driver) == before


def test_load_from_file(driver: FRRDriver, tmp_path: Path) -> None:
    path = tmp_path / "merge.conf"
    path.write_text(MERGED + "\n")
    driver.load_merge_candidate(filename=str(path))
    assert driver.compare_config() == f"+{MERGED}\n"
    assert driver.get_config(retrieve="candidate")["candidate"] == MERGED + "\n"


def test_state_files_are_private(driver: FRRDriver, r1: Node) -> None:
    driver.load_merge_candidate(config=MERGED)
    modes = sh(r1, f"stat -c '%n %a' {STATE_DIR} {STATE_DIR}/candidate.conf").split()
    assert modes == [STATE_DIR, "700", f"{STATE_DIR}/candidate.conf", "600"]
    driver.commit_config()
    assert sh(r1, f"stat -c %a {STATE_DIR}/rollback.conf").strip() == "600"
    assert "Current configuration" not in sh(r1, f"cat {STATE_DIR}/rollback.conf")


# -- commit confirm and rollback ------------------------------------------------------------------------------------


def test_unconfirmed_commit_reverts_by_itself(driver: FRRDriver, r1: Node) -> None:
    before = running(driver)
    driver.load_merge_candidate(config=MERGED)
    driver.commit_config(revert_in=3)
    assert driver.has_pending_commit()
    assert MERGED in running(driver)
    assert MERGED not in sh(r1, "cat /etc/frr/frr.conf"), "an unconfirmed commit is not saved: a reboot reverts it"
    eventually("the revert", lambda: True if not driver.has_pending_commit() and running(driver) == before else None)
    eventually(
        "the timer to finish", lambda: True if sh(r1, f"ls -A {STATE_DIR}").split() == ["rollback.conf"] else None
    )
    assert MERGED not in sh(r1, "cat /etc/frr/frr.conf"), "the startup configuration is still the confirmed one"
    with pytest.raises(CommitError, match="no pending commit"):
        driver.confirm_commit()


def test_confirm_cancels_the_revert(driver: FRRDriver, r1: Node) -> None:
    driver.load_merge_candidate(config=MERGED)
    driver.commit_config(revert_in=3)
    pid = sh(r1, f"cat {STATE_DIR}/pending.pid").strip()
    assert MERGED not in sh(r1, "cat /etc/frr/frr.conf")
    driver.confirm_commit()
    assert MERGED in sh(r1, "cat /etc/frr/frr.conf"), "confirming saves the configuration"
    assert not driver.has_pending_commit()
    assert r1.run(f"kill -0 {pid}").returncode != 0, "the timer process must be gone"
    time.sleep(4)
    assert MERGED in running(driver)
    assert MERGED in sh(r1, "cat /etc/frr/frr.conf")


def test_pending_commit_survives_reconnect(driver: FRRDriver, r1: Node) -> None:
    driver.load_merge_candidate(config=MERGED)
    driver.commit_config(revert_in=30)
    driver.close()
    other = open_driver(r1)
    try:
        assert other.has_pending_commit()
        other.rollback()
        assert not other.has_pending_commit()
        assert MERGED not in running(other)
    finally:
        other.close()


def test_no_commit_while_a_revert_runs(driver: FRRDriver, r1: Node) -> None:
    driver.load_merge_candidate(config=MERGED)
    driver.commit_config()
    sh(
        r1, f"sleep 30 >/dev/null 2>&1 & echo $! > {STATE_DIR}/firing.pid"
    )  # a revert in progress, as the timer marks it
    try:
        driver.load_merge_candidate(config=MERGED)
        with pytest.raises(CommitError, match="being reverted"):
            driver.commit_config()
        with pytest.raises(CommitError, match="being reverted"):
            driver.rollback()
        assert not driver.has_pending_commit()
    finally:
        sh(r1, f"kill $(cat {STATE_DIR}/firing.pid)")


def test_rollback_without_commit_raises(driver: FRRDriver) -> None:
    with pytest.raises(CommitError, match="nothing to roll back"):
        driver.rollback()


def test_confirm_without_pending_raises(driver: FRRDriver) -> None:
    with pytest.raises(CommitError, match="no pending commit"):
        driver.confirm_commit()


# -- connection -----------------------------------------------------------------------------------------------------


def test_unknown_host_key_refused(r1: Node, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    with pytest.raises(ConnectionException, match=r"fd00:0:0:fe::1.*not found in known_hosts"):
        open_driver(r1, known_hosts=str(empty))


def test_changed_host_key_refused(r1: Node, r2: Node, tmp_path: Path) -> None:
    lines = Path(r1.known_hosts).read_text().splitlines()
    r2_key = next(line.split(" ", 1)[1] for line in lines if line.startswith(f"{r2.host} "))
    forged = tmp_path / "known_hosts"
    forged.write_text(f"{r1.host} {r2_key}\n")
    with pytest.raises(ConnectionException, match=r"fd00:0:0:fe::1.*host key changed"):
        open_driver(r1, known_hosts=str(forged))


def test_bracketed_ipv6_hostname(r1: Node) -> None:
    driver = open_driver(r1, hostname=f"[{r1.host}]")
    try:
        assert driver.is_alive() == {"is_alive": True}
    finally:
        driver.close()
    assert driver.is_alive() == {"is_alive": False}
    with pytest.raises(ConnectionClosedException):
        driver.get_facts()


def test_sudo_option_sends_every_command_through_sudo(r1: Node) -> None:
    # sudo logs every command it runs to a file of this test's: the driver's commands all show there
    log = "/tmp/hatang-sudo-test.log"
    r1.run(f"rm -f {log}; printf 'Defaults logfile={log}\\nDefaults loglinelen=0\\n' > /etc/sudoers.d/zz-test")
    try:
        driver = open_driver(r1, sudo=True)
        try:
            assert driver.get_facts()["hostname"]
            driver.cli(["show version"])
        finally:
            driver.close()
        logged = r1.run(f"cat {log}").stdout
    finally:
        r1.run(f"rm -f /etc/sudoers.d/zz-test {log}")
    commands = [line.split("COMMAND=", 1)[1] for line in logged.splitlines() if "COMMAND=" in line]
    assert any("vtysh" in c and "show version" in c for c in commands), commands
    assert any("mkdir" in c for c in commands), commands  # the state folder, the first command of all


# -- getters, with real adjacencies ---------------------------------------------------------------------------------


def ospf_full(driver: FRRDriver) -> OSPFNeighborsDict | None:
    found = driver.get_ospf_neighbors()
    return found if all(any(n["state"] == "Full" for n in found[afi]) for afi in ("ipv4", "ipv6")) else None


def test_ospf_adjacencies(driver: FRRDriver, r2: Node) -> None:
    found = eventually("OSPFv2 and OSPFv3 adjacencies", lambda: ospf_full(driver))
    r2_eth1 = json.loads(sh(r2, "ip -j addr show eth1"))[0]["addr_info"]
    link_local = next(a["local"] for a in r2_eth1 if a["family"] == "inet6" and a["local"].startswith("fe80:"))
    assert found["ipv4"] == [{"neighbor_id": R2.router_id, "interface": "eth1", "state": "Full", "address": R2.link_v4}]
    assert found["ipv6"] == [{"neighbor_id": R2.router_id, "interface": "eth1", "state": "Full", "address": link_local}]


def bgp_up(driver: FRRDriver) -> dict[str, Any] | None:
    peers = driver.get_bgp_neighbors()["global"]["peers"]
    ok = all(
        p["is_up"] and all(af["received_prefixes"] >= 1 for af in p["address_family"].values()) for p in peers.values()
    )
    return dict(peers) if ok and len(peers) == 2 else None


def test_bgp_sessions_v4_and_v6(driver: FRRDriver) -> None:
    peers = eventually("both BGP sessions with routes", lambda: bgp_up(driver))
    assert driver.get_bgp_neighbors()["global"]["router_id"] == R1.router_id
    v4, v6 = peers[R2.link_v4], peers[R2.link_v6]
    for peer, afi, description in ((v4, "ipv4", "v4 session"), (v6, "ipv6", "v6 session")):
        assert (peer["local_as"], peer["remote_as"], peer["remote_id"]) == (R1.asn, R2.asn, R2.router_id)
        assert peer["is_enabled"]
        assert peer["description"] == description
        assert list(peer["address_family"]) == [afi]
        counters = peer["address_family"][afi]
        assert counters["received_prefixes"] == counters["accepted_prefixes"] == 1  # r2's loopback
        assert counters["sent_prefixes"] >= 1
        assert peer["uptime"] >= 0


def test_bgp_shutdown_peer_is_disabled(driver: FRRDriver) -> None:
    driver.load_merge_candidate(config=f"router bgp {R1.asn}\n neighbor {R2.link_v4} shutdown\nexit\n")
    driver.commit_config()
    peer = driver.get_bgp_neighbors()["global"]["peers"][R2.link_v4]
    assert (peer["is_up"], peer["is_enabled"]) == (False, False)


def test_ping_v4_and_v6_across_the_routed_link(driver: FRRDriver) -> None:
    eventually("routes to r2's loopbacks", lambda: bgp_up(driver))
    for target, source in ((R2.router_id, R1.router_id), (R2.loop_v6, R1.loop_v6)):
        result = driver.ping(target, source=source, count=2, size=64, ttl=8, timeout=1)
        assert "success" in result, result
        assert result["success"]["packet_loss"] == 0
        assert [r["ip_address"] for r in result["success"]["results"]] == [target, target]


def test_ping_failures(driver: FRRDriver) -> None:
    lost = driver.ping("2001:db8:fe:12::99", count=2, timeout=1)  # on-link, nobody there
    assert lost == {
        "success": {
            "probes_sent": 2,
            "packet_loss": 2,
            "rtt_min": 0.0,
            "rtt_max": 0.0,
            "rtt_avg": 0.0,
            "rtt_stddev": 0.0,
            "results": [],
        }
    }
    assert "error" in driver.ping("-f")  # never taken for an option
    unreachable = driver.ping("2001:db8:dead::1", count=1)
    assert set(unreachable) == {"error"}
    assert "unreachable" in unreachable["error"]


def test_interfaces_details(driver: FRRDriver, r1: Node) -> None:
    interfaces = driver.get_interfaces()
    assert set(interfaces) == {"lo", "mgmt0", "eth1"}
    eth1 = interfaces["eth1"]
    mac = sh(r1, "cat /sys/class/net/eth1/address").strip().upper()
    assert eth1 == {
        "is_up": True,
        "is_enabled": True,
        "description": "link to r2",
        "last_flapped": -1.0,
        "mtu": 1500,
        "speed": 10000.0,
        "mac_address": mac,
    }
    assert interfaces["lo"]["is_up"]
    assert interfaces["lo"]["speed"] == -1.0
    sh(r1, "ip link set mgmt0 mtu 1400")  # not FRR's; the getter reads the kernel
    assert driver.get_interfaces()["mgmt0"]["mtu"] == 1400
    sh(r1, "ip link set mgmt0 mtu 1500")


def test_interfaces_ip_details(driver: FRRDriver) -> None:
    addresses = driver.get_interfaces_ip()
    eth1 = addresses["eth1"]
    assert eth1["ipv4"] == {R1.link_v4: {"prefix_length": 31}}
    assert eth1["ipv6"][R1.link_v6] == {"prefix_length": 64}
    link_local = [a for a in eth1["ipv6"] if ipaddress.IPv6Address(a).is_link_local]
    assert len(link_local) == 1
    assert eth1["ipv6"][link_local[0]] == {"prefix_length": 64}
    assert addresses["lo"]["ipv4"][R1.router_id] == {"prefix_length": 32}
    assert addresses["lo"]["ipv6"][R1.loop_v6] == {"prefix_length": 128}
    assert addresses["mgmt0"]["ipv6"][R1.mgmt_addr] == {"prefix_length": 64}


def test_facts_details(driver: FRRDriver, r1: Node) -> None:
    facts = driver.get_facts()
    assert facts["vendor"] == "FRRouting"
    assert facts["os_version"] in sh(r1, "vtysh -c 'show version'").splitlines()[0]
    assert facts["os_version"].split(".")[0].isdigit()
    assert (facts["hostname"], facts["fqdn"]) == ("r1", "r1.drvt.test")
    assert facts["serial_number"] == sh(r1, "cat /etc/machine-id").strip()
    assert facts["interface_list"] == ["eth1", "lo", "mgmt0"]


def test_cli(driver: FRRDriver) -> None:
    out = driver.cli(["show version", "show running-config"])
    assert isinstance(out["show version"], str)
    assert out["show version"].startswith("FRRouting")
    assert "hostname r1" in str(out["show running-config"])
    parsed = driver.cli(["show ip ospf neighbor json"], encoding="json")["show ip ospf neighbor json"]
    assert isinstance(parsed, dict)
    assert "neighbors" in parsed
    with pytest.raises(CommandErrorException, match="Unknown command"):
        driver.cli(["show no-such-thing"])
    with pytest.raises(CommandErrorException, match="did not print JSON"):
        driver.cli(["show version"], encoding="json")


def test_sanitized_config_hides_keys(driver: FRRDriver) -> None:
    driver.load_merge_candidate(config="interface lo\n ip ospf authentication-key Zx9Qw7Pe\nexit\n")
    assert "Zx9Qw7Pe" in driver.get_config(retrieve="candidate")["candidate"]
    assert "Zx9Qw7Pe" not in str(driver.get_config(sanitized=True))
    driver.commit_config()
    assert "ip ospf authentication-key Zx9Qw7Pe" in running(driver)
    sanitized = driver.get_config(sanitized=True)
    assert "ip ospf authentication-key <removed>" in sanitized["running"]
    assert "ip ospf authentication-key <removed>" in sanitized["startup"]
    assert "Zx9Qw7Pe" not in str(sanitized)
