"""Load an inventory: read the files, validate items and rules, resolve inheritance.

``load(path)`` either returns a complete :class:`~infra.inventory.resolve.Inventory` or raises
:class:`~infra.errors.InventoryError` carrying every problem found, each located file:line:column.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from infra._gc import gc_paused
from infra.errors import InventoryError, Problem
from infra.inventory.collect import collect
from infra.inventory.resolve import Inventory, resolve
from infra.inventory.source import MAX_FILE_BYTES, find_files, read_documents
from infra.inventory.validate import check

REQUIRED = ("province", "addressing")


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def digest_files(paths: list[Path]) -> str:
    """SHA-256 over the inventory files' names and bytes, in load order."""
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode())
        h.update(b"\0")
        h.update(path.read_bytes())
    return h.hexdigest()


@gc_paused
def load(root: Path | str, *, max_file_bytes: int = MAX_FILE_BYTES) -> Inventory:
    """Read, validate and resolve the inventory at ``root`` (a directory of YAML files, or one file)."""
    root = Path(root)
    files, problems = find_files(root)
    if problems:
        raise InventoryError(problems)
    displays = [_display(p) for p in files]
    docs, problems = read_documents(files, displays=displays, max_bytes=max_file_bytes)
    collected = collect(docs)
    problems += collected.problems
    missing = [s for s in REQUIRED if s not in collected.singles]
    every_file_read = len(docs) == len(files)
    for section in missing:
        if every_file_read and not any(section in d.data for d in docs):
            article = "an" if section[0] in "aeiou" else "a"
            problems.append(
                Problem(_display(root), None, None, section, "no such section", f"{article} '{section}' section")
            )
    if missing or not every_file_read:
        # cross-file rules need every file: a file that could not be read would make them report
        # references to its items as dangling, problems that are not there
        raise InventoryError(problems)
    inv = resolve(collected, root=root, files=tuple(displays), digest=digest_files(files))
    problems += check(collected, inv)
    if problems:
        raise InventoryError(problems)
    return inv
