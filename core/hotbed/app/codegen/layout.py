"""Where each entity's outputs live: Python next to the entity file, TypeScript under the frontend folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hotbed.app.entity import Entity
from hotbed.config import ProjectConfig

__all__ = ["EntityOutputs", "module_name", "outputs_for"]


@dataclass(frozen=True, slots=True)
class EntityOutputs:
    types_py: Path
    model_py: Path
    api_py: Path
    types_ts: Path
    service_ts: Path

    @property
    def generated(self) -> tuple[Path, ...]:
        """The files hotbed owns (rewritten on every change); scaffolds are not among them."""
        return (self.types_py, self.types_ts, self.service_ts)


def outputs_for(entity: Entity, config: ProjectConfig) -> EntityOutputs:
    folder = entity.path.parent
    frontend = config.frontend_path
    return EntityOutputs(
        types_py=folder / f"{entity.name}_types.py",
        model_py=folder / f"{entity.name}_model.py",
        api_py=folder / f"{entity.name}_api.py",
        types_ts=frontend / f"{entity.name}.types.ts",
        service_ts=frontend / f"{entity.id}Service.ts",
    )


def module_name(path: Path, config: ProjectConfig) -> str:
    """The dotted import name of `path`, relative to the source root (the folder on `sys.path`)."""
    base = config.source_path
    try:
        relative = path.with_suffix("").relative_to(base)
    except ValueError:
        relative = path.with_suffix("").relative_to(config.root)
    return ".".join(relative.parts)
