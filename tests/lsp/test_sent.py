"""One save is applied once, however many ways the editor reports it; and nobody's console floods."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from tests.lsp.conftest import HOTBED_LSP, App, DevServer, Editor, count_runs, uri

StartDev = Callable[..., DevServer]
StartEditor = Callable[..., Any]

BROKEN = "value = (1,  # never closed\n"


def _applied(editor: Editor, path: Path, since: int) -> int:
    """How many batches since `since` applied `path` (re-executed or patched in place)."""
    return sum(
        1
        for s in editor.statuses[since:]
        if s.state == "ok" and s.report is not None and str(path) in [*s.report.reexecuted, *s.report.patched]
    )


def _watched(editor: Editor, path: Path) -> None:
    """What VS Code's `**/*.py` file watcher sends ~300 ms after the save it already reported."""
    editor.client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams([lsp.FileEvent(uri(path), lsp.FileChangeType.Changed)])
    )


async def _connected(start_editor: StartEditor, app: App, *command: str) -> Editor:
    editor: Editor = await start_editor(app.root, *((command,) if command else ()))
    await editor.status(lambda s: s.state == "ok", "the connection to hotbed dev")
    return editor


async def test_a_save_the_editor_reports_twice_is_applied_once(
    app: App, start_dev: StartDev, start_editor: StartEditor
) -> None:
    count_runs(app)
    dev = start_dev()  # no watcher: only the editor tells the dev server
    editor = await _connected(start_editor, app)
    since = len(editor.statuses)
    editor.edit(app.module, app.old, app.new)
    await editor.applied(app.module, since)
    after = len(editor.statuses)
    _watched(editor, app.module)
    # A later save of another file is handled after the watched-file event: once it is applied,
    # the event has been too, and any batch it caused would have gone first.
    editor.save(app.other, app.other.read_text() + "\n# one more save\n")
    await editor.applied(app.other, after, "changed")
    # one batch applied the module (patched in place or re-executed), and the repeated report made none
    assert _applied(editor, app.module, since) == 1
    assert dev.runs() <= 2  # the first import, and at most one re-execution
    assert editor.states(after).count("syncing") == 1
    assert "dear" in dev.served()


async def test_a_broken_save_reported_twice_reports_its_error_once(
    app: App, start_dev: StartDev, start_editor: StartEditor
) -> None:
    start_dev()
    editor = await _connected(start_editor, app)
    good = app.module.read_text()
    since = len(editor.statuses)
    editor.save(app.module, good + BROKEN)
    await editor.status(lambda s: s.state == "error", "the error status", since)
    after = len(editor.statuses)
    _watched(editor, app.module)
    editor.save(app.other, app.other.read_text() + "\n# one more save\n")
    await editor.status(
        lambda s: s.state != "syncing" and s.report is not None and str(app.other) in s.report.changed,
        "the other save's answer",
        after,
    )
    assert editor.states(after).count("syncing") == 1, editor.states(after)  # the other save's batch only


async def test_a_save_that_never_arrived_is_sent_again(
    app: App, start_dev: StartDev, start_editor: StartEditor
) -> None:
    """Content is only 'sent' once the dev server got it: a save made while none ran goes out on the next save."""
    editor: Editor = await start_editor(app.root)
    await editor.status(lambda s: s.state == "disconnected", "disconnected")
    editor.edit(app.module, app.old, app.new)  # nobody listens
    dev = start_dev()
    await editor.status(lambda s: s.state == "ok", "the connection to hotbed dev")
    assert "dear" in dev.served()  # a new dev server reads the files itself
    since = len(editor.statuses)
    editor.save(app.module, app.module.read_text())  # same bytes, but never sent to this dev server
    await editor.status(lambda s: s.state == "ok", "the save applied", since)
    assert "syncing" in editor.states(since)


async def test_neither_console_floods_once_an_editor_connects(
    app: App, start_dev: StartDev, start_editor: StartEditor
) -> None:
    dev = start_dev()
    editor = await _connected(start_editor, app, *HOTBED_LSP)
    since = len(editor.statuses)
    editor.edit(app.module, app.old, app.new)
    await editor.applied(app.module, since)
    await editor.command("hotbed.dump")  # the largest message there is
    assert "Sending data" not in dev.output.text
    assert not [line for line in dev.output.lines if line.startswith(("INFO pygls", "DEBUG"))]
