"""Pause the cyclic garbage collector while a stage builds many small objects.

Loading and planning a national inventory allocate hundreds of thousands of short-lived objects with
no reference cycles between them; the collector's generation-2 passes over everything alive then cost
more than the work itself. Reference counting still frees memory as usual; the previous collector
state is restored on exit, so nesting is safe.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def gc_paused(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` with the cyclic collector disabled, then restore it."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return wrapper
