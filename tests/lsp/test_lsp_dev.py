"""The language server against a real `hotbed dev`: saves reload, errors and restarts come back as diagnostics.

The dev server runs without its watcher unless a test says otherwise: what the editor
saved reaches it through the language server, or not at all.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types as lsp

from hotbed.dev.control_client import ControlClient
from hotbed.dev.protocol import ChangeParams, converter
from tests.lsp.conftest import HOTBED_LSP, TIMEOUT, App, DevServer, Editor, count_runs, uri

StartDev = Callable[..., DevServer]
StartEditor = Callable[..., Any]


async def _connected(start_editor: StartEditor, app: App, *command: str) -> Editor:
    editor: Editor = await start_editor(app.root, *((command,) if command else ()))
    await editor.status(lambda s: s.state == "ok", "the connection to hotbed dev")
    return editor


BROKEN = "value = (1,  # never closed\n"  # SyntaxError: '(' was never closed, at column 9


def _broken(path: Path) -> tuple[str, int, int]:
    """`path`'s text with an unclosed parenthesis added as its last line; the 1-based line and column of the `(`."""
    text = path.read_text()
    return text + BROKEN, len(text.splitlines()) + 1, BROKEN.index("(") + 1


async def test_save_reloads_and_the_new_code_is_served(
    app: App, start_dev: StartDev, start_editor: StartEditor
) -> None:
    dev = start_dev()
    editor = await _connected(start_editor, app, *HOTBED_LSP)  # as editors run it: the `hotbed lsp` console script
    before = dev.served()
    since = len(editor.statuses)
    editor.edit(app.module, app.old, app.new)
    status = await editor.applied(app.module, since)
    assert status.report is not None
    assert str(app.module) in status.report.changed
    after = dev.served()
    assert after != before
    assert "dear" in after
    assert "error" not in editor.states(since)
    assert editor.client.messages == []  # a save that worked needs nobody's attention


async def test_a_save_seen_by_the_editor_and_the_watcher_is_applied_once(
    app: App, start_dev: StartDev, start_editor: StartEditor
) -> None:
    count_runs(app)
    dev = start_dev(watch=True)
    editor = await _connected(start_editor, app)
    assert dev.runs() == 1
    since = len(editor.statuses)
    editor.edit(app.module, app.old, app.new)
    await editor.applied(app.module, since)
    # A later write only the watcher reports: once it is applied, the watcher has handled the save before it.
    since = len(editor.statuses)
    app.other.write_text(app.other.read_text() + "\n# written outside the editor\n")
    await editor.applied(app.other, since, "changed")
    # A batch's own status brings a new report; a batch that found the save applied already (the
    # watcher and the editor racing each other) says the state stands, repeating the report before it.
    statuses = editor.statuses
    applied = [
        s
        for before, s in zip([None, *statuses], statuses, strict=False)
        if s.state == "ok"
        and s.report
        and str(app.module) in s.report.reexecuted + s.report.patched
        and (before is None or before.report != s.report)
    ]
    assert len(applied) == 1, [s.message for s in applied]  # one batch for the save, patched or re-executed
    assert dev.runs() <= 2  # the first import, and at most one re-execution
    assert "dear" in dev.served()


async def test_syntax_error_is_a_reload_error_at_its_position_and_the_fix_clears_it(
    app: App, start_dev: StartDev, start_editor: StartEditor
) -> None:
    dev = start_dev()
    editor = await _connected(start_editor, app)
    good = app.module.read_text()
    broken, line, column = _broken(app.module)
    before = len(editor.statuses)
    editor.save(app.module, broken)
    found = await editor.diagnostics_until(
        app.module, lambda d: any(x.code == "reload-error" for x in d), "reload-error"
    )
    error = next(d for d in found if d.code == "reload-error")
    assert error.source == "hotbed"
    assert error.severity == lsp.DiagnosticSeverity.Error
    assert (error.range.start.line, error.range.start.character) == (line - 1, column - 1)  # the "(" never closed
    assert "never closed" in error.message
    await editor.status(lambda s: s.state == "error", "the error status", before)
    assert "dear" not in dev.served()  # the last good code keeps serving
    since = len(editor.statuses)
    editor.save(app.module, good)
    await editor.diagnostics_until(app.module, lambda d: not any(x.code == "reload-error" for x in d), "the fix")
    await editor.status(lambda s: s.state == "ok", "ok after the fix", since)


