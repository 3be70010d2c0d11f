"""NAPALM driver for FRRouting on a Linux box, spoken to over SSH.

The driver logs in with paramiko (host keys always verified), runs commands on exec channels so that their exit
codes are real, and uploads candidates with SFTP. FRR's own tools do the work: ``vtysh -C -f`` checks a candidate,
``frr-reload.py --test`` shows what a replace would change and ``frr-reload.py --reload`` applies it, ``vtysh -f``
merges. Every commit first saves the running configuration on the device, so a failed apply, a commit-confirm
timer that runs out, or :meth:`FRRDriver.rollback` can restore it.

Files on the device, in ``state_dir`` (mode 0700, files 0600): ``candidate.conf`` (the loaded candidate),
``rollback.conf`` (the running configuration before the last commit), ``pending.pid`` (the process group of a
commit-confirm timer that has not run out yet) and ``firing.pid`` (the same timer while it restores).

With ``sudo`` every command runs as ``sudo -n sh -c '...'`` and uploads go through it too (``cat``), so the login
user needs passwordless sudo; without it the login user must be able to run vtysh and write ``state_dir``.

Optional arguments (``optional_args``): ``port`` (22), ``key_file``, ``known_hosts`` (a known_hosts file; without
it the user's ``~/.ssh/known_hosts``), ``sudo`` (run every command through ``sudo -n``), ``state_dir``
(``/var/lib/hatang``) and ``frr_reload`` (``/usr/lib/frr/frr-reload.py``).

The commands' outputs become NAPALM's dicts in :mod:`infra.deploy.drivers.frr_parse` (no I/O there), which also
writes the commit-confirm timer's shell scripts. Nothing here logs configuration text, command output or credentials.
"""

from __future__ import annotations

import contextlib
import json
import posixpath
import shlex
import threading
from pathlib import Path
from typing import Any, Literal

import paramiko
from napalm.base import NetworkDriver, models
from napalm.base import constants as c
from napalm.base.exceptions import (
    CommandErrorException,
    CommandTimeoutException,
    CommitError,
    ConnectAuthError,
    ConnectionClosedException,
    ConnectionException,
    ConnectTimeoutError,
    MergeConfigException,
    ReplaceConfigException,
)

from infra.deploy.drivers import frr_parse as parse
from infra.deploy.drivers.frr_parse import OSPFNeighborDict, OSPFNeighborsDict

__all__ = ["FRRDriver", "OSPFNeighborDict", "OSPFNeighborsDict"]

STARTUP_CONFIG = "/etc/frr/frr.conf"
CANDIDATE = "candidate.conf"
ROLLBACK = "rollback.conf"
PENDING = "pending.pid"
FIRING = "firing.pid"

Kind = Literal["replace", "merge"]


