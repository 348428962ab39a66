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
import. Python 3.11 has no such hook at an acceptable price for imports (even the C
profiler doubles an app's import: it sees every call of every library), so there the
patcher falls back on reading the bytecode (`patcher.uses_at_import`), followed through
the project's own function bodies; and a function import-time code handed to a library
that keeps something else under its name (a `declared_attr` became a column) counts as
run, since the library may have called it. The app's startup runs once per worker and is
short next to the imports: on 3.11 the C profiler (`cProfile`) records what ran in it.
"""

from __future__ import annotations

import contextlib
import cProfile
import functools
import sys
from collections.abc import Callable, Collection, Iterator, Mapping
from types import CodeType, FunctionType, ModuleType
from typing import Any

from hotbed.reload.patcher import function_codes, handed_over, import_time_codes, uses_at_import

__all__ = ["STARTUP", "ImportCalls", "available"]

_monitoring: Any = getattr(sys, "monitoring", None)
_TOOL_NAME = "hotbed"
# Recorded as the executing "module" while the app starts up (its lifespan): what ran then
# holds results only a new worker renews.
STARTUP = "<startup>"


def available() -> bool:
    """Whether function starts can be observed here (Python 3.12+ with a free monitoring tool id)."""
    return _monitoring is not None


class ImportCalls:
    """Records the project functions that ran while some module executed, or the app started up.

    `started(name)` and `finished()` bracket one module's execution (they nest, as imports
    do); `ran(...)` answers the patcher. A function is recorded at its first start and its
    event is switched off then, so a function called a million times at import costs one
    callback. What is recorded stays recorded (a module's new version may no longer call
    it, but another module's import may have too): a superset, which only means a
    re-execution where a patch would have done.
    """

    def __init__(self, is_project_file: Callable[[str], bool], compiled: Mapping[str, tuple[bytes, CodeType]]) -> None:
        self._is_project_file = is_project_file
        self._compiled = compiled  # the engine's current code per path, for the bytecode fallback
        self._ran: set[tuple[str, str]] = set()  # (path, qualified name) that ran at some import
        self._at_startup: set[tuple[str, str]] = set()  # ... or while the app started up
        self._stack: list[str] = []
        self._tool: int | None = None
        # The bytecode fallback's index: path -> what its current code mentions; a name -> the
        # paths whose import-time code mentions it; a name -> the functions (by simple name,
        # with a count of modules) whose body mentions it.
        self._read: dict[str, _Index] = {}
        self._at_import: dict[str, set[str]] = {}
        self._mentioned_by: dict[str, dict[str, int]] = {}
        self._answers: dict[frozenset[str], bool] = {}  # walks done since the index last changed

    @property
    def observing(self) -> bool:
        return self._tool is not None or (available() and self._claim() is not None)

    def ran(self, path: str, module: ModuleType | None, qualnames: Collection[str], names: frozenset[str]) -> bool:
        """Whether one of the functions (`qualnames` of `path`; simple `names`) ran at some import."""
        if self.observing:
            return any((path, qualname) in self._ran for qualname in qualnames)
        known = self._compiled.get(path)
        if known is not None and module is not None and _kept_by_a_library(known[1], module, qualnames):
            return True
        return self._reached_by_name(names)

    def ran_at_startup(self, path: str) -> set[str]:
        """The functions of `path` (qualified names) that ran while the app started up."""
        return {qualname for p, qualname in self._at_startup if p == path}

    def _reached_by_name(self, names: frozenset[str]) -> bool:
        """Without a hook: whether import-time code calls one of `names`, or a function whose body
        mentions one, and so on up, matched by name across the project (a superset: names collide).

        Walked from the changed names up, through an index of the project's code that only reads
        names, kept up to date module by module; bytecode is read only where import-time code
        mentions a name on the way."""
        self._index_current_code()
        known = self._answers.get(names)
        if known is not None:
            return known
        seen = set(names)
        frontier: set[str] = set(names)
        found = False
        while frontier and not found:
            callers: set[str] = set()
            for name in frontier:
                if any(name in self._read[path].called_at_import() for path in self._at_import.get(name, ())):
                    found = True
                    break
                callers.update(self._mentioned_by.get(name, ()))
            frontier = callers - seen
            seen |= callers
        self._answers[names] = found
        return found

    def _index_current_code(self) -> None:
        for path in [p for p in self._read if p not in self._compiled]:
            self._unindex(path)
            self._answers.clear()
        for path, (_, code) in self._compiled.items():
            known = self._read.get(path)
            if known is not None and known.code is code:
                continue
            index = _Index(code)
            if known is not None and known.same_calls(index):
                known.code = code  # a body-only patch, mentioning the same names: the index stands
                continue
            self._answers.clear()
            if known is not None:
                self._unindex(path)
            self._read[path] = index
            for name in index.at_import:
                self._at_import.setdefault(name, set()).add(path)
            for name, callers in index.mentioned_by.items():
                counts = self._mentioned_by.setdefault(name, {})
                for caller in callers:
                    counts[caller] = counts.get(caller, 0) + 1

    def _unindex(self, path: str) -> None:
        index = self._read.pop(path)
        for name in index.at_import:
            self._at_import[name].discard(path)
        for name, callers in index.mentioned_by.items():
            counts = self._mentioned_by[name]
            for caller in callers:
                counts[caller] -= 1
                if not counts[caller]:
                    del counts[caller]

    @contextlib.contextmanager
    def starting_up(self) -> Iterator[None]:
        """Record the project functions that run while the app starts up (its lifespan)."""
        if _monitoring is not None or sys.getprofile() is not None:
            # 3.12+: monitoring, as for imports. 3.11 under a profiler or debugger of the user's:
            # taking its place would blind it, and only the bytecode fallback answers.
            self.started(STARTUP)
            try:
                yield
            finally:
                self.finished()
            return
        profiler = cProfile.Profile()
        profiler.enable()
        try:
            yield
        finally:
            profiler.disable()
            for entry in profiler.getstats():
                code = entry.code
                if isinstance(code, CodeType) and self._is_project_file(code.co_filename):
                    self._at_startup.add((code.co_filename, code.co_qualname))

    def started(self, name: str) -> None:
        if _monitoring is None:
            return  # nothing to observe with (3.11): the bytecode fallback needs no stack
        self._stack.append(name)
        if len(self._stack) == 1 and self._claim() is not None:
            if name == STARTUP:
                _monitoring.restart_events()  # what ran at import runs again now: record it again
            _monitoring.set_events(self._tool, _monitoring.events.PY_START)

    def finished(self) -> None:
        if _monitoring is None:
            return
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
        if not self._stack:
            return None  # another thread, between two imports
        (self._at_startup if self._stack[0] == STARTUP else self._ran).add((code.co_filename, code.co_qualname))
        return _monitoring.DISABLE


# What keeps a function to call it later, as the function itself would be kept: the builtin
# descriptors and functools' wrappers (a cache, a partial), or the function unwrapped.
_TRANSPARENT = (FunctionType, staticmethod, classmethod, property, functools.partial, functools.cached_property)


def _kept_by_a_library(code: CodeType, module: ModuleType, qualnames: Collection[str]) -> bool:
    """Whether one of the functions was handed over at import and its name now holds something else.

    `@declared_attr def __tablename__(cls)`: SQLAlchemy called it while the class was made,
    and the class holds a string there now. A route handler, a validator or a property
    keeps the function (or a builtin descriptor of it), called later: those are patched.
    """
    kept_other: list[str] = []  # the names holding something else: only those need the bytecode read
    for qualname in qualnames:
        if "<locals>" in qualname:
            continue
        target: Any = module
        for part in qualname.split("."):
            namespace = getattr(target, "__dict__", None)
            target = namespace.get(part) if isinstance(namespace, Mapping) else None
        if not isinstance(target, _TRANSPARENT) and not isinstance(target, functools._lru_cache_wrapper):
            kept_other.append(qualname.rsplit(".", 1)[-1])
    return bool(kept_other) and not handed_over(code).isdisjoint(kept_other)


class _Index:
    """The names one module's code mentions: at import time, and in each function's body."""

    __slots__ = ("_called", "at_import", "code", "mentioned_by")

    def __init__(self, code: CodeType) -> None:
        self.code = code
        self.at_import = frozenset(n for part in import_time_codes(code) for n in _mentions(part))
        self._called: frozenset[str] | None = None
        self.mentioned_by: dict[str, set[str]] = {}  # a name -> the functions whose body mentions it
        for function in function_codes(code):
            for name in _mentions(function):
                self.mentioned_by.setdefault(name, set()).add(function.co_name)

    def same_calls(self, other: _Index) -> bool:
        """The same import-time code and the same names in each body: the same answers."""
        return (
            self.at_import == other.at_import
            and self.mentioned_by == other.mentioned_by
            and _import_time_key(self.code) == _import_time_key(other.code)
        )

    def called_at_import(self) -> frozenset[str]:
        if self._called is None:
            self._called = uses_at_import(self.code)
        return self._called


def _import_time_key(code: CodeType) -> tuple[bytes, ...]:
    return tuple(part.co_code for part in import_time_codes(code))


def _mentions(code: CodeType) -> tuple[str, ...]:
    return code.co_names + code.co_varnames + code.co_freevars
