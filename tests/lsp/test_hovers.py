"""Hover text: one paragraph per fact, none of them empty."""

from __future__ import annotations

from hotbed.dev.protocol import DumpNode
from hotbed_lsp.hovers import ModuleGraph


def _graph() -> tuple[ModuleGraph, DumpNode]:
    routes = DumpNode("app/routes.py", "/p/app/routes.py", True, True, 2, dependents=["app/main.py"], apis=["GET /x"])
    main = DumpNode("app/main.py", "/p/app/main.py", True, True, 1, dependencies=["app/routes.py"])
    return ModuleGraph([routes, main]), routes


def test_hover_paragraphs_are_never_empty() -> None:
    graph, routes = _graph()
    paragraphs = graph.hover(routes).split("\n\n")
    assert paragraphs[0] == "**hotbed** · `app/routes.py` · version 2"
    assert all(p.strip() for p in paragraphs), paragraphs
    assert "A save re-executes 1 dependent(s): `app/main.py`." in paragraphs
    assert "Registers: `GET /x`" in paragraphs
