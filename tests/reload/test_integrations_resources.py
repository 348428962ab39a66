"""Engines and clients a re-executed module opened at top level do not pile up."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from tests.helpers.engine_project import MakeProject


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_module_level_engine_is_disposed_when_replaced(make_project: MakeProject, tmp_path: Path) -> None:
    database = tmp_path / "app.sqlite"
    source = f"""
        import httpx
        from sqlalchemy import create_engine, text

        engine = create_engine("sqlite:///{database}")
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        client = httpx.Client()
        VERSION = 0
    """
    project = make_project({"db.py": source})
    first = project.load("db")
    result = project.change("db.py", source.replace("VERSION = 0", "VERSION = 1"))
    assert result.ok, result.errors
    after_first = _open_files()
    assert first.client.is_closed
    assert first.engine.pool.checkedin() == 0
    for version in range(2, 52):
        assert project.change("db.py", source.replace("VERSION = 0", f"VERSION = {version}")).ok
    assert _open_files() == after_first
    assert sys.modules["db"].VERSION == 51
    assert not sys.modules["db"].client.is_closed


def test_engine_kept_in_hot_data_outlives_reloads(make_project: MakeProject, tmp_path: Path) -> None:
    source = f"""
        from sqlalchemy import create_engine, text
        from hotbed.reload import hot

        data = hot(__name__).data
        engine = data.setdefault("engine", create_engine("sqlite:///{tmp_path / "kept.sqlite"}"))
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        VERSION = 0
    """
    project = make_project({"kept.py": source})
    first = project.load("kept")
    assert project.change("kept.py", source.replace("VERSION = 0", "VERSION = 1")).ok
    assert sys.modules["kept"].engine is first.engine
    assert first.engine.pool.checkedin() == 1  # still pooled: nobody disposed it
