"""Engine behaviours found wanting by peers' test suites: rolled-back changes, renames across files."""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import pytest

from hotbed.reload import hmr
from hotbed.reload.types import Change, ReloadResult
from tests.helpers.engine_project import MakeProject


def test_rename_saved_one_file_at_a_time_ends_correct(make_project: MakeProject) -> None:
    project = make_project(
        {
            "database.py": "def get_db():\n    return 'session'\n",
            "users.py": "from database import get_db\n\ndef users():\n    return get_db()\n",
            "items.py": "from database import get_db\n\ndef items():\n    return get_db()\n",
            "main.py": "import items\nimport users\n",
        }
    )
    project.load("main")

    first = project.change("database.py", "def get_session():\n    return 'session 2'\n")
    assert not first.committed  # the importers still use the old name
    second = project.change("users.py", "from database import get_session\n\ndef users():\n    return get_session()\n")
    assert not second.committed  # items.py still does
    assert sys.modules["users"].users() == "session"

    third = project.change("items.py", "from database import get_session\n\ndef items():\n    return get_session()\n")
    assert third.ok and third.committed, third.errors
    assert sys.modules["users"].users() == sys.modules["items"].items() == "session 2"
    assert project.engine.pending == {}


def test_a_pending_change_is_not_retried_after_it_committed(make_project: MakeProject) -> None:
    project = make_project({"a.py": "VALUE = 1\n", "b.py": "from a import VALUE\n"})
    project.load("b")
    assert not project.change("a.py", "VALUE = 1 / 0\n").committed
    assert project.engine.pending
    fixed = project.change("a.py", "VALUE = 2\n")
    assert fixed.committed and sys.modules["b"].VALUE == 2
    assert project.engine.pending == {}
    # Nothing changed since: the next batch of an unrelated file does not re-run a.py.
    project.write("c.py", "X = 1\n")
    assert project.change("a.py").nothing_to_do


HOT_DATA = """
from hotbed.reload import hot

context = hot(__name__)
seen = context.data.setdefault("seen", [])
seen.append(VERSION)
context.dispose(lambda data: DISPOSED.append(list(data["seen"])))
"""


def test_hot_data_rollback_restores_the_contents(make_project: MakeProject) -> None:
    project = make_project(
        {"log.py": "DISPOSED = []\n", "counter.py": "from log import DISPOSED\nVERSION = 1\n" + HOT_DATA}
    )
    project.load("counter")
    log = sys.modules["log"]

    failed = project.change("counter.py", "from log import DISPOSED\nVERSION = 2\n" + HOT_DATA + "1 / 0\n")
    assert not failed.committed
    assert project.engine.graph.by_name["counter"].data == {"seen": [1]}  # the failed append is gone

    ok = project.change("counter.py", "from log import DISPOSED\nVERSION = 3\n" + HOT_DATA)
    assert ok.ok, ok.errors
    assert sys.modules["counter"].seen == [1, 3]
    # Containers are shared across versions (a dispose may leave something for the new one).
    assert log.DISPOSED == [[1, 3]]


CONTAINERS = """
from collections import Counter, OrderedDict, defaultdict, deque
from hotbed.reload import hot

data = hot(__name__).data
kinds = data.setdefault("kinds", defaultdict(list))
kinds["versions"].append(VERSION)
recent = data.setdefault("recent", deque(maxlen=3))
recent.append(VERSION)
counts = data.setdefault("counts", Counter())
counts[VERSION] += 1
ordered = data.setdefault("ordered", OrderedDict())
ordered[VERSION] = (VERSION, [VERSION])
pairs = data.setdefault("pairs", ([], frozenset()))
pairs[0].append(VERSION)
"""


