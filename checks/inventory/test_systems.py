"""Per information system: INV-01, INV-02, INV-05, INV-07, WAN-01 (from level 4) and DC-07.

Each check reads the system's record, its hosts and their sites from the inventory and the address plan. What
the inventory does not record (the security regulation, assessments, facility attestations) is said, never
assumed.
"""

from __future__ import annotations

import pytest

from infra.audit import inventorycheck as ic
from infra.audit.checking import Check
from infra.audit.scope import SystemTarget
from infra.render.ansible import served_systems


@pytest.mark.control("INV-01")
def test_system_record(system: SystemTarget, check: Check) -> None:
    """Level 1-5, approval decision (number and date, not in the future), owner and operator that are sites."""
    record = system.inv.systems[system.name]
    check.item("security level", 1 <= record.level <= 5, record.level, "1 to 5")
    decision = record.decision
    check.item("level decision number", bool(decision.number.strip()), decision.number, "a decision number")
    check.item(
        "level decision date", decision.date <= system.today, decision.date.isoformat(), f"on or before {system.today}"
    )
    for role, site in (("owner", record.owner), ("operator", record.operator)):
        spec = system.inv.sites.get(site)
        check.item(f"{role}", spec is not None, site, "a site of the inventory")
    check.undecided(
        "security regulation (quy chế bảo đảm an toàn)",
        "the inventory records no regulation decision",
        "the agency's regulation decision, by evidence",
    )


@pytest.mark.control("INV-02")
def test_zoning_matches_level(system: SystemTarget, check: Check) -> None:
    """Every zone TT 12/2022 requires at the system's level exists where it runs (the mapping is an inference)."""
    wanted = check.threshold("required_zones")
    required = [str(z) for z in (wanted if isinstance(wanted, tuple) else ())]
    sites = ic.system_sites(system.inv, system.name)
    if not sites:
        check.manual("the inventory places no host of this system: its zones cannot be judged")
    record = system.inv.systems[system.name]
    users = [system.inv.sites[s] for s in {record.owner, record.operator} if s in system.inv.sites]
    for name in sites:
        zones = ic.zones_at(system.inv, system.inv.sites[name], users)
        for zone in required:
            found = zones.get(zone)
            if found is None or not found.needed:
                check.item(
                    f"{name}: {zone}", True, "no such network (not required)", "a zone of its own if there is one"
                )
                continue
            check.item(
                f"{name}: {zone}",
                bool(found.found),
                list(found.found) or "none",
                "a VLAN or device set of its own (mapping inferred)",
                limit="required_zones",
            )


@pytest.mark.control("INV-05")
def test_assessment_cadence(system: SystemTarget, check: Check) -> None:
    """Scan, pentest and annual-report dates: the inventory records none of them."""
    limits = {n: check.threshold(n) for n in ("vuln_scan_max_age", "pentest_max_age", "annual_report_due")}
    shown = ", ".join(f"{k} {v}" for k, v in limits.items() if v is not None)
    check.manual(
        "the inventory records no last_vuln_scan, last_pentest, annual report or assessor: evidence of each is needed"
        f" ({shown})"
    )


@pytest.mark.control("INV-07")
def test_public_services_planned_on_ipv6(system: SystemTarget, check: Check) -> None:
    """Every public service of the system has hosts with planned IPv6 addresses (reachability is judged live)."""
    services = [s for s in system.inv.services.values() if s.system == system.name and s.exposure == "public"]
    if not services:
        check.not_applicable("the system publishes no public service")
    ready = 0
    for service in services:
        missing = [h for h in service.hosts if not _ipv6(system, h)]
        check.item(
            f"{service.name} ({service.fqdn}) hosts with IPv6",
            not missing,
            missing or service.hosts,
            "a planned IPv6 address each",
        )
        ready += not missing
    check.at_least("public services with IPv6 (%)", round(100 * ready / len(services), 1), "public_services_ipv6_share")


def _ipv6(system: SystemTarget, host: str) -> bool:
    planned = system.plan.hosts.get(host)
    return planned is not None and any(a.version == 6 for a in planned.addresses.values())


@pytest.mark.control("WAN-01")
def test_system_sites_dual_homed(system: SystemTarget, check: Check) -> None:
    """From level 4, every site the system runs at has circuits on enough physically diverse routes."""
    if not check.applies("system_diverse_links"):
        check.not_applicable(f"the system is at level {system.level}: dual homing applies from level 4")
    sites = ic.system_sites(system.inv, system.name)
    if not sites:
        check.manual("the inventory places no host of this system")
    for name in sites:
        routes = sorted({route for _, route, _ in ic.site_circuits(system.inv, name)})
        check.at_least(f"{name}: diverse routes", len(routes), "system_diverse_links")


@pytest.mark.control("DC-07")
def test_tenant_isolation(system: SystemTarget, check: Check) -> None:
    """The system's hosts have VLANs of their own; physical separation is an attestation the inventory lacks."""
    hosts = ic.system_hosts(system.inv, system.name)
    if not hosts:
        check.manual("the inventory places no host of this system")
    served = served_systems(system.inv)
    for host in hosts:
        spec = system.inv.hosts[host]
        plan = system.plan.hosts.get(host)
        vlan = plan.vlan if plan else (spec.vlan or spec.zone)
        neighbours = sorted(
            {
                s
                for h, p in system.plan.hosts.items()
                if p.site == spec.site and p.vlan == vlan
                for s in served.get(h, set())
            }
            - {system.name}
        )
        check.item(
            f"{host}: VLAN {vlan} at {spec.site} of this system only",
            not neighbours,
            neighbours or "this system only",
            "no other system",
        )
    check.undecided(
        "firewall policy and storage pool of its own", "not in the inventory", "evidence of the policy and pool"
    )
    for name in ("physical_separation", "physical_separation_tt12"):
        if check.applies(name):
            check.undecided(
                name, "the inventory records no attestation", "dedicated hardware, storage and main network devices"
            )
