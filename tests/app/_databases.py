"""Real databases for the model and schema tests: a SQLite file in tmp_path, and a fresh
schema in the throwaway PostgreSQL cluster that `make test` starts (scripts/postgres.sh).
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from hotbed.app import database
from hotbed.app.entity import Entity, parse_entity
from hotbed.app.schema import apply_additive
from hotbed.app.sources import find_entity_files
from hotbed.config import load_config

FIXTURES = Path(__file__).parent / "entity_fixtures"
ENTITY_FILES = {
    "User": "src/application/user/user.entity.json",
    "Post": "src/application/post/post.entity.json",
    "Product": "src/application/product/product.entity.json",
    "Order": "src/application/order/order.entity.json",
}
POSTGRES_URL = os.environ.get("HOTBED_TEST_POSTGRES_URL")


def postgres_bin_dir() -> Path | None:
    """The folder of `initdb` and `pg_ctl`, found the way scripts/postgres.sh finds it."""
    newest = max(Path("/usr/lib/postgresql").glob("*/bin"), key=_version, default=None)
    if newest is not None and all(os.access(newest / name, os.X_OK) for name in ("initdb", "pg_ctl")):
        return newest
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb and shutil.which("pg_ctl") else None


def _version(bin_dir: Path) -> tuple[int, ...]:
    """`/usr/lib/postgresql/9.6/bin` -> (9, 6): the order of `sort -V`."""
    return tuple(int(part) for part in bin_dir.parent.name.split(".") if part.isdigit())


def postgres_skip_reason(bin_dir: Path | None) -> str:
    """Why the PostgreSQL tests skip: no server binaries, or binaries but no cluster started for them."""
    if bin_dir is None:
        return "PostgreSQL server binaries not found; install postgresql to run these"
    return (
        f"PostgreSQL tests run under scripts/postgres.sh (make test), which starts a cluster with {bin_dir};"
        " HOTBED_TEST_POSTGRES_URL is not set"
    )


DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql"),
]


@contextmanager
def throwaway_database(kind: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of `kind`, removed afterwards."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'db.sqlite3'}"
        return
    if POSTGRES_URL is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but HOTBED_TEST_POSTGRES_URL is unset: run the tests with `make test`")
        pytest.skip(postgres_skip_reason(postgres_bin_dir()))
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        yield make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(False)
    finally:
        database.dispose()  # the schema cannot go while pooled connections still use it
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin.dispose()


@contextmanager
def connected(kind: str, tmp_path: Path) -> Iterator[Engine]:
    """A throwaway database made the one models use."""
    with throwaway_database(kind, tmp_path) as url:
        try:
            yield database.connect(url)
        finally:
            database.dispose()


def copy_fixtures(root: Path) -> Path:
    shutil.copytree(FIXTURES, root, dirs_exist_ok=True)
    return root


def load_entities(root: Path) -> list[Entity]:
    files = find_entity_files(load_config(root))
    return [parse_entity(path, path.read_bytes()) for path in files.values()]


def edit_entity(root: Path, entity_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    """Rewrite one entity file of the project copy at `root` through `change(document)`."""
    path = root / ENTITY_FILES[entity_id]
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document, indent=2))


def prop(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in document["props"] if p["name"] == name)


def fixture_schema(engine: Engine, root: Path) -> list[Entity]:
    """The four fixture entities copied to `root` and their tables created on `engine`."""
    entities = load_entities(copy_fixtures(root))
    report = apply_additive(engine, entities)
    assert not report.withheld, report
    return entities
