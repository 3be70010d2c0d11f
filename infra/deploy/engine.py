"""The rollout: waves of devices, each device load → diff → commit (revert timer) → post-checks → confirm.

A wave is all or nothing beyond its failure budget: when more devices fail than the budget allows, every
device of the wave that changed is put back to its backup and the rollout halts; within the budget, only
the failed devices are put back and the others are confirmed. Without ``commit`` every candidate is
loaded, diffed, saved and explicitly discarded. Results are data; the command line prints them.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from infra.deploy.checks import Check, wait_healthy
from infra.deploy.journal import Journal
from infra.deploy.targets import Fleet, Target
from infra.deploy.waves import Wave

Opener = Callable[[Target], Any]
Progress = Callable[[dict[str, Any]], None]
HEADER_PREFIXES = ("Building configuration", "Current configuration")


@dataclass(slots=True)
class DeviceResult:
    """How one device ended in one wave."""

    device: str
    site: str
    wave: str
    status: str = "pending"  # dry-run, unchanged, confirmed, reverted, failed, untouched
    step: str = "connect"  # the last step reached: connect, backup, load, diff, commit, check, confirm, revert
    diff_lines: int = 0
    changed: bool = False
    committed: bool = False
    error: str = ""
    checks: list[Check] = field(default_factory=list)
    reverted: bool | None = None  # back to the backup, verified by an empty diff against it
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        """Whether this device failed a step or a post-check."""
        return bool(self.error) or any(c.ok is False for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        """The result as plain data (journal, report)."""
        return {
            "device": self.device,
            "site": self.site,
            "wave": self.wave,
            "status": self.status,
            "step": self.step,
            "diff_lines": self.diff_lines,
            "changed": self.changed,
            "error": self.error,
            "checks": [c.as_dict() for c in self.checks],
            "reverted": self.reverted,
            "seconds": round(self.seconds, 2),
        }


@dataclass(slots=True)
class WaveResult:
    """One wave's outcome."""

    name: str
    devices: list[DeviceResult]
    passed: bool
    reverted: bool = False
    seconds: float = 0.0

    @property
    def failed_devices(self) -> list[DeviceResult]:
        """The devices that failed a step or a post-check."""
        return [d for d in self.devices if d.failed]


@dataclass(slots=True)
class RolloutResult:
    """The whole run."""

    run_id: str
    commit: bool
    waves: list[WaveResult] = field(default_factory=list)
    halted: str | None = None  # the wave that failed and stopped the rollout
    skipped: list[str] = field(default_factory=list)  # waves not run (passed before a resume, or after a halt)
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        """Whether any device failed (a halt, or a failure within a budget, or a dry-run error)."""
        return self.halted is not None or any(w.failed_devices for w in self.waves)


@dataclass(slots=True)
class Options:
    """How a rollout runs."""

    commit: bool = False
    parallel: int = 8
    revert_after: int = 300
    check_timeout: float = 90.0
    check_interval: float = 2.0


COMMAND_TIMEOUT = 120  # seconds one device command may take: FRR's reload of a large configuration on a busy host


def napalm_opener(target: Target) -> Any:
    """Open ``target`` with its NAPALM driver."""
    from napalm import get_network_driver

    driver = get_network_driver(target.driver)(
        target.host,
        target.username,
        target.password,
        timeout=COMMAND_TIMEOUT,
        optional_args=dict(target.optional_args),
    )
    driver.open()
    return driver


def strip_header(text: str) -> str:
    """A running configuration without the banner lines some devices print before it."""
    lines = text.splitlines(keepends=True)
    while lines and (lines[0].startswith(HEADER_PREFIXES) or not lines[0].strip()):
        lines.pop(0)
    return "".join(lines)


@dataclass(slots=True)
class _Session:
    target: Target
    result: DeviceResult
    driver: Any = None
    started: float = field(default_factory=time.monotonic)


