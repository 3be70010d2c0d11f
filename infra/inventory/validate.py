"""Semantic validation: the rules a schema cannot express, every problem reported at once.

Unique names and ids, every reference resolves (with a did-you-mean), the hierarchy follows the tiers,
data centres have two diverse circuits, information systems have hosts, services point at real hosts.
Address arithmetic (pools, overlaps, exhaustion) is the planner's; see :mod:`infra.plan`.
"""

from __future__ import annotations

from collections import Counter
from ipaddress import IPv4Network, IPv6Network
from typing import cast

from infra.errors import Problem, did_you_mean
from infra.inventory.collect import Collected
from infra.inventory.explain import Origin
from infra.inventory.models import Defaults, EndpointSet, Host, Profile, V4Subnet
from infra.inventory.names import Refs, check_duplicates, unique_in
from infra.inventory.resolve import ENDPOINT_KINDS, EffectiveSite, Inventory

PathKey = tuple[str | int, ...]


def _v4_layout_overlaps(profile: Profile, origin: Origin) -> list[Problem]:
    """IPv4 subnets of a profile (VLANs and infra_ipv4) are offsets in the site block; they must not overlap."""
    spans: list[tuple[int, int, str, PathKey]] = [
        (v.ipv4.index << (32 - v.ipv4.prefix), 1 << (32 - v.ipv4.prefix), f"VLAN {v.name!r}", ("vlans", i, "ipv4"))
        for i, v in enumerate(profile.vlans)
        if v.ipv4 is not None
    ]
    infra = profile.infra_ipv4
    spans.append((infra.index << (32 - infra.prefix), 1 << (32 - infra.prefix), "infra_ipv4", ("infra_ipv4",)))
    spans.sort()
    out: list[Problem] = []
    widest = spans[0]
    for span in spans[1:]:
        start, size, what, where = span
        if start < widest[0] + widest[1]:
            found = f"the IPv4 subnet of {what} overlapping that of {widest[2]}"
            out.append(origin.problem(where, found, "IPv4 subnets (prefix, index) that do not overlap"))
        if start + size > widest[0] + widest[1]:
            widest = span
    return out


def check_profile(profile: Profile, origin: Origin) -> list[Problem]:
    """Devices, VLANs and links of a profile are consistent."""
    out = unique_in(origin, ("devices",), (d.name for d in profile.devices), "device name")
    out += unique_in(origin, ("devices",), (d.index for d in profile.devices), "device index")
    out += unique_in(origin, ("vlans",), (v.name for v in profile.vlans), "VLAN name")
    out += unique_in(origin, ("vlans",), (v.id for v in profile.vlans), "VLAN id")
    out += unique_in(origin, ("vlans",), (v.index for v in profile.vlans), "VLAN index")
    names = {d.name for d in profile.devices}
    devices = Refs("device of this profile", names)
    for i, link in enumerate(profile.links):
        out += devices.check(origin, ("links", i, "a"), link.a)
        out += devices.check(origin, ("links", i, "b"), link.b)
        if link.a == link.b:
            out.append(origin.problem(("links", i), f"a link from {link.a!r} to itself", "two different devices"))
    out += _v4_layout_overlaps(profile, origin)
    if sum(v.role == "management" for v in profile.vlans) > 1:
        out.append(origin.problem(("vlans",), "several management VLANs", "at most one VLAN with role management"))
    return out


def check_tiers(inv: Inventory) -> list[Problem]:
    """Tier parents exist and form no cycle; pools a tier uses exist."""
    out: list[Problem] = []
    refs = Refs("tier", inv.tiers)
    for name, tier in inv.tiers.items():
        origin = inv.origin("tiers", name)
        out += refs.check(origin, ("parent",), tier.parent)
        seen, cur = {name}, tier.parent
        while cur is not None and cur in inv.tiers:
            if cur in seen:
                out.append(origin.problem(("parent",), f"a cycle of tier parents through {cur!r}", "a tree of tiers"))
                break
            seen.add(cur)
            cur = inv.tiers[cur].parent
        if tier.addressing.ula is not None and inv.addressing.ula is None:
            out.append(origin.problem(("addressing", "ula"), "ULA carving", "an addressing.ula pool to carve from"))
    return out


