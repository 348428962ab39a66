"""Library caches that would keep an old module version alive: cleared at the commit.

A cold start never sees an old version, but a warm process keeps whatever a library
cached about it: FastAPI classifies every endpoint and dependency in `functools.lru_cache`s
keyed on the function (and caches each model's fields), `typing` caches `Optional[Item]`,
pydantic caches what it inspected. Each entry holds a function or class of the old
version, and through its globals the whole old module, its router and its app: 300
reloads of a router grew a worker by 24 MB.

At the commit, every `functools` cache of a loaded module (at its top level, in one of its
classes, or in a registry of caches such as `typing._caches` and `typing._cleanups`) that holds a function, a class
or an instance of a version other than the live one of a module the reload replaced is
cleared, and the library fills it again on demand; so is, at the next commit, a cache
holding something of a module pruned at the end of a reload (no longer imported). A cache
cannot drop single entries; one that holds nothing of a replaced module is left alone, so
a cached singleton stays the same object. `typing`'s own caches are the exception: pure,
bounded and deep to look into, they are cleared whole at every commit.
"""

from __future__ import annotations

import functools
import gc
import sys
import weakref
from collections.abc import Callable, Iterator, Sequence
from types import FunctionType, ModuleType
from typing import Any

from hotbed.reload.integrations.registry import Replaced, Undo

__all__ = ["FunctoolsCaches", "caches_in", "stale_test"]

_Wrapper = functools._lru_cache_wrapper
# How far from a cache a stale object is looked for: entry key -> `_CallIdentity` -> function,
# or a value -> its `__dict__` -> `__args__` -> a class (typing's aliases).
_DEPTH = 5


def _as_cache(item: object) -> Any:
    """A cache, or the cache a bound `cache_clear` belongs to (`typing._cleanups` lists those), or None."""
    if isinstance(item, _Wrapper):
        return item
    owner = getattr(item, "__self__", None)
    return owner if isinstance(owner, _Wrapper) else None


def caches_in(module: ModuleType) -> list[Any]:
    """The `functools` caches a module holds: top-level, in its own classes, or in a dict or list of
    caches or of their `cache_clear`s (typing's registries), judged by their first item."""
    found: list[Any] = []
    for value in list(vars(module).values()):
        if isinstance(value, _Wrapper):
            found.append(value)
        elif isinstance(value, (dict, list)) and value:
            items = list(value.values() if isinstance(value, dict) else value)
            if _as_cache(items[0]) is not None:
                found.extend(c for c in map(_as_cache, items) if c is not None)
        elif isinstance(value, type) and value.__dict__.get("__module__") == module.__name__:
            for member in list(vars(value).values()):
                member = getattr(member, "__func__", member)  # a cached staticmethod or classmethod
                if isinstance(member, _Wrapper):
                    found.append(member)
    return found


def stale_test(names: set[str]) -> Callable[[object], bool]:
    """Whether an object belongs to a version of one of `names` other than the one in `sys.modules`."""
    live = {name: sys.modules.get(name) for name in names}
    live_globals = {id(vars(m)) for m in live.values() if m is not None}

    def current_class(cls: type, module: ModuleType | None) -> bool:
        if module is None:
            return False
        if "<locals>" not in cls.__qualname__:
            target: Any = module
            for part in cls.__qualname__.split("."):
                # Namespaces only: a module's `__getattr__` (PEP 562) would run code.
                target = vars(target).get(part) if hasattr(target, "__dict__") else None
            return target is cls
        for member in vars(cls).values():  # a class made inside a function: its methods' globals tell
            member = getattr(member, "__func__", member)
            if isinstance(member, FunctionType):
                return id(member.__globals__) in live_globals
        return True  # nothing tells: left alone

    def stale(obj: object) -> bool:
        if isinstance(obj, FunctionType):
            return obj.__globals__.get("__name__") in names and id(obj.__globals__) not in live_globals
        cls = obj if isinstance(obj, type) else type(obj)
        name = cls.__dict__.get("__module__")
        return isinstance(name, str) and name in names and not current_class(cls, live[name])

    return stale


def _reachable(cache: Any) -> Iterator[object]:
    """What the cache references (its keys and results), a few references deep."""
    own = getattr(cache, "__dict__", None)
    stack = [(r, 0) for r in gc.get_referents(cache) if r is not own]
    seen: set[int] = set()
    while stack:
        obj, depth = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        yield obj
        if depth < _DEPTH and gc.is_tracked(obj) and not isinstance(obj, (type, FunctionType, ModuleType)):
            stack.extend((r, depth + 1) for r in gc.get_referents(obj))


