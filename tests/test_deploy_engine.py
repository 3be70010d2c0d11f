"""The rollout engine on vendor platforms, through NAPALM's MockDriver and recorded outputs.

No IOS-XE, Junos, EOS or VRP device can run here: these tests prove how the engine uses their NAPALM
drivers (which calls, in which order, with or without a revert timer) with recorded getter outputs in
NAPALM's shapes. Device behaviour itself (a commit really applied, a timer really reverting) is proven on
FRR only, in tests/lab and tests/drivers. MockDriver answers call N of a method from ``<method>.<N>``; a call
with no recording raises NotImplementedError, so an unexpected call fails the test.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from napalm.base.mock import MockDriver

from infra.deploy.engine import Options, Rollout
from infra.deploy.journal import Journal
from infra.deploy.targets import Expect, Fleet, Secrets, Target
from infra.deploy.waves import Wave
from infra.inventory import load

REPO = Path(__file__).resolve().parents[1]
RUNNING = "hostname {name}\ninterface GigabitEthernet0/0/1\n ipv6 address 2001:db8:5400:5::1/127\n"

INTERFACES_UP = {
    "GigabitEthernet0/0/1": {
        "is_up": True, "is_enabled": True, "description": "TSLCD", "last_flapped": -1.0,
        "speed": 1000.0, "mtu": 1500, "mac_address": "00:11:22:33:44:55",
    },
}  # fmt: skip
INTERFACES_IP = {
    "GigabitEthernet0/0/1": {
        "ipv4": {"10.54.0.11": {"prefix_length": 31}},
        "ipv6": {"2001:db8:5400:5::1": {"prefix_length": 127}, "fe80::1": {"prefix_length": 64}},
    }
}
BGP_UP = {
    "global": {
        "router_id": "10.54.32.1",
        "peers": {
            "2001:db8:5400:5::": {
                "local_as": 65054, "remote_as": 64600, "remote_id": "10.255.0.25", "is_up": True,
                "is_enabled": True, "description": "gw", "uptime": 30.0,
                "address_family": {"ipv6": {"received_prefixes": 3, "accepted_prefixes": 3, "sent_prefixes": 1}},
            },
            "10.54.0.10": {
                "local_as": 65054, "remote_as": 64600, "remote_id": "10.255.0.25", "is_up": True,
                "is_enabled": True, "description": "gw", "uptime": 30.0,
                "address_family": {"ipv4": {"received_prefixes": 3, "accepted_prefixes": 3, "sent_prefixes": 1}},
            },
        },
    }
}  # fmt: skip
PING_OK = {
    "success": {
        "probes_sent": 2, "packet_loss": 0, "rtt_min": 0.4, "rtt_max": 0.6, "rtt_avg": 0.5, "rtt_stddev": 0.1,
        "results": [{"ip_address": "2001:db8:5400:5::", "rtt": 0.5}],
    }
}  # fmt: skip
EXPECT = Expect(
    interfaces={"GigabitEthernet0/0/1": ("10.54.0.11", "2001:db8:5400:5::1")},
    bgp=("2001:db8:5400:5::", "10.54.0.10"),
    ping_gateway=("2001:db8:5400:5::",),
    ping_source_v6="2001:db8:5420:1000::1",
    ping_source_v4="10.54.32.1",
)


def record(folder: Path, calls: dict[str, Any]) -> Path:
    """Write one device's recorded outputs: ``{"method.N": result}``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, value in calls.items():
        (folder / name).write_text(json.dumps(value))
    return folder


def healthy(name: str, diff: str) -> dict[str, Any]:
    """The calls of a device that takes its candidate and passes every post-check."""
    return {
        "get_config.1": {"running": RUNNING.format(name=name), "startup": "", "candidate": ""},
        "load_replace_candidate.1": {},
        "compare_config.1": {"diff": diff},
        "commit_config.1": {},
        "get_interfaces.1": INTERFACES_UP,
        "get_interfaces_ip.1": INTERFACES_IP,
        "get_bgp_neighbors.1": BGP_UP,
        "ping.1": PING_OK,
    }


def reverting(calls: dict[str, Any], first: int = 2) -> dict[str, Any]:
    """Add the calls of putting a device back: load the backup, diff, commit, load again, empty diff, discard.

    ``first`` is the number of the first load of the backup (later when an earlier attempt failed).
    """
    return {
        **calls,
        f"load_replace_candidate.{first}": {},
        "compare_config.2": {"diff": "-ipv6 address 2001:db8:5400:5::1/127"},
        "commit_config.2": {},
        f"load_replace_candidate.{first + 1}": {},
        "compare_config.3": {"diff": ""},
        "discard_config.1": {},
    }


