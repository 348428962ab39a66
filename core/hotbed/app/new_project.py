"""`hotbed new NAME`: a ready-to-run entity project with one entity and its model."""

from __future__ import annotations

import json
import re
from pathlib import Path

from hotbed import __version__
from hotbed.app.syncer import Syncer
from hotbed.config import load_config
from hotbed.dev.report import SyncReport
from hotbed.exceptions import ConfigError

__all__ = ["create_project"]

_CONFIG = """\
# hotbed project settings; see `hotbed dev --help`.
source-root = "src"
entities = "src/**/*.entity.json"
frontend-dir = "web/src/services"
api-prefix = "/api"
"""

_ENTITY = {
    "id": "Note",
    "table": "notes",
    "title": "Note",
    "props": [
        {"name": "id", "type": "integer"},
        {"name": "title", "type": "string", "length": 200},
        {"name": "body", "type": "text", "nullable": True},
        {"name": "done", "type": "boolean", "dbDefault": False},
        {"name": "created_at", "type": "datetime", "dbDefault": "CURRENT_TIMESTAMP"},
    ],
    "subsets": {"A": ["id", "title", "done", "created_at"]},
}

_PYPROJECT = """\
[project]
name = "{name}"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["hotbed>={version}"]
"""

_README = """\
# {name}

A hotbed entity project. Run it with hot reload:

```sh
hotbed dev
```

then try `GET /api/note/list?page=1&num=10`, `POST /api/note/create` and
`GET /api/openapi.json`. Entities live in
`src/application/*/*.entity.json`; hotbed generates `*_types.py` and the TypeScript
client in `web/src/services/` from them, and created `*_model.py` and `*_api.py` once,
for you to edit.
"""


def create_project(folder: str | Path) -> SyncReport:
    """Write the project into `folder` (which must not exist or be empty) and run a first sync."""
    root = Path(folder).resolve()
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_.-]*", root.name):
        raise ConfigError(f"{root.name!r} is not a project name: use letters, digits, '_', '-' or '.'")
    if root.exists() and any(root.iterdir()):
        raise ConfigError(f"{root} already exists and is not empty")
    entity = root / "src" / "application" / "note" / "note.entity.json"
    entity.parent.mkdir(parents=True)
    (root / "hotbed.toml").write_text(_CONFIG)
    (root / ".gitignore").write_text(".hotbed/\n__pycache__/\n")
    (root / "README.md").write_text(_README.format(name=root.name))
    (root / "pyproject.toml").write_text(_PYPROJECT.format(name=root.name.lower(), version=__version__))
    entity.write_text(json.dumps(_ENTITY, indent=2) + "\n")
    return Syncer(load_config(root)).sync()
