"""Cut the pools: infrastructure blocks, tier blocks, and each site's block (or its override).

A site's block is block number ``id`` of its tier's site size, counted across the tier's slots; it
depends on nothing else, which is what keeps the plan stable.
"""

from __future__ import annotations

from collections import defaultdict

from infra.errors import Problem
from infra.inventory.explain import Origin
from infra.inventory.models import TierBlock
from infra.inventory.resolve import EffectiveSite, Inventory
from infra.plan.arith import Span, capacity, inside, is_v6, overlaps, position, subnet
from infra.plan.model import Block, IPNet


class Planner:
    """Carries the inventory, the pools and the problems through one planning pass."""

    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.problems: list[Problem] = []
        a = inv.addressing
        self.pools: dict[str, IPNet] = {p: n for p, n in (("gua", a.gua), ("ula", a.ula), ("ipv4", a.ipv4)) if n}
        self.infra: dict[str, IPNet] = {}
        self.tier_blocks: dict[str, dict[str, tuple[IPNet, ...]]] = {}
        self.bad_sites: set[str] = set()  # blocks already reported wrong: not checked again address by address

    def fail(self, origin: Origin, sub: tuple[str | int, ...], found: str, expected: str) -> None:
        """Record one problem."""
        self.problems.append(origin.problem(sub, found, expected))

    # --- geometry: infrastructure and tier blocks ----------------------------------------------

    def _length_ok(self, pool: str, length: int, origin: Origin, sub: tuple[str | int, ...]) -> bool:
        base = self.pools[pool]
        if length < base.prefixlen or length > base.max_prefixlen:
            self.fail(
                origin,
                sub,
                f"/{length}",
                f"a length between /{base.prefixlen} and /{base.max_prefixlen} ({pool} {base})",
            )
            return False
        if is_v6(pool) and length % 4:
            self.fail(origin, sub, f"/{length}", "a nibble-aligned length (a multiple of 4) for IPv6")
            return False
        return True

    def infrastructure(self) -> None:
        """Place the infrastructure block of each pool."""
        origin = self._addressing_origin()
        for pool in self.pools:
            spec = getattr(self.inv.addressing.infrastructure, pool)
            if spec is None:
                continue
            length = spec.block if spec.block is not None else self._default_block(pool)
            sub = ("infrastructure", pool)
            if length is None or not self._length_ok(pool, length, origin, (*sub, "block")):
                continue
            block = subnet(self.pools[pool], spec.slot, length)
            if block is None:
                self.fail(origin, (*sub, "slot"), f"slot {spec.slot}", self._slot_range(pool, length))
                continue
            self.infra[pool] = block

    def _addressing_origin(self) -> Origin:
        return self.inv.origin("addressing", "")

    def _default_block(self, pool: str) -> int | None:
        return self.pools[pool].prefixlen + 4 if is_v6(pool) else None

    def _slot_range(self, pool: str, length: int) -> str:
        count = 1 << (length - self.pools[pool].prefixlen)
        return f"a slot from 0 to {count - 1} (pool {pool} {self.pools[pool]} holds {count} blocks of /{length})"

    def tiers(self) -> None:
        """Cut each tier's blocks out of each pool."""
        for name, tier in self.inv.tiers.items():
            origin = self.inv.origin("tiers", name)
            blocks: dict[str, tuple[IPNet, ...]] = {}
            for pool in self.pools:
                spec: TierBlock | None = getattr(tier.addressing, pool)
                if spec is None:
                    continue
                carved = self._tier_pool(pool, spec, tier.index, origin)
                if carved:
                    blocks[pool] = carved
            self.tier_blocks[name] = blocks

    def _tier_pool(self, pool: str, spec: TierBlock, index: int, origin: Origin) -> tuple[IPNet, ...]:
        sub: tuple[str | int, ...] = ("addressing", pool)
        length = spec.block if spec.block is not None else self._default_block(pool)
        if length is None:
            self.fail(origin, (*sub, "block"), "no block length", "block: the prefix length of IPv4 tier blocks")
            return ()
        if not self._length_ok(pool, length, origin, (*sub, "block")):
            return ()
        if not self._length_ok(pool, spec.site, origin, (*sub, "site")):
            return ()
        if spec.site < length:
            self.fail(
                origin,
                (*sub, "site"),
                f"/{spec.site}",
                f"a site length of /{length} or longer (inside the tier block)",
            )
            return ()
        out: list[IPNet] = []
        for slot in spec.slots if spec.slots is not None else [index]:
            block = subnet(self.pools[pool], slot, length)
            if block is None:
                self.fail(origin, (*sub, "slots"), f"slot {slot}", self._slot_range(pool, length))
                return ()
            out.append(block)
        return tuple(out)

    def check_geometry_overlaps(self) -> None:
        """Tier blocks and infrastructure blocks must not overlap one another."""
        for pool in self.pools:
            spans: list[tuple[IPNet, str, Origin]] = []
            if pool in self.infra:
                spans.append((self.infra[pool], "the infrastructure block", self._addressing_origin()))
            for tier, blocks in self.tier_blocks.items():
                spans += [(b, f"tier {tier!r}", self.inv.origin("tiers", tier)) for b in blocks.get(pool, ())]
            for (net, what, origin), (other, other_what) in overlaps(spans):
                self.fail(
                    origin,
                    ("addressing", pool),
                    f"block {net} of {what} overlapping {other} of {other_what}",
                    "tier blocks that do not overlap",
                )

    # --- sites ---------------------------------------------------------------------------------

    def site_blocks(self) -> dict[str, dict[str, Block]]:
        """Every site's block in every pool its tier uses, with exhaustion reported per tier."""
        out: dict[str, dict[str, Block]] = {}
        demand: dict[tuple[str, str], list[EffectiveSite]] = defaultdict(list)
        for site in sorted(self.inv.sites.values(), key=lambda s: (s.spec.tier, s.spec.id)):
            if site.tier is None:
                continue
            out[site.name] = self._one_site_blocks(site, demand)
        for (tier, pool), sites in demand.items():
            self._exhausted(tier, pool, sites)
        return out

    def _one_site_blocks(
        self, site: EffectiveSite, demand: dict[tuple[str, str], list[EffectiveSite]]
    ) -> dict[str, Block]:
        blocks: dict[str, Block] = {}
        tier = site.tier
        assert tier is not None
        overrides = site.spec.prefixes
        for pool, tier_blocks in self.tier_blocks.get(tier.name, {}).items():
            fixed = getattr(overrides, pool) if overrides is not None else None
            if fixed is not None:
                blocks[pool] = Block(fixed, "override: deployed in the field", override=True)
                continue
            spec: TierBlock = getattr(tier.addressing, pool)
            per = 1 << (spec.site - tier_blocks[0].prefixlen)
            slot, number = divmod(site.spec.id, per)
            if slot >= len(tier_blocks):
                demand[(tier.name, pool)].append(site)
                continue
            net = subnet(tier_blocks[slot], number, spec.site)
            assert net is not None
            how = f"tier {tier.name} block {tier_blocks[slot]}, /{spec.site} number {number} (site id {site.spec.id})"
            blocks[pool] = Block(net, how)
        return blocks

    def _exhausted(self, tier: str, pool: str, sites: list[EffectiveSite]) -> None:
        spec: TierBlock = getattr(self.inv.tiers[tier].addressing, pool)
        blocks = self.tier_blocks[tier][pool]
        room = capacity(blocks, spec.site)
        count = sum(1 for s in self.inv.sites.values() if s.spec.tier == tier)
        names = ", ".join(s.name for s in sites[:3]) + (" ..." if len(sites) > 3 else "")
        found = f"demand for {count} sites of /{spec.site} in tier {tier!r}, {len(sites)} with ids >= {room} ({names})"
        expected = (
            f"ids below {room}: pool {pool} {self.pools[pool]} gives tier {tier!r} {len(blocks)} block(s) "
            f"of /{blocks[0].prefixlen} = {room} sites of /{spec.site}; add slots or use a larger pool"
        )
        self.fail(self.inv.origin("tiers", tier), ("addressing", pool), found, expected)

    def check_site_blocks(self, blocks: dict[str, dict[str, Block]]) -> None:
        """Overrides inside their pool; no two site blocks overlap; nothing overlaps circuit links."""
        for pool, base in self.pools.items():
            spans: list[tuple[IPNet, str, Origin]] = []
            for name, per_pool in blocks.items():
                block = per_pool.get(pool)
                if block is None:
                    continue
                origin = self.inv.sites[name].origin
                if block.override and not inside(block.prefix, base):
                    self.bad_sites.add(name)
                    self.fail(
                        origin,
                        ("prefixes", pool),
                        f"{block.prefix}, outside pool {pool} {base}",
                        f"a prefix inside {base}",
                    )
                    continue
                if block.override and is_v6(pool) and block.prefix.prefixlen % 4:
                    self.fail(
                        origin,
                        ("prefixes", pool),
                        f"{block.prefix}",
                        "a nibble-aligned prefix (length a multiple of 4)",
                    )
                spans.append((block.prefix, f"site {name!r}", origin))
            if pool in self.infra:
                spans.append((self.infra[pool], "the infrastructure block", self._addressing_origin()))
            overrides = {f"site {n!r}": n for n, b in blocks.items() if pool in b and b[pool].override}

            def override_first(span: Span, overrides: dict[str, str] = overrides) -> tuple[bool, str, int, int]:
                return (span[1] in overrides, *position(span[2]))  # an override is what a person can get wrong

            for (net, what, origin), (other, other_what) in overlaps(spans, blame=override_first):
                if what in overrides:
                    self.bad_sites.add(overrides[what])
                self.fail(
                    origin,
                    ("prefixes", pool),
                    f"block {net} of {what} overlapping {other} of {other_what}",
                    "blocks that do not overlap",
                )
