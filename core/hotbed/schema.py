"""Tables from entities, and bringing a live database up to them without ever losing data.

`plan_schema` compares the entities with what the database holds (SQLAlchemy's
inspector) and sorts every difference into one of two kinds:

- additive: a new table, a new nullable column, a new column with a `dbDefault`, a NOT
  NULL column on an empty table, a new index. `apply_additive` runs these at once;
- withheld: a prop removed (the column and its data stay), a type or nullability
  changed, a NOT NULL column without default on a table that has rows. These are
  reported with what a person can do about them, and never applied.

Tables nobody declares any more are left alone. After `apply_additive`, models read and
write through the tables it bound for that database (`bound_table`): the entity's
columns that really exist, so a withheld column never breaks a query.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Double,
    Engine,
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
    inspect,
    literal,
    select,
    text,
    true,
)
from sqlalchemy import table as table_ref
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateIndex, CreateTable, DefaultClause, ExecutableDDLElement
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.sql.elements import ColumnElement, TextClause
from sqlalchemy.types import TypeEngine

from hotbed.entity import Entity, RelationProp, snake_case
from hotbed.exceptions import ConfigError

__all__ = [
    "AddColumn",
    "ChangeKind",
    "SchemaChange",
    "SchemaPlan",
    "SchemaReport",
    "apply_additive",
    "bound_table",
    "build_metadata",
    "plan_schema",
]

ChangeKind = Literal[
    "create_table",
    "add_column",
    "create_index",
    "column_removed",
    "type_changed",
    "nullability_changed",
    "required_column",
    "refused",
]

_SQL_NOW = frozenset({"CURRENT_TIMESTAMP", "CURRENT_DATE", "CURRENT_TIME"})


@dataclass(frozen=True, slots=True)
class SchemaChange:
    """One difference between the entities and the database. `statements` is empty when withheld."""

    kind: ChangeKind
    table: str
    column: str | None
    message: str
    statements: tuple[ExecutableDDLElement, ...] = field(default=(), compare=False, repr=False)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class SchemaPlan:
    additive: tuple[SchemaChange, ...] = ()
    withheld: tuple[SchemaChange, ...] = ()


@dataclass(frozen=True, slots=True)
class SchemaReport:
    """What `apply_additive` did (`applied`) and what it left for a person (`withheld`)."""

    applied: tuple[SchemaChange, ...] = ()
    withheld: tuple[SchemaChange, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.applied)

    def lines(self) -> list[str]:
        return [f"schema: {c.message}" for c in self.applied] + [f"schema withheld: {c.message}" for c in self.withheld]

    def __str__(self) -> str:
        return "\n".join(self.lines()) or "schema: up to date"


# -- tables from entities ---------------------------------------------------------------


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
    if value.upper() in _SQL_NOW:
        return text(value.upper())
    return value


def _columns(entity: Entity, by_id: Mapping[str, Entity], *, foreign_keys: bool) -> list[Column[Any]]:
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
        table = Table(entity.table, metadata, *_columns(entity, by_id, foreign_keys=True))
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


def _compiled(kind: TypeEngine[Any], dialect: Dialect) -> str:
    return kind.compile(dialect=dialect).upper().replace(" ", "")


class AddColumn(ExecutableDDLElement):
    """`ALTER TABLE ... ADD COLUMN`, which SQLAlchemy Core lacks; the dialect compiles the column."""

    inherit_cache = False

    def __init__(self, table: Table, column: Column[Any]) -> None:
        self.table = table
        self.column = column


@compiles(AddColumn)
def _compile_add_column(element: AddColumn, compiler: DDLCompiler, **_: Any) -> str:
    table = compiler.preparer.format_table(element.table)
    return f"ALTER TABLE {table} ADD COLUMN {compiler.get_column_specification(element.column)}"


class _Planner:
    def __init__(self, conn: Connection, metadata: MetaData) -> None:
        self.conn = conn
        self.dialect = conn.dialect
        self.metadata = metadata
        self.inspector = inspect(conn)
        self.existing = set(self.inspector.get_table_names())
        self.additive: list[SchemaChange] = []
        self.withheld: list[SchemaChange] = []
        self._empty: dict[str, bool] = {}

    def is_empty(self, name: str) -> bool:
        if name not in self._empty:
            query = select(literal(1)).select_from(table_ref(name)).limit(1)
            self._empty[name] = self.conn.execute(query).first() is None
        return self._empty[name]

    def plan(self) -> SchemaPlan:
        for table in self.metadata.sorted_tables:
            if table.name in self.existing:
                self.compare(table)
            else:
                statements: tuple[ExecutableDDLElement, ...] = (
                    CreateTable(table),
                    *(CreateIndex(index) for index in table.indexes),
                )
                self.additive.append(
                    SchemaChange("create_table", table.name, None, f"created table {table.name}", statements)
                )
        return SchemaPlan(tuple(self.additive), tuple(self.withheld))

    def compare(self, table: Table) -> None:
        live = {column["name"]: column for column in self.inspector.get_columns(table.name)}
        where = table.name
        for column in table.columns:
            found = live.get(column.name)
            name = f"{where}.{column.name}"
            if found is None:
                self.missing_column(table, column)
                continue
            declared, actual = _compiled(column.type, self.dialect), _compiled(found["type"], self.dialect)
            if declared != actual:
                self.withheld.append(
                    SchemaChange(
                        "type_changed",
                        where,
                        column.name,
                        f"{name} is {actual} in the database but the entity now says {declared}: "
                        "not converted automatically; migrate the column by hand (or restore the prop's type)",
                    )
                )
            elif column.nullable != found["nullable"] and not column.primary_key:
                wanted = "nullable" if column.nullable else "NOT NULL"
                self.withheld.append(
                    SchemaChange(
                        "nullability_changed",
                        where,
                        column.name,
                        f"{name} should now be {wanted}: constraints are not changed automatically; "
                        "alter the column by hand (or restore the prop's nullable setting)",
                    )
                )
        for name, found in live.items():
            if name not in table.columns:
                hint = ""
                if not found["nullable"] and found.get("default") is None and not found.get("autoincrement"):
                    hint = " It is NOT NULL without a default, so inserts fail until it is dropped or made nullable."
                self.withheld.append(
                    SchemaChange(
                        "column_removed",
                        where,
                        name,
                        f"{where}.{name} is no longer declared; the column and its data stay. "
                        f"Drop it by hand when it is no longer needed.{hint}",
                    )
                )
        self.compare_indexes(table, set(live))

    def missing_column(self, table: Table, column: Column[Any]) -> None:
        name = f"{table.name}.{column.name}"
        default = column.server_default
        default_sql = str(default.arg).upper() if isinstance(default, DefaultClause) else ""
        if column.nullable or default is not None or self.is_empty(table.name):
            if self.dialect.name == "sqlite" and default_sql in _SQL_NOW and not self.is_empty(table.name):
                self.withheld.append(
                    SchemaChange(
                        "required_column",
                        table.name,
                        column.name,
                        f"{name} cannot be added: SQLite cannot add a column defaulting to {default_sql} "
                        "to a table that has rows; make the prop nullable, or give it a constant dbDefault",
                    )
                )
                return
            self.additive.append(
                SchemaChange("add_column", table.name, column.name, f"added column {name}", (AddColumn(table, column),))
            )
            return
        self.withheld.append(
            SchemaChange(
                "required_column",
                table.name,
                column.name,
                f"{name} cannot be added: it is NOT NULL without a dbDefault and {table.name} has rows; "
                "make the prop nullable or give it a dbDefault",
            )
        )

    def compare_indexes(self, table: Table, live_columns: set[str]) -> None:
        live = {index["name"] for index in self.inspector.get_indexes(table.name)}
        live |= {c["name"] for c in self.inspector.get_unique_constraints(table.name) if c.get("name")}
        added = {c.column for c in self.additive if c.table == table.name and c.column}
        for index in table.indexes:
            if index.name in live:
                continue
            columns = [column.name for column in index.columns]
            if all(column in live_columns or column in added for column in columns):
                self.additive.append(
                    SchemaChange(
                        "create_index",
                        table.name,
                        None,
                        f"created index {index.name} on {table.name} ({', '.join(columns)})",
                        (CreateIndex(index),),
                    )
                )


def plan_schema(bind: Engine | Connection, entities: Iterable[Entity]) -> SchemaPlan:
    """Compare `entities` with the database behind `bind`; nothing is changed."""
    metadata = build_metadata(entities)
    if isinstance(bind, Connection):
        return _Planner(bind, metadata).plan()
    with bind.connect() as conn:
        return _Planner(conn, metadata).plan()


# -- applying ---------------------------------------------------------------------------

_bound: dict[tuple[str, str], Table] = {}


def _key(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def apply_additive(engine: Engine, entities: Iterable[Entity]) -> SchemaReport:
    """Apply the additive part of `plan_schema` and report the rest, which is never applied.

    Each change runs in its own transaction: one the database refuses (a unique index
    over duplicate values) is reported as withheld and the others still apply. Then the
    tables models use on this database are rebound to the new columns.
    """
    entities = list(entities)
    plan = plan_schema(engine, entities)
    applied: list[SchemaChange] = []
    withheld = list(plan.withheld)
    for change in plan.additive:
        try:
            with engine.begin() as conn:
                for statement in change.statements:
                    conn.execute(statement)
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            withheld.append(
                SchemaChange(
                    "refused", change.table, change.column, f"{change.message}: refused by the database: {reason}"
                )
            )
        else:
            applied.append(change)
    _bind(engine, entities)
    return SchemaReport(tuple(applied), tuple(withheld))


def _bind(engine: Engine, entities: list[Entity]) -> None:
    by_id = {entity.id: entity for entity in entities}
    inspector = inspect(engine)
    existing = set(inspector.get_table_names())
    key = _key(engine)
    for entity in entities:
        if entity.table not in existing:
            continue
        live = {column["name"]: column["type"] for column in inspector.get_columns(entity.table)}
        columns = []
        for column in _columns(entity, by_id, foreign_keys=False):
            actual = live.get(column.name)
            if actual is None:
                continue  # withheld: the model must not name it
            if _compiled(actual, engine.dialect) != _compiled(column.type, engine.dialect):
                column.type = actual  # a withheld type change: read and write what the database holds
            columns.append(column)
        table = Table(entity.table, MetaData(), *columns)
        _bound[(key, entity.id)] = table
        _bound[(key, f"table:{entity.table}")] = table


def bound_table(engine: Engine, entity_id: str, table_name: str | None = None) -> Table:
    """The table a model of `entity_id` uses on `engine`.

    Bound by `apply_additive` (typed from the entity); before that, reflected from the
    database by `table_name` and kept. Keyed by database and entity id, never by class,
    so a model class re-created by a reload finds the same table.

    Raises:
        ConfigError: the table does not exist in the database.
    """
    key = _key(engine)
    table = _bound.get((key, entity_id))
    if table is not None and (table_name is None or table.name == table_name):
        return table
    name = table_name or f"{snake_case(entity_id)}s"
    table = _bound.get((key, f"table:{name}"))
    if table is not None:
        return table
    try:
        table = Table(name, MetaData(), autoload_with=engine)
    except NoSuchTableError as exc:
        raise ConfigError(
            f"table {name!r} for entity {entity_id} does not exist in {engine.url.render_as_string()}; "
            "run `hotbed sync` (or start `hotbed dev`) to create it"
        ) from exc
    _bound[(key, f"table:{name}")] = table
    return table
