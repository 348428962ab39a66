"""What the app's startup (its lifespan) ran or read holds results only a new worker renews."""

from __future__ import annotations

import asyncio
import builtins
import sys
from typing import Any

import pytest
from fastapi import FastAPI

from tests.helpers.engine_project import Project

APP = """
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from resources import make_pool


@asynccontextmanager
async def lifespan(app):
    app.state.pool = make_pool()
    app.state.banner = (Path(__file__).parent / "banner.txt").read_text()
    yield


app = FastAPI(lifespan=lifespan)
"""

RESOURCES = """
def make_pool():
    return {"size": 1}


def describe(pool):
    return f"pool of {pool['size']}"
"""


def _start(project: Project) -> FastAPI:
    project.write("banner.txt", "welcome")
    project.write("resources.py", RESOURCES)
    project.write("app.py", APP)
    app: FastAPI = project.load("app").app

    async def startup() -> None:
        async with app.router.lifespan_context(app):
            pass

    with project.engine.starting_up():  # as the dev worker brackets uvicorn's startup
        asyncio.run(startup())
    assert app.state.pool == {"size": 1}
    return app


def test_a_function_the_lifespan_ran_restarts_the_worker(project: Project) -> None:
    _start(project)
    result = project.change("resources.py", RESOURCES.replace('"size": 1', '"size": 5'))
    assert [r.kind for r in result.restart] == ["startup"], result
    assert "make_pool in resources.py ran while the app started up" in result.restart[0].message


def test_a_function_the_lifespan_did_not_run_is_patched(project: Project) -> None:
    _start(project)
    result = project.change("resources.py", RESOURCES.replace('f"pool of', 'f"a pool of'))
    assert project.rel(result.patched) == ["resources.py"], result
    assert sys.modules["resources"].describe({"size": 2}) == "a pool of 2"


def test_a_file_the_lifespan_read_restarts_the_worker(project: Project) -> None:
    _start(project)
    result = project.change("banner.txt", "hello again")
    assert [(r.kind, project.rel([r.path])) for r in result.restart] == [("startup", ["banner.txt"])], result


def test_a_profiler_of_the_users_keeps_running_through_the_startup(project: Project) -> None:
    """On 3.11 the startup is recorded with the C profiler, unless one is already on: it is never replaced."""
    calls: list[str] = []

    def profile(frame: object, event: str, arg: object) -> None:
        if event == "call":
            calls.append(event)

    sys.setprofile(profile)
    try:
        _start(project)
        assert sys.getprofile() is profile
    finally:
        sys.setprofile(None)
    assert calls  # it saw the startup's calls


def test_a_changed_source_is_compiled_once_per_batch(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    # The startup check, the patch attempt and the transaction all need the new code: one compile serves them.
    _start(project)
    path = project.path("resources.py")
    compiles: list[str] = []
    real_compile = compile

    def counting_compile(source: Any, filename: Any, *args: Any, **kwargs: Any) -> Any:
        if filename == path:
            compiles.append(filename)
        return real_compile(source, filename, *args, **kwargs)

    monkeypatch.setattr(builtins, "compile", counting_compile)
    result = project.change("resources.py", RESOURCES.replace('f"pool of', 'f"a pool of'))  # patched
    assert project.rel(result.patched) == ["resources.py"] and len(compiles) == 1, (result, compiles)
    compiles.clear()
    result = project.change("resources.py", RESOURCES + "\nLIMIT = 3\n")  # import-time code: re-executed
    assert project.rel(result.reexecuted)[0] == "resources.py" and len(compiles) == 1, (result, compiles)
    assert sys.modules["resources"].LIMIT == 3
