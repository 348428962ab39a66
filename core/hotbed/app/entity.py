"""Entity files (`<name>.entity.json`): their schema, parsing, and the checks across files.

pydantic validates the shape; the checks pydantic cannot express (duplicate props, an
enum or index naming something undefined, a relation to a missing entity) run after it.
Every problem becomes an `EntityDiagnostic` located at the offending JSON value.
The document models and the checks share private validators and error locators, which is
why this one module runs past 400 lines rather than exporting them.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from hotbed.app._jsonpos import JsonPath, line_column, value_positions
from hotbed.app.entity_props import (
    COLUMNLESS_TYPES,
    PROP_TYPES,
    Cone,
    EnumProp,
    Identifier,
    IntegerProp,
    Pascal,
    Prop,
    RelationProp,
    Strict,
    TableName,
)
from hotbed.exceptions import EntityError

__all__ = [
    "PROP_TYPES",
    "Entity",
    "EntityDiagnostic",
    "EntityDocument",
    "Prop",
    "RelationProp",
    "check_project",
    "enum_member_name",
    "parse_entity",
    "plural_table",
]


@dataclass(frozen=True, slots=True)
class EntityDiagnostic:
    """A problem in an entity file; `line` and `column` are 1-based."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class IndexColumn(Strict):
    name: Identifier
    nulls_first: bool | None = None
    sort_order: Literal["ASC", "DESC"] | None = None
    vector_ops: Literal["vector_cosine_ops", "vector_ip_ops", "vector_l2_ops"] | None = None


class IndexDocument(Strict):
    """An index; `columns` are names (older layout) or `{"name": ...}` objects (newer)."""

    type: Literal["index", "unique", "fulltext", "hnsw", "ivfflat"] = "index"
    columns: Annotated[tuple[str | IndexColumn, ...], Field(min_length=1)]
    name: TableName | None = None
    using: Literal["btree", "hash", "gin", "gist", "pgroonga"] | None = None
    parser: str | None = None
    nulls_not_distinct: bool | None = None
    m: int | None = None
    ef_construction: int | None = None
    lists: int | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c if isinstance(c, str) else c.name for c in self.columns)


class SubsetFieldObject(Strict):
    field: Annotated[str, Field(min_length=1)]
    internal: bool = False


SubsetField = str | SubsetFieldObject


class SubsetObject(Strict):
    """The newer layout of a subset: `{"fields": [...], "cone": {...}}`."""

    fields: Annotated[tuple[SubsetField, ...], Field(min_length=1)]
    cone: Cone | None = None


class EnumObject(Strict):
    """The newer layout of an enum: `{"values": {...}, "cone": {...}}`."""

    values: Annotated[dict[str, str], Field(min_length=1)]
    cone: Cone | None = None


class EntityDocument(Strict):
    """The JSON shape of one entity file, in either layout."""

    id: Pascal
    parent_id: Pascal | None = None
    table: TableName | None = None
    title: str | None = None
    cone: Cone | None = None
    props: tuple[Prop, ...] = ()
    indexes: tuple[IndexDocument, ...] = ()
    subsets: dict[Pascal, Annotated[tuple[SubsetField, ...], Field(min_length=1)] | SubsetObject] = Field(
        default_factory=dict
    )
    enums: dict[Pascal, EnumObject | Annotated[dict[str, str], Field(min_length=1)]] = Field(default_factory=dict)

    @property
    def subset_fields(self) -> dict[str, tuple[str, ...]]:
        """Every subset as its field names, whichever layout it was written in."""
        out = {}
        for key, value in self.subsets.items():
            items = value.fields if isinstance(value, SubsetObject) else value
            out[key] = tuple(f if isinstance(f, str) else f.field for f in items)
        return out

    @property
    def enum_values(self) -> dict[str, dict[str, str]]:
        """Every enum as value -> label, whichever layout it was written in."""
        return {k: (v.values if isinstance(v, EnumObject) else v) for k, v in self.enums.items()}

    def cone_of(self, section: Literal["subsets", "enums"], key: str) -> Cone | None:
        value = (self.subsets if section == "subsets" else self.enums).get(key)
        return value.cone if isinstance(value, SubsetObject | EnumObject) else None


def snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def plural_table(name: str) -> str:
    """The table of an entity without `table`: its snake_case name in the plural, as Sonamu derives it."""
    if re.search(r"[^aeiou]y$", name):
        return f"{name[:-1]}ies"
    if re.search(r"(s|x|z|ch|sh)$", name):
        return f"{name}es"
    return f"{name}s"


def enum_member_name(value: str) -> str:
    """The Python member name for enum value `value` (`"in-stock"` -> `IN_STOCK`)."""
    name = re.sub(r"\W+", "_", value, flags=re.ASCII).strip("_").upper()
    if not name or name[0].isdigit():
        name = f"V_{name}"
    return name


