"""Property tests of the address planner on random inventories.

Inventories are built as python data (a :class:`World`), written to a temporary directory, loaded with
:func:`infra.inventory.load` and planned with :func:`infra.plan.make_plan`. The guarantees checked:
determinism, nibble-aligned hierarchy, containment, no overlap, stability under adding, removing,
reordering and moving sites (2025 mergers included), overrides, and exhaustion reports.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import random
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Any

import pytest
from conftest import write_files
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from infra.errors import PlanError
from infra.inventory import load
from infra.plan import AddressPlan, SitePlan, make_plan
from infra.plan.arith import subnet
from infra.plan.model import IPNet

GUA = {40: "2001:db8:5400::/40", 44: "2001:db8:5400::/44", 48: "2001:db8:54::/48"}
ULA = "fd54:1:2::/48"
IPV4 = "10.0.0.0/8"
V4_TIER_BLOCK = 12  # 16 IPv4 tier blocks of /12 in 10/8, numbered like the IPv6 ones
V4_SITE = 24
V4_INFRA = 20  # IPv4 infrastructure block: 10.0.0.0/20, 2048 /31 circuit links
ULA_TIER_BLOCK = 52
SNAPSHOT = dt.date(2023, 4, 10)

# (tier, kind, parent tier, name prefix, label prefix)
TIERS = (
    ("datacenter", "datacenter", None, "dc", "Trung tâm dữ liệu"),
    ("agency", "agency", None, "so", "Sở"),
    ("district", "district", None, "huyen", "Huyện"),
    ("commune", "commune", "district", "xa", "Xã Hòa"),
)
# IPv6 site lengths that make sense for each GUA pool size (tier blocks are one nibble below the pool).
SITE_LENGTHS: dict[int, dict[str, tuple[int, ...]]] = {
    40: {"datacenter": (48, 52), "agency": (52, 56), "district": (52, 56), "commune": (56, 60)},
    44: {"datacenter": (52, 56), "agency": (56, 60), "district": (56, 60), "commune": (56, 60)},
    48: {"datacenter": (52, 56), "agency": (56, 60), "district": (56, 60), "commune": (60,)},
}
DEVICES = {
    "datacenter": [("edge1", 1, "wan-edge"), ("edge2", 2, "wan-edge"), ("core1", 3, "core")],
    "other": [("ce1", 1, "ce"), ("sw1", 2, "access"), ("fw1", 3, "firewall")],
}

PROPS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- the world: an inventory as python data ----------------------------------------------------------


@dataclass
class TierSpec:
    name: str
    kind: str
    parent: str | None
    slots: tuple[int, ...]
    site: dict[str, int]  # pool -> site prefix length
    block: dict[str, int]  # pool -> tier block length
    label: str = ""

    def capacity(self, pool: str) -> int:
        return len(self.slots) * (1 << (self.site[pool] - self.block[pool]))

    @property
    def room(self) -> int:
        """How many site ids every pool of the tier can hold."""
        return min(self.capacity(p) for p in self.site)


@dataclass
class SiteSpec:
    name: str
    tier: str
    id: int
    parent: str | None = None
    prefixes: dict[str, str] | None = None


@dataclass
class World:
    prefixlen: int
    ula: bool
    tiers: dict[str, TierSpec]
    profiles: list[dict[str, Any]]
    sites: list[SiteSpec]
    circuits: list[dict[str, Any]]
    reserve: list[int]  # tier-block numbers no tier uses (free space)
    taken: dict[str, set[int]] = field(default_factory=dict)  # tier -> GUA block numbers held by overrides
    files: int = 1  # how many files the sites are spread over

    @property
    def gua(self) -> IPv6Network:
        return IPv6Network(GUA[self.prefixlen])

    def pool(self, pool: str) -> IPNet:
        pools: dict[str, IPNet] = {"gua": self.gua, "ula": IPv6Network(ULA), "ipv4": IPv4Network(IPV4)}
        return pools[pool]

    @property
    def pools(self) -> tuple[str, ...]:
        return ("gua", "ula", "ipv4") if self.ula else ("gua", "ipv4")

    def site(self, name: str) -> SiteSpec:
        return next(s for s in self.sites if s.name == name)

    def used_ids(self, tier: str) -> set[int]:
        return {s.id for s in self.sites if s.tier == tier} | self.taken.get(tier, set())

    def copy(self) -> World:
        return copy.deepcopy(self)

    # -- to files ---------------------------------------------------------------------------------------

    def tier_data(self, tier: TierSpec) -> dict[str, Any]:
        addressing: dict[str, Any] = {
            "gua": {"slots": list(tier.slots), "site": tier.site["gua"]},
            "ipv4": {"block": V4_TIER_BLOCK, "slots": list(tier.slots), "site": V4_SITE},
        }
        if "ula" in tier.site:
            addressing["ula"] = {"block": ULA_TIER_BLOCK, "slots": list(tier.slots), "site": tier.site["ula"]}
        data: dict[str, Any] = {
            "name": tier.name,
            "label": tier.label,
            "index": tier.slots[0],
            "kind": tier.kind,
        }
        if tier.parent is not None:
            data["parent"] = tier.parent
        data["addressing"] = addressing
        return data

    def site_data(self, site: SiteSpec) -> dict[str, Any]:
        label = next(t[4] for t in TIERS if t[0] == site.tier)
        data: dict[str, Any] = {
            "name": site.name,
            "label": f"{label} {site.name.split('-', 1)[1]}",
            "id": site.id,
            "tier": site.tier,
            "profile": f"p-{site.tier}",
        }
        if site.parent is not None:
            data["parent"] = site.parent
        if site.prefixes:
            data["prefixes"] = dict(site.prefixes)
        return data

    def to_files(self) -> dict[str, Any]:
        addressing: dict[str, Any] = {
            "gua": GUA[self.prefixlen],
            "ipv4": IPV4,
            "infrastructure": {"gua": {"slot": 0}, "ipv4": {"block": V4_INFRA, "slot": 0}},
        }
        if self.ula:
            addressing["ula"] = ULA
            addressing["infrastructure"]["ula"] = {"slot": 0}
        files: dict[str, Any] = {
            "province.yaml": {
                "province": {"name": "Phú Yên", "code": "54", "snapshot": SNAPSHOT, "asn": 65054},
                "addressing": addressing,
                "tiers": [self.tier_data(t) for t in self.tiers.values()],
                "gateways": [
                    {"name": "gw-1", "label": "Cổng kết nối 1", "asn": 64600, "operator": "Cục Bưu điện Trung ương"}
                ],
            },
            "profiles.yaml": {"profiles": self.profiles},
        }
        chunks = max(1, self.files)
        for k in range(chunks):
            part = self.sites[k::chunks]
            if part:
                files[f"sites/part-{k}.yaml"] = {"sites": [self.site_data(s) for s in part]}
        if self.circuits:
            files["circuits.yaml"] = {"circuits": self.circuits}
        return files


def plan_world(world: World) -> AddressPlan:
    """Write the world to a fresh temporary directory, load and plan it."""
    with tempfile.TemporaryDirectory(prefix="hatang-prop-") as tmp:
        root = write_files(Path(tmp) / "inventory", world.to_files())
        return make_plan(load(root))


def plan_dict(world: World) -> dict[str, Any]:
    return plan_world(world).to_dict()


# --- strategies -----------------------------------------------------------------------------------------


@st.composite
def profiles_for(draw: st.DrawFn, tier: str, v6_len: int) -> dict[str, Any]:
    """A profile whose VLANs and internal links fit a site block of /v6_len."""
    kind = "datacenter" if tier == "datacenter" else "other"
    devices = DEVICES[kind] if kind == "datacenter" else DEVICES[kind][: draw(st.integers(1, 3))]
    names = [d[0] for d in devices]
    pairs = list(itertools.combinations(names, 2))
    links = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=2)) if pairs else []
    n64 = 1 << (64 - v6_len)
    top = n64 - 1 - len(links)  # /64s at the top are reserved for the links; 0 holds the loopbacks
    indexes = draw(st.lists(st.integers(1, top), unique=True, min_size=1, max_size=min(4, top)))
    vlans = []
    for i, index in enumerate(indexes):
        vlan: dict[str, Any] = {"name": f"vlan{i}", "id": 10 * (i + 1), "index": index}
        if i == 0:
            vlan["role"] = "management"
        if i == 0 or draw(st.booleans()):
            vlan["ipv4"] = {"prefix": 28, "index": i}  # offsets 0..63 of the /24
        elif draw(st.integers(0, 4)) == 0:
            vlan["ipv4"] = {"prefix": 28, "index": i}
            vlan["ipv6"] = False
        vlans.append(vlan)
    return {
        "name": f"p-{tier}",
        "devices": [{"name": n, "index": i, "role": r} for n, i, r in devices],
        "vlans": vlans,
        "links": [{"a": a, "b": b} for a, b in links],
        "infra_ipv4": {"prefix": 26, "index": 3},  # offsets 192..255 of the /24
    }


def _site_block_options(world_prefix: int, tier: str) -> tuple[int, ...]:
    return SITE_LENGTHS[world_prefix][tier]


@st.composite
def worlds(
    draw: st.DrawFn,
    prefixlen: int | None = None,
    *,
    ula: bool | None = None,
    min_districts: int = 0,
    min_communes: int = 0,
    overrides: bool = False,
    max_sites: int = 6,
) -> World:
    """A valid random inventory: random tier carving, sites with random unique ids, parents and circuits."""
    p = draw(st.sampled_from(sorted(GUA))) if prefixlen is None else prefixlen
    with_ula = draw(st.booleans()) if ula is None else ula
    order = draw(st.permutations(list(range(1, 16))))
    commune_slots = draw(st.integers(1, 3))
    slot_of = {
        "datacenter": (order[0],),
        "agency": (order[1],),
        "district": (order[2],),
        "commune": tuple(sorted(order[3 : 3 + commune_slots])),
    }
    reserve = sorted(order[3 + commune_slots :])
    tiers: dict[str, TierSpec] = {}
    profiles = []
    for name, kind, parent, _, label in TIERS:
        gua_site = draw(st.sampled_from(_site_block_options(p, name)))
        site = {"gua": gua_site, "ipv4": V4_SITE}
        block = {"gua": p + 4, "ipv4": V4_TIER_BLOCK}
        if with_ula:
            site["ula"] = max(gua_site, ULA_TIER_BLOCK + (4 if name != "datacenter" else 0))
            block["ula"] = ULA_TIER_BLOCK
        tiers[name] = TierSpec(name, kind, parent, slot_of[name], site, block, label=f"Cấp {label}")
        v6_len = max(site["gua"], site.get("ula", 0))
        profiles.append(draw(profiles_for(name, v6_len)))

    counts = {
        "datacenter": draw(st.integers(0, 2)),
        "agency": draw(st.integers(0, max_sites)),
        "district": draw(st.integers(max(1, min_districts), max(1, min_districts, max_sites // 2))),
        "commune": draw(st.integers(min_communes, max(min_communes, max_sites))),
    }
    sites: list[SiteSpec] = []
    for name, _, _, prefix, _ in TIERS:
        room = tiers[name].room
        n = min(counts[name], room)
        ids = draw(st.lists(st.integers(0, room - 1), unique=True, min_size=n, max_size=n))
        for i in ids:
            sites.append(SiteSpec(f"{prefix}-{i}", name, i))
    districts = [s.name for s in sites if s.tier == "district"]
    for s in sites:
        if s.tier == "commune":
            s.parent = draw(st.sampled_from(districts))

    world = World(p, with_ula, tiers, profiles, sites, [], reserve)
    world.circuits = draw(circuits_for(world, sites, set()))
    if overrides:
        draw_overrides(draw, world)
    world.sites = draw(st.permutations(world.sites))
    world.files = draw(st.integers(1, 3))
    return world


@st.composite
def circuits_for(draw: st.DrawFn, world: World, sites: Iterable[SiteSpec], used: set[int]) -> list[dict[str, Any]]:
    """Two diverse circuits per data centre, maybe one per other site; ids unique and inside the /20."""
    wanted: list[tuple[str, str]] = []
    for s in sites:
        if s.tier == "datacenter":
            wanted += [(s.name, "edge1"), (s.name, "edge2")]
        elif draw(st.booleans()):
            wanted.append((s.name, "ce1"))
    free = st.integers(1, (1 << (32 - V4_INFRA - 1)) - 1).filter(lambda i: i not in used)
    ids = draw(st.lists(free, unique=True, min_size=len(wanted), max_size=len(wanted)))
    used.update(ids)
    return [
        {
            "id": cid,
            "a": {"site": site, "device": device},
            "gateway": "gw-1",
            "access": "cap2",
            "bandwidth_mbps": 100,
            "route": f"R{cid}",
        }
        for cid, (site, device) in zip(ids, wanted, strict=True)
    ]


def draw_overrides(draw: st.DrawFn, world: World) -> None:
    """Give up to three sites a deployed prefix from free space (a reserve tier block, or an unused id)."""
    candidates = [s for s in world.sites if s.tier != "datacenter"]
    if not candidates:
        return
    chosen = draw(st.lists(st.sampled_from(candidates), unique_by=lambda s: s.name, max_size=3))
    reserve = list(world.reserve)
    for site in chosen:
        tier = world.tiers[site.tier]
        length = tier.site["gua"]
        where = draw(st.sampled_from(["reserve", "tier"]))
        prefixes: dict[str, str] = {}
        if where == "reserve" and reserve:
            slot = reserve.pop(draw(st.integers(0, len(reserve) - 1)))
            block = subnet(world.gua, slot, world.prefixlen + 4)
            assert block is not None
            net = subnet(block, draw(st.integers(0, (1 << (length - block.prefixlen)) - 1)), length)
            prefixes["gua"] = str(net)
            if draw(st.booleans()):
                v4_block = subnet(IPv4Network(IPV4), slot, V4_TIER_BLOCK)
                assert v4_block is not None
                v4 = subnet(v4_block, draw(st.integers(0, (1 << (V4_SITE - V4_TIER_BLOCK)) - 1)), V4_SITE)
                prefixes["ipv4"] = str(v4)
        else:
            free = sorted(set(range(min(tier.capacity("gua"), 4096))) - world.used_ids(site.tier))
            if not free:
                continue
            number = draw(st.sampled_from(free))
            world.taken.setdefault(site.tier, set()).add(number)
            prefixes["gua"] = str(expected_block(world, site.tier, "gua", number))
        site.prefixes = prefixes


def expected_block(world: World, tier_name: str, pool: str, number: int) -> IPNet:
    """The rule, computed independently: block ``number`` of the tier's site size across its slots."""
    tier = world.tiers[tier_name]
    per = 1 << (tier.site[pool] - tier.block[pool])
    slot, n = divmod(number, per)
    base = world.pool(pool)
    tier_block = ip_network(
        (int(base.network_address) + (tier.slots[slot] << (base.max_prefixlen - tier.block[pool])), tier.block[pool])
    )
    return ip_network(
        (int(tier_block.network_address) + (n << (base.max_prefixlen - tier.site[pool])), tier.site[pool])
    )


