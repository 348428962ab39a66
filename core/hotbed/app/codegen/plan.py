"""All outputs of one entity, and the files every project shares."""

from __future__ import annotations

from hotbed.app.codegen.base import GeneratedFile, ProjectEntities
from hotbed.app.codegen.layout import outputs_for
from hotbed.app.codegen.python_types import render_python_types
from hotbed.app.codegen.scaffolds import render_api_scaffold, render_model_scaffold
from hotbed.app.codegen.typescript_services import ApiSource, default_apis, render_service, render_shared_client
from hotbed.app.codegen.typescript_types import render_typescript_types
from hotbed.app.entity import Entity, RelationProp

__all__ = ["generate_entity", "generate_shared", "inputs_of"]


def generate_entity(
    entity: Entity, project: ProjectEntities, api_source: ApiSource | None = None
) -> list[GeneratedFile]:
    outputs = outputs_for(entity, project.config)
    apis = api_source(entity) if api_source is not None else None
    return [
        GeneratedFile(outputs.types_py, render_python_types(entity, project)),
        GeneratedFile(outputs.types_ts, render_typescript_types(entity, project)),
        GeneratedFile(outputs.service_ts, render_service(entity, project, apis or default_apis(entity, project))),
        GeneratedFile(outputs.model_py, render_model_scaffold(entity, project), "scaffold"),
        GeneratedFile(outputs.api_py, render_api_scaffold(entity, project), "scaffold"),
    ]


def generate_shared(project: ProjectEntities) -> list[GeneratedFile]:
    return [GeneratedFile(project.config.frontend_path / "hotbed.ts", render_shared_client())]


def inputs_of(entity: Entity, project: ProjectEntities) -> set[str]:
    """Ids of the entities whose content shapes `entity`'s outputs: relation targets and subset paths."""
    used = {relation.with_ for relation in entity.relations}
    for fields in entity.subsets.values():
        for dotted in fields:
            owner = entity
            for part in dotted.split(".")[:-1]:
                relation = owner.prop(part)
                if not isinstance(relation, RelationProp) or relation.with_ not in project.by_id:
                    break
                owner = project.target(relation)
                used.add(owner.id)
    used.discard(entity.id)
    return used
