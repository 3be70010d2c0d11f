"""What a check in ``checks/`` writes with: the ``check`` fixture, bound to one control and one target.

A check is a pytest test marked with its control id; it reads the target's facts and records each requirement
it judges as an :class:`~infra.audit.model.Item`, with what it observed and what it expected::

    @pytest.mark.control("HOST-03")
    def test_ssh_session_limits(linux, check):
        sshd = linux.sshd()
        check.at_most("maxauthtries", int(sshd["maxauthtries"]), "maxauthtries")

Thresholds come from the catalogue at the target's level (``check.threshold(name)``): a threshold whose first step
is above the level is not judged (the item is not recorded). The engine turns the items into the finding's status
(any ``fail`` fails, else any ``warn`` warns, else ``pass``; no items at all: not applicable) and fails the pytest
test when the finding fails, so that plain pytest output tells the same story as the reports.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

from infra.audit.catalogue import Control, ThresholdValue, threshold
from infra.audit.model import Item, Status

__tracebackhide__ = True


class NotApplicable(Exception):
    """Raised by :meth:`Check.not_applicable`: the target has nothing this control governs."""


class Undecided(Exception):
    """Raised by :meth:`Check.manual`: the tool cannot decide the control; an auditor must."""


SHOWN_MAX = 12  # list items a finding's text names (the evidence keeps them all)


def shown(value: object) -> str:
    """A value as a report shows it: lists joined with commas, addresses compressed, None as 'nothing'."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address | ipaddress.IPv4Network):
        return str(value)
    if isinstance(value, ipaddress.IPv6Network):
        return value.compressed
    if isinstance(value, dict):
        return ", ".join(f"{k}={shown(v)}" for k, v in value.items()) or "nothing"
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
        more = f" … (+{len(items) - SHOWN_MAX} more)" if len(items) > SHOWN_MAX else ""
        return (", ".join(shown(v) for v in items[:SHOWN_MAX]) + more) or "nothing"
    return str(value)


@dataclass(slots=True)
class Check:
    """The requirements one check judged for one control on one target, and the evidence it rests on."""

    control: Control
    level: int
    target: str
    items: list[Item] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)

    # --- thresholds --------------------------------------------------------------------------------------------

    def threshold(self, name: str) -> ThresholdValue | None:
        """The catalogue's threshold ``name`` in force at the target's level (None: not in force at this level)."""
        return threshold(self.control, name, self.level)

    def applies(self, name: str) -> bool:
        """Whether the threshold ``name`` is in force at the target's level."""
        return self.threshold(name) is not None

    # --- recording ---------------------------------------------------------------------------------------------

    def item(
        self, name: str, ok: bool, observed: object, expected: object, *, warn: bool = False, limit: str | None = None
    ) -> bool:
        """Record one requirement: passed when ``ok``; when not, a failure (or a warning if ``warn``)."""
        status: Status = "pass" if ok else ("warn" if warn else "fail")
        self.items.append(Item(name, status, shown(observed), shown(expected), limit))
        return ok

    def undecided(self, name: str, observed: object, expected: object) -> None:
        """Record a requirement the tool cannot decide (an auditor looks at the evidence)."""
        self.items.append(Item(name, "manual", shown(observed), shown(expected)))

    def at_most(self, name: str, observed: float | None, limit_name: str, *, warn: bool = False) -> bool | None:
        """``observed`` ≤ the threshold ``limit_name`` (not judged when the threshold is not in force)."""
        limit = self.threshold(limit_name)
        if limit is None:
            return None
        assert isinstance(limit, int | float), f"threshold {limit_name} of {self.control.id} is not a number"
        ok = observed is not None and observed <= limit
        return self.item(name, ok, observed, f"at most {limit}", warn=warn, limit=limit_name)

    def at_least(self, name: str, observed: float | None, limit_name: str, *, warn: bool = False) -> bool | None:
        """``observed`` ≥ the threshold ``limit_name`` (not judged when the threshold is not in force)."""
        limit = self.threshold(limit_name)
        if limit is None:
            return None
        assert isinstance(limit, int | float), f"threshold {limit_name} of {self.control.id} is not a number"
        ok = observed is not None and observed >= limit
        return self.item(name, ok, observed, f"at least {limit}", warn=warn, limit=limit_name)

    def positive_at_most(self, name: str, observed: float | None, limit_name: str) -> bool | None:
        """0 < ``observed`` ≤ the threshold (a timeout or period that must be set and short enough)."""
        limit = self.threshold(limit_name)
        if limit is None:
            return None
        assert isinstance(limit, int | float)
        ok = observed is not None and 0 < observed <= limit
        return self.item(name, ok, observed, f"more than 0 and at most {limit}", limit=limit_name)

    def one_of(self, name: str, observed: object, limit_name: str) -> bool | None:
        """``observed`` is one of the threshold's values (case-insensitive for text)."""
        allowed = self.threshold(limit_name)
        if allowed is None:
            return None
        values = allowed if isinstance(allowed, tuple) else (allowed,)
        ok = _norm(observed) in {_norm(v) for v in values}
        return self.item(name, ok, observed, "one of " + shown(values), limit=limit_name)

    def equals(self, name: str, observed: object, expected: object) -> bool:
        """``observed`` equals ``expected`` (text compared case-insensitively)."""
        return self.item(name, _norm(observed) == _norm(expected), observed, expected)

    def subset(self, name: str, observed: Iterable[object], allowed: Iterable[object]) -> bool:
        """Every observed value is allowed; the extra ones are what the report shows."""
        seen, ok_values = list(observed), {_norm(a) for a in allowed}
        extra = [v for v in seen if _norm(v) not in ok_values]
        return self.item(name, not extra, extra or seen, "only " + shown(sorted(ok_values, key=str)))

    def contains(self, name: str, observed: Iterable[object], wanted: Iterable[object]) -> bool:
        """Every wanted value is among the observed ones; the missing ones are what the report shows."""
        seen = {_norm(v) for v in observed}
        missing = [w for w in wanted if _norm(w) not in seen]
        return self.item(name, not missing, f"missing {shown(missing)}" if missing else "all present", wanted)

    def absent(self, name: str, observed: Iterable[object]) -> bool:
        """None of the forbidden things was found."""
        found = list(observed)
        return self.item(name, not found, found, "none")

    # --- outcomes without items --------------------------------------------------------------------------------

    def not_applicable(self, reason: str) -> None:
        """Stop: this target has nothing the control governs (e.g. no web service for HOST-21)."""
        raise NotApplicable(reason)

    def manual(self, reason: str) -> None:
        """Stop: the tool cannot decide the control for this target; an auditor must (the reason says what)."""
        raise Undecided(reason)


def _norm(value: object) -> object:
    if isinstance(value, str):
        return value.strip().lower()
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value
    return value


def verdict(items: Iterable[Item]) -> Status:
    """A finding's status from its items: fail, else warn, else manual when one is undecided, else pass."""
    statuses = {i.status for i in items}
    if not statuses:
        return "not-applicable"
    order: tuple[Status, ...] = ("fail", "warn", "manual")
    for status in order:
        if status in statuses:
            return status
    return "pass"


def summary(items: Iterable[Item]) -> str:
    """The line a report shows for a finding: its first failing (else warning, else undecided) item."""
    listed = list(items)
    for status in ("fail", "warn", "manual"):
        for i in listed:
            if i.status == status:
                return f"{i.name}: found {i.observed}; expected {i.expected}"
    return f"{len(listed)} requirement{'s' if len(listed) != 1 else ''} met" if listed else ""
