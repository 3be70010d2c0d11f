"""What a rollout works on: one target per device — how to reach it, its candidate, what to check after.

Targets come from the inventory (production: planned management addresses, the platform's NAPALM driver,
credentials from the environment) or from a running lab (every router on FRR, reached on the lab's
management network with the lab's key, its host keys verified). Candidates keep ``${secret:NAME}``
placeholders until the moment they are loaded; :class:`Secrets` fills and masks them.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.errors import DeployError, RenderError
from infra.inventory import Inventory, load
from infra.plan import AddressPlan, make_plan
from infra.render.build import build_intents
from infra.render.intent import DeviceIntent
from infra.render.render import Rendered, Renderer, render_intents

PLACEHOLDER = re.compile(r"\$\{secret:([a-z0-9-]+)\}")
NAPALM_DRIVERS = {
    "frr": "frr",
    "cisco_ios": "ios",
    "arista_eos": "eos",
    "juniper_junos": "junos",
    "huawei_vrp": "huawei_vrp",
}
REVERT_TIMER = frozenset({"frr", "eos", "junos"})  # drivers whose commit_config takes revert_in
TIER_ORDER = ("datacenter", "agency", "district", "commune", "other")


class Secrets:
    """Secret values by name: fill placeholders in memory, and mask values in anything that is kept or shown."""

    def __init__(self, values: dict[str, str]) -> None:
        self._values = dict(values)
        self._masks = sorted(((v, k) for k, v in values.items() if len(v) >= 4), key=lambda p: -len(p[0]))

    def missing(self, text: str) -> set[str]:
        """The secret names ``text`` uses that have no value."""
        return {m.group(1) for m in PLACEHOLDER.finditer(text)} - set(self._values)

    def fill(self, text: str) -> str:
        """``text`` with every placeholder replaced by its value (never store or print the result)."""
        return PLACEHOLDER.sub(lambda m: self._values[m.group(1)], text)

    def mask(self, text: str) -> str:
        """``text`` with every secret value turned back into its placeholder."""
        for value, name in self._masks:
            text = text.replace(value, "${secret:" + name + "}")
        return text

    @classmethod
    def from_environment(cls, inv: Inventory, environ: dict[str, str]) -> Secrets:
        """Values of the inventory's secrets from the environment variables they name."""
        return cls({n: environ[s.env] for n, s in inv.secrets.items() if s.env and environ.get(s.env)})

    @classmethod
    def from_file(cls, path: Path) -> Secrets:
        """Values from a JSON object file (the lab keeps its generated secrets that way)."""
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise DeployError(f"cannot read the secret values in {path}: {exc}") from exc
        return cls({str(k): str(v) for k, v in data.items()})


@dataclass(frozen=True, slots=True)
class Expect:
    """What a device must show after its commit, all derived from its intent and the plan."""

    interfaces: dict[str, tuple[str, ...]]  # interface → planned addresses (may be empty: up is enough)
    ospf_v2: tuple[str, ...] = ()  # OSPFv2 neighbours' router ids on links to devices that will be configured
    ospf_v3: tuple[str, ...] = ()
    bgp: tuple[str, ...] = ()  # BGP neighbour addresses (both families)
    ping_gateway: tuple[str, ...] = ()  # the connection gateways' circuit addresses (v4 and v6)
    ping_source_v6: str | None = None  # the device's IPv6 loopback, the source of its pings
    ping_source_v4: str | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """One device of a rollout."""

    name: str
    site: str
    tier: str  # datacenter, agency, district, commune, other
    platform: str
    driver: str  # NAPALM driver name
    host: str
    username: str
    password: str = field(repr=False)
    optional_args: dict[str, Any] = field(repr=False)
    candidate: str = field(repr=False)
    expect: Expect = field(repr=False)

    @property
    def revert_timer(self) -> bool:
        """Whether this driver can commit with a revert timer (commit confirmed)."""
        return self.driver in REVERT_TIMER


@dataclass(slots=True)
class Fleet:
    """Every target of one inventory (or lab), the DC service addresses, and the secrets to fill candidates."""

    inv: Inventory
    plan: AddressPlan
    targets: dict[str, Target]
    secrets: Secrets
    services_v6: dict[str, tuple[str, ...]]  # site → IPv6 addresses of the DC service hosts there
    lab: str | None = None


def _peer_ids(intent: DeviceIntent, intents: dict[str, DeviceIntent], members: set[str]) -> tuple[str, ...]:
    out = []
    for iface in intent.interfaces:
        if not iface.ospf or iface.ospf_passive or iface.kind not in ("link", "trunk") or iface.peer not in members:
            continue
        peer = intents[iface.peer]
        if peer.ospf is not None:
            out.append(peer.ospf.router_id)
    return tuple(out) if intent.ospf is not None else ()