@dataclass(frozen=True, slots=True)
class Entity:
    """One parsed entity file. `text` is kept to locate problems found later."""

    path: Path
    document: EntityDocument
    text: str
    sha1: str = ""
    _props: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._props.update((p.name, p) for p in self.document.props)

    @property
    def id(self) -> str:
        return self.document.id

    @property
    def name(self) -> str:
        """snake_case of the id, used in file names and URLs."""
        return snake_case(self.document.id)

    @property
    def table(self) -> str:
        return self.document.table or plural_table(self.name)

    @property
    def props(self) -> tuple[Any, ...]:
        return self.document.props

    def prop(self, name: str) -> Any:
        return self._props.get(name)

    @property
    def columns(self) -> tuple[Any, ...]:
        """The props stored in a column of this entity's table (not virtual props, not relations)."""
        return tuple(p for p in self.document.props if p.type not in COLUMNLESS_TYPES)

    @property
    def subsets(self) -> dict[str, tuple[str, ...]]:
        return self.document.subset_fields

    @property
    def enums(self) -> dict[str, dict[str, str]]:
        return self.document.enum_values

    @property
    def relations(self) -> tuple[RelationProp, ...]:
        return tuple(p for p in self.document.props if isinstance(p, RelationProp))

    @property
    def id_prop(self) -> Any:
        return self._props.get("id") or IntegerProp(name="id", type="integer")

    def diagnostic(self, loc: JsonPath, message: str) -> EntityDiagnostic:
        return _locate(str(self.path), self.text, loc, message)


def _locate(path: str, text: str, loc: JsonPath, message: str) -> EntityDiagnostic:
    positions = value_positions(text)
    while loc not in positions:
        loc = loc[:-1]
    line, column = line_column(text, positions[loc])
    return EntityDiagnostic(path, line, column, message)


def _dotted(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _json_loc(raw: Any, loc: Sequence[str | int]) -> tuple[JsonPath, tuple[str | int, ...]]:
    """Split pydantic's `loc` into the part that exists in the JSON and what is left over.

    pydantic inserts union tags into locations (`props.0.string.length`); walking the raw
    document drops them, and a missing key is what remains.
    """
    found: list[str | int] = []
    rest: list[str | int] = []
    current = raw
    for part in loc:
        if rest:
            rest.append(part)
        elif (isinstance(current, dict) and isinstance(part, str) and part in current) or (
            isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current)
        ):
            current = current[part]  # type: ignore[index]
            found.append(part)
        elif isinstance(current, dict) and isinstance(part, str) and part not in PROP_TYPES:
            rest.append(part)
    return tuple(found), tuple(rest)


_HINTS = {
    "id": ' (the entity\'s name in PascalCase, e.g. "User")',
    "props": ' (a list of {"name": ..., "type": ...})',
    "name": " (the prop's name)",
    "with": " (the entity this relation points to)",
    "relationType": " (BelongsToOne, OneToOne, HasMany or ManyToMany)",
}