def _check_parent(site: EffectiveSite, inv: Inventory, collected: Collected) -> list[Problem]:
    spec, tier = site.spec, site.tier
    out = Refs("site", inv.sites, collected.invalid["sites"]).check(site.origin, ("parent",), spec.parent)
    if tier is None:
        return out
    parent = inv.sites.get(spec.parent) if spec.parent else None
    if tier.parent is None and spec.parent is not None:
        out.append(
            site.origin.problem(("parent",), f"parent {spec.parent!r}", f"no parent: tier {tier.name!r} is top-level")
        )
    elif tier.parent is not None and spec.parent is None:
        out.append(site.origin.problem(("parent",), "no parent", f"a parent site of tier {tier.parent!r}"))
    elif tier.parent is not None and parent is not None and parent.spec.tier != tier.parent:
        found = f"parent {spec.parent!r} of tier {parent.spec.tier!r}"
        out.append(site.origin.problem(("parent",), found, f"a parent site of tier {tier.parent!r}"))
    return out


def _check_site_devices(site: EffectiveSite) -> list[Problem]:
    out: list[Problem] = []
    if site.profile is None:
        return out
    profile_names = {d.name for d in site.profile.devices}
    for i, change in enumerate(site.spec.devices):
        if change.name not in profile_names and (change.index is None or change.role is None):
            out.append(
                site.origin.problem(
                    ("devices", i, "name"),
                    f"{change.name!r}, which is not a device of profile {site.spec.profile!r}",
                    f"one of {sorted(profile_names)}, or a new device with index and role",
                )
            )
    out += unique_in(site.origin, ("devices",), (d.index for d in site.devices), "device index")
    out += unique_in(site.origin, ("vlans",), (v.id for v in site.vlans), "VLAN id")
    out += unique_in(site.origin, ("vlans",), (v.index for v in site.vlans), "VLAN index")
    return out + _site_v4_overlaps(site)


def _v4_span(subnet: V4Subnet) -> tuple[int, int]:
    start = subnet.index << (32 - subnet.prefix)
    return start, start + (1 << (32 - subnet.prefix))


def _site_v4_overlaps(site: EffectiveSite) -> list[Problem]:
    """A VLAN a site adds or changes must not overlap the site's other IPv4 subnets (VLANs, infra_ipv4)."""
    if site.profile is None:
        return []
    spans = [(f"VLAN {v.name!r}", _v4_span(v.ipv4)) for v in site.vlans if v.ipv4 is not None]
    spans.append(("infra_ipv4", _v4_span(site.profile.infra_ipv4)))
    effective = {v.name: v for v in site.vlans}
    out: list[Problem] = []
    for i, entry in enumerate(site.spec.vlans):
        v4 = effective[entry.name].ipv4
        if v4 is None:
            continue
        start, end = _v4_span(v4)
        clash = next((w for w, (a, b) in spans if w != f"VLAN {entry.name!r}" and a < end and start < b), None)
        if clash is not None:
            found = f"the IPv4 subnet of VLAN {entry.name!r} overlapping that of {clash}"
            expected = "IPv4 subnets (prefix, index) that do not overlap"
            out.append(site.origin.problem(("vlans", i, "ipv4"), found, expected))
    return out


def check_endpoint_set(
    layer: EndpointSet | None, origin: Origin, base: PathKey, inv: Inventory, collected: Collected
) -> list[Problem]:
    """Every endpoint a list names exists and is of the list's kind."""
    out: list[Problem] = []
    if layer is None:
        return out
    refs = Refs("endpoint", inv.endpoints, collected.invalid["endpoints"])
    for kind in ENDPOINT_KINDS:
        for i, name in enumerate(getattr(layer, kind) or []):
            key = kind.replace("_", "-")
            dangling = refs.check(origin, (*base, key, i), name)
            out += dangling
            endpoint = inv.endpoints.get(name)
            if not dangling and endpoint is not None and endpoint.kind != key:
                problem = origin.problem(
                    (*base, key, i), f"{name!r}, an endpoint of kind {endpoint.kind}", f"a {key} endpoint"
                )
                out.append(problem)
    return out


def check_sites(inv: Inventory, collected: Collected) -> list[Problem]:
    """Tier, profile, parent, devices and endpoints of every site; tier site limits."""
    out: list[Problem] = []
    tiers = Refs("tier", inv.tiers, collected.invalid["tiers"])
    profiles = Refs("profile", inv.profiles, collected.invalid["profiles"])
    for site in inv.sites.values():
        out += tiers.check(site.origin, ("tier",), site.spec.tier)
        out += profiles.check(site.origin, ("profile",), site.spec.profile)
        out += _check_parent(site, inv, collected)
        out += _check_site_devices(site)
        out += check_endpoint_set(site.spec.endpoints, site.origin, ("endpoints",), inv, collected)
    counts = Counter(s.spec.tier for s in inv.sites.values())
    for name, tier in inv.tiers.items():
        if tier.max_sites is not None and counts[name] > tier.max_sites:
            origin = inv.origin("tiers", name)
            out.append(
                origin.problem(("max_sites",), f"{counts[name]} sites in tier {name!r}", f"at most {tier.max_sites}")
            )
    return out


