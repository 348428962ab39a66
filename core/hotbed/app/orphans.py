"""Hand-written modules that still import a generated module the syncer deleted.

Removing an entity file deletes its generated types, but its model and API modules are
yours, so they stay, importing a module that no longer exists: the running server keeps
its last good code, and a fresh start would report them broken. The syncer names them
(with the module each imports) so they can be deleted or edited.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable
from pathlib import Path

from hotbed.app.codegen.layout import module_name
from hotbed.config import ProjectConfig

__all__ = ["importers_of"]

_SKIP_DIRS = frozenset({".venv", "venv", "node_modules", ".hotbed", ".git", "__pycache__"})


def importers_of(config: ProjectConfig, deleted: Iterable[str]) -> list[tuple[str, str]]:
    """(file, module) for every project module importing one of the `deleted` files (root-relative),
    or importing such a module in turn: each of them fails to import now.

    Files are read as source (`ast`), never imported; one that does not parse is skipped.
    """
    gone = {module_name(config.root / rel, config) for rel in deleted if rel.endswith(".py")}
    if not gone:
        return []
    modules: list[tuple[str, str, set[str]]] = []  # (file, its module, what it imports)
    for folder, dirs, files in os.walk(config.source_path):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(f for f in files if f.endswith(".py")):
            path = Path(folder, name)
            try:
                tree = ast.parse(path.read_bytes(), str(path))
            except (OSError, SyntaxError, ValueError):
                continue
            module = module_name(path.parent if name == "__init__.py" else path, config)
            package = module if name == "__init__.py" else module.rpartition(".")[0]
            modules.append((path.relative_to(config.root).as_posix(), module, _imports(tree, package)))
    found: dict[str, str] = {}
    while True:
        more = {
            rel: sorted(imports & gone)[0] for rel, module, imports in modules if rel not in found and imports & gone
        }
        if not more:
            return sorted(found.items())
        found.update(more)
        gone |= {module for rel, module, _ in modules if rel in more}


def _imports(tree: ast.Module, package: str) -> set[str]:
    """Every module the file's import statements name, relative ones resolved."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package else []
                parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join([*parts, base] if base else parts)
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return names
