"""Starting points for hand-written code: a model module and an API module per entity.

They are written once, when missing, and never again: from then on they belong to
the developer.
"""

from __future__ import annotations

from hotbed.codegen.base import ProjectEntities
from hotbed.codegen.layout import module_name, outputs_for
from hotbed.entity import Entity

__all__ = ["render_api_scaffold", "render_model_scaffold"]


def render_model_scaffold(entity: Entity, project: ProjectEntities) -> bytes:
    eid = entity.id
    types = module_name(outputs_for(entity, project.config).types_py, project.config)
    return f'''"""The {eid} model: business logic over the generated {eid} types.

hotbed created this file once; it is yours to edit and is never overwritten.
"""

from {types} import {eid}, {eid}ListParams, {eid}SaveParams

__all__ = ["{eid}Model"]


class {eid}Model:
    entity = {eid}
    save_params = {eid}SaveParams
    list_params = {eid}ListParams
    table = "{entity.table}"
'''.encode()


def render_api_scaffold(entity: Entity, project: ProjectEntities) -> bytes:
    eid = entity.id
    model = module_name(outputs_for(entity, project.config).model_py, project.config)
    return f'''"""The {eid} API: the endpoints under {project.config.api_prefix.rstrip("/")}/{entity.name}/.

hotbed created this file once; it is yours to edit and is never overwritten.
"""

from {model} import {eid}Model

__all__ = ["{eid}Api"]


class {eid}Api:
    model = {eid}Model
'''.encode()