def check_circuits(inv: Inventory, collected: Collected) -> list[Problem]:
    """Circuit ends exist; every data centre has two circuits on different physical routes."""
    out: list[Problem] = []
    sites = Refs("site", inv.sites, collected.invalid["sites"])
    gateways = Refs("gateway", inv.gateways, collected.invalid["gateways"])
    for cid, circuit in inv.circuits.items():
        origin = inv.origin("circuits", cid)
        out += gateways.check(origin, ("gateway",), circuit.gateway)
        out += sites.check(origin, ("a", "site"), circuit.a.site)
        site = inv.sites.get(circuit.a.site)
        if site is not None and site.profile is not None:
            out += Refs(f"device of site {site.name!r}", {d.short for d in site.devices}).check(
                origin, ("a", "device"), circuit.a.device
            )
    for site in inv.sites.values():
        if site.tier is None or site.tier.kind != "datacenter":
            continue
        routes = {c.route for c in inv.circuits.values() if c.a.site == site.name}
        count = sum(c.a.site == site.name for c in inv.circuits.values())
        if count < 2 or len(routes) < 2:
            found = f"{count} circuit(s) on {len(routes)} physical route(s)"
            expected = "at least two circuits on different physical routes (TT 06/2026 Art. 5.4)"
            out.append(site.origin.problem(("name",), found, expected))
    return out


def _zone_vlans(host: Host, site: EffectiveSite) -> list[str]:
    return [v.name for v in site.vlans if v.zone == host.zone]


def check_hosts(inv: Inventory, collected: Collected) -> list[Problem]:
    """Hosts sit at a site, in a zone (and VLAN) that site has, and serve known systems."""
    out: list[Problem] = []
    sites = Refs("site", inv.sites, collected.invalid["sites"])
    systems = Refs("system", inv.systems, collected.invalid["systems"])
    for name, host in inv.hosts.items():
        origin = inv.origin("hosts", name)
        out += sites.check(origin, ("site",), host.site)
        for i, system in enumerate(host.systems):
            out += systems.check(origin, ("systems", i), system)
        site = inv.sites.get(host.site)
        if site is None:
            continue
        zones = sorted({v.zone for v in site.vlans if v.zone})
        vlans = _zone_vlans(host, site)
        if not vlans:
            out.append(
                origin.problem(
                    ("zone",),
                    f"zone {host.zone!r}, which site {host.site!r} does not have",
                    f"one of {zones}{did_you_mean(host.zone, zones)}",
                )
            )
        elif host.vlan is None and len(vlans) > 1:
            out.append(origin.problem(("zone",), f"zone {host.zone!r} with VLANs {vlans}", "a 'vlan' key choosing one"))
        elif host.vlan is not None and host.vlan not in vlans:
            out.append(origin.problem(("vlan",), f"{host.vlan!r}, not a VLAN of zone {host.zone!r}", f"one of {vlans}"))
    return out


def check_systems(inv: Inventory, collected: Collected) -> list[Problem]:
    """Systems have an owner, an operator and at least one host; services point at real hosts."""
    out: list[Problem] = []
    sites = Refs("site", inv.sites, collected.invalid["sites"])
    hosts = Refs("host", inv.hosts, collected.invalid["hosts"])
    served = {s for h in inv.hosts.values() for s in h.systems}
    for name, system in inv.systems.items():
        origin = inv.origin("systems", name)
        out += sites.check(origin, ("owner",), system.owner)
        out += sites.check(origin, ("operator",), system.operator)
        for i, host in enumerate(system.hosts):
            out += hosts.check(origin, ("hosts", i), host)
        if not system.hosts and name not in served:
            out.append(origin.problem(("hosts",), "no hosts", "at least one host (here, or in a host's 'systems')"))
    systems = Refs("system", inv.systems, collected.invalid["systems"])
    for name, service in inv.services.items():
        origin = inv.origin("services", name)
        for i, host in enumerate(service.hosts):
            out += hosts.check(origin, ("hosts", i), host)
        out += systems.check(origin, ("system",), service.system)
    return out


