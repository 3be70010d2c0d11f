"""Write a render to a build folder: files, ``plan.json`` and a manifest with content hashes.

Files whose content did not change are not rewritten (their modification time stays), and files a previous
manifest listed that the new render no longer has are removed; nothing the manifest never listed is touched.
The manifest also keeps each device's input fingerprint, so that the next render can reuse unchanged bodies.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra import __version__
from infra.render.render import STAMP, Rendered, Renderer

MANIFEST = "manifest.json"


def sha256(text: str) -> str:
    """The SHA-256 of a text's UTF-8 bytes."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(slots=True)
class Written:
    """What writing a build folder did."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


def read_manifest(out: Path) -> dict[str, Any]:
    """The manifest of a previous render in ``out`` (empty when there is none or it is unreadable)."""
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def manifest(rendered: Rendered, files: dict[str, str], *, inventory: str, digest: str) -> dict[str, Any]:
    """The manifest of a render: where it came from, every file's hash, every device's files and fingerprint."""
    devices = {
        name: {
            "site": rendered.intents[name].site,
            "role": rendered.intents[name].role,
            "platform": rendered.intents[name].platform,
            "fingerprint": rendered.fingerprints[name],
            "files": paths,
        }
        for name, paths in rendered.devices.items()
    }
    return {
        "generator": f"hatang {__version__}",
        "inventory": {"path": inventory, "sha256": digest},
        "templates": {p: s.sha256 for p, s in sorted(rendered.sets.items())},
        "files": {path: sha256(text) for path, text in sorted(files.items())},
        "devices": devices,
        "failures": [str(p) for p in rendered.failures],
    }


def _write(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so a reader never sees half a file (its folder exists)."""
    tmp = os.path.join(path.parent, f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def write_build(
    out: Path, files: dict[str, str], new_manifest: dict[str, Any], *, dirty: frozenset[str] = frozenset()
) -> Written:
    """Write ``files`` under ``out`` (only those that changed or are ``dirty``), drop stale ones, then the manifest."""
    old = read_manifest(out)
    old_files: dict[str, str] = old.get("files", {}) if isinstance(old.get("files"), dict) else {}
    done = Written()
    for rel, digest in new_manifest["files"].items():
        if old_files.get(rel) == digest and rel not in dirty and (out / rel).is_file():
            done.unchanged += 1
        else:
            done.written.append(rel)
    for folder in sorted({out} | {(out / rel).parent for rel in done.written}):
        folder.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=4) as pool:  # creating files waits on the file system, not the CPU
        list(pool.map(lambda rel: _write(out / rel, files[rel]), done.written))
    for rel in sorted(set(old_files) - set(new_manifest["files"])):
        path = out / rel
        if path.is_file():
            path.unlink()
            done.removed.append(rel)
    _write(out / MANIFEST, json.dumps(new_manifest, ensure_ascii=False, sort_keys=True) + "\n")  # C encoder
    return done


def warm_cache(renderer: Renderer, out: Path) -> tuple[int, frozenset[str]]:
    """Fill the renderer's body cache from a previous render in ``out``.

    A body is reused only when its file still has the hash the manifest recorded; a hand-edited file is
    rendered again and returned among the dirty paths, to be rewritten. Returns (devices loaded, dirty paths).
    """
    old = read_manifest(out)
    devices = old.get("devices") if isinstance(old.get("devices"), dict) else None
    hashes = old.get("files") if isinstance(old.get("files"), dict) else None
    inv = old.get("inventory", {}).get("sha256") if isinstance(old.get("inventory"), dict) else None
    if not devices or not hashes or not isinstance(inv, str):
        return 0, frozenset()
    loaded = 0
    dirty: set[str] = set()
    for entry in devices.values():
        bodies = _bodies(out, entry, hashes, inv)
        if bodies is not None:
            renderer.cache[str(entry["fingerprint"])] = bodies
            loaded += 1
        else:
            dirty.update(entry.get("files", []))
    return loaded, frozenset(dirty)


def _bodies(out: Path, entry: dict[str, Any], hashes: dict[str, str], inv: str) -> dict[str, str] | None:
    bodies: dict[str, str] = {}
    for rel in entry.get("files", []):
        try:
            text = (out / rel).read_text(encoding="utf-8")
        except OSError:
            return None
        if sha256(text) != hashes.get(rel):
            return None
        suffix = rel.rsplit(".", 1)[-1]
        bodies[suffix] = text.replace(inv, STAMP)
    return bodies or None
