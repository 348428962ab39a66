"""The module graph: one node per project module, edges recorded as imports execute."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from hotbed.reload.types import RestartReason

if TYPE_CHECKING:
    from hotbed.reload.hot import HotContext

__all__ = ["ModuleGraph", "Node"]


class Node:
    """A project module. Identity is the file; `name` is its dotted module name.

    A plain class with slots rather than a dataclass: one is made per imported module, and
    the generated `__init__` with its default factories cost twice this one."""

    __slots__ = (
        "boundary",
        "context",
        "data",
        "dependents",
        "external",
        "name",
        "path",
        "pending_context",
        "rel",
        "runtime_deps",
        "seq",
        "source_hash",
        "static_deps",
        "version",
    )

    def __init__(self, name: str, path: str, rel: str, boundary: bool, source_hash: bytes = b"") -> None:
        self.name = name
        self.path = path
        self.rel = rel
        self.boundary = boundary
        self.source_hash = source_hash
        self.seq = 0  # the start order, given by `ModuleGraph.add`
        self.version = 0
        self.static_deps: set[Node] = set()
        self.runtime_deps: set[Node] = set()
        self.dependents: set[Node] = set()
        self.external = False
        self.data: dict[str, Any] = {}
        self.context: HotContext | None = None
        self.pending_context: HotContext | None = None

    @property
    def dependencies(self) -> set[Node]:
        return self.static_deps | self.runtime_deps

    @property
    def declined(self) -> bool:
        return self.context is not None and self.context.declined

    @property
    def accepted(self) -> bool:
        return self.context is not None and self.context.accepted

    def __repr__(self) -> str:
        return f"<Node {self.name} v{self.version}>"


class ModuleGraph:
    def __init__(self) -> None:
        self.by_name: dict[str, Node] = {}
        # One file may be imported under two names (`src.models` and `models`): a node each.
        self.by_path: dict[str, list[Node]] = {}
        self._seq = 0

    def __len__(self) -> int:
        return len(self.by_name)

    def __iter__(self) -> Iterator[Node]:
        return iter(list(self.by_name.values()))

    def at(self, path: str) -> list[Node]:
        """The modules executing `path`, in the order they were first imported."""
        return self.by_path.get(path, [])

    def add(self, node: Node) -> Node:
        """Add a module that just started executing, numbered after every module added before."""
        self._seq += 1
        node.seq = self._seq
        self.by_name[node.name] = node
        same_file = self.by_path.get(node.path)
        if same_file is None:
            self.by_path[node.path] = [node]
        else:
            same_file.append(node)
        return node

    def add_edge(self, importer: Node, imported: Node, static: bool) -> None:
        if importer is imported:
            return
        (importer.static_deps if static else importer.runtime_deps).add(imported)
        imported.dependents.add(importer)

    def clear_static_deps(self, node: Node) -> set[Node]:
        """Forget the imports a module made while executing; it is about to execute again."""
        old = node.static_deps
        node.static_deps = set()
        for dep in old:
            if dep not in node.runtime_deps:
                dep.dependents.discard(node)
        return old

    def restore_static_deps(self, node: Node, deps: set[Node]) -> None:
        self.clear_static_deps(node)
        for dep in deps:
            if dep.name in self.by_name:
                self.add_edge(node, dep, static=True)

    def remove(self, node: Node) -> None:
        self.by_name.pop(node.name, None)
        same_file = self.by_path.get(node.path, [])
        if node in same_file:
            same_file.remove(node)
        if not same_file:
            self.by_path.pop(node.path, None)
        for dep in node.dependencies:
            dep.dependents.discard(node)
        for importer in node.dependents:
            importer.static_deps.discard(node)
            importer.runtime_deps.discard(node)
        node.static_deps, node.runtime_deps, node.dependents = set(), set(), set()

    def propagate(self, start: Node, *, include_start: bool = True) -> tuple[list[Node], list[RestartReason]]:
        """The modules a change to `start` re-executes, and why a restart is needed if it is.

        Walks importers breadth-first. A module that accepted its own changes stops the walk
        above it; a declined module or a non-boundary importer makes a restart necessary.
        """
        reasons: list[RestartReason] = []
        order: list[Node] = []
        seen = {start}
        queue: deque[Node] = deque([start])
        while queue:
            node = queue.popleft()
            if node is not start or include_start:
                order.append(node)
                if node.declined:
                    reasons.append(
                        RestartReason("declined", node.path, start.path, f"{node.rel} declined hot reloading")
                    )
                if not node.boundary:
                    if node is start:
                        message = f"{node.rel} is not a hot-reload boundary"
                    else:
                        how = "statically " if any(d in node.static_deps for d in order) else ""
                        message = f"imported {how}by non-boundary {node.rel}"
                    reasons.append(RestartReason("non-boundary", node.path, start.path, message))
                    continue
                if node.accepted:
                    continue
            for importer in sorted(node.dependents, key=lambda n: n.seq):
                if importer not in seen:
                    seen.add(importer)
                    queue.append(importer)
        return order, reasons
