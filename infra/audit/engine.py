"""The audit engine: the checks of ``checks/`` run by pytest (with testinfra) over the chosen targets.

``run_audit`` loads the inventory, the plan and the catalogue, chooses the targets (hosts, devices with their
intended and running configurations, systems, sites, the province), reads every host once (see
:mod:`infra.audit.facts`), then runs pytest in this process on the check modules with :class:`AuditPlugin`, which

* parametrizes each check over the targets of its fixture (``linux``, ``device``, ``system``, ``site``,
  ``province``), and gives it a ``check`` bound to its control and the target's level;
* gates by level: a control that starts above the target's level is reported as not applicable, not dropped;
* records each check's requirements as a :class:`~infra.audit.model.Finding` with the evidence it read;
* fails the pytest test when the finding fails, so pytest's own outcome agrees with the report.

Waivers are applied afterwards: a waiver in force turns a failing (or warning, or undecided) finding into
``waived`` and keeps the check's own status beside it; an expired waiver changes nothing and is shown.

Input problems (a waiver file that cannot be read, an unknown control id, an unknown host or device) are recorded in
the run's problems and skipped: the rest of the audit completes. Nothing here changes a host or a device.
"""

from __future__ import annotations

import datetime as dt
import functools
import getpass
import hashlib
import os
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

from infra.audit.catalogue import CATALOGUE_DIR, Catalogue, applicable, load_catalogue
from infra.audit.checking import Check, NotApplicable, Undecided, summary, verdict
from infra.audit.facts import Gathered, Login, close_plain, gather_all, now, plain_hosts
from infra.audit.model import AuditRun, Evidence, Finding, Item, RunInfo, Status, TargetError, WaiverRef
from infra.audit.scope import (
    DeviceTarget,
    LinuxTarget,
    ProvinceTarget,
    SiteTarget,
    SystemTarget,
    agencies,
    device_level,
    linux_targets,
    max_level,
    site_agencies,
    site_systems,
    system_agencies,
)
from infra.audit.waivers import WaiverError, Waivers, known_from, load_waivers
from infra.errors import ToolError
from infra.inventory import Inventory, load
from infra.plan import AddressPlan, make_plan
from infra.render.intent import DeviceIntent

CHECKS_DIR = Path(__file__).resolve().parents[2] / "checks"
FIXTURES = ("linux", "device", "system", "site", "province")
KIND = {"linux": "host", "device": "device", "system": "system", "site": "site", "province": "inventory"}
Progress = Callable[[str], None]


class CheckError(ToolError):
    """The checks themselves cannot be collected or run (a broken check module, an unmarked check)."""


@dataclass(frozen=True, slots=True)
class Spec:
    """What to audit and how.

    Attributes:
        inventory: The inventory folder.
        hosts: Host names to audit (None: every host of the inventory; the lab's hosts with ``lab``).
        devices: Device names (None: none unless ``all_devices``; the lab's routers with ``lab``).
        all_devices: Audit every device of the inventory.
        sources: Which configurations of the devices: ``intended`` and/or ``running``.
        running: Where running configurations come from: ``live`` (read from the device, read-only) or
            ``backup`` (the newest backup a rollout kept under ``build/runs``).
        controls: Control ids to run (None: all).
        level: Judge every target at this level instead of its own.
        baseline: Which references reports cite.
        waivers: A waiver file.
        lab: The targets are the running lab twin of the inventory.
        inventory_checks: Run the inventory-wide checks (province, systems, sites).
        plain: Read hosts command by command over OpenSSH in one thread (the comparison for the benchmark).
        workers: Hosts read at the same time.
        build: The build folder (backups are looked for in ``build/runs``).
        today: The date waivers, ages and support dates are judged at.
        command: The command line, for the record.
    """

    inventory: Path
    hosts: tuple[str, ...] | None = None
    devices: tuple[str, ...] | None = None
    all_devices: bool = False
    sources: tuple[str, ...] = ("intended", "running")
    running: str = "live"
    controls: tuple[str, ...] | None = None
    level: int | None = None
    baseline: str = "tcvn14423_2026"
    waivers: Path | None = None
    lab: bool = False
    inventory_checks: bool = True
    plain: bool = False
    workers: int = 32
    build: Path = Path("build")
    today: dt.date = field(default_factory=dt.date.today)
    command: str = ""
    catalogue: Path | None = None


