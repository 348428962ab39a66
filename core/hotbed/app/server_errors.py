"""A `ValidationError` about the server's own data, told as a server error: which field of which row.

The request's parameters were valid by then, so the data at fault is the server's: a row
the database holds that no longer fits its type (an enum value removed), or a value the
method built. Saying "invalid parameters" would send the caller looking at its request;
these say where the bad value is instead, the row by its id.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

__all__ = ["describe_inside", "describe_returned"]

_SHOWN = 5  # errors spelled out; the rest are counted


def _row_name(value: Any) -> str | None:
    """`User id=7` for a row (a model instance, a pydantic model, a mapping) that has an id."""
    if isinstance(value, Mapping):
        row_id = value.get("id")
    else:
        row_id = getattr(value, "__dict__", {}).get("id", getattr(value, "id", None))
    if row_id is None:
        return None
    entity_id = getattr(type(value), "entity_id", None)
    name = entity_id() if callable(entity_id) else type(value).__name__
    return f"{name} id={row_id!r}"


def _step(value: Any, key: str | int) -> Any:
    if isinstance(value, Mapping):
        return value.get(key)
    if isinstance(value, Sequence) and not isinstance(value, str) and isinstance(key, int):
        return value[key] if -len(value) <= key < len(value) else None
    return getattr(value, "__dict__", {}).get(key, getattr(value, str(key), None))


def _path(loc: Sequence[str | int]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".") or "(the value)"


def _errors(exc: ValidationError, root: Any) -> str:
    """Each error as `path (row): message, got input`, the row found by walking `root` along the path."""
    parts = []
    errors = exc.errors(include_url=False)
    for error in errors[:_SHOWN]:
        loc = error["loc"]
        value, row = root, _row_name(root) if root is not None else None
        for key in loc[:-1]:
            value = _step(value, key)
            row = _row_name(value) or row
        where = f"{_path(loc)} of {row}" if row else _path(loc)
        got = "" if error["type"] == "missing" else f", got {error['input']!r}"  # the input is the whole row
        parts.append(f"{where}: {error['msg']}{got}")
    more = f" (and {len(errors) - _SHOWN} more)" if len(errors) > _SHOWN else ""
    return "; ".join(parts) + more


def _type_name(kind: Any) -> str:
    """`list[User]`, `User | None`: a return annotation as its source spells it, modules left out."""
    args = typing.get_args(kind)
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        return " | ".join("None" if arg is type(None) else _type_name(arg) for arg in args)
    origin = typing.get_origin(kind)
    if origin is not None and args:
        return f"{_type_name(origin)}[{', '.join(_type_name(arg) for arg in args)}]"
    return kind.__name__ if isinstance(kind, type) else str(kind).replace("typing.", "")


def describe_returned(exc: ValidationError, route: str, returns: Any, result: Any) -> str:
    """The API's return value does not fit its return annotation."""
    return f"{route} returned a value that is not a valid {_type_name(returns)}: {_errors(exc, result)}"


def _validated_object(exc: ValidationError) -> Any:
    """The object handed to `model_validate`/`validate_python` when `exc` was raised, if the
    traceback still holds pydantic's frame: the row a `User.model_validate(row)` was given."""
    tb, found = exc.__traceback__, None
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_globals.get("__name__", "").startswith("pydantic.") and frame.f_code.co_name in (
            "model_validate",
            "validate_python",
        ):
            found = frame.f_locals.get("obj", frame.f_locals.get("object"))
        tb = tb.tb_next
    return found


def describe_inside(exc: ValidationError, route: str) -> str:
    """A `ValidationError` the method raised (validating a row it read, most often)."""
    return f"{route} failed: ValidationError in {exc.title}: {_errors(exc, _validated_object(exc))}"
