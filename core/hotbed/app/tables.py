"""SQLAlchemy tables from entities: columns, defaults, indexes, relations, join tables.

The one description of the database an entity project should have; `hotbed.app.schema`
compares it with the live database.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    REAL,
    BigInteger,
    Boolean,
    Column,
    Computed,
    Date,
    DateTime,
    Double,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Time,
    Uuid,
    false,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.sql.elements import ColumnElement, TextClause
from sqlalchemy.types import TypeEngine

from hotbed.app.db_target import PORTABLE, Target, Vector
from hotbed.app.entity import Entity, RelationProp
from hotbed.app.entity_props import ArrayProp

__all__ = ["SQL_NOW", "build_metadata", "entity_columns"]

SQL_NOW = frozenset({"CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME"})


_SCALARS: dict[str, TypeEngine[Any]] = {
    "integer": Integer(),
    "bigInteger": BigInteger().with_variant(Integer(), "sqlite"),  # SQLite only auto-increments INTEGER keys
    "text": Text(),
    "number": Double(),
    "double": Double(),
    "float": Float(),
    "boolean": Boolean(),
    "date": Date(),
    "datetime": DateTime(),
    "timestamp": DateTime(timezone=True),
    "time": Time(),
    "uuid": Uuid(),
    "json": JSON().with_variant(JSONB(), "postgresql"),  # JSONB compares with `=`, PostgreSQL's JSON does not
    "virtual": JSON(),
}


def _type_of(prop: Any, target: Target = PORTABLE) -> TypeEngine[Any]:
    """The column type of a prop. PostgreSQL-only types become JSON (arrays, vectors) or text on other databases."""
    kind = prop.type
    if kind == "vector" and target.has("vector"):
        return Vector(prop.dimensions)
    if kind in ("string", "enum"):
        return String(prop.length)
    if kind in ("numeric", "decimal"):
        return Numeric(prop.precision, prop.scale)
    if kind == "number" and getattr(prop, "number_type", None) == "numeric":
        return Numeric(prop.precision, prop.scale, asdecimal=False)
    if isinstance(prop, ArrayProp):
        item = prop.item_type
        if item in ("string", "enum"):
            element: TypeEngine[Any] = String(prop.length) if item == "string" else Text()
        elif item == "numeric":
            element = Numeric(prop.precision, prop.scale)
        else:
            element = _SCALARS[item]
        return JSON().with_variant(ARRAY(element), "postgresql")
    if kind in ("vector", "vector[]"):  # without pgvector: the numbers as real[]
        dimensions = 2 if kind == "vector[]" else 1
        return JSON().with_variant(ARRAY(REAL(), dimensions=dimensions), "postgresql")
    if kind == "tsvector":
        return Text().with_variant(TSVECTOR(), "postgresql")
    if kind in _SCALARS:
        return _SCALARS[kind]
    raise ValueError(f"no column type for prop type {kind!r}")


def _server_default(value: str | int | float | bool | None) -> str | TextClause | ColumnElement[Any] | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return true() if value else false()
    if isinstance(value, int | float):
        return text(repr(value))
    if value.upper() in SQL_NOW:
        return text(value.upper())
    # Sonamu writes dbDefault as SQL: a quoted literal, a number, true/false.
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return text(value)
    if value.lower() in ("true", "false"):
        return true() if value.lower() == "true" else false()
    if re.fullmatch(r"-?\d+(\.\d+)?", value):
        return text(value)
    return value


def _generated(prop: Any, target: Target) -> list[Computed]:
    """A generated column; a tsvector's expression is PostgreSQL's own, so elsewhere it is a plain column."""
    if prop.generated is None or (prop.type == "tsvector" and not target.postgres):
        return []
    return [Computed(prop.generated.expression, persisted=prop.generated.type == "STORED")]


def _note(prop: Any, target: Target) -> str | None:
    """What a PostgreSQL-only prop became on this database, said when its column is created."""
    if prop.type == "tsvector" and not target.postgres:
        computed = " and its generated expression is not computed" if prop.generated else ""
        return f"{prop.name}, a tsvector, is a plain TEXT column on this database{computed}"
    if prop.type == "vector" and target.postgres and not target.has("vector"):
        return f"{prop.name}, a vector, is REAL[]: the pgvector extension is not available on this server"
    return None


def _enum_info(entity: Entity, prop: Any) -> dict[str, Any]:
    """An enum column's values, and what a row holding a value the enum lost could become.

    The database stores an enum as a string, so only the schema planner, reading these,
    can notice rows an enum edit left behind.
    """
    if prop.type != "enum" or prop.id not in entity.enums:
        return {}
    values = tuple(entity.enums[prop.id])
    default = prop.db_default.strip("'") if isinstance(prop.db_default, str) else None
    fallback = default if default in values else (None if prop.nullable else values[0])
    return {"enum": prop.id, "enum_values": values, "enum_fallback": fallback}


def entity_columns(
    entity: Entity, by_id: Mapping[str, Entity], *, foreign_keys: bool, target: Target = PORTABLE
) -> list[Column[Any]]:
    id_prop = entity.id_prop
    numeric_id = id_prop.type in ("integer", "bigInteger")
    columns: list[Column[Any]] = [
        Column(
            "id",
            _type_of(id_prop),
            primary_key=True,
            autoincrement=numeric_id,
            default=uuid.uuid4 if id_prop.type == "uuid" else None,
        )
    ]
    for prop in entity.props:
        if prop.name == "id":
            continue
        if isinstance(prop, RelationProp):
            related = by_id.get(prop.with_)
            if not prop.is_column or related is None:
                continue
            extra: list[Any] = []
            if foreign_keys and prop.use_constraint:
                extra.append(ForeignKey(f"{related.table}.id", ondelete=prop.on_delete, onupdate=prop.on_update))
            columns.append(Column(f"{prop.name}_id", _type_of(related.id_prop), *extra, nullable=prop.nullable))
            continue
        if prop.type == "virtual":
            continue
        note = _note(prop, target)
        columns.append(
            Column(
                prop.name,
                _type_of(prop, target),
                *_generated(prop, target),
                nullable=prop.nullable or prop.generated is not None,
                server_default=None if prop.generated else _server_default(prop.db_default),
                info={**_enum_info(entity, prop), **({"note": note} if note else {})},
            )
        )
    return columns


def _index_name(table: str, columns: Sequence[str], unique: bool) -> str:
    return f"{'uq' if unique else 'ix'}_{table}_{'_'.join(columns)}"[:63]  # PostgreSQL's identifier limit


def _join_tables(entity: Entity, by_id: Mapping[str, Entity]) -> Iterable[tuple[str, list[Column[Any]]]]:
    for prop in entity.relations:
        target = by_id.get(prop.with_)
        if prop.relation_type != "ManyToMany" or target is None:
            continue
        name = prop.join_table or "__".join(sorted((entity.table, target.table)))
        left = f"{entity.name}_id"
        right = f"{target.name}_id" if target.id != entity.id else f"{prop.name}_id"
        yield (
            name,
            [
                Column(
                    left,
                    _type_of(entity.id_prop),
                    ForeignKey(f"{entity.table}.id", ondelete="CASCADE"),
                    primary_key=True,
                ),
                Column(
                    right,
                    _type_of(target.id_prop),
                    ForeignKey(f"{target.table}.id", ondelete="CASCADE"),
                    primary_key=True,
                ),
            ],
        )


def _index(table: Table, item: Any, name: str, target: Target) -> str | None:
    """Create the index on `table` if this database can hold it; otherwise say why not."""
    kwargs: dict[str, Any] = {}
    columns = [table.c[column] for column in item.column_names]
    method = item.type if item.type in ("hnsw", "ivfflat") else item.using
    if method in ("hnsw", "ivfflat", "gin", "gist", "pgroonga"):
        extension = {"hnsw": "vector", "ivfflat": "vector", "pgroonga": "pgroonga"}.get(method)
        if not target.postgres:
            return f"index {name} (using {method}) is not created: it needs PostgreSQL"
        if extension and not target.has(extension):
            return f"index {name} (using {method}) is not created: the {extension} extension is not available"
        if extension:
            table.info.setdefault("extensions", set()).add(extension)
        ops = {c.name: c.vector_ops for c in item.columns if not isinstance(c, str) and c.vector_ops}
        options = {"m": item.m, "ef_construction": item.ef_construction, "lists": item.lists}
        kwargs = {
            "postgresql_using": method,
            "postgresql_ops": ops,
            "postgresql_with": {key: value for key, value in options.items() if value is not None},
        }
    Index(name, *columns, unique=item.type == "unique", **kwargs)
    return None


def build_metadata(entities: Iterable[Entity], target: Target = PORTABLE) -> MetaData:
    """One `Table` per entity (named by its `table`) plus ManyToMany join tables, with indexes.

    A relation that stores a key gets column `<name>_id`, typed like the target's id;
    `fulltext` indexes become plain indexes (there is no portable full-text index).
    PostgreSQL-only types and indexes follow `target` (`hotbed.app.db_target`); what could
    not be created is in `table.info["notes"]` (and a column's `info["note"]`), the
    extensions needed in `table.info["extensions"]`.
    """
    by_id = {entity.id: entity for entity in entities}
    metadata = MetaData()
    for entity in by_id.values():
        table = Table(entity.table, metadata, *entity_columns(entity, by_id, foreign_keys=True, target=target))
        for item in entity.document.indexes:
            unique = item.type == "unique"
            note = _index(table, item, item.name or _index_name(entity.table, item.column_names, unique), target)
            if note:
                table.info.setdefault("notes", []).append(note)
    for entity in by_id.values():
        for name, columns in _join_tables(entity, by_id):
            if name not in metadata.tables:
                Table(name, metadata, *columns)
    return metadata
