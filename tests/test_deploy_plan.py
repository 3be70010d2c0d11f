"""Rollout planning without devices: waves along the hierarchy, secrets, the journal, lab topology and export."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
import yaml

from infra.cli import main
from infra.deploy.journal import Journal
from infra.deploy.targets import Access, Fleet, Secrets, inventory_fleet
from infra.deploy.waves import plan_waves, select
from infra.errors import DeployError
from infra.inventory import load
from infra.lab import control
from infra.lab.export import export
from infra.render.env import default_templates

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fleet() -> Fleet:
    return inventory_fleet(REPO / "inventory", default_templates(), Access("ops"))


def test_waves_follow_the_hierarchy_after_a_canary_of_communes(fleet: Fleet) -> None:
    inv, rollout = fleet.inv, fleet.inv.rollout
    waves = plan_waves(fleet.targets, rollout)
    tiers = [[inv.sites[s].tier.kind for s in w.sites if inv.sites[s].tier] for w in waves]  # type: ignore[union-attr]
    assert waves[0].name == "canary"
    assert len(waves[0].sites) == rollout.canary
    assert set(tiers[0]) == {"commune"}
    order = ["datacenter", "agency", "district", "commune"]
    kinds = [t[0] for t in tiers[1:]]
    assert kinds == sorted(kinds, key=order.index)
    for wave, kinds_of_wave in zip(waves[1:], tiers[1:], strict=True):
        assert len(set(kinds_of_wave)) == 1
        assert len(wave.sites) <= getattr(rollout.wave_sites, kinds_of_wave[0])
    placed = [d for w in waves for d in w.devices]
    assert sorted(placed) == sorted(fleet.targets)  # every device exactly once
    site_wave: dict[str, str] = {}
    for w in waves:
        for d in w.devices:
            assert site_wave.setdefault(fleet.targets[d].site, w.name) == w.name  # a site never spans two waves


def test_selecting_unknown_waves_or_devices_names_them_all(fleet: Fleet) -> None:
    waves = plan_waves(fleet.targets, fleet.inv.rollout)
    with pytest.raises(DeployError, match="no wave 'nope'; the waves are: canary, datacenter-1"):
        select(waves, wave="nope", devices=None, targets=fleet.targets)
    with pytest.raises(DeployError, match="unknown devices: x-ce1, y-ce1"):
        select(waves, wave=None, devices=["dc-chinh-wan1", "x-ce1", "y-ce1"], targets=fleet.targets)
    chosen = select(waves, wave=None, devices=["xa-da-loc-ce1", "dc-chinh-wan1"], targets=fleet.targets)
    assert [(w.name, w.sites) for w in chosen] == [("selected", ("xa-da-loc", "dc-chinh"))]


def test_targets_use_each_platforms_napalm_driver_and_revert_timer(fleet: Fleet) -> None:
    drivers = {(t.platform, t.driver, t.revert_timer) for t in fleet.targets.values()}
    assert drivers >= {("cisco_ios", "ios", False), ("juniper_junos", "junos", True), ("arista_eos", "eos", True)}
    assert ("huawei_vrp", "huawei_vrp", False) in drivers
    assert ("frr", "frr", True) in drivers
    wan1 = fleet.targets["dc-chinh-wan1"]
    assert wan1.host == "2001:db8:5410:99::1"
    assert wan1.username == "ops"
    assert "ops" not in repr(wan1.password)
    assert "candidate" not in repr(wan1)


def test_secrets_fill_mask_and_report_missing_names() -> None:
    secrets = Secrets({"bgp-key": "s3cr3t-value", "x": "ab"})
    text = "neighbor 1 password ${secret:bgp-key}\nkey ${secret:ospf-key}\n"
    assert secrets.missing(text) == {"ospf-key"}
    filled = Secrets({"bgp-key": "s3cr3t-value", "ospf-key": "k3y-k3y"}).fill(text)
    assert "s3cr3t-value" in filled
    assert "${secret" not in filled
    assert secrets.mask("-neighbor 1 password s3cr3t-value") == "-neighbor 1 password ${secret:bgp-key}"
    assert secrets.mask("ab stays: too short to mask safely") == "ab stays: too short to mask safely"


def test_deploy_without_secret_values_changes_nothing_and_names_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["deploy", str(REPO / "inventory"), "--wave", "canary", "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 1
    assert "secret values missing, nothing was changed" in err
    assert "HATANG_BGP_TSLCD" in err
    assert not (tmp_path / "runs").exists()


def test_journal_keeps_the_first_backup_private_and_survives_a_torn_line(tmp_path: Path) -> None:
    journal = Journal.create(tmp_path, {"inventory": "x", "waves": []})
    journal.save_backup("r1", "first")
    journal.save_backup("r1", "second")
    path = journal.root / "backups" / "r1.cfg"
    assert journal.backup("r1") == "first"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    journal.write("wave-end", wave="canary", passed=True)
    journal.write("wave-end", wave="dc-1", passed=False)
    with (journal.root / "journal.jsonl").open("a") as fh:
        fh.write('{"event": "wave-end", "wave": "agency-1", "pas')  # a crash mid-write
    assert journal.passed_waves() == {"canary"}
    assert Journal.open(tmp_path, None).root == journal.root
    with pytest.raises(DeployError, match="no rollout 'nope'"):
        Journal.open(tmp_path, "nope")


@pytest.fixture(scope="module")
def lab_model() -> control.LabModel:
    return control.model(REPO / "inventory")


def test_lab_routers_run_frr_and_every_wire_has_two_ends(lab_model: control.LabModel) -> None:
    topo = lab_model.topo
    assert all(i.platform == "frr" for i in topo.intents.values())
    assert {n.kind for n in topo.nodes.values()} == {"router", "gateway", "host"}
    roles = {lab_model.inv.devices[n].role for n in topo.intents}
    assert roles == {"ce", "wan-edge", "internet-edge", "firewall", "core"}  # access switches are emulated
    for net in topo.networks.values():
        assert len(net.members) == {"link": 2, "stub": 1}.get(net.kind, len(net.members)) >= 1
    ports = [(n.name, p.name) for n in topo.nodes.values() for p in n.ports]
    assert len(ports) == len(set(ports))
    assert all(len(p) <= 15 and "/" not in p for _, p in ports)
    mgmt = [n.mgmt_v6 for n in topo.nodes.values()]
    assert len(mgmt) == len(set(mgmt))
    seg = next(n for n in topo.networks.values() if n.kind == "segment" and ("portal-web-01", "eth0") in n.members)
    assert {("dc-chinh-core1", "vlan110"), ("dc-chinh-core2", "vlan110")} <= set(seg.members)
    gw_ports = [p.name for p in topo.nodes["gw-phu-yen-1"].ports]
    assert {f"c{cid}" for cid, c in topo.circuits.items() if c.gateway == "gw-phu-yen-1"} <= set(gw_ports)


def test_export_names_each_thing_once_and_writes_no_secret(
    lab_model: control.LabModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HATANG_BGP_TSLCD", "do-not-write-me")
    path = export(lab_model, tmp_path)
    data = json.loads(path.read_text())
    assert data["format"] == "hatang-lab/1"
    assert len(data["nodes"]) == len(lab_model.topo.nodes)
    macs = [i["mac"] for n in data["nodes"] for i in [n["mgmt"], *n["interfaces"]]]
    assert len(macs) == len(set(macs))
    networks = {n["name"] for n in data["networks"]}
    assert all(i["network"] in networks for n in data["nodes"] for i in n["interfaces"])
    text = "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file())
    assert "do-not-write-me" not in text
    assert "password ${secret:bgp-tslcd}" in (tmp_path / "nodes" / "gw-phu-yen-1" / "frr.conf").read_text()
    assert {"name": "bgp-tslcd", "env": "HATANG_BGP_TSLCD"} in data["secrets"]


def _inventory_with_lab(tmp_path: Path, lab: dict[str, object]) -> Path:
    root = tmp_path / "inventory"
    shutil.copytree(REPO / "inventory", root)
    (root / "lab.yaml").write_text(yaml.safe_dump({"lab": lab}, allow_unicode=True))
    return root


def test_a_bad_lab_selection_is_reported_with_file_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _inventory_with_lab(
        tmp_path,
        {
            "name": "toolongname",
            "sites": ["dc-chinh", "xa-khong-co"],
            "hosts": ["bastion-02", "dns-res-01"],
            "mgmt": {"ipv6": "2001:db8:5400::/64", "ipv4": "10.54.0.0/24"},
        },
    )
    assert main(["validate", str(root)]) == 2
    err = capsys.readouterr().err
    assert "lab.yaml:2" in err
    assert "longer than 8 characters" in err
    root = _inventory_with_lab(
        tmp_path / "b",
        {"sites": ["dc-chinh", "xa-khong-co"], "hosts": ["dns-res-01", "dns-res-99"], "mgmt": {"ipv4": "10.54.9.0/24"}},
    )
    assert main(["validate", str(root)]) == 2
    err = capsys.readouterr().err
    assert "lab.sites[1]" in err
    assert "xa-khong-co" in err
    assert "lab.hosts[1]" in err
    assert "dns-res-99" in err
    assert "lab.mgmt.ipv4" in err
    assert "outside 10.54.0.0/16" in err


def test_the_sample_lab_selection_is_valid() -> None:
    inv = load(REPO / "inventory")
    assert inv.lab is not None
    assert inv.lab.name == "py"
    assert len(inv.lab.sites) == 9


def test_lab_commands_without_root_say_so(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    for argv in (["lab", "up", str(REPO / "inventory")], ["lab", "down", "--name", "zz"]):
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert "needs root" in err
        assert "Traceback" not in err