# --- helpers over plans ---------------------------------------------------------------------------------


def overlapping(nets: list[IPNet]) -> list[tuple[IPNet, IPNet]]:
    return [(a, b) for a, b in itertools.combinations(nets, 2) if a.version == b.version and a.overlaps(b)]


def inside(net: IPNet, base: IPNet) -> bool:
    return net.version == base.version and net.subnet_of(base)  # type: ignore[arg-type]


def site_entries(plan: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {n: plan["sites"][n] for n in names}


def circuit_entries(plan: dict[str, Any], world: World, names: Iterable[str]) -> dict[str, Any]:
    wanted = set(names)
    return {str(c["id"]): plan["circuits"][str(c["id"])] for c in world.circuits if c["a"]["site"] in wanted}


# --- determinism -----------------------------------------------------------------------------------------


@PROPS
@given(worlds(overrides=True))
def test_plan_is_deterministic(world: World) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        first = write_files(Path(tmp) / "a", world.to_files())
        second = write_files(Path(tmp) / "elsewhere" / "b", world.to_files())
        plans = [make_plan(load(first)), make_plan(load(first)), make_plan(load(second))]
    dicts = [p.to_dict() for p in plans]
    assert dicts[0] == dicts[1] == dicts[2]
    assert dicts[0]["inventory_sha256"] == dicts[2]["inventory_sha256"]
    assert len(dicts[0]["sites"]) == len(world.sites)


# --- hierarchy, alignment, containment -----------------------------------------------------------------------


@pytest.mark.parametrize("prefixlen", sorted(GUA))
@PROPS
@given(data=st.data())
def test_blocks_are_nibble_aligned_and_follow_the_rule(prefixlen: int, data: st.DataObject) -> None:
    world = data.draw(worlds(prefixlen))
    plan = plan_world(world)
    assert str(plan.pools["gua"]) == GUA[prefixlen]
    for pool in world.pools:
        if pool == "ipv4":
            continue
        infra = plan.infrastructure[pool]
        assert infra.prefixlen % 4 == 0
        assert int(infra.network_address) % infra.num_addresses == 0
        for name, tier in world.tiers.items():
            blocks = plan.tiers[name][pool]
            expected = [subnet(world.pool(pool), s, tier.block[pool]) for s in tier.slots]
            assert list(blocks) == expected
            for b in blocks:
                assert b.prefixlen % 4 == 0
                assert int(b.network_address) % b.num_addresses == 0
    for spec in world.sites:
        site = plan.sites[spec.name]
        for pool, block in site.blocks.items():
            net = block.prefix
            if pool != "ipv4":
                assert net.prefixlen % 4 == 0, f"{spec.name} {pool} {net}"
            assert int(net.network_address) % net.num_addresses == 0
            if spec.prefixes and pool in spec.prefixes:
                continue
            assert net == expected_block(world, spec.tier, pool, spec.id)
            assert net.prefixlen == world.tiers[spec.tier].site[pool]


def assert_blocks_contained(plan: AddressPlan, world: World) -> None:
    """Infrastructure and tier blocks inside their pool; site blocks inside a tier block (or the pool)."""
    for pool in world.pools:
        assert inside(plan.infrastructure[pool], plan.pools[pool])
        for blocks in plan.tiers.values():
            assert all(inside(b, plan.pools[pool]) for b in blocks[pool])
    for spec in world.sites:
        site = plan.sites[spec.name]
        assert set(site.blocks) == set(world.pools)
        for pool, block in site.blocks.items():
            assert inside(block.prefix, plan.pools[pool])
            if not block.override:
                assert any(inside(block.prefix, t) for t in plan.tiers[spec.tier][pool])


def assert_vlans_contained(site: SitePlan) -> None:
    for vlan in site.vlans:
        for pool, net in vlan.subnets.items():
            assert inside(net, site.blocks[pool].prefix)
            if pool != "ipv4":
                assert net == subnet(site.blocks[pool].prefix, vlan.index, 64)
            gateway = vlan.gateways[pool]
            assert gateway in net
            assert gateway != net.network_address
            if vlan.role != "management":
                assert gateway == net.network_address + 1


def assert_loopbacks_contained(site: SitePlan, infra4: IPNet) -> None:
    """Loopbacks: device index in /64 number 0 of the site block, and in infra_ipv4."""
    for device in site.devices:
        for pool, addr in device.loopbacks.items():
            base = infra4 if pool == "ipv4" else subnet(site.blocks[pool].prefix, 0, 64)
            assert base is not None
            assert addr in base
            assert int(addr) - int(base.network_address) == device.index


def assert_links_contained(site: SitePlan, infra4: IPNet) -> None:
    """Internal links: /127 inside its reserved /64 inside the site block; /31 inside infra_ipv4."""
    for link in site.links:
        for pool, net in link.prefixes.items():
            assert inside(net, site.blocks[pool].prefix)
            if pool == "ipv4":
                assert net.prefixlen == 31
                assert inside(net, infra4)
            else:
                assert net.prefixlen == 127
                assert link.reserved[pool].prefixlen == 64
                assert inside(net, link.reserved[pool])
                assert inside(link.reserved[pool], site.blocks[pool].prefix)
            assert {link.a_addr[pool], link.b_addr[pool]} == {net.network_address, net.broadcast_address}


def assert_circuits_contained(plan: AddressPlan, world: World) -> None:
    """Circuit id n: /64 number n of the infrastructure block, its first /127; /31 number n."""
    for circuit in world.circuits:
        c = plan.circuits[circuit["id"]]
        for pool in world.pools:
            infra = plan.infrastructure[pool]
            if pool == "ipv4":
                assert c.prefixes[pool] == subnet(infra, circuit["id"], 31)
                assert pool not in c.reserved
            else:
                assert c.reserved[pool] == subnet(infra, circuit["id"], 64)
                assert c.prefixes[pool] == subnet(c.reserved[pool], 0, 127)
            net = c.prefixes[pool]
            assert inside(net, infra)
            assert c.b_addr[pool] == net.network_address  # the gateway takes the lower address
            assert c.a_addr[pool] == net.broadcast_address  # the province's device the upper


@PROPS
@given(worlds(overrides=True))
def test_everything_is_contained(world: World) -> None:
    plan = plan_world(world)
    assert_blocks_contained(plan, world)
    for site in plan.sites.values():
        infra4 = subnet(site.blocks["ipv4"].prefix, 3, 26)  # infra_ipv4 of every generated profile
        assert infra4 is not None
        assert_vlans_contained(site)
        assert_loopbacks_contained(site, infra4)
        assert_links_contained(site, infra4)
    assert_circuits_contained(plan, world)


# --- no overlap ----------------------------------------------------------------------------------------------


@PROPS
@given(worlds(overrides=True, ula=True))
def test_nothing_overlaps(world: World) -> None:
    plan = plan_world(world)
    for pool in world.pools:
        tier_blocks = [b for blocks in plan.tiers.values() for b in blocks[pool]]
        assert not overlapping([*tier_blocks, plan.infrastructure[pool]])
        site_blocks = [s.blocks[pool].prefix for s in plan.sites.values()]
        assert not overlapping([*site_blocks, plan.infrastructure[pool]])
        links = [c.reserved.get(pool, c.prefixes[pool]) for c in plan.circuits.values()]
        assert not overlapping(links + site_blocks)
    for site in plan.sites.values():
        for pool in site.blocks:
            vlans = [v.subnets[pool] for v in site.vlans if pool in v.subnets]
            assert not overlapping(vlans), site.name
            if pool != "ipv4":
                reserved = [link.reserved[pool] for link in site.links]
                loop64 = subnet(site.blocks[pool].prefix, 0, 64)
                assert loop64 is not None
                assert not overlapping([loop64, *vlans, *reserved]), site.name
            else:
                links31 = [link.prefixes[pool] for link in site.links]
                loops = [ip_network(d.loopbacks[pool]) for d in site.devices]
                assert not overlapping([*vlans, *links31, *loops]), site.name


@st.composite
def tier_geometries(draw: st.DrawFn) -> tuple[int, int, list[tuple[int, list[int]]]]:
    p = draw(st.sampled_from(sorted(GUA)))
    infra_slot = draw(st.integers(0, 3))
    tiers = []
    for _ in range(draw(st.integers(1, 4))):
        length = draw(st.sampled_from([p + 4, p + 8]))
        top = 8 if length == p + 4 else 80  # slots of a /p+8 block reach into the first five /p+4 blocks
        tiers.append((length, draw(st.lists(st.integers(0, top), min_size=1, max_size=2, unique=True))))
    return p, infra_slot, tiers


@PROPS
@given(tier_geometries())
def test_overlapping_tier_blocks_are_refused(geometry: tuple[int, int, list[tuple[int, list[int]]]]) -> None:
    p, infra_slot, layout = geometry
    pool = IPv6Network(GUA[p])
    tiers = []
    blocks: list[tuple[str, IPNet]] = [("infrastructure", subnet(pool, infra_slot, p + 4))]  # type: ignore[list-item]
    for i, (length, slots) in enumerate(layout):
        name = f"t{i}"
        tiers.append(
            {
                "name": name,
                "label": f"Tầng {i}",
                "index": i,
                "kind": "other",
                "addressing": {
                    "gua": {"block": length, "slots": slots, "site": length + 4},
                    "ipv4": {"block": 16, "slots": [i + 1], "site": 24},
                },
            }
        )
        blocks += [(name, subnet(pool, s, length)) for s in slots]  # type: ignore[misc]
    files = {
        "inv.yaml": {
            "province": {"name": "Phú Yên", "code": "54", "snapshot": SNAPSHOT, "asn": 65054},
            "addressing": {
                "gua": str(pool),
                "ipv4": "10.0.0.0/8",
                "infrastructure": {"gua": {"slot": infra_slot}, "ipv4": {"block": 20, "slot": 0}},
            },
            "tiers": tiers,
        }
    }
    clash = [(a, b) for (a, x), (b, y) in itertools.combinations(blocks, 2) if x.overlaps(y)]
    event("clash" if clash else "no clash")
    with tempfile.TemporaryDirectory() as tmp:
        inv = load(write_files(Path(tmp), files))
        if not clash:
            plan = make_plan(inv)
            assert not overlapping([b for t in plan.tiers.values() for b in t["gua"]] + [plan.infrastructure["gua"]])
            return
        with pytest.raises(PlanError) as err:
            make_plan(inv)
    problems = err.value.problems
    assert problems
    assert all(p.expected == "tier blocks that do not overlap" for p in problems)
    clashing = {a for a, b in clash} | {b for a, b in clash}
    for problem in problems:
        # "block X of tier 't0' overlapping Y of the infrastructure block": both named, and they do overlap
        found = re.fullmatch(r"block (\S+) of (.+) overlapping (\S+) of (.+)", problem.found)
        assert found is not None, problem.found
        assert ip_network(found[1]).overlaps(ip_network(found[3]))
        for what in (found[2], found[4]):
            name = "infrastructure" if what == "the infrastructure block" else what.removeprefix("tier ").strip("'")
            assert name in clashing


# --- stability --------------------------------------------------------------------------------------------------


def assert_unchanged(before: dict[str, Any], after: dict[str, Any], old: World, new: World, names: set[str]) -> None:
    assert names, "nothing to compare"
    assert site_entries(after, names) == site_entries(before, names)
    assert circuit_entries(after, new, names) == circuit_entries(before, old, names)


def free_ids(world: World, tier: str) -> st.SearchStrategy[int] | None:
    """Ids of the tier that no site (and no override) uses yet; None when the tier is full."""
    used = world.used_ids(tier)
    room = world.tiers[tier].room
    if len(used) >= room:
        return None
    return st.integers(0, room - 1).filter(lambda i: i not in used)


@st.composite
def with_added_sites(draw: st.DrawFn) -> tuple[World, World]:
    world = draw(worlds(overrides=True))
    new = world.copy()
    used_circuits = {c["id"] for c in world.circuits}
    added: list[SiteSpec] = []
    for _ in range(draw(st.integers(1, 4))):
        tier = draw(st.sampled_from(["agency", "district", "commune", "datacenter"]))
        free = free_ids(new, tier)
        if free is None:
            continue
        i = draw(free)
        prefix = next(t[3] for t in TIERS if t[0] == tier)
        parent = None
        if tier == "commune":
            parent = draw(st.sampled_from([s.name for s in new.sites if s.tier == "district"]))
        site = SiteSpec(f"{prefix}-{i}", tier, i, parent)
        new.sites.insert(draw(st.integers(0, len(new.sites))), site)
        added.append(site)
    assume(added)
    new.circuits += draw(circuits_for(new, added, used_circuits))
    return world, new


@PROPS
@given(with_added_sites())
def test_adding_sites_moves_no_other_site(worlds_: tuple[World, World]) -> None:
    world, bigger = worlds_
    before, after = plan_dict(world), plan_dict(bigger)
    names = {s.name for s in world.sites}
    assert_unchanged(before, after, world, bigger, names)
    assert len(after["sites"]) > len(before["sites"])


@st.composite
def with_removed_sites(draw: st.DrawFn) -> tuple[World, World, set[str]]:
    world = draw(worlds(overrides=True, max_sites=8))
    parents = {s.parent for s in world.sites}
    removable = sorted(s.name for s in world.sites if s.name not in parents)
    assume(len(removable) >= 2)
    gone = set(draw(st.lists(st.sampled_from(removable), unique=True, min_size=1, max_size=len(removable) - 1)))
    new = world.copy()
    new.sites = [s for s in new.sites if s.name not in gone]
    new.circuits = [c for c in new.circuits if c["a"]["site"] not in gone]
    return world, new, gone


@PROPS
@given(with_removed_sites())
def test_removing_sites_moves_no_other_site(worlds_: tuple[World, World, set[str]]) -> None:
    world, smaller, gone = worlds_
    before, after = plan_dict(world), plan_dict(smaller)
    kept = {s.name for s in smaller.sites}
    assert_unchanged(before, after, world, smaller, kept)
    assert not gone & set(after["sites"])


@PROPS
@given(worlds(overrides=True), st.randoms(use_true_random=False), st.integers(1, 4))
def test_reordering_sites_and_files_changes_nothing(world: World, rnd: random.Random, files: int) -> None:
    shuffled = world.copy()
    rnd.shuffle(shuffled.sites)
    rnd.shuffle(shuffled.circuits)
    rnd.shuffle(shuffled.profiles)
    shuffled.files = files
    before, after = plan_dict(world), plan_dict(shuffled)
    del before["inventory_sha256"], after["inventory_sha256"]
    assert after == before


@PROPS
@given(worlds(min_districts=2, min_communes=1), st.data())
def test_moving_a_commune_to_another_district_keeps_everything(world: World, data: st.DataObject) -> None:
    commune = data.draw(st.sampled_from([s for s in world.sites if s.tier == "commune"]))
    others = [s.name for s in world.sites if s.tier == "district" and s.name != commune.parent]
    moved = world.copy()
    moved.site(commune.name).parent = data.draw(st.sampled_from(others))
    before, after = plan_dict(world), plan_dict(moved)
    assert after["sites"][commune.name]["blocks"] == before["sites"][commune.name]["blocks"]
    del before["inventory_sha256"], after["inventory_sha256"]
    assert after == before


@PROPS
@given(worlds(min_communes=1, overrides=True), st.data())
def test_dropping_the_district_tier_keeps_every_commune(world: World, data: st.DataObject) -> None:
    """July 2025: districts disappear, communes (merged or not) become top-level; nobody is renumbered."""
    merged = world.copy()
    districts = {s.name for s in merged.sites if s.tier == "district"}
    del merged.tiers["district"]
    merged.tiers["commune"].parent = None
    merged.profiles = [p for p in merged.profiles if p["name"] != "p-district"]
    merged.sites = [s for s in merged.sites if s.tier != "district"]
    for s in merged.sites:
        s.parent = None
    merged.circuits = [c for c in merged.circuits if c["a"]["site"] not in districts]
    merged.sites = data.draw(st.permutations(merged.sites))
    before, after = plan_dict(world), plan_dict(merged)
    kept = {s.name for s in merged.sites}
    assert {s.name for s in merged.sites if s.tier == "commune"} <= kept
    assert_unchanged(before, after, world, merged, kept)
    assert "district" not in after["tiers"]
    assert not districts & set(after["sites"])


# --- overrides ----------------------------------------------------------------------------------------------------


@PROPS
@given(worlds(overrides=True))
def test_overrides_are_used_verbatim_and_move_nobody(world: World) -> None:
    overridden = [s for s in world.sites if s.prefixes]
    assume(overridden)
    plain = world.copy()
    for s in plain.sites:
        s.prefixes = None
    with_overrides, without = plan_dict(world), plan_dict(plain)
    for spec in overridden:
        entry = with_overrides["sites"][spec.name]
        assert spec.prefixes is not None
        for pool, prefix in spec.prefixes.items():
            assert entry["blocks"][pool] == prefix
        assert entry["overrides"] == sorted(spec.prefixes)
        for pool in set(world.pools) - set(spec.prefixes):
            assert entry["blocks"][pool] == without["sites"][spec.name]["blocks"][pool]
        for vlan in entry["vlans"].values():
            for pool, net in vlan["subnets"].items():
                assert inside(ip_network(net), ip_network(entry["blocks"][pool]))
    others = {s.name for s in world.sites if not s.prefixes}
    if others:
        assert_unchanged(without, with_overrides, plain, world, others)
    assert with_overrides["circuits"] == without["circuits"]


# --- exhaustion -------------------------------------------------------------------------------------------------


@FEW
@given(worlds(min_districts=1), st.sampled_from(["agency", "district", "commune", "datacenter"]), st.integers(0, 300))
def test_exhaustion_names_pool_size_and_demand(world: World, tier_name: str, beyond: int) -> None:
    tier = world.tiers[tier_name]
    site_id = tier.room + beyond
    prefix = next(t[3] for t in TIERS if t[0] == tier_name)
    parent = next(s.name for s in world.sites if s.tier == "district") if tier_name == "commune" else None
    full = world.copy()
    full.sites.append(SiteSpec(f"{prefix}-{site_id}", tier_name, site_id, parent))
    if tier_name == "datacenter":
        used = {c["id"] for c in full.circuits}
        cid = next(i for i in range(1, 2047) if i not in used and i + 1 not in used)
        full.circuits += [
            {
                "id": i,
                "a": {"site": f"{prefix}-{site_id}", "device": d},
                "gateway": "gw-1",
                "access": "cap2",
                "bandwidth_mbps": 100,
                "route": f"R{i}",
            }
            for i, d in ((cid, "edge1"), (cid + 1, "edge2"))
        ]
    with pytest.raises(PlanError) as err:
        plan_world(full)
    count = sum(1 for s in full.sites if s.tier == tier_name)
    problems = err.value.problems
    exhausted = {p.path.rsplit(".", 1)[1]: p for p in problems if "demand for" in p.found}
    expected_pools = {p for p in world.pools if site_id >= tier.capacity(p)}
    assert set(exhausted) == expected_pools
    assert all(Path(p.file or "").name == "province.yaml" and p.path.startswith("tiers[") for p in exhausted.values())
    for pool, problem in exhausted.items():
        room = tier.capacity(pool)
        length = tier.site[pool]
        assert f"demand for {count} sites of /{length} in tier '{tier_name}'" in problem.found
        assert f"{prefix}-{site_id}" in problem.found
        assert f"ids below {room}: pool {pool} {world.pool(pool)}" in problem.expected
        assert f"= {room} sites of /{length}" in problem.expected
        assert f"{len(tier.slots)} block(s) of /{tier.block[pool]}" in problem.expected


@given(st.integers(min_value=0, max_value=(1 << 128) - 1), st.lists(st.booleans(), min_size=8, max_size=8))
def test_fast_address_text_is_python_s(value: int, zeroed: list[bool]) -> None:
    """ip_text (inet_ntop) spells every IPv6 and IPv4 address exactly as ipaddress does (RFC 5952)."""
    from ipaddress import IPv4Address, IPv6Address

    from infra.plan.model import ip_text

    for k, zero in enumerate(zeroed):  # runs of zero hextets, where compression choices are made
        if zero:
            value &= ~(0xFFFF << (16 * k))
    v6 = IPv6Address(value)
    assert ip_text(v6) == str(v6)
    v4 = IPv4Address(value >> 96)
    assert ip_text(v4) == str(v4)
