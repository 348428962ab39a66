"""The SQL a person runs to apply a schema change hotbed withholds.

hotbed never runs these: each one can lose or rewrite data, so the schema report prints
them for a person to read and run. PostgreSQL alters a column in place; SQLite cannot
change a column's type, nullability or default, so its answer is the table rebuild SQLite
documents (create the new table, copy the rows, swap the names), compiled from the
entity's own table so it matches what `hotbed sync` would create on an empty database.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, Table, literal
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.schema import CreateIndex, CreateTable

__all__ = ["alter_column_sql", "drop_column_sql", "drop_table_sql", "rebuild_sql", "update_enum_sql"]


def _sql(statement: Any, dialect: Dialect) -> str:
    return str(statement.compile(dialect=dialect)).strip()


def _literal(value: str, dialect: Dialect) -> str:
    return str(literal(value).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def _quote(dialect: Dialect, name: str) -> str:
    return dialect.identifier_preparer.quote(name)


def rebuild_sql(table: Table, live_columns: Iterable[str], dialect: Dialect) -> str:
    """SQLite's twelve-step table change, condensed: the declared table under a new name,
    the rows the two have in common copied over, the old table dropped, the new one renamed,
    the indexes created again. Foreign keys are off meanwhile, as SQLite asks."""
    name = _quote(dialect, table.name)
    staging = _quote(dialect, f"_hotbed_new_{table.name}")
    create = _sql(CreateTable(table), dialect).replace(f"CREATE TABLE {name}", f"CREATE TABLE {staging}", 1)
    live = set(live_columns)
    common = ", ".join(_quote(dialect, column.name) for column in table.columns if column.name in live)
    statements = [
        "PRAGMA foreign_keys=OFF",
        "BEGIN",
        create,
        f"INSERT INTO {staging} ({common}) SELECT {common} FROM {name}",
        f"DROP TABLE {name}",
        f"ALTER TABLE {staging} RENAME TO {name}",
        *(_sql(CreateIndex(index), dialect) for index in table.indexes),
        "COMMIT",
        "PRAGMA foreign_keys=ON",
    ]
    return "; ".join(statements)


def alter_column_sql(column: Column[Any], change: str, dialect: Dialect, default: str | None = None) -> str:
    """PostgreSQL's `ALTER COLUMN` bringing the live column to the declared one: `change` is
    `type`, `nullability` or `default` (to `default`, the declared default's SQL)."""
    table = column.table
    target = f"ALTER TABLE {_quote(dialect, table.name)} ALTER COLUMN {_quote(dialect, column.name)}"
    if change == "type":
        kind = column.type.compile(dialect=dialect)
        return f"{target} TYPE {kind} USING {_quote(dialect, column.name)}::{kind}"
    if change == "nullability":
        return f"{target} DROP NOT NULL" if column.nullable else f"{target} SET NOT NULL"
    return f"{target} SET DEFAULT {default}" if default is not None else f"{target} DROP DEFAULT"


def drop_column_sql(table: str, column: str, dialect: Dialect) -> str:
    return f"ALTER TABLE {_quote(dialect, table)} DROP COLUMN {_quote(dialect, column)}"


def drop_table_sql(table: str, dialect: Dialect | None = None) -> str:
    """Without a dialect, quoted as standard SQL, which SQLite and PostgreSQL both read."""
    return f"DROP TABLE {_quote(dialect or DefaultDialect(), table)}"


def update_enum_sql(column: Column[Any], stale: Iterable[str], replacement: str | None, dialect: Dialect) -> str:
    """Rows holding values an enum no longer has, set to `replacement` (NULL when None)."""
    values = ", ".join(_literal(value, dialect) for value in stale)
    new = "NULL" if replacement is None else _literal(replacement, dialect)
    table, name = _quote(dialect, column.table.name), _quote(dialect, column.name)
    return f"UPDATE {table} SET {name} = {new} WHERE {name} IN ({values})"
