"""Fixtures for the driver tests: two real FRR nodes (see _nodes.py) shared by the whole session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ._nodes import Node
from ._nodes import frr_pair as start_frr_pair


@pytest.fixture(scope="session")
def frr_pair() -> Iterator[tuple[Node, Node]]:
    with start_frr_pair() as nodes:
        yield nodes
