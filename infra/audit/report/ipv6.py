"""IPv6 readiness of each agency, from the address plan and the audit's findings, as figures an auditor can recompute.

Three parts, each a count over a count (docs/audit-reports.md gives the formula and an example):

* **dual_stack** — the agency's sites whose plan gives them an IPv6 (GUA or ULA) block and an IPv4 block, plus its
  devices and hosts whose plan gives them both families and whose IPv6 checks did not fail;
* **ipv6_services** — the services of the systems it owns or operates that a finding shows reachable over IPv6
  (INV-07 for the service, else HOST-12 on every host behind it); a service no finding decides is *unknown*,
  counted in the denominator and never as reachable;
* **ipv6_only** — its sites whose every VLAN has an IPv6 subnet, plus its services that are reachable over IPv6
  and whose every host has an IPv6 address: what would still work without IPv4.

The score is the mean of the parts that have a denominator, times 100, rounded half up; ``None`` when no part has.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Literal

from infra.audit.model import Agency, AuditRun, Finding
from infra.audit.report.common import effective
from infra.inventory import Inventory
from infra.inventory.models import Service
from infra.plan import AddressPlan
from infra.render.ansible import served_systems

DEVICE_CONTROLS = ("WAN-05", "INV-06", "NET-12")
HOST_CONTROLS = ("HOST-11", "HOST-12")
SERVICE_CONTROL = "INV-07"
LISTENER_CONTROL = "HOST-12"
V6_POOLS = ("gua", "ula")
AGENCY_KINDS = ("agency", "district", "commune")
PARTS = ("dual_stack", "ipv6_services", "ipv6_only")

Verdict = Literal["good", "bad", "none"]
MachineState = Literal["proven", "planned_only", "failed", "not_planned"]
Reach = Literal["reachable", "unreachable", "unknown"]
Index = dict[tuple[str, str], list[Finding]]


def verdict(f: Finding) -> Verdict:
    """What a finding says about readiness: its check's own result passed (or warned), failed, or decided nothing.

    A waived finding is judged by the check's own result: a waiver accepts a risk, it does not make a target ready.
    """
    status = effective(f)
    if status in ("pass", "warn"):
        return "good"
    if status == "fail":
        return "bad"
    return "none"


@dataclass(frozen=True, slots=True)
class Part:
    """One part of the score: a numerator over a denominator."""

    numerator: int
    denominator: int

    @property
    def ratio(self) -> Fraction | None:
        """The share, exactly; None when there is nothing to count."""
        return Fraction(self.numerator, self.denominator) if self.denominator else None

    def as_dict(self) -> dict[str, object]:
        """Plain data: numerator, denominator and the percentage (one decimal)."""
        ratio = self.ratio
        percent = None if ratio is None else round(float(ratio * 100), 1)
        return {"numerator": self.numerator, "denominator": self.denominator, "percent": percent}


@dataclass(slots=True)
class Machines:
    """Devices or hosts of an agency, by state."""

    total: int = 0
    dual_stack: int = 0
    proven: int = 0
    planned_only: int = 0
    failed: int = 0
    not_planned: int = 0
    failed_names: list[str] = field(default_factory=list)
    not_planned_names: list[str] = field(default_factory=list)

    def add(self, name: str, state: MachineState) -> None:
        """Count one machine in ``state``."""
        self.total += 1
        if state == "proven":
            self.proven += 1
        elif state == "planned_only":
            self.planned_only += 1
        elif state == "failed":
            self.failed += 1
            self.failed_names.append(name)
        else:
            self.not_planned += 1
            self.not_planned_names.append(name)
        self.dual_stack = self.proven + self.planned_only


@dataclass(slots=True)
class Sites:
    """Sites of an agency: how many are dual-stack and IPv6-only ready in the plan."""

    total: int = 0
    dual_stack: int = 0
    ipv6_only: int = 0
    not_dual_stack: list[str] = field(default_factory=list)
    not_ipv6_only: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Services:
    """Services of an agency's systems, by what the findings say of them over IPv6."""

    total: int = 0
    reachable: int = 0
    unreachable: int = 0
    unknown: int = 0
    ipv6_only: int = 0
    unreachable_names: list[str] = field(default_factory=list)
    unknown_names: list[str] = field(default_factory=list)


