"""The contract every NAPALM driver hatang deploys through must pass.

A subclass provides these fixtures:

* ``driver_class``: the driver class itself (its method signatures are checked against NAPALM's base class);
* ``driver``: an opened driver, closed and left as found after the test;
* ``candidates``: a :class:`Candidates` for that device (a replace that changes something, merge lines, a
  configuration the device rejects);
* ``ping_target``: an address the device can reach.

Getter results are checked against napalm.base.models TypedDicts (every key, every value's type, recursively),
plus what hatang relies on: interface names agree between getters, addresses parse, BGP peers are addresses.
The configuration tests walk NAPALM's load -> compare -> commit/discard/confirm/rollback life cycle and compare
the running configuration before and after.
"""

from __future__ import annotations

import inspect
import ipaddress
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
import typing_extensions
from napalm.base import NetworkDriver, models
from napalm.base.exceptions import CommitError, MergeConfigException, ReplaceConfigException

MAC = re.compile(r"(?:[0-9A-F]{2}:){5}[0-9A-F]{2}")
LOOPBACK = re.compile(r"^(?:lo\d*|Loopback\d+|LoopBack\d+|NULL\d+)(?:\.\d+)?$")
REVERT_IN = 60  # Junos and IOS count commit-confirm timers in whole minutes

# What hatang calls on a driver; each must be implemented (not NAPALM's NotImplementedError stub).
CONTRACT_METHODS = (
    "open",
    "close",
    "is_alive",
    "load_replace_candidate",
    "load_merge_candidate",
    "compare_config",
    "commit_config",
    "discard_config",
    "confirm_commit",
    "has_pending_commit",
    "rollback",
    "get_config",
    "get_facts",
    "get_interfaces",
    "get_interfaces_ip",
    "get_bgp_neighbors",
    "ping",
    "cli",
)


@dataclass(frozen=True)
class Candidates:
    replace: str
    merge: str
    bad: str


# -- shape checks -------------------------------------------------------------------------------------------------


def shape_errors(tp: Any, value: Any, path: str = "$") -> list[str]:
    """Every place where ``value`` does not have type ``tp`` (TypedDicts, dict/list generics, scalars)."""
    if typing_extensions.is_typeddict(tp):
        return _typeddict_errors(tp, value, path)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is typing.Union or origin is types.UnionType:
        options = [shape_errors(arg, value, path) for arg in args]
        return [] if any(not errs for errs in options) else min(options, key=len)
    if tp is dict or origin is dict:
        if not isinstance(value, dict):
            return [f"{path}: expected a dict, got {type(value).__name__}"]
        key_t, val_t = args or (Any, Any)
        errors: list[str] = []
        for key, item in value.items():
            errors += shape_errors(key_t, key, f"{path}.<key {key!r}>") + shape_errors(val_t, item, f"{path}[{key!r}]")
        return errors
    if tp is list or origin is list:
        if not isinstance(value, list):
            return [f"{path}: expected a list, got {type(value).__name__}"]
        item_t = args[0] if args else Any
        return [err for i, item in enumerate(value) for err in shape_errors(item_t, item, f"{path}[{i}]")]
    return _scalar_errors(tp, value, path)


