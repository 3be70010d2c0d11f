"""The render stage end to end: inventory → plan → intents → files in a build folder, and its comparisons.

These functions return results as data; the command line prints them and chooses the exit code.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from infra.inventory import Inventory, load
from infra.plan import AddressPlan, make_plan
from infra.render.diff import Comparison, compare, extract_base
from infra.render.output import Written, manifest, warm_cache, write_build
from infra.render.render import Rendered, Renderer, render

__all__ = ["Build", "build", "diff_against", "render_tree"]


@dataclass(slots=True)
class Build:
    """One render of one inventory: its inputs, what rendered, and (when written) what changed on disk."""

    inv: Inventory
    plan: AddressPlan
    rendered: Rendered
    files: dict[str, str] = field(default_factory=dict)
    written: Written | None = None
    reused: int = 0


def render_tree(path: Path, templates: Path, *, renderer: Renderer | None = None) -> Build:
    """Load, plan and render one inventory (nothing written)."""
    inv = load(path)
    plan = make_plan(inv)
    renderer = renderer or Renderer(templates)
    rendered = render(inv, plan, renderer)
    files = dict(rendered.files)
    files.update(_ansible(inv, plan))
    files["plan.json"] = json.dumps(plan.to_dict(), ensure_ascii=False) + "\n"  # compact: the C encoder
    return Build(inv, plan, rendered, files)


def _ansible(inv: Inventory, plan: AddressPlan) -> dict[str, str]:
    from infra.render.ansible import ansible_files

    return ansible_files(inv, plan)


def build(path: Path, out: Path, templates: Path) -> Build:
    """Render one inventory into ``out``, reusing unchanged bodies of the previous render there."""
    renderer = Renderer(templates)
    reused, dirty = warm_cache(renderer, out)
    result = render_tree(path, templates, renderer=renderer)
    result.reused = reused
    data = manifest(result.rendered, result.files, inventory=str(path), digest=result.inv.digest)
    result.written = write_build(out, result.files, data, dirty=dirty)
    return result


def diff_against(
    path: Path, ref: str, templates: Path, *, head: Build | None = None
) -> tuple[Build, Build, Comparison]:
    """Render revision ``ref`` and the working tree (unless ``head`` already is it), and compare device by device."""
    head = head or render_tree(path, templates)
    with tempfile.TemporaryDirectory(prefix="hatang-base-") as tmp:
        tree = extract_base(path, templates, ref, Path(tmp))
        base = render_tree(tree.inventory, tree.templates or templates)
    comparison = compare((base.rendered, base.inv.digest, base.plan), (head.rendered, head.inv.digest, head.plan))
    return base, head, comparison
