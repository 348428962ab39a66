"""The reload engine against real files and real imports."""

from __future__ import annotations

import gc
import importlib
import os
import sys
import weakref

import pytest

from hotbed.exceptions import RestartRequired
from hotbed.reload import hmr, hot
from hotbed.reload.types import Change
from tests.helpers.engine_project import MakeProject, Project


def test_change_reexecutes_transitive_dependents_and_nothing_more(make_project: MakeProject) -> None:
    project = make_project(
        {
            "base.py": "VALUE = 1\n",
            "middle.py": "import base\n",
            "top.py": "import middle\n",
            "unrelated.py": "import os\n",
        }
    )
    project.load("top")
    unrelated = project.load("unrelated")
    old_top = sys.modules["top"]

    assert project.rel(hmr.invalidate_file(project.path("base.py"))) == ["base.py", "middle.py", "top.py"]
    result = project.change("base.py", "VALUE = 2\n")

    assert result.ok and result.committed
    assert project.rel(result.reexecuted) == ["base.py", "middle.py", "top.py"]
    assert sys.modules["unrelated"] is unrelated
    assert sys.modules["top"] is not old_top
    assert sys.modules["top"].middle.base.VALUE == 2


def test_from_import_binding_gets_the_new_object(make_project: MakeProject) -> None:
    project = make_project(
        {
            "models.py": "class User:\n    kind = 'old'\n",
            "api.py": "from models import User\ndef make():\n    return User()\n",
        }
    )
    api = project.load("api")
    assert api.make().kind == "old"

    assert project.change("models.py", "class User:\n    kind = 'new'\n").ok

    api = sys.modules["api"]
    user = api.make()
    assert user.kind == "new"
    assert isinstance(user, sys.modules["models"].User)


def test_enum_and_pydantic_identity_stay_consistent(make_project: MakeProject) -> None:
    project = make_project(
        {
            "schema.py": """
                import enum
                import pydantic

                class Role(enum.Enum):
                    ADMIN = "admin"

                class User(pydantic.BaseModel):
                    role: Role
                """,
            "service.py": """
                from schema import Role, User

                def admin() -> User:
                    return User(role=Role.ADMIN)
                """,
        }
    )
    project.load("service")
    project.change("schema.py", (project.root / "schema.py").read_text() + "    name: str = 'x'\n")
    schema, service = sys.modules["schema"], sys.modules["service"]
    user = service.admin()
    assert isinstance(user, schema.User)
    assert user.role is schema.Role.ADMIN
    assert user.name == "x"


def test_dynamic_import_with_computed_name_is_tracked(make_project: MakeProject) -> None:
    project = make_project(
        {
            "plugins/__init__.py": "",
            "plugins/greet.py": "MESSAGE = 'hello'\n",
            "registry.py": """
                import importlib
                NAMES = ["greet"]
                PLUGINS = {n: importlib.import_module(f"plugins.{n}") for n in NAMES}
                """,
        }
    )
    project.load("registry")
    assert project.rel(hmr.invalidate_file(project.path("plugins/greet.py"))) == ["plugins/greet.py", "registry.py"]

    assert project.change("plugins/greet.py", "MESSAGE = 'bonjour'\n").ok
    assert sys.modules["registry"].PLUGINS["greet"].MESSAGE == "bonjour"


def test_import_inside_a_function_is_tracked(make_project: MakeProject) -> None:
    project = make_project(
        {
            "helpers.py": "def double(x):\n    return 2 * x\n",
            "views.py": "def compute():\n    from helpers import double\n    return double(2)\n",
        }
    )
    views = project.load("views")
    assert views.compute() == 4
    assert "views.py" in next(r for r in hmr.dump() if r["path"] == "helpers.py")["dependents"]

    project.change("helpers.py", "def double(x):\n    return 3 * x\n")
    assert sys.modules["views"].compute() == 6


def test_non_boundary_importer_requires_restart_and_is_named(make_project: MakeProject) -> None:
    project = make_project(
        {
            "settings.py": "from src.models import LIMIT\n",
            "src/__init__.py": "",
            "src/models.py": "LIMIT = 1\n",
        },
        boundaries=["./src/**/*.py"],
    )
    project.load("settings")

    with pytest.raises(RestartRequired) as raised:
        hmr.invalidate_file(project.path("src/models.py"))
    (reason,) = raised.value.reasons
    assert reason.kind == "non-boundary"
    assert reason.path == project.path("settings.py")
    assert reason.message == "imported statically by non-boundary settings.py"

    result = project.change("src/models.py", "LIMIT = 2\n")
    assert result.restart_required and not result.committed
    assert sys.modules["src.models"].LIMIT == 1


