"""The reload engine's rules one at a time: error locations, file events, decline, invalidate,
dispose/prune callbacks, compile-before-execute and excluded folders, on real projects."""

from __future__ import annotations

import logging
import sys

import pytest

from hotbed.exceptions import RestartRequired
from hotbed.reload import hmr
from hotbed.reload.types import Change
from tests.helpers.engine_project import MakeProject


@pytest.mark.parametrize(
    ("broken", "kind", "points_at"),
    [
        ("X = 2\nvalue = [1, 2\n", "syntax", "[1, 2"),  # '[' was never closed
        ("X = 2\nvalue = int('seven')\n", "import", "int('seven')"),
    ],
)
def test_a_failed_reload_locates_the_line_and_column(
    make_project: MakeProject, broken: str, kind: str, points_at: str
) -> None:
    project = make_project({"core.py": "X = 1\n", "api.py": "from core import X\n"})
    project.load("api")

    result = project.change("core.py", broken)

    assert not result.committed and result.duration > 0
    (error,) = result.errors
    assert (error.path, error.line, error.kind) == (project.path("core.py"), 2, kind)
    assert error.source_line == broken.splitlines()[1]
    assert error.column > 0 and error.source_line[error.column - 1 :] == points_at


def test_a_committed_reload_reports_its_duration(make_project: MakeProject) -> None:
    project = make_project({"core.py": "X = 1\n"})
    project.load("core")
    result = project.change("core.py", "X = 2\n")
    assert result.committed and result.duration > 0


def test_invalidate_file_for_unlink_and_add_events(make_project: MakeProject) -> None:
    project = make_project({"dep.py": "X = 1\n", "user.py": "from dep import X\n", "top.py": "import user\n"})
    project.load("top")
    (project.root / "dep.py").unlink()
    # A deleted module is not re-executed; its importers are, and the first of them will fail loudly.
    assert project.rel(hmr.invalidate_file(project.path("dep.py"), "unlink")) == ["user.py", "top.py"]

    # A file the graph has never seen: nothing to reload (autoload picks new API files up).
    project.write("fresh.py", "Y = 1\n")
    assert hmr.invalidate_file(project.path("fresh.py"), "add") == []
    # An editor saving by rename reports an existing module as added: that is a change.
    assert project.rel(hmr.invalidate_file(project.path("user.py"), "add")) == ["user.py", "top.py"]


# app.py imports config.py, which declines and imports leaf.py.
_DECLINING_MIDDLE = {
    "leaf.py": "X = 1\n",
    "config.py": "import hotbed\nfrom leaf import X\nhotbed.hot(__name__).decline()\n",
    "app.py": "import config\n",
}


def test_dump_marks_a_module_whose_change_needs_a_restart_as_not_reloadable(make_project: MakeProject) -> None:
    project = make_project(_DECLINING_MIDDLE)
    project.load("app")
    reloadable = {row["path"]: row["reloadable"] for row in hmr.dump()}
    # leaf.py is not declined itself, but a change to it re-executes config.py, which is.
    assert reloadable == {"app.py": True, "config.py": False, "leaf.py": False}


def test_a_declining_dependent_makes_the_change_restart_required_and_is_named(make_project: MakeProject) -> None:
    project = make_project(_DECLINING_MIDDLE)
    project.load("app")
    leaf = sys.modules["leaf"]

    with pytest.raises(RestartRequired) as raised:
        hmr.invalidate_file(project.path("leaf.py"))
    (reason,) = raised.value.reasons
    assert (reason.kind, reason.path, reason.changed) == (
        "declined",
        project.path("config.py"),
        project.path("leaf.py"),
    )
    assert reason.message == "config.py declined hot reloading"

    result = project.change("leaf.py", "X = 2\n")
    assert result.restart == (reason,) and not result.committed
    assert sys.modules["leaf"] is leaf and sys.modules["config"].X == 1


def test_invalidate_outside_a_reload_reexecutes_the_importers_now(make_project: MakeProject) -> None:
    project = make_project(
        {
            "counter.py": """
                import hotbed
                hot = hotbed.hot(__name__)
                COUNT = [0]

                def bump():
                    COUNT[0] += 1
                    hot.invalidate()
                """,
            "user.py": "from counter import COUNT\nSEEN = COUNT[0]\n",
        }
    )
    project.load("user")
    counter, user = sys.modules["counter"], sys.modules["user"]
    assert user.SEEN == 0

    counter.bump()

    assert sys.modules["counter"] is counter, "the module itself is not re-executed"
    assert sys.modules["user"] is not user and sys.modules["user"].SEEN == 1
    assert {row["path"]: row["version"] for row in hmr.dump()} == {"counter.py": 1, "user.py": 2}


def test_invalidate_outside_a_reload_that_fails_rolls_back_and_says_so(
    make_project: MakeProject, caplog: pytest.LogCaptureFixture
) -> None:
    project = make_project(
        {
            "counter.py": "import hotbed\nhot = hotbed.hot(__name__)\nCOUNT = [0]\n",
            "user.py": "from counter import COUNT\nif COUNT[0]:\n    raise RuntimeError('no second run')\n",
        }
    )
    project.load("user")
    counter, user = sys.modules["counter"], sys.modules["user"]
    counter.COUNT[0] = 1

    with caplog.at_level(logging.WARNING, logger="hotbed.reload.engine"):
        counter.hot.invalidate()

    assert sys.modules["user"] is user, "the failed re-execution is rolled back"
    assert "hot.invalidate() in counter.py: user.py:3: RuntimeError: no second run" in caplog.text


