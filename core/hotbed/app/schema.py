"""Bringing a live database up to the entities (`hotbed.app.tables`) without ever losing data.

`plan_schema` compares the entities with what the database holds (SQLAlchemy's
inspector) and sorts every difference into one of two kinds:

- additive: a new table, a new nullable column, a new column with a `dbDefault`, a NOT
  NULL column on an empty table, a new index. `apply_additive` runs these at once;
- withheld: a prop removed (the column and its data stay), a type, nullability or
  `dbDefault` changed, a NOT NULL column without default on a table that has rows, rows
  holding enum values the entity no longer has. These are reported with the SQL that
  would apply them (`hotbed.app.manual_sql`) and never applied.

Tables nobody declares any more are left alone. After `apply_additive`, models read and
write through the tables it bound for that database (`bound_table`): the entity's
columns that really exist, so a withheld column never breaks a query.

Planning and applying share the per-dialect column comparisons, which is why this one
module runs a little past 400 lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    Table,
    func,
    inspect,
    literal,
    select,
    text,
)
from sqlalchemy import table as table_ref
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import DDL, CreateIndex, CreateTable, DefaultClause, ExecutableDDLElement
from sqlalchemy.sql.compiler import DDLCompiler
from sqlalchemy.types import TypeEngine

from hotbed.app.db_target import Target
from hotbed.app.entity import Entity, snake_case
from hotbed.app.manual_sql import alter_column_sql, drop_column_sql, drop_table_sql, rebuild_sql, update_enum_sql
from hotbed.app.tables import SQL_NOW, build_metadata, entity_columns
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
    "create_extension",
    "create_table",
    "add_column",
    "create_index",
    "column_removed",
    "type_changed",
    "nullability_changed",
    "default_changed",
    "enum_values_removed",
    "required_column",
    "table_removed",
    "refused",
]


@dataclass(frozen=True, slots=True)
class SchemaChange:
    """One difference between the entities and the database.

    `statements` is empty when withheld; `sql` is then what a person could run to apply it
    (also quoted in `message`), empty when there is nothing to run.
    """

    kind: ChangeKind
    table: str
    column: str | None
    message: str
    statements: tuple[ExecutableDDLElement, ...] = field(default=(), compare=False, repr=False)
    sql: str = field(default="", compare=False, repr=False)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True, slots=True)
class SchemaPlan:
    additive: tuple[SchemaChange, ...] = ()
    withheld: tuple[SchemaChange, ...] = ()
    tables: frozenset[str] = frozenset()  # every table the entities declare, join tables included


@dataclass(frozen=True, slots=True)
class SchemaReport:
    """What `apply_additive` did (`applied`) and what it left for a person (`withheld`)."""

    applied: tuple[SchemaChange, ...] = ()
    withheld: tuple[SchemaChange, ...] = ()
    tables: frozenset[str] = frozenset()

    def forgetting(self, before: frozenset[str]) -> SchemaReport:
        """This report, plus the tables declared in `before` that no entity declares now.

        The database cannot tell hotbed's tables from anyone else's, so only a process
        that saw the entity go can say its table stayed behind.
        """
        gone = tuple(
            SchemaChange(
                "table_removed",
                name,
                None,
                f"table {name} is no longer declared by any entity; the table and its data stay. "
                f"Drop it by hand when it is no longer needed: {drop_table_sql(name)}",
                sql=drop_table_sql(name),
            )
            for name in sorted(before - self.tables)
        )
        return SchemaReport(self.applied, (*self.withheld, *gone), self.tables) if gone else self

    @property
    def changed(self) -> bool:
        return bool(self.applied)

    def lines(self) -> list[str]:
        return [f"schema: {c.message}" for c in self.applied] + [f"schema withheld: {c.message}" for c in self.withheld]

    def __str__(self) -> str:
        return "\n".join(self.lines()) or "schema: up to date"


# -- tables from entities ---------------------------------------------------------------


def _default_sql(column: Column[Any], dialect: Dialect) -> str | None:
    """The SQL of a column's declared server default, as the database would show it."""
    default = column.server_default
    if not isinstance(default, DefaultClause):
        return None
    arg = default.arg
    if isinstance(arg, str):
        return "'" + arg.replace("'", "''") + "'"
    return str(arg.compile(dialect=dialect)) if not hasattr(arg, "text") else str(arg.text)