@pytest.mark.parametrize("applied_by", ["another control client", "the watcher"])
async def test_a_fix_made_outside_the_editor_clears_the_reload_error(
    app: App, applied_by: str, start_dev: StartDev, start_editor: StartEditor
) -> None:
    """The fix restores the code that runs, so the dev server's batch changes nothing: only its status says so."""
    start_dev(watch=applied_by == "the watcher")
    editor = await _connected(start_editor, app)
    good = app.module.read_text()
    editor.save(app.module, _broken(app.module)[0])
    await editor.diagnostics_until(app.module, lambda d: any(x.code == "reload-error" for x in d), "reload-error")
    since = len(editor.statuses)
    app.module.write_text(good)  # no didSave, no watched-file event: the editor is not told
    if applied_by == "another control client":
        control = ControlClient(app.root)
        await control.connect()
        try:
            report = await control.sync([ChangeParams(str(app.module))])
        finally:
            await control.close()
        assert report.ok and report.changed == []
    await editor.diagnostics_until(app.module, lambda d: not d, "the reload-error to clear")
    fixed = await editor.status(lambda s: s.state == "ok", "ok after the fix", since)
    assert fixed.report is not None and fixed.report.changed == []


async def test_declined_module_restarts_and_the_diagnostic_clears(
    app: App, start_dev: StartDev, start_editor: StartEditor
) -> None:
    dev = start_dev()
    editor = await _connected(start_editor, app)
    since = len(editor.statuses)
    editor.edit(app.declined, '"Hello"', '"Howdy"')
    found = await editor.diagnostics_until(app.declined, bool, "declined")
    assert [d.code for d in found] == ["declined"]
    assert "declined hot reloading" in found[0].message
    await _restarts_and_clears(editor, app.declined, found[0], since)
    assert "Howdy" in dev.served()


async def test_a_restart_file_requires_a_restart_and_the_diagnostic_clears_after_it(
    app: App, start_dev: StartDev, start_editor: StartEditor
) -> None:
    env = app.root / ".env"
    env.write_text("GREETING=Hello\n")
    start_dev()
    editor = await _connected(start_editor, app)
    since = len(editor.statuses)
    editor.save(env, "GREETING=Howdy\n")
    found = await editor.diagnostics_until(env, bool, "restart-required")
    assert [d.code for d in found] == ["restart-required"]
    assert ".env changed (a restart file)" in found[0].message
    await _restarts_and_clears(editor, env, found[0], since)


async def _restarts_and_clears(editor: Editor, path: Path, diagnostic: lsp.Diagnostic, since: int) -> None:
    """A restart diagnostic offers the restart, and the restart the dev server starts by itself clears it.

    Neither the restart nor the answer to the save's sync, which comes after the restart,
    loses the control connection or brings the diagnostic back.
    """
    assert diagnostic.source == "hotbed"
    assert diagnostic.severity == lsp.DiagnosticSeverity.Warning
    actions = await editor.code_actions(path, diagnostic)
    # (lsprotocol's client side may read a CodeAction carrying a command as a Command: check both shapes)
    assert [a.title for a in actions] == ["Restart dev server"]
    assert "hotbed.restart" in str(actions[0].command)
    await editor.diagnostics_until(path, lambda d: not d, "the restart to clear it")
    states = editor.states(since)
    assert states.index("restarting") > states.index("restart-required")
    assert "disconnected" not in states  # the control channel outlives the worker
    assert editor.statuses[-1].state == "ok"
    assert "(restarted)" in editor.statuses[-1].message
    await editor.command("hotbed.dump")  # answered by the dev server after the save's batch, restart included
    assert editor.diagnostics(path) == []


async def test_restart_command_hands_over_to_a_new_worker(
    app: App, start_dev: StartDev, start_editor: StartEditor
) -> None:
    dev = start_dev()
    editor = await _connected(start_editor, app)
    since = len(editor.statuses)
    await editor.command("hotbed.restart")  # answered once the new worker serves
    restarting = await editor.status(lambda s: s.state == "restarting", "restarting", since)
    ok = await editor.status(lambda s: s.state == "ok", "ok after the restart", since)
    assert editor.statuses.index(ok) > editor.statuses.index(restarting)
    assert f"worker {dev.first_pid} " not in ok.message
    assert "(restarted)" in ok.message
    assert "disconnected" not in editor.states(since)  # the control channel outlives the worker