def expectations(intent: DeviceIntent, intents: dict[str, DeviceIntent], members: set[str]) -> Expect:
    """What ``intent``'s device must show once configured; peers outside ``members`` are not expected."""
    interfaces = {
        i.name: tuple(a.ip for a in (*i.ipv4, *i.ipv6)) for i in intent.interfaces if i.kind != "trunk" or i.addressed
    }
    bgp = tuple(p.address for p in intent.bgp.peers) if intent.bgp else ()
    ids = _peer_ids(intent, intents, members)
    return Expect(
        interfaces=interfaces,
        ospf_v2=ids,
        ospf_v3=ids,
        bgp=bgp,
        ping_gateway=bgp,
        ping_source_v6=intent.loopback_v6,
        ping_source_v4=intent.loopback_v4,
    )


def _tier(inv: Inventory, site: str) -> str:
    tier = inv.sites[site].tier
    return tier.kind if tier is not None else "other"


def _candidates(inv: Inventory, intents: dict[str, DeviceIntent], templates: Path) -> Rendered:
    rendered = render_intents(intents, inv.digest, Renderer(templates))
    if rendered.failures:
        raise RenderError(rendered.failures)
    return rendered


def _config_text(rendered: Rendered, device: str) -> str:
    return rendered.files[f"configs/{device}.cfg"]


def services_v6(inv: Inventory, plan: AddressPlan, hosts: set[str] | None) -> dict[str, tuple[str, ...]]:
    """IPv6 addresses of the hosts serving the inventory's services, by site (only ``hosts`` when given)."""
    out: dict[str, list[str]] = {}
    for service in inv.services.values():
        for name in service.hosts:
            hplan = plan.hosts.get(name)
            if hplan is None or (hosts is not None and name not in hosts):
                continue
            for pool, address in hplan.addresses.items():
                if pool != "ipv4" and str(address) not in out.get(hplan.site, []):
                    out.setdefault(hplan.site, []).append(str(address))
    return {site: tuple(v) for site, v in out.items()}


def lab_fleet(path: Path, templates: Path) -> Fleet:
    """The lab's routers as targets: FRR candidates of the lab view, reached on the lab's management network."""
    from infra.lab import control

    m = control.model(path)
    lab = m.topo.lab.name
    paths = control.LabPaths.of(lab)
    state = control.LabState.read(paths)
    if state is None:
        raise DeployError(f"lab {lab!r} is not up: run 'hatang lab up {path}' first")
    if state.digest != m.digest:
        raise DeployError(f"lab {lab!r} was built from another inventory or topology: run 'hatang lab down' and 'up'")
    intents = m.topo.intents
    rendered = _candidates(m.inv, intents, templates)
    members = set(intents)
    options = {"key_file": str(paths.key), "known_hosts": str(paths.known_hosts)}
    targets = {}
    for name, intent in intents.items():
        node = m.topo.nodes[name]
        targets[name] = Target(
            name, intent.site, _tier(m.inv, intent.site), "frr", "frr", node.mgmt_v6, "root", "", dict(options),
            _config_text(rendered, name), expectations(intent, intents, members),
        )  # fmt: skip
    hosts = set(m.topo.lab.hosts)
    return Fleet(m.inv, m.plan, targets, Secrets.from_file(paths.secrets), services_v6(m.inv, m.plan, hosts), lab)


@dataclass(frozen=True, slots=True)
class Access:
    """How to log in to production devices (never the secret values themselves in files)."""

    username: str
    password: str = field(repr=False, default="")
    key_file: str | None = None
    known_hosts: str | None = None


def access_from_environment(environ: dict[str, str]) -> Access:
    """Device login from ``HATANG_DEPLOY_USER`` / ``HATANG_DEPLOY_PASSWORD`` / ``HATANG_DEPLOY_KEY``."""
    return Access(
        environ.get("HATANG_DEPLOY_USER", "hatang"),
        environ.get("HATANG_DEPLOY_PASSWORD", ""),
        environ.get("HATANG_DEPLOY_KEY") or None,
        environ.get("HATANG_KNOWN_HOSTS") or str(Path.home() / ".ssh" / "known_hosts"),
    )


def inventory_fleet(path: Path, templates: Path, access: Access) -> Fleet:
    """Every device of the inventory that has a management address, on its own platform's driver."""
    inv = load(path)
    plan = make_plan(inv)
    intents = build_intents(inv, plan)
    reachable = {n: i for n, i in intents.items() if i.mgmt_v6 or i.mgmt_v4}
    rendered = _candidates(inv, reachable, templates)
    members = set(reachable)
    targets = {}
    for name, intent in reachable.items():
        options: dict[str, Any] = {}
        if intent.platform == "frr":
            options = {"key_file": access.key_file, "known_hosts": access.known_hosts}
        targets[name] = Target(
            name, intent.site, _tier(inv, intent.site), intent.platform, NAPALM_DRIVERS[intent.platform],
            str(intent.mgmt_v6 or intent.mgmt_v4), access.username, access.password, options,
            _config_text(rendered, name), expectations(intent, intents, members),
        )  # fmt: skip
    return Fleet(inv, plan, targets, Secrets.from_environment(inv, dict(os.environ)), services_v6(inv, plan, None))
