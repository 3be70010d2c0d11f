"""``hatang hosts``: the data-centre host playbooks through ansible-runner, one run folder per run.

The run folder ``build/runs/<id>/`` is ansible-runner's private data directory: ``inventory/`` holds the
generated Ansible inventory (and, for the lab, ``lab.yml`` pointing every lab host at its lab management
address with the lab's key and known_hosts), ``env/`` the environment, ``artifacts/`` what ansible-runner
writes. Playbooks come from the top-level ``playbooks/`` folder unchanged, so they also run with plain
``ansible-playbook -i build/ansible/hosts.yml playbooks/site.yml``. SSH host keys are always verified.
"""

from __future__ import annotations

import difflib
import getpass
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from infra.deploy.journal import new_run_id
from infra.errors import DeployError
from infra.inventory import Inventory, load
from infra.lab.files import ADMIN
from infra.plan import AddressPlan, make_plan
from infra.render.ansible import ansible_files

PLAYBOOKS = Path(__file__).resolve().parents[2] / "playbooks"
Progress = Callable[[dict[str, Any]], None]


@dataclass(slots=True)
class HostResult:
    """One host's outcome: task counts, and each failed task with its reason."""

    host: str
    ok: int = 0
    changed: int = 0
    failed: int = 0
    unreachable: bool = False
    skipped: int = 0
    failures: list[dict[str, str]] = field(default_factory=list)
    diffs: list[dict[str, str]] = field(default_factory=list)  # task, unified diff (check mode shows drift)

    @property
    def status(self) -> str:
        """unreachable, failed, changed or ok."""
        if self.unreachable:
            return "unreachable"
        return "failed" if self.failed else "changed" if self.changed else "ok"


@dataclass(slots=True)
class HostsResult:
    """The whole run."""

    run_id: str
    root: Path
    check: bool
    status: str  # ansible-runner's: successful, failed, timeout, canceled
    rc: int
    hosts: dict[str, HostResult] = field(default_factory=dict)
    reason: str = ""  # why the run failed before reaching any host
    host_keys_checked: bool = True
    vaulted: list[str] = field(default_factory=list)  # operator files with vaulted values and no password given

    @property
    def failed(self) -> bool:
        """Whether any host failed or was unreachable, or the run itself failed."""
        return self.rc != 0 or any(h.status in ("failed", "unreachable") for h in self.hosts.values())


@dataclass(frozen=True, slots=True)
class Access:
    """How Ansible logs in: the lab's key and known_hosts, or the operator's; then ``sudo`` to root."""

    user: str
    key_file: str | None
    known_hosts: str
    lab_vars: dict[str, dict[str, Any]] = field(default_factory=dict)  # lab host → its connection variables
    check_host_keys: bool = True  # False only for the lab, asked for explicitly, and said so in the run's summary
    become_password: str | None = None  # sudo's password, if the account needs one (kept in memory only)


# What a lab host (a namespace sharing the machine's kernel) must leave to the machine: its clock, the kernel's
# audit subsystem (served to the initial namespaces only) and the kernel log. The roles say so when they skip.
LAB_KERNEL_VARS = {"hatang_chrony_set_clock": False, "hatang_auditd_kernel": False, "hatang_syslog_kernel_log": False}


def lab_access(path: Path) -> Access:
    """Connection settings for the running lab's hosts (lab management addresses, lab key, lab host keys)."""
    from infra.lab import control

    m = control.model(path)
    paths = control.LabPaths.of(m.topo.lab.name)
    state = control.LabState.read(paths)
    if state is None:
        raise DeployError(f"lab {m.topo.lab.name!r} is not up: run 'hatang lab up {path}' first")
    hosts = {n.name: n for n in m.topo.nodes.values() if n.kind == "host"}
    mgmt = m.topo.lab.mgmt
    lab_vars = {
        name: {
            "ansible_host": node.mgmt_v6,
            # (sshd keeps listening on the lab's management network through the lab's own sshd_config.d file)
            # the controller sits on the lab's management network, which the plan does not know
            "hatang_nftables_ssh_sources_extra": {"ipv6": [str(mgmt.ipv6)], "ipv4": [str(mgmt.ipv4)]},
            **LAB_KERNEL_VARS,
        }
        for name, node in hosts.items()
    }
    return Access(ADMIN, str(paths.key), str(paths.known_hosts), lab_vars)