@dataclass(slots=True)
class Targets:
    """The parametrization of the checks."""

    linux: list[LinuxTarget] = field(default_factory=list)
    device: list[DeviceTarget] = field(default_factory=list)
    system: list[SystemTarget] = field(default_factory=list)
    site: list[SiteTarget] = field(default_factory=list)
    province: list[ProvinceTarget] = field(default_factory=list)

    def of(self, fixture: str) -> list[Any]:
        """The targets of one fixture."""
        values: list[Any] = getattr(self, fixture)
        return values


def _target_of(item: pytest.Item) -> tuple[str, Any] | None:
    params = getattr(getattr(item, "callspec", None), "params", {})
    for name in FIXTURES:
        if name in params:
            return name, params[name]
    return None


def _control_id(item: pytest.Item) -> str | None:
    marks = list(item.iter_markers("control"))
    return str(marks[0].args[0]) if len(marks) == 1 and marks[0].args else None


@dataclass(slots=True)
class _Partial:
    control: str
    kind: str
    target: Any
    items: list[Item] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    outcome: Status | None = None  # not-applicable / manual / error decided without items
    reason: str = ""
    duration: float = 0.0


class AuditPlugin:
    """The pytest plugin that runs the checks over the audit's targets and records findings."""

    def __init__(
        self,
        catalogue: Catalogue,
        targets: Targets,
        gathered: dict[str, Gathered],
        controls: set[str] | None,
        gather: Callable[[Mapping[str, str]], dict[str, Gathered]],
        progress: Progress,
    ) -> None:
        self.catalogue = catalogue
        self.targets = targets
        self.gathered = gathered
        self.controls = controls
        self.gather = gather
        self.progress = progress
        self.partials: dict[tuple[str, str, str], _Partial] = {}
        self.problems: list[str] = []
        self.commands: dict[str, str] = {}
        self.checks_run = 0

    # --- collection ----------------------------------------------------------------------------------------

    def pytest_configure(self, config: pytest.Config) -> None:
        """Declare the ``control`` marker."""
        config.addinivalue_line("markers", "control(id): the catalogue control a check answers to")

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """Parametrize each check over the targets of its fixture."""
        for name in FIXTURES:
            if name in metafunc.fixturenames:
                metafunc.parametrize(name, self.targets.of(name), ids=str)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        """Record a check module that cannot be collected."""
        if report.failed:
            self.problems.append(f"{report.nodeid or 'checks'}: cannot be collected: {report.longreprtext.strip()}")

    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """Keep the checks of the chosen controls that have targets; record unmarked or unknown ones."""
        keep: list[pytest.Item] = []
        for item in items:
            control = _control_id(item)
            where = f"{item.location[0]}:{(item.location[1] or 0) + 1}"
            if control is None:
                self.problems.append(f"{where}: {item.name}: a check needs exactly one @pytest.mark.control('ID')")
                continue
            if control not in self.catalogue:
                self.problems.append(f"{where}: {item.name}: control {control!r} is not in the catalogue")
                continue
            if self.controls is not None and control not in self.controls:
                continue
            if _target_of(item) is None:
                continue  # a fixture with no targets in this audit
            keep.append(item)
        items[:] = keep

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Read every host once, with the commands of every collected host check."""
        for item in session.items:
            table = getattr(getattr(item, "module", None), "GATHER", None)
            found = _target_of(item)
            if isinstance(table, dict) and found is not None and found[0] == "linux":
                self.commands.update(table)
        if self.targets.linux:
            self.progress(f"reading {len(self.targets.linux)} host(s): {len(self.commands)} commands each")
            started = time.monotonic()
            self.gathered.update(self.gather(self.commands))
            self.progress(f"  read in {time.monotonic() - started:.1f} s")
            for t in self.targets.linux:
                t.gathered = self.gathered.get(t.name)

    # --- fixtures ------------------------------------------------------------------------------------------

    @pytest.fixture
    def check(self, request: pytest.FixtureRequest) -> Check:
        """The ``check`` of a test: its control, bound to the target's level."""
        found = _target_of(request.node)
        control = _control_id(request.node)
        assert found is not None
        assert control is not None
        return Check(self.catalogue.get(control), int(found[1].level), str(found[1]))

    # --- running -------------------------------------------------------------------------------------------

    def _partial(self, item: pytest.Item) -> _Partial:
        control = _control_id(item)
        fixture, target = _target_of(item)  # type: ignore[misc]
        key = (str(control), KIND[fixture], str(target))
        if key not in self.partials:
            self.partials[key] = _Partial(str(control), KIND[fixture], target)
        return self.partials[key]

    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        """Gate by level; skip the checks of a host that could not be read (recorded as errors)."""
        partial = self._partial(item)
        control = self.catalogue.get(partial.control)
        level = int(partial.target.level)
        if not applicable(control, level):
            partial.outcome = "not-applicable"
            partial.reason = f"applies from level {control.applies_from_level}; judged at level {level}"
            pytest.skip(partial.reason)
        if isinstance(partial.target, LinuxTarget):
            g = partial.target.gathered
            if g is None or g.error:
                partial.outcome = "error"
                partial.reason = g.error if g is not None and g.error else "the host was not read"
                pytest.skip(partial.reason)

    @pytest.hookimpl(wrapper=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function) -> Any:
        """Run one check; record its items and evidence; fail the test when the finding fails."""
        partial = self._partial(pyfuncitem)
        target = partial.target
        if isinstance(target, LinuxTarget):
            target.reads.clear()
        check: Check | None = pyfuncitem.funcargs.get("check")  # type: ignore[assignment]
        started = time.perf_counter()
        self.checks_run += 1
        try:
            result = yield
        except NotApplicable as signal:
            partial.outcome, partial.reason = "not-applicable", str(signal)
            return True
        except Undecided as signal:
            partial.outcome, partial.reason = "manual", str(signal)
            return True
        except AssertionError as err:
            partial.items.append(Item(pyfuncitem.name, "fail", _first_line(err), "the check's assertion to hold"))
            raise
        except Exception as err:
            partial.outcome, partial.reason = "error", f"{type(err).__name__}: {_first_line(err)}"
            raise
        finally:
            partial.duration += time.perf_counter() - started
            read = [f"{target.name}:{k}" for k in target.reads] if isinstance(target, LinuxTarget) else []
            if isinstance(target, DeviceTarget):
                read.append(target.evidence)
            if check is not None:
                partial.items += check.items
                read += check.evidence
            partial.evidence = list(dict.fromkeys([*partial.evidence, *read]))  # each evidence once, in order
        # A failing finding does not fail the pytest test: the finding is the result, and pytest's traceback
        # formatting of a failure costs more than the check itself (tens of milliseconds each).
        return result

    # --- results -------------------------------------------------------------------------------------------

    def findings(self) -> list[Finding]:
        """One finding per control and target, from everything its checks recorded."""
        out = []
        for p in self.partials.values():
            status: Status = verdict(p.items)
            text = summary(p.items)
            if p.outcome == "error" or (p.outcome is not None and not p.items):
                status, text = p.outcome or status, p.reason
            elif p.outcome in ("manual",) and status == "pass":
                status, text = "manual", p.reason
            out.append(
                Finding(
                    control=p.control,
                    kind=p.kind,  # type: ignore[arg-type]
                    target=str(p.target.name),
                    status=status,
                    level=int(p.target.level),
                    items=tuple(p.items),
                    summary=text,
                    evidence=tuple(p.evidence),
                    site=getattr(p.target, "site", None) if p.kind != "site" else p.target.name,
                    systems=tuple(getattr(p.target, "systems", ())) if p.kind != "system" else (p.target.name,),
                    agencies=tuple(getattr(p.target, "agencies", ())),
                    source=getattr(p.target, "source", None),
                    duration=round(p.duration, 4),
                )
            )
        return sorted(out, key=lambda f: (f.control, f.kind, f.target, f.source or ""))