def check_endpoints(inv: Inventory, collected: Collected) -> list[Problem]:
    """Endpoints and the secrets they and the defaults use exist."""
    out: list[Problem] = []
    hosts = Refs("host", inv.hosts, collected.invalid["hosts"])
    secrets = Refs("secret", inv.secrets, collected.invalid["secrets"])
    for name, endpoint in inv.endpoints.items():
        origin = inv.origin("endpoints", name)
        out += hosts.check(origin, ("host",), endpoint.host)
        out += secrets.check(origin, ("secret",), endpoint.secret)
    defaults = collected.singles.get("defaults")
    if defaults is not None:
        spec = cast(Defaults, defaults.item)
        out += check_endpoint_set(spec.endpoints, defaults.origin, ("endpoints",), inv, collected)
        if spec.snmp is not None:
            out += secrets.check(defaults.origin, ("snmp", "auth"), spec.snmp.auth)
            out += secrets.check(defaults.origin, ("snmp", "priv"), spec.snmp.priv)
        if spec.admin is not None:
            out += secrets.check(defaults.origin, ("admin", "secret"), spec.admin.secret)
        out += secrets.check(defaults.origin, ("ospf_secret",), spec.ospf_secret)
    for name, gateway in inv.gateways.items():
        out += secrets.check(inv.origin("gateways", name), ("bgp_secret",), gateway.bgp_secret)
    for name, profile in inv.profiles.items():
        origin = inv.origin("profiles", name)
        out += check_endpoint_set(profile.endpoints, origin, ("endpoints",), inv, collected)
        out += check_profile(profile, origin)
    return out


def check_pools(inv: Inventory, collected: Collected) -> list[Problem]:
    """The province's pools are of the kinds and sizes the plan supports."""
    origin = collected.singles["addressing"].origin
    a = inv.addressing
    out: list[Problem] = []
    documentation = a.gua.subnet_of(IPv6Network("2001:db8::/32"))
    if a.gua.prefixlen not in (40, 44, 48) or not (a.gua.is_global or documentation):
        out.append(origin.problem(("gua",), f"{a.gua}", "a global IPv6 allocation of /40, /44 or /48"))
    if a.ula is not None and (a.ula.prefixlen != 48 or not a.ula.subnet_of(IPv6Network("fd00::/8"))):
        out.append(origin.problem(("ula",), f"{a.ula}", "a unique-local /48 inside fd00::/8 (RFC 4193)"))
    private = [IPv4Network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")]
    if not any(a.ipv4.subnet_of(p) for p in private):
        out.append(origin.problem(("ipv4",), f"{a.ipv4}", "a private IPv4 pool inside 10/8, 172.16/12 or 192.168/16"))
    if a.infrastructure.ula is not None and a.ula is None:
        out.append(origin.problem(("infrastructure", "ula"), "a ULA infrastructure block", "an addressing.ula pool"))
    return out


def check_lab(inv: Inventory, collected: Collected) -> list[Problem]:
    """The lab names real sites and hosts, hosts of its own sites, and its networks do not overlap the plan."""
    located = collected.singles.get("lab")
    if inv.lab is None or located is None:
        return []
    origin, lab = located.origin, inv.lab
    sites = Refs("site", inv.sites, collected.invalid["sites"])
    hosts = Refs("host", inv.hosts, collected.invalid["hosts"])
    out: list[Problem] = []
    for i, name in enumerate(lab.sites):
        out += sites.check(origin, ("sites", i), name)
    for i, name in enumerate(lab.hosts):
        out += hosts.check(origin, ("hosts", i), name)
        host = inv.hosts.get(name)
        if host is not None and host.site not in lab.sites:
            out.append(origin.problem(("hosts", i), f"{name!r} at site {host.site!r}", "a host of a lab site"))
    if lab.mgmt.ipv4.overlaps(inv.addressing.ipv4):
        out.append(origin.problem(("mgmt", "ipv4"), str(lab.mgmt.ipv4), f"a block outside {inv.addressing.ipv4}"))
    if lab.mgmt.ipv6.overlaps(inv.addressing.gua):
        out.append(origin.problem(("mgmt", "ipv6"), str(lab.mgmt.ipv6), f"a block outside {inv.addressing.gua}"))
    return out


def check(collected: Collected, inv: Inventory) -> list[Problem]:
    """Every semantic rule over the collected items and the resolved inventory."""
    return [
        *check_duplicates(collected),
        *check_pools(inv, collected),
        *check_tiers(inv),
        *check_sites(inv, collected),
        *check_circuits(inv, collected),
        *check_hosts(inv, collected),
        *check_systems(inv, collected),
        *check_endpoints(inv, collected),
        *check_lab(inv, collected),
    ]