def operator_access(environ: dict[str, str]) -> Access:
    """Connection settings for production hosts.

    ``HATANG_HOSTS_USER`` (default: this account's name) logs in with ``HATANG_HOSTS_KEY`` (or the agent), host keys
    checked against ``HATANG_KNOWN_HOSTS`` (default ~/.ssh/known_hosts), then sudo, with
    ``HATANG_HOSTS_BECOME_PASSWORD`` if the account needs one.
    """
    return Access(
        environ.get("HATANG_HOSTS_USER") or getpass.getuser(),
        environ.get("HATANG_HOSTS_KEY") or None,
        environ.get("HATANG_KNOWN_HOSTS") or str(Path.home() / ".ssh" / "known_hosts"),
        become_password=environ.get("HATANG_HOSTS_BECOME_PASSWORD") or None,
    )


def inventory_known_hosts(inv: Inventory, plan: AddressPlan) -> str:
    """known_hosts lines for the hosts whose keys the inventory records: by name, FQDN and planned addresses."""
    lines = []
    for host in sorted(inv.hosts.values(), key=lambda h: h.name):
        hplan = plan.hosts.get(host.name)
        names = [host.name] + ([f"{host.name}.{inv.province.domain}"] if inv.province.domain else [])
        names += [str(a) for a in (hplan.addresses.values() if hplan else ())]
        lines += [f"{','.join(names)} {key}" for key in host.ssh_host_keys]
    return "".join(line + "\n" for line in lines)


def _vars_target(root: Path, rel: Path, name: str) -> Path:
    """``host_vars/<h>.yml`` → ``host_vars/<h>/<name>.yml``, so the operator's file for the host can sit beside."""
    if rel.parts[0] in ("host_vars", "group_vars") and len(rel.parts) == 2:
        return root / "inventory" / rel.parts[0] / Path(rel.parts[1]).stem / f"{name}.yml"
    return root / "inventory" / rel


def _write_inventory(root: Path, inv: Inventory, access: Access, extra_vars: Path | None) -> list[str]:
    """The run's Ansible inventory: the generated one, the operator's variables, the access settings.

    Returns the operator's files that hold vaulted values.
    """
    plan = make_plan(inv)
    for rel, text in ansible_files(inv, plan).items():
        target = _vars_target(root, Path(rel).relative_to("ansible"), "hatang")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    vaulted = _copy_operator_vars(root, extra_vars) if extra_vars else []
    checking = "yes" if access.check_host_keys else "no"
    files = access.known_hosts
    if not access.lab_vars:  # production: the host keys the inventory records come first
        (root / "known_hosts").write_text(inventory_known_hosts(inv, plan))
        files = f"{root / 'known_hosts'} {access.known_hosts}"
    ssh_args = f"-o 'UserKnownHostsFile={files}' -o StrictHostKeyChecking={checking} -o IdentitiesOnly=yes"
    common: dict[str, Any] = {
        "ansible_user": access.user,
        "ansible_ssh_common_args": ssh_args,
        "ansible_python_interpreter": "/usr/bin/python3",
    }
    if access.key_file:
        common["ansible_ssh_private_key_file"] = access.key_file
    extra: dict[str, Any] = {"all": {"vars": common}}
    if access.lab_vars:
        extra["all"]["children"] = {"hatang_lab": {"hosts": access.lab_vars}}
    (root / "inventory" / "zz-access.yml").write_text(yaml.safe_dump(extra, sort_keys=True))
    return vaulted


def _copy_operator_vars(root: Path, folder: Path) -> list[str]:
    """Copy ``<folder>/{group_vars,host_vars}/<name>.yml`` beside the generated ones (the operator's win)."""
    if not folder.is_dir():
        raise DeployError(f"{folder}: not a folder (expected group_vars/ and host_vars/ of Ansible variables)")
    vaulted = []
    for kind in ("group_vars", "host_vars"):
        for src in sorted((folder / kind).glob("*.y*ml")) if (folder / kind).is_dir() else []:
            text = src.read_text()
            target = _vars_target(root, Path(kind) / src.name, "operator")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
            target.chmod(0o600)
            if "$ANSIBLE_VAULT;" in text:
                vaulted.append(str(src))
    return vaulted


