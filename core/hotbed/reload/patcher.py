"""Patching in place: a change that only touches function bodies swaps code objects, nothing runs again.

The old and new versions of a module are compared as compiled code: the module's own
code and its class bodies must be identical (same bytecode, constants and names, line
numbers aside), and every function must keep its shape (arguments, flags, free
variables, name). What may differ is what a function does when it is called: its body,
its docstring, its line numbers. Then the live function objects, found through the old
code objects themselves, get the new code objects: the module's top level does not run
again, importers are untouched, and everything that holds those function objects (a
route table, `from x import f` bindings, a mapped class, a validator) runs the new body.

When in doubt this module says no and the engine re-executes: a function the module's
import-time code uses (called, passed to a decorator or a registry), in the module or in
a module that imports it, may have left results of its old body behind; a changed
function whose live object cannot be found cannot be patched; comprehensions and
generator expressions at import time are import-time code.
"""

from __future__ import annotations

import dis
import gc
import inspect
import linecache
import sys
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import CodeType, FunctionType, ModuleType
from typing import Any

__all__ = ["Patch", "plan_patch", "uses_at_import"]

# Code objects that run while the module executes, not when something is called later.
_IMPORT_TIME = ("<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>", "<lambda>")
_FUNCTION_FLAGS = inspect.CO_OPTIMIZED | inspect.CO_NEWLOCALS
_GENERATORS = inspect.CO_GENERATOR | inspect.CO_ASYNC_GENERATOR


def _is_function(code: CodeType) -> bool:
    return code.co_flags & _FUNCTION_FLAGS == _FUNCTION_FLAGS and not code.co_name.startswith(_IMPORT_TIME)


def _shape(code: CodeType) -> tuple[Any, ...]:
    """What callers and closures depend on: the signature and the cells, not the body."""
    return (
        code.co_name,
        code.co_qualname,
        code.co_argcount,
        code.co_posonlyargcount,
        code.co_kwonlyargcount,
        code.co_flags,
        code.co_varnames[: code.co_argcount + code.co_kwonlyargcount + 2],
        code.co_freevars,
    )


def _same_outside_bodies(old: CodeType, new: CodeType) -> bool:
    """Import-time code equal (ignoring line numbers); functions equal in shape, bodies free."""
    if _is_function(old) or _is_function(new):
        return _is_function(old) and _is_function(new) and _shape(old) == _shape(new)
    if (old.co_code, old.co_names, old.co_flags, old.co_varnames, old.co_freevars, old.co_cellvars) != (
        new.co_code,
        new.co_names,
        new.co_flags,
        new.co_varnames,
        new.co_freevars,
        new.co_cellvars,
    ) or len(old.co_consts) != len(new.co_consts):
        return False
    # A class body records where it starts (`__firstlineno__`, Python 3.13): a line number too.
    lines = (old.co_firstlineno, new.co_firstlineno) if "__firstlineno__" in old.co_names else None
    for a, b in zip(old.co_consts, new.co_consts, strict=True):
        if isinstance(a, CodeType) and isinstance(b, CodeType):
            if not _same_outside_bodies(a, b):
                return False
        elif (a, b) == lines:
            continue
        elif type(a) is not type(b) or a != b:
            return False
    return True


def _behaviour(code: CodeType) -> tuple[Any, ...]:
    """A code object as it behaves, line numbers aside: equal keys run the same way."""
    consts = tuple(_behaviour(c) if isinstance(c, CodeType) else (type(c), c) for c in code.co_consts)
    return (code.co_code, consts, code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars, code.co_flags)


def _functions(code: CodeType) -> Iterator[CodeType]:
    """Every function code object defined in `code`, at any depth."""
    for const in code.co_consts:
        if isinstance(const, CodeType):
            if _is_function(const):
                yield const
            yield from _functions(const)


def _import_time_codes(code: CodeType) -> Iterator[CodeType]:
    """The module's own code and what runs with it: class bodies and comprehensions, not functions."""
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType) and not _is_function(const):
            yield from _import_time_codes(const)


_LOADS = frozenset({"LOAD_NAME", "LOAD_GLOBAL", "LOAD_ATTR", "LOAD_METHOD", "LOAD_DEREF", "LOAD_FAST"})
# Where the callee sits next to the NULL a call pushes: before it from 3.13 on, after it until then.
_CALLEE_BEFORE_NULL = sys.version_info >= (3, 13)
# id(code) -> (code, weakly, names): keyed by identity, since hashing a code object walks all of
# it; an entry leaves with its code (see `_forget`), so the id is never another code's.
_used_cache: dict[int, tuple[weakref.ref[CodeType], frozenset[str]]] = {}


def _forget(key: int) -> Callable[[object], object]:
    """Drop a code object's entry as the code goes: an old version's code is not kept by this cache."""
    return lambda _ref: _used_cache.pop(key, None)


