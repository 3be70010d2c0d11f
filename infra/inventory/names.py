"""Names: references that must resolve (with a did-you-mean) and names and ids that must be unique."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable

from infra.errors import Problem, did_you_mean
from infra.inventory.collect import Collected
from infra.inventory.explain import Origin
from infra.inventory.models import Model

PathKey = tuple[str | int, ...]


class Refs:
    """Resolves names of one kind, knowing which names exist but were invalid."""

    def __init__(self, what: str, names: Collection[str], invalid: Collection[str] = ()) -> None:
        self.what = what
        self.names = names
        self.invalid = invalid

    def check(self, origin: Origin, sub: PathKey, value: str | None) -> list[Problem]:
        """A problem if ``value`` names nothing of this kind."""
        if value is None or value in self.names or value in self.invalid:
            return []
        a = "an" if self.what[0] in "aeiou" else "a"
        close = did_you_mean(value, self.names)
        return [origin.problem(sub, f"{value!r}, which is not {a} {self.what}", f"the name of {a} {self.what}{close}")]


def _duplicates(
    collected: Collected,
    section: str,
    key: Callable[[Model], object],
    field: str,
    what: Callable[[Model], str],
    unique: str,
) -> list[Problem]:
    """Items of ``section`` whose ``key`` repeats an earlier item's; reported at ``field`` of the later one."""
    first: dict[object, Origin] = {}
    out: list[Problem] = []
    for loc in collected.located(section):
        k = key(loc.item)
        if k in first:
            found = f"a second {what(loc.item)} (first at {first[k].where()})"
            out.append(loc.origin.problem((field,), found, unique))
        else:
            first[k] = loc.origin
    return out


def _attr(item: Model, name: str) -> object:
    value: object = getattr(item, name)
    return value


def _named(kind: str) -> Callable[[Model], str]:
    return lambda m: f"{kind} named {_attr(m, 'name')!r}"


def check_duplicates(collected: Collected) -> list[Problem]:
    """Names (and ids) that must be unique; each repeat is reported at the repeated field."""
    out: list[Problem] = []
    for section in ("tiers", "profiles", "sites", "gateways", "hosts", "systems", "services", "endpoints", "secrets"):
        kind = section[:-1]
        out += _duplicates(
            collected,
            section,
            lambda m: _attr(m, "name"),
            "name",
            _named(kind),
            f"a unique {kind} name",
        )
    out += _duplicates(
        collected,
        "circuits",
        lambda m: _attr(m, "id"),
        "id",
        lambda m: f"circuit id {_attr(m, 'id')}",
        "a unique circuit id",
    )
    out += _duplicates(
        collected, "hosts", lambda m: _attr(m, "id"), "id", lambda m: f"host id {_attr(m, 'id')}", "a unique host id"
    )
    out += _duplicates(
        collected,
        "sites",
        lambda m: (_attr(m, "tier"), _attr(m, "id")),
        "id",
        lambda m: f"site with id {_attr(m, 'id')} in tier {_attr(m, 'tier')!r}",
        "a unique id within the tier (the id decides the site's address blocks)",
    )
    out += _duplicates(
        collected,
        "sites",
        lambda m: (_attr(m, "parent"), _attr(m, "tier"), _attr(m, "label")),
        "label",
        lambda m: f"label {_attr(m, 'label')!r} for a {_attr(m, 'tier')} site under {_attr(m, 'parent')!r}",
        "a unique label among the sites of one tier under one parent",
    )
    return out


def unique_in(origin: Origin, base: PathKey, values: Iterable[object], what: str) -> list[Problem]:
    """One problem per value that occurs more than once among ``values``."""
    out: list[Problem] = []
    for value, count in Counter(values).items():
        if count > 1:
            out.append(origin.problem(base, f"{what} {value!r} {count} times", f"each {what} once"))
    return out