def _first_line(err: BaseException) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


# --- choosing targets ---------------------------------------------------------------------------------------


def _select(names: Iterable[str], known: Mapping[str, object], what: str, problems: list[str]) -> list[str]:
    from infra.errors import did_you_mean

    out = []
    for name in names:
        if name in known:
            out.append(name)
        else:
            problems.append(f"unknown {what} {name!r}{did_you_mean(name, list(known))}: not audited")
    return out


@dataclass(slots=True)
class _Devices:
    intents: dict[str, DeviceIntent]
    intended: dict[str, str]
    running: Callable[[str], tuple[str, str]]  # device → (text, origin); raises on failure
    mask: Callable[[str], str]


def _read_running(target: Any) -> tuple[str, str]:
    """A device's running configuration, read with its NAPALM driver (read-only), and where it came from."""
    from infra.deploy.engine import napalm_opener, strip_header

    driver = napalm_opener(target)
    try:
        return strip_header(driver.get_config(retrieve="running")["running"]), f"live from {target.host}"
    finally:
        driver.close()


def _lab_devices(spec: Spec) -> _Devices:
    from infra.deploy.targets import lab_fleet
    from infra.render.env import default_templates

    fleet = lab_fleet(spec.inventory, default_templates())
    intents = lab_model(spec.inventory).topo.intents
    candidates = {n: t.candidate for n, t in fleet.targets.items()}
    return _Devices(dict(intents), candidates, lambda name: _read_running(fleet.targets[name]), fleet.secrets.mask)