def _called(instructions: list[dis.Instruction]) -> Iterator[str]:
    """Names a stretch of import-time bytecode calls, or applies as decorators."""
    for i, ins in enumerate(instructions):
        if ins.opname not in _LOADS:
            continue
        following = instructions[i + 1] if i + 1 < len(instructions) else None
        marks = str(ins.argrepr)
        pushes_null = marks.startswith(("NULL + ", "NULL|self + ")) or marks.endswith(" + NULL|self")
        before_null = _CALLEE_BEFORE_NULL and following is not None and following.opname == "PUSH_NULL"
        if ins.opname == "LOAD_METHOD" or pushes_null or before_null:
            yield str(ins.argval)
        elif not _CALLEE_BEFORE_NULL:
            # PUSH_NULL, then the callee's loads (`m.f`: LOAD_NAME m, LOAD_ATTR f): the last of them.
            j = i
            while j > 0 and instructions[j - 1].opname in _LOADS and instructions[j].opname == "LOAD_ATTR":
                j -= 1
            last_of_run = following is None or following.opname != "LOAD_ATTR"
            if j > 0 and instructions[j - 1].opname == "PUSH_NULL" and last_of_run:
                yield str(ins.argval)
        if following is not None and following.opname == "LOAD_CONST" and isinstance(following.argval, CodeType):
            yield str(ins.argval)  # a decorator (or the last of a stack of them) about to wrap a function
        elif following is not None and following.opname in _LOADS and ins.opname in ("LOAD_NAME", "LOAD_GLOBAL"):
            # a decorator stacked above another one: all the loads before the function's code object
            k = i + 1
            while k < len(instructions) and instructions[k].opname in _LOADS:
                k += 1
            after = instructions[k] if k < len(instructions) else None
            if after is not None and after.opname == "LOAD_CONST" and isinstance(after.argval, CodeType):
                yield str(ins.argval)


def _loaded_at_import(code: CodeType) -> frozenset[str]:
    """Every name the module's import-time code reads, called or only passed along."""
    parts = _import_time_codes(code)
    return frozenset(str(i.argval) for part in parts for i in dis.get_instructions(part) if i.opname in _LOADS)


def uses_at_import(code: CodeType) -> frozenset[str]:
    """The names a module's import-time code calls or decorates with (so their bodies ran); cached per code.

    Names only passed along (`Depends(get_db)`, `add_api_route("/", handler)`) are not in it:
    what receives them is assumed to call them later, as registries do.
    """
    cached = _used_cache.get(id(code))
    if cached is not None and cached[0]() is code:
        return cached[1]
    parts = _import_time_codes(code)
    found = frozenset(name for part in parts for name in _called(list(dis.get_instructions(part))))
    _used_cache[id(code)] = (weakref.ref(code, _forget(id(code))), found)
    return found


@dataclass(slots=True)
class Patch:
    """The code swaps of one module, checked and ready; `apply` does them all or none."""

    path: str
    new_code: CodeType
    module: ModuleType | None = None
    swaps: list[tuple[FunctionType, CodeType]] = field(default_factory=list)
    names: frozenset[str] = frozenset()  # the simple names of the changed functions
    changed: int = 0  # functions that behave differently (the others only moved)
    _previous: list[tuple[FunctionType, CodeType, str | None]] = field(default_factory=list)

    @property
    def functions(self) -> int:
        return self.changed

    def apply(self) -> None:
        self._previous = []
        try:
            for function, code in self.swaps:
                self._previous.append((function, function.__code__, function.__doc__))
                function.__code__ = code
                function.__doc__ = _docstring(code)
        except BaseException:
            self.revert()
            raise
        for cache in _caches_of(self.module, {f for f, _ in self.swaps}):
            cache.cache_clear()
        linecache.checkcache(self.path)  # tracebacks and inspect read the new source


    def revert(self) -> None:
        """Put back the code objects `apply` replaced (another module of the batch failed)."""
        for function, code, doc in reversed(self._previous):
            function.__code__ = code
            function.__doc__ = doc
        self._previous = []


def _docstring(code: CodeType) -> str | None:
    # The compiler puts a function's docstring first among its constants, and None there when it has none.
    first = code.co_consts[0] if code.co_consts else None
    return first if isinstance(first, str) else None


