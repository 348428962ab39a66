"""Where the database is, how SQLite is set up, and engines that outlive reloads."""

from __future__ import annotations

import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text

from hotbed.app import database
from hotbed.config import load_config
from tests.helpers.engine_project import MakeProject

from ._databases import DATABASES, throwaway_database


@pytest.fixture(autouse=True)
def _disposed() -> Iterator[None]:
    yield
    database.dispose()


def test_a_relative_sqlite_file_lives_under_the_project(tmp_path: Path) -> None:
    url = database.resolve_url("sqlite:///.hotbed/db.sqlite3", tmp_path)
    assert url.database == str(tmp_path / ".hotbed" / "db.sqlite3")
    assert stat.S_IMODE((tmp_path / ".hotbed").stat().st_mode) == 0o700
    assert database.resolve_url(f"sqlite:///{tmp_path}/x.db", "/elsewhere").database == f"{tmp_path}/x.db"
    for unchanged in ("sqlite://", "sqlite:///:memory:", "postgresql+psycopg://u@h/db"):
        assert database.resolve_url(unchanged, tmp_path) == make_url(unchanged)


def test_the_default_database_is_a_file_in_dot_hotbed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HOTBED_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    engine = database.current_engine()  # nothing connected yet: the project in the cwd
    with engine.connect() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER)"))
    assert (tmp_path / ".hotbed" / "db.sqlite3").is_file()
    assert database.connect(load_config(tmp_path)) is engine  # one engine per URL
    assert database.current_engine() is engine


def test_the_configured_url_is_used_relative_to_the_project(tmp_path: Path) -> None:
    (tmp_path / "hotbed.toml").write_text('database-url = "sqlite:///var/app.sqlite3"\n')
    engine = database.connect(load_config(tmp_path))
    assert engine.url.database == str(tmp_path / "var" / "app.sqlite3")
    other = database.connect(f"sqlite:///{tmp_path}/other.sqlite3")
    assert database.current_engine() is other is not engine


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout_and_foreign_keys(tmp_path: Path) -> None:
    engine = database.connect(f"sqlite:///{tmp_path}/db.sqlite3")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == database.SQLITE_BUSY_TIMEOUT_MS
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


@pytest.mark.parametrize("kind", DATABASES)
def test_connection_joins_the_open_transaction(tmp_path: Path, kind: str) -> None:
    with throwaway_database(kind, tmp_path) as url:
        database.connect(url)
        with database.connection() as conn:
            conn.execute(text("CREATE TABLE t (id INTEGER)"))
        with pytest.raises(RuntimeError), database.transaction() as outer:
            with database.connection() as inner:
                assert inner is outer
                inner.execute(text("INSERT INTO t VALUES (1)"))
            raise RuntimeError("roll it back")
        with database.transaction(), database.connection() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
        with database.connection() as conn:
            assert conn.execute(text("SELECT id FROM t")).scalars().all() == [2]


ENGINE_USER = """
from hotbed.app import database
ENGINE = database.current_engine()
VERSION = {version}
"""


def test_the_engine_outlives_reloads_of_the_modules_using_it(make_project: MakeProject, tmp_path: Path) -> None:
    engine = database.connect(f"sqlite:///{tmp_path}/db.sqlite3")
    project = make_project({"app/__init__.py": "", "app/store.py": ENGINE_USER.format(version=1)})
    first = project.load("app.store")
    assert first.ENGINE is engine
    assert project.change("app/store.py", ENGINE_USER.format(version=2)).ok
    second = sys.modules["app.store"]
    assert second is not first and second.VERSION == 2
    assert second.ENGINE is engine
    assert sys.modules["hotbed.app.database"] is database  # hotbed itself is never re-executed


def test_dispose_forgets_every_engine(tmp_path: Path) -> None:
    engine = database.connect(f"sqlite:///{tmp_path}/db.sqlite3")
    database.dispose()
    again = database.connect(f"sqlite:///{tmp_path}/db.sqlite3")
    assert again is not engine
    with again.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
