"""The language server finds the project a folder belongs to, however deep the editor opened it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hotbed_lsp.workspace import find_project_root, project_root_of
from tests.lsp.conftest import App, DevServer, Editor, hello_project

StartDev = Callable[..., DevServer]
StartEditor = Callable[..., Any]


def test_the_nearest_running_dev_server_wins(tmp_path: Path) -> None:
    app = tmp_path / "project" / "app" / "deep"
    app.mkdir(parents=True)
    assert find_project_root(app) == app.resolve(), "nothing around it: the folder itself"
    (tmp_path / "project" / "hotbed.toml").write_text("")
    assert find_project_root(app) == (tmp_path / "project").resolve(), "settings above it"
    sock = tmp_path / "project" / "app" / ".hotbed" / "control.sock"
    sock.parent.mkdir()
    sock.touch()
    assert find_project_root(app) == sock.parent.parent.resolve(), "a dev server serves that folder"


def test_a_file_belongs_to_the_project_above_it_and_none_is_none(tmp_path: Path) -> None:
    module = tmp_path / "a" / "hello" / "routes.py"
    module.parent.mkdir(parents=True)
    module.touch()
    assert project_root_of(module) is None, "no project around it"
    (tmp_path / "a" / ".hotbed").mkdir()
    assert project_root_of(module) == (tmp_path / "a").resolve(), "the folder a dev server ran in, stopped since"
    (tmp_path / "a" / "hello" / "hotbed.toml").touch()
    assert project_root_of(module) == (tmp_path / "a" / "hello").resolve(), "nearer settings"
    (tmp_path / "a" / ".hotbed" / "control.sock").touch()
    assert project_root_of(module) == (tmp_path / "a").resolve(), "a running dev server above wins"


def test_pyproject_settings_count_and_other_pyprojects_do_not(tmp_path: Path) -> None:
    inner = tmp_path / "outer" / "inner"
    inner.mkdir(parents=True)
    (inner / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "outer" / "pyproject.toml").write_text("[tool.hotbed]\nsource_root = 'src'\n")
    assert find_project_root(inner) == (tmp_path / "outer").resolve()


async def test_an_editor_opened_on_the_apps_own_folder_reaches_the_dev_server_above_it(
    hello_app: App, start_editor: StartEditor
) -> None:
    """`hotbed dev hello/main.py` runs in the parent; the editor opens `hello/` itself."""
    dev = DevServer(hello_app)
    try:
        editor: Editor = await start_editor(hello_app.root / "hello")
        await editor.status(lambda s: s.state == "ok", "the connection to hotbed dev in the parent folder")
        since = len(editor.statuses)
        editor.edit(hello_app.module, hello_app.old, hello_app.new)
        await editor.applied(hello_app.module, since)
        assert "dear" in dev.get(hello_app.url)["message"]
    finally:
        dev.stop()


async def test_a_window_above_two_projects_sends_each_save_to_its_own_dev_server(
    tmp_path: Path, start_editor: StartEditor
) -> None:
    """The editor opens the folder above `a/` and `b/`, each served by its own `hotbed dev`."""
    a, b = hello_project(tmp_path / "a"), hello_project(tmp_path / "b")
    never = hello_project(tmp_path / "never")  # a project whose dev server has not started yet
    (never.root / "hotbed.toml").write_text("")
    servers = [DevServer(a), DevServer(b)]
    try:
        editor: Editor = await start_editor(tmp_path)
        since = len(editor.statuses)
        editor.edit(a.module, a.old, a.new)
        status = await editor.applied(a.module, since, root=a.root)
        assert status.report is not None and status.report.root == str(a.root)
        assert "dear" in servers[0].served() and "dear" not in servers[1].served()

        since = len(editor.statuses)
        editor.edit(b.module, b.old, 'f"{GREETING_PREFIX}, dearest {name}!"')
        await editor.applied(b.module, since, root=b.root)
        assert "dearest" in servers[1].served() and "dearest" not in servers[0].served()
        assert str(a.module) not in str(editor.statuses[since:]), "b's batch is b's alone"

        # A project nobody serves yet: its files say so, naming the folder they wait for.
        editor.open(never.module)
        waiting = await editor.status(lambda s: s.state == "disconnected", "never/'s status", root=never.root)
        assert str(never.root) in waiting.message

        # b's dev server stops: b's files wait for it; a's connection is untouched.
        since = len(editor.statuses)
        servers[1].stop()
        gone = await editor.status(lambda s: s.state == "disconnected", "b disconnected", since, root=b.root)
        assert str(b.root) in gone.message
        assert str(a.root) not in editor.roots[since:]
        servers[1] = DevServer(b)  # serves b/ as on disk: "dearest"
        await editor.status(lambda s: s.state == "ok", "b connected again", since, root=b.root)
        since = len(editor.statuses)
        editor.edit(b.module, "dearest", "dearest of all")
        await editor.applied(b.module, since, root=b.root)
        assert "dearest of all" in servers[1].served()
        assert "dearest" not in servers[0].served()
    finally:
        for server in servers:
            server.stop()
