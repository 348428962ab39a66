"""The Python types module of an entity: pydantic v2 models for the row, save and list params, subsets, enums.

Everything another entity contributes (a foreign key's type, a related field in a
subset) is inlined, so generated modules never import each other and never form cycles.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hotbed.app.codegen.base import ProjectEntities, header
from hotbed.app.codegen.subsets import SubsetNode, subset_tree
from hotbed.app.entity import Entity, RelationProp, enum_member_name, snake_case
from hotbed.app.entity_props import ArrayProp, EnumProp, NumberProp, description, python_name

__all__ = ["list_fields", "render_python_types"]

_SIMPLE = {
    "integer": "int",
    "bigInteger": "int",
    "string": "str",
    "text": "str",
    "number": "float",
    "float": "float",
    "double": "float",
    "numeric": "Decimal",
    "decimal": "Decimal",
    "boolean": "bool",
    "date": "datetime.date",
    "datetime": "datetime.datetime",
    "timestamp": "datetime.datetime",
    "time": "datetime.time",
    "uuid": "uuid.UUID",
    "json": "JsonValue",
    "virtual": "JsonValue",
    "vector": "list[float]",
    "vector[]": "list[list[float]]",
    "tsvector": "str",
}


def _q(value: str) -> str:
    """A Python string literal in double quotes (JSON's escapes are valid Python)."""
    return json.dumps(value, ensure_ascii=False)


def list_fields(entity: Entity, project: ProjectEntities) -> tuple[list[str], list[str]]:
    """Search fields and order options of an entity's list params.

    The entity's own `<Entity>SearchField` / `<Entity>OrderBy` enums win, as in Sonamu;
    otherwise id and the text columns, newest or oldest first.
    """
    search = ["id", *(p.name for p in entity.columns if p.type in ("string", "text") and p.name != "id")]
    order = ["id-desc", "id-asc"]
    search = list(entity.enums.get(f"{entity.id}SearchField", search))
    return search, list(entity.enums.get(f"{entity.id}OrderBy", order))


def _columns(entity: Entity) -> list[str]:
    names = [] if entity.prop("id") else ["id"]
    for prop in entity.props:
        if isinstance(prop, RelationProp):
            if prop.is_column:
                names.append(f"{prop.name}_id")
        elif prop.type != "virtual":
            names.append(prop.name)
    return names


class _Module:
    def __init__(self, entity: Entity, project: ProjectEntities) -> None:
        self.entity = entity
        self.project = project
        self.body: list[str] = []
        self.names: list[str] = []

    def type_of(self, prop: Any, owner: Entity) -> str:
        if isinstance(prop, EnumProp):
            if owner is self.entity:
                return prop.id
            values = owner.enums[prop.id]
            return f"Literal[{', '.join(_q(v) for v in values)}]"
        if isinstance(prop, ArrayProp):
            item = "str" if prop.item_type == "enum" else _SIMPLE[prop.item_type]
            return f"list[{item}]"
        return _SIMPLE[prop.type]

    @staticmethod
    def field_args(prop: Any) -> list[str]:
        args: list[str] = []
        if getattr(prop, "length", None) and prop.type == "string":
            args.append(f"max_length={prop.length}")
        if getattr(prop, "unsigned", False):
            args.append("ge=0")
        if isinstance(prop, NumberProp) and prop.exact:
            if prop.precision is not None:
                args.append(f"max_digits={prop.precision}")
            if prop.scale is not None:
                args.append(f"decimal_places={prop.scale}")
        if description(prop):
            args.append(f"description={_q(description(prop) or '')}")
        return args

    def field(self, name: str, kind: str, args: list[str], optional: bool) -> str:
        attribute = python_name(name)
        if attribute != name:
            args = [f"alias={_q(name)}", *args]
        if optional:
            kind = kind if kind.endswith("| None") or kind == "JsonValue" else f"{kind} | None"
        if args:
            kind = f"Annotated[{kind}, Field({', '.join(args)})]"
        return f"    {attribute}: {kind}" + (" = None" if optional else "")

    def model(self, name: str, fields: list[str], title: str | None = None, doc: str | None = None) -> None:
        self.names.append(name)
        self.body += ["", "", f"class {name}(BaseModel):"]
        if doc:
            self.body.append(f"    {_q(doc)}")
        # Props named like Python keywords live under an alias: JSON keeps the entity's name.
        config = "from_attributes=True, validate_by_name=True, serialize_by_alias=True"
        config += f", title={_q(title)}" if title else ""
        self.body.append(f"    model_config = ConfigDict({config})")
        self.body += ["", *fields] if fields else []

    def enums(self) -> None:
        for enum_id, members in self.entity.enums.items():
            self.names.append(enum_id)
            self.body += ["", "", f"class {enum_id}(enum.StrEnum):"]
            doc = description(self.entity.document.cone_of("enums", enum_id))
            self.body += [f"    {_q(doc)}", ""] if doc else []
            self.body += [f"    {enum_member_name(value)} = {_q(value)}" for value in members]
            labels = f"{snake_case(enum_id).upper()}_LABELS"
            self.names.append(labels)
            self.body += ["", "", f"{labels}: dict[{enum_id}, str] = {{"]
            self.body += [f"    {enum_id}.{enum_member_name(v)}: {_q(label)}," for v, label in members.items()]
            self.body.append("}")

    def row(self) -> None:
        fields = []
        for name in _columns(self.entity):
            prop, nullable = self.project.column_type_prop(self.entity, name)
            args = self.field_args(prop) if prop.name == name else []
            fields.append(self.field(name, self.type_of(prop, self.entity), args, nullable))
        self.model(self.entity.id, fields, self.entity.document.title, description(self.entity.document))

    def save_params(self) -> None:
        fields = []
        for name in _columns(self.entity):
            prop, nullable = self.project.column_type_prop(self.entity, name)
            optional = nullable or name == "id" or prop.db_default is not None
            args = self.field_args(prop) if prop.name == name else []
            fields.append(self.field(name, self.type_of(prop, self.entity), args, optional))
        self.model(f"{self.entity.id}SaveParams", fields)

    def default(self, alias: str, value: str) -> str:
        return f"{alias}.{enum_member_name(value)}" if alias in self.entity.enums else _q(value)

    def list_params(self) -> None:
        search, order = list_fields(self.entity, self.project)
        entity_id = self.entity.id
        for alias, values in ((f"{entity_id}SearchField", search), (f"{entity_id}OrderBy", order)):
            if alias not in self.entity.enums:  # an enum of that name is already the type
                self.names.append(alias)
                self.body += ["", "", f"{alias} = Literal[{', '.join(_q(v) for v in values)}]"]
        fields = [
            "    page: Annotated[int, Field(ge=1)] = 1",
            "    num: Annotated[int, Field(ge=1, le=1000)] = 24",
            f"    search: {entity_id}SearchField = {self.default(f'{entity_id}SearchField', search[0])}",
            "    keyword: str | None = None",
            # Sonamu's name on the wire and in TypeScript; `order_by` in Python.
            f'    order_by: Annotated[{entity_id}OrderBy, Field(alias="orderBy")]'
            f" = {self.default(f'{entity_id}OrderBy', order[0])}",
        ]
        self.model(f"{entity_id}ListParams", fields)

    def subset(self, class_name: str, nodes: list[SubsetNode], doc: str | None = None) -> None:
        fields = []
        for node in nodes:
            if node.relation is None:
                kind = self.type_of(node.prop, node.owner)
                fields.append(self.field(node.name, kind, [], node.nullable))
                continue
            nested = f"{class_name}{node.name[0].upper()}{node.name[1:]}"
            self.subset(nested, node.children)
            kind = f"list[{nested}]" if node.relation.is_many else nested
            fields.append(self.field(node.name, kind, [], node.nullable and not node.relation.is_many))
        self.model(class_name, fields, doc=doc)

    def subsets(self) -> None:
        subsets = self.entity.subsets
        for key, fields in subsets.items():
            doc = description(self.entity.document.cone_of("subsets", key))
            self.subset(f"{self.entity.id}Subset{key}", subset_tree(self.entity, fields, self.project), doc)
        table = f"{self.entity.name.upper()}_SUBSETS"
        self.names.append(table)
        self.body += ["", "", f"{table}: dict[str, type[BaseModel]] = {{"]
        self.body += [f"    {_q(key)}: {self.entity.id}Subset{key}," for key in subsets]
        self.body.append("}")

    def render(self) -> str:
        self.enums()
        self.row()
        self.save_params()
        self.list_params()
        self.subsets()
        code = "\n".join(self.body)
        imports = []
        if "datetime." in code or "datetime.time" in code:
            imports.append("import datetime")
        if "enum.StrEnum" in code:
            imports.append("import enum")
        if "uuid.UUID" in code:
            imports.append("import uuid")
        if "Decimal" in code:
            imports.append("from decimal import Decimal")
        typing = [name for name in ("Annotated", "Literal") if re.search(rf"\b{name}\[", code)]
        if typing:
            imports.append(f"from typing import {', '.join(typing)}")
        pydantic = ["BaseModel", "ConfigDict"]
        pydantic += [name for name in ("Field", "JsonValue") if re.search(rf"\b{name}\b", code)]
        source = self.project.relative(self.entity.path)
        lines = [
            *header("#", source),
            f'"""Types of the {self.entity.id} entity."""',
            "",
            *imports,
            *([""] if imports else []),
            f"from pydantic import {', '.join(sorted(pydantic))}",
            "",
            "__all__ = [",
            *(f"    {_q(name)}," for name in sorted(self.names)),
            "]",
        ]
        return "\n".join(lines) + "\n" + code + "\n"


def render_python_types(entity: Entity, project: ProjectEntities) -> bytes:
    return _Module(entity, project).render().encode()
