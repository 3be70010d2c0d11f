"""The published JSON Schema: current, usable by editors, and referenced by every sample file."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from infra.inventory.schema import schema, schema_text

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = [ROOT / "inventory", ROOT / "examples" / "phu-tho-2025"]
SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def as_editor_sees(value: object) -> object:
    """YAML data as a yaml-language-server sees it: dates are strings."""
    if isinstance(value, dict):
        return {k: as_editor_sees(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_editor_sees(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def sample_files() -> list[Path]:
    return sorted(p for root in SAMPLES for p in root.rglob("*.yaml"))


def test_committed_schema_matches_the_models() -> None:
    committed = (ROOT / "inventory" / "schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "inventory/schema.json is stale: run `hatang schema --out inventory/schema.json`"


def test_schema_is_valid_json_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(schema())


@pytest.mark.parametrize("path", sample_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_sample_file_references_the_schema_and_conforms(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = SCHEMA_LINE.match(first)
    assert match, f"{path} must start with '# yaml-language-server: $schema=...'"
    target = (path.parent / match.group(1)).resolve()
    assert target == (ROOT / "inventory" / "schema.json").resolve()
    validator = jsonschema.Draft202012Validator(json.loads(target.read_text(encoding="utf-8")))
    data = as_editor_sees(yaml.safe_load(path.read_text(encoding="utf-8")))
    errors = [e.message for e in validator.iter_errors(data)]
    assert errors == []


def test_schema_rejects_what_an_editor_should_flag() -> None:
    validator = jsonschema.Draft202012Validator(schema())
    bad = {"sites": [{"name": "x", "label": "X", "id": "1", "tier": "t", "profile": "p", "colour": "red"}]}
    messages = " | ".join(e.message for e in validator.iter_errors(bad))
    assert "'1' is not of type 'integer'" in messages
    assert "colour" in messages
