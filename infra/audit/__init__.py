"""The audit: the control catalogue (``checks/catalogue``), and the checks that answer to it."""

from __future__ import annotations

from infra.audit.catalogue import (
    INSTRUMENTS,
    Catalogue,
    CatalogueError,
    Control,
    Reference,
    Threshold,
    applicable,
    load_catalogue,
    references,
    threshold,
)

__all__ = [
    "INSTRUMENTS",
    "Catalogue",
    "CatalogueError",
    "Control",
    "Reference",
    "Threshold",
    "applicable",
    "load_catalogue",
    "references",
    "threshold",
]