def index(findings: Iterable[Finding]) -> Index:
    """Findings by (control, target)."""
    out: Index = {}
    for f in findings:
        out.setdefault((f.control, f.target), []).append(f)
    return out


def machine_state(found: list[Finding], planned: bool) -> MachineState:
    """A device's or host's state from its IPv6 findings and its plan.

    Any failing IPv6 check: ``failed``. Otherwise a passing check on the machine itself (not on its rendered
    configuration, ``source`` intended): ``proven``. Otherwise what the plan says: ``planned_only`` when it gives
    the machine both families, else ``not_planned``.
    """
    verdicts = [(verdict(f), f.source) for f in found]
    if any(v == "bad" for v, _ in verdicts):
        return "failed"
    if any(v == "good" and source != "intended" for v, source in verdicts):
        return "proven"
    return "planned_only" if planned else "not_planned"


def _both(families: Iterable[str]) -> bool:
    names = set(families)
    return bool(names & set(V6_POOLS)) and "ipv4" in names


def _v6(families: Iterable[str]) -> bool:
    return bool(set(families) & set(V6_POOLS))


@dataclass(frozen=True, slots=True)
class Context:
    """What every agency's figures are computed from, looked up once."""

    inv: Inventory
    plan: AddressPlan
    findings: Index
    served: dict[str, set[str]]  # host → systems it serves
    hosted: dict[str, set[str]]  # site → systems whose hosts sit there
    named: dict[tuple[str, str], set[str]]  # (kind, agency) → targets whose findings name the agency
    planned_devices: dict[str, bool]  # device → the plan gives it both families (loopbacks or management)
    planned_hosts: dict[str, bool]  # host → the plan gives it both families

    @classmethod
    def of(cls, run: AuditRun, inv: Inventory, plan: AddressPlan) -> Context:
        """Look everything up for ``run``."""
        served = served_systems(inv)
        hosted: dict[str, set[str]] = {}
        for host in inv.hosts.values():
            hosted.setdefault(host.site, set()).update(served.get(host.name, set()))
        named: dict[tuple[str, str], set[str]] = {}
        for f in run.findings:
            for agency in f.agencies:
                named.setdefault((f.kind, agency), set()).add(f.target)
        return cls(
            inv=inv,
            plan=plan,
            findings=index(run.findings),
            served=served,
            hosted=hosted,
            named=named,
            planned_devices={
                d.name: _both(d.loopbacks) or _both(d.mgmt) for s in plan.sites.values() for d in s.devices
            },
            planned_hosts={n: _both(h.addresses) for n, h in plan.hosts.items()},
        )


def agency_devices(agency: Agency, ctx: Context) -> list[str]:
    """The devices that count for an agency.

    Those of its sites, those of the data centres hosting its systems, and those whose findings name it.
    """
    inv, systems = ctx.inv, set(agency.systems)
    names = {d.name for s in agency.sites if s in inv.sites for d in inv.sites[s].devices}
    for site in inv.sites.values():
        kind = site.tier.kind if site.tier else None
        if kind not in AGENCY_KINDS and ctx.hosted.get(site.name, set()) & systems:
            names.update(d.name for d in site.devices)
    names.update(ctx.named.get(("device", agency.name), set()))
    return sorted(names)


def agency_hosts(agency: Agency, ctx: Context) -> list[str]:
    """The hosts that count for an agency: serving its systems, at its sites, or named by findings for it."""
    systems = set(agency.systems)
    names = {h for h, served in ctx.served.items() if served & systems}
    names.update(h.name for h in ctx.inv.hosts.values() if h.site in agency.sites)
    names.update(ctx.named.get(("host", agency.name), set()))
    return sorted(names)


def _machines(names: list[str], kind: str, controls: tuple[str, ...], planned: dict[str, bool], idx: Index) -> Machines:
    out = Machines()
    for name in names:
        found = [f for c in controls for f in idx.get((c, name), []) if f.kind == kind]
        out.add(name, machine_state(found, planned.get(name, False)))
    return out