def _inventory_devices(spec: Spec, inv: Inventory, plan: AddressPlan, names: list[str]) -> _Devices:
    from infra.deploy.targets import Secrets, access_from_environment, inventory_fleet
    from infra.render.build import build_intents
    from infra.render.env import default_templates
    from infra.render.render import render_intents

    intents = build_intents(inv, plan)
    chosen = {n: intents[n] for n in names if n in intents}
    rendered = render_intents(chosen, inv.digest)
    texts = {name: "".join(rendered.files[f] for f in rendered.devices.get(name, [])) for name in chosen}

    @functools.cache
    def fleet() -> Any:  # built once, on the first live read
        return inventory_fleet(spec.inventory, default_templates(), access_from_environment(dict(os.environ)))

    def running(name: str) -> tuple[str, str]:
        if spec.running == "live":
            return _read_running(fleet().targets[name])
        backups = sorted(spec.build.glob(f"runs/*/backups/{name}.cfg"), key=lambda p: p.stat().st_mtime, reverse=True)
        if not backups:
            raise ToolError(f"no backup of {name} under {spec.build}/runs: run a rollout or use --running live")
        return backups[0].read_text(errors="replace"), str(backups[0])

    # running configurations (live or backed up) hold the real keys: masked with the inventory's secrets
    return _Devices(intents, texts, running, Secrets.from_environment(inv, dict(os.environ)).mask)


