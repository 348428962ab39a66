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

from {types} import {eid}, {eid}ListParams

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
    def list(cls, params: {eid}ListParams) -> list[{eid}]:
        """A page of {eid} rows: `keyword` looked for in the `search` field, ordered by `orderBy`."""
        return [{eid}.model_validate(row, from_attributes=True) for row in cls.find_page(params)]
'''.encode()


def render_api_scaffold(entity: Entity, project: ProjectEntities) -> bytes:
    eid = entity.id
    config = project.config
    model = module_name(outputs_for(entity, config).model_py, config)
    types = module_name(outputs_for(entity, config).types_py, config)
    id_type = "str" if entity.id_prop.type in ("string", "uuid") else "int"
    return f'''"""The {eid} API: the endpoints under {config.api_prefix.rstrip("/")}/{entity.name}/ that change rows.

hotbed created this file once; it is yours to edit and is never overwritten.
"""

from hotbed import NotFoundError, api

from {model} import {eid}Model
from {types} import {eid}, {eid}SaveParams

__all__ = ["{eid}Api"]


class {eid}Api:
    model = {eid}Model

    @api(http_method="POST")
    def create(self, form: {eid}SaveParams) -> {eid}:
        """Insert a {eid}; the database fills in its defaults."""
        row = {eid}Model.save(form.model_dump(exclude_unset=True, exclude={{"id"}}))
        return {eid}.model_validate(row, from_attributes=True)

    @api(http_method="POST")
    def update(self, id: {id_type}, form: {eid}SaveParams) -> {eid}:
        """Change the fields given on the {eid} `id`."""
        row = {eid}Model.find_by_id(id).update(form.model_dump(exclude_unset=True, exclude={{"id"}}))
        return {eid}.model_validate(row, from_attributes=True)

    @api(http_method="POST")
    def delete(self, id: {id_type}) -> bool:
        """Delete the {eid} `id`."""
        if not {eid}Model.delete(id):
            raise NotFoundError(f"no {eid} {{id}}")
        return True
'''.encode()
