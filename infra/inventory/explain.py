"""Turn pydantic validation errors into located, human problems (what was found, what is expected)."""

from __future__ import annotations

import math
import re
import types
import typing
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import ErrorDetails

from infra.errors import Problem, did_you_mean
from infra.inventory.source import Document, PathKey, describe, format_path

SECRET_KEY_RE = re.compile(r"pass|secret|community|token|psk|private|(^|[-_])key($|[-_])", re.IGNORECASE)

_SIMPLE: dict[str, str] = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "date_type": "a date written YYYY-MM-DD",
    "date_from_datetime_inexact": "a date written YYYY-MM-DD",
    "finite_number": "a finite number",
}


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an inventory item was written: its document and its path inside it."""

    doc: Document
    base: PathKey

    def problem(self, sub: PathKey, found: str, expected: str, *, key: bool = False) -> Problem:
        """A problem located at ``sub`` below this item."""
        path = (*self.base, *sub)
        mark = self.doc.mark(path, key=key)
        line, column = mark if mark else (None, None)
        return Problem(self.doc.file, line, column, format_path(path), found, expected)

    def where(self) -> str:
        """``file:line`` of the item itself, for 'first defined at' notes."""
        mark = self.doc.mark(self.base)
        return f"{self.doc.file}:{mark[0]}" if mark else self.doc.file


def _unwrap(annotation: Any) -> list[Any]:
    """The concrete types an annotation may hold (Optional, Annotated and unions unwrapped)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        out: list[Any] = []
        for arg in typing.get_args(annotation):
            out.extend(_unwrap(arg))
        return out
    return [annotation]


def model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model class found by following ``loc`` from ``model``, if the path ends at a model."""
    current: Any = model
    for part in loc:
        candidates = _unwrap(current)
        nxt: Any = None
        for cand in candidates:
            if isinstance(part, int) and typing.get_origin(cand) is list:
                nxt = typing.get_args(cand)[0]
            elif isinstance(part, str) and isinstance(cand, type) and issubclass(cand, BaseModel):
                field = cand.model_fields.get(part) or next(
                    (f for f in cand.model_fields.values() if f.alias == part), None
                )
                nxt = field.annotation if field else None
            if nxt is not None:
                break
        if nxt is None:
            return None
        current = nxt
    for cand in _unwrap(current):
        if isinstance(cand, type) and issubclass(cand, BaseModel):
            return cand
    return None


def allowed_keys(model: type[BaseModel] | None, unknown: str | None = None) -> str:
    """The keys a model accepts, for 'expected one of' messages (with the closest to ``unknown``)."""
    if model is None:
        return "a known key"
    names = sorted(f.alias or n for n, f in model.model_fields.items())
    hint = did_you_mean(unknown, names) if unknown is not None else ""
    return "one of the keys " + ", ".join(names) + hint


def _expected(err: ErrorDetails, model: type[BaseModel] | None) -> str:
    kind, ctx = err["type"], err.get("ctx", {})
    if isinstance(err["input"], float) and not math.isfinite(err["input"]):
        return "a finite number"
    if kind in _SIMPLE:
        text = _SIMPLE[kind]
        if kind == "string_type" and not isinstance(err["input"], dict | list):
            text += " (put it in quotes)"
        return text
    if kind == "missing":
        return f"the required key {err['loc'][-1]!r}"
    if kind == "literal_error":
        return f"one of {ctx.get('expected')}"
    if kind in ("model_type", "model_attributes_type"):
        return f"a mapping with {allowed_keys(model)}"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    bounds = {
        "greater_than_equal": f"a value of at least {ctx.get('ge')}",
        "greater_than": f"a value above {ctx.get('gt')}",
        "less_than_equal": f"a value of at most {ctx.get('le')}",
        "less_than": f"a value below {ctx.get('lt')}",
        "too_short": f"at least {ctx.get('min_length')} item(s)",
        "too_long": f"at most {ctx.get('max_length')} item(s)",
        "string_too_short": "a non-empty string",
    }
    if kind in bounds:
        return bounds[kind]
    if kind == "is_instance_of":
        return "an address or prefix written as a string"
    return str(err["msg"])


def _found(err: ErrorDetails, key: str, origin: Origin) -> str:
    if err["type"] == "missing":
        return "nothing"
    if err["type"] == "extra_forbidden":
        if SECRET_KEY_RE.search(key):
            return f"an inline secret under unknown key {key!r} (value not shown)"
        return f"unknown key {key!r}"
    value = err["input"]
    if origin.base[:1] == ("secrets",) and key != "name" and isinstance(value, str):
        return "a string (not shown: a secret reference written wrong may be the secret itself)"
    if err["type"] == "value_error" and isinstance(value, dict):
        return "a mapping with the keys " + ", ".join(sorted(str(k) for k in value))
    return describe(value)


def _already_reported(origin: Origin, loc: tuple[int | str, ...]) -> bool:
    """The reader already reported this value or one that holds it (an alias, a bad date, a merge key)."""
    path = (*origin.base, *loc)
    return any(path[:cut] in origin.doc.reported for cut in range(len(path) + 1))


def problems_from(errors: list[ErrorDetails], origin: Origin, model: type[BaseModel]) -> list[Problem]:
    """One problem per pydantic error, located in the source file."""
    out: list[Problem] = []
    for err in errors:
        loc = tuple(err["loc"])
        key = str(loc[-1]) if loc else ""
        if origin.doc.reported and _already_reported(origin, loc):
            continue
        if err["type"] == "extra_forbidden":
            expected = allowed_keys(model_at(model, loc[:-1]), key)
            if SECRET_KEY_RE.search(key):
                expected += "; secrets go under 'secrets:' as env or vault references, used by name"
            out.append(origin.problem(loc, _found(err, key, origin), expected, key=True))
            continue
        out.append(origin.problem(loc, _found(err, key, origin), _expected(err, model_at(model, loc))))
    return out
