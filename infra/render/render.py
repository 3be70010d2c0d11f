"""Render every device's files from its intent, collecting every failure instead of stopping at the first.

``render(inv, plan)`` returns the rendered files and the failures; each file starts with a header naming
the device, the inventory's SHA-256 and the template set's fingerprint. Bodies are cached by a fingerprint
of the device's intent and its template set, so a re-render after a small change renders only what changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import multiprocessing
import os
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment, Template, TemplateError, TemplateSyntaxError, UndefinedError

from infra import __version__
from infra.errors import Problem
from infra.inventory.resolve import Inventory
from infra.plan.model import AddressPlan
from infra.render.build import build_intents
from infra.render.env import TemplateSet, default_templates, environment, template_set
from infra.render.intent import DeviceIntent


@dataclass(frozen=True, slots=True)
class Meta:
    """What a configuration's header says about where it came from."""

    device: str
    inventory_sha256: str
    template_set: str
    template_sha256: str
    generator: str = f"hatang {__version__}"


@dataclass(slots=True)
class Rendered:
    """The outcome of rendering: files by path under ``configs/``, what failed, and the intents."""

    files: dict[str, str] = field(default_factory=dict)
    devices: dict[str, list[str]] = field(default_factory=dict)  # device -> its file names
    fingerprints: dict[str, str] = field(default_factory=dict)  # device -> input fingerprint
    failures: list[Problem] = field(default_factory=list)
    intents: dict[str, DeviceIntent] = field(default_factory=dict)
    sets: dict[str, TemplateSet] = field(default_factory=dict)


@dataclass(slots=True)
class Renderer:
    """Compiled template sets for a templates folder, and a cache of rendered bodies by fingerprint."""

    root: Path = field(default_factory=default_templates)
    env: Environment | None = None
    sets: dict[str, TemplateSet | None] = field(default_factory=dict)
    compiled: dict[str, Template] = field(default_factory=dict)
    cache: dict[str, dict[str, str]] = field(default_factory=dict)  # fingerprint -> suffix -> body

    def template_set(self, platform: str) -> TemplateSet | None:
        """The platform's template set (looked up once)."""
        if platform not in self.sets:
            self.sets[platform] = template_set(self.root, platform)
        return self.sets[platform]

    def template(self, name: str) -> Template:
        """A compiled entry template."""
        if name not in self.compiled:
            if self.env is None:
                self.env = environment(self.root)
            self.compiled[name] = self.env.get_template(name)
        return self.compiled[name]


SHARED_FIELDS = ("filters", "vlans", "syslog", "ntp", "dns", "aaa", "snmp", "admin")


def fingerprint(intent: DeviceIntent, tset: TemplateSet, memo: dict[int, str] | None = None) -> str:
    """What a device's rendered body depends on: its intent and its template set.

    Parts that many devices share (the same filter or endpoint objects) are spelled once per run through
    ``memo`` (keyed by object identity: the intents stay alive while they are rendered).
    """
    memo = {} if memo is None else memo
    parts = [tset.sha256]
    for name in DeviceIntent.__slots__:
        value = getattr(intent, name)
        if name in SHARED_FIELDS and isinstance(value, tuple):
            parts.extend(_shared(v, memo) for v in value)
        elif name in SHARED_FIELDS:
            parts.append(_shared(value, memo))
        else:
            parts.append(repr(value))
        parts.append("\0")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _shared(value: object, memo: dict[int, str]) -> str:
    key = id(value)
    text = memo.get(key)
    if text is None:
        text = memo[key] = repr(value)
    return text


def _where(exc: BaseException) -> tuple[str | None, int | None]:
    """The template file and line a Jinja2 error came from (the innermost template frame)."""
    if isinstance(exc, TemplateSyntaxError) and exc.filename:
        return exc.filename, exc.lineno
    found: tuple[str | None, int | None] = (None, None)
    for frame, line in traceback.walk_tb(exc.__traceback__):
        name = frame.f_code.co_filename
        if name.endswith(".j2"):
            found = (name, line)
    return found


def _failure(device: str, exc: BaseException, tset: TemplateSet, root: Path) -> Problem:
    file, line = _where(exc)
    if file is not None:
        with contextlib.suppress(ValueError):
            file = Path(file).resolve().relative_to(root.resolve().parent).as_posix()
    if isinstance(exc, UndefinedError):
        found = f"{exc.message}"
        expected = "every variable a template uses to exist in the device's intent (docs/render.md)"
    elif isinstance(exc, TemplateSyntaxError):
        found = f"template syntax error: {exc.message}"
        expected = "a template Jinja2 can compile"
    else:
        found = f"{type(exc).__name__}: {exc}"
        expected = f"template set {tset.platform!r} to render this device"
    return Problem(file or f"templates/{tset.platform}", line, None, f"device {device}", found, expected)


def header_values(intent: DeviceIntent, inv_sha: str, tset: TemplateSet) -> Meta:
    """The header of one device's files."""
    return Meta(intent.name, inv_sha, tset.platform, tset.short)


def _render_one(renderer: Renderer, intent: DeviceIntent, tset: TemplateSet, meta: Meta) -> dict[str, str]:
    out: dict[str, str] = {}
    for suffix, name in tset.entries.items():
        out[suffix] = renderer.template(name).render(d=intent, meta=meta)
    return out