def _unified(diff: dict[str, Any]) -> str:
    before = str(diff.get("before", "")).splitlines(keepends=True)
    after = str(diff.get("after", "")).splitlines(keepends=True)
    a = str(diff.get("before_header", "before"))
    b = str(diff.get("after_header", "after"))
    return "".join(difflib.unified_diff(before, after, a, b))


SSH_FAILURES = (
    ("REMOTE HOST IDENTIFICATION HAS CHANGED", "Host key verification failed: the host's key is not the one in "
     "known_hosts (a replaced host, or someone in the middle); nothing was sent"),
    ("Host key verification failed", "Host key verification failed: the host's key is not in known_hosts"),
    ("Permission denied", "SSH login refused (account or key)"),
    ("Connection refused", "SSH connection refused"),
    ("timed out", "SSH connection timed out"),
    ("No route to host", "no route to the host"),
)  # fmt: skip


def ssh_reason(message: str) -> str:
    """A clear first line for an unreachable host, then the tail of what SSH said."""
    lead = next((say for found, say in SSH_FAILURES if found in message), "")
    tail = " ".join(message.split())[-300:]
    return f"{lead} ({tail})" if lead else tail


class _Collector:
    """Turns ansible-runner events into per-host results, and passes them on to a progress display."""

    def __init__(self, progress: Progress) -> None:
        self.hosts: dict[str, HostResult] = {}
        self.progress = progress

    def __call__(self, event: dict[str, Any]) -> bool:
        kind = str(event.get("event", ""))
        data = event.get("event_data", {}) or {}
        host = data.get("host")
        if host and kind.startswith("runner_on_"):
            self._host_event(kind, str(host), data)
        if kind in ("playbook_on_task_start", "runner_on_ok", "runner_on_failed", "runner_on_unreachable"):
            self.progress({"event": kind, "host": host, "task": data.get("task", ""), "changed": self._changed(data)})
        return True  # keep ansible-runner's own record of the event

    @staticmethod
    def _changed(data: dict[str, Any]) -> bool:
        return bool((data.get("res") or {}).get("changed"))

    def _host_event(self, kind: str, host: str, data: dict[str, Any]) -> None:
        r = self.hosts.setdefault(host, HostResult(host))
        res = data.get("res") or {}
        task = str(data.get("task", ""))
        if kind == "runner_on_failed" and not data.get("ignore_errors"):
            r.failures.append({"task": task, "reason": str(res.get("msg") or res.get("stderr") or "failed")[:500]})
        elif kind == "runner_on_unreachable":
            r.unreachable = True
            r.failures.append({"task": task, "reason": ssh_reason(str(res.get("msg", "unreachable")))})
        for diff in res.get("diff", []) if isinstance(res.get("diff"), list) else [res.get("diff") or {}]:
            text = _unified(diff) if diff else ""
            if text and self._changed(data):
                r.diffs.append({"task": task, "diff": text})


def _stats(result: HostsResult, stats: dict[str, dict[str, int]] | None) -> None:
    for key, attr in (("ok", "ok"), ("changed", "changed"), ("failures", "failed"), ("skipped", "skipped")):
        for host, count in (stats or {}).get(key, {}).items():
            setattr(result.hosts.setdefault(host, HostResult(host)), attr, count)
    for host in (stats or {}).get("dark", {}):
        result.hosts.setdefault(host, HostResult(host)).unreachable = True