def test_restart_glob_requires_restart(project: Project) -> None:
    project.write(".env", "A=1\n")
    with pytest.raises(RestartRequired) as raised:
        hmr.invalidate_file(project.path(".env"))
    assert raised.value.reasons[0].kind == "restart-glob"
    assert project.change(".env").restart[0].path == project.path(".env")


def test_declined_module_requires_restart(make_project: MakeProject) -> None:
    project = make_project(
        {
            "config.py": "import hotbed\nhotbed.hot(__name__).decline()\nDB = 'a'\n",
            "app.py": "import config\n",
        }
    )
    project.load("app")
    result = project.change("config.py", "import hotbed\nhotbed.hot(__name__).decline()\nDB = 'b'\n")
    assert [r.kind for r in result.restart] == ["declined"]
    assert result.restart[0].path == project.path("config.py")
    assert sys.modules["config"].DB == "a"


def test_accept_stops_propagation(make_project: MakeProject) -> None:
    project = make_project(
        {
            "leaf.py": "X = 1\n",
            "widget.py": "import hotbed\nimport leaf\nhotbed.hot(__name__).accept()\n",
            "page.py": "import widget\n",
        }
    )
    project.load("page")
    page = sys.modules["page"]
    result = project.change("leaf.py", "X = 2\n")
    assert project.rel(result.reexecuted) == ["leaf.py", "widget.py"]
    assert sys.modules["page"] is page


def test_invalidate_reexecutes_importers(make_project: MakeProject) -> None:
    project = make_project(
        {
            "counter.py": """
                import hotbed
                hot = hotbed.hot(__name__)
                hot.accept()
                COUNT = 1
                if hot.data.get("seen"):
                    hot.invalidate()
                hot.data["seen"] = True
                """,
            "user.py": "import counter\n",
        }
    )
    project.load("user")
    user = sys.modules["user"]
    result = project.change("counter.py", (project.root / "counter.py").read_text().replace("1", "2"))
    assert project.rel(result.reexecuted) == ["counter.py", "user.py"]
    assert sys.modules["user"] is not user


def test_dispose_gets_the_old_data_and_data_survives(make_project: MakeProject) -> None:
    project = make_project(
        {
            "pool.py": """
                import hotbed
                hot = hotbed.hot(__name__)
                VERSION = 1
                hot.data["opened"] = hot.data.get("opened", []) + [VERSION]
                hot.dispose(lambda data: CLOSED.append((VERSION, list(data["opened"]))))
                CLOSED = hot.data.setdefault("closed", [])
                """,
        }
    )
    project.load("pool")
    project.change("pool.py", (project.root / "pool.py").read_text().replace("VERSION = 1", "VERSION = 2"))
    pool = sys.modules["pool"]
    assert pool.hot.data["opened"] == [1, 2]
    assert pool.CLOSED == [(1, [1])], "dispose must see the data as the old version left it"
    assert pool.hot.enabled


def test_prune_runs_when_a_module_is_deleted(make_project: MakeProject) -> None:
    project = make_project(
        {
            "log.py": "EVENTS = []\n",
            "job.py": """
                import hotbed, log
                hotbed.hot(__name__).data["n"] = 1
                hotbed.hot(__name__).prune(lambda data: log.EVENTS.append(("pruned", data["n"])))
                """,
        }
    )
    project.load("job")
    log = project.load("log")
    result = project.delete("job.py")
    assert result.ok
    assert project.rel(result.pruned) == ["job.py"]
    assert log.EVENTS == [("pruned", 1)]
    assert "job" not in sys.modules
    assert all(row["path"] != "job.py" for row in hmr.dump())


def test_module_no_longer_imported_is_pruned(make_project: MakeProject) -> None:
    project = make_project({"extra.py": "X = 1\n", "main.py": "import extra\n"})
    project.load("main")
    result = project.change("main.py", "Y = 2\n")
    assert project.rel(result.pruned) == ["extra.py"]
    assert "extra" not in sys.modules


