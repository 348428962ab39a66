"""The language server against a real `hotbed dev`: saves reload, errors and restarts come back as diagnostics."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types as lsp

from tests.server.conftest import App, DevServer, Editor, uri


async def _connected(start_editor: Callable[[Path], Any], app: App) -> Editor:
    editor: Editor = await start_editor(app.root)
    await editor.status(lambda s: s.state == "ok", "the connection to hotbed dev")
    return editor


async def test_save_reloads_and_the_new_code_is_served(
    app: App, start_dev: Callable[[], DevServer], start_editor: Callable[[Path], Any]
) -> None:
    dev = start_dev()
    editor = await _connected(start_editor, app)
    before = app.served(dev.get(app.url))
    since = len(editor.statuses)
    editor.edit(app.module, app.old, app.new)
    status = await editor.status(
        lambda s: s.report is not None and s.state == "ok" and bool(s.report.reexecuted), "ok", since
    )
    assert status.report is not None
    assert str(app.module) in status.report.reexecuted
    assert str(app.module) in status.report.changed
    after = app.served(dev.get(app.url))
    assert after != before
    assert "dear" in after
    assert not [s for s in editor.statuses[since:] if s.state == "error"]


async def test_syntax_error_is_a_reload_error_at_its_line_and_the_fix_clears_it(
    app: App, start_dev: Callable[[], DevServer], start_editor: Callable[[Path], Any]
) -> None:
    dev = start_dev()
    editor = await _connected(start_editor, app)
    good = app.module.read_text()
    lines = good.splitlines()
    broken_line = len(lines) - 1  # 1-based number of the second-to-last line
    lines[broken_line - 1] = "x = (  # never closed"
    before = len(editor.statuses)
    editor.save(app.module, "\n".join(lines) + "\n")
    found = await editor.diagnostics_until(
        app.module, lambda d: any(x.code == "reload-error" for x in d), "reload-error"
    )
    error = next(d for d in found if d.code == "reload-error")
    assert error.source == "hotbed"
    assert error.range.start.line == broken_line - 1
    assert "never closed" in error.message or "SyntaxError" in error.message
    await editor.status(lambda s: s.state == "error", "the error status", before)
    assert "dear" not in app.served(dev.get(app.url))  # the last good code keeps serving
    since = len(editor.statuses)
    editor.save(app.module, good)
    await editor.diagnostics_until(app.module, lambda d: not any(x.code == "reload-error" for x in d), "the fix")
    await editor.status(lambda s: s.state == "ok", "ok after the fix", since)


async def test_declined_module_restarts_and_the_diagnostic_clears(
    app: App, start_dev: Callable[[], DevServer], start_editor: Callable[[Path], Any]
) -> None:
    dev = start_dev()
    editor = await _connected(start_editor, app)
    since = len(editor.statuses)
    editor.edit(app.declined, '"Hello"', '"Howdy"')
    found = await editor.diagnostics_until(app.declined, lambda d: any(x.code == "declined" for x in d), "declined")
    declined = next(d for d in found if d.code == "declined")
    actions = await editor.client.text_document_code_action_async(
        lsp.CodeActionParams(
            lsp.TextDocumentIdentifier(uri(app.declined)), declined.range, lsp.CodeActionContext([declined])
        )
    )
    assert actions is not None
    # (lsprotocol's client side may read a CodeAction carrying a command as a Command: check both shapes)
    assert [a.title for a in actions] == ["Restart dev server"]
    assert "hotbed.restart" in str(actions[0].command)
    await editor.diagnostics_until(app.declined, lambda d: not d, "the restart to clear it")
    states = [s.state for s in editor.statuses[since:]]
    assert "restart-required" in states
    assert states.index("restarting") > states.index("restart-required")
    # The dev server's own watcher saw the save too; its batch may run after the restart
    # (a no-op, shown as a short "syncing"), so wait for "ok" rather than read the last state.
    await editor.status(lambda s: s.state == "ok", "ok after the restart", since + states.index("restarting"))
    assert "Howdy" in app.served(dev.get(app.url))


async def test_restart_command_hands_over_to_a_new_worker(
    app: App, start_dev: Callable[[], DevServer], start_editor: Callable[[Path], Any]
) -> None:
    start_dev()
    editor = await _connected(start_editor, app)
    since = len(editor.statuses)
    await editor.command("hotbed.restart")
    await editor.status(lambda s: s.state == "restarting", "restarting", since)
    ok = await editor.status(lambda s: s.state == "ok", "ok after the restart", since)
    assert "serving" in ok.message


async def test_dump_hover_and_code_lens(
    app: App, start_dev: Callable[[], DevServer], start_editor: Callable[[Path], Any]
) -> None:
    start_dev()
    editor = await _connected(start_editor, app)
    nodes = await editor.command("hotbed.dump")
    by_path = {node["nodePath"]: node for node in nodes}
    routes = by_path[str(app.module)]
    assert routes["boundary"] is True
    assert routes["dependents"]
    editor.open(app.module)
    hover = await editor.client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(uri(app.module)), lsp.Position(0, 0))
    )
    assert hover is not None
    assert isinstance(hover.contents, lsp.MarkupContent)
    assert "Boundary" in hover.contents.value
    assert "re-executes" in hover.contents.value
    lenses = await editor.client.text_document_code_lens_async(
        lsp.CodeLensParams(lsp.TextDocumentIdentifier(uri(app.module)))
    )
    assert lenses is not None
    assert lenses[0].command is not None
    assert "boundary" in lenses[0].command.title


async def test_dev_server_killed_and_started_again(
    app: App, start_dev: Callable[[], DevServer], start_editor: Callable[[Path], Any]
) -> None:
    dev = start_dev()
    editor = await _connected(start_editor, app)
    since = len(editor.statuses)
    dev.stop(signal.SIGKILL)  # no clean-up: the socket file stays behind, stale
    await editor.status(lambda s: s.state == "disconnected", "disconnected", since)
    since = len(editor.statuses)
    dev = start_dev()
    await editor.status(lambda s: s.state == "ok", "ok from the new dev server", since)
    editor.edit(app.module, app.old, app.new)
    await editor.status(
        lambda s: s.report is not None and s.state == "ok" and bool(s.report.changed), "a reload", since
    )
    assert "dear" in app.served(dev.get(app.url))


async def test_save_outside_the_workspace_changes_nothing(
    app: App, tmp_path: Path, start_dev: Callable[[], DevServer], start_editor: Callable[[Path], Any]
) -> None:
    start_dev()
    editor = await _connected(start_editor, app)
    outside = tmp_path / "elsewhere" / "routes.py"
    outside.parent.mkdir()
    outside.write_text(app.module.read_text())
    since = len(editor.statuses)
    editor.edit(outside, app.old, app.new)
    # A request answered after the save was handled: any sync would have sent `syncing` before it.
    await editor.command("hotbed.dump")
    assert editor.statuses[since:] == []
    assert editor.diagnostics(outside) == []


async def test_files_changed_outside_the_editor(
    app: App, start_dev: Callable[[], DevServer], start_editor: Callable[[Path], Any]
) -> None:
    dev = start_dev()
    editor = await _connected(start_editor, app)
    since = len(editor.statuses)
    app.module.write_text(app.module.read_text().replace(app.old, app.new))
    editor.client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams([lsp.FileEvent(uri(app.module), lsp.FileChangeType.Changed)])
    )
    await editor.status(lambda s: s.report is not None and bool(s.report.changed), "the change applied", since)
    assert "dear" in app.served(dev.get(app.url))
    # The dev server's own watcher saw the same write: whichever came second changed nothing, flipped nothing.
    assert not [s for s in editor.statuses[since:] if s.state == "error"]
