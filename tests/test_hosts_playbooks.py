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
TASK_KEYS = {
    "name",
    "register",
    "loop",
    "when",
    "changed_when",
    "check_mode",
    "notify",
    "tags",
    "failed_when",
    "no_log",
    "environment",
    "vars",
    "loop_control",
    "listen",
}


# configuration kinds that have a checker (sshd -t, sysctl -p, nft -c, visudo -c, chronyd -p, rsyslogd -N1,
# nginx -t, sh -n): a template writing one must be checked before it is kept
CHECKED = ("sshd", "sysctl", "nftables", "sudoers", "chrony.conf", "rsyslog", "nginx", "profile.d")


def _flatten(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tasks, with the tasks inside blocks in place of the blocks."""
    out: list[dict[str, Any]] = []
    for task in tasks:
        if "block" in task:
            out += _flatten(task["block"] + task.get("rescue", []) + task.get("always", []))
        else:
            out.append(task)
    return out


def _tasks(role: Path) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in ("tasks", "handlers"):
        path = role / name / "main.yml"
        if path.is_file():
            out += _flatten(yaml.safe_load(path.read_text()) or [])
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
        args = task[modules[0]] if modules[0] == "ansible.builtin.template" else {}
        written = f"{args.get('src', '')} {args.get('dest', '')}".lower()
        if any(kind in written for kind in CHECKED):
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


def test_the_operators_variables_sit_beside_the_generated_ones_and_vaulted_files_are_named(tmp_path: Path) -> None:
    from infra.hosts.runner import Access, _write_inventory
    from infra.inventory import load

    ops = tmp_path / "ops"
    (ops / "host_vars").mkdir(parents=True)
    (ops / "group_vars").mkdir()
    (ops / "host_vars" / "ntp-01.yml").write_text("secret: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3061\n")
    (ops / "group_vars" / "all.yml").write_text("hatang_accounts_tmout: 600\n")
    root = tmp_path / "run"
    access = Access("ops", None, str(tmp_path / "known_hosts"))
    vaulted = _write_inventory(root, load(REPO / "inventory"), access, ops)
    assert vaulted == [str(ops / "host_vars" / "ntp-01.yml")]
    host = root / "inventory" / "host_vars" / "ntp-01"
    assert sorted(p.name for p in host.iterdir()) == ["hatang.yml", "operator.yml"]  # the operator's load last
    assert (host / "operator.yml").stat().st_mode & 0o777 == 0o600
    assert (root / "inventory" / "group_vars" / "all" / "operator.yml").read_text() == "hatang_accounts_tmout: 600\n"
    settings = yaml.safe_load((root / "inventory" / "zz-access.yml").read_text())["all"]["vars"]
    assert settings["ansible_user"] == "ops"
    assert "StrictHostKeyChecking=yes" in settings["ansible_ssh_common_args"]


def test_the_generated_inventory_and_playbook_load_with_operator_variables_in_ansible(tmp_path: Path) -> None:
    from infra.hosts.runner import Access, _write_inventory
    from infra.inventory import load

    ops = tmp_path / "ops"
    (ops / "host_vars").mkdir(parents=True)
    (ops / "host_vars" / "ntp-01.yml").write_text("hatang_accounts_tmout: 600\n")
    root = tmp_path / "run"
    _write_inventory(root, load(REPO / "inventory"), Access("ops", None, "/dev/null"), ops)
    inventory = str(Path(sys.executable).parent / "ansible-inventory")
    done = subprocess.run(
        [inventory, "-i", str(root / "inventory"), "--host", "ntp-01"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    shown = yaml.safe_load(done.stdout)
    assert shown["hatang_accounts_tmout"] == 600  # the operator's
    assert shown["hatang_serves"] == ["ntp"]  # the generated one
    assert shown["ansible_user"] == "ops"


def test_host_key_checks_can_be_turned_off_in_the_lab_only(capsys: pytest.CaptureFixture[str]) -> None:
    from infra.cli import main

    assert main(["hosts", str(REPO / "inventory"), "--no-host-key-check"]) == 2
    assert "lab only" in capsys.readouterr().err


def test_a_missing_vault_password_file_stops_before_any_host(tmp_path: Path) -> None:
    from infra.errors import DeployError
    from infra.hosts.runner import Access, run_hosts

    access = Access("ops", None, "/dev/null")
    with pytest.raises(DeployError, match="no such vault password file"):
        run_hosts(REPO / "inventory", tmp_path, access=access, vault_password_file=tmp_path / "absent")
    assert not (tmp_path / "runs").exists()


def test_an_unreachable_host_says_why_first() -> None:
    from infra.hosts.runner import ssh_reason

    changed = "Data could not be sent @@@ WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED! @@@ " + "x" * 900
    assert ssh_reason(changed).startswith("Host key verification failed: the host's key is not the one")
    assert ssh_reason("ssh: connect to host h port 22: Connection refused").startswith("SSH connection refused")
    assert ssh_reason("something else") == "something else"


KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMhatangTestKeyOfNtp01ForKnownHostsLinesXyz"


def _ntp_with_keys(tmp_path: Path, keys: str) -> tuple[Path, int]:
    """A copy of the sample inventory whose ntp-01 records these host keys; the line it is on."""
    import shutil

    inventory = tmp_path / "inventory"
    shutil.copytree(REPO / "inventory", inventory)
    hosts_file = next(p for p in (inventory / "datacenter").iterdir() if "name: ntp-01," in p.read_text())
    lines = hosts_file.read_text().splitlines(keepends=True)
    number = next(i for i, x in enumerate(lines) if "name: ntp-01," in x)
    lines[number] = lines[number].replace("]}", f"], ssh_host_keys: [{keys}]}}")
    hosts_file.write_text("".join(lines))
    return inventory, number + 1


def test_production_runs_trust_the_host_keys_the_inventory_records(tmp_path: Path) -> None:
    from infra.hosts.runner import Access, _write_inventory
    from infra.inventory import load
    from infra.plan import make_plan

    inventory, _ = _ntp_with_keys(tmp_path, f"'{KEY}'")
    inv = load(inventory)
    root = tmp_path / "run"
    _write_inventory(root, inv, Access("ops", None, "/home/ops/.ssh/known_hosts"), None)
    planned = make_plan(inv).hosts["ntp-01"].addresses
    line = (root / "known_hosts").read_text()
    names, key = line.split(" ", 1)
    assert key.strip() == KEY
    assert set(names.split(",")) == {"ntp-01", f"ntp-01.{inv.province.domain}", *map(str, planned.values())}
    args = yaml.safe_load((root / "inventory" / "zz-access.yml").read_text())["all"]["vars"]["ansible_ssh_common_args"]
    assert f"'UserKnownHostsFile={root / 'known_hosts'} /home/ops/.ssh/known_hosts'" in args


def test_a_malformed_host_key_is_a_located_inventory_error(tmp_path: Path) -> None:
    from infra.errors import InventoryError
    from infra.inventory import load

    inventory, line = _ntp_with_keys(tmp_path, "'ntp-01 ssh-ed25519 AAAA'")
    with pytest.raises(InventoryError) as caught:
        load(inventory)
    (problem,) = caught.value.problems
    assert problem.line == line
    assert problem.path.endswith("ssh_host_keys[0]")
    assert "SSH public host key" in problem.expected
