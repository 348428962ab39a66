"""After a commit nothing keeps an old module version alive: FastAPI's, typing's and other caches let go."""

from __future__ import annotations

import functools
import gc
import sys
import warnings
import weakref
from typing import Any

from hotbed.reload import integrations
from hotbed.reload.integrations.caches import FunctoolsCaches
from tests.helpers.engine_project import MakeProject, Project

with warnings.catch_warnings():
    # Starlette asks for httpx2 by a deprecation warning; its TestClient works with httpx alike.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

MAIN = """
from fastapi import FastAPI
import items

app = FastAPI()
app.include_router(items.router)
"""

# A dependency, a response model behind `Optional` (typing's cache), a body model: each
# lands in a library cache when the route is built or first served.
ITEMS = """
from typing import Annotated, Any, Optional
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

VERSION = 1
router = APIRouter(prefix="/items")

class Item(BaseModel):
    id: int
    name: str

def get_version() -> int:
    return VERSION

@router.get("/{item_id}", response_model=Optional[Item])
def read(item_id: int, version: Annotated[int, Depends(get_version)], q: Annotated[str, Query()] = "") -> Any:
    return Item(id=item_id, name=f"v{version}{q}")

@router.post("/")
def create(item: Item) -> Item:
    return item
"""


def _serve(project: Project) -> None:
    client = TestClient(sys.modules["main"].app)
    version = sys.modules["items"].VERSION
    assert client.get("/items/3").json() == {"id": 3, "name": f"v{version}"}
    assert client.post("/items/", json={"id": 1, "name": "a"}).json() == {"id": 1, "name": "a"}
    assert client.get("/openapi.json").status_code == 200


def _versions(project: Project) -> list[weakref.ref[Any]]:
    """Weak references to what one version of the router module made."""
    items, main = sys.modules["items"], sys.modules["main"]
    return [
        weakref.ref(o)
        for o in (items, items.router, items.read, items.get_version, items.Item, main, main.app, main.app.router)
    ]


def _alive(refs: list[weakref.ref[Any]]) -> list[str]:
    gc.collect()
    return [repr(r()) for r in refs if r() is not None]


def test_an_old_fastapi_router_version_is_collected_after_the_commit(make_project: MakeProject) -> None:
    project = make_project({"main.py": MAIN, "items.py": ITEMS})
    project.load("main")
    _serve(project)
    old = _versions(project)

    # A module-level name changes: re-executed, not patched in place.
    result = project.change("items.py", ITEMS.replace("VERSION = 1", "VERSION = 2"))
    assert result.ok and project.rel(result.reexecuted) == ["items.py", "main.py"], result
    _serve(project)
    assert _alive(old) == []

    # A version that failed leaves nothing behind either, once the next one commits.
    failed = ITEMS.replace("VERSION = 1", "VERSION = 3") + "\nraise RuntimeError('half way')\n"
    assert not project.change("items.py", failed).committed
    _serve(project)
    second = _versions(project)
    assert project.change("items.py", ITEMS.replace("VERSION = 1", "VERSION = 4")).ok
    _serve(project)
    assert _alive(second) == []


def test_a_pruned_module_is_let_go_at_the_next_commit(make_project: MakeProject) -> None:
    """A module the new importer no longer imports is pruned; a library cache held only its class."""
    describe = functools.lru_cache(maxsize=8)(lambda cls: cls.__name__)
    library = type(sys)("cache_library")
    library.describe = describe
    sys.modules["cache_library"] = library
    try:
        project = make_project(
            {
                "app.py": "import auth\nimport other\n",
                "auth.py": "import cache_library\n\nclass Token:\n    pass\n\ncache_library.describe(Token)\n",
                "other.py": "VERSION = 1\n",
            }
        )
        project.load("app")
        old = weakref.ref(sys.modules["auth"].Token)
        result = project.change("app.py", "import other\n")
        assert result.ok and project.rel(result.pruned) == ["auth.py"], result
        assert project.change("other.py", "VERSION = 2\n").ok  # the next commit
        assert describe.cache_info().currsize == 0
        assert _alive([old]) == []
    finally:
        del sys.modules["cache_library"]


def test_without_the_integration_fastapi_keeps_the_old_version(make_project: MakeProject) -> None:
    """The test above can fail: FastAPI's own caches hold every old endpoint."""
    integrations.unregister("functools-caches")
    try:
        project = make_project({"main.py": MAIN, "items.py": ITEMS})
        project.load("main")
        _serve(project)
        old = _versions(project)
        assert project.change("items.py", ITEMS.replace("VERSION = 1", "VERSION = 2")).ok
        _serve(project)
        assert _alive(old) != []
    finally:
        integrations.register("functools-caches", "functools", FunctoolsCaches)


def test_a_cache_holding_nothing_of_the_module_is_kept(make_project: MakeProject) -> None:
    """A cached singleton of a library stays the same object; a cache keyed on an old class is emptied."""
    settings = functools.cache(lambda: object())
    by_type = functools.lru_cache(maxsize=8)(lambda cls: cls.__name__)
    library = type(sys)("cache_library")
    library.settings, library.by_type = settings, by_type
    sys.modules["cache_library"] = library
    try:
        project = make_project({"models.py": "import cache_library\nclass User:\n    pass\nVERSION = 1\n"})
        models = project.load("models")
        singleton = settings()
        by_type(models.User)
        by_type(int)
        old = weakref.ref(models.User)
        del models
        assert project.change("models.py", "import cache_library\nclass User:\n    pass\nVERSION = 2\n").ok
        assert settings() is singleton
        assert by_type.cache_info().currsize == 0
        assert _alive([old]) == []
    finally:
        del sys.modules["cache_library"]
