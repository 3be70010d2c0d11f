"""The render machinery: build folder, manifest, reuse of unchanged bodies, failures, git diffs, CLI exit codes.

These tests use small template sets written here (through ``--templates``), so that they pin the machinery
itself; the shipped templates are tested per platform in test_render_<platform>.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from infra.cli import main
from infra.inventory import load
from infra.plan import make_plan
from infra.render.build import build_intents
from infra.render.render import Renderer, render

MINI = Path(__file__).parent / "data" / "mini"
PLATFORMS = ("frr", "cisco_ios", "juniper_junos", "huawei_vrp", "arista_eos")
SIMPLE = (
    "! {{ meta.device }} inventory {{ meta.inventory_sha256 }} "
    "templates {{ meta.template_set }} {{ meta.template_sha256 }}\n"
    "hostname {{ d.hostname }}\n"
    "{% for i in d.interfaces %}interface {{ i.name }}\n"
    "{% for a in i.ipv4 + i.ipv6 %} address {{ a.cidr }}\n{% endfor %}{% endfor %}"
)


def run(*argv: str) -> tuple[int, str, str]:
    import io

    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def templates(tmp_path: Path) -> Path:
    root = tmp_path / "templates"
    for platform in PLATFORMS:
        (root / platform).mkdir(parents=True)
        (root / platform / "device.j2").write_text(SIMPLE, encoding="utf-8")
    return root


@pytest.fixture
def inventory(tmp_path: Path) -> Path:
    target = tmp_path / "inv"
    shutil.copytree(MINI, target)
    return target


def test_render_writes_every_device_and_a_manifest_of_hashes(inventory: Path, templates: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    code, stdout, err = run("render", str(inventory), "--out", str(out), "--templates", str(templates))
    assert (code, err) == (0, "")
    inv = load(inventory)
    assert f"rendered {len(inv.devices)} devices" in stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["devices"]) == set(inv.devices)
    for rel, digest in manifest["files"].items():
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == digest
    for name in inv.devices:
        text = (out / "configs" / f"{name}.cfg").read_text(encoding="utf-8")
        assert text.startswith(f"! {name} inventory {inv.digest} templates ")
    assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["inventory_sha256"] == inv.digest
    assert (out / "ansible" / "hosts.yml").is_file()


def test_every_planned_address_of_a_device_is_rendered(inventory: Path, templates: Path) -> None:
    inv = load(inventory)
    plan = make_plan(inv)
    rendered = render(inv, plan, Renderer(templates))
    for site in plan.sites.values():
        for device in site.devices:
            text = rendered.files[f"configs/{device.name}.cfg"]
            for loopback in device.loopbacks.values():
                assert f" address {loopback}/{loopback.max_prefixlen}\n" in text


def test_unchanged_files_are_not_rewritten_and_stale_ones_go(inventory: Path, templates: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    assert run("render", str(inventory), "--out", str(out), "--templates", str(templates))[0] == 0
    stamp = 1_000_000_000
    cfgs = sorted((out / "configs").glob("*.cfg"))
    for cfg in cfgs:
        os.utime(cfg, (stamp, stamp))
    stranger = out / "configs" / "kept-by-user.txt"
    stranger.write_text("not ours", encoding="utf-8")
    code, stdout, _ = run("render", str(inventory), "--out", str(out), "--templates", str(templates))
    assert code == 0
    assert "0 written" in stdout
    assert all(c.stat().st_mtime == stamp for c in cfgs)
    # drop a device: its file goes, the file hatang never wrote stays
    victim = "phuong-1-sw1"
    assert (out / "configs" / f"{victim}.cfg").is_file()
    _remove_site_device(inventory, "phuong-1", "sw1")
    code, stdout, _ = run("render", str(inventory), "--out", str(out), "--templates", str(templates))
    assert code == 0, stdout
    assert not (out / "configs" / f"{victim}.cfg").exists()
    assert stranger.read_text(encoding="utf-8") == "not ours"


def _remove_site_device(inventory: Path, site: str, short: str) -> None:
    """Give the site a profile without that device, by overriding nothing: simplest is a new profile copy."""
    import copy

    import yaml

    path = inventory / "profiles.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    sites_path = next(p for p in inventory.glob("*.yaml") if f"name: {site}" in p.read_text(encoding="utf-8"))
    sites = yaml.safe_load(sites_path.read_text(encoding="utf-8"))
    spec = next(s for s in sites["sites"] if s["name"] == site)
    profile = next(p for p in data["profiles"] if p["name"] == spec["profile"])
    slim = {**copy.deepcopy(profile), "name": profile["name"] + "-slim"}
    slim["devices"] = [d for d in slim["devices"] if d["name"] != short]
    slim["links"] = [lk for lk in slim.get("links", []) if short not in (lk["a"], lk["b"])]
    data["profiles"].append(slim)
    spec["profile"] = slim["name"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    sites_path.write_text(yaml.safe_dump(sites, allow_unicode=True), encoding="utf-8")


def test_a_second_render_reuses_unchanged_bodies(inventory: Path, templates: Path, tmp_path: Path) -> None:
    from infra.render.pipeline import build

    out = tmp_path / "build"
    first = build(inventory, out, templates)
    second = build(inventory, out, templates)
    assert second.reused == len(first.rendered.devices)
    assert second.files == first.files
    # a hand-edited file is not trusted: it is rendered again and rewritten
    victim = next(iter(first.rendered.devices))
    path = out / "configs" / f"{victim}.cfg"
    path.write_text(path.read_text(encoding="utf-8") + "! edited by hand\n", encoding="utf-8")
    third = build(inventory, out, templates)
    assert third.reused == len(first.rendered.devices) - 1
    assert path.read_text(encoding="utf-8") == first.files[f"configs/{victim}.cfg"]


def test_a_template_error_names_device_template_and_variable_and_hides_no_other(
    inventory: Path, templates: Path, tmp_path: Path
) -> None:
    inv = load(inventory)
    platforms = {d.platform for d in inv.devices.values()}
    broken = sorted(platforms)[0]
    (templates / broken / "device.j2").write_text('{% include "' + broken + '/body.j2" %}\n', encoding="utf-8")
    (templates / broken / "body.j2").write_text("hostname {{ d.hostname }}\nsnmp {{ d.no_such_thing }}\n")
    out = tmp_path / "build"
    code, _, err = run("render", str(inventory), "--out", str(out), "--templates", str(templates))
    assert code == 1
    failing = sorted(n for n, d in inv.devices.items() if d.platform == broken)
    lines = [line for line in err.splitlines() if "no_such_thing" in line]
    assert len(lines) == len(failing)
    for name, line in zip(failing, sorted(lines), strict=True):
        assert line.startswith(f"{templates.name}/{broken}/body.j2:2: device {name}:")
    assert "rendering failed for" in err
    for name, device in inv.devices.items():
        assert (out / "configs" / f"{name}.cfg").is_file() == (device.platform != broken)


def test_a_template_syntax_error_is_located(inventory: Path, templates: Path, tmp_path: Path) -> None:
    (templates / "cisco_ios" / "device.j2").write_text("hostname {{ d.hostname }\n", encoding="utf-8")
    inv = load(inventory)
    rendered = render(inv, make_plan(inv), Renderer(templates))
    ios = sorted(n for n, d in inv.devices.items() if d.platform == "cisco_ios")
    assert sorted(p.path.removeprefix("device ") for p in rendered.failures) == ios
    assert all(p.line == 1 and "syntax" in p.found for p in rendered.failures)


def test_a_platform_without_templates_is_a_listed_failure(inventory: Path, templates: Path) -> None:
    shutil.rmtree(templates / "cisco_ios")
    inv = load(inventory)
    rendered = render(inv, make_plan(inv), Renderer(templates))
    ios = sorted(n for n, d in inv.devices.items() if d.platform == "cisco_ios")
    assert ios
    assert sorted(p.path.removeprefix("device ") for p in rendered.failures) == ios


def test_intents_are_a_pure_function(inventory: Path) -> None:
    inv = load(inventory)
    plan = make_plan(inv)
    assert repr(build_intents(inv, plan)) == repr(build_intents(load(inventory), make_plan(load(inventory))))


# --- diff against git ----------------------------------------------------------------------------------------------


def git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org"}
    env |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org"}
    subprocess.run(["git", "-C", str(cwd), *args], check=True, capture_output=True, env=env)


@pytest.fixture
def repo(tmp_path: Path, templates: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(MINI, root / "inventory")
    shutil.copytree(templates, root / "templates")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    return root


def _first_agency(root: Path) -> tuple[Path, str]:
    for path in sorted((root / "inventory").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if "tier: agency" in text:
            return path, text
    raise AssertionError("no agency in the mini inventory")


def test_diff_shows_only_the_devices_a_change_touches(repo: Path) -> None:
    inv = load(repo / "inventory")
    assert run("diff", str(repo / "inventory"), "--base", "main", "--templates", str(repo / "templates"))[0] == 0
    code, stdout, _ = run("diff", str(repo / "inventory"), "--base", "main", "--templates", str(repo / "templates"))
    assert code == 0
    assert "summary: 0 changed, 0 added, 0 removed devices" in stdout
    # change one template line: every device of that platform changes, no other
    tpl = repo / "templates" / "juniper_junos" / "device.j2"
    tpl.write_text(tpl.read_text(encoding="utf-8") + "! banner\n", encoding="utf-8")
    code, stdout, _ = run("diff", str(repo / "inventory"), "--base", "main", "--templates", str(repo / "templates"))
    junos = sorted(n for n, d in inv.devices.items() if d.platform == "juniper_junos")
    assert junos
    assert code == 0
    assert f"summary: {len(junos)} changed, 0 added, 0 removed devices" in stdout
    assert "+! banner" in stdout
    assert "address blocks of existing sites: unchanged" in stdout


def test_diff_reports_moved_prefixes(repo: Path) -> None:
    path, text = _first_agency(repo)
    import yaml

    data = yaml.safe_load(text)
    site = next(s for s in data["sites"] if s["tier"] == "agency")
    site["id"] = site["id"] + 7
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, stdout, _ = run(
        "diff", str(repo / "inventory"), "--base", "main", "--templates", str(repo / "templates"), "--format", "json"
    )
    assert code == 0
    summary = json.loads(stdout)
    assert summary["sites_prefixes_changed"] == [site["name"]]
    assert all(d.startswith(site["name"] + "-") for d in summary["devices_changed"])
    assert summary["devices_changed"]


def test_diff_against_a_revision_without_an_inventory_says_so(repo: Path) -> None:
    (repo / "other").mkdir()
    (repo / "other" / "README").write_text("x", encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "other")
    git(repo, "mv", "inventory", "inv2")
    git(repo, "commit", "-q", "-m", "moved")
    code, _, err = run("diff", str(repo / "inv2"), "--base", "HEAD~1", "--templates", str(repo / "templates"))
    assert code == 2
    assert "has no inventory at 'inv2'" in err
    code, _, err = run("diff", str(repo / "inv2"), "--base", "no-such-ref", "--templates", str(repo / "templates"))
    assert code == 2
    assert "git revision 'no-such-ref' not found" in err


def test_diff_outside_git_says_so(inventory: Path, templates: Path) -> None:
    code, _, err = run("diff", str(inventory), "--base", "main", "--templates", str(templates))
    assert code == 2
    assert "not inside a git repository" in err


def test_ci_on_an_invalid_inventory_exits_2_and_still_writes_reports(inventory: Path, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    sites = inventory / "sites.yaml"
    sites.write_text(sites.read_text(encoding="utf-8").replace("tier: agency", "tier: agencies", 1), encoding="utf-8")
    out = tmp_path / "build"
    code, _, err = run("ci", str(inventory), "--out", str(out))
    assert code == 2
    assert "sites.yaml:" in err
    assert "did you mean 'agency'?" in err
    suite = ET.parse(out / "reports" / "ci.xml").getroot()
    failures = [tc for tc in suite.iter("testcase") if tc.find("failure") is not None]
    assert len(failures) == 1
    assert "sites.yaml" in (failures[0].get("name") or "") + (failures[0].get("classname") or "")
    assert "❌" in (out / "reports" / "ci.md").read_text(encoding="utf-8")
