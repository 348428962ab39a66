"""The database the tables are built for: which PostgreSQL-only features it can hold.

Entity files from PostgreSQL projects use `tsvector` and `vector` columns, generated
columns computed by PostgreSQL functions, and GIN, HNSW or PGroonga indexes. On
PostgreSQL these are created as declared when the server can hold them (`vector` and
`hnsw`/`ivfflat` need the pgvector extension, `pgroonga` indexes the PGroonga extension:
`CREATE EXTENSION` is run when the server has it available); elsewhere, or without the
extension, each is mapped to the nearest portable form and a note says so when its table
or column is created, once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.types import UserDefinedType

__all__ = ["EXTENSIONS", "PORTABLE", "Target", "Vector"]

EXTENSIONS = ("vector", "pgroonga")  # the extensions entity files can need


class Vector(UserDefinedType[list[float]]):
    """pgvector's `vector(n)`; values travel as its text form `[1,2,3]`."""

    cache_ok = True

    def __init__(self, dimensions: int | None = None) -> None:
        self.dimensions = dimensions

    def get_col_spec(self, **_: Any) -> str:
        return f"VECTOR({self.dimensions})" if self.dimensions else "VECTOR"

    def bind_processor(self, dialect: Any) -> Any:
        def process(value: Any) -> Any:
            return None if value is None else "[" + ",".join(str(float(v)) for v in value) + "]"

        return process

    def result_processor(self, dialect: Any, coltype: Any) -> Any:
        def process(value: Any) -> Any:
            return None if value is None else [float(v) for v in str(value).strip("[]").split(",") if v]

        return process


ischema_names.setdefault("vector", Vector)  # reflection reads a live vector column as this type


@dataclass(frozen=True, slots=True)
class Target:
    """`dialect` None builds the portable tables (what SQLite holds); `extensions` are those the
    PostgreSQL server has installed or available."""

    dialect: str | None = None
    extensions: frozenset[str] = field(default_factory=frozenset)

    @property
    def postgres(self) -> bool:
        return self.dialect == "postgresql"

    def has(self, extension: str) -> bool:
        return self.postgres and extension in self.extensions

    @classmethod
    def of(cls, conn: Connection) -> Target:
        if conn.dialect.name != "postgresql":
            return cls(conn.dialect.name)
        query = text("SELECT name FROM pg_available_extensions WHERE name = ANY(:names)")
        found = conn.execute(query, {"names": list(EXTENSIONS)}).scalars()
        return cls("postgresql", frozenset(found))


PORTABLE = Target()
