"""The JSON Schema of entity files, generated from the entity model so the two cannot drift.

The package ships it as `entity.schema.json` next to this module; editors point their
JSON language server at it for `*.entity.json` (completion and errors while typing).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hotbed.app.entity import EntityDocument

__all__ = ["SCHEMA_PATH", "entity_json_schema", "render_entity_schema"]

SCHEMA_PATH = Path(__file__).with_name("entity.schema.json")


def entity_json_schema() -> dict[str, Any]:
    """The schema of one entity file, in the names the files use (`relationType`, `dbDefault`)."""
    schema = EntityDocument.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "hotbed entity file",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def render_entity_schema() -> str:
    return json.dumps(entity_json_schema(), indent=2, ensure_ascii=False) + "\n"
