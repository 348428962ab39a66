"""Server-rendered HTML of the UI's pages; the JavaScript in `static/ui.js` only adds behaviour."""

from __future__ import annotations

import json
import os
from html import escape
from typing import Any

from hotbed.dev.protocol import DumpNode

__all__ = ["entities_page", "entity_page", "graph_page", "reloads_page", "routes_page"]

_TABS = (("routes", "Routes"), ("graph", "Graph"), ("reloads", "Reloads"), ("entities", "Entities"))


def _layout(title: str, active: str, body: str, data: Any = None) -> str:
    tabs = "".join(
        f'<a href="/_hotbed/{key}"{" class=active" if key == active else ""}>{label}</a>' for key, label in _TABS
    )
    payload = escape(json.dumps(data)) if data is not None else ""
    return (
        "<!doctype html><html><head><meta charset=utf-8>"
        f"<title>{escape(title)} · hotbed</title>"
        '<link rel=stylesheet href="/_hotbed/static/ui.css"></head>'
        f'<body data-page="{active}" data-payload="{payload}"><header><b>hotbed</b>{tabs}</header>'
        f"<main><h1>{escape(title)}</h1>{body}</main>"
        '<script src="/_hotbed/static/ui.js"></script></body></html>'
    )


def routes_page(nodes: list[DumpNode], schemas: dict[str, Any]) -> str:
    rows = []
    for node in sorted(nodes, key=lambda n: n.path):
        for route in node.apis:
            method, _, path = route.partition(" ")
            schema = schemas.get(route)
            shown = escape(json.dumps(schema, indent=1)) if schema else "<i>none</i>"
            rows.append(
                f'<tr class=route data-method="{escape(method)}" data-path="{escape(path)}">'
                f"<td><code>{escape(method)}</code></td><td><code>{escape(path)}</code></td>"
                f"<td>{escape(node.path)}</td><td><pre>{shown}</pre></td>"
                '<td><input class=params placeholder="id=1&amp;q=..." size=18> <button class=call>call</button>'
                "<pre class=result></pre></td></tr>"
            )
    table = (
        "<table><tr><th>method</th><th>path</th><th>module</th><th>parameters</th><th>try it</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    return _layout("Routes", "routes", table if rows else "<p>No routes registered yet.</p>")


def _depths(nodes: list[DumpNode]) -> dict[str, int]:
    """Layer of each module: 0 for modules nothing imports, then one more than its deepest importer."""
    by_path = {n.path: n for n in nodes}
    depth: dict[str, int] = {}

    def visit(path: str, seen: frozenset[str]) -> int:
        if path in depth:
            return depth[path]
        importers = [d for d in by_path[path].dependents if d in by_path and d not in seen]
        value = 1 + max((visit(d, seen | {path}) for d in importers), default=-1)
        depth[path] = value
        return value

    for node in nodes:
        visit(node.path, frozenset())
    return depth


def _transitive(nodes: dict[str, DumpNode], path: str) -> list[str]:
    found: list[str] = []
    stack = [path]
    while stack:
        for dependent in nodes[stack.pop()].dependents:
            if dependent in nodes and dependent not in found and dependent != path:
                found.append(dependent)
                stack.append(dependent)
    return sorted(found)


def graph_page(nodes: list[DumpNode], root: str) -> str:
    by_path = {n.path: n for n in nodes}
    depth = _depths(nodes)
    layers: dict[int, list[str]] = {}
    for path in sorted(by_path):
        layers.setdefault(depth[path], []).append(path)
    width, row, gap = 260, 34, 70
    place: dict[str, tuple[int, int]] = {}
    top = 30
    for d in sorted(layers):  # a layer wraps after five modules
        for i, path in enumerate(layers[d]):
            place[path] = (20 + (i % 5) * width, top + (i // 5) * row)
        top += ((len(layers[d]) - 1) // 5) * row + gap
    height = max((y for _, y in place.values()), default=0) + 60
    edges = []
    for node in nodes:
        for dep in node.dependencies:
            if dep in place:
                (x1, y1), (x2, y2) = place[node.path], place[dep]
                edges.append(
                    f'<line data-from="{escape(node.path)}" data-to="{escape(dep)}" x1="{x1 + 110}" y1="{y1 + 12}"'
                    f' x2="{x2 + 110}" y2="{y2 - 4}" />'
                )
    boxes = []
    info: dict[str, Any] = {}
    for path, (x, y) in place.items():
        node = by_path[path]
        kind = "boundary" if node.boundary else "plain"
        if not node.reloadable:
            kind += " declined"
        dependents = _transitive(by_path, path)
        info[path] = dependents
        label = escape(path if len(path) <= 30 else "…" + path[-29:])
        boxes.append(
            f'<g class="node {kind}" data-path="{escape(path)}" transform="translate({x},{y})">'
            f'<rect width="230" height="24" rx="5"/><text x="8" y="16">{label}</text>'
            f"<title>{escape(path)}: a save re-executes {len(dependents) + 1} module(s)</title></g>"
        )
    svg = (
        f'<svg id=graph width="{20 + 5 * width}" height="{height}">'
        f"<g class=edges>{''.join(edges)}</g>{''.join(boxes)}</svg>"
    )
    legend = (
        "<p class=legend><span class='key boundary'>boundary</span> <span class='key plain'>not a boundary</span>"
        " <span class='key declined'>declined (restarts)</span>"
        " · hover a module to see what a save of it re-executes</p>"
        "<p id=impact>&nbsp;</p>"
    )
    listing = "".join(
        f'<li data-path="{escape(p)}"><code>{escape(p)}</code>: dependents '
        f"<span class=dependents>{escape(', '.join(info[p]) or 'none')}</span></li>"
        for p in sorted(info)
    )
    return _layout(
        f"Module graph of {os.path.basename(root)}",
        "graph",
        legend + svg + f"<details><summary>as a list</summary><ul>{listing}</ul></details>",
        info,
    )


def reloads_page(entries: list[dict[str, Any]]) -> str:
    body = "<p id=live>waiting for reloads…</p><ol id=timeline reversed></ol>"
    return _layout("Reloads", "reloads", body, entries)


def entities_page(entities: dict[str, str], root: str) -> str:
    items = "".join(
        f'<li><a href="/_hotbed/entities/{escape(e)}">{escape(e)}</a>'
        f" <small>{escape(os.path.relpath(p, root))}</small></li>"
        for e, p in sorted(entities.items())
    )
    create = (
        "<form id=create><input name=id placeholder=NewEntity required pattern='[A-Z][A-Za-z0-9]*'>"
        " <button>create entity</button> <span class=error id=create-error></span></form>"
    )
    return _layout("Entities", "entities", f"<ul>{items or '<li>No entities.</li>'}</ul>{create}")


def entity_page(entity_id: str, document: dict[str, Any]) -> str:
    body = (
        "<form id=entity><table id=props><tr><th>name</th><th>type</th><th>options</th><th>nullable</th>"
        "<th>desc</th><th></th></tr></table><button type=button id=add-prop>add prop</button>"
        "<h2>Indexes</h2><textarea name=indexes rows=3></textarea><div class=error data-field=indexes></div>"
        "<h2>Subsets</h2><textarea name=subsets rows=4></textarea><div class=error data-field=subsets></div>"
        "<h2>Enums</h2><textarea name=enums rows=4></textarea><div class=error data-field=enums></div>"
        "<p><button id=save>save</button> <span id=saved></span></p>"
        "<div class=error data-field=''></div></form>"
    )
    return _layout(f"Entity {entity_id}", "entities", body, {"id": entity_id, "document": document})
