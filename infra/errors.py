"""The one exception family of hatang, and the located problem records it carries.

Library code raises these; only the command line turns them into exit codes.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


def did_you_mean(value: str, names: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``names`` to ``value``, or nothing."""
    close = difflib.get_close_matches(value, list(names), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the user's input, located as precisely as it can be.

    Attributes:
        file: The file the problem is in, as the user named it (``None`` when it is not in a file).
        line: 1-based line number, when known.
        column: 1-based column number, when known.
        path: The field path inside the inventory, for example ``sites[3].parent``.
        found: What was found, short and safe to print (never a secret value).
        expected: What is expected instead.
    """

    file: str | None
    line: int | None
    column: int | None
    path: str
    found: str
    expected: str

    def location(self) -> str:
        """Return ``file:line:column`` (as much of it as is known)."""
        if self.file is None:
            return "<inventory>"
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        where = f" {self.path}:" if self.path else ""
        return f"{self.location()}:{where} found {self.found}; expected {self.expected}"

    def sort_key(self) -> tuple[str, int, int, str]:
        """Order problems by file, then position, then path."""
        return (self.file or "", self.line or 0, self.column or 0, self.path)


class ToolError(Exception):
    """Root of every error hatang raises on purpose."""


class ProblemsError(ToolError):
    """An error that carries every located problem found in one pass, sorted by position."""

    what = "the input"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=Problem.sort_key)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{self.what} has {count} {noun}")


class InventoryError(ProblemsError):
    """The inventory cannot be read or is not valid."""

    what = "the inventory"


class PlanError(ProblemsError):
    """The address plan cannot be made: a pool is exhausted, or an override collides."""

    what = "the address plan"


class RenderError(ProblemsError):
    """Templates failed for some devices: each problem names the device, the template and the cause."""

    what = "rendering"


class UsageError(ToolError):
    """Bad input that is not in an inventory file: a command-line value, a missing revision."""


class LabError(ToolError):
    """The lab cannot be built, reached or torn down: the message says which node and what to do."""


class DeployError(ToolError):
    """A rollout cannot start or go on (no lab, missing secrets, unknown devices, an unreadable journal)."""