def _device_targets(
    spec: Spec, inv: Inventory, plan: AddressPlan, names: list[str], run: AuditRun, progress: Progress
) -> list[DeviceTarget]:
    if not names:
        return []
    devices = _lab_devices(spec) if spec.lab else _inventory_devices(spec, inv, plan, names)
    hosted = site_systems(inv)
    out = []
    for name in names:
        intent = devices.intents.get(name)
        if intent is None:
            run.problems.append(f"device {name!r} has nothing to configure (no intent): not audited")
            continue
        level, systems = device_level(inv, intent.site, hosted)
        level = spec.level or level
        common: dict[str, Any] = {
            "name": name, "site": intent.site, "role": intent.role, "platform": intent.platform, "level": level,
            "intent": intent, "systems": systems, "agencies": site_agencies(inv, intent.site, systems),
        }  # fmt: skip
        if "intended" in spec.sources and name in devices.intended:
            text = devices.intended[name]
            ev = _evidence(run, name, f"intended:{name} (rendered from {spec.inventory})", text)
            out.append(
                DeviceTarget(source="intended", text=text, origin=ev.source, taken=ev.taken, evidence=ev.id, **common)
            )
        if "running" in spec.sources:
            progress(f"reading the running configuration of {name}")
            try:
                text, origin = devices.running(name)
            except Exception as err:
                run.errors.append(TargetError("device", name, f"running configuration not read: {_first_line(err)}"))
                continue
            text = devices.mask(text)
            ev = _evidence(run, name, f"running:{name} ({origin})", text)
            out.append(
                DeviceTarget(source="running", text=text, origin=origin, taken=ev.taken, evidence=ev.id, **common)
            )
    return out


def _evidence(
    run: AuditRun, target: str, source: str, text: str, rc: int | None = None, taken: str | None = None
) -> Evidence:
    n = sum(1 for e in run.evidence.values() if e.target == target) + 1
    ev = Evidence(f"{target}:{n}", target, source, taken or now(), Evidence.digest(text), text, rc)
    run.evidence[ev.id] = ev
    return ev


@functools.lru_cache(maxsize=2)
def _cached_lab_model(key: tuple[str, tuple[tuple[str, int], ...]]) -> Any:
    from infra.lab import control

    return control.model(Path(key[0]))


def lab_model(path: Path) -> Any:
    """The lab model of an inventory, built once per process while its files are unchanged."""
    root = path.resolve()
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    return _cached_lab_model((str(root), tuple((str(p), p.stat().st_mtime_ns) for p in files)))


def _lab_hosts(spec: Spec) -> tuple[list[str], dict[str, str], Login, dict[str, tuple[str, ...]]]:
    from infra.lab import control
    from infra.lab.files import ADMIN

    m = lab_model(spec.inventory)
    paths = control.LabPaths.of(m.topo.lab.name)
    state = control.LabState.read(paths)
    if state is None:
        raise ToolError(f"lab {m.topo.lab.name!r} is not up: run 'hatang lab up {spec.inventory}' first")
    hosts: list[str] = sorted(n.name for n in m.topo.nodes.values() if n.kind == "host")
    addresses: dict[str, str] = {n: str(m.topo.nodes[n].mgmt_v6) for n in hosts}
    lab_mgmt: dict[str, tuple[str, ...]] = {
        n: (str(m.topo.nodes[n].mgmt_v6), str(m.topo.nodes[n].mgmt_v4)) for n in hosts
    }
    return hosts, addresses, Login(ADMIN, str(paths.key), (str(paths.known_hosts),)), lab_mgmt


def _production_hosts(
    inv: Inventory, plan: AddressPlan
) -> tuple[list[str], dict[str, str], Login, dict[str, tuple[str, ...]]]:
    from infra.hosts.runner import inventory_known_hosts, operator_access
    from infra.render.ansible import ordered

    access = operator_access(dict(os.environ))
    addresses = {}
    for name, hplan in plan.hosts.items():
        first = ordered(hplan.addresses)
        if first:
            addresses[name] = first[0]
    login = Login(access.user, access.key_file, (access.known_hosts,), inventory_known_hosts(inv, plan))
    return sorted(addresses), addresses, login, {}


# --- the run -------------------------------------------------------------------------------------------------


