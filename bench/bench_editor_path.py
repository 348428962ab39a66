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
import threading
from pathlib import Path
from typing import Any

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
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.client = LanguageClient("hotbed-bench", "1")
        self.client.feature("hotbed/status")(lambda params: self._on_status(params))
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(TIMEOUT)
        if not self.connected.wait(TIMEOUT):
            raise RuntimeError("the language server never reported the dev server as ok")

    def _on_status(self, params: Any) -> None:
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


class EditorPathServer(Server):
    """`hotbed dev`, saved to through the language server."""

    def __init__(self, name: str, root: Path, command: list[str], env: dict[str, str]) -> None:
        super().__init__(name, root, command, env, None)
        self.editor = Editor(root / "project")

    def saved(self, path: Path) -> None:
        self.editor.did_save(path)

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
        target="p50 <= 15 ms, >= 100x",
    )


if __name__ == "__main__":
    main()
