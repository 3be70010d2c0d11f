"""The JSON Schema of inventory files, for editors (yaml-language-server) and other tools."""

from __future__ import annotations

import json
from typing import Any

from infra.inventory.models import InventoryFile

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema() -> dict[str, Any]:
    """The schema of one inventory file (every section optional; files are read together)."""
    body = InventoryFile.model_json_schema(mode="validation", by_alias=True)
    return {"$schema": SCHEMA_DIALECT, **body}


def schema_text() -> str:
    """The schema as stable, indented JSON text."""
    return json.dumps(schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"