def digest_files(paths: Iterable[Path], base: Path) -> str:
    """SHA-256 over files: each one's path (relative to ``base``) and content, in path order."""
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(base) if p.is_relative_to(base) else p).encode() + b"\0")
        h.update(p.read_bytes() + b"\0")
    return h.hexdigest()


def _device_names(spec: Spec, inv: Inventory, run: AuditRun) -> list[str]:
    if spec.lab and spec.devices is None:
        return sorted(lab_model(spec.inventory).topo.intents)
    if spec.all_devices:
        return sorted(inv.devices)
    if spec.devices:
        return _select(spec.devices, inv.devices, "device", run.problems)
    return []


def _records(spec: Spec, inv: Inventory, plan: AddressPlan, targets: Targets) -> None:
    targets.province = [ProvinceTarget(inv, plan, spec.today, spec.level or max_level(inv, set(inv.systems)) or 1)]
    targets.system = [
        SystemTarget(s.name, spec.level or s.level, inv, plan, spec.today, system_agencies(inv, (s.name,)))
        for s in sorted(inv.systems.values(), key=lambda s: s.name)
    ]
    hosted = site_systems(inv)
    for name in sorted(inv.sites):
        level, systems = device_level(inv, name, hosted)
        targets.site.append(
            SiteTarget(name, spec.level or level, inv, plan, spec.today, site_agencies(inv, name, systems))
        )


def _choose(
    spec: Spec, inv: Inventory, plan: AddressPlan, run: AuditRun, say: Progress
) -> tuple[Login | None, Targets]:
    """The audit's targets, and how to log in to its hosts."""
    login: Login | None = None
    targets = Targets()
    if spec.hosts is None or spec.hosts:
        names, addresses, login, extra = _lab_hosts(spec) if spec.lab else _production_hosts(inv, plan)
        wanted = names if spec.hosts is None else _select(spec.hosts, {n: n for n in names}, "host", run.problems)
        targets.linux = linux_targets(inv, plan, wanted, addresses, spec.level, extra)
    targets.device = _device_targets(spec, inv, plan, _device_names(spec, inv, run), run, say)
    if spec.inventory_checks:
        _records(spec, inv, plan, targets)
    return login, targets


@dataclass(slots=True)
class Audited:
    """An audit's results and the inputs the reports need beside them."""

    run: AuditRun
    inv: Inventory
    plan: AddressPlan
    catalogue: Catalogue


def run_audit(spec: Spec, progress: Progress | None = None) -> Audited:
    """Audit the targets of ``spec``; every finding, evidence record and problem comes back as data."""
    say = progress or (lambda _text: None)
    started = now()
    inv = load(spec.inventory)
    plan = make_plan(inv)
    catalogue = load_catalogue(spec.catalogue)
    run = AuditRun(info=_info(spec, inv, started))
    run.agencies = agencies(inv)
    controls = None
    if spec.controls is not None:
        controls = set(_select(spec.controls, {c: c for c in catalogue.ids()}, "control", run.problems))
    waivers = _waivers(spec, catalogue, inv, run)

    login, targets = _choose(spec, inv, plan, run, say)
    linux = targets.linux

    with tempfile.TemporaryDirectory(prefix="hatang-audit-") as tmp:
        gathered: dict[str, Gathered] = {}

        def gather(commands: Mapping[str, str]) -> dict[str, Gathered]:
            assert login is not None
            if spec.plain:
                return plain_hosts(linux, login, commands, Path(tmp))
            return gather_all(linux, login, commands, spec.workers)

        plugin = AuditPlugin(catalogue, targets, gathered, controls, gather, say)
        try:
            _pytest(plugin, _check_paths(targets), say)
        finally:
            for g in gathered.values():
                g.close()
            if spec.plain:
                close_plain([t.name for t in linux], Path(tmp))
    run.problems += plugin.problems
    for t in linux:
        found = gathered.get(t.name)
        if found is None:
            continue
        g = found
        if g.error:
            run.errors.append(TargetError("host", t.name, g.error))
        for key, out in g.outputs.items():
            text = out.stdout + (f"\n--- stderr ---\n{out.stderr}" if out.stderr else "")
            ev = Evidence(
                f"{t.name}:{key}",
                t.name,
                g.commands[key],
                g.taken.get(key, started),
                Evidence.digest(text),
                text,
                out.rc,
            )
            run.evidence[ev.id] = ev
    run.findings = _apply_waivers(plugin.findings(), waivers, inv, spec.today)
    run.info = replace(run.info, finished=now())
    return Audited(run, inv, plan, catalogue)


