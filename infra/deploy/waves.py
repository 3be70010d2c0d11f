"""Cutting a rollout into waves along the province's hierarchy.

Order: a canary of a few sites from the lowest tier present (communes first: the smallest blast radius),
then the data centres, the provincial agencies, the districts and the communes, each tier in waves of at
most ``rollout.wave_sites.<tier>`` sites. All devices of a site are in the same wave, so that a site's
routing adjacencies come up inside one wave.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from infra.deploy.targets import TIER_ORDER, Target
from infra.errors import DeployError
from infra.inventory.models import Rollout


@dataclass(frozen=True, slots=True)
class Wave:
    """Sites whose devices are configured together, and how many of them may fail."""

    name: str
    sites: tuple[str, ...]
    devices: tuple[str, ...]
    budget: int


def _sites_in_order(targets: Iterable[Target]) -> list[tuple[str, str]]:
    """(tier, site) of every site with a target, in tier order then first-seen order."""
    seen: dict[str, str] = {}
    for t in targets:
        seen.setdefault(t.site, t.tier)
    return sorted(seen.items(), key=lambda item: TIER_ORDER.index(item[1]) if item[1] in TIER_ORDER else 99)


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def plan_waves(targets: dict[str, Target], rollout: Rollout) -> list[Wave]:
    """The waves of a rollout of ``targets`` under the inventory's ``rollout`` settings."""
    by_site: dict[str, list[str]] = {}
    for name, t in targets.items():
        by_site.setdefault(t.site, []).append(name)
    ordered = [(site, tier) for site, tier in _sites_in_order(targets.values())]
    lowest = max((TIER_ORDER.index(t) for _, t in ordered if t in TIER_ORDER), default=0)
    canary = [s for s, t in ordered if t == TIER_ORDER[lowest]][: rollout.canary] if len(ordered) > 1 else []
    waves: list[Wave] = []

    def add(name: str, sites: list[str]) -> None:
        devices = tuple(d for s in sites for d in by_site[s])
        waves.append(Wave(name, tuple(sites), devices, rollout.failure_budget))

    if canary:
        add("canary", canary)
    for tier in TIER_ORDER:
        sites = [s for s, t in ordered if t == tier and s not in canary]
        size = getattr(rollout.wave_sites, tier)
        for k, chunk in enumerate(_chunks(sites, size), start=1):
            add(f"{tier}-{k}", chunk)
    return waves


def select(waves: list[Wave], *, wave: str | None, devices: list[str] | None, targets: dict[str, Target]) -> list[Wave]:
    """Only the named wave, or one wave of the named devices; every unknown name is reported at once."""
    if wave is not None:
        chosen = [w for w in waves if w.name == wave]
        if not chosen:
            raise DeployError(f"no wave {wave!r}; the waves are: {', '.join(w.name for w in waves)}")
        return chosen
    if devices:
        unknown = [d for d in devices if d not in targets]
        if unknown:
            raise DeployError(f"unknown devices: {', '.join(unknown)} (see 'hatang deploy --list')")
        budget = waves[0].budget if waves else 0
        sites = tuple(dict.fromkeys(targets[d].site for d in devices))
        return [Wave("selected", sites, tuple(devices), budget)]
    return waves
