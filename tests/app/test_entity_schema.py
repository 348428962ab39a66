"""The shipped JSON Schema of entity files is the entity model's, and `hotbed schema` prints it."""

from __future__ import annotations

import json
import subprocess
import sys

from hotbed.app.entity_props import PROP_TYPES
from hotbed.app.entity_schema import SCHEMA_PATH, entity_json_schema, render_entity_schema


def test_the_shipped_schema_is_generated_from_the_model() -> None:
    assert SCHEMA_PATH.read_text() == render_entity_schema(), "run `hotbed schema > core/hotbed/app/entity.schema.json`"


def test_the_schema_names_every_prop_type_and_the_file_keys() -> None:
    schema = entity_json_schema()
    text = json.dumps(schema)
    for kind in PROP_TYPES:
        assert json.dumps(kind) in text, kind
    assert set(schema["properties"]) == {
        "id",
        "parentId",
        "table",
        "title",
        "cone",
        "props",
        "indexes",
        "subsets",
        "enums",
    }
    assert "relationType" in schema["$defs"]["RelationProp"]["properties"]
    assert schema["additionalProperties"] is False


def test_hotbed_schema_prints_it() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hotbed", "schema"], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout == SCHEMA_PATH.read_text()
