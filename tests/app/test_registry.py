"""The API registry swapping a module's routes on reload."""

from __future__ import annotations

import linecache
import sys

import pytest

from hotbed.app.api import api, resource_name
from hotbed.app.registry import ApiRegistry
from hotbed.exceptions import RouteConflictError
from tests.helpers.engine_project import MakeProject

USER_API = """
from hotbed import api

class UserApi:
    @api(http_method="GET")
    def list(self, page: int = 1) -> list[int]:
        return [page]

    @api(http_method="POST", path="/users/create")
    @classmethod
    def create(cls, name: str) -> dict[str, str]:
        return {"name": name}

    def helper(self) -> None:
        pass
"""


@pytest.mark.parametrize(
    ("name", "resource"),
    [("UserModel", "user"), ("UserApi", "user"), ("OrderItemApi", "order_item"), ("Api", "api")],
)
def test_resource_names(name: str, resource: str) -> None:
    assert resource_name(name) == resource


def test_routes_of_a_module(make_project: MakeProject) -> None:
    project = make_project({"user_api.py": USER_API})
    registry = ApiRegistry()
    changes = registry.update([project.load("user_api")])
    assert sorted(str(r) for r in changes.added) == ["GET /api/user/list", "POST /api/users/create"]
    route = registry.lookup("GET", "/api/user/list")
    assert route is not None and route.endpoint(page=3) == [3]
    assert route.params.model_validate({"page": "4"}).page == 4  # type: ignore[attr-defined]
    assert registry.lookup("GET", "/api/user/helper") is None


def test_imported_classes_belong_to_their_own_module(make_project: MakeProject) -> None:
    project = make_project({"user_api.py": USER_API, "other.py": "from user_api import UserApi\n"})
    registry = ApiRegistry()
    assert registry.update([project.load("other")]).added == ()


def test_reload_replaces_exactly_that_modules_routes(make_project: MakeProject) -> None:
    project = make_project(
        {
            "user_api.py": USER_API,
            "post_api.py": "from hotbed import api\n"
            "class PostApi:\n    @api()\n    def list(self) -> int:\n        return 1\n",
        }
    )
    registry = ApiRegistry()
    project.engine.commit_hooks.append(registry.prepare)
    registry.update([project.load("user_api"), project.load("post_api")])
    post_route = registry.lookup("GET", "/api/post/list")

    # A module-level name as well as a body: re-executed (a body alone is patched and keeps its routes).
    result = project.change("user_api.py", USER_API.replace("return [page]", "return [page, page]") + "\nV = 2\n")

    assert result.ok and result.reexecuted
    assert registry.lookup("GET", "/api/user/list").endpoint(page=2) == [2, 2]  # type: ignore[union-attr]
    assert registry.lookup("GET", "/api/post/list") is post_route
    assert sorted(str(r) for r in registry.last_changes.replaced) == ["GET /api/user/list", "POST /api/users/create"]
    assert registry.last_changes.per_module == {"user_api": 2}

    project.change("user_api.py", USER_API.replace('@api(http_method="POST", path="/users/create")', ""))
    assert [str(r) for r in registry.last_changes.removed] == ["POST /api/users/create"]
    assert registry.lookup("POST", "/api/users/create") is None


def test_a_body_edit_is_patched_and_keeps_every_route(make_project: MakeProject) -> None:
    project = make_project({"user_api.py": USER_API})
    registry = ApiRegistry()
    project.engine.commit_hooks.append(registry.prepare)
    registry.update([project.load("user_api")])
    route = registry.lookup("GET", "/api/user/list")
    result = project.change("user_api.py", USER_API.replace("return [page]", "return [page, page]"))
    assert result.ok and result.patched and not result.reexecuted
    assert registry.lookup("GET", "/api/user/list") is route
    assert route is not None and route.endpoint(page=2) == [2, 2]


def test_a_module_that_cannot_be_scanned_rolls_the_reload_back(make_project: MakeProject) -> None:
    project = make_project({"user_api.py": USER_API})
    registry = ApiRegistry()
    project.engine.commit_hooks.append(registry.prepare)
    registry.update([project.load("user_api")])
    old_module, old_route = sys.modules["user_api"], registry.lookup("GET", "/api/user/list")

    broken = USER_API.replace("class UserApi:", "class UserApi:\n    def __init__(self, required):\n        pass\n")
    result = project.change("user_api.py", broken)

    assert not result.committed
    assert "TypeError" in result.errors[0].message
    assert sys.modules["user_api"] is old_module
    assert registry.lookup("GET", "/api/user/list") is old_route


def test_decorator_rejects_bad_arguments() -> None:
    with pytest.raises(AssertionError, match="unsupported HTTP method"):
        api(http_method="FETCH")  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="starts with '/'"):
        api(path="users")


USER_MODEL = """
from hotbed import api

class UserModel:
    @api(http_method="GET")
    def list(self, page: int = 1) -> list[int]:
        return [page]
"""


def test_two_classes_declaring_one_route_is_an_error(make_project: MakeProject) -> None:
    project = make_project({"user_api.py": USER_API, "user_model.py": "x = 1\n", "both.py": USER_API + USER_MODEL})
    registry = ApiRegistry()
    project.engine.commit_hooks.append(registry.prepare)
    registry.update([project.load("user_api"), project.load("user_model")])
    old_route = registry.lookup("GET", "/api/user/list")

    result = project.change("user_model.py", USER_MODEL)

    assert not result.committed
    (error,) = result.errors
    assert "GET /api/user/list is declared twice" in error.message
    assert "user_api.UserApi.list" in error.message and "user_model.UserModel.list" in error.message
    assert registry.lookup("GET", "/api/user/list") is old_route
    with pytest.raises(RouteConflictError, match="route conflict") as raised:
        ApiRegistry().update([project.load("both")])  # two classes of one module, too
    (conflict,) = raised.value.conflicts
    assert (conflict.kept.qualname, conflict.refused.qualname) == ("both.UserApi.list", "both.UserModel.list")
    path, line, column = conflict.refused.location()
    assert path.endswith("both.py") and linecache.getline(path, line)[column - 1 :].startswith("def list(")


def test_a_route_set_aside_at_loading_serves_once_the_other_goes(make_project: MakeProject) -> None:
    project = make_project({"user_api.py": USER_API, "user_model.py": USER_MODEL})
    registry = ApiRegistry()
    project.engine.commit_hooks.append(registry.prepare)
    changes, conflicts = registry.register([project.load("user_api"), project.load("user_model")])

    assert [str(c) for c in conflicts] == [
        "GET /api/user/list is declared twice: user_api.UserApi.list and user_model.UserModel.list"
    ]
    assert [str(r) for r in changes.added] == ["GET /api/user/list", "POST /api/users/create"]
    assert registry.lookup("GET", "/api/user/list").owner == "UserApi"  # type: ignore[union-attr]

    result = project.change("user_api.py", "from hotbed import api\n")  # UserApi.list removed
    assert result.committed
    route = registry.lookup("GET", "/api/user/list")
    assert route is not None and route.owner == "UserModel"  # the one set aside now serves
    assert registry.last_changes.replaced == (route,)
