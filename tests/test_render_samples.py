"""Both sample inventories render completely, pass the CI checks, and match reviewed golden configurations.

Golden files (tests/golden/configs/phu-yen/) hold one device per platform and role of the Phú Yên sample; they are
rewritten only with ``pytest --update-golden`` and reviewed in the change like any other code.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from infra.inventory import load
from infra.plan import make_plan
from infra.render.checks import collect_facts, run_checks
from infra.render.render import Rendered, render

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = {"phu-yen": ROOT / "inventory", "phu-tho-2025": ROOT / "examples" / "phu-tho-2025"}


@cache
def rendered(sample: str) -> Rendered:
    inv = load(SAMPLES[sample])
    return render(inv, make_plan(inv))


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_every_device_renders(sample: str) -> None:
    inv = load(SAMPLES[sample])
    result = rendered(sample)
    assert [str(p) for p in result.failures] == []
    assert set(result.devices) == set(inv.devices)
    for name, device in inv.devices.items():
        assert f"configs/{name}.cfg" in result.devices[name]
        text = result.files[f"configs/{name}.cfg"]
        assert inv.digest in "\n".join(text.splitlines()[:8]), f"{name}: header without the inventory hash"
        assert device.platform == result.intents[name].platform


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_the_static_checks_pass_on_the_samples(sample: str) -> None:
    result = rendered(sample)
    facts, unparsed = collect_facts(result.intents, result.files)
    assert [f"{f.check} {f.device}: {f.message}" for f in unparsed] == []
    findings = run_checks(result.intents, facts)
    assert [f"{f.check} {f.device} {f.interface}: {f.message}" for f in findings] == []


def _representatives(result: Rendered) -> list[str]:
    """The first device (by name) of each platform and role."""
    seen: dict[tuple[str, str], str] = {}
    for name in sorted(result.intents):
        intent = result.intents[name]
        seen.setdefault((intent.platform, intent.role), name)
    return sorted(seen.values())


def test_golden_configurations(golden: Callable[[str, str], None]) -> None:
    result = rendered("phu-yen")
    for name in _representatives(result):
        for path in result.devices[name]:
            golden(f"configs/phu-yen/{Path(path).name}", result.files[path])


def test_no_secret_value_reaches_a_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    inv = load(SAMPLES["phu-yen"])
    sentinel = "S3NTINEL-not-for-files"
    for secret in inv.secrets.values():
        if secret.env:
            monkeypatch.setenv(secret.env, sentinel)
    assert all(os.environ[s.env] == sentinel for s in inv.secrets.values() if s.env)
    result = render(inv, make_plan(inv))
    assert not [p for p, text in result.files.items() if sentinel in text]
    used = {n for text in result.files.values() for n in inv.secrets if f"${{secret:{n}}}" in text}
    assert used == set(inv.secrets)


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_firewalls_face_the_wan_and_the_internet_with_their_untrust_side(sample: str) -> None:
    inv = load(SAMPLES[sample])
    intents = rendered(sample).intents
    firewalls = [i for i in intents.values() if i.role == "firewall"]
    assert firewalls
    for fw in firewalls:
        for i in fw.interfaces:
            if i.kind == "link":
                towards_outside = inv.devices[i.peer].role in ("ce", "wan-edge", "internet-edge")
                assert i.zone == ("untrust" if towards_outside else "trust"), (fw.name, i.name)


def test_vlan_gateways_sit_on_the_devices_the_access_switches_hang_from() -> None:
    inv = load(SAMPLES["phu-tho-2025"])
    intents = rendered("phu-tho-2025").intents
    for site in inv.sites.values():
        access = {d.name for d in site.devices if d.role == "access"}
        if not access or any(d.role == "core" for d in site.devices):
            continue
        uplinks = {i.peer for a in access for i in intents[a].interfaces if i.kind == "trunk"}
        for device in site.devices:
            has_gateways = any(i.kind == "vlan" for i in intents[device.name].interfaces)
            assert has_gateways == (device.name in uplinks), device.name