@pytest.mark.parametrize("app", ["blog_app"], indirect=True)
async def test_hover_and_code_lens_say_what_a_save_costs(
    app: App, start_dev: StartDev, start_editor: StartEditor
) -> None:
    start_dev()
    editor = await _connected(start_editor, app)
    nodes = {node["nodePath"]: node for node in await editor.command("hotbed.dump")}
    model = nodes[str(app.module)]
    assert (model["boundary"], model["reloadable"]) == (True, True)
    assert model["dependents"] == ["src/application/user/user_api.py"]  # ... which nothing imports
    assert nodes[str(app.other)]["dependents"] == []
    assert sorted(model["apis"]) == ["GET /api/user/get", "GET /api/user/list", "GET /api/user/welcome"]

    paragraphs = (await _hover(editor, app.module)).split("\n\n")
    assert "Boundary: hot-reloaded in place." in paragraphs
    assert "A save re-executes 1 dependent(s): `src/application/user/user_api.py`." in paragraphs
    assert "Registers: " + ", ".join(f"`{api}`" for api in model["apis"]) in paragraphs
    assert await _lens(editor, app.module) == "hotbed: boundary · a save re-executes 1 dependent · 3 APIs"

    assert nodes[str(app.declined)]["reloadable"] is False
    paragraphs = (await _hover(editor, app.declined)).split("\n\n")
    assert "A save restarts the dev server (declined, or imported by a module that is not a boundary)." in paragraphs
    assert await _lens(editor, app.declined) == "hotbed: a save restarts the dev server"

    # A new importer: a hover right after the save waits for the graph it changed.
    post_api = app.root / "src/application/post/post_api.py"
    since = len(editor.statuses)
    editor.save(post_api, "import application.user.user_model\n" + post_api.read_text())
    await editor.applied(post_api, since)
    paragraphs = (await _hover(editor, app.module)).split("\n\n")
    assert (
        "A save re-executes 2 dependent(s): `src/application/post/post_api.py`, `src/application/user/user_api.py`."
        in paragraphs
    ), paragraphs


async def _hover(editor: Editor, path: Path) -> str:
    editor.open(path)
    hover = await editor.client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(uri(path)), lsp.Position(0, 0))
    )
    assert hover is not None
    assert isinstance(hover.contents, lsp.MarkupContent)
    return hover.contents.value


async def _lens(editor: Editor, path: Path) -> str:
    lenses = await editor.client.text_document_code_lens_async(
        lsp.CodeLensParams(lsp.TextDocumentIdentifier(uri(path)))
    )
    assert lenses is not None and len(lenses) == 1
    assert lenses[0].command is not None
    return lenses[0].command.title


async def test_dev_server_killed_and_started_again(app: App, start_dev: StartDev, start_editor: StartEditor) -> None:
    dev = start_dev()
    editor = await _connected(start_editor, app)
    since = len(editor.statuses)
    dev.stop(signal.SIGKILL)  # no clean-up: the socket file stays behind, stale
    await editor.status(lambda s: s.state == "disconnected", "disconnected", since)
    since = len(editor.statuses)
    dev = start_dev()
    await editor.status(lambda s: s.state == "ok", "ok from the new dev server", since)
    editor.edit(app.module, app.old, app.new)
    await editor.applied(app.module, since, "changed")
    assert "dear" in dev.served()


async def test_changes_outside_the_workspace_are_never_synced(
    app: App, tmp_path: Path, start_dev: StartDev, start_editor: StartEditor
) -> None:
    dev = start_dev()
    editor = await _connected(start_editor, app)
    served = dev.served()
    outside = tmp_path / "elsewhere" / app.module.name
    outside.parent.mkdir()
    outside.write_text(app.module.read_text().replace(app.old, app.new))  # the project's module, changed
    created = outside.with_name("created.py")
    created.write_text(outside.read_text())

    async def barrier(note: str, save: Callable[[str], None]) -> list[str]:
        """Sync a change of `app.other` after the outside events; the `syncing` messages up to its `ok`."""
        since = len(editor.statuses)
        save(app.other.read_text() + f"\n# {note}\n")
        await editor.applied(app.other, since, "changed")
        for status in editor.statuses[since:]:
            assert str(outside) not in str(converter.unstructure(status))
            assert str(created) not in str(converter.unstructure(status))
        return [s.message for s in editor.statuses[since:] if s.state == "syncing"]

    # An outside change synced before the barrier's would be a batch of its own or join the barrier's.
    editor.open(outside)
    editor.edit(outside, app.new, app.new + " ")
    assert await barrier("saved in the editor", lambda text: editor.save(app.other, text)) == ["applying 1 change"]

    def watched(text: str) -> None:
        app.other.write_text(text)
        editor.client.workspace_did_change_watched_files(
            lsp.DidChangeWatchedFilesParams([lsp.FileEvent(uri(app.other), lsp.FileChangeType.Changed)])
        )

    editor.client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams(
            [
                lsp.FileEvent(uri(outside), lsp.FileChangeType.Changed),
                lsp.FileEvent(uri(created), lsp.FileChangeType.Created),
                lsp.FileEvent(uri(outside.with_name("gone.py")), lsp.FileChangeType.Deleted),
            ]
        )
    )
    assert await barrier("changed outside the editor", watched) == ["applying 1 change"]
    assert dev.served() == served
    assert uri(outside) not in editor.client.diagnostics
    assert uri(created) not in editor.client.diagnostics


