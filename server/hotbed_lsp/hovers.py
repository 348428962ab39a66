"""Hover text and code lens titles for a project module, from the dev server's `dump` of its graph.

A save of a module re-executes it and its importers, transitively, stopping above
modules that are not boundaries (those mean a restart instead); the number shown is what
a save costs. The dump is cached by the server and refreshed after each sync.
"""

from __future__ import annotations

from collections.abc import Iterable

from hotbed.dev.protocol import DumpNode

__all__ = ["ModuleGraph"]


class ModuleGraph:
    """The last `dump`, indexed by absolute path."""

    def __init__(self, nodes: Iterable[DumpNode] = ()) -> None:
        self.nodes = {node.node_path: node for node in nodes}
        self._by_rel = {node.path: node for node in self.nodes.values()}

    def __len__(self) -> int:
        return len(self.nodes)

    def get(self, path: str) -> DumpNode | None:
        return self.nodes.get(path)

    def reexecuted_by_save(self, node: DumpNode) -> list[DumpNode]:
        """The modules a save of `node` re-executes, itself first, importers breadth-first."""
        order = [node]
        seen = {node.path}
        for current in order:
            if not current.boundary:
                continue  # its importers are not reached: this one means a restart
            for rel in current.dependents:
                dependent = self._by_rel.get(rel)
                if dependent is not None and rel not in seen:
                    seen.add(rel)
                    order.append(dependent)
        return order

    def lens_title(self, node: DumpNode) -> str:
        if not node.reloadable:
            return "hotbed: a save restarts the dev server"
        others = len(self.reexecuted_by_save(node)) - 1
        apis = f" · {len(node.apis)} API{'s' * (len(node.apis) != 1)}" if node.apis else ""
        kind = "boundary" if node.boundary else "not a boundary"
        return f"hotbed: {kind} · a save re-executes {others} dependent{'s' * (others != 1)}{apis}"

    def hover(self, node: DumpNode) -> str:
        lines = [f"**hotbed** · `{node.path}` · version {node.version}"]
        lines.append(
            "Boundary: hot-reloaded in place."
            if node.boundary
            else "Not a boundary: a change that reaches it needs a restart."
        )
        if node.reloadable:
            reexecuted = self.reexecuted_by_save(node)[1:]
            listed = ", ".join(f"`{n.path}`" for n in reexecuted[:8]) + (" …" if len(reexecuted) > 8 else "")
            lines.append(f"A save re-executes {len(reexecuted)} dependent(s){': ' + listed if listed else ''}.")
        else:
            lines.append("A save restarts the dev server (declined, or imported by a module that is not a boundary).")
        if node.apis:
            lines.append("Registers: " + ", ".join(f"`{api}`" for api in node.apis))
        return "\n\n".join(lines)