def test_deleting_an_imported_module_keeps_the_old_code(make_project: MakeProject) -> None:
    project = make_project({"dep.py": "X = 1\n", "user.py": "from dep import X\n"})
    project.load("user")
    dep, user = sys.modules["dep"], sys.modules["user"]
    result = project.delete("dep.py")
    assert not result.committed
    (error,) = result.errors
    assert error.path == project.path("user.py") and error.line == 1
    assert "ModuleNotFoundError" in error.message
    assert sys.modules["dep"] is dep and sys.modules["user"] is user


def test_package_init_and_relative_imports(make_project: MakeProject) -> None:
    project = make_project(
        {
            "shop/__init__.py": "from .catalog import PRODUCTS\n",
            "shop/catalog.py": "from . import prices\nPRODUCTS = {'tea': prices.TEA}\n",
            "shop/prices.py": "TEA = 3\n",
            "shop/orders/__init__.py": "",
            "shop/orders/cart.py": "from ..catalog import PRODUCTS\ndef total():\n    return sum(PRODUCTS.values())\n",
        }
    )
    project.load("shop.orders.cart")
    result = project.change("shop/prices.py", "TEA = 5\n")
    assert set(project.rel(result.reexecuted)) == {
        "shop/prices.py",
        "shop/catalog.py",
        "shop/__init__.py",
        "shop/orders/cart.py",
    }
    shop = sys.modules["shop"]
    assert shop.PRODUCTS == {"tea": 5}
    assert shop.prices is sys.modules["shop.prices"]
    assert shop.catalog is sys.modules["shop.catalog"]
    assert shop.orders is sys.modules["shop.orders"], "a package keeps submodules it does not import itself"
    assert sys.modules["shop.orders.cart"].total() == 5
    assert sys.modules["shop.orders.cart"].__package__ == "shop.orders"


def test_circular_pair_reexecutes_once_each_in_order(make_project: MakeProject) -> None:
    trace = "import builtins\nbuiltins.TRACE = getattr(builtins, 'TRACE', []) + [__name__]\n"
    project = make_project(
        {
            "ping.py": trace + "import pong\ndef hello():\n    return 'ping'\n",
            "pong.py": trace + "import ping\ndef hello():\n    return 'pong ' + ping.hello()\n",
        }
    )
    import builtins

    project.load("ping")
    assert builtins.TRACE == ["ping", "pong"]  # type: ignore[attr-defined]
    builtins.TRACE = []  # type: ignore[attr-defined]

    # a module-level name too: re-executed (a body alone would be patched in place)
    result = project.change("ping.py", trace + "import pong\nVALUE = 1\ndef hello():\n    return 'PING'\n")
    assert result.ok
    assert builtins.TRACE == ["ping", "pong"]  # type: ignore[attr-defined]
    assert sys.modules["pong"].hello() == "pong PING"
    assert sys.modules["pong"].ping is sys.modules["ping"]
    del builtins.TRACE  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("broken", "line", "kind", "message"),
    [
        ("X = 2\ndef oops(:\n", 2, "syntax", "SyntaxError"),
        ("X = 2\nraise RuntimeError('boom')\n", 2, "import", "RuntimeError: boom"),
    ],
)
def test_failed_reload_keeps_every_old_module(
    make_project: MakeProject, broken: str, line: int, kind: str, message: str
) -> None:
    project = make_project(
        {
            "core.py": "X = 1\n",
            "fresh.py": "Y = 1\n",
            "api.py": "from core import X\n",
            "app.py": "import api\n",
        }
    )
    project.load("app")
    before = {name: sys.modules[name] for name in ("core", "api", "app")}
    project.write("core.py", "import fresh\n" + broken)

    result = project.change("core.py")

    assert not result.committed
    (error,) = result.errors
    assert (error.path, error.line, error.kind) == (project.path("core.py"), line + 1, kind)
    assert message in error.message
    assert {name: sys.modules[name] for name in before} == before
    assert "fresh" not in sys.modules, "modules first imported during a failed attempt are discarded"
    assert sys.modules["api"].X == 1
    assert next(r for r in hmr.dump() if r["path"] == "core.py")["dependents"] == ["api.py"]

    project.write("core.py", "X = 3\n")
    assert project.change("core.py").ok
    assert sys.modules["api"].X == 3


