"""The language server finds the project a folder belongs to, however deep the editor opened it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from hotbed_lsp.workspace import find_project_root
from tests.lsp.conftest import App, DevServer, Editor

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
