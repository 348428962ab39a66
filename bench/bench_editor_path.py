"""Save -> new response through the editor path: an LSP client's didSave to `hotbed lsp`, connected to `hotbed dev`.

Same app and method as `bench_reload_latency.py` (a FastAPI package whose startup
imports a module that sleeps 2 s), against `uvicorn --reload` in the same run, the two
alternating. Each hotbed round has the editor (an LSP client in its own process) write
the router and send `textDocument/didSave` right after, as an editor saves, then polls
until the new version answers: the language server syncs the dev server over its control
socket. The dev server runs with `--no-watch`, so every new response measured was brought
by the editor path alone.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import statistics
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from _results import write_section
from bench_reload_latency import BIN, ROUNDS, TIMEOUT, Server, report, run_rounds
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from hotbed.dev import hops


class Editor:
    """An LSP client on its own event-loop thread (in the editor's process, `EditorProcess`)."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = env
        self.loop = asyncio.new_event_loop()
        self.connected = threading.Event()
        # (state, arrival time) of every status received
        self.statuses: list[tuple[str, float]] = []
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.client = LanguageClient("hotbed-bench", "1")
        self.client.feature("hotbed/status")(lambda params: self._on_status(params))
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(TIMEOUT)
        if not self.connected.wait(TIMEOUT):
            raise RuntimeError("the language server never reported the dev server as ok")

    def _on_status(self, params: Any) -> None:
        self.statuses.append((params.state, time.perf_counter()))
        if params.state == "ok":
            self.connected.set()

    async def _start(self) -> None:
        await self.client.start_io(str(BIN / "hotbed"), "lsp", cwd=str(self.root), env=self.env)
        root_uri = from_fs_path(str(self.root))
        assert root_uri is not None
        await self.client.initialize_async(
            lsp.InitializeParams(
                capabilities=lsp.ClientCapabilities(),
                root_uri=root_uri,
                workspace_folders=[lsp.WorkspaceFolder(root_uri, self.root.name)],
            )
        )
        self.client.initialized(lsp.InitializedParams())

    def stop(self) -> None:
        async def shutdown() -> None:
            await self.client.shutdown_async(None)
            self.client.exit(None)
            await self.client.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(TIMEOUT)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(TIMEOUT)


def _editor_process(root: str, env: dict[str, str], conn: Connection) -> None:
    """The editor's process: connect, then save and tell its statuses as the benchmark asks.

    The requests are read on the client's event loop, which writes the file and then the
    `didSave` to the language server's stdin in the same loop turn, as an editor's own loop
    does; the save is timed from the moment before that write."""
    editor = Editor(Path(root), env)
    stopping = threading.Event()

    def on_request() -> None:
        request = conn.recv()
        if request[0] == "save":
            uri = from_fs_path(request[1])
            assert uri is not None
            written_at = time.perf_counter()
            Path(request[1]).write_text(request[2])
            editor.client.text_document_did_save(lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(uri)))
            conn.send(written_at)  # saved: the benchmark polls from here on
        elif request[0] == "statuses":
            conn.send(editor.statuses[request[1] :])
        else:
            editor.loop.remove_reader(conn.fileno())
            stopping.set()

    editor.loop.call_soon_threadsafe(editor.loop.add_reader, conn.fileno(), on_request)
    conn.send("connected")
    stopping.wait()
    editor.stop()
    conn.send("stopped")


class EditorProcess:
    """The editor in a process of its own, as a real editor is.

    In the benchmark's process, the client's thread would parse every status while the
    polling thread waits for the new response, and the GIL would make the poll wait for
    it: the time measured would be partly the benchmark's own.
    """

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_editor_process, args=(str(root), env, child), daemon=True)
        self._process.start()
        child.close()
        if not self._conn.poll(TIMEOUT) or self._conn.recv() != "connected":
            raise RuntimeError("the editor never saw the dev server as ok")

    def save(self, path: Path, source: str) -> float:
        """Have the editor save `source` to `path`: it writes the file and sends `didSave` at once.

        Returns once it has, with `time.perf_counter()` of the moment before the write (one
        clock for every process), as `uvicorn`'s round starts polling right after its write."""
        self._conn.send(("save", str(path), source))
        written_at: float = self._conn.recv()
        return written_at

    def statuses(self, since: int) -> list[tuple[str, float]]:
        """The (state, arrival time) of the statuses the editor received, from the `since`-th on."""
        self._conn.send(("statuses", since))
        found: list[tuple[str, float]] = self._conn.recv()
        return found

    def stop(self) -> None:
        self._conn.send(("stop",))
        self._conn.recv()
        self._process.join(TIMEOUT)


