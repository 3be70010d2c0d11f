"""Shared fixtures: the mini inventory, writing inventories to disk, golden files."""

from __future__ import annotations

import copy
import difflib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.inventory import Inventory, load

TESTS = Path(__file__).resolve().parent
MINI = TESTS / "data" / "mini"
GOLDEN = TESTS / "golden"

InventoryFiles = Mapping[str, str | Mapping[str, Any]]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden files under tests/golden from the current output (review the diff first)",
    )


def dump_yaml(data: Any) -> str:
    """YAML text for inventory data, as a person would write it (unicode kept, key order kept)."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def write_files(root: Path, files: InventoryFiles) -> Path:
    """Write ``files`` (name -> YAML text or python data) under ``root``; return ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = content if isinstance(content, str) else dump_yaml(content)
        path.write_text(text, encoding="utf-8")
    return root


def mini_data() -> dict[str, dict[str, Any]]:
    """The mini inventory as python data, one entry per file, free to modify."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(MINI.glob("*.yaml")):
        out[path.name] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return copy.deepcopy(out)


@pytest.fixture
def mini_dir() -> Path:
    """The small valid inventory tests/data/mini."""
    return MINI


@pytest.fixture
def mini() -> dict[str, dict[str, Any]]:
    """A fresh, modifiable copy of the mini inventory as python data (file name -> sections)."""
    return mini_data()


@pytest.fixture
def write_inventory(tmp_path: Path) -> Callable[[InventoryFiles], Path]:
    """Write an inventory (file name -> YAML text or python data) into a new directory of tmp_path."""
    counter = iter(range(1_000_000))

    def write(files: InventoryFiles) -> Path:
        return write_files(tmp_path / f"inventory-{next(counter)}", files)

    return write


@pytest.fixture
def load_inventory(write_inventory: Callable[[InventoryFiles], Path]) -> Callable[[InventoryFiles], Inventory]:
    """Write an inventory into tmp_path and load it."""

    def write_and_load(files: InventoryFiles) -> Inventory:
        return load(write_inventory(files))

    return write_and_load


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with tests/golden/<name>; rewrite it instead when pytest runs with --update-golden."""
    update = bool(request.config.getoption("--update-golden"))

    def check(name: str, actual: str) -> None:
        path = GOLDEN / name
        shown = path.relative_to(TESTS.parent)
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"golden file {shown} is missing; create it with `pytest --update-golden` and review it")
        expected = path.read_text(encoding="utf-8")
        if actual != expected:
            diff = "".join(
                difflib.unified_diff(
                    expected.splitlines(keepends=True),
                    actual.splitlines(keepends=True),
                    fromfile=f"{shown} (golden)",
                    tofile=f"{shown} (actual)",
                    n=2,
                )
            )
            pytest.fail(
                f"output differs from golden file {shown}:\n{diff}\n"
                "If the change is intended, review the diff above, then run `pytest --update-golden` "
                "and commit the updated golden file.",
                pytrace=False,
            )

    return check