def test_a_rollback_restores_containers_of_every_kind(make_project: MakeProject) -> None:
    """`defaultdict(list)`, `deque`, `Counter` and `OrderedDict` are how caches are made, and a
    list inside a tuple is reached too: a failed version's additions to any of them are gone."""
    project = make_project({"cache.py": "VERSION = 1\n" + CONTAINERS})
    project.load("cache")
    before = repr(project.engine.graph.by_name["cache"].data)
    failed = project.change("cache.py", "VERSION = 2\n" + CONTAINERS + "1 / 0\n")
    assert not failed.committed
    data = project.engine.graph.by_name["cache"].data
    assert repr(data) == before
    assert type(data["kinds"]) is defaultdict and data["kinds"]["new key"] == []  # still a defaultdict
    assert data["recent"].maxlen == 3


def test_a_removed_module_is_disposed_then_pruned(make_project: MakeProject) -> None:
    project = make_project(
        {
            "log.py": "EVENTS = []\n",
            "plugin.py": """
                from hotbed.reload import hot
                from log import EVENTS
                context = hot(__name__)
                context.dispose(lambda data: EVENTS.append("dispose"))
                context.prune(lambda data: EVENTS.append("prune"))
            """,
            "main.py": "import log\nimport plugin\n",
        }
    )
    project.load("main")
    result = project.change("main.py", "import log\n")
    assert result.ok, result.errors
    assert project.rel(result.pruned) == ["plugin.py"]
    assert sys.modules["log"].EVENTS == ["dispose", "prune"]


def test_star_import_records_the_submodules_named_in_all(make_project: MakeProject) -> None:
    project = make_project(
        {
            "pkg/__init__.py": '__all__ = ["tools"]\n',
            "pkg/tools.py": "VALUE = 1\n",
            "main.py": "from pkg import *\n\nRESULT = tools.VALUE\n",
        }
    )
    project.load("main")
    result = project.change("pkg/tools.py", "VALUE = 2\n")
    assert result.ok, result.errors
    assert "main.py" in project.rel(result.reexecuted)
    assert sys.modules["main"].RESULT == 2


def test_a_module_no_longer_imported_is_pruned_not_reexecuted(make_project: MakeProject) -> None:
    project = make_project(
        {
            "base.py": "X = 1\n",
            "helper.py": "from base import X\n",
            "main.py": "import base\nimport helper\n",
        }
    )
    project.load("main")
    project.write("base.py", "Y = 2\n")  # helper.py would fail now: nothing imports it any more
    project.write("main.py", "import base\n")
    result = hmr.reload([Change(project.path("base.py")), Change(project.path("main.py"))])
    assert result.ok and result.committed, result.errors
    assert project.rel(result.pruned) == ["helper.py"]
    assert "helper" not in sys.modules
    assert sys.modules["base"].Y == 2


def _save_helper_and_main(make_project: MakeProject, main: str, helper: str, new_main: str) -> ReloadResult:
    """`main.py` imports `helper.py`; both saved at once with new contents."""
    project = make_project({"helper.py": "X = 1\n", "main.py": main})
    project.load("main")
    project.write("helper.py", helper)
    project.write("main.py", new_main)
    return hmr.reload([Change(project.path("helper.py")), Change(project.path("main.py"))])


def test_a_module_no_longer_imported_cannot_veto_with_a_syntax_error(make_project: MakeProject) -> None:
    """Half-written and dropped in the same save: a cold start never compiles it, so neither does the commit."""
    result = _save_helper_and_main(make_project, "import helper\n", "X = (\n", "Y = 1\n")
    assert result.ok and result.committed, result.errors
    assert [Path(p).name for p in result.pruned] == ["helper.py"] and "helper" not in sys.modules


def test_a_syntax_error_in_a_module_still_imported_rolls_back_at_its_line(make_project: MakeProject) -> None:
    main = "import helper\n\nY = helper.X\n"
    result = _save_helper_and_main(make_project, main, "X = 2\nZ = (\n", main.replace("helper.X", "helper.X + 1"))
    assert not result.committed
    assert [(Path(e.path).name, e.line, e.kind) for e in result.errors] == [("helper.py", 2, "syntax")]
    assert sys.modules["main"].Y == 1 and sys.modules["helper"].X == 1