# A save's way, hop by hop, from the trace the hotbed processes write (`HOTBED_TRACE`):
# (name, from, to), `None` being the editor's write before and the new response after.
HOP_SPANS: tuple[tuple[str, str | None, str | None], ...] = (
    ("editor: write, `didSave` -> language server (LSP stdio, parsed)", None, hops.LSP_SAVE_READ),
    ("language server -> control socket", hops.LSP_SAVE_READ, hops.SYNC_SENT),
    ("control socket -> dev server (parsed)", hops.SYNC_SENT, hops.SYNC_READ),
    ("dev server: queue, pipe -> worker", hops.SYNC_READ, hops.BATCH_READ),
    ("worker: the requests in flight answered first", hops.BATCH_READ, hops.BATCH_STARTED),
    ("worker: the batch (reload)", hops.BATCH_STARTED, hops.BATCH_APPLIED),
    ("worker: the next request served by the new code", hops.BATCH_APPLIED, None),
)
# Seconds per hop, per round: filled by EditorPathServer.
HOPS: dict[str, list[float]] = {name: [] for name, _, _ in HOP_SPANS}
STATUS: list[float] = []  # the batch applied -> `ok` at the editor (off the response's way)


class EditorPathServer(Server):
    """`hotbed dev`, saved to through the language server, both tracing their hops."""

    def __init__(self, name: str, root: Path, command: list[str], env: dict[str, str]) -> None:
        self.trace = root / "hops.log"
        env = {**env, "HOTBED_TRACE": str(self.trace)}
        super().__init__(name, root, command, env, None)
        self.editor = EditorProcess(root / "project", env)
        self._seen = 0

    def save(self, path: Path, source: str) -> float:
        self._traced = self.trace.stat().st_size if self.trace.exists() else 0
        return self.editor.save(path, source)

    def save_and_wait(self) -> float:
        elapsed = super().save_and_wait()
        answered = self.started + elapsed  # from the write (before it) to the new response
        deadline = time.monotonic() + TIMEOUT
        statuses = self.editor.statuses(self._seen)
        while not any(state == "ok" for state, _ in statuses):
            if time.monotonic() > deadline:
                raise RuntimeError("no ok status after a save")
            time.sleep(0.001)
            statuses = self.editor.statuses(self._seen)
        self._seen += len(statuses)
        ok_at = next(at for state, at in statuses if state == "ok")
        with open(self.trace, "rb") as file:
            file.seek(self._traced)
            lines = file.read().decode().splitlines()
        at: dict[str | None, float] = {None: self.started}
        for line in lines:
            stamp, _pid, name = line.split(" ", 2)
            at.setdefault(name, float(stamp))  # the first pass of each hop after this save
        for span, start, end in HOP_SPANS:
            HOPS[span].append((answered if end is None else at[end]) - at[start])
        STATUS.append(ok_at - at[hops.BATCH_APPLIED])
        return elapsed

    def stop(self) -> None:
        self.editor.stop()
        super().stop()


def main() -> None:
    report(
        run_rounds(EditorPathServer, hotbed_args=["--no-watch"]),
        title="Save to new response (editor path)",
        script="bench/bench_editor_path.py",
        method="The app of the watcher-path benchmark (a FastAPI package importing a module that sleeps 2 s at"
        f" import); {ROUNDS} saves of the router per server, alternating, each timed from the write to the first"
        " response from the new code. hotbed's saves go through the editor path: the editor (an"
        " LSP client in its own process) writes the file, then sends `textDocument/didSave` to `hotbed lsp`,"
        " which syncs `hotbed dev` over the control socket (the dev server runs with `--no-watch`: only the"
        " editor path can bring the new code).",
        label="`hotbed dev main:app` + `hotbed lsp` (editor path)",
        target="p50 <= 10 ms, >= 250x",
    )
    total = sum(statistics.median(v) for v in HOPS.values())
    lines = [
        "Where an editor-path save's time goes, from the trace the language server, the dev server and its"
        " worker write as the save passes them (`HOTBED_TRACE`; one monotonic clock for all processes); medians"
        " over the same rounds, so the hops add up to about the median save:",
        "",
        "| hop | p50 | share |",
        "|---|---|---|",
        *(
            f"| {hop} | {statistics.median(v) * 1000:.2f} ms | {statistics.median(v) / total * 100:.0f} % |"
            for hop, v in HOPS.items()
        ),
        "",
        "A poll in flight when the batch arrives is answered first (by the old code, as it would be anyway), so"
        " the batch waits for it; the last hop is mostly the poll's own rhythm (a millisecond between requests) and"
        " the new app's first request. The worker reports the batch once the requests it held up are answered:"
        f" off the response's way, the `ok` status reached the editor {statistics.median(STATUS) * 1000:.2f} ms"
        " (p50) after the batch.",
    ]
    print("\n".join(lines))
    write_section("Save to new response (editor path): the hops", "bench/bench_editor_path.py", lines)


if __name__ == "__main__":
    main()
