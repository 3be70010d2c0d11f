"""Reading hosts for the audit: one verified, persistent SSH connection per host, and every command in one trip.

The checks in ``checks/linux`` name the commands they read in ``GATHER`` tables (key → shell command). Before any
check runs, the engine connects to every host at once (a thread per host, up to ``workers``) through testinfra's
paramiko backend, and runs all the commands of the audit in a single script under ``sudo``: each command's
output, error output and exit status come back between markers, each time-stamped. The checks then judge those
outputs locally, so a host costs one connection and one round trip however many controls it is judged on.

``plain`` mode reads the same commands one at a time, when a check asks for them, through testinfra's ``ssh``
backend in the calling thread: what a plain single-process pytest-testinfra run does. The benchmark compares the
two; nothing else uses it.

Host keys are verified: the lab's known_hosts for the lab; for production, the keys the inventory records and the
operator's known_hosts file. An unknown or changed key fails that host's connection, never silently accepted.
Everything the audit runs only reads.
"""

from __future__ import annotations

import datetime as dt
import secrets
import shlex
import socket
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paramiko

from infra.audit.scope import LinuxTarget, Output

COMMAND_TIMEOUT = 20  # seconds one command read on its own (plain mode) may take on the host
SCRIPT_TIMEOUT = 120  # seconds the script reading every command may take on a host
CONNECT_TIMEOUT = 10


def now() -> str:
    """The current time, ISO 8601 UTC to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class Login:
    """How the audit logs in: the account, its key, the host keys it trusts (file and inventory lines)."""

    user: str
    key_file: str | None
    known_hosts: tuple[str, ...]  # known_hosts files, read in order (missing ones are skipped)
    known_lines: str = ""  # extra known_hosts lines (the inventory's recorded host keys)
    check_host_keys: bool = True


@dataclass(slots=True)
class Gathered:
    """One host's command outputs and its connection.

    Attributes:
        host: The testinfra ``Host`` (its backend holds the connection).
        commands: Every command the audit may read (key → command).
        outputs: The outputs read so far, with ``taken`` time stamps.
        error: Why the host could not be read at all (None when it could).
        live: Read a command when a check asks for it (plain mode) instead of from the gathered script.
    """

    host: Any
    commands: Mapping[str, str]
    outputs: dict[str, Output] = field(default_factory=dict)
    taken: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    live: bool = False

    def output(self, key: str) -> Output:
        """The output of command ``key``."""
        if key not in self.commands:
            raise KeyError(f"command {key!r} is in no GATHER table of checks/linux")
        if self.live:  # as a plain testinfra check does: every read is a command on the host
            result = self.host.run(_wrapped(self.commands[key]))
            self.taken[key] = now()
            self.outputs[key] = Output(result.rc, result.stdout, result.stderr)
        elif key not in self.outputs:
            raise KeyError(f"command {key!r} was not gathered")
        return self.outputs[key]

    def close(self) -> None:
        """Close the connection (paramiko) or let the OpenSSH master go (plain mode)."""
        backend = getattr(self.host, "backend", None)
        client = getattr(backend, "__dict__", {}).get("client")
        if isinstance(client, paramiko.SSHClient):
            client.close()


def _wrapped(command: str) -> str:
    # a command's own status 255 would read as an SSH failure to OpenSSH's client: 254 stands for it
    inner = f"LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin timeout {COMMAND_TIMEOUT} /bin/sh -c {shlex.quote(command)}"
    return f'{inner}; r=$?; [ "$r" -eq 255 ] && r=254; exit "$r"'


def script(commands: Mapping[str, str], nonce: str) -> str:
    """The one shell script that runs every command and marks each output, error output and status.

    Each command runs in a subshell of the script (no extra program per command); :func:`gather_one` runs the
    script under ``timeout``, so a hanging command costs that host's read, never the audit.
    """
    lines = [
        "export LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin",
        "t=$(mktemp -d) || exit 97",
        "trap 'rm -rf \"$t\"' EXIT",
    ]
    for key, command in commands.items():
        lines += [
            f"printf '%s begin %s\\n' {nonce} {key}",
            f'( {command}\n) >"$t/o" 2>"$t/e" </dev/null; rc=$?',
            f'cat "$t/o"; printf \'\\n%s stderr %s\\n\' {nonce} {key}; cat "$t/e"',
            f"printf '\\n%s end %s %s\\n' {nonce} {key} \"$rc\"",
        ]
    return "\n".join(lines) + "\n"


def parse(text: str, nonce: str) -> dict[str, Output]:
    """Split the script's output back into one :class:`Output` per command."""
    out: dict[str, Output] = {}
    key: str | None = None
    part: str | None = None
    buf: dict[str, list[str]] = {"out": [], "err": []}
    for line in text.splitlines(keepends=True):
        words = line.split()
        if len(words) >= 3 and words[0] == nonce:
            if words[1] == "begin":
                key, part, buf = words[2], "out", {"out": [], "err": []}
                continue
            if words[1] == "stderr" and key is not None:
                part = "err"
                continue
            if words[1] == "end" and key is not None and len(words) == 4:
                out[key] = Output(int(words[3]), _strip_one("".join(buf["out"])), _strip_one("".join(buf["err"])))
                key, part = None, None
                continue
        if key is not None and part is not None:
            buf[part].append(line)
    return out


def _strip_one(text: str) -> str:
    return text[:-1] if text.endswith("\n") else text


# --- connecting ---------------------------------------------------------------------------------------------


