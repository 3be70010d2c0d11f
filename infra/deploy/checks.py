"""Post-checks: after a commit, does the device show what the inventory says it should?

Every expectation comes from the device's intent (see :func:`infra.deploy.targets.expectations`); addresses
are compared as addresses, never as text. Checks read through the NAPALM getters, so any driver works; the
OSPF check needs the ``get_ospf_neighbors`` getter that hatang's FRR driver adds (NAPALM has none), and is
reported as not run on drivers without it.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infra.deploy.targets import Expect

PING_COUNT = 2


@dataclass(frozen=True, slots=True)
class Check:
    """One post-check's outcome: ``ok`` is None when the check could not run on this driver."""

    name: str
    ok: bool | None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The check as plain data (journal, report)."""
        return {"name": self.name, "ok": self.ok, "detail": self.detail}


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.split("%")[0].split("/")[0])
    except ValueError:
        return None


def check_interfaces(driver: Any, expect: Expect) -> Check:
    """Every interface the intent has exists, is enabled and is up."""
    seen = driver.get_interfaces()
    bad = []
    for name in expect.interfaces:
        info = seen.get(name)
        if info is None:
            bad.append(f"{name} missing")
        elif not (info["is_enabled"] and info["is_up"]):
            bad.append(f"{name} down")
    return Check("interfaces-up", not bad, ", ".join(bad) or f"{len(expect.interfaces)} up")


def check_addresses(driver: Any, expect: Expect) -> Check:
    """Every planned address is on its interface."""
    seen = driver.get_interfaces_ip()
    bad = []
    count = 0
    for name, planned in expect.interfaces.items():
        fams = seen.get(name, {})
        present = {_ip(a) for fam in ("ipv4", "ipv6") for a in fams.get(fam, {})}
        for address in planned:
            count += 1
            if _ip(address) not in present:
                bad.append(f"{address} not on {name}")
    return Check("addresses", not bad, ", ".join(bad) or f"{count} present")


def check_ospf(driver: Any, expect: Expect) -> list[Check]:
    """Full OSPFv2 and OSPFv3 adjacencies with every configured neighbour the intent names."""
    if not (expect.ospf_v2 or expect.ospf_v3):
        return []
    getter = getattr(driver, "get_ospf_neighbors", None)
    if getter is None:
        return [Check("ospf", None, "this driver has no OSPF getter; adjacencies not checked")]
    found = getter()
    out = []
    for family, name, wanted in (("ipv4", "ospf-v2", expect.ospf_v2), ("ipv6", "ospf-v3", expect.ospf_v3)):
        full = {_ip(n["neighbor_id"]) for n in found.get(family, []) if "full" in str(n["state"]).lower()}
        missing = [w for w in wanted if _ip(w) not in full]
        out.append(Check(name, not missing, f"not full: {', '.join(missing)}" if missing else f"{len(wanted)} full"))
    return out


def check_bgp(driver: Any, expect: Expect) -> list[Check]:
    """Every BGP session of the intent is established (IPv4 and IPv6 sessions apart)."""
    if not expect.bgp:
        return []
    peers = {
        _ip(address): info
        for vrf in driver.get_bgp_neighbors().values()
        for address, info in vrf.get("peers", {}).items()
    }
    out = []
    for family, name in ((4, "bgp-ipv4"), (6, "bgp-ipv6")):
        wanted = [a for a in expect.bgp if (_ip(a) or ipaddress.ip_address("::")).version == family]
        down = [a for a in wanted if not peers.get(_ip(a), {}).get("is_up")]
        if wanted:
            out.append(Check(name, not down, f"down: {', '.join(down)}" if down else f"{len(wanted)} up"))
    return out


def _ping(driver: Any, destination: str, source: str | None) -> bool:
    result = driver.ping(destination, source=source or "", count=PING_COUNT, timeout=1)
    ok = result.get("success")
    return bool(ok) and int(ok.get("packet_loss", PING_COUNT)) < PING_COUNT


def check_pings(driver: Any, expect: Expect, services: tuple[str, ...]) -> list[Check]:
    """Ping the connection gateways (both families) and, over IPv6, the data-centre services."""
    out = []
    for name, targets in (("ping-gateway", expect.ping_gateway), ("ping6-dc-services", services)):
        if not targets:
            continue
        failed = []
        for dest in targets:
            ip = _ip(dest)
            source = expect.ping_source_v6 if ip is not None and ip.version == 6 else expect.ping_source_v4
            if not _ping(driver, dest, source):
                failed.append(dest)
        out.append(Check(name, not failed, f"no answer: {', '.join(failed)}" if failed else f"{len(targets)} answer"))
    return out


def run_checks(driver: Any, expect: Expect, services: tuple[str, ...]) -> list[Check]:
    """Every post-check once."""
    try:
        checks = [check_interfaces(driver, expect), check_addresses(driver, expect)]
        checks += check_ospf(driver, expect) + check_bgp(driver, expect)
        if all(c.ok is not False for c in checks):
            checks += check_pings(driver, expect, services)
    except Exception as exc:  # a getter failing is a failed check, never a crash of the rollout
        return [Check("getters", False, f"{type(exc).__name__}: {exc}"[:300])]
    return checks


def wait_healthy(
    driver: Any,
    expect: Expect,
    services: tuple[str, ...],
    *,
    timeout: float,
    interval: float = 2.0,
    clock: Callable[[], float] = time.monotonic,
) -> list[Check]:
    """Run the post-checks until they all pass or ``timeout`` seconds are over; the last outcome."""
    deadline = clock() + timeout
    while True:
        checks = run_checks(driver, expect, services)
        if all(c.ok is not False for c in checks) or clock() >= deadline:
            return checks
        time.sleep(interval)
