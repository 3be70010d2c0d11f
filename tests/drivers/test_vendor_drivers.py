"""The driver contract for the vendor platforms that cannot run here, through NAPALM's MockDriver.

Recorded outputs live in ``recordings/<platform>/<case>/<method>.<n>`` (the MockDriver's layout: the n-th call of
a method in a test reads file n); ``recordings/<platform>/inputs.json`` holds the candidates and the ping target.
``recordings/broken/`` holds outputs of misbehaving drivers that the contract must reject, and
``recordings/<platform>/issue_*`` pins what a real vendor driver is known to return.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import napalm
import pytest
from napalm.base import NetworkDriver, models
from napalm.base.mock import MockDriver

from .contract import Candidates, DriverContract, shape_errors

# napalm-huawei-vrp imports telnetlib (through netmiko), deprecated since Python 3.11.
pytestmark = pytest.mark.filterwarnings("ignore:'telnetlib' is deprecated:DeprecationWarning")

RECORDINGS = Path(__file__).parent / "recordings"
PLATFORMS = ("ios", "eos", "junos", "huawei_vrp")
DRIVER_CLASSES = {
    "ios": "napalm.ios.ios.IOSDriver",
    "eos": "napalm.eos.eos.EOSDriver",
    "junos": "napalm.junos.junos.JunOSDriver",
    "huawei_vrp": "napalm_huawei_vrp.huawei_vrp.VRPDriver",
}
VRP_GAP = (
    "napalm-huawei-vrp 1.2.0 has no commit-confirm (commit_config(message) without revert_in, NAPALM's stubs for "
    "confirm_commit/has_pending_commit) and older signatures for get_config (no sanitized), ping (no "
    "source_interface) and cli (no encoding)"
)
KNOWN_GAPS = {
    ("huawei_vrp", "test_method_signatures"): VRP_GAP,
    ("huawei_vrp", "test_implements_contract"): VRP_GAP,
}


def mock_driver(path: Path) -> MockDriver:
    assert path.is_dir(), f"no recordings in {path}"
    driver = MockDriver("mock", "user", "", optional_args={"path": str(path)})
    driver.open()
    return driver


@pytest.mark.parametrize("name", PLATFORMS)
def test_get_network_driver_resolves_the_real_class(name: str) -> None:
    cls = napalm.get_network_driver(name)
    assert f"{cls.__module__}.{cls.__qualname__}" == DRIVER_CLASSES[name]
    assert issubclass(cls, NetworkDriver)
    assert cls is not MockDriver


@pytest.fixture(params=PLATFORMS)
def platform(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


class TestVendorContract(DriverContract):
    extra_methods = None  # vendor drivers may carry their own helpers

    @pytest.fixture(autouse=True)
    def _known_gaps(self, request: pytest.FixtureRequest, platform: str) -> None:
        reason = KNOWN_GAPS.get((platform, request.node.originalname))
        if reason:
            request.applymarker(pytest.mark.xfail(reason=reason, strict=True))

    @pytest.fixture
    def driver_class(self, platform: str) -> type[NetworkDriver]:
        cls: type[NetworkDriver] = napalm.get_network_driver(platform)
        return cls

    @pytest.fixture
    def inputs(self, platform: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((RECORDINGS / platform / "inputs.json").read_text(encoding="utf-8"))
        return data

    @pytest.fixture
    def driver(self, request: pytest.FixtureRequest, platform: str) -> Iterator[MockDriver]:
        driver = mock_driver(RECORDINGS / platform / self.case_of(request.node.originalname))
        yield driver
        driver.close()

    @pytest.fixture
    def candidates(self, inputs: dict[str, Any]) -> Candidates:
        return Candidates(**inputs["candidates"])

    @pytest.fixture
    def ping_target(self, inputs: dict[str, Any]) -> str:
        target: str = inputs["ping_target"]
        return target


# -- the contract rejects misbehaving drivers -----------------------------------------------------------------------


def ios_candidates() -> Candidates:
    return Candidates(**json.loads((RECORDINGS / "ios" / "inputs.json").read_text(encoding="utf-8"))["candidates"])


@pytest.mark.parametrize(
    ("case", "test"),
    [
        ("discard_keeps_candidate", "test_load_compare_discard"),
        ("rollback_keeps_change", "test_rollback"),
    ],
)
def test_contract_rejects_broken_config_handling(case: str, test: str) -> None:
    driver = mock_driver(RECORDINGS / "broken" / case)
    with pytest.raises(AssertionError):
        getattr(DriverContract(), test)(driver, ios_candidates())


@pytest.mark.parametrize(
    ("case", "test", "message"),
    [
        ("bgp_ipv4_only", "test_get_bgp_neighbors", "expected IPv4 and IPv6 sessions"),
        ("up_but_disabled", "test_get_interfaces", "Loopback0 is up but disabled"),
    ],
)
def test_contract_rejects_broken_getters(case: str, test: str, message: str) -> None:
    driver = mock_driver(RECORDINGS / "broken" / case)
    with pytest.raises(AssertionError, match=message):
        getattr(DriverContract(), test)(driver)


def test_contract_catches_vrp_facts_shape() -> None:
    """napalm-huawei-vrp 1.2.0 returns serial numbers as a list and uptime as an int: hatang must normalise them."""
    facts = mock_driver(RECORDINGS / "huawei_vrp" / "issue_facts_serial_list").get_facts()
    assert shape_errors(models.FactsDict, facts) == [
        "$['serial_number']: expected str, got list ['2102351931P0K8000123']",
        "$['uptime']: expected float, got int 2592060",
    ]
    with pytest.raises(pytest.fail.Exception, match="serial_number"):
        DriverContract().test_get_facts(mock_driver(RECORDINGS / "huawei_vrp" / "issue_facts_serial_list"))
