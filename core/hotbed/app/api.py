"""`@api`: expose a method of a model or API class as an HTTP endpoint.

    class UserApi:
        @api(http_method="GET")
        async def list(self, keyword: str | None = None, page: int = 1, num: int = 10) -> list[User]:
            ...

registers `GET /api/user/list`. The decorator only marks the function; the registry finds
marked methods when their module is (re)loaded, so a reload replaces exactly that
module's endpoints and nothing is registered by a reload that failed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

__all__ = ["ApiSpec", "HttpMethod", "api", "api_spec", "resource_name"]

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]
_MARK = "__hotbed_api__"
_SUFFIXES = ("Model", "Api", "API", "Service")

F = TypeVar("F")


@dataclass(frozen=True, slots=True)
class ApiSpec:
    http_method: HttpMethod = "GET"
    path: str | None = None
    summary: str | None = None


def api(http_method: HttpMethod = "GET", path: str | None = None, summary: str | None = None) -> Callable[[F], F]:
    """Mark a method (plain, `classmethod` or `staticmethod`) as an API endpoint.

    Args:
        http_method: the HTTP method; GET takes parameters from the query string, the
            others from a JSON body (and the query string).
        path: the route below the API prefix; default `/{resource}/{method}`.
        summary: a line for the OpenAPI document; default the docstring's first line.
    """
    method = http_method.upper()
    assert method in ("GET", "POST", "PUT", "PATCH", "DELETE"), f"unsupported HTTP method {http_method!r}"
    assert path is None or path.startswith("/"), f"an API path starts with '/', got {path!r}"
    spec = ApiSpec(method, path, summary)  # type: ignore[arg-type]

    def mark(target: F) -> F:
        function = getattr(target, "__func__", target)
        setattr(function, _MARK, spec)
        return target

    return mark


def api_spec(member: Any) -> ApiSpec | None:
    """The spec of a class attribute marked with `@api`, or None."""
    spec = getattr(getattr(member, "__func__", member), _MARK, None)
    return spec if isinstance(spec, ApiSpec) else None


def resource_name(class_name: str) -> str:
    """`UserModel` and `UserApi` -> `user`; `OrderItemApi` -> `order_item`."""
    for suffix in _SUFFIXES:
        if class_name.endswith(suffix) and class_name != suffix:
            class_name = class_name[: -len(suffix)]
            break
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", class_name).lower()
