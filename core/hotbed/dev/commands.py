"""`hotbed status`, `hotbed dump`, `hotbed routes`: ask the dev server running for this folder.

They find the project by walking up from the folder they run in to the nearest
`.hotbed/control.sock`, so they work from any subfolder, and speak the same control
channel as the language server.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from hotbed.dev.control_client import ControlClient, ControlError, NotConnected
from hotbed.dev.control_server import control_socket_path
from hotbed.dev.protocol import DumpNode, Status, converter

__all__ = ["find_running_project", "run_dump", "run_routes", "run_status"]

T = TypeVar("T")


def find_running_project(start: str | os.PathLike[str]) -> Path | None:
    """The nearest folder, from `start` up, whose `.hotbed/` holds a dev server's control socket."""
    folder = Path(start).resolve()
    return next((f for f in (folder, *folder.parents) if control_socket_path(f).exists()), None)


def _ask(start: str | os.PathLike[str], question: Callable[[ControlClient], Awaitable[T]]) -> T | None:
    """One question to the running dev server; None (after saying why on stderr) when none answers."""
    root = find_running_project(start)
    if root is None:
        where = Path(start).resolve()
        Console(stderr=True).print(f"hotbed: no hotbed dev running for {where} or a folder above it; run `hotbed dev`")
        return None

    async def ask() -> T:
        client = ControlClient(root)
        await client.connect()
        try:
            return await question(client)
        finally:
            await client.close()

    try:
        return asyncio.run(ask())
    except (NotConnected, ControlError) as exc:
        Console(stderr=True).print(f"hotbed: the dev server in {root} did not answer: {exc}")
        return None


def run_status(start: str | os.PathLike[str] = ".", *, as_json: bool = False) -> int:
    """Print whether a dev server runs here, its pid and URL, and its last reload; 1 when none runs."""
    status: Status | None = _ask(start, lambda client: client.status())
    if status is None:
        return 1
    if as_json:
        print(json.dumps(converter.unstructure(status), indent=2))
        return 0
    console = Console(highlight=False, soft_wrap=True)
    console.print(f"[bold]hotbed dev[/] pid {status.pid} serving {status.url}")
    console.print(f"state: [bold]{status.state}[/] {status.message}")
    report = status.report
    if report is not None:
        if report.reexecuted:
            console.print(f"last reload re-executed: {', '.join(_short(p) for p in report.reexecuted)}")
        for error in report.errors:
            console.print(f"[red]{_short(error.path)}:{error.line}: {error.message}[/]")
        for reason in report.restart:
            console.print(f"[yellow]restart: {reason.message}[/]")
    return 0


def _short(path: str) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return path


def _tree(nodes: list[DumpNode]) -> Tree:
    """Each module under the modules it imports: what a save of it reaches runs upward."""
    by_path = {n.path: n for n in nodes}
    tree = Tree("[bold]modules[/] (each above its importers: a save re-executes what is below it)")

    def label(node: DumpNode) -> str:
        marks = [m for m, on in (("boundary", node.boundary), ("restarts", not node.reloadable)) if on]
        apis = f" · {len(node.apis)} API(s)" if node.apis else ""
        return f"{node.path} [dim]v{node.version} {' '.join(marks)}{apis}[/]"

    def add(branch: Tree, node: DumpNode, seen: frozenset[str]) -> None:
        for rel in sorted(node.dependents):
            dependent = by_path.get(rel)
            if dependent is not None and rel not in seen:
                add(branch.add(label(dependent)), dependent, seen | {rel})

    for node in sorted(nodes, key=lambda n: n.path):
        if not any(dep in by_path for dep in node.dependencies):  # a leaf of the import graph
            add(tree.add(label(node)), node, frozenset({node.path}))
    return tree


def run_dump(start: str | os.PathLike[str] = ".", *, as_json: bool = False) -> int:
    """Print the running dev server's module graph, as a tree or as JSON; 1 when none runs."""
    nodes: list[DumpNode] | None = _ask(start, lambda client: client.dump())
    if nodes is None:
        return 1
    if as_json:
        print(json.dumps([converter.unstructure(n) for n in nodes], indent=2))
        return 0
    Console(highlight=False, soft_wrap=True).print(_tree(nodes))
    return 0


def run_routes(start: str | os.PathLike[str] = ".") -> int:
    """Print every route the running app registers: method, path, handler and the module that registers it."""
    nodes: list[DumpNode] | None = _ask(start, lambda client: client.dump())
    if nodes is None:
        return 1
    table = Table("method", "path", "handler", "module", box=None, pad_edge=False)
    rows = sorted(
        (*api.split(" ", 1), handler, node.path)
        for node in nodes
        for api, handler in zip(node.apis, node.handlers or [""] * len(node.apis), strict=True)
    )
    for method, path, handler, module in rows:
        table.add_row(method, path, handler, module)
    console = Console(highlight=False, soft_wrap=True)
    console.print(table if rows else "no routes registered")
    return 0
