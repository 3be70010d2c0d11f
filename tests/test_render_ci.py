"""``hatang ci`` end to end: each static check caught through the command, from a crafted inventory or template set.

Inventory-level faults (a device MTU or OSPF area that differs from its link peer's) are made in a copy of the
mini inventory; template-level faults (a dropped IPv6 filter, router advertisements left on) in a copy of the
shipped templates, which is what CI must catch when someone edits a template.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from infra.cli import main
from infra.inventory import load
from infra.plan import make_plan

ROOT = Path(__file__).resolve().parent.parent
MINI = Path(__file__).parent / "data" / "mini"


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def failing(junit: Path) -> dict[str, str]:
    """Failing test case name -> failure message."""
    root = ET.parse(junit).getroot()
    out: dict[str, str] = {}
    for case in root.iter("testcase"):
        failure = case.find("failure")
        if failure is not None:
            out[f"{case.get('classname')}::{case.get('name')}"] = failure.get("message") or ""
    return out


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    target = tmp_path / "inv"
    shutil.copytree(MINI, target)
    return target


def set_device(inventory: Path, site: str, device: str, **changes: object) -> None:
    path = inventory / "sites.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    spec = next(s for s in data["sites"] if s["name"] == site)
    devices = spec.setdefault("devices", [])
    entry = next((d for d in devices if d["name"] == device), None)
    if entry is None:
        entry = {"name": device}
        devices.append(entry)
    entry.update(changes)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_ci_passes_on_the_mini_inventory_and_writes_reports(inventory: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    code, stdout, err = run("ci", str(inventory), "--out", str(out))
    assert (code, err) == (0, ""), err
    assert "ci: passed" in stdout
    assert failing(out / "reports" / "ci.xml") == {}
    assert "✅ **hatang checks passed**" in (out / "reports" / "ci.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("changes", "check"),
    [({"mtu": 9000}, "link-mtu"), ({"ospf_area": 1}, "link-area")],
    ids=["mtu", "area"],
)
def test_an_inventory_that_splits_a_link_is_caught(
    inventory: Path, tmp_path: Path, changes: dict[str, object], check: str
) -> None:
    set_device(inventory, "dc-chinh", "edge1", **changes)
    out = tmp_path / "build"
    code, _, err = run("ci", str(inventory), "--out", str(out))
    assert code == 1
    found = failing(out / "reports" / "ci.xml")
    assert found
    assert all(check in name for name in found), found
    assert all("dc-chinh-edge1" in name or "dc-chinh-core1" in name for name in found), found
    assert f"{check}: dc-chinh-" in err
    assert "❌" in (out / "reports" / "ci.md").read_text(encoding="utf-8")


def tampered_templates(tmp_path: Path, platform: str, drop: str) -> Path:
    root = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", root)
    path = root / platform / "interfaces.j2"
    text = path.read_text(encoding="utf-8")
    assert drop in text
    path.write_text(text.replace(drop, ""), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("drop", "check"),
    [
        (" ipv6 traffic-filter {{ i.filter_v6 }} in\n", "filter-parity"),
        (" ipv6 nd ra suppress all\n", "wan-ra"),
    ],
    ids=["ipv6-filter", "ra"],
)
def test_a_template_that_drops_a_control_is_caught(inventory: Path, tmp_path: Path, drop: str, check: str) -> None:
    templates = tampered_templates(tmp_path, "cisco_ios", drop)
    out = tmp_path / "build"
    code, _, err = run("ci", str(inventory), "--out", str(out), "--templates", str(templates))
    assert code == 1
    found = failing(out / "reports" / "ci.xml")
    inv = load(inventory)
    plan = make_plan(inv)
    wan_ios = {c.a for c in plan.circuits.values() if inv.devices[c.a].platform == "cisco_ios"}
    assert wan_ios
    assert {name.split("::")[1] for name in found if name.startswith(check + "::")} == wan_ios
    assert f"{check}: " in err


def git(cwd: Path, *args: str) -> None:
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "PATH": "/usr/bin:/bin"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org", "HOME": str(cwd)}
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True, env=env)


def test_ci_with_a_base_shows_the_change_in_the_markdown(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(MINI, repo / "inventory")
    shutil.copytree(ROOT / "templates", repo / "templates")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    set_device(repo / "inventory", "phuong-1", "ce1", mtu=1400)
    out = tmp_path / "build"
    args = ("ci", str(repo / "inventory"), "--base", "main", "--templates", str(repo / "templates"))
    code, stdout, _ = run(*args, "--out", str(out))
    assert code == 0, stdout
    assert "=== phuong-1-ce1 (changed)" in stdout
    assert "summary: 1 changed, 0 added, 0 removed devices" in stdout
    markdown = (out / "reports" / "ci.md").read_text(encoding="utf-8")
    assert "phuong-1-ce1" in markdown
    assert "+ mtu 1400" in (out / "diffs" / "phuong-1-ce1.diff").read_text(encoding="utf-8")