def _normal_default(sql: str | None) -> str | None:
    """Defaults compared across dialects: casts (`::text`), parentheses and case dropped; sequences ignored."""
    if sql is None or "nextval(" in sql:
        return None
    text_ = re.sub(r"::[a-z ]+(\([0-9, ]*\))?", "", sql.strip()).strip("()").strip()
    return {"1": "true", "0": "false"}.get(text_.lower(), text_.lower())


def _compiled(kind: TypeEngine[Any], dialect: Dialect) -> str:
    compiled = kind.compile(dialect=dialect).upper().replace(" ", "")
    # PostgreSQL creates FLOAT as DOUBLE PRECISION and reflects it so.
    return "DOUBLEPRECISION" if compiled == "FLOAT" and dialect.name == "postgresql" else compiled


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
        self.rebuild_given = False

    def is_empty(self, name: str) -> bool:
        if name not in self._empty:
            query = select(literal(1)).select_from(table_ref(name)).limit(1)
            self._empty[name] = self.conn.execute(query).first() is None
        return self._empty[name]

    def plan(self) -> SchemaPlan:
        self.create_extensions()
        for table in self.metadata.sorted_tables:
            if table.name in self.existing:
                self.compare(table)
            else:
                statements: tuple[ExecutableDDLElement, ...] = (
                    CreateTable(table),
                    *(CreateIndex(index) for index in table.indexes),
                )
                notes = [c.info["note"] for c in table.columns if "note" in c.info] + table.info.get("notes", [])
                message = f"created table {table.name}" + (f" ({'; '.join(notes)})" if notes else "")
                self.additive.append(SchemaChange("create_table", table.name, None, message, statements))
        return SchemaPlan(tuple(self.additive), tuple(self.withheld), frozenset(self.metadata.tables))

    def create_extensions(self) -> None:
        """The PostgreSQL extensions the tables need (pgvector, PGroonga) that are available but not installed."""
        needed = set().union(*(table.info.get("extensions", ()) for table in self.metadata.tables.values()))
        if not needed:
            return
        installed = set(self.conn.execute(text("SELECT extname FROM pg_extension")).scalars())
        for name in sorted(needed - installed):
            statement = DDL(  # type: ignore[no-untyped-call]
                f"CREATE EXTENSION IF NOT EXISTS {self.dialect.identifier_preparer.quote(name)}"
            )
            self.additive.append(SchemaChange("create_extension", "", None, f"created extension {name}", (statement,)))

    def compare(self, table: Table) -> None:
        live = {column["name"]: column for column in self.inspector.get_columns(table.name)}
        self.rebuild_given = False  # SQLite: the table's rebuild SQL goes with its first change only
        where = table.name
        for column in table.columns:
            found = live.get(column.name)
            name = f"{where}.{column.name}"
            if found is None:
                self.missing_column(table, column)
                continue
            declared, actual = _compiled(column.type, self.dialect), _compiled(found["type"], self.dialect)
            if declared != actual:
                self.column_changed(
                    column,
                    "type_changed",
                    f"{name} is {actual} in the database but the entity now says {declared}: "
                    "not converted automatically; migrate the column by hand (or restore the prop's type)",
                    set(live),
                )
            elif column.nullable != found["nullable"] and not column.primary_key:
                wanted = "nullable" if column.nullable else "NOT NULL"
                self.column_changed(
                    column,
                    "nullability_changed",
                    f"{name} should now be {wanted}: constraints are not changed automatically; "
                    "alter the column by hand (or restore the prop's nullable setting)",
                    set(live),
                )
            if column.primary_key or column.computed is not None:
                continue
            declared_default = _default_sql(column, self.dialect)
            actual_default = found.get("default")
            if _normal_default(declared_default) != _normal_default(actual_default):
                self.column_changed(
                    column,
                    "default_changed",
                    f"{name} defaults to {actual_default or 'nothing'} in the database but the entity now says "
                    f"{declared_default or 'no default'}; defaults are not changed automatically",
                    set(live),
                )
            if "enum_values" in column.info:
                self.stale_enum_values(column)
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
                        f"{where}.{name} is no longer declared; the column and its data stay.{hint} "
                        f"Drop it by hand when it is no longer needed: {drop_column_sql(where, name, self.dialect)}",
                        sql=drop_column_sql(where, name, self.dialect),
                    )
                )
        self.compare_indexes(table, set(live))

    def column_changed(self, column: Column[Any], kind: ChangeKind, message: str, live: set[str]) -> None:
        """A withheld change to an existing column, with the SQL that would make it."""
        sql = ""
        if self.dialect.name != "sqlite":
            change = {"type_changed": "type", "nullability_changed": "nullability"}.get(kind, "default")
            sql = alter_column_sql(column, change, self.dialect, _default_sql(column, self.dialect))
            how = f"To apply it by hand: {sql}"
        elif self.rebuild_given:
            how = "SQLite cannot alter a column in place: the table rebuild given above applies this too."
        else:
            self.rebuild_given = True
            sql = rebuild_sql(column.table, live, self.dialect)
            dropped = sorted(live - set(column.table.columns.keys()))
            also = f" (it also drops {', '.join(dropped)}, no longer declared)" if dropped else ""
            how = f"SQLite cannot alter a column in place; to apply it by hand, rebuild the table{also}: {sql}"
        self.withheld.append(SchemaChange(kind, column.table.name, column.name, f"{message}. {how}", sql=sql))

    def stale_enum_values(self, column: Column[Any]) -> None:
        """Rows holding values the enum no longer has: they fail validation when read, so say which and how many."""
        values = column.info["enum_values"]
        query = (
            select(column, func.count())
            .select_from(column.table)
            .where(column.is_not(None), column.not_in(values))
            .group_by(column)
            .order_by(column)
        )
        stale: dict[str, int] = {value: count for value, count in self.conn.execute(query)}
        if not stale:
            return
        fallback = column.info["enum_fallback"]
        listed = ", ".join(f"{value!r} ({count} row{'s' if count != 1 else ''})" for value, count in stale.items())
        sql = update_enum_sql(column, stale, fallback, self.dialect)
        self.withheld.append(
            SchemaChange(
                "enum_values_removed",
                column.table.name,
                column.name,
                f"{column.table.name}.{column.name} holds values that enum {column.info['enum']} no longer has: "
                f"{listed}; reading those rows fails validation until they are changed. "
                f"To change them by hand: {sql}",
                sql=sql,
            )
        )

    def missing_column(self, table: Table, column: Column[Any]) -> None:
        name = f"{table.name}.{column.name}"
        default = column.server_default
        default_sql = str(default.arg).upper() if isinstance(default, DefaultClause) else ""
        if column.nullable or default is not None or self.is_empty(table.name):
            if self.dialect.name == "sqlite" and default_sql in SQL_NOW and not self.is_empty(table.name):
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
            note = f" ({column.info['note']})" if "note" in column.info else ""
            self.additive.append(
                SchemaChange(
                    "add_column", table.name, column.name, f"added column {name}{note}", (AddColumn(table, column),)
                )
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
    if isinstance(bind, Connection):
        return _Planner(bind, build_metadata(entities, Target.of(bind))).plan()
    with bind.connect() as conn:
        return _Planner(conn, build_metadata(entities, Target.of(conn))).plan()


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
    return SchemaReport(tuple(applied), tuple(withheld), plan.tables)


def _bind(engine: Engine, entities: list[Entity]) -> None:
    by_id = {entity.id: entity for entity in entities}
    inspector = inspect(engine)
    existing = set(inspector.get_table_names())
    key = _key(engine)
    with engine.connect() as conn:
        target = Target.of(conn)
    for entity in entities:
        if entity.table not in existing:
            continue
        live = {column["name"]: column["type"] for column in inspector.get_columns(entity.table)}
        columns = []
        for column in entity_columns(entity, by_id, foreign_keys=False, target=target):
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