PARALLEL_MIN = 400  # devices to render before forking workers pays off


@dataclass(frozen=True, slots=True)
class _Job:
    name: str
    intent: DeviceIntent
    tset: TemplateSet
    key: str


def _render_job(renderer: Renderer, job: _Job) -> dict[str, str] | Problem:
    meta = _unstamped(header_values(job.intent, STAMP, job.tset))
    try:
        return _render_one(renderer, job.intent, job.tset, meta)
    except (TemplateError, LookupError, TypeError, ValueError, AttributeError) as exc:
        return _failure(job.name, exc, job.tset, renderer.root)


_WORK: tuple[Renderer, list[_Job], int] | None = None  # what forked workers render (set before the fork)


def _render_slice(k: int) -> list[dict[str, str] | Problem]:
    assert _WORK is not None
    renderer, jobs, step = _WORK
    return [_render_job(renderer, job) for job in jobs[k::step]]


def jobs_wanted(count: int) -> int:
    """How many processes to render ``count`` devices with: ``$HATANG_JOBS``, else every core for big inventories."""
    setting = os.environ.get("HATANG_JOBS", "")
    if setting.isdigit() and int(setting) > 0:
        return int(setting)
    return min(os.cpu_count() or 1, 4) if count >= PARALLEL_MIN else 1


def _render_all(renderer: Renderer, jobs: list[_Job]) -> list[dict[str, str] | Problem]:
    """Render the jobs in order; big batches in forked worker processes (templates compiled first, once)."""
    workers = jobs_wanted(len(jobs))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return [_render_job(renderer, job) for job in jobs]
    first: dict[str, int] = {}
    for i, job in enumerate(jobs):
        first.setdefault(job.tset.platform, i)
    warm = {i: _render_job(renderer, jobs[i]) for i in first.values()}  # compiles every template in the parent
    rest = [job for i, job in enumerate(jobs) if i not in warm]
    global _WORK
    _WORK = (renderer, rest, workers)
    try:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            slices = pool.map(_render_slice, range(workers))
    finally:
        _WORK = None
    done: list[dict[str, str] | Problem] = [{} for _ in rest]
    for k, part in enumerate(slices):
        done[k::workers] = part
    merged = iter(done)
    return [warm[i] if i in warm else next(merged) for i in range(len(jobs))]


def _missing_set(name: str, intent: DeviceIntent, root: Path) -> Problem:
    return Problem(
        f"templates/{intent.platform}",
        None,
        None,
        f"device {name}",
        f"no template set for platform {intent.platform!r}",
        f"a folder {root / intent.platform} with a device.j2",
    )


def render_intents(intents: dict[str, DeviceIntent], inv_sha: str, renderer: Renderer | None = None) -> Rendered:
    """Render every intent; a device that fails is listed and the others still render.

    Bodies already in the renderer's cache (same fingerprint) are reused; the rest are rendered, in
    several processes when there are many (``$HATANG_JOBS`` sets how many).
    """
    renderer = renderer or Renderer()
    result = Rendered(intents=intents)
    memo: dict[int, str] = {}
    planned: list[_Job] = []
    for name, intent in intents.items():
        tset = renderer.template_set(intent.platform)
        if tset is None:
            result.failures.append(_missing_set(name, intent, renderer.root))
            continue
        result.sets[tset.platform] = tset
        planned.append(_Job(name, intent, tset, fingerprint(intent, tset, memo)))
    todo = {job.key: job for job in planned if job.key not in renderer.cache}
    outcomes = dict(zip(todo, _render_all(renderer, list(todo.values())), strict=True))
    for job in planned:
        outcome = renderer.cache.get(job.key) or outcomes[job.key]
        if isinstance(outcome, Problem):
            result.failures.append(outcome if outcome.path == f"device {job.name}" else _renamed(outcome, job.name))
            continue
        renderer.cache[job.key] = outcome
        meta = header_values(job.intent, inv_sha, job.tset)
        result.fingerprints[job.name] = job.key
        paths = result.devices[job.name] = []
        for suffix, body in outcome.items():
            path = f"configs/{job.name}.{suffix}"
            result.files[path] = _stamp(body, meta)
            paths.append(path)
    return result


def _renamed(problem: Problem, device: str) -> Problem:
    """A failure shared by devices with the same fingerprint, told for each of them."""
    return Problem(problem.file, problem.line, problem.column, f"device {device}", problem.found, problem.expected)


STAMP = "@@HATANG-INVENTORY-SHA256@@"


def _unstamped(meta: Meta) -> Meta:
    """The header with a placeholder for the inventory hash, so that bodies can be cached across inventories."""
    return Meta(meta.device, STAMP, meta.template_set, meta.template_sha256, meta.generator)


def _stamp(body: str, meta: Meta) -> str:
    return body.replace(STAMP, meta.inventory_sha256)


def render(inv: Inventory, plan: AddressPlan, renderer: Renderer | None = None) -> Rendered:
    """Render the configuration of every device of the inventory."""
    return render_intents(build_intents(inv, plan), inv.digest, renderer)