def _message(error: Any, where: str, rest: tuple[str | int, ...]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing" and rest:
        key = str(rest[-1])
        return f"{where + ': ' if where else ''}missing required key '{key}'{_HINTS.get(key, '')}"
    if kind == "union_tag_invalid":
        return f"{where}.type: unknown prop type {ctx.get('tag')!r}; use one of: {', '.join(PROP_TYPES)}"
    if kind == "union_tag_not_found":
        return f"{where}: a prop needs a 'type', one of: {', '.join(PROP_TYPES)}"
    if kind == "extra_forbidden":
        return f"{where}: unknown key; remove it or check its spelling"
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def _check_document(doc: EntityDocument) -> list[tuple[JsonPath, str]]:
    problems: list[tuple[JsonPath, str]] = []
    seen: dict[str, int] = {}
    for index, prop in enumerate(doc.props):
        if prop.name in seen:
            problems.append(
                (("props", index, "name"), f"duplicate prop {prop.name!r}: props[{seen[prop.name]}] has that name")
            )
        seen.setdefault(prop.name, index)
        if prop.name == "id" and prop.type not in ("integer", "bigInteger", "string", "uuid"):
            problems.append((("props", index, "type"), "prop 'id' must be integer, bigInteger, string or uuid"))
        if prop.name == "id" and prop.nullable:
            problems.append((("props", index, "nullable"), "prop 'id' cannot be nullable"))
        if isinstance(prop, EnumProp) and prop.id not in doc.enums:
            defined = ", ".join(doc.enums) or "none"
            problems.append(
                (("props", index, "id"), f"enum {prop.id!r} is not defined under 'enums' (defined: {defined})")
            )
        if isinstance(prop, RelationProp) and prop.is_column and f"{prop.name}_id" in {p.name for p in doc.props}:
            problems.append((("props", index, "name"), f"relation {prop.name!r} clashes with prop '{prop.name}_id'"))
    for index, item in enumerate(doc.indexes):
        for position, column in enumerate(item.column_names):
            if column not in _column_names(doc):
                problems.append((("indexes", index, "columns", position), f"index column {column!r} is not a prop"))
    for enum_id, members in doc.enum_values.items():
        names: dict[str, str] = {}
        for value in members:
            member = enum_member_name(value)
            if member in names:
                problems.append(
                    (("enums", enum_id, value, "<key>"), f"enum value {value!r} collides with {names[member]!r}")
                )
            names.setdefault(member, value)
    for subset, fields in doc.subset_fields.items():
        for position, name in enumerate(fields):
            head = name.split(".", 1)[0]
            if head not in seen and head not in _column_names(doc):
                problems.append((("subsets", subset, position), f"subset field {name!r}: no prop {head!r}"))
    return problems


def _column_names(doc: EntityDocument) -> set[str]:
    names = {p.name for p in doc.props if p.type not in COLUMNLESS_TYPES} | {"id"}
    names.update(f"{p.name}_id" for p in doc.props if isinstance(p, RelationProp) and p.is_column)
    return names


def parse_entity(path: str | Path, data: bytes, sha1: str = "") -> Entity:
    """Parse and check one entity file.

    Raises:
        EntityError: the file is not a valid entity; the diagnostics are located.
    """
    where = str(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EntityError([EntityDiagnostic(where, 1, 1, f"not UTF-8 text: {exc.reason}")]) from exc
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise EntityError([EntityDiagnostic(where, exc.lineno, exc.colno, f"invalid JSON: {exc.msg}")]) from exc
    except (RecursionError, ValueError) as exc:
        raise EntityError([EntityDiagnostic(where, 1, 1, f"invalid JSON: {exc}")]) from exc
    if not isinstance(raw, dict):
        raise EntityError([EntityDiagnostic(where, 1, 1, 'an entity file holds one JSON object ({"id": ...})')])
    try:
        document = EntityDocument.model_validate_json(text)
    except ValidationError as exc:
        diagnostics = []
        errors = exc.errors()
        for error in errors:
            loc, rest = _json_loc(raw, error["loc"])
            if error["type"] == "union_tag_invalid":
                loc = (*loc, "type")
            elif error["type"] == "too_short" and any(
                other["loc"][: len(error["loc"])] == error["loc"] and other is not error for other in errors
            ):
                continue  # "too few items" only because the items themselves were invalid
            dotted = _dotted(loc[:-1] if error["type"] == "union_tag_invalid" else (*loc, *rest[:-1]))
            diagnostics.append(_locate(where, text, loc, _message(error, dotted, rest)))
        raise EntityError(diagnostics) from exc
    except RecursionError as exc:
        raise EntityError([EntityDiagnostic(where, 1, 1, "the document is nested too deeply")]) from exc
    problems = _check_document(document)
    if problems:
        raise EntityError([_locate(where, text, loc, message) for loc, message in problems])
    return Entity(Path(path), document, text, sha1)


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def check_project(entities: Sequence[Entity]) -> list[EntityDiagnostic]:
    """Problems across entity files: duplicate ids, relations and subsets naming what does not exist."""
    problems: list[EntityDiagnostic] = []
    by_id: dict[str, Entity] = {}
    for entity in entities:
        if entity.id in by_id:
            other = by_id[entity.id].path
            problems.append(entity.diagnostic(("id",), f"entity {entity.id!r} is also defined in {other}"))
        by_id.setdefault(entity.id, entity)
    for entity in entities:
        for index, prop in enumerate(entity.props):
            if isinstance(prop, RelationProp) and prop.with_ not in by_id:
                problems.append(
                    entity.diagnostic(
                        ("props", index, "with"),
                        f"relation {prop.name!r} points to entity {prop.with_!r}, which does not exist"
                        + _suggest(prop.with_, by_id),
                    )
                )
        for subset, fields in entity.subsets.items():
            for position, name in enumerate(fields):
                message = _check_subset_field(entity, name, by_id)
                if message:
                    problems.append(entity.diagnostic(("subsets", subset, position), f"subset {subset}: {message}"))
    return problems


def _check_subset_field(entity: Entity, name: str, by_id: Mapping[str, Entity]) -> str | None:
    current = entity
    parts = name.split(".")
    for depth, part in enumerate(parts):
        prop = current.prop(part)
        last = depth == len(parts) - 1
        if prop is None and last and part in _column_names(current.document):
            return None
        if prop is None:
            return f"{name!r}: {current.id} has no prop {part!r}" + _suggest(part, current._props)
        if isinstance(prop, RelationProp):
            if last:
                return f"{name!r} is a relation; name its fields, e.g. '{name}.id'"
            if prop.with_ not in by_id:
                return f"{name!r}: relation {part!r} points to a missing entity {prop.with_!r}"
            current = by_id[prop.with_]
        elif not last:
            return f"{name!r}: {part!r} is not a relation, so it has no fields"
    return None
