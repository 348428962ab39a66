"""The OpenAPI 3.1 document of the registered APIs."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import GenerateJsonSchema

from hotbed.app.registry import ApiRegistry, Route

__all__ = ["openapi_document"]


def _returns_schema(route: Route) -> dict[str, Any]:
    try:
        return TypeAdapter(route.returns).json_schema(ref_template="#/components/schemas/{model}")
    except Exception:  # a return type pydantic cannot describe is still a valid endpoint
        return {}


def _operation(route: Route, schemas: dict[str, Any]) -> dict[str, Any]:
    params_schema = route.params.model_json_schema(
        ref_template="#/components/schemas/{model}", schema_generator=GenerateJsonSchema
    )
    schemas.update(params_schema.pop("$defs", {}))
    returns = _returns_schema(route)
    schemas.update(returns.pop("$defs", {}))
    docstring = (route.endpoint.__doc__ or "").strip()
    operation: dict[str, Any] = {
        "operationId": f"{route.owner}.{route.name}",
        "summary": route.spec.summary or docstring.partition("\n")[0],
        "tags": [route.owner],
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": returns}}}},
    }
    properties: dict[str, Any] = params_schema.get("properties", {})
    required = set(params_schema.get("required", ()))
    if route.http_method == "GET":
        operation["parameters"] = [
            {"name": name, "in": "query", "required": name in required, "schema": schema}
            for name, schema in properties.items()
        ]
    elif properties:
        operation["requestBody"] = {
            "required": bool(required),
            "content": {"application/json": {"schema": {**params_schema, "title": f"{route.owner}.{route.name}"}}},
        }
    return operation


def openapi_document(registry: ApiRegistry, title: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {}
    for route in registry:
        paths.setdefault(route.path, {})[route.http_method.lower()] = _operation(route, schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": str(registry.version)},
        "paths": paths,
        "components": {"schemas": schemas},
    }