def test_unchanged_content_does_nothing(make_project: MakeProject) -> None:
    project = make_project({"same.py": "X = 1\n"})
    same = project.load("same")
    result = project.change("same.py", "X = 1\n")
    assert result.nothing_to_do
    assert sys.modules["same"] is same


def _age(path: os.PathLike[str], seconds: int = 3600, plus_ns: int = 0) -> int:
    """Date a file back, as a file nobody has touched for a while; returns the new mtime."""
    mtime_ns = path.stat().st_mtime_ns - seconds * 1_000_000_000 + plus_ns  # type: ignore[attr-defined]
    os.utime(path, ns=(mtime_ns, mtime_ns))
    return mtime_ns


def test_stale_bytecode_is_never_used(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = project.write("quick.py", "X = 1\n")
    mtime_ns = _age(path)
    assert project.load("quick").X == 1
    cache = project.engine.bytecode_cache_path(str(path))
    assert os.path.exists(cache)
    assert sys.modules["quick"].__cached__ == cache
    del sys.modules["quick"]
    path.write_text("X = 2\n")  # same size, and within the same whole second
    os.utime(path, ns=(mtime_ns + 1000, mtime_ns + 1000))
    assert project.load("quick").X == 2

    del sys.modules["quick"]
    assert project.load("quick").X == 2, "a fresh cache entry is used as is"
    assert project.change("quick.py", "X = 3\n").ok
    assert sys.modules["quick"].__cached__ == cache, "a reloaded module names the same cache"
    assert not (project.root / "__pycache__").exists(), "Python's own cache is left to plain runs"


def test_a_source_saved_moments_ago_is_not_cached(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second save within the file system's timestamp tick can keep mtime and size alike."""
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = project.write("racy.py", "X = 1\n")
    assert project.load("racy").X == 1
    assert not os.path.exists(project.engine.bytecode_cache_path(str(path)))
    stat = path.stat()
    del sys.modules["racy"]
    path.write_text("X = 2\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the same tick: mtime and size as before
    assert project.load("racy").X == 2


def test_a_reload_runs_the_saved_bytes_whatever_the_timestamps_say(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    project = make_project({"base.py": "X = 1\n", "top.py": "from base import X\n"})
    mtimes = {name: _age(project.root / name) for name in ("base.py", "top.py")}
    project.load("top")
    assert all(os.path.exists(project.engine.bytecode_cache_path(project.path(n))) for n in mtimes)
    project.write("base.py", "X = 2\n")  # same size, and dated as the cached entry
    os.utime(project.root / "base.py", ns=(mtimes["base.py"], mtimes["base.py"]))
    result = project.change("base.py")
    assert result.ok
    assert result.reexecuted == (project.path("base.py"), project.path("top.py"))
    assert sys.modules["top"].X == 2


def test_an_unchanged_importer_is_compiled_once_even_without_a_bytecode_cache(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    project = make_project({"base.py": "X = 1\n", "top.py": "from base import X\n\ndef f():\n    return X\n"})
    project.load("top")
    assert project.change("base.py", "X = 2\n").ok
    first = sys.modules["top"].f.__code__
    assert project.change("base.py", "X = 3\n").ok
    assert sys.modules["top"].f() == 3
    # Function code objects are constants of the module's code: the same object means the same compilation.
    assert sys.modules["top"].f.__code__ is first
    assert project.change("top.py", "from base import X\n\ndef f():\n    return -X\n").ok
    assert sys.modules["top"].f() == -3 and sys.modules["top"].f.__code__ is not first


def test_new_module_imported_by_a_reload_joins_the_graph(make_project: MakeProject) -> None:
    project = make_project({"main.py": "X = 1\n"})
    project.load("main")
    project.write("addon.py", "Z = 'new'\n")
    assert project.change("main.py", "from addon import Z\n").ok
    assert sys.modules["main"].Z == "new"
    assert project.change("addon.py", "Z = 'newer'\n").ok
    assert sys.modules["main"].Z == "newer"


def test_dump_describes_every_node(make_project: MakeProject) -> None:
    project = make_project({"a.py": "import b\n", "b.py": ""})
    project.load("a")
    rows = {row["path"]: row for row in hmr.dump()}
    assert rows["a.py"] == {
        "path": "a.py",
        "node_path": project.path("a.py"),
        "boundary": True,
        "reloadable": True,
        "version": 1,
        "dependencies": ["b.py"],
        "dependents": [],
    }
    assert rows["b.py"]["dependents"] == ["a.py"]


def test_site_packages_and_stdlib_are_never_nodes(make_project: MakeProject) -> None:
    project = make_project({"m.py": "import json, rich, email.mime.text\n"})
    project.load("m")
    assert [row["path"] for row in hmr.dump()] == ["m.py"]


def test_many_reloads_leave_old_versions_collectable(make_project: MakeProject) -> None:
    project = make_project({"leaf.py": "class Thing:\n    pass\nN = 0\n", "user.py": "from leaf import Thing\n"})
    project.load("user")
    size = len(hmr.dump())
    refs = []
    for i in range(200):
        refs.append(weakref.ref(sys.modules["leaf"]))
        refs.append(weakref.ref(sys.modules["leaf"].Thing))
        assert project.change("leaf.py", f"class Thing:\n    pass\nN = {i + 1}\n").ok
    gc.collect()
    assert sys.modules["user"].Thing is sys.modules["leaf"].Thing
    assert sum(ref() is not None for ref in refs) == 0
    assert len(hmr.dump()) == size


def test_init_twice_and_hot_off_are_harmless(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    assert hmr.init(project.root) is project.engine
    hmr.shutdown()
    monkeypatch.setenv("HOT", "no")
    assert hmr.init(project.root) is None
    assert not hmr.enabled()
    context = hot(__name__)
    assert not context.enabled
    context.decline()
    context.dispose(print)
    assert context.data == {}
    assert hmr.reload([Change(project.path("x.py"))]).nothing_to_do
    assert hmr.dump() == []


def test_hot_outside_the_project_is_disabled(project: Project) -> None:
    assert not hot("json").enabled
    assert importlib.import_module("json") is sys.modules["json"]


def test_a_renamed_module_in_one_batch(make_project: MakeProject) -> None:
    project = make_project(
        {"helpers.py": "def double(x):\n    return 2 * x\n", "api.py": "from helpers import double\n"}
    )
    project.load("api")
    (project.root / "helpers.py").rename(project.root / "tools.py")
    project.write("api.py", "from tools import double\n")

    result = hmr.reload(
        [
            Change(project.path("helpers.py"), "unlink"),
            Change(project.path("tools.py"), "add"),
            Change(project.path("api.py")),
        ]
    )

    assert result.ok, result.errors
    assert project.rel(result.pruned) == ["helpers.py"]
    assert "helpers" not in sys.modules
    assert sys.modules["api"].double is sys.modules["tools"].double
    assert sorted(row["path"] for row in hmr.dump()) == ["api.py", "tools.py"]


@pytest.mark.parametrize(
    "endless",
    [
        "while True:\n    pass\n",
        "import time\nwhile True:\n    time.sleep(0.05)\n",
        "while True:\n    try:\n        sum(range(1000))\n    except Exception:\n        pass\n",
        # A bare `except:` swallows an interruption; the next one lands outside it.
        "while True:\n    try:\n        sum(range(1000))\n    except:\n        pass\n    n = sum(range(1000))\n",
    ],
)
def test_an_endless_loop_at_import_rolls_back_at_the_deadline(make_project: MakeProject, endless: str) -> None:
    project = make_project({"core.py": "X = 1\n", "api.py": "from core import X\n"}, execution_timeout=0.3)
    project.load("api")
    before = sys.modules["core"]

    result = project.change("core.py", "X = 2\n" + endless)

    assert not result.committed
    (error,) = result.errors
    assert error.path == project.path("core.py")
    assert error.line in range(2, 8)
    assert "ExecutionTimeout: module execution ran for more than 0.3 s" in error.message
    assert sys.modules["core"] is before and sys.modules["api"].X == 1
    assert project.change("core.py", "X = 3\n").ok  # the engine is intact: the next save applies
    assert sys.modules["api"].X == 3


@pytest.mark.parametrize(("env", "expected"), [(None, 30.0), ("2.5", 2.5), ("0", None), ("soon", 30.0)])
def test_the_execution_deadline_comes_from_the_environment(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch, env: str | None, expected: float | None
) -> None:
    if env is None:
        monkeypatch.delenv("HOTBED_EXECUTION_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("HOTBED_EXECUTION_TIMEOUT", env)
    assert make_project({}).engine.execution_timeout == expected
