"""The two sample inventories: valid, the right size, and true to the official administrative lists."""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from infra.inventory import Inventory, load
from infra.plan import make_plan

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="module")
def phu_yen() -> Inventory:
    return load(ROOT / "inventory")


@pytest.fixture(scope="module")
def phu_tho() -> Inventory:
    return load(ROOT / "examples" / "phu-tho-2025")


def official(year: int, code: str) -> dict[str, Any]:
    data = json.loads((SHARED / f"admin-units-{year}.json").read_text(encoding="utf-8"))
    province: dict[str, Any] = next(p for p in data["provinces"] if p["code"] == code)
    return province


def tier_counts(inv: Inventory) -> Counter[str]:
    return Counter(inv.tiers[s.spec.tier].kind for s in inv.sites.values())


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def test_phu_yen_has_the_2023_shape(phu_yen: Inventory) -> None:
    kinds = tier_counts(phu_yen)
    assert phu_yen.province.code == "54"
    assert kinds["district"] == 9
    assert kinds["commune"] == 110
    assert kinds["datacenter"] == 2
    assert 19 <= kinds["agency"] <= 26
    assert 40 <= len(phu_yen.hosts) <= 60
    assert all(s.spec.parent for s in phu_yen.sites.values() if s.tier and s.tier.kind == "commune")


def test_phu_yen_districts_and_communes_are_the_official_ones(phu_yen: Inventory) -> None:
    province = official(2023, "54")
    districts = {d["code"]: nfc(d["name"]) for d in province["districts"]}
    communes = {c["code"]: (nfc(c["name"]), d["code"]) for d in province["districts"] for c in d["communes"]}
    sites = list(phu_yen.sites.values())
    got_districts = {s.spec.code: s.spec.label for s in sites if s.tier and s.tier.kind == "district"}
    assert got_districts == districts
    got_communes = {s.spec.code: s for s in sites if s.tier and s.tier.kind == "commune"}
    assert set(got_communes) == set(communes)
    for code, site in got_communes.items():
        label, district = communes[code]
        assert site.spec.label == label
        parent = phu_yen.sites[site.spec.parent or ""]
        assert parent.spec.code == district, f"{site.name} hangs under the wrong district"


def test_phu_tho_2025_is_two_tier_and_official(phu_tho: Inventory) -> None:
    province = official(2025, "25")
    communes = {c["code"]: nfc(c["name"]) for c in province["communes"]}
    kinds = tier_counts(phu_tho)
    assert "district" not in kinds
    assert kinds["commune"] == 148 == len(communes)
    got = {s.spec.code: s.spec.label for s in phu_tho.sites.values() if s.tier and s.tier.kind == "commune"}
    assert got == communes
    assert all(s.spec.parent is None for s in phu_tho.sites.values())
    assert phu_tho.addressing.ula is not None


@pytest.mark.parametrize("name", ["phu_yen", "phu_tho"])
def test_sample_plans_cover_every_site_device_and_host(name: str, request: pytest.FixtureRequest) -> None:
    inv: Inventory = request.getfixturevalue(name)
    plan = make_plan(inv)
    assert set(plan.sites) == set(inv.sites)
    assert set(plan.hosts) == set(inv.hosts)
    planned = {d.name for s in plan.sites.values() for d in s.devices}
    assert planned == set(inv.devices)
    for site in plan.sites.values():
        assert {"gua", "ipv4"} <= set(site.blocks), f"{site.name} is not dual-stack"
        for device in site.devices:
            assert {"gua", "ipv4"} <= set(device.loopbacks)


def test_samples_cover_the_shared_systems_with_levels(phu_yen: Inventory) -> None:
    levels = {s.level for s in phu_yen.systems.values()}
    assert levels <= {1, 2, 3, 4, 5}
    assert len(levels) >= 2
    roles = {h.role for h in phu_yen.hosts.values()}
    assert len(roles) >= 8
    kinds = {e.kind for e in phu_yen.endpoints.values()}
    assert {"syslog", "ntp", "dns", "aaa"} <= kinds
    assert phu_yen.secrets, "secrets are declared by reference"
    assert all(s.env or s.vault for s in phu_yen.secrets.values())