class _Known(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]
    """Reject a host whose key is unknown, naming where the audit looked."""

    def __init__(self, where: str) -> None:
        self.where = where

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: paramiko.PKey) -> None:
        raise paramiko.SSHException(
            f"host key of {hostname} ({key.get_name()}) is not known: not in {self.where}; record it in the "
            "inventory (hosts[].ssh_host_keys) or the operator's known_hosts after checking it"
        )


def client(address: str, login: Login) -> paramiko.SSHClient:
    """A connected SSH client whose host key was verified (see the module's rules)."""
    c = paramiko.SSHClient()
    keys = c.get_host_keys()
    for path in login.known_hosts:
        if Path(path).is_file():
            keys.load(path)
    for line in login.known_lines.splitlines():
        entry = paramiko.hostkeys.HostKeyEntry.from_line(line)
        if entry is not None and entry.key is not None:
            for name in entry.hostnames:
                keys.add(name, entry.key.get_name(), entry.key)
    if login.check_host_keys:
        c.set_missing_host_key_policy(_Known(", ".join(login.known_hosts) or "the inventory"))
    else:
        c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    c.connect(
        address,
        username=login.user,
        key_filename=login.key_file,
        timeout=CONNECT_TIMEOUT,
        banner_timeout=CONNECT_TIMEOUT,
        auth_timeout=CONNECT_TIMEOUT,
        look_for_keys=login.key_file is None,
        allow_agent=login.key_file is None,
    )
    return c


def reason(err: BaseException) -> str:
    """Why a host could not be read, in words an operator acts on."""
    if isinstance(err, paramiko.BadHostKeyException):
        return f"host key verification failed: the host's key changed ({err.key.get_name()}); it may be impersonated"
    if isinstance(err, paramiko.AuthenticationException):
        return f"login refused: {err}"
    if isinstance(err, socket.timeout | TimeoutError):
        return "unreachable: no answer within the timeout"
    if isinstance(err, OSError):
        return f"unreachable: {err.strerror or err}"
    return f"{type(err).__name__}: {err}"


def _testinfra_host(target: LinuxTarget, login: Login, c: paramiko.SSHClient) -> Any:
    import testinfra.backend  # type: ignore[import-untyped]
    import testinfra.host  # type: ignore[import-untyped]

    backend = testinfra.backend.get_backend(f"paramiko://{login.user}@{target.name}", sudo=True)
    backend.__dict__["client"] = c  # the backend's connection: ours, with its host key verified
    host = testinfra.host.Host(backend)
    backend.set_host(host)
    return host


def gather_one(target: LinuxTarget, login: Login, commands: Mapping[str, str]) -> Gathered:
    """Connect to one host and read every command in one round trip."""
    try:
        c = client(target.address, login)
    except (paramiko.SSHException, OSError) as err:
        return Gathered(None, commands, error=reason(err))
    host = _testinfra_host(target, login, c)
    gathered = Gathered(host, commands)
    nonce = "@@hatang-" + secrets.token_hex(8)
    try:
        result = host.run(f"exec timeout {SCRIPT_TIMEOUT} /bin/sh -c {shlex.quote(script(commands, nonce))}")
    except (paramiko.SSHException, OSError) as err:
        gathered.error = reason(err)
        return gathered
    stamp = now()
    gathered.outputs = parse(result.stdout, nonce)
    gathered.taken = dict.fromkeys(gathered.outputs, stamp)
    if not gathered.outputs:
        detail = (result.stderr or result.stdout).strip().splitlines()
        gathered.error = "could not run the audit commands as root (sudo): " + (
            detail[-1] if detail else f"rc {result.rc}"
        )
    return gathered


def gather_all(
    targets: list[LinuxTarget], login: Login, commands: Mapping[str, str], workers: int = 32
) -> dict[str, Gathered]:
    """Read every host at once (a thread per host, up to ``workers``)."""
    if not targets:
        return {}
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(targets)))) as pool:
        done = pool.map(lambda t: (t.name, gather_one(t, login, commands)), targets)
        return dict(done)


def plain_hosts(
    targets: list[LinuxTarget], login: Login, commands: Mapping[str, str], folder: Path
) -> dict[str, Gathered]:
    """Plain pytest-testinfra connections (``ssh://`` backend: OpenSSH, a command per read), for comparison.

    They get testinfra's best settings: an OpenSSH master per host (ControlMaster, in ``folder``) reused by every
    command. :func:`close_plain` stops the masters.
    """
    import testinfra

    config = folder / "ssh_config"
    lines = []
    for t in targets:
        lines += [
            f"Host {t.name}",
            f"  HostName {t.address}",
            f"  User {login.user}",
            *([f"  IdentityFile {login.key_file}", "  IdentitiesOnly yes"] if login.key_file else []),
            f"  UserKnownHostsFile {' '.join(login.known_hosts)}",
            "  StrictHostKeyChecking yes",
            f"  ControlPath {folder}/cm-%C",
            "",
        ]
    config.write_text("\n".join(lines))
    return {
        t.name: Gathered(testinfra.get_host(f"ssh://{t.name}", ssh_config=str(config), sudo=True), commands, live=True)
        for t in targets
    }


def close_plain(names: list[str], folder: Path) -> None:
    """Stop the OpenSSH masters :func:`plain_hosts` left (each by its control socket)."""
    import subprocess

    for name in names:
        subprocess.run(
            ["ssh", "-F", str(folder / "ssh_config"), "-O", "exit", name], capture_output=True, check=False, timeout=10
        )
