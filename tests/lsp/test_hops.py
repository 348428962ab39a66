"""`HOTBED_TRACE`: each process a save passes notes it, on one clock, in the order it passes them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hotbed.dev.hops import HOPS
from tests.lsp.conftest import App, DevServer

StartDev = Callable[..., DevServer]
StartEditor = Callable[..., Any]


async def test_a_traced_save_passes_every_hop_in_order(
    app: App, start_dev: StartDev, start_editor: StartEditor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    trace = tmp_path / "hops.log"
    monkeypatch.setenv("HOTBED_TRACE", str(trace))  # for the dev server and the language server alike
    start_dev()
    editor = await start_editor(app.root)
    await editor.status(lambda s: s.state == "ok", "the connection to hotbed dev")
    since = len(editor.statuses)
    before = trace.read_text() if trace.exists() else ""
    editor.edit(app.module, app.old, app.new)
    await editor.applied(app.module, since)
    await editor.status(lambda s: s.state == "ok", "the batch's status", since)
    lines = trace.read_text()[len(before) :].splitlines()
    seen = [(float(stamp), int(pid), name) for stamp, pid, name in (line.split(" ", 2) for line in lines)]
    # A status of the connection's own start may still be on its way: the save's trace begins at its didSave.
    saved = [name for _, _, name in seen].index(HOPS[0])
    seen = seen[saved:]
    first: dict[str, tuple[float, int]] = {}
    for stamp, pid, name in seen:
        first.setdefault(name, (stamp, pid))  # the save's first pass of each hop
    assert sorted(first, key=lambda name: first[name][0]) == list(HOPS), seen  # in time, the order of HOPS
    assert len({first[name][1] for name in HOPS}) == 3  # the language server, the supervisor, the worker
    assert oct(trace.stat().st_mode & 0o777) == oct(0o600)


def test_untraced_hops_write_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hotbed.dev.hops as hops

    monkeypatch.setattr(hops, "_path", None)
    monkeypatch.chdir(tmp_path)
    hops.hop(hops.BATCH_READ)
    assert list(tmp_path.iterdir()) == []
