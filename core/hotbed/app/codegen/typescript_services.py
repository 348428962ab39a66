"""One TypeScript service module per model: a typed function per API, calling the shared `request`.

The functions come from `ApiSpec`s. An `ApiSource` (the API registry, once it knows a
model's registered APIs) supplies them; where it returns None, the standard set derived
from the entity alone is used: get, list, save, del.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from hotbed.app.codegen.base import ProjectEntities, header
from hotbed.app.codegen.typescript_types import typescript_exports
from hotbed.app.entity import Entity

__all__ = ["ApiParam", "ApiSource", "ApiSpec", "default_apis", "render_service", "render_shared_client"]


@dataclass(frozen=True, slots=True)
class ApiParam:
    """A parameter of an API function; `ts_type` is a TypeScript type expression."""

    name: str
    ts_type: str
    optional: bool = False


@dataclass(frozen=True, slots=True)
class ApiSpec:
    """One registered API as the client sees it: `/api/{model}/{name}` unless `path` says otherwise."""

    name: str
    http_method: str
    params: tuple[ApiParam, ...]
    returns: str
    path: str = ""
    summary: str = ""


ApiSource = Callable[[Entity], Sequence[ApiSpec] | None]


def default_apis(entity: Entity, project: ProjectEntities) -> tuple[ApiSpec, ...]:
    eid = entity.id
    id_type = "string" if entity.id_prop.type in ("string", "uuid") else "number"
    subset = f"{eid}SubsetMapping[T]"
    return (
        ApiSpec("get", "GET", (ApiParam("subset", "T"), ApiParam("id", id_type)), subset, summary=f"One {eid} by id."),
        ApiSpec(
            "list",
            "GET",
            (ApiParam("subset", "T"), ApiParam("params", f"{eid}ListParams", optional=True)),
            f"ListResult<{subset}>",
            summary=f"A page of {eid} rows.",
        ),
        ApiSpec("save", "POST", (ApiParam("spa", f"{eid}SaveParams[]"),), f"{id_type}[]", summary="Insert or update."),
        ApiSpec("del", "POST", (ApiParam("ids", f"{id_type}[]"),), "number", summary="Delete by ids."),
    )


def _identifiers(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_$][A-Za-z0-9_$]*", text))


def render_service(entity: Entity, project: ProjectEntities, apis: Sequence[ApiSpec]) -> bytes:
    used: set[str] = set()
    functions: list[str] = []
    prefix = project.config.api_prefix.rstrip("/")
    for api in apis:
        generic = any(p.ts_type == "T" for p in api.params)
        type_params = f"<T extends {entity.id}SubsetKey>" if generic else ""
        params = ", ".join(f"{p.name}{'?' if p.optional else ''}: {p.ts_type}" for p in api.params)
        args = ", ".join(p.name for p in api.params)
        path = api.path or f"{prefix}/{entity.name}/{api.name}"
        used |= _identifiers(params + " " + api.returns) | ({f"{entity.id}SubsetKey"} if generic else set())
        doc = f"{api.summary} " if api.summary else ""
        functions += [
            "",
            f"/** {doc}{api.http_method} {path} */",
            f"export function {api.name}{type_params}({params}): Promise<{api.returns}> {{",
            f'  return request<{api.returns}>("{api.http_method}", "{path}", {{ {args} }});'
            if args
            else f'  return request<{api.returns}>("{api.http_method}", "{path}", {{}});',
            "}",
        ]
    types = sorted(used & set(typescript_exports(entity)))
    lines = header("//", project.relative(entity.path))
    shared = ["request", *(["type ListResult"] if "ListResult" in used else [])]
    lines.append(f'import {{ {", ".join(shared)} }} from "./hotbed";')
    if types:
        lines.append(f'import type {{ {", ".join(types)} }} from "./{entity.name}.types";')
    return ("\n".join(lines + functions) + "\n").encode()


_CLIENT = """
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface ListResult<T> {
  rows: T[];
  total: number;
}

/** Where the API server is and what every request carries; set once at start-up. */
export const clientConfig: { baseUrl: string; headers: Record<string, string> } = {
  baseUrl: "",
  headers: {},
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`HTTP ${status}: ${body}`);
  }
}

export async function request<T>(method: HttpMethod, path: string, params: Record<string, unknown>): Promise<T> {
  const headers: Record<string, string> = { ...clientConfig.headers };
  let url = clientConfig.baseUrl + path;
  let body: string | null = null;
  if (method === "GET" || method === "DELETE") {
    const query = new URLSearchParams();
    // a model parameter travels as its own fields (?page=2&num=10), as the server reads it
    const add = (key: string, value: unknown): void => {
      if (value === undefined || value === null) return;
      if (Array.isArray(value)) value.forEach((item) => add(key, item));
      else if (typeof value === "object") {
        for (const [inner, item] of Object.entries(value as Record<string, unknown>)) add(inner, item);
      } else query.append(key, String(value));
    };
    for (const [key, value] of Object.entries(params)) add(key, value);
    const text = query.toString();
    if (text) url += `?${text}`;
  } else {
    headers["content-type"] = "application/json";
    body = JSON.stringify(params);
  }
  const response = await fetch(url, { method, headers, body });
  if (!response.ok) throw new ApiError(response.status, await response.text());
  return (await response.json()) as T;
}
"""


def render_shared_client() -> bytes:
    return ("\n".join(header("//", None)) + "\n" + _CLIENT).encode()