class FRRDriver(NetworkDriver):
    """NAPALM driver for FRRouting (vtysh, frr-reload.py) on Linux, over SSH."""

    def __init__(
        self,
        hostname: str,
        username: str,
        password: str,
        timeout: int = 60,
        optional_args: dict[str, Any] | None = None,
    ) -> None:
        """Keep the connection settings; :meth:`open` connects.

        Args:
            hostname: Name or address of the device; an IPv6 literal may be bracketed.
            username: Login name.
            password: Password (may be empty when ``key_file`` is given); never logged.
            timeout: Seconds to wait for the connection and for each command.
            optional_args: ``port``, ``key_file``, ``known_hosts``, ``sudo``, ``state_dir``, ``frr_reload``.
        """
        self.hostname = hostname
        self.username = username
        self.password = password
        self.timeout = timeout
        self._opts = parse.options(optional_args)
        self._client: Any = None
        self._sftp: Any = None
        self._kind: Kind | None = None
        self._candidate: str | None = None

    # -- connection ---------------------------------------------------------------------------------------------

    @property
    def _host(self) -> str:
        return self.hostname.removeprefix("[").removesuffix("]")

    def open(self) -> None:
        """Connect, verifying the device's host key, and make sure the state directory exists.

        Raises:
            ConnectionException: The host key is unknown or changed, or the device cannot be reached.
            ConnectAuthError: The device refused the credentials.
            ConnectTimeoutError: The device did not answer in time.
        """
        client = paramiko.SSHClient()
        try:
            if self._opts.known_hosts:
                client.load_host_keys(self._opts.known_hosts)
            else:
                client.load_system_host_keys()
        except OSError as e:
            raise ConnectionException(f"{self._host}: cannot read the known_hosts file: {e}") from e
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        try:
            self._connect(client)
        except BaseException:
            client.close()
            raise
        self._client = client
        state = shlex.quote(self._opts.state_dir)
        try:
            self._run(f"mkdir -p {state} && chmod 0700 {state}", "creating the state directory")
        except BaseException:
            self.close()
            raise

    def _connect(self, client: Any) -> None:
        where = f"{self._host} port {self._opts.port}"
        try:
            client.connect(
                self._host,
                port=self._opts.port,
                username=self.username,
                password=self.password or None,
                key_filename=self._opts.key_file,
                timeout=self.timeout,
                banner_timeout=self.timeout,
                auth_timeout=self.timeout,
                allow_agent=False,
                look_for_keys=False,
            )
        except paramiko.BadHostKeyException as e:
            raise ConnectionException(f"{where}: the host key changed; refusing to connect ({e})") from e
        except paramiko.AuthenticationException as e:
            raise ConnectAuthError(f"{where}: authentication as {self.username!r} failed") from e
        except paramiko.SSHException as e:
            raise ConnectionException(f"{where}: host key not trusted or SSH failed: {e}") from e
        except TimeoutError as e:
            raise ConnectTimeoutError(f"{where}: no answer within {self.timeout}s") from e
        except OSError as e:
            raise ConnectionException(f"{where}: {e}") from e

    def close(self) -> None:
        """Close the SFTP session and the SSH connection."""
        if self._sftp is not None:
            self._sftp.close()
            self._sftp = None
        if self._client is not None:
            self._client.close()
            self._client = None

    def is_alive(self) -> models.AliveDict:
        """Report whether the SSH transport is up."""
        transport = self._client.get_transport() if self._client is not None else None
        return {"is_alive": bool(transport is not None and transport.is_active())}

    # -- commands -----------------------------------------------------------------------------------------------

    def _transport(self) -> Any:
        transport = self._client.get_transport() if self._client is not None else None
        if transport is None or not transport.is_active():
            raise ConnectionClosedException(f"{self._host}: not connected; call open() first")
        return transport

    def _exec(self, command: str, stdin: str | None = None) -> parse.CommandResult:
        """Run ``command`` through the device's shell; never raises on a non-zero exit code."""
        if self._opts.sudo:
            command = f"sudo -n sh -c {shlex.quote(command)}"
        try:
            channel = self._transport().open_session(timeout=self.timeout)
            with contextlib.closing(channel):
                channel.settimeout(self.timeout)
                channel.exec_command(command)
                if stdin is not None:
                    channel.sendall(stdin.encode())
                channel.shutdown_write()
                out, err = _drain(channel)
                return parse.CommandResult(int(channel.recv_exit_status()), out, err)
        except TimeoutError as e:
            raise CommandTimeoutException(f"{self._host}: a command did not finish within {self.timeout}s") from e
        except paramiko.SSHException as e:
            raise ConnectionClosedException(f"{self._host}: SSH failed: {e}") from e

    def _run(self, command: str, what: str, error: type[Exception] = CommandErrorException) -> str:
        """Run ``command``; raise ``error`` naming ``what`` and FRR's message when it fails."""
        result = self._exec(command)
        if result.rc != 0:
            raise error(f"{self._host}: {what} failed (exit {result.rc}): {parse.messages(result.text)}")
        return result.out

    def _vtysh(self, *commands: str) -> str:
        args = " ".join(f"-c {shlex.quote(command)}" for command in commands)
        return self._run(f"vtysh {args}", "vtysh")

    def _vtysh_json(self, command: str) -> Any:
        out = self._vtysh(command).strip()
        return json.loads(out) if out.startswith(("{", "[")) else {}

    def _state(self, name: str) -> str:
        return shlex.quote(posixpath.join(self._opts.state_dir, name))

    def _upload(self, name: str, text: str) -> None:
        """Write ``text`` to ``state_dir/name`` with mode 0600 (through sudo when asked, else SFTP)."""
        path = posixpath.join(self._opts.state_dir, name)
        if self._opts.sudo:
            result = self._exec(f"umask 077 && cat > {shlex.quote(path)}", stdin=text)
            if result.rc != 0:
                raise CommandErrorException(f"{self._host}: writing {path} failed: {result.text}")
            return
        if self._sftp is None:
            self._sftp = self._client.open_sftp()
        with self._sftp.open(path, "w") as remote:
            remote.chmod(0o600)
            remote.write(text.encode())

    # -- candidate ----------------------------------------------------------------------------------------------

    def load_replace_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        """Upload a full configuration and check it with ``vtysh -C``.

        Args:
            filename: Local file with the configuration; wins over ``config``.
            config: The configuration text.

        Raises:
            ReplaceConfigException: No configuration was given, or FRR rejected it (FRR's message included).
        """
        self._load("replace", _candidate_text(filename, config, ReplaceConfigException), ReplaceConfigException)

    def load_merge_candidate(self, filename: str | None = None, config: str | None = None) -> None:
        """Upload configuration lines to merge and check them with ``vtysh -C``.

        Args:
            filename: Local file with the lines; wins over ``config``.
            config: The lines.

        Raises:
            MergeConfigException: No configuration was given, or FRR rejected it (FRR's message included).
        """
        self._load("merge", _candidate_text(filename, config, MergeConfigException), MergeConfigException)

    def _load(self, kind: Kind, text: str, error: type[Exception]) -> None:
        self.discard_config()
        self._upload(CANDIDATE, text)
        result = self._exec(f"vtysh -C -f {self._state(CANDIDATE)}")
        if result.rc != 0:
            self.discard_config()
            raise error(f"{self._host}: FRR rejected the candidate: {parse.messages(result.text)}")
        self._kind, self._candidate = kind, text

    def compare_config(self) -> str:
        """Show what a commit would change: ``-line``/``+line``, with the enclosing blocks as context.

        Returns:
            The diff, or ``""`` when no candidate is loaded or nothing would change.
        """
        if self._kind is None or self._candidate is None:
            return ""
        if self._kind == "merge":
            return parse.merge_diff(self._candidate, self._running())
        reload = shlex.quote(self._opts.frr_reload)
        out = self._run(f"{reload} --test --stdout {self._state(CANDIDATE)}", "frr-reload.py --test")
        return parse.reload_diff(out, self._running())

    def discard_config(self) -> None:
        """Forget the loaded candidate (and delete it from the device)."""
        self._kind, self._candidate = None, None
        if self._client is not None:
            self._exec(f"rm -f {self._state(CANDIDATE)}")

    # -- commit, confirm, rollback ------------------------------------------------------------------------------

    def commit_config(self, message: str = "", revert_in: int | None = None) -> None:
        """Apply the candidate and save it as the startup configuration.

        Args:
            message: Ignored; FRR keeps no commit messages.
            revert_in: Seconds after which the device restores the previous configuration by itself unless
                :meth:`confirm_commit` is called first. The new configuration is saved (``write memory``) only
                when it is confirmed, so a reboot inside the window also comes back with the previous one.

        Raises:
            CommitError: No candidate is loaded, a commit-confirm is pending, or applying failed (the previous
                configuration is restored first).
        """
        if self._kind is None:
            raise CommitError(f"{self._host}: no candidate loaded; call load_replace_candidate() first")
        if revert_in is not None and (not isinstance(revert_in, int) or revert_in < 1):
            raise CommitError(f"{self._host}: revert_in must be a positive number of seconds, got {revert_in!r}")
        timer = self._timer_state()
        if timer == "pending":
            raise CommitError(f"{self._host}: a commit is pending confirmation; confirm_commit() or rollback() it")
        if timer == "reverting":
            raise CommitError(f"{self._host}: an unconfirmed commit is being reverted right now; try again shortly")
        self._upload(ROLLBACK, self._running())
        self._apply(self._kind)
        if revert_in is None:
            self._write_memory()
        else:  # saved only on confirmation: a reboot before it also brings the previous configuration back
            try:
                self._start_timer(revert_in)
            except CommitError:
                self._restore()
                raise
        self.discard_config()

    def _apply(self, kind: Kind) -> None:
        candidate = self._state(CANDIDATE)
        if kind == "replace":
            command = f"{shlex.quote(self._opts.frr_reload)} --reload --stdout {candidate}"
        else:
            command = f"vtysh -f {candidate}"
        result = self._exec(command)
        if result.rc == 0:
            return
        failure = parse.messages(result.text)
        try:
            self._restore()
        except CommandErrorException as e:
            raise CommitError(f"{self._host}: applying failed ({failure}) and restoring failed too: {e}") from e
        raise CommitError(f"{self._host}: applying failed, previous configuration restored: {failure}")

    def _restore(self) -> None:
        reload = shlex.quote(self._opts.frr_reload)
        self._run(f"{reload} --reload --stdout {self._state(ROLLBACK)}", "restoring the saved configuration")
        self._write_memory()

    def _write_memory(self) -> None:
        self._vtysh("write memory")

    def _start_timer(self, seconds: int) -> None:
        """Start the device-side timer that restores ``rollback.conf`` after ``seconds`` unless cancelled."""
        script = parse.timer_script(
            pending=self._state(PENDING),
            firing=self._state(FIRING),
            rollback=self._state(ROLLBACK),
            frr_reload=shlex.quote(self._opts.frr_reload),
            seconds=seconds,
        )
        self._run(script, "starting the commit-confirm timer", CommitError)

    def _cancel_timer(self) -> bool:
        """Stop a pending commit-confirm timer; return whether one was stopped before it fired."""
        result = self._exec(parse.cancel_script(pending=self._state(PENDING), cancel=self._state("cancel.pid")))
        if result.rc not in (0, 3):
            raise CommitError(f"{self._host}: cancelling the commit-confirm timer failed: {result.text}")
        return result.rc == 0

    def _timer_state(self) -> parse.TimerState:
        """Whether a commit-confirm timer is waiting (``pending``), restoring right now (``reverting``), or neither."""
        script = parse.timer_state_script(pending=self._state(PENDING), firing=self._state(FIRING))
        return parse.timer_state(self._exec(script).out)

    def has_pending_commit(self) -> bool:
        """Whether a commit-confirm timer is still waiting to revert."""
        return self._timer_state() == "pending"

    def confirm_commit(self) -> None:
        """Keep the configuration of a ``commit_config(revert_in=...)`` and save it as the startup configuration.

        Raises:
            CommitError: No commit is waiting for confirmation (it may already have been reverted).
        """
        if not self._cancel_timer():
            raise CommitError(f"{self._host}: no pending commit to confirm (it may have been reverted already)")
        self._write_memory()

    def rollback(self) -> None:
        """Restore the configuration saved by the last commit (cancelling a pending commit-confirm first).

        Raises:
            CommitError: No commit was ever made through this driver on the device, or a revert is running.
        """
        if not self._cancel_timer() and self._timer_state() == "reverting":
            raise CommitError(f"{self._host}: an unconfirmed commit is being reverted right now; nothing to roll back")
        if self._exec(f"test -s {self._state(ROLLBACK)}").rc != 0:
            raise CommitError(f"{self._host}: nothing to roll back; no commit was made through this driver")
        self._restore()

    # -- configuration ------------------------------------------------------------------------------------------

    def _running(self) -> str:
        return parse.strip_header(self._vtysh("show running-config"))

    def get_config(
        self,
        retrieve: str = "all",
        full: bool = False,
        sanitized: bool = False,
        format: str = "text",
    ) -> models.ConfigDict:
        """Return the running, startup (``/etc/frr/frr.conf``) and loaded candidate configurations.

        Args:
            retrieve: ``all``, ``running``, ``startup`` or ``candidate``; the others are returned empty.
            full: Ignored; FRR has no "show running-config all".
            sanitized: Replace passwords and keys with ``<removed>``.
            format: Only ``text``.

        Returns:
            NAPALM's config dict.
        """
        if format != "text":
            raise NotImplementedError(f"{self._host}: FRR configurations are text only, not {format!r}")
        if retrieve not in ("all", "running", "startup", "candidate"):
            raise ValueError(f"retrieve must be all, running, startup or candidate, not {retrieve!r}")
        result: models.ConfigDict = {"running": "", "startup": "", "candidate": ""}
        if retrieve in ("all", "running"):
            result["running"] = self._running()
        if retrieve in ("all", "startup"):
            result["startup"] = self._run(f"cat {shlex.quote(STARTUP_CONFIG)}", "reading the startup configuration")
        if retrieve in ("all", "candidate"):
            result["candidate"] = self._candidate or ""
        if sanitized:
            result["running"] = parse.sanitize(result["running"])
            result["startup"] = parse.sanitize(result["startup"])
            result["candidate"] = parse.sanitize(result["candidate"])
        return result

    def cli(self, commands: list[str], encoding: str = "text") -> dict[str, str | dict[str, Any]]:
        """Run vtysh commands.

        Args:
            commands: vtysh commands, each run on its own.
            encoding: ``text``, or ``json`` to parse each output (for commands that end in ``json``).

        Returns:
            Each command mapped to its output.

        Raises:
            CommandErrorException: vtysh failed on a command.
        """
        if encoding not in ("text", "json"):
            raise NotImplementedError(f"encoding must be text or json, not {encoding!r}")
        outputs: dict[str, str | dict[str, Any]] = {}
        for command in commands:
            result = self._exec(f"vtysh -c {shlex.quote(command)}")
            if result.rc != 0:
                raise CommandErrorException(f"{self._host}: {command!r} failed: {result.text}")
            outputs[command] = parse.json_output(command, result.out) if encoding == "json" else result.out
        return outputs

    # -- getters ------------------------------------------------------------------------------------------------

    def get_facts(self) -> models.FactsDict:
        """Vendor FRRouting, FRR's version, the Linux host's names, uptime, machine-id and interfaces."""
        script_out = self._run(parse.FACTS_SCRIPT, "reading facts")
        return parse.facts(script_out, self._vtysh("show version"), self._ip_json("link"))

    def _ip_json(self, what: str) -> list[dict[str, Any]]:
        data = json.loads(self._run(f"ip -j -d {what} show", f"ip {what}") or "[]")
        return [entry for entry in data if isinstance(entry, dict) and "ifname" in entry]

    def get_interfaces(self) -> dict[str, models.InterfaceDict]:
        """Interfaces from ``ip -j -d link``; speeds from sysfs; descriptions from FRR's configuration."""
        speeds = parse.speeds(self._run(parse.SPEEDS_SCRIPT, "reading speeds"))
        return parse.interfaces(self._ip_json("link"), speeds, parse.descriptions(self._running()))

    def get_interfaces_ip(self) -> dict[str, models.InterfacesIPDict]:
        """Addresses from ``ip -j addr`` (IPv6 link-local included), NAPALM's shape."""
        return parse.interfaces_ip(self._ip_json("addr"))

    def get_bgp_neighbors(self) -> dict[str, models.BGPStateNeighborsPerVRFDict]:
        """BGP peers per VRF (``global`` for the default VRF) from FRR's neighbor and summary JSON."""
        neighbors = self._vtysh_json("show bgp vrf all neighbors json")
        summary = self._vtysh_json("show bgp vrf all summary json")
        return parse.bgp_neighbors(neighbors, summary)

    def get_ospf_neighbors(self) -> OSPFNeighborsDict:
        """OSPFv2 and OSPFv3 adjacencies (NAPALM has no OSPF getter; this is FRR's).

        Returns:
            ``{"ipv4": [...], "ipv6": [...]}``; each neighbor has ``neighbor_id``, ``interface``, ``state`` (FRR's
            state without the DR role, e.g. ``Full``) and ``address`` (the neighbor's interface address; for
            OSPFv3 its link-local address).
        """
        v4 = self._vtysh_json("show ip ospf neighbor json")
        v6 = self._vtysh_json("show ipv6 ospf6 neighbor json")
        v6_detail = self._vtysh_json("show ipv6 ospf6 neighbor detail json") if v6 else {}
        return {"ipv4": parse.ospf_v4(v4), "ipv6": parse.ospf_v6(v6, v6_detail)}

    def ping(
        self,
        destination: str,
        source: str = c.PING_SOURCE,
        ttl: int = c.PING_TTL,
        timeout: int = c.PING_TIMEOUT,
        size: int = c.PING_SIZE,
        count: int = c.PING_COUNT,
        vrf: str = c.PING_VRF,
        source_interface: str = c.PING_SOURCE_INTERFACE,
    ) -> models.PingResultDict:
        """Ping from the device with iputils ping (IPv4 or IPv6).

        Args:
            destination: Address or name to ping.
            source: Source address.
            ttl: TTL (IPv4) or hop limit (IPv6).
            timeout: Seconds to wait for each reply.
            size: Payload bytes.
            count: Number of probes.
            vrf: VRF to ping in (``ip vrf exec``).
            source_interface: Interface whose address is the source (used when ``source`` is empty).

        Returns:
            ``{"success": {...}}`` with NAPALM's ping fields, or ``{"error": message}``.
        """
        command = parse.ping_command(destination, source, ttl, timeout, size, count, vrf, source_interface)
        result = self._exec(command)
        return parse.ping_result(result, count)


# -- transport and input --------------------------------------------------------------------------------------------


def _drain(channel: Any) -> tuple[str, str]:
    """Read stdout and stderr of ``channel`` to the end, in parallel so neither can fill its window."""
    errors: list[bytes] = []

    def read_stderr() -> None:
        with contextlib.suppress(OSError):
            errors.append(channel.makefile_stderr("rb").read())

    reader = threading.Thread(target=read_stderr, daemon=True)
    reader.start()
    out: bytes = channel.makefile("rb").read()
    reader.join()
    return out.decode(errors="replace"), b"".join(errors).decode(errors="replace")


def _candidate_text(filename: str | None, config: str | None, error: type[Exception]) -> str:
    if filename is not None:
        try:
            return Path(filename).read_text(encoding="utf-8")
        except OSError as e:
            raise error(f"cannot read the candidate file {filename}: {e.strerror}") from e
    if config is None:
        raise error("give a filename or a config to load")
    return config
