"""Entity parsing: the fixtures parse, broken files give located, actionable errors, nothing else escapes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hotbed.app.entity import PROP_TYPES, RelationProp, check_project, parse_entity
from hotbed.exceptions import EntityError

FIXTURES = Path(__file__).parent / "entity_fixtures"


def _fixtures() -> list[Path]:
    return sorted(FIXTURES.rglob("*.entity.json"))


def _error(text: str) -> EntityError:
    with pytest.raises(EntityError) as info:
        parse_entity("broken.entity.json", text.encode())
    return info.value


def test_fixture_entities_parse_and_relate() -> None:
    entities = [parse_entity(p, p.read_bytes()) for p in _fixtures()]
    assert sorted(e.id for e in entities) == ["Order", "Post", "Product", "User"]
    assert check_project(entities) == []
    order = next(e for e in entities if e.id == "Order")
    assert [r.with_ for r in order.relations] == ["User", "Product"]
    assert all(isinstance(r, RelationProp) and r.is_column for r in order.relations)
    assert order.table == "orders" and order.name == "order"


def test_unknown_prop_type_points_at_the_type() -> None:
    error = _error('{\n  "id": "User",\n  "props": [\n    {"name": "email", "type": "strng"}\n  ]\n}')
    (diagnostic,) = error.diagnostics
    assert (diagnostic.line, diagnostic.column) == (4, 31)
    assert "unknown prop type 'strng'" in diagnostic.message and "string" in diagnostic.message
    assert str(diagnostic).startswith("broken.entity.json:4:31: props[0].type")


def test_duplicate_prop_points_at_the_second_one() -> None:
    text = '{"id": "User", "props": [\n{"name": "a", "type": "text"},\n{"name": "a", "type": "text"}]}'
    (diagnostic,) = _error(text).diagnostics
    assert (diagnostic.line, diagnostic.column) == (3, 10)
    assert "duplicate prop 'a'" in diagnostic.message


def test_missing_id_is_reported_with_a_hint() -> None:
    (diagnostic,) = _error('{"props": [{"name": "a", "type": "text"}]}').diagnostics
    assert (diagnostic.line, diagnostic.column) == (1, 1)
    assert "missing required key 'id'" in diagnostic.message and "PascalCase" in diagnostic.message


def test_invalid_json_reports_the_decoder_position() -> None:
    (diagnostic,) = _error('{"id": "User",\n  "props": [,]}').diagnostics
    assert diagnostic.line == 2 and diagnostic.message.startswith("invalid JSON")


def test_several_problems_are_all_reported() -> None:
    text = json.dumps(
        {
            "id": "user",
            "props": [{"name": "n", "type": "string", "length": "long"}, {"name": "9lives", "type": "text"}],
            "surplus": 1,
        },
        indent=1,
    )
    messages = [d.message for d in _error(text).diagnostics]
    assert any("PascalCase" in m for m in messages)
    assert any(m.startswith("props[0].length") for m in messages)
    assert any("is not a valid name" in m for m in messages)
    assert any(m.startswith("surplus: unknown key") for m in messages)


def test_enum_and_index_must_name_what_exists() -> None:
    text = json.dumps(
        {
            "id": "User",
            "props": [{"name": "role", "type": "enum", "id": "Role"}],
            "indexes": [{"columns": ["nope"]}],
        }
    )
    messages = [d.message for d in _error(text).diagnostics]
    assert any("enum 'Role' is not defined" in m for m in messages)
    assert any("index column 'nope'" in m for m in messages)


def test_relation_to_a_missing_entity_is_located_at_with(tmp_path: Path) -> None:
    post = (FIXTURES / "src/application/post/post.entity.json").read_text().replace('"with": "User"', '"with": "Usr"')
    entities = [parse_entity(p, p.read_bytes()) for p in _fixtures() if "post" not in p.name]
    entities.append(parse_entity(tmp_path / "post.entity.json", post.encode()))
    problems = check_project(entities)
    located = [p for p in problems if "'Usr', which does not exist" in p.message]
    assert located and "did you mean 'User'" in located[0].message
    line = post.splitlines()[located[0].line - 1]
    assert line[located[0].column - 1 :].startswith('"Usr"')
    # the subset "author.name" of the same file names the missing entity too
    assert any("subset A" in p.message for p in problems)


def test_subset_paths_are_checked_across_entities() -> None:
    entities = [parse_entity(p, p.read_bytes()) for p in _fixtures()]
    order = next(e for e in entities if e.id == "Order")
    text = order.text.replace('"product.price"', '"product.cost"').replace('"buyer.id"', '"buyer"')
    broken = parse_entity(order.path, text.encode())
    problems = check_project([broken if e.id == "Order" else e for e in entities])
    messages = sorted(p.message for p in problems)
    assert any("Product has no prop 'cost'" in m for m in messages)
    assert any("'buyer' is a relation" in m for m in messages)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
_prop = st.fixed_dictionaries(
    {"name": st.sampled_from(["id", "a", "b", "json", "x_1", ""]), "type": st.sampled_from([*PROP_TYPES, "nope"])},
    optional={
        "nullable": st.booleans() | st.integers(),
        "length": st.integers(-2, 300) | st.text(max_size=3),
        "with": st.sampled_from(["User", "user", ""]),
        "relationType": st.sampled_from(["BelongsToOne", "HasMany", "Many"]),
        "id": st.sampled_from(["Role", "X"]),
        "extra": _json,
    },
)
_document = st.fixed_dictionaries(
    {},
    optional={
        "id": st.sampled_from(["User", "user", "", "A1"]) | _json,
        "props": st.lists(_prop | _json, max_size=4),
        "enums": st.dictionaries(st.sampled_from(["Role", "r"]), st.dictionaries(st.text(max_size=4), _json)),
        "subsets": st.dictionaries(st.sampled_from(["A", "b"]), st.lists(st.text(max_size=6), max_size=3)),
        "indexes": st.lists(st.fixed_dictionaries({"columns": st.lists(st.text(max_size=3))}) | _json, max_size=2),
        "table": _json,
    },
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(document=_document | _json, indent=st.sampled_from([None, 1, 2]))
def test_random_documents_raise_only_entity_errors(document: object, indent: int | None) -> None:
    text = json.dumps(document, indent=indent)
    try:
        entity = parse_entity("random.entity.json", text.encode())
    except EntityError as error:
        assert error.diagnostics
        for diagnostic in error.diagnostics:
            assert diagnostic.line >= 1 and diagnostic.column >= 1 and diagnostic.message
        return
    check_project([entity])


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=64) | st.text(max_size=64).map(str.encode))
def test_random_bytes_raise_only_entity_errors(data: bytes) -> None:
    with pytest.raises(EntityError):
        parse_entity("random.entity.json", data)


def test_deep_nesting_is_an_entity_error() -> None:
    with pytest.raises(EntityError):
        parse_entity("deep.entity.json", b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(EntityError):
        parse_entity("deep.entity.json", b'{"id": "A", "props": ' + b"[" * 5000 + b"]" * 5000 + b"}")