TIMEOUT = {"exception": "napalm.base.exceptions.CommandTimeoutException", "args": ["did not finish within 120s"]}


def interface_down(calls: dict[str, Any]) -> dict[str, Any]:
    """The device's first post-check finds its interface down."""
    return {**calls, "get_interfaces.1": {k: {**v, "is_up": False} for k, v in INTERFACES_UP.items()}}


def target(name: str, driver: str, platform: str) -> Target:
    return Target(name, name.rsplit("-", 1)[0], "agency", platform, driver, "2001:db8:5420:1099::1", "ops", "",
                  {}, "hostname x\n neighbor x password ${secret:bgp-key}\n", EXPECT)  # fmt: skip


class Recorded:
    """Opens MockDriver on each device's recordings and keeps the drivers for inspection."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.drivers: dict[str, MockDriver] = {}

    def __call__(self, t: Target) -> MockDriver:
        driver = MockDriver(t.host, t.username, t.password, optional_args={"path": str(self.root / t.name)})
        driver.open()
        self.drivers[t.name] = driver
        return driver


@pytest.fixture(scope="module")
def inv_fleet_parts() -> Any:
    return load(REPO / "inventory")


def run(tmp_path: Path, inv: Any, targets: list[Target], *, commit: bool, budget: int = 0) -> tuple[Any, Recorded]:
    fleet = Fleet(inv, None, {t.name: t for t in targets}, Secrets({"bgp-key": "k-e-y-value"}), {})  # type: ignore[arg-type]
    opener = Recorded(tmp_path / "rec")
    journal = Journal.create(tmp_path / "build", {"waves": []})
    options = Options(commit=commit, parallel=2, check_timeout=0.0, check_interval=0.0)
    wave = Wave("agency-1", tuple(t.site for t in targets), tuple(t.name for t in targets), budget)
    result = Rollout(fleet, journal, options, opener=opener).run([wave])
    return result, opener


def test_dry_run_loads_diffs_and_discards_explicitly(tmp_path: Path, inv_fleet_parts: Any) -> None:
    for name in ("a-ce1", "b-ce1"):
        record(tmp_path / "rec" / name, {"load_replace_candidate.1": {}, "compare_config.1": {"diff": "+ntp k-e-y-value"},  # noqa: E501
                                         "discard_config.1": {}})  # fmt: skip
    result, opener = run(
        tmp_path,
        inv_fleet_parts,
        [target("a-ce1", "ios", "cisco_ios"), target("b-ce1", "ios", "cisco_ios")],
        commit=False,
    )
    assert not result.failed
    assert [d.status for d in result.waves[0].devices] == ["dry-run", "dry-run"]
    for name, driver in opener.drivers.items():
        assert driver.calls == {"load_replace_candidate": 1, "compare_config": 1, "discard_config": 1}, name
        assert driver.config is None  # discarded
    diffs = list((tmp_path / "build" / "runs").glob("*/diffs/a-ce1.diff"))
    assert diffs
    assert diffs[0].read_text() == "+ntp ${secret:bgp-key}"


def test_ios_commits_without_a_timer_and_is_not_asked_to_confirm(tmp_path: Path, inv_fleet_parts: Any) -> None:
    record(tmp_path / "rec" / "a-ce1", healthy("a-ce1", "+ipv6 address 2001:db8:5400:5::1/127"))
    result, opener = run(tmp_path, inv_fleet_parts, [target("a-ce1", "ios", "cisco_ios")], commit=True)
    device = result.waves[0].devices[0]
    assert (device.status, device.failed) == ("confirmed", False)
    assert not opener.drivers["a-ce1"].has_pending_commit()
    assert "confirm_commit" not in opener.drivers["a-ce1"].calls
    assert {c.name for c in device.checks} == {"interfaces-up", "addresses", "bgp-ipv4", "bgp-ipv6", "ping-gateway"}


def test_junos_commits_with_a_revert_timer_then_confirms(tmp_path: Path, inv_fleet_parts: Any) -> None:
    record(tmp_path / "rec" / "a-fw1", {**healthy("a-fw1", "+set interfaces"), "confirm_commit.1": {}})
    result, opener = run(tmp_path, inv_fleet_parts, [target("a-fw1", "junos", "juniper_junos")], commit=True)
    assert result.waves[0].devices[0].status == "confirmed"
    assert opener.drivers["a-fw1"].calls["confirm_commit"] == 1
    assert not opener.drivers["a-fw1"].has_pending_commit()


def test_a_failed_post_check_reverts_the_whole_wave_and_says_so(tmp_path: Path, inv_fleet_parts: Any) -> None:
    record(tmp_path / "rec" / "a-ce1", reverting(healthy("a-ce1", "+ipv6 address 2001:db8:5400:5::1/127")))
    record(tmp_path / "rec" / "b-ce1", reverting(interface_down(healthy("b-ce1", "+x"))))
    result, opener = run(
        tmp_path,
        inv_fleet_parts,
        [target("a-ce1", "ios", "cisco_ios"), target("b-ce1", "ios", "cisco_ios")],
        commit=True,
    )
    wave = result.waves[0]
    assert result.halted == "agency-1"
    assert wave.reverted
    assert not wave.passed
    assert [d.device for d in wave.failed_devices] == ["b-ce1"]
    failed = next(c for c in wave.failed_devices[0].checks if c.ok is False)
    assert (failed.name, failed.detail) == ("interfaces-up", "GigabitEthernet0/0/1 down")
    assert {d.device: (d.status, d.reverted) for d in wave.devices} == {
        "a-ce1": ("reverted", True),
        "b-ce1": ("reverted", True),
    }
    assert all(d.calls["commit_config"] == 2 for d in opener.drivers.values())  # the candidate, then the backup


def test_a_failure_within_the_budget_reverts_only_that_device(tmp_path: Path, inv_fleet_parts: Any) -> None:
    record(tmp_path / "rec" / "a-ce1", healthy("a-ce1", "+x"))
    rejected = {"exception": "napalm.base.exceptions.ReplaceConfigException", "args": ["% Invalid input k-e-y-value"]}
    record(tmp_path / "rec" / "b-ce1", {"load_replace_candidate.1": rejected,
                                         "get_config.1": {"running": "hostname b", "startup": "", "candidate": ""},
                                         "discard_config.1": {}})  # fmt: skip
    result, _ = run(
        tmp_path,
        inv_fleet_parts,
        [target("a-ce1", "ios", "cisco_ios"), target("b-ce1", "ios", "cisco_ios")],
        commit=True,
        budget=1,
    )
    wave = result.waves[0]
    assert wave.passed
    assert result.halted is None
    assert result.failed
    states = {d.device: (d.status, d.error[:5]) for d in wave.devices}
    assert states == {"a-ce1": ("confirmed", ""), "b-ce1": ("failed", "load:")}
    assert "k-e-y-value" not in wave.devices[1].error
    assert "${secret:bgp-key}" in wave.devices[1].error


def test_a_revert_that_times_out_once_is_tried_again(tmp_path: Path, inv_fleet_parts: Any) -> None:
    calls = reverting(interface_down({**healthy("a-ce1", "+x"), "load_replace_candidate.2": TIMEOUT}), first=3)
    record(tmp_path / "rec" / "a-ce1", calls)
    result, opener = run(tmp_path, inv_fleet_parts, [target("a-ce1", "ios", "cisco_ios")], commit=True)
    device = result.waves[0].devices[0]
    assert (device.status, device.reverted) == ("reverted", True)
    assert device.error == ""  # the failed post-check stays the reason, not the retried revert
    assert opener.drivers["a-ce1"].calls["load_replace_candidate"] == 4


def test_a_revert_that_keeps_failing_says_not_verified(tmp_path: Path, inv_fleet_parts: Any) -> None:
    calls = interface_down({**healthy("a-ce1", "+x"), "load_replace_candidate.2": TIMEOUT})
    record(tmp_path / "rec" / "a-ce1", {**calls, "load_replace_candidate.3": TIMEOUT})
    result, _ = run(tmp_path, inv_fleet_parts, [target("a-ce1", "ios", "cisco_ios")], commit=True)
    device = result.waves[0].devices[0]
    assert (device.status, device.reverted) == ("failed", False)
    from infra.deploy.report import markdown

    assert "`a-ce1` (agency-1, step revert)" in markdown(result)
    assert "NOT verified back" in markdown(result)
