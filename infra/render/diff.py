"""What a change does to every device: render a git revision and the working tree, and compare.

The base revision's inventory (and its templates, when they are in the same repository) are taken with
``git archive`` into a temporary folder and rendered by the current code; headers are compared without the
inventory hash, so a device shows up only when its configuration itself changed.
"""

from __future__ import annotations

import difflib
import io
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from infra.errors import UsageError
from infra.plan.model import AddressPlan
from infra.render.render import STAMP, Rendered


class DiffError(UsageError):
    """The base revision cannot be read: not a git repository, no such revision, or no inventory there."""


@dataclass(frozen=True, slots=True)
class BaseTree:
    """The base revision, extracted: its inventory folder and its templates folder (None: use the current ones)."""

    inventory: Path
    templates: Path | None


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, check=False)


def _toplevel(path: Path) -> Path:
    where = path if path.is_dir() else path.parent
    done = _git(where, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise DiffError(f"{path} is not inside a git repository; hatang diff compares with a git revision")
    return Path(done.stdout.decode().strip()).resolve()


def _inside(path: Path, top: Path) -> str | None:
    try:
        return path.resolve().relative_to(top).as_posix()
    except ValueError:
        return None


def extract_base(inventory: Path, templates: Path, ref: str, dest: Path) -> BaseTree:
    """Write revision ``ref``'s inventory (and templates) under ``dest``."""
    top = _toplevel(inventory)
    if _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}").returncode != 0:
        raise DiffError(f"git revision {ref!r} not found in {top}")
    rel_inv = _inside(inventory, top) or "."
    listed = _git(top, "ls-tree", "-r", "--name-only", ref, "--", rel_inv)
    names = [n for n in listed.stdout.decode().splitlines() if n.endswith((".yaml", ".yml"))]
    if not names:
        raise DiffError(f"revision {ref!r} has no inventory at {rel_inv!r} (no YAML files there)")
    paths = [rel_inv]
    rel_tpl = _inside(templates, top)
    if rel_tpl is not None and _git(top, "ls-tree", "--name-only", ref, "--", rel_tpl).stdout.strip():
        paths.append(rel_tpl)
    else:
        rel_tpl = None
    archive = _git(top, "archive", "--format=tar", ref, "--", *paths)
    if archive.returncode != 0:
        raise DiffError(f"git archive of {ref!r} failed: {archive.stderr.decode().strip()}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(dest, filter="data")
    return BaseTree(dest / rel_inv, dest / rel_tpl if rel_tpl else None)


Status = Literal["changed", "added", "removed"]


@dataclass(frozen=True, slots=True)
class DeviceDiff:
    """One device's change: its status and the unified diff of its files."""

    device: str
    status: Status
    text: str


@dataclass(slots=True)
class Comparison:
    """Every device's change, and the sites whose address blocks changed."""

    devices: list[DeviceDiff] = field(default_factory=list)
    sites_prefixes_changed: list[str] = field(default_factory=list)
    files_changed: int = 0

    def names(self, status: Status) -> list[str]:
        """The devices with one status."""
        return [d.device for d in self.devices if d.status == status]

    def summary(self) -> dict[str, object]:
        """Counts and names, for reports."""
        return {
            "devices_changed": self.names("changed"),
            "devices_added": self.names("added"),
            "devices_removed": self.names("removed"),
            "sites_prefixes_changed": self.sites_prefixes_changed,
            "files_changed": self.files_changed,
        }


def _unstamped(rendered: Rendered, digest: str, path: str) -> str:
    return rendered.files[path].replace(digest, STAMP)


def _device_diff(name: str, base: tuple[Rendered, str], head: tuple[Rendered, str]) -> tuple[str, int]:
    (b, bsha), (h, hsha) = base, head
    paths = sorted(set(b.devices.get(name, [])) | set(h.devices.get(name, [])))
    chunks: list[str] = []
    changed = 0
    for path in paths:
        old = _unstamped(b, bsha, path).splitlines(keepends=True) if path in b.files else []
        new = _unstamped(h, hsha, path).splitlines(keepends=True) if path in h.files else []
        if old == new:
            continue
        changed += 1
        chunks.extend(difflib.unified_diff(old, new, f"base/{path}", f"head/{path}", n=3))
    return "".join(chunks), changed


def compare(base: tuple[Rendered, str, AddressPlan], head: tuple[Rendered, str, AddressPlan]) -> Comparison:
    """Compare two renders (each with its inventory hash and plan)."""
    b, bsha, bplan = base
    h, hsha, hplan = head
    out = Comparison()
    for name in sorted(set(b.devices) | set(h.devices)):
        text, files = _device_diff(name, (b, bsha), (h, hsha))
        if not files:
            continue
        status: Status = "added" if name not in b.devices else "removed" if name not in h.devices else "changed"
        out.devices.append(DeviceDiff(name, status, text))
        out.files_changed += files
    for site in sorted(set(bplan.sites) & set(hplan.sites)):
        old = {p: blk.prefix for p, blk in bplan.sites[site].blocks.items()}
        new = {p: blk.prefix for p, blk in hplan.sites[site].blocks.items()}
        if old != new:
            out.sites_prefixes_changed.append(site)
    return out
