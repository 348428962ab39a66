"""Registered APIs as the TypeScript client sees them: Python type hints to TypeScript types."""

from __future__ import annotations

import datetime
import decimal
import enum
import types
import typing
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hotbed.app.codegen.typescript_services import ApiParam, ApiSpec
from hotbed.app.codegen.typescript_types import typescript_exports
from hotbed.app.entity import Entity
from hotbed.app.registry import Route

__all__ = ["api_specs_for", "ts_type"]

_SCALARS: dict[Any, str] = {
    int: "number",
    float: "number",
    decimal.Decimal: "number",
    str: "string",
    bool: "boolean",
    type(None): "null",
    datetime.date: "string",
    datetime.datetime: "string",
    uuid.UUID: "string",
    Any: "unknown",
}


def ts_type(annotation: Any, known: frozenset[str] = frozenset()) -> str:
    """The TypeScript type of a Python annotation; names in `known` are the generated types."""
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        return " | ".join(dict.fromkeys(ts_type(arg, known) for arg in args))
    if origin is typing.Literal:
        return " | ".join(repr(arg) if isinstance(arg, str) else str(arg).lower() for arg in args)
    if origin in (list, tuple, set, frozenset, Sequence, Iterable):
        inner = ts_type(args[0], known) if args else "unknown"
        return f"({inner})[]" if "|" in inner else f"{inner}[]"
    if origin in (dict, Mapping):
        value = ts_type(args[1], known) if len(args) == 2 else "unknown"
        return f"Record<string, {value}>"
    if isinstance(annotation, type):
        if annotation.__name__ in known:
            return annotation.__name__
        if issubclass(annotation, enum.Enum):
            return " | ".join(repr(member.value) for member in annotation) or "string"
        if annotation in (list, tuple, set):
            return "unknown[]"
        if annotation is dict:
            return "Record<string, unknown>"
    return "unknown"


def api_specs_for(entity: Entity, routes: Iterable[Route]) -> list[ApiSpec]:
    """The client functions of the routes whose resource is this entity, in a stable order."""
    known = frozenset(typescript_exports(entity))
    specs = []
    for route in sorted(routes, key=lambda r: (r.name, r.http_method)):
        fields = route.params.model_fields
        params = tuple(
            ApiParam(name, ts_type(field.annotation, known), optional=not field.is_required())
            for name, field in fields.items()
        )
        summary = route.spec.summary or (route.endpoint.__doc__ or "").strip().partition("\n")[0]
        specs.append(ApiSpec(route.name, route.http_method, params, ts_type(route.returns, known), route.path, summary))
    return specs