def _typeddict_errors(tp: Any, value: Any, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: expected {tp.__name__}, got {type(value).__name__}"]
    hints = typing.get_type_hints(tp)
    errors = [f"{path}: missing key {key!r}" for key in sorted(tp.__required_keys__ - value.keys())]
    errors += [f"{path}: unexpected key {key!r}" for key in sorted(value.keys() - hints.keys())]
    for key in sorted(value.keys() & hints.keys()):
        errors += shape_errors(hints[key], value[key], f"{path}[{key!r}]")
    return errors


def _scalar_errors(tp: Any, value: Any, path: str) -> list[str]:
    if tp is Any:
        return []
    if tp in (int, float) and isinstance(value, bool):
        return [f"{path}: expected {tp.__name__}, got bool"]
    if not isinstance(value, tp):
        return [f"{path}: expected {tp.__name__}, got {type(value).__name__} {value!r}"]
    return []


def assert_shape(tp: Any, value: Any) -> None:
    __tracebackhide__ = True
    errors = shape_errors(tp, value)
    if errors:
        pytest.fail("result does not match the NAPALM model:\n  " + "\n  ".join(errors[:20]))


def running(driver: NetworkDriver) -> str:
    config = driver.get_config(retrieve="running")
    assert_shape(models.ConfigDict, config)
    text: str = config["running"]
    assert text.strip(), "the running configuration is empty"
    return text


def has_changes(diff: str) -> bool:
    """A diff that shows something; its format is the platform's own (NAPALM's only rule: "" means no change)."""
    return bool(diff.strip())


def methods_of(cls: type) -> dict[str, Callable[..., Any]]:
    return {name: fn for name, fn in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}


class DriverContract:
    """Tests every driver must pass; subclasses supply the fixtures named in the module docstring."""

    # Public methods the driver may add beyond NAPALM's base class (None: any, for drivers hatang does not own).
    extra_methods: ClassVar[frozenset[str] | None] = frozenset()

    @staticmethod
    def case_of(test_name: str) -> str:
        """The recorded case a test reads: every getter test shares ``getters``; the others their own name."""
        name = test_name.removeprefix("test_")
        return "getters" if name.startswith(("get_", "is_alive", "interface_names", "ping")) else name

    # -- the class ----------------------------------------------------------------------------------------------

    def test_method_signatures(self, driver_class: type[NetworkDriver]) -> None:
        """Same arguments and defaults as NAPALM's base class (type hints may differ)."""
        errors = {}
        for name, fn in {"__init__": driver_class.__init__, **methods_of(driver_class)}.items():
            base = getattr(NetworkDriver, name, None)
            if base is None:
                if self.extra_methods is not None and name not in self.extra_methods:
                    errors[name] = "not a NAPALM method"
                continue
            if inspect.getfullargspec(fn)[:4] != inspect.getfullargspec(base)[:4]:
                errors[name] = f"{inspect.signature(fn)} != NAPALM's {inspect.signature(base)}"
        assert not errors, "\n".join(f"{name}: {why}" for name, why in sorted(errors.items()))

    def test_implements_contract(self, driver_class: type[NetworkDriver]) -> None:
        missing = [name for name in CONTRACT_METHODS if getattr(driver_class, name) is getattr(NetworkDriver, name)]
        assert not missing, f"{driver_class.__name__} leaves NAPALM's stubs for {missing}"

    # -- getters ------------------------------------------------------------------------------------------------

    def test_is_alive(self, driver: NetworkDriver) -> None:
        alive = driver.is_alive()
        assert_shape(models.AliveDict, alive)
        assert alive["is_alive"] is True

    def test_get_facts(self, driver: NetworkDriver) -> None:
        facts = driver.get_facts()
        assert_shape(models.FactsDict, facts)
        assert_shape(list[str], facts["interface_list"])
        for key in ("vendor", "os_version", "hostname"):
            assert facts[key].strip(), f"{key} is empty"
        assert facts["uptime"] > 0
        assert facts["interface_list"], "no interfaces listed"

    def test_get_interfaces(self, driver: NetworkDriver) -> None:
        interfaces = driver.get_interfaces()
        assert interfaces, "no interfaces"
        assert_shape(dict[str, models.InterfaceDict], interfaces)
        for name, data in interfaces.items():
            assert data["mtu"] > 0 or LOOPBACK.match(name) or not data["is_up"], f"{name} is up without an MTU"
            assert data["speed"] == -1.0 or data["speed"] >= 0, name
            assert data["last_flapped"] == -1.0 or data["last_flapped"] >= 0, name
            assert data["mac_address"] == "" or MAC.fullmatch(data["mac_address"]), (name, data["mac_address"])
            assert not data["is_up"] or data["is_enabled"], f"{name} is up but disabled"
        assert any(data["is_up"] for data in interfaces.values()), "no interface is up"

    def test_interface_names_agree(self, driver: NetworkDriver) -> None:
        listed = set(driver.get_facts()["interface_list"])
        interfaces = set(driver.get_interfaces())
        assert listed <= interfaces, f"get_facts lists interfaces get_interfaces lacks: {sorted(listed - interfaces)}"
        with_ip = set(driver.get_interfaces_ip())
        assert with_ip <= interfaces, f"addresses on interfaces get_interfaces lacks: {sorted(with_ip - interfaces)}"

    def test_get_interfaces_ip(self, driver: NetworkDriver) -> None:
        addresses = driver.get_interfaces_ip()
        assert_shape(dict[str, models.InterfacesIPDict], addresses)
        seen_v6 = False
        for name, families in addresses.items():
            assert families, f"{name} has no address family"
            v4 = [(4, address, entry) for address, entry in families.get("ipv4", {}).items()]
            v6 = [(6, address, entry) for address, entry in families.get("ipv6", {}).items()]
            for version, address, entry in v4 + v6:
                parsed = ipaddress.ip_address(address)
                assert parsed.version == version, (name, address)
                assert "prefix_length" in entry, (name, address)
                assert 0 <= entry["prefix_length"] <= parsed.max_prefixlen, (name, address)
                seen_v6 |= version == 6 and not parsed.is_link_local
        assert seen_v6, "no global IPv6 address on any interface"

    def test_get_bgp_neighbors(self, driver: NetworkDriver) -> None:
        vrfs = driver.get_bgp_neighbors()
        assert_shape(dict[str, models.BGPStateNeighborsPerVRFDict], vrfs)
        assert "global" in vrfs, "the default VRF must be called 'global'"
        assert vrfs["global"]["peers"], "no BGP peers in the global table"
        for vrf in vrfs.values():
            ipaddress.IPv4Address(vrf["router_id"])
            for address, peer in vrf["peers"].items():
                ipaddress.ip_address(address)
                assert peer["remote_as"] > 0, address
                assert peer["local_as"] > 0, address
                assert not peer["is_up"] or peer["is_enabled"], f"{address} is up but disabled"
                assert set(peer["address_family"]) <= {"ipv4", "ipv6", "l2vpn_evpn", "ipv4_vpn", "ipv6_vpn"}
                for counters in peer["address_family"].values():
                    values = (counters["received_prefixes"], counters["accepted_prefixes"], counters["sent_prefixes"])
                    assert min(values) >= -1, (address, counters)
        families = {afi for vrf in vrfs.values() for peer in vrf["peers"].values() for afi in peer["address_family"]}
        assert {"ipv4", "ipv6"} <= families, f"expected IPv4 and IPv6 sessions, got {families}"

    def test_get_config(self, driver: NetworkDriver) -> None:
        config = driver.get_config()
        assert_shape(models.ConfigDict, config)
        assert config["running"].strip()
        only_running = driver.get_config(retrieve="running")
        assert only_running["startup"] == ""
        assert only_running["candidate"] == ""

    def test_ping(self, driver: NetworkDriver, ping_target: str) -> None:
        result = driver.ping(ping_target, count=3)
        assert_shape(models.PingResultDict, result)
        assert set(result) == {"success"}, result
        success = result["success"]
        assert_shape(list[models.PingResultDictEntry], success["results"])
        assert success["probes_sent"] == 3
        assert success["packet_loss"] == 0
        assert len(success["results"]) == 3
        assert 0 <= success["rtt_min"] <= success["rtt_avg"] <= success["rtt_max"]
        target = ipaddress.ip_address(ping_target)
        assert all(ipaddress.ip_address(r["ip_address"]) == target for r in success["results"])

    # -- configuration ------------------------------------------------------------------------------------------

    def test_load_compare_discard(self, driver: NetworkDriver, candidates: Candidates) -> None:
        before = running(driver)
        driver.load_replace_candidate(config=candidates.replace)
        assert has_changes(driver.compare_config()), "the candidate changes something; the diff must show it"
        driver.discard_config()
        assert driver.compare_config() == ""
        assert running(driver) == before, "load/compare/discard must not change the device"

    def test_commit_then_compare_empty(self, driver: NetworkDriver, candidates: Candidates) -> None:
        before = running(driver)
        driver.load_replace_candidate(config=candidates.replace)
        driver.commit_config()
        assert driver.compare_config() == "", "nothing is loaded after a commit"
        after = running(driver)
        assert after != before, "the commit changed nothing"
        driver.load_replace_candidate(config=candidates.replace)
        assert driver.compare_config() == "", "loading what was just committed must show no change"
        driver.discard_config()
        driver.rollback()
        assert running(driver) == before

    def test_merge_commit(self, driver: NetworkDriver, candidates: Candidates) -> None:
        before = running(driver)
        driver.load_merge_candidate(config=candidates.merge)
        assert has_changes(driver.compare_config())
        driver.commit_config()
        after = running(driver)
        for line in candidates.merge.splitlines():
            assert line.strip() in after, f"merged line {line.strip()!r} is not in the running configuration"
        driver.rollback()
        assert running(driver) == before

    def test_commit_confirm(self, driver: NetworkDriver, candidates: Candidates) -> None:
        before = running(driver)
        driver.load_replace_candidate(config=candidates.replace)
        driver.commit_config(revert_in=REVERT_IN)
        assert driver.has_pending_commit() is True
        driver.load_replace_candidate(config=candidates.replace)
        with pytest.raises(CommitError):
            driver.commit_config(revert_in=REVERT_IN)
        driver.discard_config()
        driver.confirm_commit()
        assert driver.has_pending_commit() is False
        assert running(driver) != before, "a confirmed commit stays"
        driver.rollback()
        assert running(driver) == before

    def test_rollback_pending_commit(self, driver: NetworkDriver, candidates: Candidates) -> None:
        before = running(driver)
        driver.load_replace_candidate(config=candidates.replace)
        driver.commit_config(revert_in=REVERT_IN)
        assert driver.has_pending_commit() is True
        assert running(driver) != before
        driver.rollback()
        assert driver.has_pending_commit() is False
        assert running(driver) == before

    def test_rollback(self, driver: NetworkDriver, candidates: Candidates) -> None:
        before = running(driver)
        driver.load_replace_candidate(config=candidates.replace)
        driver.commit_config()
        assert driver.has_pending_commit() is False
        assert running(driver) != before
        driver.rollback()
        assert running(driver) == before

    def test_rejected_replace(self, driver: NetworkDriver, candidates: Candidates) -> None:
        before = running(driver)
        with pytest.raises(ReplaceConfigException):
            driver.load_replace_candidate(config=candidates.bad)
        assert driver.compare_config() == ""
        assert running(driver) == before

    def test_rejected_merge(self, driver: NetworkDriver, candidates: Candidates) -> None:
        before = running(driver)
        with pytest.raises(MergeConfigException):
            driver.load_merge_candidate(config=candidates.bad)
        assert driver.compare_config() == ""
        assert running(driver) == before
