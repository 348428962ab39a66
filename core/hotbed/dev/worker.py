"""The worker process: the app, the reload engine and uvicorn, in one fresh interpreter.

The supervisor starts `run_worker` in a `spawn` context with the listening socket and
one end of a pipe. The engine is installed before the app is imported so every project
import is tracked. Change batches arrive on the pipe and are applied on the event-loop
thread, so a reload never interleaves with request handling: the requests in flight are
answered first, on the code they started with, and the next ones get the new code
(`in_flight.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import linecache
import logging
import os
import socket
import sys
import traceback
from collections.abc import Callable, Coroutine, Iterable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Literal, Protocol

import uvicorn
from rich.console import Console
from starlette.types import ASGIApp

from hotbed.dev.handover import HandoverProtocol
from hotbed.dev.hops import BATCH_APPLIED, BATCH_READ, BATCH_STARTED, hop
from hotbed.dev.in_flight import answered, unanswered
from hotbed.dev.pipe import (
    ApplyBatch,
    BatchApplied,
    DumpRequest,
    DumpResult,
    FilesRead,
    Message,
    PipeReader,
    WorkerReady,
)
from hotbed.dev.protocol import DumpNode
from hotbed.dev.proxy import AppProxy
from hotbed.dev.report import SyncReport
from hotbed.dev.warmup import warm
from hotbed.exceptions import ConfigError
from hotbed.reload import hmr
from hotbed.reload.engine import DEFAULT_BOUNDARIES, DEFAULT_RESTART
from hotbed.reload.types import Change, ReloadError, ReloadResult

__all__ = ["GRACEFUL_SHUTDOWN", "RELOAD_DEADLINE", "ProjectLoader", "Served", "WorkerSpec", "run_worker"]

logger = logging.getLogger("hotbed.dev.worker")

# Seconds uvicorn gives requests in flight when the worker is asked to stop.
GRACEFUL_SHUTDOWN = 5
# The dev server's deadline on a reload's module execution. Reloads run on the thread that
# serves requests, so while one executes no request is answered: an endless loop at import
# must end soon, and it rolls back then. `HOTBED_EXECUTION_TIMEOUT` overrides it.
RELOAD_DEADLINE = 5.0


class Served(Protocol):
    """What a worker serves: an ASGI app, how a batch of changes is applied to it, its routes."""

    asgi: ASGIApp

    def apply(self, changes: tuple[Change, ...]) -> SyncReport: ...

    def apis(self) -> Mapping[str, Sequence[tuple[str, str]]]:
        """The routes each module registers, by absolute file path (for `dump`): ("GET /path", handler)."""
        ...


# Starts an entity project in the worker: (project root, hot) -> what the worker serves. The
# framework provides it and the command line passes it in, so the dev server never imports
# the framework; it reaches the worker pickled by reference.
ProjectLoader = Callable[[str, bool], Served]


@dataclass(frozen=True, slots=True)
class WorkerSpec:
    """What a worker serves; built once by the dev server, sent to every worker."""

    module: str
    attribute: str
    import_root: str  # the sys.path entry the module is imported from
    project_root: str  # what the engine tracks; restart globs are relative to it
    log_level: str = "info"
    hot: bool = True
    kind: Literal["app", "project"] = "app"  # a `module:app` app, or an entity project served by hotbed
    boundaries: tuple[str, ...] = DEFAULT_BOUNDARIES  # a `module:app` app's; a project reads its configuration
    restart: tuple[str, ...] = DEFAULT_RESTART
    project_loader: ProjectLoader | None = None  # how an entity project starts (kind "project")

    @property
    def target(self) -> str:
        if self.kind == "project":
            return f"entity project {os.path.basename(self.project_root)}"
        return f"{self.module}:{self.attribute}"


class _Server(uvicorn.Server):
    """uvicorn's server, telling the supervisor once it accepts connections."""

    def __init__(self, config: uvicorn.Config, on_started: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_started = on_started

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        with hmr.starting_up():  # the lifespan runs: what it runs and reads only a restart renews
            await super().startup(sockets)
        if self.started:
            self._on_started()


class PlainApp:
    """A `module:app` app behind a proxy; a batch is one engine reload."""

    def __init__(self, spec: WorkerSpec) -> None:
        if spec.import_root not in sys.path:
            sys.path.insert(0, spec.import_root)
        if spec.hot:
            hmr.init(spec.project_root, boundaries=spec.boundaries, restart=spec.restart)
        importlib.import_module(spec.module)
        self._spec = spec
        self.asgi: ASGIApp = AppProxy(spec.module, spec.attribute)

    def apply(self, changes: tuple[Change, ...]) -> SyncReport:
        result = hmr.reload(changes)
        return SyncReport(changes=changes, reload=result, duration=result.duration)

    def apis(self) -> Mapping[str, Sequence[tuple[str, str]]]:
        """The app's Starlette/FastAPI routes, by the file of the module whose function handles each."""
        app = getattr(sys.modules.get(self._spec.module), self._spec.attribute, None)
        found: dict[str, list[tuple[str, str]]] = {}
        _collect_routes(getattr(app, "routes", ()), "", found)
        return found


def _collect_routes(routes: Iterable[Any], prefix: str, found: dict[str, list[tuple[str, str]]]) -> None:
    """Routes as "METHOD /path", mounted sub-apps included, grouped by their endpoint's file."""
    for route in routes:
        path = prefix + str(getattr(route, "path", ""))
        endpoint = getattr(route, "endpoint", None)
        if endpoint is None:
            included = getattr(route, "original_router", None)  # FastAPI's lazily included router
            if included is not None:
                prefix_of = str(getattr(getattr(route, "include_context", None), "prefix", "") or "")
                _collect_routes(getattr(included, "routes", ()), prefix + prefix_of, found)
            else:
                _collect_routes(getattr(route, "routes", ()), path, found)  # a Mount
            continue
        file = getattr(sys.modules.get(getattr(endpoint, "__module__", "")), "__file__", None)
        if file:
            methods = sorted(set(getattr(route, "methods", None) or {"WS"}) - {"HEAD"}) or ["HEAD"]
            handler = getattr(endpoint, "__qualname__", repr(endpoint))
            found.setdefault(os.path.abspath(file), []).extend((f"{m} {path}", handler) for m in methods)


def _load(spec: WorkerSpec) -> Served:
    if spec.kind == "project":
        if spec.project_loader is None:
            raise ConfigError(f"{spec.project_root}: an entity project needs a project loader to start")
        return spec.project_loader(spec.project_root, spec.hot)
    return PlainApp(spec)


def _apply(served: Served, changes: tuple[Change, ...], root: str) -> SyncReport:
    """Apply a batch, and answer the supervisor even if the engine itself fails.

    A module may raise anything at its top level, `KeyboardInterrupt` included (the engine
    rolls back and re-raises it). In the worker it never means "stop": uvicorn turns the
    real SIGINT into a graceful shutdown, so whatever escapes a batch is a failed batch,
    and the worker lives on serving the last good code.
    """
    try:
        return served.apply(changes)
    except (Exception, KeyboardInterrupt, GeneratorExit) as exc:
        if not isinstance(exc, KeyboardInterrupt):
            logger.exception("applying a batch failed")
        error = _located(exc, changes[0].path if changes else "", root)
        reload = ReloadResult(changed=tuple(c.path for c in changes), errors=(error,), root=root)
        return SyncReport(changes=changes, reload=reload)


def _located(exc: BaseException, fallback: str, root: str) -> ReloadError:
    """The error at the deepest frame of project code (outside virtualenvs), else at `fallback`."""
    path, line, column = fallback, 0, 0
    prefix = os.path.join(root, "")
    for frame in traceback.extract_tb(exc.__traceback__):
        name = frame.filename
        if name.startswith(prefix) and not any(part in name for part in ("/.venv/", "/site-packages/")):
            path, line, column = name, frame.lineno or 0, (frame.colno or 0) + 1
    source = linecache.getline(path, line).strip() if line else ""
    message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    return ReloadError(path, line, column, message, "import", source)


def _dump(served: Served) -> tuple[DumpNode, ...]:
    """The engine's graph, each module with the routes it registers (entity projects have a registry)."""
    apis = served.apis()
    return tuple(
        DumpNode(
            path=row["path"],
            node_path=row["node_path"],
            boundary=row["boundary"],
            reloadable=row["reloadable"],
            version=row["version"],
            dependencies=row["dependencies"],
            dependents=row["dependents"],
            apis=[route for route, _ in apis.get(row["node_path"], ())],
            handlers=[handler for _, handler in apis.get(row["node_path"], ())],
        )
        for row in hmr.dump()
    )


async def _serve(spec: WorkerSpec, sock: socket.socket, conn: Connection, served: Served) -> None:
    config = uvicorn.Config(
        served.asgi,
        log_level=spec.log_level,
        lifespan="auto",
        http=HandoverProtocol,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN,
    )
    server = _Server(config, on_started=lambda: conn.send(WorkerReady(os.getpid(), hmr.read_files())))
    tasks: set[asyncio.Task[None]] = set()

    def spawn(work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def run_batch(changes: tuple[Change, ...]) -> None:
        hop(BATCH_STARTED)
        # Synchronous on purpose: the loop runs no request code until the reload commits.
        report = _apply(served, changes, spec.project_root)
        hop(BATCH_APPLIED)
        spawn(report_batch(report))

    async def after_in_flight(changes: tuple[Change, ...]) -> None:
        await answered(server.server_state)  # the requests in flight answer on the code they began with
        run_batch(changes)

    async def report_batch(report: SyncReport) -> None:
        await answered(server.server_state, turns=2)  # those that came meanwhile: the new code's first
        try:
            conn.send(BatchApplied(report, hmr.read_files()))
        except OSError:
            return  # the supervisor is gone: the pipe reader stops the worker
        if isinstance(served.asgi, AppProxy):  # after the answer: the status need not wait
            with contextlib.suppress(ConfigError):  # no app to warm: the next request says why
                warm(served.asgi.app)

    def on_message(message: Message) -> None:
        # The supervisor sends nothing else until a batch is answered: nothing overtakes it.
        if isinstance(message, ApplyBatch):
            hop(BATCH_READ)
            if unanswered(server.server_state.connections):
                spawn(after_in_flight(message.changes))
            else:
                run_batch(message.changes)
        elif isinstance(message, DumpRequest):
            conn.send(DumpResult(_dump(served)))

    def on_closed() -> None:
        server.should_exit = True  # the supervisor is gone: do not outlive it

    reader = PipeReader(conn, on_message, on_closed)
    reader.start()
    hmr.on_new_read(_FilesReadSender(conn, asyncio.get_running_loop()))
    try:
        await server.serve(sockets=[sock])
    finally:
        hmr.on_new_read(None)
        reader.stop()


class _FilesReadSender:
    """Tell the supervisor of a file read for the first time between batches, so the watcher
    watches it before its first edit (a request's read would otherwise wait for the next batch).

    Called from the thread that read (a sync endpoint's, in a thread pool): it only schedules
    the send on the event loop, which owns the pipe, once per burst of reads."""

    def __init__(self, conn: Connection, loop: asyncio.AbstractEventLoop) -> None:
        self._conn = conn
        self._loop = loop
        self._scheduled = False

    def __call__(self) -> None:
        if self._scheduled:
            return
        self._scheduled = True
        with contextlib.suppress(RuntimeError):  # the loop is closing: the worker is on its way out
            self._loop.call_soon_threadsafe(self._send)

    def _send(self) -> None:
        self._scheduled = False
        with contextlib.suppress(OSError):  # the supervisor is gone: the worker stops anyway
            self._conn.send(FilesRead(hmr.read_files()))


def _load_env_file(path: str) -> None:
    """The project's `.env` into the worker's environment, as `uvicorn --env-file` does.

    Variables already set win (python-dotenv's default, which uvicorn uses); lines are
    `KEY=VALUE`, optionally `export`-prefixed and quoted; `#` starts a comment.
    """
    try:
        with open(path, encoding="utf-8") as file:
            lines = file.read().splitlines()
    except OSError:
        return
    for line in lines:
        key, sep, value = line.strip().removeprefix("export ").partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or key.startswith("#"):
            continue
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        else:
            value = value.split(" #", 1)[0].rstrip()
        os.environ.setdefault(key, value)


def run_worker(spec: WorkerSpec, sock: socket.socket, conn: Connection) -> None:
    """Entry point of the worker process (a `spawn` target, so module-level and picklable)."""
    # Own process group: a Ctrl-C in the terminal reaches the supervisor only, which then
    # stops the worker once, gracefully, instead of uvicorn seeing two SIGINTs.
    os.setpgid(0, 0)
    if spec.hot:
        os.environ["HOT"] = "yes"
        os.environ.setdefault("HOTBED_EXECUTION_TIMEOUT", f"{RELOAD_DEADLINE:g}")
    # A change to .env restarts the worker: the new one reads it again.
    _load_env_file(os.path.join(spec.project_root, ".env"))
    try:
        served = _load(spec)
    except ConfigError as exc:
        Console(stderr=True).print(f"[bold red]hotbed:[/] {exc}")
        sys.exit(1)
    except BaseException:
        Console(stderr=True).print_exception(max_frames=20)
        sys.exit(1)
    # uvicorn re-raises the signal it shut down on; by then the shutdown has happened.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(spec, sock, conn, served))
