"""The database models talk to: one SQLAlchemy engine per URL, kept for the life of the process.

A reload re-executes project modules, never this one, so engines, their connection pools
and the choice of the current database survive any number of reloads. By default the
database is a SQLite file under the project's `.hotbed/` folder; `database-url` in the
project configuration (or `HOTBED_DATABASE_URL`) names any other SQLAlchemy URL.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from threading import Lock
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url

from hotbed.config import ProjectConfig, load_config

__all__ = [
    "SQLITE_BUSY_TIMEOUT_MS",
    "connect",
    "connection",
    "current_engine",
    "dispose",
    "get_engine",
    "resolve_url",
    "transaction",
]

SQLITE_BUSY_TIMEOUT_MS = 5000
"""How long a SQLite writer waits for another one (the dev server and `hotbed sync` may both write)."""

_engines: dict[str, Engine] = {}
_current: Engine | None = None
_lock = Lock()
_active: ContextVar[Connection | None] = ContextVar("hotbed_database_connection", default=None)


def resolve_url(url: str | URL, root: str | os.PathLike[str] | None = None) -> URL:
    """`url` with a relative SQLite file made relative to `root` (the project folder), not to the cwd.

    The folder of a SQLite file is created (mode 0700, like the rest of `.hotbed/`).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return parsed
    database = parsed.database
    if database.startswith("file:"):
        return parsed
    path = Path(database)
    if not path.is_absolute():
        path = Path(root if root is not None else os.getcwd()) / path
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    return parsed.set(database=str(path))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets requests read while a sync writes; foreign keys behave as on PostgreSQL.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def get_engine(url: str | URL) -> Engine:
    """The engine for `url`, created on first use and shared by every caller after that."""
    parsed = resolve_url(url)
    key = parsed.render_as_string(hide_password=False)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            if parsed.get_backend_name() == "sqlite":
                engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
                event.listen(engine, "connect", _sqlite_pragmas)
            else:
                engine = create_engine(parsed, pool_pre_ping=True)
            _engines[key] = engine
        return engine


def connect(target: ProjectConfig | str | URL | None = None) -> Engine:
    """Make `target` the database models use and return its engine.

    Args:
        target: a project configuration (its `database_url`, relative to its root), a
            SQLAlchemy URL, or None for the configuration of the project in the cwd.

    Example:
        >>> engine = connect("sqlite://")
        >>> current_engine() is engine
        True
    """
    global _current
    if target is None:
        target = load_config(".")
    if isinstance(target, ProjectConfig):
        engine = get_engine(resolve_url(target.database_url, target.root))
    else:
        engine = get_engine(target)
    _current = engine
    return engine


def current_engine() -> Engine:
    """The engine models use: the one `connect` chose, else the project in the cwd's."""
    return _current if _current is not None else connect()


@contextmanager
def connection() -> Iterator[Connection]:
    """A connection for one model call: the open `transaction()` if there is one, else a new
    transaction committed when the block ends."""
    active = _active.get()
    if active is not None:
        yield active
        return
    with current_engine().begin() as conn:
        yield conn


@contextmanager
def transaction() -> Iterator[Connection]:
    """Run several model calls as one transaction: committed at the end, rolled back on an error.

    A `transaction()` inside another joins it: the outer one decides.

    Example:
        >>> with transaction():  # doctest: +SKIP
        ...     product.reserve_stock(2)
        ...     OrderModel.save({"product_id": product.id, "quantity": 2})
    """
    active = _active.get()
    if active is not None:
        yield active
        return
    with current_engine().begin() as conn:
        token = _active.set(conn)
        try:
            yield conn
        finally:
            _active.reset(token)


def dispose() -> None:
    """Close every engine's connections and forget them; the next `connect` starts afresh."""
    global _current
    with _lock:
        engines = list(_engines.values())
        _engines.clear()
        _current = None
    for engine in engines:
        engine.dispose()
