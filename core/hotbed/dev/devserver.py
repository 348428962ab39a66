"""`hotbed dev`: resolve what to serve, bind the socket, hand over to the supervisor.

Targets:
    module:app        import `module` from the current folder, serve its `app`
    path/to/file.py   serve that file's `app`; a file inside a package (folders with
                      `__init__.py`) is imported as `package.module`, so relative
                      imports work
"""

from __future__ import annotations

import errno
import ipaddress
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from hotbed.config import load_config
from hotbed.dev.project_lock import ProjectLock
from hotbed.dev.supervisor import Supervisor
from hotbed.dev.ui.server import DevUi, EditorFactory
from hotbed.dev.worker import ProjectLoader, WorkerSpec
from hotbed.exceptions import ConfigError
from hotbed.reload import hmr
from hotbed.reload.engine import DEFAULT_BOUNDARIES

__all__ = ["bind_socket", "is_loopback", "resolve_target", "run_dev_server"]

_FORMS = "pass `module:app` (for example `main:app`) or a path to a Python file that defines `app` (`app/main.py`)"


def _module_file(import_root: Path, module: str) -> Path | None:
    base = import_root.joinpath(*module.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def resolve_target(target: str | None, cwd: str | os.PathLike[str] | None = None) -> WorkerSpec:
    """Turn the command-line target into what a worker imports and what the engine tracks.

    Raises:
        ConfigError: no target, or a target that names nothing on disk.
    """
    here = Path(cwd or os.getcwd()).resolve()
    if target is None or (here / target).is_dir():
        folder = here if target is None else (here / target).resolve()
        config = load_config(folder)
        if config.config_file is None:
            where = "here" if target is None else f"in {target}"
            raise ConfigError(
                f"no hotbed project {where} (no hotbed.toml or [tool.hotbed] in pyproject.toml): {_FORMS},"
                " or run `hotbed new NAME` to start an entity project"
            )
        return WorkerSpec(
            module="",
            attribute="",
            import_root=str(config.source_path),
            project_root=str(config.root),
            kind="project",
            restart=config.restart,
        )
    if target.endswith(".py") or os.sep in target or "/" in target:
        path = (here / target).resolve()
        if not path.is_file():
            raise ConfigError(f"{target}: no such file; {_FORMS}")
        parts = [path.stem]
        folder = path.parent
        while (folder / "__init__.py").is_file() and folder.parent != folder:
            parts.insert(0, folder.name)
            folder = folder.parent
        if parts[-1] == "__init__":
            parts.pop()
        return _module_app(".".join(parts), "app", folder)
    module, _, attribute = target.partition(":")
    if not module or not all(p.isidentifier() for p in module.split(".")) or not (attribute or "app").isidentifier():
        raise ConfigError(f"{target!r} is not a target: {_FORMS}")
    if _module_file(here, module) is None:
        raise ConfigError(f"cannot find module {module!r} in {here}: {_FORMS}")
    return _module_app(module, attribute or "app", here)


def _module_app(module: str, attribute: str, root: Path) -> WorkerSpec:
    """A `module:app` app imported from `root`, with the boundaries and restart globs its
    configuration sets, if any; otherwise every module of the folder is a boundary."""
    config = load_config(root)
    boundaries = config.boundaries if "boundaries" in config.explicit else DEFAULT_BOUNDARIES
    return WorkerSpec(
        module=module,
        attribute=attribute,
        import_root=str(root),
        project_root=str(root),
        boundaries=boundaries,
        restart=config.restart,
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket; bound once here, shared by every worker the supervisor starts."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except socket.gaierror as exc:
        raise ConfigError(f"cannot resolve host {host!r}: {exc}") from exc
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        hint = ""
        if exc.errno == errno.EADDRINUSE:
            hint = (
                "; another program (perhaps another hotbed dev) listens there: pick another port with"
                " --port N, HOTBED_PORT=N or `port = N` in hotbed.toml (0 picks a free one)"
            )
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}{hint}") from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _url(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def run_dev_server(
    target: str | None = None,
    host: str = "127.0.0.1",
    port: int | None = None,
    log_level: str = "info",
    watch: bool = True,
    project_loader: ProjectLoader | None = None,
    ui: bool = True,
    entity_editor: EditorFactory | None = None,
) -> int:
    """Serve `target` with hot module replacement until SIGINT or SIGTERM; return the exit code.

    Args:
        target: `module:app` or a path to a Python file; see the module docstring.
        host: bind address; anything but loopback is announced with a warning.
        port: bind port; 0 picks a free one (the URL printed says which). None: `HOTBED_PORT`,
            else the project's `port` setting, else 8000.
        log_level: uvicorn's log level in the worker.
        watch: watch the project for changes (off with `HOT=no` as well).
        project_loader: starts an entity project in the worker (the framework's; `hotbed dev`
            passes it), needed when the target is an entity project.
        ui: serve the dev UI (`/_hotbed/`) on its own loopback port; off with `HOT=no` as well.
        entity_editor: opens the project's entity files for the UI's forms (the framework's).

    Example:
        run_dev_server("main:app", port=8000)
    """
    hot = not hmr.hot_disabled()
    if log_level not in ("debug", "trace"):
        logging.getLogger("watchfiles").setLevel(logging.WARNING)  # hotbed reports changes itself
    spec = resolve_target(target)
    spec = replace(spec, log_level=log_level, hot=hot, project_loader=project_loader)
    console = Console(soft_wrap=True, highlight=False)
    if not is_loopback(host):
        console.print(
            f"[bold red]⚠ WARNING: binding to {host}: anyone who can reach this machine can use this dev server,"
            " which runs whatever code is saved in the project. Use 127.0.0.1 unless you mean it.[/]"
        )
    if port is None:
        port = load_config(spec.project_root).port
    lock = ProjectLock(spec.project_root)
    lock.acquire()
    try:
        sock = bind_socket(host, port)
    except BaseException:
        lock.release()
        raise
    lock.describe(_url(sock))
    ui_sock: socket.socket | None = None
    try:
        mode = "hot reload on" if hot and watch else "hot reload off (HOT=no)" if not hot else "not watching files"
        console.print(f"[bold]hotbed dev[/] serving [cyan]{spec.target}[/] on [bold]{_url(sock)}[/] [dim]({mode})[/]")
        make_ui, ui_sock = _dev_ui(ui and hot, host, sock, spec, entity_editor, console)
        console.print(f"[dim]project root: {spec.project_root} · Ctrl-C to stop[/]")
        return Supervisor(spec, sock, watch=watch and hot, console=console, restart=spec.restart, ui=make_ui).run()
    finally:
        sock.close()
        if ui_sock is not None:
            ui_sock.close()
        lock.release()


def _dev_ui(
    wanted: bool, host: str, app_sock: socket.socket, spec: WorkerSpec, editor: EditorFactory | None, console: Console
) -> tuple[Callable[[Supervisor], DevUi] | None, socket.socket | None]:
    """Bind the dev UI next to the app (the app's port + 1 when free, else any) and announce it."""
    if not wanted:
        return None, None
    port = app_sock.getsockname()[1] + 1
    try:
        ui_sock = bind_socket(host, port)
    except ConfigError:
        ui_sock = bind_socket(host, 0)
    entity_editor = editor(spec.project_root) if editor is not None and spec.kind == "project" else None

    def make(supervisor: Supervisor) -> DevUi:
        return DevUi(supervisor, ui_sock, entity_editor)

    console.print(f"[bold]dev UI[/] on [bold]{_url(ui_sock)}/_hotbed/[/]")
    return make, ui_sock