def run_hosts(
    path: Path,
    out: Path,
    *,
    access: Access,
    check: bool = False,
    limit: str | None = None,
    tags: str | None = None,
    progress: Progress | None = None,
    extra_vars: Path | None = None,
    vault_password_file: Path | None = None,
) -> HostsResult:
    """Run ``playbooks/site.yml`` on the inventory's hosts (only the lab's with a lab ``access``).

    ``extra_vars``: the operator's Ansible variables (``group_vars/``, ``host_vars/``; values may be vaulted),
    ``vault_password_file``: what opens them. Without it, the tasks using a vaulted value fail on their hosts.
    """
    import ansible_runner

    inv = load(path)
    if vault_password_file is not None and not vault_password_file.is_file():
        raise DeployError(f"{vault_password_file}: no such vault password file")
    root = out / "runs" / new_run_id()
    root.mkdir(parents=True)
    vaulted = _write_inventory(root, inv, access, extra_vars)
    if access.lab_vars:
        limit = f"{limit}:&hatang_lab" if limit else "hatang_lab"
    collector = _Collector(progress or (lambda _e: None))
    _ansible_on_path()
    control_dir = tempfile.mkdtemp(prefix="hatang-ssh-")  # short: socket paths are limited to 108 bytes
    envvars = {
        "ANSIBLE_HOST_KEY_CHECKING": "True" if access.check_host_keys else "False",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_RETRY_FILES_ENABLED": "False",
        "ANSIBLE_PIPELINING": "True",  # one SSH round trip per task (sudo without requiretty, Debian's default)
        "ANSIBLE_FORKS": "10",
        # SSH connections of this run only: each run verifies host keys anew, none outlives it
        "ANSIBLE_SSH_CONTROL_PATH_DIR": control_dir,
    }
    cmdline = ["--diff", *(["--check"] if check else [])]
    if vault_password_file is not None:
        cmdline.append(f"--vault-password-file={vault_password_file.resolve()}")
    passwords: dict[str, str] = {}
    if access.become_password is not None:
        cmdline.append("--ask-become-pass")
        passwords[r"^BECOME password.*:\s*?$"] = access.become_password
    try:
        runner = _run(ansible_runner, root, limit, tags, cmdline, envvars, passwords, collector)
    finally:
        _close_connections(Path(control_dir))
    result = HostsResult(
        root.name, root, check, str(runner.status), int(runner.rc),
        host_keys_checked=access.check_host_keys, vaulted=vaulted if vault_password_file is None else [],
    )  # fmt: skip
    result.hosts = collector.hosts
    _stats(result, runner.stats)
    if result.rc != 0 and not result.hosts:  # Ansible stopped before any host: say why
        stdout = root / "artifacts" / "ansible" / "stdout"
        result.reason = stdout.read_text()[-1500:].strip() if stdout.is_file() else result.status
    (root / "summary.json").write_text(json.dumps(summary(result), indent=1) + "\n")
    shutil.rmtree(root / "env", ignore_errors=True)  # nothing secret is kept beyond the run
    return result


def _run(
    ansible_runner: Any,
    root: Path,
    limit: str | None,
    tags: str | None,
    cmdline: list[str],
    envvars: dict[str, str],
    passwords: dict[str, str],
    collector: _Collector,
) -> Any:
    """``ansible_runner.run`` on the run folder with the project's playbooks (the runner object it returns)."""
    return ansible_runner.run(
        private_data_dir=str(root),
        project_dir=str(PLAYBOOKS),
        playbook="site.yml",
        limit=limit,
        tags=tags,
        cmdline=" ".join(cmdline),
        envvars=envvars,
        passwords=passwords,
        event_handler=collector,
        quiet=True,
        ident="ansible",
    )


def _close_connections(folder: Path) -> None:
    """Stop the run's SSH connection masters and remove their folder."""
    for socket in folder.iterdir() if folder.is_dir() else []:
        subprocess.run(
            ["ssh", "-O", "exit", "-o", f"ControlPath={socket}", "hatang-run"],
            capture_output=True, timeout=10, check=False,
        )  # fmt: skip
    shutil.rmtree(folder, ignore_errors=True)


def _ansible_on_path() -> None:
    """ansible-runner starts ``ansible-playbook`` from PATH: use the one installed beside this Python."""
    here = str(Path(sys.executable).parent)
    if here not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = here + os.pathsep + os.environ.get("PATH", "")


def summary(result: HostsResult) -> dict[str, Any]:
    """The run as plain data (what ``summary.json`` holds)."""
    return {
        "run": result.run_id,
        "check": result.check,
        "status": result.status,
        "rc": result.rc,
        "reason": result.reason,
        "host_keys_checked": result.host_keys_checked,
        "vaulted_without_password": result.vaulted,
        "hosts": {
            name: {
                "status": h.status,
                "ok": h.ok,
                "changed": h.changed,
                "failed": h.failed,
                "skipped": h.skipped,
                "failures": h.failures,
                "diffs": h.diffs,
            }
            for name, h in sorted(result.hosts.items())
        },
    }


def default_out() -> Path:
    """The build folder (``$HATANG_BUILD`` or ``build``)."""
    return Path(os.environ.get("HATANG_BUILD", "build"))
