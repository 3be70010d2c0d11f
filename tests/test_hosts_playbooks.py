"""The host playbooks keep the dev-sec shape, and Ansible itself accepts them (no hosts needed)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.hosts.runner import _Collector

REPO = Path(__file__).resolve().parents[1]
PLAYBOOKS = REPO / "playbooks"
ROLES = sorted(p for p in (PLAYBOOKS / "roles").iterdir() if p.is_dir())
TASK_KEYS = {"name", "register", "loop", "when", "changed_when", "check_mode", "notify", "tags", "failed_when"}


def _tasks(role: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in ("tasks", "handlers"):
        path = role / name / "main.yml"
        if path.is_file():
            out += yaml.safe_load(path.read_text()) or []
    return out


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_role_has_the_dev_sec_shape(role: Path) -> None:
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())
    assert "main" in specs["argument_specs"]
    defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text()) or {}
    assert all(k.startswith(role.name + "_") for k in defaults), "role variables carry the role's prefix"
    assert set(defaults) <= set(specs["argument_specs"]["main"]["options"]), "every default is in the spec"
    for task in _tasks(role):
        modules = [k for k in task if k not in TASK_KEYS]
        assert len(modules) == 1, task
        assert modules[0].startswith("ansible.builtin."), f"FQCN module names: {modules[0]}"
        if modules[0] == "ansible.builtin.command":
            assert "changed_when" in task, f"a command says when it changes: {task['name']}"
        if modules[0] == "ansible.builtin.template" and "config" in str(task[modules[0]].get("dest", "")):
            assert "validate" in task[modules[0]], task["name"]


def test_ansible_accepts_the_playbook_with_the_generated_inventory(tmp_path: Path) -> None:
    out = tmp_path / "build"
    from infra.cli import main

    assert main(["render", str(REPO / "inventory"), "--out", str(out)]) == 0
    playbook = str(Path(sys.executable).parent / "ansible-playbook")
    hosts = str(out / "ansible" / "hosts.yml")
    done = subprocess.run(
        [playbook, "--syntax-check", "-i", hosts, str(PLAYBOOKS / "site.yml")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    listed = subprocess.run(
        [playbook, "--list-tasks", "-i", hosts, str(PLAYBOOKS / "site.yml"), "--limit", "dns-res-01"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert "Write the SSH server settings" in listed.stdout
    assert "TAGS: [ssh]" in listed.stdout


def test_runner_events_become_per_host_results_with_diffs() -> None:
    seen: list[dict[str, Any]] = []
    collect = _Collector(seen.append)
    diff = {"before": "MaxAuthTries 10\n", "after": "MaxAuthTries 3\n", "before_header": "a", "after_header": "b"}
    collect({"event": "playbook_on_task_start", "event_data": {"task": "Write"}})
    collect(
        {
            "event": "runner_on_ok",
            "event_data": {"host": "h1", "task": "Write", "res": {"changed": True, "diff": [diff]}},
        }
    )
    collect({"event": "runner_on_failed", "event_data": {"host": "h2", "task": "Read", "res": {"msg": "boom"}}})
    collect(
        {"event": "runner_on_unreachable", "event_data": {"host": "h3", "task": "Gather", "res": {"msg": "refused"}}}
    )
    assert collect.hosts["h1"].diffs == [
        {"task": "Write", "diff": "--- a\n+++ b\n@@ -1 +1 @@\n-MaxAuthTries 10\n+MaxAuthTries 3\n"}
    ]
    assert collect.hosts["h2"].failures == [{"task": "Read", "reason": "boom"}]
    assert collect.hosts["h3"].unreachable
    assert [e["event"] for e in seen] == [
        "playbook_on_task_start",
        "runner_on_ok",
        "runner_on_failed",
        "runner_on_unreachable",
    ]


def test_hosts_know_the_management_prefixes_ssh_may_come_from() -> None:
    from infra.inventory import load
    from infra.plan import make_plan
    from infra.render.ansible import group_vars

    inv = load(REPO / "inventory")
    plan = make_plan(inv)
    expected: dict[str, set[str]] = {"ipv4": set(), "ipv6": set()}
    for name in ("dc-chinh", "dc-du-phong"):
        vlan = next(v for v in plan.sites[name].vlans if v.name == "mgmt")
        for net in vlan.subnets.values():
            expected["ipv6" if net.version == 6 else "ipv4"].add(str(net))
    got = group_vars(inv, plan)["hatang_mgmt_prefixes"]
    assert {k: set(v) for k, v in got.items()} == expected
