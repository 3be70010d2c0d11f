"""The one Jinja2 environment factory, template sets and their fingerprints.

A template set is a folder ``<templates>/<platform>/``. Its entry templates are ``device.j2`` (rendered to
``configs/<device>.cfg``) and ``device.<ext>.j2`` (to ``configs/<device>.<ext>``, e.g. ``device.nft.j2``);
the other files are sections they include. Undefined variables are errors (``StrictUndefined``).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from jinja2 import BytecodeCache, Environment, FileSystemBytecodeCache, FileSystemLoader, StrictUndefined

ENTRY = "device"


def default_templates() -> Path:
    """``$HATANG_TEMPLATES``, else the ``templates/`` folder beside the ``infra`` package."""
    env = os.environ.get("HATANG_TEMPLATES")
    return Path(env) if env else Path(__file__).resolve().parent.parent.parent / "templates"


def bytecode_cache() -> BytecodeCache | None:
    """Compiled templates kept between runs (keyed by each template's source checksum), when a cache folder is usable.

    ``$HATANG_CACHE``, else ``$XDG_CACHE_HOME/hatang``, else ``~/.cache/hatang``; ``HATANG_CACHE=off`` disables it.
    """
    setting = os.environ.get("HATANG_CACHE")
    if setting == "off":
        return None
    base = Path(setting) if setting else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hatang"
    folder = base / "jinja"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder)) if os.access(folder, os.W_OK) else None


def environment(root: Path) -> Environment:
    """A strict environment over a templates folder: undefined names fail, blocks trim their newlines."""
    return Environment(
        bytecode_cache=bytecode_cache(),
        loader=FileSystemLoader(str(root)),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
        auto_reload=False,
    )


@dataclass(frozen=True, slots=True)
class TemplateSet:
    """One platform's templates: the entry templates by output suffix, and the set's fingerprint."""

    platform: str
    entries: dict[str, str]  # output suffix ("cfg", "nft") -> template name ("frr/device.j2")
    sha256: str

    @property
    def short(self) -> str:
        """The fingerprint's first 12 hex digits, as headers show it."""
        return self.sha256[:12]


def template_set(root: Path, platform: str) -> TemplateSet | None:
    """The template set of a platform, or None when the folder has no ``device.j2``."""
    folder = root / platform
    if not (folder / f"{ENTRY}.j2").is_file():
        return None
    digest = hashlib.sha256()
    entries: dict[str, str] = {}
    for path in sorted(p for p in folder.rglob("*.j2") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
        if path.parent == folder and path.name.startswith(ENTRY + "."):
            middle = path.name[len(ENTRY) + 1 : -len(".j2")]
            entries[middle or "cfg"] = rel
    return TemplateSet(platform, dict(sorted(entries.items())), digest.hexdigest())