def _sites(agency: Agency, plan: AddressPlan) -> Sites:
    out = Sites()
    for name in agency.sites:
        out.total += 1
        site = plan.sites.get(name)
        if site is not None and _both(site.blocks):
            out.dual_stack += 1
        else:
            out.not_dual_stack.append(name)
        if site is not None and _v6(site.blocks) and all(_v6(v.subnets) for v in site.vlans):
            out.ipv6_only += 1
        else:
            out.not_ipv6_only.append(name)
    return out


def service_reach(service: Service, idx: Index) -> Reach:
    """Whether a service is reachable over IPv6, by the findings.

    INV-07 on the service decides when it decided anything; else HOST-12 on every host behind it (one failing host:
    unreachable; one undecided: unknown).
    """
    direct = [verdict(f) for f in idx.get((SERVICE_CONTROL, service.name), []) if f.kind in ("system", "inventory")]
    if "bad" in direct:
        return "unreachable"
    if "good" in direct:
        return "reachable"
    per_host = [[verdict(f) for f in idx.get((LISTENER_CONTROL, h), []) if f.kind == "host"] for h in service.hosts]
    if any("bad" in v for v in per_host):
        return "unreachable"
    if per_host and all("good" in v for v in per_host):
        return "reachable"
    return "unknown"


def _services(agency: Agency, inv: Inventory, plan: AddressPlan, idx: Index) -> Services:
    out = Services()
    for service in sorted(inv.services.values(), key=lambda s: s.name):
        if service.system not in agency.systems:
            continue
        out.total += 1
        reach = service_reach(service, idx)
        if reach == "reachable":
            out.reachable += 1
            if all(h in plan.hosts and _v6(plan.hosts[h].addresses) for h in service.hosts):
                out.ipv6_only += 1
        elif reach == "unreachable":
            out.unreachable += 1
            out.unreachable_names.append(service.name)
        else:
            out.unknown += 1
            out.unknown_names.append(service.name)
    return out


def score(parts: Iterable[Part]) -> int | None:
    """The mean of the parts' shares that have a denominator, times 100, rounded half up."""
    ratios = [r for r in (p.ratio for p in parts) if r is not None]
    if not ratios:
        return None
    mean = sum(ratios, Fraction(0)) / len(ratios)
    return int(mean * 100 + Fraction(1, 2))


def agency_readiness(agency: Agency, ctx: Context) -> dict[str, object]:
    """The readiness figures of one agency."""
    idx = ctx.findings
    devices = _machines(agency_devices(agency, ctx), "device", DEVICE_CONTROLS, ctx.planned_devices, idx)
    hosts = _machines(agency_hosts(agency, ctx), "host", HOST_CONTROLS, ctx.planned_hosts, idx)
    sites = _sites(agency, ctx.plan)
    services = _services(agency, ctx.inv, ctx.plan, idx)
    parts = {
        "dual_stack": Part(
            sites.dual_stack + devices.dual_stack + hosts.dual_stack, sites.total + devices.total + hosts.total
        ),
        "ipv6_services": Part(services.reachable, services.total),
        "ipv6_only": Part(sites.ipv6_only + services.ipv6_only, sites.total + services.total),
    }
    decided = devices.proven + devices.failed + hosts.proven + hosts.failed + services.reachable + services.unreachable
    undecided = devices.planned_only + devices.not_planned + hosts.planned_only + hosts.not_planned + services.unknown
    return {
        "label": agency.label,
        "score": score(parts.values()),
        "decided": decided,
        "undecided": undecided,
        "parts": {name: part.as_dict() for name, part in parts.items()},
        "sites": asdict(sites),
        "devices": asdict(devices),
        "hosts": asdict(hosts),
        "services": asdict(services),
    }


def ipv6_readiness(run: AuditRun, inv: Inventory, plan: AddressPlan) -> dict[str, dict[str, object]]:
    """Agency name → its IPv6 readiness figures (score, the three parts, and the counts behind them).

    The agencies are ``run.agencies``; an agency the run does not list gets no figures.
    """
    ctx = Context.of(run, inv, plan)
    return {a.name: agency_readiness(a, ctx) for a in run.agencies}
