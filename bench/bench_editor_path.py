"""Save -> new response through the editor path: an LSP client's didSave to `hotbed lsp`, connected to `hotbed dev`.

Same app and method as `bench_reload_latency.py` (a FastAPI package whose startup
imports a module that sleeps 2 s), against `uvicorn --reload` in the same run, the two
alternating. Each hotbed round writes the router, sends `textDocument/didSave` as an
editor does right after writing, and polls until the new version answers: the language
server syncs the dev server over its control socket. The dev server runs with
`--no-watch`, so every new response measured was brought by the editor path alone.
"""

from __future__ import annotations

import asyncio
import statistics
import threading
import time
from pathlib import Path
from typing import Any

from _results import write_section
from bench_reload_latency import BIN, ROUNDS, TIMEOUT, Server, report, run_rounds
from lsprotocol import types as lsp
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path


class Editor:
    """An LSP client on its own event-loop thread, so the timing loop can stay synchronous."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.loop = asyncio.new_event_loop()
        self.connected = threading.Event()
        # (state, arrival time, the batch's own duration in the worker) of every status received
        self.statuses: list[tuple[str, float, float]] = []
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.client = LanguageClient("hotbed-bench", "1")
        self.client.feature("hotbed/status")(lambda params: self._on_status(params))
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(TIMEOUT)
        if not self.connected.wait(TIMEOUT):
            raise RuntimeError("the language server never reported the dev server as ok")

    def _on_status(self, params: Any) -> None:
        report = getattr(params, "report", None)
        duration = float(getattr(report, "durationMs", 0.0) or 0.0) / 1000
        self.statuses.append((params.state, time.perf_counter(), duration))
        if params.state == "ok":
            self.connected.set()

    async def _start(self) -> None:
        await self.client.start_io(str(BIN / "hotbed"), "lsp", cwd=str(self.root))
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

    def did_save(self, path: Path) -> None:
        uri = from_fs_path(str(path))
        assert uri is not None
        params = lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(uri))

        async def send() -> None:
            self.client.text_document_did_save(params)

        # Return once the notification is in the server's stdin, as an editor's save is: a
        # fire-and-forget hand-off would leave it racing the polling thread for the GIL.
        asyncio.run_coroutine_threadsafe(send(), self.loop).result(TIMEOUT)

    def stop(self) -> None:
        async def shutdown() -> None:
            await self.client.shutdown_async(None)
            self.client.exit(None)
            await self.client.stop()

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(TIMEOUT)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(TIMEOUT)


# Where a save's time goes, per round, in seconds: filled by EditorPathServer.
HOPS: dict[str, list[float]] = {"to the worker and back": [], "worker: the batch": [], "status to the editor": []}


class EditorPathServer(Server):
    """`hotbed dev`, saved to through the language server."""

    def __init__(self, name: str, root: Path, command: list[str], env: dict[str, str]) -> None:
        super().__init__(name, root, command, env, None)
        self.editor = Editor(root / "project")

    def saved(self, path: Path) -> None:
        self._saved_at = time.perf_counter()
        self._seen = len(self.editor.statuses)
        self.editor.did_save(path)

    def save_and_wait(self) -> float:
        elapsed = super().save_and_wait()
        deadline = time.monotonic() + TIMEOUT
        while not any(s == "ok" for s, _, _ in self.editor.statuses[self._seen :]):
            if time.monotonic() > deadline:
                raise RuntimeError("no ok status after a save")
            time.sleep(0.001)
        events = self.editor.statuses[self._seen :]
        syncing = next(at for state, at, _ in events if state == "syncing")
        ok_at, duration = next((at, d) for state, at, d in events if state == "ok")
        # `syncing` leaves the supervisor once the batch is on the pipe: the editor -> LSP -> control
        # socket -> supervisor -> pipe trip, plus the notification's way back to the editor.
        HOPS["to the worker and back"].append(syncing - self._saved_at)
        HOPS["worker: the batch"].append(duration)
        HOPS["status to the editor"].append(max(ok_at - syncing - duration, 0.0))
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
        " response from the new code. hotbed's saves go through the editor path: write, then"
        " `textDocument/didSave` to `hotbed lsp`, which syncs `hotbed dev` over the control socket (the dev"
        " server runs with `--no-watch`: only the editor path can bring the new code).",
        label="`hotbed dev main:app` + `hotbed lsp` (editor path)",
        target="p50 <= 10 ms, >= 250x",
    )
    total = sum(statistics.median(v) for v in HOPS.values())
    lines = [
        "Where an editor-path save's time goes (medians over the same rounds; the status hops are timed at"
        " the editor by the `syncing` and `ok` notifications, the batch by its own report):",
        "",
        "| hop | p50 | share |",
        "|---|---|---|",
        *(
            f"| {hop} | {statistics.median(v) * 1000:.1f} ms | {statistics.median(v) / total * 100:.0f} % |"
            for hop, v in HOPS.items()
        ),
    ]
    print("\n".join(lines))
    write_section("Save to new response (editor path): the hops", "bench/bench_editor_path.py", lines)


if __name__ == "__main__":
    main()
