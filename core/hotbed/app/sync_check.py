"""`hotbed sync --check`: is anything derived from the entity files behind them? (for CI)

Nothing is written. Generated Python and TypeScript types are compared byte for byte
with what a sync would write; the database is compared with the entities, and every
difference is listed with the SQL that would apply it (or why it is withheld). The
TypeScript services are left out: they follow the registered APIs, which only a running
project knows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError

from hotbed.app.codegen import ProjectEntities, generate_entity, generate_shared
from hotbed.app.codegen.layout import outputs_for
from hotbed.app.database import get_engine, resolve_url
from hotbed.app.entity import check_project, parse_entity
from hotbed.app.schema import plan_schema
from hotbed.app.sources import find_entity_files
from hotbed.config import ProjectConfig
from hotbed.exceptions import EntityError

__all__ = ["SyncCheck", "check_sync"]


@dataclass(frozen=True, slots=True)
class SyncCheck:
    """What is behind; `ok` when nothing is."""

    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_sync(config: ProjectConfig) -> SyncCheck:
    problems: list[str] = []
    entities = []
    for path in find_entity_files(config).values():
        try:
            entities.append(parse_entity(path, path.read_bytes()))
        except EntityError as exc:
            problems += [f"entity error: {d}" for d in exc.diagnostics]
    problems += [f"entity error: {d}" for d in check_project(entities)]
    if problems:
        return SyncCheck(problems)
    project = ProjectEntities(config, {e.id: e for e in entities})
    files = generate_shared(project)
    for entity in entities:
        service = outputs_for(entity, config).service_ts
        files += [f for f in generate_entity(entity, project, None) if f.kind == "generated" and f.path != service]
    for item in files:
        relative = project.relative(item.path)
        if not item.path.exists():
            problems.append(f"missing: {relative}")
        elif item.path.read_bytes() != item.content:
            problems.append(f"out of date: {relative}")
    problems += _database_problems(config, project)
    return SyncCheck(problems)


def _database_problems(config: ProjectConfig, project: ProjectEntities) -> list[str]:
    url = resolve_url(config.database_url, config.root)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).exists():
        return [f"database: {url.database} does not exist yet (hotbed dev creates it)"]
    engine = get_engine(url)
    try:
        plan = plan_schema(engine, project.by_id.values())
    except SQLAlchemyError as exc:
        return [f"database: cannot be read: {exc}"]
    problems = []
    for change in plan.additive:
        sql = "; ".join(str(s.compile(dialect=engine.dialect)).strip() for s in change.statements)
        problems.append(f"database: {change.message} -- would apply: {sql}")
    problems += [f"database (withheld, apply by hand): {change.message}" for change in plan.withheld]
    return problems
