"""The UI's Starlette app: pages, the server-sent event stream, the route caller and entity saves."""

from __future__ import annotations

import asyncio
import json
import os
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from hotbed.dev.ui import pages
from hotbed.dev.ui.guard import LoopbackGuard
from hotbed.dev.ui.server import EntityEditor, UiSource
from hotbed.dev.ui.timeline import Timeline
from hotbed.reload.types import Change

__all__ = ["build_app"]

STATIC = Path(__file__).with_name("static")


def _fetch(url: str, method: str = "GET", body: bytes | None = None) -> tuple[int, str]:
    """One request to the app (blocking; run in a thread). The app is on another port: the browser cannot call it."""
    request = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")
    except OSError as exc:
        return 0, str(exc)


async def _schemas(source: UiSource, routes: list[str]) -> dict[str, Any]:
    """Each route's parameters from the app's OpenAPI document, when it serves one."""
    prefixes = {"/" + r.split(" ", 1)[1].strip("/").split("/")[0] for r in routes if " /" in r}
    found: dict[str, Any] = {}
    for prefix in prefixes:
        status, text = await asyncio.to_thread(_fetch, source.status().url + prefix + "/openapi.json")
        if status != 200:
            continue
        try:
            paths = json.loads(text).get("paths", {})
        except ValueError:
            continue
        for path, operations in paths.items():
            for method, operation in operations.items():
                parameters = operation.get("parameters") or operation.get("requestBody") or None
                found[f"{method.upper()} {path}"] = parameters
    return found


def build_app(source: UiSource, timeline: Timeline, editor: EntityEditor | None) -> Starlette:

    async def index(request: Request) -> Response:
        return RedirectResponse("/_hotbed/routes")

    async def routes(request: Request) -> Response:
        nodes = await source.dump()
        schemas = await _schemas(source, [r for n in nodes for r in n.apis])
        return HTMLResponse(pages.routes_page(nodes, schemas))

    async def call(request: Request) -> Response:
        data = await request.json()
        method, path, query = str(data["method"]), str(data["path"]), str(data.get("params", ""))
        if not path.startswith("/"):
            return JSONResponse({"error": "a path starts with /"}, 400)
        url = source.status().url + path
        body = None
        if method == "GET":
            url += f"?{query}" if query else ""
        else:
            from urllib.parse import parse_qsl

            body = json.dumps(dict(parse_qsl(query))).encode()
        status, text = await asyncio.to_thread(_fetch, url, method, body)
        return JSONResponse({"status": status, "body": text})

    async def graph(request: Request) -> Response:
        nodes = await source.dump()
        return HTMLResponse(pages.graph_page(nodes, _project_root(nodes)))

    async def graph_json(request: Request) -> Response:
        from hotbed.dev.protocol import converter

        return JSONResponse(converter.unstructure(await source.dump()))

    async def reloads(request: Request) -> Response:
        return HTMLResponse(pages.reloads_page(list(timeline.entries)))

    async def events(request: Request) -> Response:
        queue = timeline.subscribe()

        async def stream() -> AsyncIterator[str]:
            try:
                yield ": connected\n\n"
                while True:
                    try:
                        entry = await asyncio.wait_for(queue.get(), 15)
                    except TimeoutError:
                        yield ": keep-alive\n\n"
                        continue
                    if entry is None:
                        return
                    yield timeline.event(entry)
            finally:
                timeline.unsubscribe(queue)

        return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    def no_editor() -> Response:
        return HTMLResponse("<p>This project has no entities: the dev UI edits entities of an entity project.</p>", 404)

    async def entities(request: Request) -> Response:
        if editor is None:
            return no_editor()
        return HTMLResponse(pages.entities_page(editor.entities(), _root_of(editor)))

    async def entity(request: Request) -> Response:
        entity_id = request.path_params["entity_id"]
        if editor is None or entity_id not in editor.entities():
            return no_editor() if editor is None else HTMLResponse(f"no entity {entity_id!r}", 404)
        return HTMLResponse(pages.entity_page(entity_id, editor.read(entity_id)))

    async def save(request: Request) -> Response:
        """Validate and write like a save, then run the same batch an editor save runs."""
        if editor is None:
            return no_editor()
        entity_id = request.path_params["entity_id"]
        document = await request.json()
        if entity_id == "_new":
            written, errors = await asyncio.to_thread(editor.create, str(document.get("id", "")))
        else:
            written, errors = await asyncio.to_thread(editor.save, entity_id, document)
        if written is None:
            return JSONResponse({"ok": False, "errors": errors}, 422)
        report = await source.sync([Change(written)])
        from hotbed.dev.protocol import converter

        return JSONResponse({"ok": report.ok, "errors": [], "report": converter.unstructure(report)})

    return Starlette(
        routes=[
            Route("/_hotbed", index),
            Route("/_hotbed/", index),
            Route("/_hotbed/routes", routes),
            Route("/_hotbed/call", call, methods=["POST"]),
            Route("/_hotbed/graph", graph),
            Route("/_hotbed/graph.json", graph_json),
            Route("/_hotbed/reloads", reloads),
            Route("/_hotbed/events", events),
            Route("/_hotbed/entities", entities),
            Route("/_hotbed/entities/{entity_id}", entity),
            Route("/_hotbed/entities/{entity_id}", save, methods=["POST"]),
            Mount("/_hotbed/static", StaticFiles(directory=STATIC)),
        ],
        middleware=[Middleware(LoopbackGuard)],
    )


def _project_root(nodes: list[Any]) -> str:
    if not nodes:
        return os.getcwd()
    node = nodes[0]
    return str(node.node_path)[: -len(node.path)].rstrip(os.sep) or os.sep


def _root_of(editor: EntityEditor) -> str:
    return str(getattr(editor, "root", os.getcwd()))
