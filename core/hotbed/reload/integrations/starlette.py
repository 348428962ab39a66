"""Starlette and FastAPI: routes a re-executed module put on an app or router that lives elsewhere.

`@app.get` in `routes.py` on the `app` of an unchanged `main.py` adds a second route when
`routes.py` runs again, and the first one keeps answering. Before the module re-executes,
its routes (endpoint defined in it, or a mounted app or included router it holds), event handlers and
middleware leave every app and router its old version reached through its globals; they
come back on rollback. When a module's app object is replaced, the new app keeps the old
one's `app.state` (filled by the lifespan that ran once for the worker); when the lifespan
function itself changed, the worker must restart for the new one to run.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import CodeType, ModuleType
from typing import Any

from starlette.applications import Starlette
from starlette.routing import BaseRoute, Mount, Router

from hotbed.reload.integrations.registry import Replaced, Undo

__all__ = ["StarletteIntegration"]


def _routers(module: ModuleType) -> list[tuple[Router, Starlette | None]]:
    """The routers (and their apps) a module's globals reach, directly or one module away."""
    found: dict[int, tuple[Router, Starlette | None]] = {}
    values = list(vars(module).values())
    for value in list(values):
        if isinstance(value, ModuleType):
            values.extend(v for v in vars(value).values() if isinstance(v, (Starlette, Router)))
    for value in values:
        if isinstance(value, Starlette):
            found.setdefault(id(value.router), (value.router, value))
        elif isinstance(value, Router):
            found.setdefault(id(value), (value, None))
    return list(found.values())


def _owned(route: BaseRoute, name: str, held: set[int]) -> bool:
    endpoint = getattr(route, "endpoint", None)
    if endpoint is not None and getattr(endpoint, "__module__", None) == name:
        return True
    # A mounted app, or a router FastAPI includes by reference, that the module holds.
    held_object = route.app if isinstance(route, Mount) else getattr(route, "original_router", None)
    return held_object is not None and id(held_object) in held


def _owner(obj: Any) -> str | None:
    return getattr(obj, "__module__", None) or getattr(type(obj), "__module__", None)


class StarletteIntegration:
    def take_out(self, name: str, old: ModuleType) -> Undo | None:
        held = {id(v) for v in vars(old).values()}
        saved: list[tuple[list[Any], list[Any]]] = []
        stacks: list[tuple[Starlette, Any]] = []
        for router, app in _routers(old):
            # Starlette 1.0 has no event handler lists; older versions and FastAPI keep them.
            lists: list[list[Any]] = [router.routes]
            lists += [
                getattr(router, a) for a in ("on_startup", "on_shutdown") if isinstance(getattr(router, a, None), list)
            ]
            for items in lists:
                keep = [r for r in items if not self._owned_item(r, name, held)]
                if len(keep) != len(items):
                    saved.append((items, list(items)))
                    items[:] = keep
            if app is not None:
                middleware = app.user_middleware
                keep = [m for m in middleware if _owner(getattr(m, "cls", None)) != name]
                if len(keep) != len(middleware):
                    saved.append((middleware, list(middleware)))
                    middleware[:] = keep
                    # The stack is built on the first request; add_middleware refuses once it is.
                    stacks.append((app, app.middleware_stack))
                    app.middleware_stack = None
                if saved:
                    _reset_openapi(app)
        if not saved:
            return None

        def undo() -> None:
            for items, before in saved:
                items[:] = before
            for app, stack in stacks:
                app.middleware_stack = stack
                _reset_openapi(app)

        return undo

    @staticmethod
    def _owned_item(item: Any, name: str, held: set[int]) -> bool:
        if isinstance(item, BaseRoute):
            return _owned(item, name, held)
        return _owner(item) == name

    def restart(self, replaced: Sequence[Replaced]) -> list[tuple[str, str]]:
        reasons = []
        for old_app, new_app, attr, item in _replaced_apps(replaced):
            if old_app.state._state and not _same_code(_lifespan(old_app), _lifespan(new_app)):
                reasons.append((item.name, f"the lifespan of {item.name}:{attr} changed (it runs once per worker)"))
        return reasons

    def commit(self, replaced: Sequence[Replaced]) -> None:
        for old_app, new_app, _attr, _item in _replaced_apps(replaced):
            # The lifespan ran once, for the first app: its state belongs to the worker.
            for key, value in old_app.state._state.items():
                new_app.state._state.setdefault(key, value)
        for item in replaced:
            for module in (item.new,):
                if module is not None:
                    for _router, app in _routers(module):
                        if app is not None:
                            _reset_openapi(app)


def _replaced_apps(replaced: Sequence[Replaced]) -> list[tuple[Starlette, Starlette, str, Replaced]]:
    pairs = []
    seen: set[int] = set()  # an app bound in several modules (`from app import app`) counts once
    for item in replaced:
        if item.old is None or item.new is None:
            continue
        for attr, old_app in vars(item.old).items():
            new_app = vars(item.new).get(attr)
            if (
                isinstance(old_app, Starlette)
                and isinstance(new_app, Starlette)
                and new_app is not old_app
                and id(old_app) not in seen
            ):
                seen.add(id(old_app))
                pairs.append((old_app, new_app, attr, item))
    return pairs


def _reset_openapi(app: Starlette) -> None:
    if getattr(app, "openapi_schema", None) is not None:
        app.openapi_schema = None  # type: ignore[attr-defined]


def _lifespan(app: Starlette) -> Any:
    return app.router.lifespan_context


def _same_code(a: Any, b: Any) -> bool:
    """Two lifespans compile to the same code, wherever their lines moved.

    FastAPI merges the lifespans of included routers into a closure, so the functions it
    closes over count too.
    """
    return bool(_function_key(a, 0) == _function_key(b, 0))


def _function_key(function: Any, depth: int) -> Any:
    while hasattr(function, "__wrapped__"):
        function = function.__wrapped__
    code = getattr(function, "__code__", None)
    if not isinstance(code, CodeType) or depth > 4:
        return type(function).__qualname__
    cells = tuple(_function_key(c.cell_contents, depth + 1) for c in (function.__closure__ or ()) if _filled(c))
    return _code_key(code), cells


def _filled(cell: Any) -> bool:
    try:
        cell.cell_contents  # noqa: B018
    except ValueError:
        return False
    return True


def _code_key(code: CodeType) -> tuple[Any, ...]:
    consts = tuple(_code_key(c) if isinstance(c, CodeType) else c for c in code.co_consts)
    return (code.co_code, consts, code.co_names, code.co_varnames, code.co_freevars)
