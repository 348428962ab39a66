"""Routes, middleware and app state of FastAPI apps survive re-execution as a cold start would have them."""

from __future__ import annotations

import sys
import warnings

from tests.helpers.engine_project import MakeProject

with warnings.catch_warnings():
    # Starlette asks for httpx2 by a deprecation warning; its TestClient works with httpx alike.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

APP = """
from fastapi import FastAPI
app = FastAPI()
"""

ROUTES = """
from app import app

@app.get("/hello")
def hello():
    return {"v": 1}
"""


def _paths(app: object) -> list[str]:
    return [getattr(r, "path", "") for r in app.routes]  # type: ignore[attr-defined]


def test_route_module_on_a_shared_app_replaces_its_routes(make_project: MakeProject) -> None:
    project = make_project({"app.py": APP, "routes.py": ROUTES})
    app = project.load("app").app
    project.load("routes")
    client = TestClient(app)
    assert client.get("/hello").json() == {"v": 1}
    before = _paths(app)

    source = ROUTES.replace('{"v": 1}', '{"v": 2}') + '\n@app.get("/new")\ndef new():\n    return {"new": True}\n'
    result = project.change("routes.py", source)
    assert result.ok, result.errors
    assert sys.modules["app"].app is app  # the shared app did not re-execute
    assert client.get("/hello").json() == {"v": 2}
    assert client.get("/new").json() == {"new": True}
    assert _paths(app) == [*before, "/new"]
    assert [p for p in client.get("/openapi.json").json()["paths"]] == ["/hello", "/new"]

    # A failing version leaves exactly the routes of the last good one.
    broken = source + "\n@app.get('/half')\ndef half():\n    return {}\n\nraise RuntimeError('boom')\n"
    assert not project.change("routes.py", broken).committed
    assert _paths(app) == [*before, "/new"]
    assert client.get("/hello").json() == {"v": 2}


def test_router_included_from_another_module_and_middleware(make_project: MakeProject) -> None:
    project = make_project(
        {
            "app.py": APP,
            "users.py": """
                from fastapi import APIRouter
                router = APIRouter(prefix="/users")

                @router.get("/")
                def users():
                    return ["ada"]
            """,
            "wiring.py": """
                from starlette.middleware.base import BaseHTTPMiddleware
                from app import app
                from users import router

                class Tag(BaseHTTPMiddleware):
                    async def dispatch(self, request, call_next):
                        response = await call_next(request)
                        response.headers["x-tag"] = "one"
                        return response

                app.include_router(router)
                app.add_middleware(Tag)
            """,
        }
    )
    app = project.load("app").app
    project.load("wiring")
    client = TestClient(app)
    first = client.get("/users/")
    assert (first.json(), first.headers["x-tag"]) == (["ada"], "one")
    routes_before = len(app.routes)

    users = (project.root / "users.py").read_text().replace('["ada"]', '["ada", "bob"]')
    users = users.replace('prefix="/users"', 'prefix="/users", tags=["users"]')
    result = project.change("users.py", users)
    assert result.ok, result.errors
    assert len(app.routes) == routes_before
    second = client.get("/users/")
    assert second.json() == ["ada", "bob"]
    assert second.headers["x-tag"] == "one"
    assert len(app.user_middleware) == 1

    wiring = (project.root / "wiring.py").read_text().replace('"one"', '"two"')
    assert project.change("wiring.py", wiring).ok
    assert client.get("/users/").headers["x-tag"] == "two"
    assert len(app.user_middleware) == 1


MAIN = """
from contextlib import asynccontextmanager
from fastapi import FastAPI, Request

@asynccontextmanager
async def lifespan(app):
    app.state.pool = "pool-1"
    yield

app = FastAPI(lifespan=lifespan)

@app.get("/pool")
def pool(request: Request):
    return {"pool": request.app.state.pool, "v": 1}
"""


def test_replaced_app_keeps_the_lifespan_state(make_project: MakeProject) -> None:
    project = make_project({"main.py": MAIN})
    old = project.load("main").app
    with TestClient(old):  # runs the lifespan, as the worker does once
        pass
    # a module-level name as well as a body, so the module re-executes and the app is replaced
    result = project.change("main.py", MAIN.replace('"v": 1', '"v": 2, "extra": 1') + "\nVERSION = 2\n")
    assert result.ok, result.errors
    new = sys.modules["main"].app
    assert new is not old
    assert TestClient(new).get("/pool").json() == {"pool": "pool-1", "v": 2, "extra": 1}


def test_changed_lifespan_requires_a_restart(make_project: MakeProject) -> None:
    project = make_project({"main.py": MAIN})
    old = project.load("main").app
    with TestClient(old):
        pass
    result = project.change("main.py", MAIN.replace('"pool-1"', '"pool-2"'))
    assert not result.committed
    assert [r.kind for r in result.restart] == ["integration"]
    assert "lifespan" in result.restart[0].message
    assert sys.modules["main"].app is old
