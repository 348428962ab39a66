"""Files the project reads are dependencies: a change re-executes their readers, or restarts."""

from __future__ import annotations

import sys
from pathlib import Path

from hotbed.reload import hmr
from hotbed.reload.types import Change
from tests.helpers.engine_project import MakeProject

SETTINGS = """
import json
from pathlib import Path

CONFIG = json.loads((Path(__file__).parent / "config.json").read_text())


def read_later():
    with open(Path(__file__).parent / "later.txt") as file:
        return file.read()
"""


def test_a_file_read_at_import_re_executes_its_reader_and_importers(make_project: MakeProject) -> None:
    project = make_project(
        {
            "config.json": '{"greeting": "hello"}',
            "later.txt": "one",
            "settings.py": SETTINGS,
            "main.py": "from settings import CONFIG\n\nGREETING = CONFIG['greeting']\n",
        }
    )
    project.load("main")
    result = project.change("config.json", '{"greeting": "hi"}')
    assert result.ok and result.committed, result
    assert project.rel(result.reexecuted) == ["settings.py", "main.py"]
    assert sys.modules["main"].GREETING == "hi"  # what a cold start reads


def test_a_file_the_project_reads_at_run_time_restarts_with_that_reason(make_project: MakeProject) -> None:
    project = make_project({"config.json": "{}", "later.txt": "one", "settings.py": SETTINGS})
    settings = project.load("settings")
    assert settings.read_later() == "one"
    result = project.change("later.txt", "two")
    assert [(r.kind, project.rel([r.path])) for r in result.restart] == [("read-at-run-time", ["later.txt"])]
    assert "read it while serving" in result.restart[0].message


def test_a_file_read_for_the_first_time_is_announced_once(make_project: MakeProject) -> None:
    """The dev worker hears of a run-time read at once, to have it watched before its first edit."""
    project = make_project({"config.json": "{}", "later.txt": "one", "settings.py": SETTINGS})
    settings = project.load("settings")
    announced: list[tuple[str, ...]] = []
    hmr.on_new_read(lambda: announced.append(hmr.read_files()))
    try:
        settings.read_later()
        settings.read_later()  # read again: nothing new
    finally:
        hmr.on_new_read(None)
    assert [[project.rel([p])[0] for p in paths] for paths in announced] == [["config.json", "later.txt"]]


PACKAGE_DATA = """
import pkgutil

TOP = pkgutil.get_data("queries", "top.sql")


def read_later():
    return pkgutil.get_data("queries", "later.sql")
"""


def test_package_data_read_through_the_loader_is_a_dependency(make_project: MakeProject) -> None:
    """`pkgutil.get_data` reads through the package's loader, not `open()`: at import and at run time."""
    project = make_project(
        {
            "queries/__init__.py": "",
            "queries/top.sql": "SELECT 1",
            "queries/later.sql": "SELECT 2",
            "db.py": PACKAGE_DATA,
        }
    )
    db = project.load("db")
    result = project.change("queries/top.sql", "SELECT 3")
    assert result.ok and result.committed and project.rel(result.reexecuted) == ["db.py"], result
    assert sys.modules["db"].TOP == b"SELECT 3"
    assert db.read_later() == b"SELECT 2"
    later = project.change("queries/later.sql", "SELECT 4")
    assert [(r.kind, project.rel([r.path])) for r in later.restart] == [("read-at-run-time", ["queries/later.sql"])]


def test_a_dotenv_one_folder_above_the_project_is_a_dependency(make_project: MakeProject) -> None:
    project = make_project(
        {"settings.py": "from pathlib import Path\n\nENV = (Path(__file__).parent.parent / '.env').read_text()\n"}
    )
    dotenv = project.root.parent / ".env"
    dotenv.write_text("MODE=a\n")
    project.load("settings")
    dotenv.write_text("MODE=b\n")
    result = project.engine.reload([Change(str(dotenv))])
    assert result.committed and project.rel(result.reexecuted) == ["settings.py"], result
    assert sys.modules["settings"].ENV == "MODE=b\n"


def test_a_file_no_project_code_read_changes_nothing(make_project: MakeProject) -> None:
    project = make_project({"notes.txt": "one", "settings.py": "VALUE = 1\n"})
    project.load("settings")
    result = project.change("notes.txt", "two")
    assert not result.reexecuted and not result.restart and not result.errors


SETTINGS_FROM_ENV = """
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=Path(__file__).parent.parent / ".env")
    mode: str = "unset"


@lru_cache
def get_settings():
    return Settings()


AT_IMPORT = Settings().mode
"""


def test_pydantic_settings_from_a_dotenv_above_the_project(make_project: MakeProject, tmp_path: Path) -> None:
    """A common template keeps `.env` one folder above the backend, read by pydantic-settings:
    at import (a change re-executes) and at run time behind an `lru_cache` (a change restarts)."""
    dotenv = tmp_path / ".env"  # the project is tmp_path / "project"
    dotenv.write_text("MODE=a\n")
    project = make_project({"settings.py": SETTINGS_FROM_ENV})
    settings = project.load("settings")
    dotenv.write_text("MODE=b\n")
    result = project.engine.reload([Change(str(dotenv))])
    assert result.committed and project.rel(result.reexecuted) == ["settings.py"], result
    assert sys.modules["settings"].AT_IMPORT == "b"
    assert settings.get_settings().mode == "b"  # the old version's cache, first filled now
    dotenv.write_text("MODE=c\n")
    result = project.engine.reload([Change(str(dotenv))])
    assert [r.kind for r in result.restart] == ["read-at-run-time"], result
