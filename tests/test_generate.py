"""The national-scale generator (bench/) makes valid, deterministic inventories from the official lists."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.generate import generate, load_units
from infra.inventory import load
from infra.plan import make_plan

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def write(target: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize(("year", "code"), [(2023, "54"), (2023, "01"), (2025, "25"), (2025, "79")])
def test_generated_province_validates_and_plans(tmp_path: Path, year: int, code: str) -> None:
    province = next(p for p in load_units(DATA, year) if p["code"] == code)
    files = generate(province, year)
    assert files == generate(province, year), "the generator must be deterministic"
    write(tmp_path, files)
    inv = load(tmp_path)
    plan = make_plan(inv)
    communes = [s for s in inv.sites.values() if s.tier is not None and s.tier.kind == "commune"]
    expected = sum(len(d["communes"]) for d in province["districts"]) if year == 2023 else len(province["communes"])
    assert len(communes) == expected
    assert {s.spec.code for s in communes} == (
        {c["code"] for d in province["districts"] for c in d["communes"]}
        if year == 2023
        else {c["code"] for c in province["communes"]}
    )
    assert set(plan.sites) == set(inv.sites)
    has_district_tier = any(t.kind == "district" for t in inv.tiers.values())
    assert has_district_tier == (year == 2023)
