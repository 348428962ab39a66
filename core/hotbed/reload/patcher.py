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

It runs past 400 lines: deciding that two compiled versions differ only in bodies and
finding the live objects a patch must touch (functions, caches, a moved class's first
line) read the same code objects, and split apart each half would walk them again.
"""

from __future__ import annotations

import dis
import gc
import inspect
import linecache
import sys
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from types import CodeType, FunctionType, ModuleType
from typing import Any

__all__ = [
    "Patch",
    "changed_functions",
    "function_codes",
    "handed_over",
    "import_time_codes",
    "plan_patch",
    "uses_at_import",
]

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


_PLAIN = (int, float, complex, str, bytes, bool, type(None))


def _plain(value: Any) -> bool:
    """A constant that is only a value: no code, nothing mutable."""
    return isinstance(value, _PLAIN) or (isinstance(value, tuple) and all(_plain(v) for v in value))


def _same_constant(a: Any, b: Any) -> bool:
    """Equal and of the same types throughout (`1 == 1.0 == True`, `(1,) == (1.0,)`)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(_same_constant(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, frozenset):
        return a == b and sorted(map(repr, a)) == sorted(map(repr, b))
    return bool(a == b)


def _loads_const(code: CodeType, index: int) -> bool:
    """Whether an instruction uses constant `index` (`LOAD_CONST`, `KW_NAMES`, `RETURN_CONST`...),
    read from the raw bytecode: no disassembly."""
    if index > 255:
        return True  # behind an EXTENDED_ARG: say yes, which only means re-executing
    raw = code.co_code
    for opcode in dis.hasconst:
        pair = bytes((opcode, index))
        at = raw.find(pair)
        while at != -1:
            if at % 2 == 0:
                return True
            at = raw.find(pair, at + 1)
    return False


def _const_uses(code: CodeType) -> dict[int, CodeType | None]:
    """For each constant the code loads: the function it is only ever the defaults tuple of, else None."""
    instructions = list(dis.get_instructions(code))
    uses: dict[int, CodeType | None] = {}
    for i, ins in enumerate(instructions):
        if ins.opcode not in dis.hasconst or ins.arg is None:
            continue
        if ins.opname != "LOAD_CONST":  # keyword names of a call, a returned value: not defaults
            uses[ins.arg] = None
            continue
        following = [x for x in instructions[i + 1 : i + 4]]
        target = None
        if (
            len(following) >= 2
            and following[0].opname == "LOAD_CONST"
            and isinstance(following[0].argval, CodeType)
            and following[1].opname == "MAKE_FUNCTION"
        ):
            if following[1].arg is not None:  # until 3.13: MAKE_FUNCTION's flags, 1 for defaults
                flags = following[1].arg
            elif len(following) > 2 and following[2].opname == "SET_FUNCTION_ATTRIBUTE":  # 3.13: one by one
                flags = following[2].arg or 0
            else:
                flags = 0
            if flags & 1:
                target = following[0].argval
        uses[ins.arg] = target if ins.arg not in uses or uses[ins.arg] is target else None
    return uses


def _same_outside_bodies(old: CodeType, new: CodeType, defaults: dict[CodeType, tuple[Any, ...]]) -> bool:
    """Import-time code equal (ignoring line numbers); functions equal in shape, bodies free.

    Plain-constant defaults may differ too: each function whose defaults tuple changed is put
    in `defaults` (its old code -> the new tuple)."""
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
    uses: dict[int, CodeType | None] | None = None
    for i, (a, b) in enumerate(zip(old.co_consts, new.co_consts, strict=True)):
        if isinstance(a, CodeType) and isinstance(b, CodeType):
            if not _same_outside_bodies(a, b, defaults):
                return False
        elif (a, b) == lines or _same_constant(a, b):
            continue
        elif not (_plain(a) and _plain(b)):
            return False
        elif not isinstance(a, tuple) and _loads_const(old, i):
            return False  # a value the code uses (a defaults tuple is a tuple): a module-level change
        else:
            uses = _const_uses(old) if uses is None else uses
            if i not in uses:
                continue  # a constant folded into another one and never loaded itself
            function = uses[i]
            if function is None or not isinstance(b, tuple) or len(b) != len(a):
                return False
            defaults[function] = b
    return True


def _behaviour(code: CodeType) -> tuple[Any, ...]:
    """A code object as it behaves, line numbers aside: equal keys run the same way."""
    consts = tuple(_behaviour(c) if isinstance(c, CodeType) else (type(c), c) for c in code.co_consts)
    return (code.co_code, consts, code.co_names, code.co_varnames, code.co_freevars, code.co_cellvars, code.co_flags)


def changed_functions(old: CodeType, new: CodeType) -> list[str]:
    """The qualified names of the functions whose behaviour differs between two versions of a module
    (new and removed ones aside)."""
    before = {code.co_qualname: code for code in function_codes(old)}
    return [
        code.co_qualname
        for code in function_codes(new)
        if code.co_qualname in before and _behaviour(before[code.co_qualname]) != _behaviour(code)
    ]


def function_codes(code: CodeType) -> Iterator[CodeType]:
    """Every function code object defined in `code`, at any depth."""
    for const in code.co_consts:
        if isinstance(const, CodeType):
            if _is_function(const):
                yield const
            yield from function_codes(const)


def import_time_codes(code: CodeType) -> Iterator[CodeType]:
    """The module's own code and what runs with it: class bodies and comprehensions, not functions."""
    yield code
    for const in code.co_consts:
        if isinstance(const, CodeType) and not _is_function(const):
            yield from import_time_codes(const)


_LOADS = frozenset({"LOAD_NAME", "LOAD_GLOBAL", "LOAD_ATTR", "LOAD_METHOD", "LOAD_DEREF", "LOAD_FAST"})
# Where the callee sits next to the NULL a call pushes: before it from 3.13 on, after it until then.
_CALLEE_BEFORE_NULL = sys.version_info >= (3, 13)
_STORES = frozenset({"STORE_NAME", "STORE_GLOBAL", "STORE_FAST", "STORE_DEREF"})


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
    parts = import_time_codes(code)
    return frozenset(str(i.argval) for part in parts for i in dis.get_instructions(part) if i.opname in _LOADS)


def uses_at_import(code: CodeType) -> frozenset[str]:
    """The names a module's import-time code calls or decorates with (so their bodies ran).

    Names only passed along (`Depends(get_db)`, `add_api_route("/", handler)`) are not in it:
    what receives them is assumed to call them later, as registries do.
    """
    return frozenset(name for part in import_time_codes(code) for name in _called(list(dis.get_instructions(part))))


def handed_over(code: CodeType) -> frozenset[str]:
    """Functions import-time code gives to something as it defines them (a decorator, a call):
    what received them may have read their docstring (a route's description, a command's help)."""
    found: set[str] = set()
    for part in import_time_codes(code):
        instructions = list(dis.get_instructions(part))
        for i, ins in enumerate(instructions):
            if ins.opname != "LOAD_CONST" or not isinstance(ins.argval, CodeType) or not _is_function(ins.argval):
                continue
            j = i + 1
            while j < len(instructions) and instructions[j].opname in ("MAKE_FUNCTION", "SET_FUNCTION_ATTRIBUTE"):
                j += 1
            if j < len(instructions) and instructions[j].opname not in _STORES:
                found.add(ins.argval.co_name)
    return frozenset(found)


@dataclass(slots=True)
class Patch:
    """The code swaps of one module, checked and ready; `apply` does them all or none."""

    path: str
    new_code: CodeType
    module: ModuleType | None = None
    swaps: list[tuple[FunctionType, CodeType]] = field(default_factory=list)
    names: frozenset[str] = frozenset()  # the simple names of the changed functions
    changed: int = 0  # functions that behave differently (the others only moved)
    defaults: list[tuple[FunctionType, tuple[Any, ...]]] = field(default_factory=list)
    # Classes whose body moved, and the line it starts at now (`__firstlineno__`, Python 3.13+).
    first_lines: list[tuple[type, int]] = field(default_factory=list)
    _previous: list[tuple[FunctionType, CodeType, str | None]] = field(default_factory=list)
    _previous_defaults: list[tuple[FunctionType, tuple[Any, ...] | None]] = field(default_factory=list)
    _previous_lines: list[tuple[type, Any]] = field(default_factory=list)

    @property
    def functions(self) -> int:
        return self.changed

    def apply(self) -> None:
        self._previous = []
        self._previous_defaults = []
        try:
            for function, code in self.swaps:
                self._previous.append((function, function.__code__, function.__doc__))
                function.__code__ = code
                function.__doc__ = _docstring(code)
            for function, values in self.defaults:
                self._previous_defaults.append((function, function.__defaults__))
                function.__defaults__ = values
            for cls, line in self.first_lines:
                self._previous_lines.append((cls, cls.__dict__.get("__firstlineno__")))
                cls.__firstlineno__ = line  # type: ignore[attr-defined]  # 3.13+; inspect.getsource reads it
        except BaseException:
            self.revert()
            raise
        for cache in _caches_of(self.module, {f for f, _ in (*self.swaps, *self.defaults)}):
            cache.cache_clear()
        linecache.checkcache(self.path)  # tracebacks and inspect read the new source

    def revert(self) -> None:
        """Put back the code objects `apply` replaced (another module of the batch failed)."""
        for function, code, doc in reversed(self._previous):
            function.__code__ = code
            function.__doc__ = doc
        for function, values in reversed(self._previous_defaults):
            function.__defaults__ = values
        for cls, line in reversed(self._previous_lines):
            cls.__firstlineno__ = line
        self._previous = []
        self._previous_defaults = []
        self._previous_lines = []


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
    ran_at_import: Callable[[Collection[str], frozenset[str]], bool],
) -> Patch | None:
    """The patch that turns `old_code`'s module into `new_code`'s, or None when re-execution is needed.

    `ran_at_import(qualnames, names)` tells whether one of the changed functions ran while
    some module executed (then that module holds results of the old bodies).
    """
    defaults: dict[CodeType, tuple[Any, ...]] = {}
    if module is None or not _same_outside_bodies(old_code, new_code, defaults):
        return None
    old_functions = {code.co_qualname: code for code in function_codes(old_code)}
    new_functions = {code.co_qualname: code for code in function_codes(new_code)}
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
    if ran_at_import(changed.keys(), names):
        return None
    redocumented = {
        part
        for name, (old, new) in changed.items()
        if _docstring(old) != _docstring(new)
        for part in name.split(".")
        if part != "<locals>"
    }
    if redocumented & (handed_over(old_code) | _loaded_at_import(old_code)):
        return None  # what it was handed to at import may show the old docstring (an OpenAPI description)
    redefaulted = {code.co_name for code in defaults}
    if redefaulted & (handed_over(old_code) | _loaded_at_import(old_code)):
        return None  # what it was handed to may have read its defaults (FastAPI's query parameters)
    if ran_at_import([code.co_qualname for code in defaults], frozenset(redefaulted)):
        return None
    live = _live_functions(module, [*(old for old, _ in moved.values()), *defaults])
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
    new_defaults = [(function, values) for old, values in defaults.items() for function in live[old]]
    if any(not live[old] for old in defaults):
        return None
    changes = len(changed) + len({old.co_qualname for old in defaults} - changed.keys())
    return Patch(
        path=path,
        new_code=new_code,
        module=module,
        swaps=swaps,
        defaults=new_defaults,
        first_lines=_moved_classes(module, old_code, new_code),
        names=names,
        changed=changes,
    )


def _moved_classes(module: ModuleType, old: CodeType, new: CodeType) -> list[tuple[type, int]]:
    """The module's classes whose body starts on another line now, with that line: Python 3.13
    keeps it as `__firstlineno__` (`inspect.getsource` reads it), which a patch must move too."""
    lines = {
        b.co_qualname: b.co_firstlineno
        for a, b in zip(import_time_codes(old), import_time_codes(new), strict=True)
        if "__firstlineno__" in a.co_names and a.co_firstlineno != b.co_firstlineno
    }
    if not lines:
        return []
    return [
        (value, lines[value.__qualname__])
        for value in _reachable(module)
        if isinstance(value, type) and value.__module__ == module.__name__ and value.__qualname__ in lines
    ]
