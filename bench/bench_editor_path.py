"""Save -> new response through the editor path: an LSP client's didSave to `hotbed lsp`, connected to `hotbed dev`.

Same app and method as `bench_reload_latency.py` (a FastAPI package whose startup
imports a module that sleeps 2 s), against `uvicorn --reload` in the same run, the two
alternating. Each hotbed round writes the router, sends `textDocument/didSave` as an
editor does right after writing, and polls until the new version answers: the language
server syncs the dev server over its control socket without waiting for the file
watcher (which still sees the write; its batch then changes nothing).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _results import write_section
from bench_reload_latency import BIN, ROUNDS, TIMEOUT, Server, free_port, make_app, summary
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
        self.loop.call_soon_threadsafe(self.client.text_document_did_save, params)

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

    editor: Editor

    def save_and_wait(self) -> float:
        routes = self.root / "project/app/routes.py"
        source = routes.read_text().replace(f"VERSION = {self.version}", f"VERSION = {self.version + 1}")
        self.version += 1
        started = time.perf_counter()
        routes.write_text(source)
        self.editor.did_save(routes)
        return self._wait_version(self.version) - started


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="hotbed-bench-") as tmp:
        base = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k not in {"HOT", "PYTHONPATH"}}
        servers: list[Server] = []
        editor: Editor | None = None
        try:
            for name in ("hotbed", "uvicorn"):
                make_app(base / name)
                run_env = {**env, "PYTHONPATH": str(base / name / "vendor"), "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
                if name == "hotbed":
                    command = [str(BIN / "hotbed"), "dev", "main:app", "--port", "0", "--log-level", "warning"]
                    server = EditorPathServer(name, base / name, command, run_env, None)
                    editor = server.editor = Editor(base / name / "project")
                    servers.append(server)
                else:
                    port = free_port()
                    command = [str(BIN / "uvicorn"), "main:app", "--reload", "--port", str(port)]
                    command += ["--log-level", "warning", "--reload-dir", str(base / name / "project")]
                    servers.append(Server(name, base / name, command, run_env, f"http://127.0.0.1:{port}"))
            samples: dict[str, list[float]] = {s.name: [] for s in servers}
            for round_ in range(ROUNDS):
                for server in servers if round_ % 2 == 0 else reversed(servers):
                    samples[server.name].append(server.save_and_wait())
                latest = ", ".join(f"{name} {times[-1] * 1000:.1f} ms" for name, times in samples.items())
                print(f"round {round_ + 1}/{ROUNDS}: {latest}")
        finally:
            if editor is not None:
                editor.stop()
            for server in servers:
                server.stop()

    hotbed_p50, hotbed_p90, hotbed_min, hotbed_max = summary(samples["hotbed"])
    uvicorn_p50, uvicorn_p90, uvicorn_min, uvicorn_max = summary(samples["uvicorn"])
    uname = subprocess.run(["uname", "-a"], capture_output=True, text=True).stdout.strip()
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    lines = [
        f"`uname -a`: {uname}; `nproc`: {nproc}",
        "",
        "The app of the watcher-path benchmark (a FastAPI package importing a module that sleeps 2 s at import);"
        f" {ROUNDS} saves of the router per server, alternating, each timed from the write to the first response"
        " from the new code. hotbed's saves go through the editor path: write, then `textDocument/didSave` to"
        " `hotbed lsp`, which syncs `hotbed dev` over the control socket (the dev server's watcher stays on).",
        "",
        "| server | p50 (median) | p90 | min | max | target |",
        "|---|---|---|---|---|---|",
        f"| `hotbed dev main:app` + `hotbed lsp` (editor path) | {hotbed_p50 * 1000:.1f} ms"
        f" | {hotbed_p90 * 1000:.1f} ms | {hotbed_min * 1000:.1f} ms | {hotbed_max * 1000:.1f} ms | p50 <= 15 ms |",
        f"| `uvicorn main:app --reload` | {uvicorn_p50 * 1000:.1f} ms | {uvicorn_p90 * 1000:.1f} ms"
        f" | {uvicorn_min * 1000:.1f} ms | {uvicorn_max * 1000:.1f} ms | |",
        "",
        f"Ratio of the medians: hotbed is **{uvicorn_p50 / hotbed_p50:.0f}x** faster than `uvicorn --reload`"
        " (target >= 100x).",
    ]
    print("\n".join(lines))
    write_section("Save to new response (editor path)", "bench/bench_editor_path.py", lines)


if __name__ == "__main__":
    main()