def test_a_module_left_out_for_its_syntax_error_still_fails_when_imported_after_all(
    make_project: MakeProject,
) -> None:
    """A computed name escapes the look at the importers' code: the import itself raises the error."""
    computed = 'import importlib\n\nimportlib.import_module("".join(["hel", "per"]))\n'
    result = _save_helper_and_main(make_project, "import helper\n", "X = (\n", computed)
    assert not result.committed
    assert [(Path(e.path).name, e.line, e.kind) for e in result.errors] == [("helper.py", 1, "syntax")]
    assert sys.modules["helper"].X == 1


def test_one_file_imported_under_two_names_reloads_under_both(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`src/` is a package and on `sys.path` too (a common test setup): `src.models` and `models`
    are two modules of one file, and a cold start of the new file gives both the new code."""
    models = "class Item:\n    kind = 'old'\n\n\ndef describe():\n    return 'old'\n"
    project = make_project(
        {
            "src/__init__.py": "",
            "src/models.py": models,
            "main.py": "import models\nimport src.models\n\nKINDS = (models.Item.kind, src.models.Item.kind)\n",
        }
    )
    monkeypatch.syspath_prepend(str(project.root / "src"))
    project.load("main")
    for edit in (models.replace("return 'old'", "return 'new'"), models.replace("'old'", "'new'")):
        result = project.change("src/models.py", edit)
        assert result.ok and result.committed, result.errors
        assert (sys.modules["models"].describe(), sys.modules["src.models"].describe()) == ("new", "new"), result
    assert sys.modules["main"].KINDS == ("new", "new")


def test_an_unguarded_invalidate_during_the_first_import_starts_no_nested_reload(make_project: MakeProject) -> None:
    """`hooks` imports `counter` back, so `counter` has an importer before it finishes executing."""
    project = make_project(
        {
            "log.py": "RUNS = []\n",
            "hooks.py": "import counter\nimport log\n\nlog.RUNS.append('hooks')\n",
            "counter.py": "import hooks\nimport hotbed, log\n\nlog.RUNS.append('counter')\n"
            "hotbed.hot(__name__).invalidate()\n",
            "user.py": "import counter\nimport log\n\nlog.RUNS.append('user')\n",
        }
    )
    project.load("user")
    assert sys.modules["log"].RUNS == ["hooks", "counter", "user"]  # each ran once, as in a plain import


CYCLE_A = """
import hotbed
import cycle_b

hot = hotbed.hot(__name__)
hot.accept()
VERSION = 1
if hot.data.get("seen"):
    hot.invalidate()
hot.data["seen"] = True
"""


def test_invalidate_inside_an_import_cycle_leaves_no_stale_reference(make_project: MakeProject) -> None:
    project = make_project({"cycle_a.py": CYCLE_A, "cycle_b.py": "import cycle_a\n", "main.py": "import cycle_a\n"})
    project.load("main")
    result = project.change("cycle_a.py", CYCLE_A.replace("VERSION = 1", "VERSION = 2"))
    assert result.ok and result.committed, result.errors
    a, b = sys.modules["cycle_a"], sys.modules["cycle_b"]
    assert a.cycle_b is b and b.cycle_a is a, "each module of the cycle holds the other's current version"
    assert a.VERSION == 2


def test_modules_linked_from_outside_the_project_are_not_tracked(make_project: MakeProject, tmp_path: Path) -> None:
    """A module that is a symlink out of the project, or in a folder that is, runs code the project
    does not hold: it is imported as usual but is not a node of the graph."""
    outside = tmp_path / "outside"
    (outside / "pkg").mkdir(parents=True)
    (outside / "single.py").write_text("VALUE = 1\n")
    (outside / "pkg" / "__init__.py").write_text("")
    (outside / "pkg" / "inner.py").write_text("VALUE = 2\n")
    project = make_project({"main.py": "import single\nimport linked.inner\nimport own\n", "own.py": "VALUE = 3\n"})
    (project.root / "single.py").symlink_to(outside / "single.py")
    (project.root / "linked").symlink_to(outside / "pkg", target_is_directory=True)
    project.load("main")
    tracked = sorted(row["path"] for row in hmr.dump())
    assert tracked == ["main.py", "own.py"]
    assert sys.modules["linked.inner"].VALUE == 2  # imported all the same
