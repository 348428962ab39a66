"""The dev UI's entity editor: files come back in their own layout, and a bad edit writes nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hotbed.app.entity_editor import EntityFileEditor, format_entity

BLOG = Path(__file__).parents[2] / "examples" / "blog"


@pytest.fixture
def editor(tmp_path: Path) -> EntityFileEditor:
    shutil.copytree(BLOG, tmp_path / "blog", ignore=shutil.ignore_patterns("__pycache__", ".hotbed"))
    return EntityFileEditor(str(tmp_path / "blog"))


@pytest.mark.parametrize("entity", sorted(p.name for p in BLOG.glob("src/application/*/*.entity.json")))
def test_an_unchanged_document_is_written_back_byte_for_byte(entity: str) -> None:
    (path,) = BLOG.glob(f"src/application/*/{entity}")
    text = path.read_text()
    assert format_entity(json.loads(text))[0] == text


def test_a_new_prop_is_one_line_in_the_files_style(editor: EntityFileEditor) -> None:
    document = editor.read("User")
    document["props"].insert(3, {"name": "nickname", "type": "string", "length": 32, "nullable": True})
    written, errors = editor.save("User", document)
    assert errors == []
    assert written is not None
    lines = Path(written).read_text().splitlines()
    assert lines[8] == '    { "name": "nickname", "type": "string", "length": 32, "nullable": true },'


@pytest.mark.parametrize(
    ("prop", "field", "words"),
    [
        ({"name": "nick name", "type": "string", "length": 8}, "props.7.name", "not a valid name"),
        ({"name": "team", "type": "relation", "with": "Team", "relationType": "BelongsToOne"}, "props.7.with", "Team"),
        ({"name": "nick", "type": "string", "length": "long"}, "props.7.length", "integer"),
    ],
)
def test_an_error_names_its_field_and_nothing_is_written(
    editor: EntityFileEditor, prop: dict[str, object], field: str, words: str
) -> None:
    path = Path(editor.entities()["User"])
    before = path.read_bytes()
    document = editor.read("User")
    document["props"].append(prop)
    written, errors = editor.save("User", document)
    assert written is None
    assert [e["field"] for e in errors] == [field], errors
    assert words in errors[0]["message"]
    assert path.read_bytes() == before


def test_a_new_entity_gets_a_file_next_to_the_others(editor: EntityFileEditor) -> None:
    written, errors = editor.create("Comment")
    assert errors == [] and written is not None
    assert written.endswith("src/application/comment/comment.entity.json")
    assert "Comment" in editor.entities()
    assert editor.create("Comment")[1][0]["field"] == "id"
    assert editor.create("not_pascal")[0] is None
