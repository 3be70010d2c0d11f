"""The Ansible inventory of the data-centre hosts, read back by Ansible itself.

``ansible-inventory --list`` is also what testinfra's ``ansible://`` backend runs to find hosts, their
``ansible_host`` and ``ansible_user``; what it prints here is what testinfra would connect to.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import ip_address, ip_interface
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.inventory import Inventory, load
from infra.plan import AddressPlan, make_plan
from infra.render.ansible import ansible_files, ordered

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SECRET_VALUE = "s3cr3t-value-that-must-not-appear"


@dataclass(frozen=True)
class Listed:
    inv: Inventory
    plan: AddressPlan
    files: dict[str, str]
    out: Path
    data: dict[str, Any]  # ansible-inventory --list
    host: dict[str, Any]  # ansible-inventory --host dvc-web-01


def _ansible(out: Path, *args: str) -> dict[str, Any]:
    env = {**os.environ, "ANSIBLE_HOME": str(out / ".ansible-home"), "ANSIBLE_LOCAL_TEMP": str(out / ".ansible-tmp")}
    done = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(out / "ansible" / "hosts.yml"), *args],
        cwd=out,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def _write(out: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def listed(tmp_path_factory: pytest.TempPathFactory) -> Listed:
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HATANG_TACACS_KEY", SECRET_VALUE)  # a value that must not reach any file
        inv = load(ROOT / "inventory")
        plan = make_plan(inv)
        files = ansible_files(inv, plan)
    out = tmp_path_factory.mktemp("render-ansible")
    _write(out, files)
    # A person's own override, next to the generated files: Windows hosts are not reached as root.
    (out / "ansible" / "group_vars" / "os_windows2022.yml").write_text("ansible_user: Administrator\n")
    return Listed(inv, plan, files, out, _ansible(out, "--list"), _ansible(out, "--host", "dvc-web-01"))


def _members(data: dict[str, Any], group: str) -> set[str]:
    return set(data.get(group, {}).get("hosts", []))


def _systems_of(inv: Inventory) -> dict[str, set[str]]:
    """Expected from the inventory: named by the host, naming the host, or of a service on the host."""
    out: dict[str, set[str]] = {h: set(host.systems) for h, host in inv.hosts.items()}
    for system in inv.systems.values():
        for h in system.hosts:
            out[h].add(system.name)
    for service in inv.services.values():
        for h in service.hosts:
            if service.system:
                out[h].add(service.system)
    return out


def test_every_host_is_listed_with_its_planned_gua_address(listed: Listed) -> None:
    hostvars = listed.data["_meta"]["hostvars"]
    assert set(hostvars) == set(listed.inv.hosts)
    assert len(hostvars) == 60
    for name, hplan in listed.plan.hosts.items():
        assert hostvars[name]["ansible_host"] == str(hplan.addresses["gua"]), name
        assert ip_address(hostvars[name]["ansible_host"]).version == 6  # bare, no brackets


def test_ansible_user_is_root_unless_a_group_overrides_it(listed: Listed) -> None:
    hostvars = listed.data["_meta"]["hostvars"]
    windows = {h for h, host in listed.inv.hosts.items() if host.os == "windows2022"}
    assert windows
    for name in listed.inv.hosts:
        expected = "Administrator" if name in windows else "root"
        assert hostvars[name]["ansible_user"] == expected, name
    written = yaml.safe_load(listed.files["ansible/hosts.yml"])["all"]
    assert written["vars"] == {"ansible_user": "root"}
    assert not any("ansible_user" in v for v in written["hosts"].values())


def test_site_zone_role_and_os_groups_hold_exactly_their_hosts(listed: Listed) -> None:
    hosts = listed.inv.hosts.values()
    for attr in ("site", "zone", "role", "os"):
        for value in {getattr(h, attr) for h in hosts}:
            group = f"{attr}_{value.replace('-', '_')}"
            assert _members(listed.data, group) == {h.name for h in hosts if getattr(h, attr) == value}, group
    assert _members(listed.data, "site_dc_du_phong") == {h.name for h in hosts if h.site == "dc-du-phong"}
    assert _members(listed.data, "role_dns_resolver") == {"dns-res-01", "dns-res-02", "dr-dns-res-01"}


def test_system_groups_hold_exactly_the_hosts_of_each_system(listed: Listed) -> None:
    systems = _systems_of(listed.inv)
    for system in listed.inv.systems:
        group = f"system_{system.replace('-', '_')}"
        assert _members(listed.data, group) == {h for h, ss in systems.items() if system in ss}, group
    assert {"dvc-web-01", "dvc-app-01", "motcua-app-02", "dvc-db-02"} <= _members(listed.data, "system_dvc")


def test_level_groups_use_the_highest_level_of_the_systems_served(listed: Listed) -> None:
    systems = _systems_of(listed.inv)
    levels = {n: f"level_{n}" for n in range(1, 6)}
    for name, served in systems.items():
        expected = max(listed.inv.systems[s].level for s in served)
        assert [g for g in levels.values() if name in _members(listed.data, g)] == [levels[expected]], name
        assert listed.data["_meta"]["hostvars"][name]["hatang_level"] == expected
    assert _members(listed.data, "level_4") == {h for h, ss in systems.items() if "lgsp" in ss}


def test_host_vars_are_loaded_for_each_host(listed: Listed) -> None:
    hplan = listed.plan.hosts["dvc-web-01"]
    vlan = next(v for v in listed.plan.sites[hplan.site].vlans if v.name == hplan.vlan)
    shown = listed.host
    assert shown["hatang_site"] == "dc-chinh"
    assert shown["hatang_vlan"] == vlan.name
    assert shown["hatang_vlan_id"] == vlan.vlan_id
    assert shown["hatang_addresses"] == {p: str(a) for p, a in hplan.addresses.items()}
    assert shown["hatang_interface"]["ipv6"]["gateway"] == str(vlan.gateways["gua"])
    assert shown["hatang_interface"]["ipv4"]["gateway"] == str(vlan.gateways["ipv4"])
    assert ip_interface(shown["hatang_interface"]["ipv4"]["addresses"][0]).network == vlan.subnets["ipv4"]
    assert [s["name"] for s in shown["hatang_services"]] == ["dvc-web"]
    assert shown["hatang_services"][0]["exposure"] == "public"
    assert shown["hatang_inventory_sha256"] == listed.inv.digest  # group_vars/all.yml is loaded too
    assert shown["hatang_province"] == "Phú Yên"


def test_dns_ntp_and_syslog_targets_are_addresses_ipv6_first(listed: Listed) -> None:
    shown = listed.host
    soc = listed.plan.hosts["soc-log-01"].addresses
    assert shown["hatang_syslog"][0] == {
        "name": "soc-log-1",
        "host": "soc-log-01",
        "addresses": [str(soc["gua"]), str(soc["ipv4"])],
        "port": 6514,
    }
    assert [t["name"] for t in shown["hatang_ntp"]] == ["ntp-1", "ntp-2", "ntp-cbdtw"]
    assert shown["hatang_ntp"][2]["addresses"] == ["2001:db8:ffff::123", "192.0.2.123"]
    for kind in ("hatang_dns", "hatang_ntp", "hatang_syslog"):
        for target in shown[kind]:
            versions = [ip_address(a).version for a in target["addresses"]]
            assert versions == sorted(versions, reverse=True), target


def test_secrets_are_named_never_written(listed: Listed) -> None:
    hostvars = listed.data["_meta"]["hostvars"]
    assert hostvars["aaa-01"]["hatang_secrets"] == ["tacacs-key"]
    assert "hatang_secrets" not in hostvars["dvc-web-01"]
    for text in listed.files.values():
        assert SECRET_VALUE not in text
        assert "HATANG_TACACS_KEY" not in text


def test_files_are_headed_sorted_and_deterministic(listed: Listed) -> None:
    assert ansible_files(listed.inv, listed.plan) == listed.files
    assert len(listed.files) == 2 + len(listed.inv.hosts)
    for text in listed.files.values():
        header = text.splitlines()[0]
        assert header == f"# generated by hatang from inventory sha256 {listed.inv.digest}; do not edit"
        data = yaml.safe_load(text)
        assert text.endswith(yaml.safe_dump(data, sort_keys=True, allow_unicode=True))


def test_address_preference_is_gua_then_ula_then_ipv4() -> None:
    assert ordered({"ipv4": "10.0.0.1", "ula": "fd00::1", "gua": "2001:db8::1"}) == [
        "2001:db8::1",
        "fd00::1",
        "10.0.0.1",
    ]
    assert ordered({"ipv4": "10.0.0.1", "ula": "fd00::1"})[0] == "fd00::1"
    assert ordered({"ipv4": "10.0.0.1"}) == ["10.0.0.1"]


def test_level_is_the_maximum_over_every_way_a_host_serves_a_system(
    mini: dict[str, dict[str, Any]], load_inventory: Callable[[dict[str, Any]], Inventory]
) -> None:
    dc = mini["dc.yaml"]

    def system(name: str, level: int) -> dict[str, Any]:
        decision = {"number": f"{level}/QĐ-UBND", "date": dt.date(2022, 5, 1)}
        return {
            "name": name,
            "label": name,
            "level": level,
            "decision": decision,
            "owner": "so-tttt",
            "operator": "so-tttt",
        }

    dc["systems"] += [system("lgsp", 4), {**system("bao-cao", 1), "hosts": ["portal-web-01"]}]
    dc["hosts"][0]["systems"] = ["lgsp"]  # portal-web-01: portal (3), bao-cao (1) by their lists, lgsp (4) by its own
    dc["services"].append({"name": "rep", "fqdn": "bc.phuyen.gov.vn", "ports": [443], "hosts": ["soc-log-01"]})
    dc["services"][-1]["system"] = "bao-cao"  # soc-log-01: soc (3), bao-cao (1) through a service
    inv = load_inventory(mini)
    plan = make_plan(inv)
    files = ansible_files(inv, plan)
    groups = yaml.safe_load(files["ansible/hosts.yml"])["all"]["children"]
    assert set(groups["level_4"]["hosts"]) == {"portal-web-01"}
    assert set(groups["level_3"]["hosts"]) == {"soc-log-01"}
    assert "level_1" not in groups
    assert set(groups["system_bao_cao"]["hosts"]) == {"portal-web-01", "soc-log-01"}
    assert set(groups["system_portal"]["hosts"]) == {"portal-web-01"}
    portal = yaml.safe_load(files["ansible/host_vars/portal-web-01.yml"])
    assert (portal["hatang_level"], portal["hatang_systems"]) == (4, ["bao-cao", "lgsp", "portal"])
    ntp = yaml.safe_load(files["ansible/host_vars/ntp-01.yml"])
    assert "hatang_level" not in ntp  # serves no system
    assert not any("ntp-01" in g["hosts"] for name, g in groups.items() if name.startswith("level_"))
    assert (ntp["hatang_serves"], portal["hatang_serves"]) == (["ntp"], [])
    assert portal["hatang_fqdn"] == f"portal-web-01.{inv.province.domain}"