class Rollout:
    """One run of waves over a fleet, journaled."""

    def __init__(
        self,
        fleet: Fleet,
        journal: Journal,
        options: Options,
        *,
        opener: Opener = napalm_opener,
        progress: Progress | None = None,
    ) -> None:
        self.fleet, self.journal, self.options = fleet, journal, options
        self.opener = opener
        self.progress = progress or (lambda _e: None)
        self.settled: set[str] = set()

    def _event(self, event: str, **fields: Any) -> None:
        self.journal.write(event, **fields)
        self.progress({"event": event, **fields})

    def _services(self) -> tuple[str, ...]:
        return tuple(a for site, addrs in self.fleet.services_v6.items() if site in self.settled for a in addrs)

    # one device, up to its post-checks -------------------------------------------------------------------
    def _open(self, s: _Session) -> bool:
        try:
            s.driver = self.opener(s.target)
        except Exception as exc:
            s.result.error = f"cannot connect to {s.target.host}: {self._safe(exc)}"
            return False
        return True

    def _safe(self, exc: BaseException) -> str:
        return self.fleet.secrets.mask(f"{type(exc).__name__}: {exc}")[:600]

    def _load(self, s: _Session) -> bool:
        t, r = s.target, s.result
        try:
            if self.options.commit and t.revert_timer and s.driver.has_pending_commit():
                raise RuntimeError("a commit is already pending confirmation on the device (another rollout?)")
            if self.options.commit:
                r.step = "backup"
                self.journal.save_backup(t.name, strip_header(s.driver.get_config(retrieve="running")["running"]))
            r.step = "load"
            s.driver.load_replace_candidate(config=self.fleet.secrets.fill(t.candidate))
            r.step = "diff"
            diff = self.fleet.secrets.mask(s.driver.compare_config() or "")
        except Exception as exc:
            r.error = f"{r.step}: {self._safe(exc)}"
            self._discard(s)
            return False
        self.journal.save_diff(t.name, diff)
        r.diff_lines = sum(1 for line in diff.splitlines() if line[:1] in "+-")
        r.changed = bool(diff.strip())
        return True

    def _discard(self, s: _Session) -> None:
        try:
            s.driver.discard_config()
        except Exception as exc:
            s.result.error = s.result.error or f"discard: {self._safe(exc)}"

    def _commit(self, s: _Session) -> bool:
        t, r = s.target, s.result
        r.step = "commit"
        try:
            if t.revert_timer:
                s.driver.commit_config(revert_in=self.options.revert_after)
            else:
                s.driver.commit_config()
        except Exception as exc:
            r.error = f"commit: {self._safe(exc)}"
            return False
        r.committed = True
        self._event("device", wave=r.wave, device=t.name, step="commit", status="committed", diff_lines=r.diff_lines)
        return True

    def _check(self, s: _Session) -> None:
        s.result.step = "check"
        s.result.checks = wait_healthy(
            s.driver,
            s.target.expect,
            self._services(),
            timeout=self.options.check_timeout,
            interval=self.options.check_interval,
        )

    def _work(self, s: _Session) -> _Session:
        r = s.result
        s.started = time.monotonic()  # the device's own time, not its wait for a free worker
        if self._open(s) and self._load(s):
            if not self.options.commit:
                self._discard(s)
                r.status = "dry-run"
            elif not r.changed:
                self._discard(s)
                self._check(s)
                r.status = "unchanged"
            elif self._commit(s):
                self._check(s)
                r.status = "committed"
        if r.failed:
            r.status = "failed"
        r.seconds = time.monotonic() - s.started
        self._event("device", **r.as_dict())
        return s

    # after the wave's verdict ----------------------------------------------------------------------------
    def _confirm(self, s: _Session) -> None:
        r = s.result
        if not r.committed:
            return
        r.step = "confirm"
        try:
            if s.target.revert_timer:
                s.driver.confirm_commit()
            r.status = "confirmed"
        except Exception as exc:
            r.error = f"confirm: {self._safe(exc)}"
            r.status = "failed"
        self._event("device", wave=r.wave, device=r.device, step="confirm", status=r.status, error=r.error)

    def _revert(self, s: _Session) -> None:
        """Put a device back to its backup and prove it with an empty diff against the backup (two attempts)."""
        r, t = s.result, s.target
        backup = self.journal.backup(t.name)
        if s.driver is None or backup is None:
            r.reverted = None if backup is None else False
            return
        r.step = "revert"
        problem = ""
        for _attempt in range(2):  # a busy device may time out once; its revert timer is the last resort
            problem = self._revert_once(s, backup)
            if not problem:
                break
        r.reverted = not problem
        if problem:
            r.error = r.error or problem
        r.status = "reverted" if r.reverted else "failed"
        self._event("device", wave=r.wave, device=t.name, step="revert", status=r.status, reverted=r.reverted)

    def _revert_once(self, s: _Session, backup: str) -> str:
        """One attempt at putting a device back; what went wrong, or "" when the backup diff is empty."""
        try:
            if s.target.revert_timer and s.driver.has_pending_commit():
                s.driver.rollback()
            s.driver.load_replace_candidate(config=backup)
            if s.driver.compare_config().strip():
                s.driver.commit_config()
            s.driver.load_replace_candidate(config=backup)
            residual = self.fleet.secrets.mask(s.driver.compare_config() or "").strip()
            s.driver.discard_config()
        except Exception as exc:
            return f"revert: {self._safe(exc)}"
        return f"revert left a difference: {residual[:400]}" if residual else ""

    @staticmethod
    def _close(s: _Session) -> None:
        if s.driver is not None:
            with contextlib.suppress(Exception):  # closing a dead connection must not hide the outcome
                s.driver.close()

    def _map(self, fn: Callable[[_Session], Any], sessions: list[_Session]) -> None:
        if not sessions:
            return
        with ThreadPoolExecutor(max_workers=max(1, min(self.options.parallel, len(sessions)))) as pool:
            list(pool.map(fn, sessions))

    def run_wave(self, wave: Wave) -> WaveResult:
        """One wave: every device up to its post-checks, then the verdict: confirm, or put back."""
        started = time.monotonic()
        self._event("wave-start", wave=wave.name, sites=list(wave.sites), devices=list(wave.devices))
        sessions = [
            _Session(self.fleet.targets[d], DeviceResult(d, self.fleet.targets[d].site, wave.name))
            for d in wave.devices
        ]
        try:
            self._map(self._work, sessions)
            failed = [s for s in sessions if s.result.failed]
            passed = len(failed) <= wave.budget
            if self.options.commit:
                put_back = failed if passed else sessions
                self._map(self._revert, [s for s in put_back if s.result.committed or s.result.changed])
                self._map(self._confirm, [s for s in sessions if s not in put_back])
        finally:
            self._map(self._close, sessions)
        result = WaveResult(wave.name, [s.result for s in sessions], passed, not passed and self.options.commit)
        result.seconds = time.monotonic() - started
        self._event(
            "wave-end",
            wave=wave.name,
            passed=passed,
            reverted=result.reverted,
            failed=[{"device": d.device, "error": d.error, "checks": [c.as_dict() for c in d.checks if c.ok is False]}
                    for d in result.failed_devices],
            seconds=round(result.seconds, 2),
        )  # fmt: skip
        if passed:
            self.settled.update(wave.sites)
        return result

    def _settle_outside(self, waves: list[Wave]) -> None:
        """Sites with services that this run does not touch count as working from the start."""
        touched = {s for w in waves for s in w.sites}
        self.settled.update(site for site in self.fleet.services_v6 if site not in touched)

    def resume_pending(self, wave: Wave) -> None:
        """Before a wave is run again: cancel commits an interrupted run left pending (they hold its backup)."""
        sessions = [
            _Session(self.fleet.targets[d], DeviceResult(d, self.fleet.targets[d].site, wave.name))
            for d in wave.devices
            if self.journal.backup(d) is not None and self.fleet.targets[d].revert_timer
        ]

        def cancel(s: _Session) -> None:
            if not self._open(s):
                return
            try:
                if s.driver.has_pending_commit():
                    s.driver.rollback()
                    self._event(
                        "device", wave=wave.name, device=s.target.name, step="resume", status="pending-cancelled"
                    )
            except Exception as exc:
                self._event("device", wave=wave.name, device=s.target.name, step="resume", error=self._safe(exc))
            finally:
                self._close(s)

        self._map(cancel, sessions)

    def run(self, waves: list[Wave], *, done: set[str] | None = None, resume: bool = False) -> RolloutResult:
        """Every wave in order; stops at the first failed wave when committing.

        Args:
            waves: The waves, in order.
            done: Waves an earlier attempt of this run finished (skipped).
            resume: This continues an interrupted run: commits it left pending are cancelled before a wave.
        """
        started = time.monotonic()
        done = done or set()
        result = RolloutResult(self.journal.run_id, self.options.commit)
        self._settle_outside(waves)
        self.settled.update(s for w in waves if w.name in done for s in w.sites)
        self._event("run-start", commit=self.options.commit, waves=[w.name for w in waves], resumed=sorted(done))
        for wave in waves:
            if wave.name in done or result.halted is not None:
                result.skipped.append(wave.name)
                continue
            if resume:
                self.resume_pending(wave)
            outcome = self.run_wave(wave)
            result.waves.append(outcome)
            if not outcome.passed and self.options.commit:
                result.halted = wave.name
        result.seconds = time.monotonic() - started
        self._event("run-end", failed=result.failed, halted=result.halted, seconds=round(result.seconds, 2))
        return result
