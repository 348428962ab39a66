"""The API registry: which module registered which endpoint, swapped per module on reload.

Two methods declaring one route is an error, never "the last one wins": in a reload it
rolls the reload back (`prepare` raises `RouteConflictError`), so the route keeps serving
the method it served. When modules are first loaded (`register`, at start-up and for new
files) there is no old version to keep: the route serves the method registered first and
the other is kept aside, reported, and serves as soon as the first one goes away.
"""

from __future__ import annotations

import inspect
import linecache
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from pydantic import BaseModel, ConfigDict, PydanticSchemaGenerationError, TypeAdapter, create_model

from hotbed.app.api import ApiSpec, api_spec, resource_name
from hotbed.app.context import RequestContext
from hotbed.exceptions import RouteConflictError

__all__ = ["ApiRegistry", "Route", "RouteChanges", "RouteConflict"]


@dataclass(frozen=True, eq=False)
class Route:
    """One endpoint: where it lives, how it is called, what it accepts."""

    http_method: str
    path: str
    module: str
    owner: str
    name: str
    endpoint: Callable[..., Any]
    params: type[BaseModel]
    body_param: str | None
    returns: Any
    spec: ApiSpec
    response: TypeAdapter[Any] | None = None  # validates what the method returns; None: returned as is
    context_params: tuple[str, ...] = ()  # parameters typed `RequestContext`, filled by the dispatcher

    @property
    def key(self) -> tuple[str, str]:
        return self.http_method, self.path

    def __str__(self) -> str:
        return f"{self.http_method} {self.path}"

    @property
    def qualname(self) -> str:
        return f"{self.module}.{self.owner}.{self.name}"

    def location(self) -> tuple[str, int, int]:
        """The file, line and column of the method's `def` (1-based; 0 when unknown)."""
        function = inspect.unwrap(getattr(self.endpoint, "__func__", self.endpoint))
        code = getattr(function, "__code__", None)
        if code is None:
            return "", 0, 0
        first = code.co_firstlineno  # the first decorator's line
        for line in range(first, first + 50):
            text = linecache.getline(code.co_filename, line)
            column = text.find(f"def {self.name}")
            if column >= 0:
                return code.co_filename, line, column + 1
        return code.co_filename, first, 1


@dataclass(frozen=True)
class RouteConflict:
    """One route declared by two methods: `kept` serves it, `refused` does not."""

    kept: Route
    refused: Route

    def __str__(self) -> str:
        return f"{self.kept} is declared twice: {self.kept.qualname} and {self.refused.qualname}"


@dataclass(frozen=True)
class RouteChanges:
    """What one reload did to the registry, per module."""

    added: tuple[Route, ...] = ()
    removed: tuple[Route, ...] = ()
    replaced: tuple[Route, ...] = ()
    per_module: dict[str, int] = field(default_factory=dict)

    @property
    def registered(self) -> tuple[Route, ...]:
        return self.added + self.replaced


class _Params(BaseModel):
    # Unknown query parameters are ignored, as web frameworks do: a client may send
    # parameters an endpoint does not (or no longer, or not yet) take.
    model_config = ConfigDict(extra="ignore", arbitrary_types_allowed=True)


def _endpoint_params(
    function: Callable[..., Any], owner: str
) -> tuple[type[BaseModel], str | None, Any, tuple[str, ...]]:
    """A pydantic model of a method's parameters, the name of a body model parameter, the
    return type, and the parameters typed `RequestContext` (the dispatcher fills those)."""
    signature = inspect.signature(function, eval_str=True)
    fields: dict[str, Any] = {}
    body_param = None
    context_params: list[str] = []
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if param.annotation is RequestContext:
            context_params.append(param.name)
            continue
        annotation = Any if param.annotation is param.empty else param.annotation
        default = ... if param.default is param.empty else param.default
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            body_param = param.name
        fields[param.name] = (annotation, default)
    returns = Any if signature.return_annotation is signature.empty else signature.return_annotation
    model = create_model(f"{owner}_{function.__name__}_params", __base__=_Params, **fields)
    return model, body_param, returns, tuple(context_params)


def _response_adapter(returns: Any) -> TypeAdapter[Any] | None:
    """What the dispatcher validates a method's result with, as FastAPI's response model.

    A return type pydantic cannot validate (a class of one's own) is not checked: the
    result is serialised as it is.
    """
    if returns is Any:
        return None
    try:
        return TypeAdapter(returns)
    except (PydanticSchemaGenerationError, TypeError, NameError):
        return None


def _routes_of_class(cls: type, module: str, prefix: str) -> list[Route]:
    routes: list[Route] = []
    instance: object | None = None
    for name, member in vars(cls).items():
        spec = api_spec(member)
        if spec is None:
            continue
        if isinstance(member, (classmethod, staticmethod)):
            endpoint = getattr(cls, name)
        else:
            if instance is None:
                instance = cls()
            endpoint = getattr(instance, name)
        params, body_param, returns, context_params = _endpoint_params(endpoint, cls.__name__)
        path = prefix + (spec.path or f"/{resource_name(cls.__name__)}/{name}")
        routes.append(
            Route(
                spec.http_method,
                path,
                module,
                cls.__qualname__,
                name,
                endpoint,
                params,
                body_param,
                returns,
                spec,
                _response_adapter(returns),
                context_params,
            )
        )
    return routes


