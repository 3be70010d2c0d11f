"""Gather the sections of every inventory file and validate each item against its model.

Items are validated one by one, so one bad site does not hide the problems of the others, and the
valid items still go on to the semantic checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from infra.errors import Problem, did_you_mean
from infra.inventory.explain import Origin, problems_from
from infra.inventory.models import SECTION_ITEMS, SINGLE_SECTIONS, Model
from infra.inventory.source import Document, describe

M = TypeVar("M", bound=BaseModel)

SECTIONS = (*SINGLE_SECTIONS, *SECTION_ITEMS)


@dataclass(frozen=True, slots=True)
class Located(Generic[M]):
    """A validated item and where it was written."""

    item: M
    origin: Origin


@dataclass(slots=True)
class Collected:
    """Every valid item of every section, in file order, plus the problems met on the way.

    ``invalid`` holds, per section, the names of items that were written but failed validation,
    so that references to them are not reported a second time as dangling.
    """

    singles: dict[str, Located[Model]] = field(default_factory=dict)
    items: dict[str, list[Located[Model]]] = field(default_factory=lambda: {s: [] for s in SECTION_ITEMS})
    invalid: dict[str, set[str]] = field(default_factory=lambda: {s: set() for s in SECTION_ITEMS})
    problems: list[Problem] = field(default_factory=list)

    def located(self, section: str) -> Iterator[Located[Model]]:
        """The valid items of one list section."""
        yield from self.items[section]


_ADAPTERS: dict[str, TypeAdapter[Any]] = {
    name: TypeAdapter(model) for name, model in (*SECTION_ITEMS.items(), *SINGLE_SECTIONS.items())
}


def _validate(model: type[Model], adapter: TypeAdapter[Any], raw: Any, origin: Origin) -> tuple[Any, list[Problem]]:
    try:
        return adapter.validate_python(raw), []
    except ValidationError as err:
        return None, problems_from(err.errors(include_url=False), origin, model)


def _single(out: Collected, doc: Document, section: str, raw: Any) -> None:
    origin = Origin(doc, (section,))
    if section in out.singles:
        first = out.singles[section].origin.where()
        out.problems.append(origin.problem((), f"a second '{section}' section (first at {first})", "it once", key=True))
        return
    model = SINGLE_SECTIONS[section]
    value, problems = _validate(model, _ADAPTERS[section], raw, origin)
    out.problems.extend(problems)
    if value is not None:
        out.singles[section] = Located(value, origin)


def _listed(out: Collected, doc: Document, section: str, raw: Any) -> None:
    model = SECTION_ITEMS[section]
    if not isinstance(raw, list):
        if (section,) in doc.reported:
            return
        out.problems.append(Origin(doc, (section,)).problem((), describe(raw), f"a list of {section}"))
        return
    for index, entry in enumerate(raw):
        origin = Origin(doc, (section, index))
        value, problems = _validate(model, _ADAPTERS[section], entry, origin)
        out.problems.extend(problems)
        if value is not None:
            out.items[section].append(Located(value, origin))
        elif isinstance(entry, dict) and isinstance(entry.get("name"), str):
            out.invalid[section].add(entry["name"])


def collect(docs: list[Document]) -> Collected:
    """Validate every section of every document; never stops at the first problem."""
    out = Collected()
    for doc in docs:
        for section, raw in doc.data.items():
            if section in SINGLE_SECTIONS:
                _single(out, doc, section, raw)
            elif section in SECTION_ITEMS:
                _listed(out, doc, section, raw)
            else:
                expected = "one of the sections " + ", ".join(SECTIONS) + did_you_mean(section, SECTIONS)
                out.problems.append(
                    Origin(doc, (section,)).problem((), f"unknown section {section!r}", expected, key=True)
                )
    return out
