"""Which project functions ran while the project's modules executed: their results outlive them.

A function that ran at import (`app = create_app()`, a `declared_attr`, a factory a
decorator called) left what it returned in some module's namespace, a route table or a
mapped class. Patching its body in place would leave those results as the old body made
them; a cold start would have the new body's. So the patcher asks here, and such a change
is re-executed instead.

On Python 3.12 and later the interpreter reports every function start (`sys.monitoring`),
which sees calls however they are made: through another function, a registry, a
metaclass. Only while a project module executes, and code outside the project is switched
off after its first start, so the cost is one callback per project function call at
import. Python 3.11 has no such hook at an acceptable price (a profile function would see
every call of every library at import), so there the patcher falls back on reading the
bytecode (`patcher.uses_at_import`), followed through the project's own function bodies.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Collection, Mapping
from types import CodeType
from typing import Any

from hotbed.reload.patcher import body_calls, uses_at_import

__all__ = ["ImportCalls", "available"]

# (path, qualified name) of a function -> the modules whose execution ran it.
Snapshot = dict[tuple[str, str], frozenset[str]]

_monitoring: Any = getattr(sys, "monitoring", None)
_TOOL_NAME = "hotbed"


def available() -> bool:
    """Whether function starts can be observed here (Python 3.12+ with a free monitoring tool id)."""
    return _monitoring is not None


class ImportCalls:
    """Records, per project function, the modules whose execution ran it.

    `started(name)` and `finished()` bracket one module's execution (they nest, as
    imports do); `forget(name)` drops what an old version of `name` ran before it runs
    again; `ran(path, qualname)` answers the patcher.
    """

    def __init__(self, is_project_file: Callable[[str], bool], compiled: Mapping[str, tuple[bytes, CodeType]]) -> None:
        self._is_project_file = is_project_file
        self._compiled = compiled  # the engine's current code per path, for the bytecode fallback
        self._ran: dict[tuple[str, str], set[str]] = {}
        self._stack: list[str] = []
        self._tool: int | None = None
        # path -> (its code, names its import calls, names each of its function bodies calls)
        self._read: dict[str, tuple[CodeType, frozenset[str], dict[str, frozenset[str]]]] = {}
        self._reached: frozenset[str] | None = None

    @property
    def observing(self) -> bool:
        return self._tool is not None or (available() and self._claim() is not None)

    def ran(self, path: str, qualnames: Collection[str], names: frozenset[str]) -> bool:
        """Whether one of the functions (`qualnames` of `path`; simple `names`) ran at some import."""
        if self.observing:
            return any(self._ran.get((path, qualname)) for qualname in qualnames)
        return bool(names & self._reached_by_name())

    def _reached_by_name(self) -> frozenset[str]:
        """Without a hook: the names import-time code calls, then what those functions' bodies
        call, and so on, matched by name across the project (a superset: names collide)."""
        for path, (_, code) in self._compiled.items():
            known = self._read.get(path)
            if known is None or known[0] is not code:
                self._read[path] = (code, uses_at_import(code), body_calls(code))
                self._reached = None
        for path in [p for p in self._read if p not in self._compiled]:
            del self._read[path]
            self._reached = None
        if self._reached is None:
            reached: set[str] = set().union(*(seeds for _, seeds, _ in self._read.values()))
            bodies: dict[str, set[str]] = {}
            for _, _, calls in self._read.values():
                for name, names in calls.items():
                    bodies.setdefault(name, set()).update(names)
            todo = list(reached)
            while todo:
                for callee in bodies.get(todo.pop(), ()):
                    if callee not in reached:
                        reached.add(callee)
                        todo.append(callee)
            self._reached = frozenset(reached)
        return self._reached

    def forget(self, name: str) -> None:
        for modules in self._ran.values():
            modules.discard(name)

    def snapshot(self) -> Snapshot:
        return {key: frozenset(modules) for key, modules in self._ran.items() if modules}

    def restore(self, snapshot: Snapshot) -> None:
        """Back to `snapshot` (a reload rolled back: the old versions' import runs hold again)."""
        self._ran = {key: set(modules) for key, modules in snapshot.items()}

    def started(self, name: str) -> None:
        self._stack.append(name)
        if len(self._stack) == 1 and self._claim() is not None:
            _monitoring.set_events(self._tool, _monitoring.events.PY_START)

    def finished(self) -> None:
        if self._stack:
            self._stack.pop()
        if not self._stack and self._tool is not None:
            _monitoring.set_events(self._tool, 0)

    def close(self) -> None:
        """Give the monitoring tool id back (an engine that is thrown away)."""
        if self._tool is not None:
            _monitoring.set_events(self._tool, 0)
            _monitoring.register_callback(self._tool, _monitoring.events.PY_START, None)
            _monitoring.free_tool_id(self._tool)
            self._tool = None

    def _claim(self) -> int | None:
        if self._tool is not None or _monitoring is None:
            return self._tool
        # 0-2 and 5 are named for debuggers, coverage, profilers and optimizers: take another first.
        for tool in (3, 4, 2, 1, 0, 5):
            if _monitoring.get_tool(tool) is None:
                _monitoring.use_tool_id(tool, _TOOL_NAME)
                _monitoring.register_callback(tool, _monitoring.events.PY_START, self._on_start)
                self._tool = tool
                return tool
        return None

    def _on_start(self, code: CodeType, offset: int) -> Any:
        if not self._is_project_file(code.co_filename):
            return _monitoring.DISABLE  # library code: never asked about, never reported again
        if self._stack:
            self._ran.setdefault((code.co_filename, code.co_qualname), set()).add(self._stack[-1])
        return None
