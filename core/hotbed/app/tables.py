"""SQLAlchemy tables from entities: columns, defaults, indexes, relations, join tables.

The one description of the database an entity project should have; `hotbed.app.schema`
compares it with the live database.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Uuid,
    false,
    text,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement, TextClause
from sqlalchemy.types import TypeEngine

from hotbed.app.entity import Entity, RelationProp

__all__ = ["SQL_NOW", "build_metadata", "entity_columns"]

SQL_NOW = frozenset({"CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME"})


def _type_of(prop: Any) -> TypeEngine[Any]:
    kind = prop.type
    if kind == "integer":
        return Integer()
    if kind == "bigInteger":  # SQLite only auto-increments an INTEGER primary key
        return BigInteger().with_variant(Integer(), "sqlite")
    if kind in ("string", "enum"):
        return String(prop.length)
    if kind == "text":
        return Text()
    if kind == "number":
        return Double()
    if kind == "numeric":
        return Numeric(prop.precision, prop.scale)
    if kind == "boolean":
        return Boolean()
    if kind == "date":
        return Date()
    if kind == "datetime":
        return DateTime()
    if kind == "uuid":
        return Uuid()
    if kind == "json":  # JSONB compares with `=`, PostgreSQL's JSON does not
        return JSON().with_variant(JSONB(), "postgresql")
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
    return value


def entity_columns(entity: Entity, by_id: Mapping[str, Entity], *, foreign_keys: bool) -> list[Column[Any]]:
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
            target = by_id.get(prop.with_)
            if not prop.is_column or target is None:
                continue
            extra: list[Any] = []
            if foreign_keys:
                extra.append(ForeignKey(f"{target.table}.id", ondelete=prop.on_delete, onupdate=prop.on_update))
            columns.append(Column(f"{prop.name}_id", _type_of(target.id_prop), *extra, nullable=prop.nullable))
            continue
        columns.append(
            Column(prop.name, _type_of(prop), nullable=prop.nullable, server_default=_server_default(prop.db_default))
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


def build_metadata(entities: Iterable[Entity]) -> MetaData:
    """One `Table` per entity (named by its `table`) plus ManyToMany join tables, with indexes.

    A relation that stores a key gets column `<name>_id`, typed like the target's id;
    `fulltext` indexes become plain indexes (there is no portable full-text index).
    """
    by_id = {entity.id: entity for entity in entities}
    metadata = MetaData()
    for entity in by_id.values():
        table = Table(entity.table, metadata, *entity_columns(entity, by_id, foreign_keys=True))
        for item in entity.document.indexes:
            unique = item.type == "unique"
            name = item.name or _index_name(entity.table, item.columns, unique)
            Index(name, *(table.c[column] for column in item.columns), unique=unique)
    for entity in by_id.values():
        for name, columns in _join_tables(entity, by_id):
            if name not in metadata.tables:
                Table(name, metadata, *columns)
    return metadata


# -- planning ---------------------------------------------------------------------------