def _check_paths(targets: Targets) -> list[Path]:
    paths = []
    if targets.linux:
        paths.append(CHECKS_DIR / "linux")
    if targets.device:
        paths.append(CHECKS_DIR / "device")
    if targets.province or targets.system or targets.site:
        paths.append(CHECKS_DIR / "inventory")
    return [p for p in paths if p.is_dir()]


def _pytest(plugin: AuditPlugin, paths: list[Path], say: Progress) -> None:
    if not paths:
        return
    args = [
        *map(str, paths),
        "-c", str(CHECKS_DIR / "pytest.ini"), "--rootdir", str(CHECKS_DIR), "--import-mode=importlib",
        "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:stepwise", "--assert=plain",
    ]  # fmt: skip
    rc = pytest.main(args, plugins=[plugin])
    if rc in (pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERRUPTED):
        raise CheckError(f"the checks could not run (pytest exit {int(rc)}): " + "; ".join(plugin.problems))
    say(f"{plugin.checks_run} checks run")


def _waivers(spec: Spec, catalogue: Catalogue, inv: Inventory, run: AuditRun) -> Waivers | None:
    if spec.waivers is None:
        return None
    try:
        return load_waivers(spec.waivers, known_from(catalogue, inv))
    except WaiverError as err:
        run.problems += [f"waivers: {p}" for p in err.problems]
        run.problems.append(f"waivers: {spec.waivers} not used: no finding was waived")
        return None


def _apply_waivers(findings: list[Finding], waivers: Waivers | None, inv: Inventory, today: dt.date) -> list[Finding]:
    if waivers is None:
        return findings
    out = []
    for f in findings:
        target = f.target
        live, stale = waivers.find(f.control, target=target, systems=set(f.systems), site=f.site, today=today)
        chosen = live or stale
        if chosen is None:
            out.append(f)
            continue
        ref = WaiverRef(chosen.justification, chosen.expires.isoformat(), chosen.approved_by or "", live is None)
        if live is not None and f.status in ("fail", "warn", "manual", "error"):
            out.append(replace(f, status="waived", checked_status=f.status, waiver=ref))
        else:
            out.append(replace(f, checked_status=f.status, waiver=ref))
    return out


def _info(spec: Spec, inv: Inventory, started: str) -> RunInfo:
    from infra import __version__

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    catalogue_dir = spec.catalogue or CATALOGUE_DIR
    catalogue_files = [catalogue_dir] if catalogue_dir.is_file() else list(catalogue_dir.glob("*.yaml"))
    return RunInfo(
        id=f"audit-{stamp}-{os.getpid()}",
        started=started,
        finished=started,
        operator=f"{getpass.getuser()}@{socket.gethostname()}",
        tool=f"hatang {__version__}",
        command=spec.command or " ".join(sys.argv),
        inventory=str(spec.inventory),
        inventory_sha256=inv.digest,
        catalogue_sha256=digest_files(
            catalogue_files, catalogue_dir if catalogue_dir.is_dir() else catalogue_dir.parent
        ),
        baseline=spec.baseline,
        level=spec.level,
        lab=spec.lab,
        waivers=str(spec.waivers) if spec.waivers else None,
        waivers_sha256=hashlib.sha256(spec.waivers.read_bytes()).hexdigest()
        if spec.waivers and spec.waivers.is_file()
        else None,
    )
