"""The supervisor: holds the listening socket, keeps one worker serving, feeds it changes.

The socket is bound once, before any worker exists, and every worker serves on it; a
connection that arrives while no worker accepts waits in the kernel's backlog instead
of being refused. A restart is a handover: the new worker imports the app while the
old one keeps serving, and only once the new one accepts connections is the old one
asked to finish its requests and exit.

Changes (from the watcher, and from the language server over the control channel) go
through one `ChangeQueue`; each batch is applied by the worker, and its result decides
whether a restart is needed. The supervisor is the control channel's handler: it
answers `sync`, `dump`, `restart` and `status`, and broadcasts every change of state.
A worker that dies is replaced with back-off; after `MAX_QUICK_CRASHES` quick crashes
in a row the supervisor waits for the next change.

It runs a few lines past 400: the worker's lifecycle (start, hand over, replace on a missed
deadline, recover from crashes) is one state machine under one lock, kept in one place.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

import attrs
from rich.console import Console

from hotbed.dev.batching import ChangeQueue
from hotbed.dev.console import print_report
from hotbed.dev.control_server import ControlServer
from hotbed.dev.hops import STATUS_SENT, SYNC_READ, hop
from hotbed.dev.protocol import DumpNode, Report, State, Status, report_from_sync
from hotbed.dev.report import SyncReport
from hotbed.dev.ui.server import DevUi
from hotbed.dev.watcher import Checksums, SourceFilter, watch_changes
from hotbed.dev.worker import GRACEFUL_SHUTDOWN, WorkerSpec
from hotbed.dev.worker_process import WorkerGone, WorkerProcess, describe_exit
from hotbed.exceptions import ConfigError
from hotbed.reload.engine import DEFAULT_RESTART
from hotbed.reload.globs import GlobSet
from hotbed.reload.types import Change, ReloadError, ReloadResult

__all__ = ["BACKOFF", "MAX_QUICK_CRASHES", "QUICK_CRASH", "Supervisor"]

QUICK_CRASH = 10.0  # a worker that dies sooner than this after becoming ready crashed "quickly"
MAX_QUICK_CRASHES = 3
BACKOFF = (0.25, 1.0)  # seconds before the 2nd and the 3rd attempt
STOP_TIMEOUT = GRACEFUL_SHUTDOWN + 1.0  # per signal: SIGINT, then SIGKILL
BATCH_TIMEOUT = 20.0  # how long a stop waits for the batch being applied
# SIGHUP too: closing the terminal stops the dev server as cleanly as Ctrl-C.
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
# A worker that has not answered a batch after this long is stuck (a loop that swallows the
# execution deadline's interrupt) and is replaced; one that is not serving this long after
# it started never will be. Both read from the environment when the supervisor starts.
BATCH_DEADLINE = 60.0
STARTUP_DEADLINE = 120.0


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return float(raw) if raw else default
    except ValueError:
        return default


class Supervisor:
    """Run workers for `spec` on `sock` until SIGINT, SIGTERM or SIGHUP.

    Args:
        spec: the app to serve.
        sock: a bound, listening socket; it outlives every worker.
        watch: watch the project folder for changes.
        console: where supervisor events and reload reports go.
        restart: restart globs (watched although they are not modules).
    """

    def __init__(
        self,
        spec: WorkerSpec,
        sock: socket.socket,
        *,
        watch: bool = True,
        console: Console | None = None,
        restart: Sequence[str] = DEFAULT_RESTART,
        ui: Callable[[Supervisor], DevUi] | None = None,
    ) -> None:
        self.spec = spec
        self.sock = sock
        self.watch = watch
        self.console = console or Console(soft_wrap=True, highlight=False)
        self.restart_globs = GlobSet(restart)
        self._seen = Checksums()  # file contents as last seen by the watcher or the editor
        self.current: WorkerProcess | None = None
        self._workers: set[WorkerProcess] = set()
        self._crashes = 0  # quick crashes in a row
        self._restart_pending = False
        self._lock = asyncio.Lock()  # one worker operation at a time: a batch, a restart, a recovery
        self._tasks: set[asyncio.Task[Any]] = set()
        self._stopping = asyncio.Event()
        self.queue: ChangeQueue[SyncReport] = ChangeQueue(self._apply)
        self.control = ControlServer(spec.project_root, self)
        self._status = Status("idle", "starting the worker")
        self._ui_factory = ui  # the dev UI (hotbed.dev.ui), started on this loop
        self.ui: DevUi | None = None
        self.batch_deadline = _seconds("HOTBED_BATCH_TIMEOUT", BATCH_DEADLINE)
        self.startup_deadline = _seconds("HOTBED_STARTUP_TIMEOUT", STARTUP_DEADLINE)

    def run(self) -> int:
        return asyncio.run(self.serve())

    async def serve(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in _STOP_SIGNALS:
            loop.add_signal_handler(sig, self._stopping.set)
        try:
            if self.watch:
                await self._start_watching()
            await self._start_control()
            if self._ui_factory is not None:
                self.ui = self._ui_factory(self)
                self.ui.start()
            self._spawn_task(self._recover())
            await self._stopping.wait()
        finally:
            await self._shutdown()
            for sig in _STOP_SIGNALS:
                loop.remove_signal_handler(sig)
        return 0

    def stop(self) -> None:
        self._stopping.set()

    # -- change sources ---------------------------------------------------------------------

    async def _start_watching(self) -> None:
        ready = asyncio.Event()
        watching = self._spawn_task(self._watch(ready))
        waiting: asyncio.Future[Any] = asyncio.ensure_future(ready.wait())
        await asyncio.wait({watching, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if watching.done():
            watching.result()  # the watcher failed to start: raise its error

    async def _watch(self, ready: asyncio.Event) -> None:
        async for changes in watch_changes(
            self.spec.project_root,
            self.restart_globs,
            self._stopping,
            ready=ready,
            checksums=self._seen,
            extra=lambda: self.current.reads if self.current is not None else (),
        ):
            if not self._stopping.is_set():
                self.queue.submit(changes)

    # -- the control channel (ControlHandler) ------------------------------------------------

    async def _start_control(self) -> None:
        try:
            await self.control.start()
        except (ConfigError, OSError) as exc:
            self.console.print(f"[yellow]⚠ no control channel, editors cannot drive this server: {exc}[/]")

    def _set_status(self, state: State, message: str, report: Report | None = None) -> None:
        self._status = Status(state, message, report)
        self.control.broadcast(self._status)
        if self.ui is not None:
            self.ui.timeline.record(self._status)

    def status(self) -> Status:
        host, port = self.sock.getsockname()[:2]
        url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
        return attrs.evolve(self._status, pid=os.getpid(), url=url)

    async def sync(self, changes: Sequence[Change]) -> Report:
        """Apply `changes` as a batch; no changes means every project source (a full sync)."""
        hop(SYNC_READ)
        for change in changes:
            self._seen.note(change)  # the watcher will see this save too: it is not news then
        batch = list(changes) or self._project_sources()
        report = await self.queue.submit(batch) if batch else SyncReport()
        return report_from_sync(report, self.spec.project_root, pid=self.current.pid if self.current else 0)

    async def dump(self) -> list[DumpNode]:
        async with self._lock:
            worker = self.current
            if worker is None:
                return []
            try:
                return list(await worker.dump())
            except WorkerGone:
                return []

    async def restart(self) -> None:
        async with self._lock:
            await self._replace("restart requested")

    def _project_sources(self) -> list[Change]:
        """Every module and entity file of the project (restart files are left out: they always restart)."""
        source_filter = SourceFilter(self.spec.project_root, self.restart_globs)
        ignored = set(source_filter.ignore_dirs)
        found = []
        for folder, dirs, files in os.walk(self.spec.project_root):
            dirs[:] = [d for d in dirs if d not in ignored]
            found += [Change(os.path.join(folder, f)) for f in files if f.endswith((".py", ".entity.json"))]
        return found

    # -- applying a batch -------------------------------------------------------------------

    async def _apply(self, batch: tuple[Change, ...]) -> SyncReport:
        async with self._lock:
            before = self._status
            syncing = f"applying {len(batch)} change{'s' * (len(batch) != 1)}"
            worker = self.current
            if worker is None or self._restart_pending:
                self._set_status("syncing", syncing, before.report)
                unapplied = ReloadResult(changed=tuple(c.path for c in batch), root=self.spec.project_root)
                if worker is None:
                    self.console.print("[cyan]↻ change detected: starting the worker again[/]")
                    self._crashes = 0
                    await self._ensure_worker()
                else:
                    await self._replace("a change arrived after a failed restart")
                return SyncReport(changes=batch, reload=unapplied)
            try:
                pending = worker.submit(batch)  # first: the status notification can wait, the save cannot
                self._set_status("syncing", syncing, before.report)
                report = await asyncio.wait_for(asyncio.shield(pending), self.batch_deadline)
            except WorkerGone as exc:
                return self._failed(batch, f"{exc} while applying the batch; a new worker starts on the current files")
            except TimeoutError:
                why = (
                    f"worker {worker.pid} did not finish the batch within {self.batch_deadline:g} s;"
                    " replacing it with a new worker on the current files"
                )
                self.console.print(f"[bold red]✗ {why}[/]")
                self._set_status("restarting", why)
                await worker.stop(0.5)  # it is stuck: the requests it holds are lost, nothing else
                self.current = None
                self._crashes = 0
                await self._ensure_worker()
                return self._failed(batch, why)
            wire = report_from_sync(report, self.spec.project_root, pid=worker.pid)
            hop(STATUS_SENT)  # before the broadcast, which the language server may pass on at once
            if report.nothing_changed and not _reverted(before, batch):
                # e.g. the watcher seeing a save the editor already synced: the state stands
                self._set_status(before.state, before.message, before.report)
            elif report.nothing_changed:
                self._set_status("ok", "the files match the code that runs", wire)
            else:
                self._set_status(wire.state, _describe(wire), wire)
            print_report(report, self.console)  # after the status: an editor's wait is the shorter one
            result = report.reload
            if result.errors and not result.committed:
                self.console.print(f"[dim]↩ rolled back: worker {worker.pid} keeps serving the last good code[/]")
            if result.restart_required:
                await self._replace("; ".join(r.message for r in result.restart))
            return report

    def _failed(self, batch: tuple[Change, ...], why: str) -> SyncReport:
        """The report of a batch the worker never answered."""
        path = batch[0].path if batch else self.spec.project_root
        error = ReloadError(path, 0, 0, why)
        changed = tuple(c.path for c in batch)
        return SyncReport(
            changes=batch, reload=ReloadResult(changed=changed, errors=(error,), root=self.spec.project_root)
        )

    # -- worker lifecycle -------------------------------------------------------------------

    def _spawn_task(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _spawn(self) -> WorkerProcess | None:
        """Start a worker and wait until it serves; None if it exits first or we are stopping."""
        worker = WorkerProcess(self.spec, self.sock, self._on_exit)
        self._workers.add(worker)
        stopping: asyncio.Future[Any] = asyncio.ensure_future(self._stopping.wait())
        ready: asyncio.Future[Any] = worker.ready
        try:
            await asyncio.wait({ready, stopping}, timeout=self.startup_deadline, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if not worker.ready.done() and not self._stopping.is_set():
            self.console.print(
                f"[red]✗ worker {worker.pid} was not serving {self.startup_deadline:g} s after it started"
                " (an endless loop at import?); stopping it[/]"
            )
            await worker.stop(0.5)
            return None
        if not worker.ready.done() or worker.ready.exception() is not None:
            if not self._stopping.is_set():
                await worker.exited
                self.console.print(
                    f"[red]✗ worker {worker.pid} exited before serving ({describe_exit(worker.process.exitcode)})[/]"
                )
            return None
        return worker

    def _announce(self, worker: WorkerProcess) -> None:
        elapsed = worker.ready_at - worker.started_at
        self.console.print(f"[green]✓ worker {worker.pid} serving {self.spec.target}[/] [dim]({elapsed:.2f} s)[/]")

    async def _ensure_worker(self) -> None:
        """Start workers, backing off, until one serves, `MAX_QUICK_CRASHES` fail, or we stop."""
        while not self._stopping.is_set():
            if self._crashes and not await self._back_off():
                return
            worker = await self._spawn()
            if worker is not None:
                self.current = worker
                self._announce(worker)
                self._set_status("ok", f"worker {worker.pid} serving {self.spec.target}")
                return
            self._crashes += 1

    async def _back_off(self) -> bool:
        if self._crashes >= MAX_QUICK_CRASHES:
            self._set_status("error", f"the worker crashed {self._crashes} times in a row; waiting for a file change")
            self.console.print(
                f"[bold red]✗ the worker crashed {self._crashes} times in a row;"
                " waiting for a file change to start it again[/]"
            )
            return False
        delay = BACKOFF[min(self._crashes, len(BACKOFF)) - 1]
        self.console.print(f"[yellow]↻ starting a new worker in {delay:g} s[/]")
        try:
            await asyncio.wait_for(self._stopping.wait(), delay)
        except TimeoutError:
            return True
        return False

    async def _recover(self) -> None:
        async with self._lock:
            if self.current is None and not self._stopping.is_set():
                await self._ensure_worker()

    async def _replace(self, why: str) -> None:
        """Hand over to a fresh worker; the old one serves until the new one does."""
        old = self.current
        self.console.print(f"[yellow]↻ restarting the worker:[/] {why}")
        self._set_status("restarting", why)
        new = await self._spawn()
        if new is None:
            if old is not None and old.alive:
                self._restart_pending = True
                self._set_status(
                    "error", f"the new worker failed to start; worker {old.pid} serves the previous code until a change"
                )
                self.console.print(
                    f"[red]✗ the new worker failed to start; worker {old.pid} keeps serving the previous code"
                    " until the next change[/]"
                )
                return
            self.current = None
            self._crashes += 1
            await self._ensure_worker()
            return
        self.current = new
        self._restart_pending = False
        self._crashes = 0
        if old is not None:
            await old.stop(STOP_TIMEOUT)
        # Only now: until the old worker is gone, a request may still reach the old code.
        self._announce(new)
        self._set_status("ok", f"worker {new.pid} serving {self.spec.target} (restarted)")

    def _on_exit(self, worker: WorkerProcess) -> None:
        self._workers.discard(worker)
        if worker.retiring or worker is not self.current or self._stopping.is_set():
            return
        self.console.print(f"[bold red]✗ worker {worker.pid} died ({describe_exit(worker.process.exitcode)})[/]")
        self.current = None
        self._set_status("restarting", f"worker {worker.pid} died ({describe_exit(worker.process.exitcode)})")
        quick = time.monotonic() - worker.ready_at < QUICK_CRASH
        self._crashes = self._crashes + 1 if quick else 0
        self._spawn_task(self._recover())

    # -- stopping ---------------------------------------------------------------------------

    async def _shutdown(self) -> None:
        self._stopping.set()
        await self.queue.aclose(BATCH_TIMEOUT)
        await self.control.close()
        if self.ui is not None:
            await self.ui.stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        workers = list(self._workers)
        await asyncio.gather(*(w.stop(STOP_TIMEOUT) for w in workers))
        self.current = None
        self.console.print("[dim]hotbed dev stopped[/]")


def _reverted(before: Status, batch: Sequence[Change]) -> bool:
    """A failed change was saved back to the code that runs: its error no longer holds."""
    if before.state != "error" or before.report is None:
        return False
    involved = {*before.report.changed, *(e.path for e in before.report.errors)}
    return any(c.path in involved for c in batch)


def _describe(report: Report) -> str:
    """One line for a status: what the batch did, or what went wrong."""
    if report.errors:
        first = report.errors[0]
        more = f" (+{len(report.errors) - 1} more)" if len(report.errors) > 1 else ""
        return f"{os.path.basename(first.path)}:{first.line}: {first.message}{more}"
    if report.restart:
        return "; ".join(r.message for r in report.restart)
    if report.patched:
        count, where = report.patched_functions, ", ".join(os.path.basename(p) for p in report.patched)
        return f"patched {count} function{'s' * (count != 1)} in {where} in {report.duration_ms:.1f} ms"
    count = len(report.reexecuted)
    return f"re-executed {count} module{'s' * (count != 1)} in {report.duration_ms:.1f} ms"