def _reachable(module: ModuleType) -> Iterator[Any]:
    """What the module's namespace holds: functions, its classes' members, what decorators wrapped."""
    seen: set[int] = set()
    stack: list[Any] = list(vars(module).values())
    while stack:
        value = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        yield value
        if isinstance(value, type):
            if value.__module__ == module.__name__:
                stack.extend(vars(value).values())
            continue
        if isinstance(value, (staticmethod, classmethod)):
            stack.append(value.__func__)
        elif isinstance(value, property):
            stack.extend(f for f in (value.fget, value.fset, value.fdel) if f is not None)
        wrapped = getattr(value, "__wrapped__", None) if callable(value) else None
        if wrapped is not None:
            stack.append(wrapped)
        if isinstance(value, FunctionType) and value.__closure__:
            for cell in value.__closure__:
                try:
                    content = cell.cell_contents
                except ValueError:
                    continue  # an empty cell
                if callable(content):
                    stack.append(content)


def _ran_as_a_context(module: ModuleType, functions: set[FunctionType]) -> bool:
    """Whether one of `functions` is wrapped by `contextlib` (`@asynccontextmanager def lifespan`):
    the server entered it once at startup, so its new body would only run after a restart."""
    if not functions:
        return False
    for value in _reachable(module):
        wrapped = getattr(value, "__wrapped__", None) if callable(value) else None
        code = getattr(value, "__code__", None)
        if wrapped in functions and code is not None and code.co_filename.endswith("contextlib.py"):
            return True
    return False


def _caches_of(module: ModuleType | None, functions: set[FunctionType]) -> Iterator[Any]:
    """`functools.cache`/`lru_cache` wrappers of the patched functions: their results are stale."""
    candidates = _reachable(module) if module is not None else gc.get_referrers(*functions)
    for value in candidates:
        if callable(getattr(value, "cache_clear", None)) and getattr(value, "__wrapped__", None) in functions:
            yield value


def _live_functions(module: ModuleType, old_codes: Iterable[CodeType]) -> dict[CodeType, list[FunctionType]]:
    """The function objects running each old code object: through the module's namespace, and for
    those not found there, through the code objects themselves (the garbage collector's referrers)."""
    wanted = {id(code): code for code in old_codes}
    live: dict[CodeType, list[FunctionType]] = {code: [] for code in wanted.values()}
    for value in _reachable(module):
        if isinstance(value, FunctionType) and id(value.__code__) in wanted:
            live[wanted[id(value.__code__)]].append(value)
    missing = {id(code): code for code, found in live.items() if not found}
    if missing:
        for referrer in gc.get_referrers(*missing.values()):
            if isinstance(referrer, FunctionType) and id(referrer.__code__) in missing:
                live[missing[id(referrer.__code__)]].append(referrer)
    return live


def plan_patch(
    path: str,
    old_code: CodeType,
    new_code: CodeType,
    module: ModuleType | None,
    importers_call: Callable[[frozenset[str]], bool],
) -> Patch | None:
    """The patch that turns `old_code`'s module into `new_code`'s, or None when re-execution is needed.

    `importers_call(names)` tells whether a module importing this one calls one of `names`
    while it executes (then it would hold results of the old bodies).
    """
    if module is None or not _same_outside_bodies(old_code, new_code):
        return None
    old_functions = {code.co_qualname: code for code in _functions(old_code)}
    new_functions = {code.co_qualname: code for code in _functions(new_code)}
    if old_functions.keys() != new_functions.keys():
        return None  # a function defined twice under one name, or nested differently
    # Every function whose code differs gets the new code (line numbers too), but only those
    # that behave differently count as changed: a function merely moved down runs the same.
    moved = {name: (old_functions[name], new) for name, new in new_functions.items() if old_functions[name] != new}
    changed = {name: pair for name, pair in moved.items() if _behaviour(pair[0]) != _behaviour(pair[1])}
    names = frozenset(name.rsplit(".", 1)[-1] for name in changed) | frozenset(
        part for name in changed for part in name.split(".")[:-1] if part != "<locals>"
    )
    if names & uses_at_import(old_code):
        return None  # the module's own import ran one of them (or its class): a cold start differs
    generators = {name.rsplit(".", 1)[-1] for name, (_, new) in changed.items() if new.co_flags & _GENERATORS}
    if generators & _loaded_at_import(old_code):
        return None  # a generator handed over at import (a lifespan, a dependency) may have been entered already
    if importers_call(names):
        return None
    live = _live_functions(module, (old for old, _ in moved.values()))
    if _ran_as_a_context(module, {f for old, _ in changed.values() for f in live[old]}):
        return None  # a lifespan (or another context manager) already ran its old body at startup
    swaps: list[tuple[FunctionType, CodeType]] = []
    for qualname, (old, new) in moved.items():
        functions = live[old]
        if not functions and "<locals>" not in qualname and qualname in changed:
            return None  # nothing runs it that can be found: only re-executing reaches it
        if old.co_freevars != new.co_freevars:
            return None  # its closures would need other cells
        swaps.extend((function, new) for function in functions)
    return Patch(path=path, new_code=new_code, module=module, swaps=swaps, names=names, changed=len(changed))
