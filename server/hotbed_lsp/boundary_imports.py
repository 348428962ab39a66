"""The `boundary-import` lint: a module that is not a boundary importing a boundary at import time.

HMR re-executes a changed module's importers up to the boundaries; an importer that is
not a boundary cannot be re-executed, so a save of the boundary it imports needs a
restart. Reading the file with `ast` finds this before it bites, without running
anything. Only imports that run when the module is imported count: those in functions
(and under `if TYPE_CHECKING:`) run later or never, and are what the message suggests.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from hotbed.reload.globs import GlobSet
from hotbed_lsp.diagnostics import Located

__all__ = ["boundary_imports", "resolve_module"]

_LATER = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _import_time(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Import statements that execute while the module itself executes."""
    stack: list[ast.AST] = list(reversed(tree.body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, _LATER) or (isinstance(node, ast.If) and _is_type_checking(node)):
            continue
        else:
            stack.extend(reversed([c for c in ast.iter_child_nodes(node) if isinstance(c, ast.stmt)]))


def resolve_module(name: str, roots: Sequence[Path]) -> Path | None:
    """The project file of dotted module `name`, searching `roots` (sys.path entries) in order."""
    parts = name.split(".")
    for root in roots:
        base = root.joinpath(*parts)
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def _package_of(path: Path, roots: Sequence[Path]) -> list[str] | None:
    """The dotted package the module at `path` belongs to, as parts, relative to the first root holding it."""
    for root in roots:
        try:
            relative = path.relative_to(root)
        except ValueError:
            continue
        parts = list(relative.with_suffix("").parts)
        return parts[:-1]
    return None


def _targets(node: ast.Import | ast.ImportFrom, path: Path, roots: Sequence[Path]) -> Iterator[Path]:
    if isinstance(node, ast.Import):
        for alias in node.names:
            found = resolve_module(alias.name, roots)
            if found is not None:
                yield found
        return
    base: list[str] = []
    if node.level:
        package = _package_of(path, roots)
        if package is None or node.level - 1 > len(package):
            return
        base = package[: len(package) - (node.level - 1)]
    module = [*base, *(node.module.split(".") if node.module else [])]
    for alias in node.names:
        submodule = resolve_module(".".join([*module, alias.name]), roots) if alias.name != "*" else None
        found = submodule or (resolve_module(".".join(module), roots) if module else None)
        if found is not None:
            yield found


def boundary_imports(
    source: str, path: Path, root: Path, boundaries: GlobSet, import_roots: Sequence[Path]
) -> list[Located]:
    """The import-time imports of boundaries in the module at `path`, when it is not a boundary itself.

    Args:
        source: the module's text (the editor's buffer, saved or not).
        path: the module's absolute path.
        root: the project root; boundary globs are relative to it.
        boundaries: the boundary globs.
        import_roots: the folders modules are imported from (`sys.path` entries inside the project).
    """
    rel = _relative(path, root)
    if rel is None or boundaries.matches(rel):
        return []
    try:
        tree = ast.parse(source, str(path))
    except (SyntaxError, ValueError):
        return []  # the reload reports syntax errors; nothing to say about imports yet
    found: list[Located] = []
    for node in _import_time(tree):
        for target in dict.fromkeys(_targets(node, path, import_roots)):
            target_rel = _relative(target, root)
            if target_rel is None or target == path or not boundaries.matches(target_rel):
                continue
            message = (
                f"{rel} is not a boundary and imports the boundary {target_rel} when it loads:"
                f" a change to {target_rel} cannot be hot-reloaded past it and restarts the dev server."
                " Import it inside the function that uses it, or make this module a boundary."
            )
            end_line = node.end_lineno or node.lineno
            end_column = (node.end_col_offset or 0) + 1
            found.append(Located(str(path), node.lineno, node.col_offset + 1, message, end_line, end_column))
    return found


def _relative(path: Path, root: Path) -> str | None:
    try:
        return Path(os.path.abspath(path)).relative_to(root).as_posix()
    except ValueError:
        return None
