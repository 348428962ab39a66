"""The dev UI's entity editing: read an entity file, and write one back in its own style after the checks a save gets.

It runs in the supervisor (the dev UI reaches it through `hotbed.dev.ui.EntityEditor`, which
the command line fills with `open_entity_editor`), and never imports the dev server.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path
from typing import Any

from hotbed.app.atomic import write_atomic
from hotbed.app.entity import Entity, EntityDiagnostic, check_project, parse_entity, snake_case
from hotbed.app.sources import find_entity_files
from hotbed.config import load_config
from hotbed.exceptions import EntityError, HotbedError

__all__ = ["EntityFileEditor", "format_entity", "open_entity_editor"]

Errors = list[dict[str, str]]


def _inline(value: Any) -> str:
    """One JSON value on one line, spaced as hand-written entity files are: `{ "name": "id" }`."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{json.dumps(k)}: {_inline(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def format_entity(document: dict[str, Any], indent: str = "  ") -> tuple[str, dict[int, str]]:
    """The file's text, and which field each line holds (`props.3`), to put errors at their field.

    Lists of objects keep one object per line, maps one entry per line: the layout of the
    entity files people write and read in review.
    """
    lines = ["{"]
    fields: dict[int, str] = {}
    items = list(document.items())
    for position, (key, value) in enumerate(items):
        comma = "," if position < len(items) - 1 else ""
        head = f"{indent}{json.dumps(key)}: "
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value) and key == "props":
            lines.append(head + "[")
            for i, item in enumerate(value):
                fields[len(lines) + 1] = f"{key}.{i}"
                lines.append(f"{indent * 2}{_inline(item)}{',' if i < len(value) - 1 else ''}")
            lines.append(f"{indent}]{comma}")
        elif isinstance(value, dict) and value:
            lines.append(head + "{")
            entries = list(value.items())
            for i, (name, inner) in enumerate(entries):
                fields[len(lines) + 1] = f"{key}.{name}"
                lines.append(f"{indent * 2}{json.dumps(name)}: {_inline(inner)}{',' if i < len(entries) - 1 else ''}")
            lines.append(f"{indent}}}{comma}")
        else:
            fields[len(lines) + 1] = key
            lines.append(head + _inline(value) + comma)
    lines.append("}")
    return "\n".join(lines) + "\n", fields


def _indent_of(text: str) -> str:
    match = re.search(r"\n([ \t]+)\S", text)
    return match.group(1) if match else "  "


class EntityFileEditor:
    """The entity files of the project at `root`."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.config = load_config(root)

    def _files(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        for path in find_entity_files(self.config).values():
            try:
                entity_id = json.loads(path.read_text()).get("id")
            except (OSError, ValueError, AttributeError):
                entity_id = None
            found[str(entity_id or path.name.removesuffix(".entity.json"))] = path
        return found

    def entities(self) -> dict[str, str]:
        return {k: str(v) for k, v in self._files().items()}

    def read(self, entity_id: str) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self._files()[entity_id].read_text())
        return data

    def _check(self, path: Path, text: str, fields: dict[int, str]) -> Errors:
        """The checks of a sync batch: the file alone, then against the project's other entities."""
        try:
            entity = parse_entity(path, text.encode())
            others: list[Entity] = []
            for other in self._files().values():
                if other.resolve() != path.resolve():
                    # another file's own problem is reported when that file is saved
                    with contextlib.suppress(EntityError):
                        others.append(parse_entity(other, other.read_bytes()))
            problems = [d for d in check_project([entity, *others]) if Path(d.path).resolve() == path.resolve()]
        except EntityError as exc:
            problems = list(exc.diagnostics)
        return [self._located(d, text, fields) for d in problems]

    @staticmethod
    def _located(diagnostic: EntityDiagnostic, text: str, fields: dict[int, str]) -> dict[str, str]:
        """The field a diagnostic is about: its line's field, and the key at (or just before) its column."""
        field = fields.get(diagnostic.line, "")
        named = re.match(r"props\[(\d+)\]\.(\w+)", diagnostic.message)
        if named:
            return {"field": f"props.{named.group(1)}.{named.group(2)}", "message": diagnostic.message}
        lines = text.splitlines()
        line = lines[diagnostic.line - 1] if 0 < diagnostic.line <= len(lines) else ""
        at = max(0, diagnostic.column - 1)
        keys = re.findall(r'"(\w+)"\s*:', line[:at]) + re.findall(r'^"(\w+)"\s*:', line[at:])
        if field.startswith("props.") and keys:
            field += "." + keys[-1]
        return {"field": field, "message": diagnostic.message}

    def save(self, entity_id: str, document: dict[str, Any]) -> tuple[str | None, Errors]:
        path = self._files().get(entity_id)
        if path is None:
            return None, [{"field": "", "message": f"no entity {entity_id!r}"}]
        text, fields = format_entity(document, _indent_of(path.read_text()))
        errors = self._check(path, text, fields)
        if errors:
            return None, errors
        write_atomic(path, text.encode())
        return str(path), []

    def create(self, entity_id: str) -> tuple[str | None, Errors]:
        if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", entity_id):
            message = "an entity id is PascalCase: a capital letter, then letters and digits"
            return None, [{"field": "id", "message": message}]
        files = self._files()
        if entity_id in files:
            return None, [{"field": "id", "message": f"entity {entity_id!r} exists already"}]
        name = snake_case(entity_id)
        base = next(iter(files.values())).parent.parent if files else self.config.source_path / "application"
        path = base / name / f"{name}.entity.json"
        document = {"id": entity_id, "title": entity_id, "props": [{"name": "id", "type": "integer", "desc": "ID"}]}
        text, fields = format_entity(document)
        errors = self._check(path, text, fields)
        if errors:
            return None, errors
        os.makedirs(path.parent, exist_ok=True)
        write_atomic(path, text.encode())
        return str(path), []


def open_entity_editor(root: str) -> EntityFileEditor | None:
    """The editor of an entity project, None for a plain app (the dev UI then shows no entities)."""
    try:
        return EntityFileEditor(root) if load_config(root).config_file is not None else None
    except HotbedError:
        return None