async def test_files_changed_outside_the_editor(app: App, start_dev: StartDev, start_editor: StartEditor) -> None:
    dev = start_dev()
    editor = await _connected(start_editor, app)
    since = len(editor.statuses)
    app.module.write_text(app.module.read_text().replace(app.old, app.new))
    editor.client.workspace_did_change_watched_files(
        lsp.DidChangeWatchedFilesParams([lsp.FileEvent(uri(app.module), lsp.FileChangeType.Changed)])
    )
    await editor.applied(app.module, since, "changed")
    assert "dear" in dev.served()
    assert "error" not in editor.states(since)


async def test_sync_command_applies_every_file_that_differs(
    app: App, start_dev: StartDev, start_editor: StartEditor
) -> None:
    dev = start_dev()
    editor = await _connected(start_editor, app)
    served = dev.served()
    app.module.write_text(app.module.read_text().replace(app.old, app.new))  # nobody tells the dev server
    assert dev.served() == served
    since = len(editor.statuses)
    report = await editor.command("hotbed.sync")
    assert report["ok"] is True
    assert report["errors"] == [] and report["restart"] == []
    assert str(app.module) in report["changed"]
    assert str(app.module) in report["reexecuted"] + report["patched"]
    await editor.applied(app.module, since)
    assert "dear" in dev.served()
    again = await editor.command("hotbed.sync")
    assert (again["ok"], again["changed"], again["reexecuted"]) == (True, [], [])


_GATED = """
import os as _os
import time as _time

while not _os.path.exists({gate!r}):  # this version loads once the test opens the gate
    _time.sleep(0.01)
"""


@pytest.mark.parametrize("app", ["hello_app"], indirect=True)
async def test_a_long_sync_shows_work_done_progress(
    app: App, tmp_path: Path, start_dev: StartDev, start_editor: StartEditor
) -> None:
    dev = start_dev()
    editor = await _connected(start_editor, app)
    gate = tmp_path / "gate"
    protocol = editor.client.protocol
    since = len(editor.statuses)
    try:
        begun = protocol.wait_for_notification_async(lsp.PROGRESS)
        editor.save(app.module, app.module.read_text().replace(app.old, app.new) + _GATED.format(gate=str(gate)))
        await asyncio.wait_for(begun, TIMEOUT)  # the reload waits at the gate: the sync outlasts PROGRESS_AFTER
        ended = protocol.wait_for_notification_async(lsp.PROGRESS)
    finally:
        gate.touch()
    await asyncio.wait_for(ended, TIMEOUT)
    await editor.applied(app.module, since)
    assert list(editor.client.progress_reports.values()) == [
        [lsp.WorkDoneProgressBegin(title="hotbed", message="applying your changes"), lsp.WorkDoneProgressEnd()]
    ]
    assert "dear" in dev.served()


@pytest.mark.parametrize("app", ["hello_app"], indirect=True)
async def test_messages_are_shown_when_a_person_must_act(
    app: App, start_dev: StartDev, start_editor: StartEditor
) -> None:
    editor: Editor = await start_editor(app.root)
    await editor.status(lambda s: s.state == "disconnected", "disconnected")
    protocol = editor.client.protocol
    for command in ("hotbed.restart", "hotbed.sync", "hotbed.dump"):
        shown = protocol.wait_for_notification_async(lsp.WINDOW_SHOW_MESSAGE)
        assert await editor.command(command) is None
        message = await asyncio.wait_for(shown, TIMEOUT)
        assert message.type == lsp.MessageType.Warning
        assert message.message == f"No hotbed dev server is running for {app.root.resolve()}: start `hotbed dev` there."
    assert len(editor.client.messages) == 3

    since = len(editor.statuses)
    dev = start_dev()
    await editor.status(lambda s: s.state == "ok", "the connection to hotbed dev", since)
    editor.edit(app.module, app.old, app.new)
    await editor.applied(app.module, since)
    assert len(editor.client.messages) == 3  # a save that worked: nothing to act on

    # A restart whose new worker cannot start: the old one serves on, and somebody must fix the file.
    since = len(editor.statuses)
    shown = protocol.wait_for_notification_async(lsp.WINDOW_SHOW_MESSAGE)
    editor.save(app.declined, app.declined.read_text() + '\nraise RuntimeError("settings cannot load")\n')
    message = await asyncio.wait_for(shown, TIMEOUT)
    assert message.type == lsp.MessageType.Warning
    assert message.message.startswith("hotbed dev: the new worker failed to start")
    failed = await editor.status(lambda s: s.state == "error", "the error status", since)
    assert failed.report is None and message.message == f"hotbed dev: {failed.message}"
    assert "dear" in dev.served()
