"""Starting points for hand-written code: a model module and an API module per entity.

They are written once, when missing, and never again: from then on they belong to
the developer.
"""

from __future__ import annotations

from hotbed.app.codegen.base import ProjectEntities
from hotbed.app.codegen.layout import module_name, outputs_for
from hotbed.app.entity import Entity

__all__ = ["render_api_scaffold", "render_model_scaffold"]


def render_model_scaffold(entity: Entity, project: ProjectEntities) -> bytes:
    eid = entity.id
    types = module_name(outputs_for(entity, project.config).types_py, project.config)
    id_type = "str" if entity.id_prop.type in ("string", "uuid") else "int"
    return f'''"""The {eid} model: business logic over the {eid} rows, and its APIs.

hotbed created this file once; it is yours to edit and is never overwritten.
"""

from hotbed import BaseModel, api

from {types} import {eid}

__all__ = ["{eid}Model"]


class {eid}Model(BaseModel):
    entity = {eid}

    @api(http_method="GET")
    @classmethod
    def get(cls, id: {id_type}) -> {eid}:
        """One {eid} by id."""
        return {eid}.model_validate(cls.find_by_id(id), from_attributes=True)

    @api(http_method="GET")
    @classmethod
    def list(cls, page: int = 1, num: int = 20) -> list[{eid}]:
        """A page of {eid} rows, newest first."""
        rows = cls.find_many(order_by="id-desc", limit=num, offset=(page - 1) * num)
        return [{eid}.model_validate(row, from_attributes=True) for row in rows]
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