def _module_of(obj: object) -> str | None:
    if isinstance(obj, FunctionType):
        name = obj.__globals__.get("__name__")
    else:
        name = (obj if isinstance(obj, type) else type(obj)).__dict__.get("__module__")
    return name if isinstance(name, str) else None


class FunctoolsCaches:
    """Clears, at each commit, the library caches that hold something of a replaced version."""

    def __init__(self) -> None:
        # module name -> its caches, weakly (a project module's caches are its functions): a
        # library's are found once.
        self._found: dict[str, list[weakref.ref[Any]]] = {}
        # ... the few that hold any: what a commit goes through (not every module loaded).
        self._holding: dict[str, list[weakref.ref[Any]]] = {}
        # id(cache) -> (the cache, weakly, its misses when looked at, the modules its entries came from):
        # a cache that missed no call since holds the same entries, and is not walked again.
        self._held: dict[int, tuple[weakref.ref[Any], int, frozenset[str]]] = {}

    def _caches(self, replaced: set[str]) -> Iterator[Any]:
        # Only modules imported since the last commit and those the reload replaced are looked
        # into again (set operations on the key views, no loop over sys.modules in Python): a
        # library's module does not grow caches once imported.
        for name in self._found.keys() - sys.modules.keys():
            del self._found[name]
            self._holding.pop(name, None)
        for name in (sys.modules.keys() - self._found.keys()) | replaced:
            module = sys.modules.get(name)
            if isinstance(module, ModuleType):
                refs = self._found[name] = [weakref.ref(c) for c in caches_in(module)]
                if refs:
                    self._holding[name] = refs
                else:
                    self._holding.pop(name, None)
        for refs in self._holding.values():
            for ref in refs:
                cache = ref()
                if cache is not None:
                    yield cache

    def _holds_stale(self, cache: Any, misses: int, names: set[str], stale: Callable[[object], bool]) -> bool:
        """Whether the cache holds something stale; the modules its entries come from are kept
        until it misses again, so a cache that holds nothing of `names` is not walked."""
        known = self._held.get(id(cache))
        if known is not None and known[0]() is cache and known[1] == misses:
            # No entry since the last look, which was before the reload executed: what it holds
            # of a module the reload replaced is of an old version. (An object carried over in
            # `hot.data` would be live; clearing for it costs a refill, never a wrong answer.)
            return not names.isdisjoint(known[2])
        held: set[str] = set()
        found = False
        for obj in _reachable(cache):  # one walk: what it holds, and whether any of it is stale
            name = _module_of(obj)
            if name is not None:
                held.add(name)
                found = found or (name in names and stale(obj))
        self._held[id(cache)] = (weakref.ref(cache, self._forget(id(cache))), misses, frozenset(held))
        return found

    def _forget(self, key: int) -> Callable[[object], object]:
        """Drop a cache's entry as the cache goes (an old version's own `lru_cache`)."""
        return lambda _ref: self._held.pop(key, None)

    def take_out(self, name: str, old: ModuleType) -> Undo | None:
        return None

    def restart(self, replaced: Sequence[Replaced]) -> list[tuple[str, str]]:
        return []

    def commit(self, replaced: Sequence[Replaced]) -> None:
        # Modules gone from `sys.modules` since the last commit (pruned at its end: no longer
        # imported) are stale as a whole; a name never seen in `sys.modules` is no module's.
        gone = self._found.keys() - sys.modules.keys()
        names = {item.name for item in replaced} | gone
        stale = stale_test(names)
        # typing's own caches (`Optional[Item]`, `Annotated[...]`): pure, bounded, and deep to walk
        # (an `Annotated` holds FastAPI's and pydantic's metadata); cleared whole, as `typing`
        # itself allows through `_cleanups`, which costs less than finding what they hold.
        typing = sys.modules.get("typing")
        pure = {id(c) for c in map(_as_cache, getattr(typing, "_cleanups", ())) if c is not None}
        for cache in self._caches({item.name for item in replaced}):
            info = cache.cache_info()
            if not info.currsize:
                continue
            if id(cache) in pure:
                cache.cache_clear()
                continue
            if self._holds_stale(cache, info.misses, names, stale):
                cache.cache_clear()