class ApiRegistry:
    """Routes keyed by (method, path); each module's routes are replaced together."""

    def __init__(self, prefix: str = "/api") -> None:
        assert not prefix or (prefix.startswith("/") and not prefix.endswith("/")), f"bad API prefix {prefix!r}"
        self.prefix = prefix
        self.version = 0
        self._routes: dict[tuple[str, str], Route] = {}
        self._by_module: dict[str, list[Route]] = {}
        self._aside: dict[str, list[Route]] = {}  # refused at `register` for a conflict, by module
        self.refused: list[RouteConflict] = []  # the conflicts of the last reload `prepare` refused
        self._lock = threading.Lock()
        self.last_changes = RouteChanges()

    def routes_of(self, module: ModuleType) -> list[Route]:
        """Endpoints declared by classes defined in `module` (imported classes are their module's)."""
        routes: list[Route] = []
        for value in list(vars(module).values()):
            if isinstance(value, type) and value.__module__ == module.__name__:
                routes.extend(_routes_of_class(value, module.__name__, self.prefix))
        return routes

    def prepare(self, modules: Iterable[ModuleType], removed: Iterable[str] = ()) -> Callable[[], RouteChanges]:
        """Scan `modules` now (this may raise); the returned callable swaps their routes in.

        Its signature makes it an engine commit hook: a reload whose modules cannot be
        scanned, or whose routes conflict (`RouteConflictError`), rolls back, and the swap
        happens at the reload's commit.
        """
        fresh = {module.__name__: self.routes_of(module) for module in modules}
        gone = tuple(removed)
        _, conflicts = self._split_conflicts(fresh, gone)
        if conflicts:
            self.refused = conflicts  # for the batch's report, which locates both methods
            raise RouteConflictError(conflicts)
        return lambda: self._swap(fresh, gone)

    def _split_conflicts(
        self, fresh: dict[str, list[Route]], removed: tuple[str, ...]
    ) -> tuple[dict[str, list[Route]], list[RouteConflict]]:
        """`fresh` without the routes another method already declares, and those conflicts."""
        owners: dict[tuple[str, str], Route] = {}
        for name, routes in self._by_module.items():
            if name not in fresh and name not in removed:
                owners.update((route.key, route) for route in routes)
        kept: dict[str, list[Route]] = {}
        conflicts = []
        for name, routes in fresh.items():
            kept[name] = []
            for route in routes:
                other = owners.setdefault(route.key, route)
                if other is route:
                    kept[name].append(route)
                else:
                    conflicts.append(RouteConflict(other, route))
        return kept, conflicts

    def update(self, modules: Iterable[ModuleType] = (), removed: Iterable[str] = ()) -> RouteChanges:
        """Replace the routes of `modules` and drop those of `removed`, as one swap (raises on a conflict)."""
        return self.prepare(modules, removed)()

    def register(self, modules: Iterable[ModuleType]) -> tuple[RouteChanges, list[RouteConflict]]:
        """Add the routes of newly loaded `modules`; a route already declared stays with its method,
        and the refused one waits aside until that route is free."""
        fresh = {module.__name__: self.routes_of(module) for module in modules}
        kept, conflicts = self._split_conflicts(fresh, ())
        aside: dict[str, list[Route]] = {}
        for conflict in conflicts:
            aside.setdefault(conflict.refused.module, []).append(conflict.refused)
        return self._swap(kept, (), aside), conflicts

    def _swap(
        self, fresh: dict[str, list[Route]], removed: tuple[str, ...], aside: dict[str, list[Route]] | None = None
    ) -> RouteChanges:
        with self._lock:
            routes = dict(self._routes)
            before: dict[tuple[str, str], Route] = {}
            for name in (*fresh, *removed):
                for route in self._by_module.get(name, ()):
                    before[route.key] = route
                    routes.pop(route.key, None)
            waiting = {k: v for k, v in self._aside.items() if k not in fresh and k not in removed}
            waiting.update(aside or {})
            added: list[Route] = []
            replaced: list[Route] = []
            by_module = {k: list(v) for k, v in self._by_module.items() if k not in fresh and k not in removed}
            for name, module_routes in fresh.items():
                by_module[name] = list(module_routes)
                for route in module_routes:
                    (replaced if route.key in before else added).append(route)
                    routes[route.key] = route
            for name, module_routes in list(waiting.items()):  # a route set aside serves once it is free
                for route in list(module_routes):
                    if route.key not in routes:
                        (replaced if route.key in before else added).append(route)
                        routes[route.key] = route
                        by_module.setdefault(name, []).append(route)
                        module_routes.remove(route)
                if not module_routes:
                    del waiting[name]
            by_module = {name: module_routes for name, module_routes in by_module.items() if module_routes}
            gone = tuple(r for key, r in before.items() if key not in routes)
            self._routes, self._by_module, self._aside = routes, by_module, waiting
            self.version += 1
            self.last_changes = RouteChanges(
                tuple(added), gone, tuple(replaced), {name: len(routes) for name, routes in fresh.items()}
            )
            return self.last_changes

    def lookup(self, http_method: str, path: str) -> Route | None:
        return self._routes.get((http_method, path))

    def allowed_methods(self, path: str) -> list[str]:
        return sorted(method for method, route_path in self._routes if route_path == path)

    def __iter__(self) -> Any:
        return iter(sorted(self._routes.values(), key=lambda r: (r.path, r.http_method)))

    def __len__(self) -> int:
        return len(self._routes)
