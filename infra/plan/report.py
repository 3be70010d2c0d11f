"""Present an address plan: a summary table, CSV rows, JSON, and a per-site explanation."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator

from infra.inventory.resolve import Inventory
from infra.plan.arith import capacity
from infra.plan.model import AddressPlan, SitePlan

POOL_ORDER = ("gua", "ula", "ipv4")


def to_json(plan: AddressPlan) -> str:
    """The whole plan as stable, indented JSON."""
    return json.dumps(plan.to_dict(), indent=2, ensure_ascii=False) + "\n"


Row = tuple[str, str, str, str, str, str]


def _site_rows(name: str, site: SitePlan) -> Iterator[Row]:
    for pool, block in site.blocks.items():
        yield (name, "site-block", name, pool, str(block.prefix), "override" if block.override else "computed")
    for vlan in site.vlans:
        yield from ((name, "vlan", vlan.name, p, str(n), f"vlan {vlan.vlan_id}") for p, n in vlan.subnets.items())
    for device in site.devices:
        yield from ((name, "loopback", device.name, p, str(a), "") for p, a in device.loopbacks.items())
        yield from ((name, "mgmt", device.name, p, str(a), "") for p, a in device.mgmt.items())
    for link in site.links:
        yield from (
            (name, "link", link.name, p, str(n), str(link.reserved.get(p, ""))) for p, n in link.prefixes.items()
        )


def _rows(plan: AddressPlan) -> Iterator[Row]:
    for name, site in sorted(plan.sites.items()):
        yield from _site_rows(name, site)
    for cid, c in sorted(plan.circuits.items()):
        yield from ((c.site, "circuit", str(cid), p, str(n), str(c.reserved.get(p, ""))) for p, n in c.prefixes.items())
    for name, host in sorted(plan.hosts.items()):
        yield from ((host.site, "host", name, p, str(a), host.vlan) for p, a in host.addresses.items())


def to_csv(plan: AddressPlan) -> str:
    """One row per allocation: site, kind, object, pool, prefix or address, note."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(("site", "kind", "object", "pool", "value", "note"))
    writer.writerows(_rows(plan))
    return buf.getvalue()


def _capacity(plan: AddressPlan, inv: Inventory, tier: str, pool: str) -> int:
    blocks = plan.tiers[tier].get(pool, ())
    spec = getattr(inv.tiers[tier].addressing, pool)
    return capacity(blocks, spec.site)


def summary(plan: AddressPlan, inv: Inventory) -> str:
    """Pools, tiers with their use, and the counts of everything planned."""
    lines = [f"{inv.province.name} ({inv.province.code}), map of {inv.province.snapshot.isoformat()}"]
    lines.append("pools: " + ", ".join(f"{p} {plan.pools[p]}" for p in POOL_ORDER if p in plan.pools))
    lines.append("infrastructure: " + ", ".join(f"{p} {n}" for p, n in plan.infrastructure.items()))
    counts = Counter(s.tier for s in plan.sites.values())
    header = f"{'tier':<14}{'sites':>6}  " + "  ".join(
        f"{p + ' block(s)':<28}{'use':>12}" for p in POOL_ORDER if p in plan.pools
    )
    lines += ["", header]
    for tier in sorted(plan.tiers, key=lambda t: inv.tiers[t].index):
        cells = []
        for pool in (p for p in POOL_ORDER if p in plan.pools):
            blocks = plan.tiers[tier].get(pool, ())
            shown = ", ".join(str(b) for b in blocks[:2]) + (" ..." if len(blocks) > 2 else "") or "-"
            room = _capacity(plan, inv, tier, pool)
            cells.append(f"{shown:<28}{f'{counts[tier]}/{room}':>12}")
        lines.append(f"{tier:<14}{counts[tier]:>6}  " + "  ".join(cells))
    devices = sum(len(s.devices) for s in plan.sites.values())
    vlans = sum(len(s.vlans) for s in plan.sites.values())
    lines += [
        "",
        f"{len(plan.sites)} sites, {devices} devices, {vlans} VLANs, {len(plan.circuits)} WAN circuits, "
        f"{len(plan.hosts)} hosts, {len(inv.systems)} information systems, {len(inv.services)} services",
        f"inventory sha256 {plan.digest[:16]}",
    ]
    return "\n".join(lines) + "\n"


def table(plan: AddressPlan, inv: Inventory) -> str:
    """The summary, then one line per site with its blocks."""
    pools = [p for p in POOL_ORDER if p in plan.pools]
    width = max((len(n) for n in plan.sites), default=4) + 2
    head = f"{'site':<{width}}{'tier':<12}{'id':>5}  " + "".join(f"{p:<26}" for p in pools) + "label"
    lines = [summary(plan, inv), head]
    ordered = sorted(plan.sites.values(), key=lambda s: (inv.tiers[s.tier].index, s.id))
    for site in ordered:
        shown = {p: str(b.prefix) + ("*" if b.override else "") for p, b in site.blocks.items()}
        cells = "".join(f"{shown.get(p, '-'):<26}" for p in pools)
        lines.append(f"{site.name:<{width}}{site.tier:<12}{site.id:>5}  {cells}{inv.sites[site.name].spec.label}")
    lines.append("(* = override: a prefix already deployed in the field)")
    return "\n".join(lines) + "\n"


def explain_site(plan: AddressPlan, inv: Inventory, name: str) -> str:
    """Every allocation of one site, with how each was derived."""
    site: SitePlan = plan.sites[name]
    spec = inv.sites[name].spec
    where = f"tier {site.tier}, id {site.id}, profile {spec.profile}, parent {spec.parent or '-'}"
    lines = [f"site {name}: {spec.label} ({where})"]
    lines.append("blocks:")
    lines += [f"  {p:<5} {b.prefix}  <- {b.how}" for p, b in site.blocks.items()]
    lines.append("VLANs (IPv6: /64 number 'index' of the site block):")
    for v in site.vlans:
        nets = ", ".join(f"{p} {n}" for p, n in v.subnets.items()) or "no subnets"
        lines.append(f"  {v.name:<10} vlan {v.vlan_id:<5} index {v.index:<#6x} {nets}")
    lines.append("devices (loopback host part = device index, in /64 number 0 and in infra_ipv4):")
    for d in site.devices:
        loops = ", ".join(f"{p} {a}" for p, a in d.loopbacks.items())
        mgmt = ", ".join(f"{p} {a}" for p, a in d.mgmt.items()) or "-"
        lines.append(f"  {d.name:<24} #{d.index:<3} loopback {loops}; mgmt {mgmt}")
    lines.append("internal links (a /64 reserved each, from the top of the block; /127 and /31 in use):")
    for link in site.links:
        nets = ", ".join(f"{p} {n}" for p, n in link.prefixes.items())
        lines.append(f"  {link.name}: {nets}")
    lines.append("WAN circuits (/64 number 'id' of the infrastructure block reserved; first /127 and /31 used):")
    for cid, c in sorted(plan.circuits.items()):
        if inv.circuits[cid].a.site == name:
            nets = ", ".join(f"{p} {n}" for p, n in c.prefixes.items())
            lines.append(f"  circuit {cid} {c.a} -> {c.b}: {nets}")
    hosts = [h for h in plan.hosts.values() if h.site == name]
    if hosts:
        lines.append("hosts (host part = host id, in the VLAN of its zone):")
        lines += [f"  {h.name:<24} {h.vlan:<8} " + ", ".join(f"{p} {a}" for p, a in h.addresses.items()) for h in hosts]
    return "\n".join(lines) + "\n"
