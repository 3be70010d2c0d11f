"""A rollout's run folder: ``build/runs/<id>/`` with its plan, a JSON-lines journal, diffs and backups.

The journal is appended and flushed event by event, so that a rollout interrupted at any point can be
resumed from it (``hatang deploy --resume``). Backups of running configurations hold secrets: they are
written with mode 0600 and never printed; diffs and the journal carry only masked text.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.errors import DeployError


def new_run_id() -> str:
    """A sortable, unique run id: UTC time plus a random suffix."""
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + secrets.token_hex(2)


@dataclass(slots=True)
class Journal:
    """One run folder."""

    root: Path
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def run_id(self) -> str:
        """The run's id (its folder name)."""
        return self.root.name

    @classmethod
    def create(cls, out: Path, meta: dict[str, Any]) -> Journal:
        """A new run folder under ``out/runs`` with ``run.json`` describing the run."""
        root = out / "runs" / new_run_id()
        for sub in ("diffs", "backups"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        (root / "backups").chmod(0o700)
        (root / "run.json").write_text(json.dumps({"id": root.name, **meta}, indent=1, ensure_ascii=False) + "\n")
        return cls(root)

    @classmethod
    def open(cls, out: Path, run_id: str | None) -> Journal:
        """An existing run (the latest when ``run_id`` is None)."""
        runs = out / "runs"
        if run_id is None:
            found = sorted(p for p in runs.glob("*") if (p / "run.json").is_file()) if runs.is_dir() else []
            if not found:
                raise DeployError(f"no rollout to resume under {runs}")
            return cls(found[-1])
        root = runs / run_id
        if not (root / "run.json").is_file():
            raise DeployError(f"no rollout {run_id!r} under {runs}")
        return cls(root)

    def meta(self) -> dict[str, Any]:
        """The run's description (``run.json``)."""
        data: dict[str, Any] = json.loads((self.root / "run.json").read_text())
        return data

    def write(self, event: str, **fields: Any) -> None:
        """Append one event, flushed to disk before returning."""
        record = {"ts": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), "event": event, **fields}
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock, (self.root / "journal.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(line)
            fh.flush()
            os.fsync(fh.fileno())

    def events(self) -> list[dict[str, Any]]:
        """Every event so far (a torn last line, from a crash mid-write, is ignored)."""
        path = self.root / "journal.jsonl"
        if not path.is_file():
            return []
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out

    def passed_waves(self) -> set[str]:
        """Waves this run finished and kept."""
        return {e["wave"] for e in self.events() if e["event"] == "wave-end" and e.get("passed")}

    def save_backup(self, device: str, text: str) -> None:
        """Keep a device's configuration from before the run (the first one kept wins, also on resume)."""
        path = self.root / "backups" / f"{device}.cfg"
        if path.exists():
            return
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)

    def backup(self, device: str) -> str | None:
        """The configuration a device had before the run, if it was taken."""
        path = self.root / "backups" / f"{device}.cfg"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def save_diff(self, device: str, text: str) -> Path:
        """Keep a device's (masked) diff."""
        path = self.root / "diffs" / f"{device}.diff"
        path.write_text(text, encoding="utf-8")
        return path