def test_invalidate_outside_a_reload_with_a_non_boundary_importer_requires_a_restart(
    make_project: MakeProject,
) -> None:
    project = make_project(
        {
            "lib/__init__.py": "",
            "lib/counter.py": "import hotbed\nhot = hotbed.hot(__name__)\n\ndef bump():\n    hot.invalidate()\n",
            "main.py": "from lib import counter\n",
        },
        boundaries=["lib/*.py"],
    )
    project.load("main")
    main = sys.modules["main"]
    with pytest.raises(RestartRequired) as raised:
        sys.modules["lib.counter"].bump()
    assert [(r.kind, r.path) for r in raised.value.reasons] == [("non-boundary", project.path("main.py"))]
    assert sys.modules["main"] is main


_POOL = """
    import sys
    import hotbed
    from log import EVENTS
    VERSION = {version}

    def close(data):
        current = sys.modules[__name__]
        version = next(row["version"] for row in hotbed.reload.hmr.dump() if row["path"] == "pool.py")
        EVENTS.append((VERSION, current.VERSION, version))

    hotbed.hot(__name__).dispose(close)
    """


def test_dispose_runs_after_the_commit_and_never_for_a_rolled_back_reload(make_project: MakeProject) -> None:
    project = make_project({"log.py": "EVENTS = []\n", "pool.py": _POOL.format(version=1)})
    project.load("pool")
    events = project.load("log").EVENTS

    failed = project.change("pool.py", _POOL.format(version=2) + "raise RuntimeError('broken')\n")
    assert not failed.committed and failed.errors
    assert events == [], "a rolled-back reload replaced nothing: no dispose may run"

    assert project.change("pool.py", _POOL.format(version=3)).committed
    # Only the first version's callback ran (the failed version's never took over), and it saw
    # the new module in sys.modules and the node's version already advanced.
    assert events == [(1, 3, 2)]


def test_dispose_and_prune_errors_are_reported_and_the_reload_stays_committed(make_project: MakeProject) -> None:
    failing = "import hotbed\nVERSION = {version}\n\ndef fail(data):\n    raise OSError('cannot close')\n\n"
    project = make_project(
        {
            "pool.py": failing.format(version=1) + "hotbed.hot(__name__).dispose(fail)\n",
            "job.py": failing.format(version=1) + "hotbed.hot(__name__).prune(fail)\n",
        }
    )
    project.load("pool")
    project.load("job")

    replaced = project.change("pool.py", failing.format(version=2) + "hotbed.hot(__name__).dispose(fail)\n")
    assert replaced.committed and not replaced.ok
    (error,) = replaced.errors
    assert (error.kind, error.path, error.line) == ("dispose", project.path("pool.py"), 5)
    assert error.message == "OSError: cannot close" and error.source_line == "raise OSError('cannot close')"
    assert sys.modules["pool"].VERSION == 2

    removed = project.delete("job.py")
    assert removed.committed and project.rel(removed.pruned) == ["job.py"]
    (error,) = removed.errors
    assert (error.kind, error.path, error.message) == ("prune", project.path("job.py"), "OSError: cannot close")
    assert "job" not in sys.modules


def test_every_module_is_compiled_before_any_executes(make_project: MakeProject) -> None:
    project = make_project(
        {
            "log.py": "EVENTS = []\n",
            "first.py": "import log\nlog.EVENTS.append('first v1')\n",
            "second.py": "X = 1\n",
            "app.py": "import first\nimport second\n",
        }
    )
    project.load("app")
    events = project.load("log").EVENTS
    before = {name: sys.modules[name] for name in ("app", "first", "second")}

    # In the plan's order first.py executes before second.py; first.py has a side effect,
    # second.py does not compile.
    project.write("first.py", "import log\nlog.EVENTS.append('first v2')\n")
    project.write("second.py", "X = 2\ndef broken(:\n")
    result = hmr.reload([Change(project.path("first.py")), Change(project.path("second.py"))])

    (error,) = result.errors
    assert (error.kind, error.path, error.line) == ("syntax", project.path("second.py"), 2)
    assert events == ["first v1"], "a SyntaxError anywhere in the plan must stop it before anything runs"
    assert {name: sys.modules[name] for name in before} == before


_SITE_PACKAGES = f"lib/python{sys.version_info.major}.{sys.version_info.minor}/site-packages"


# pip puts editable checkouts under the virtualenv's src/, outside site-packages.
@pytest.mark.parametrize("folder", [".venv/src/vendored", "venv/src/vendored", f".venv/{_SITE_PACKAGES}"])
def test_a_virtualenv_inside_the_project_is_never_part_of_the_graph(
    make_project: MakeProject, monkeypatch: pytest.MonkeyPatch, folder: str
) -> None:
    project = make_project({"app.py": "import vendored\n"})
    vendored = project.write(f"{folder}/vendored.py", "X = 1\n")
    monkeypatch.syspath_prepend(str(vendored.parent))

    project.load("app")

    assert sys.modules["vendored"].__file__ == str(vendored)
    assert [row["path"] for row in hmr.dump()] == ["app.py"]
    assert hmr.invalidate_file(vendored) == []
    assert project.change(f"{folder}/vendored.py", "X = 2\n").nothing_to_do
