"""The TypeScript types module of an entity: interfaces for the row, save and list params, subsets; enums as unions."""

from __future__ import annotations

import json
from typing import Any

from hotbed.app.codegen.base import ProjectEntities, header
from hotbed.app.codegen.python_types import list_fields
from hotbed.app.codegen.subsets import SubsetNode, subset_tree
from hotbed.app.entity import Entity, RelationProp
from hotbed.app.entity_props import ArrayProp, EnumProp, description

__all__ = ["render_typescript_types", "typescript_exports"]

_SIMPLE = {
    "integer": "number",
    "bigInteger": "number",
    "number": "number",
    "float": "number",
    "double": "number",
    "numeric": "string",  # decimals travel as strings so no precision is lost
    "decimal": "string",
    "string": "string",
    "text": "string",
    "uuid": "string",
    "boolean": "boolean",
    "date": "string",
    "datetime": "string",
    "timestamp": "string",
    "time": "string",
    "json": "unknown",
    "virtual": "unknown",
    "vector": "number[]",
    "vector[]": "number[][]",
    "tsvector": "string",
}


def _union(values: Any) -> str:
    return " | ".join(json.dumps(v) for v in values) or "never"


def _doc(text: str | None, indent: str) -> list[str]:
    return [f"{indent}/** {' '.join(text.replace('*/', '* /').split())} */"] if text else []


def _type(prop: Any, owner: Entity, entity: Entity) -> str:
    if isinstance(prop, EnumProp):
        return prop.id if owner is entity else f"({_union(owner.enums[prop.id])})"
    if isinstance(prop, ArrayProp):
        return f"{'string' if prop.item_type == 'enum' else _SIMPLE[prop.item_type]}[]"
    return _SIMPLE[prop.type]


def _columns(entity: Entity, project: ProjectEntities) -> list[tuple[str, Any, bool]]:
    names = [] if entity.prop("id") else ["id"]
    names += [
        f"{p.name}_id" if isinstance(p, RelationProp) else p.name
        for p in entity.props
        if (p.is_column if isinstance(p, RelationProp) else p.type != "virtual")
    ]
    return [(name, *project.column_type_prop(entity, name)) for name in names]


def typescript_exports(entity: Entity) -> list[str]:
    """The names the types module exports, so services can import exactly what they use."""
    base = [entity.id, f"{entity.id}SaveParams", f"{entity.id}ListParams", f"{entity.id}SearchField"]
    base += [f"{entity.id}OrderBy", f"{entity.id}SubsetKey", f"{entity.id}SubsetMapping"]
    base += [f"{entity.id}Subset{key}" for key in entity.subsets]
    for enum_id in entity.enums:
        base += [enum_id, f"{enum_id}Labels"]
    return list(dict.fromkeys(base))


def _subset_type(nodes: list[SubsetNode], entity: Entity, indent: str) -> list[str]:
    lines = ["{"]
    for node in nodes:
        if node.relation is None:
            kind = _type(node.prop, node.owner, entity) + (" | null" if node.nullable else "")
            lines.append(f"{indent}  {node.name}: {kind};")
            continue
        nested = _subset_type(node.children, entity, indent + "  ")
        suffix = "[]" if node.relation.is_many else (" | null" if node.nullable else "")
        lines.append(f"{indent}  {node.name}: {nested[0]}")
        lines += nested[1:-1]
        lines.append(f"{nested[-1]}{suffix};")
    lines.append(f"{indent}}}")
    return lines


def render_typescript_types(entity: Entity, project: ProjectEntities) -> bytes:
    eid = entity.id
    out = header("//", project.relative(entity.path))
    for enum_id, members in entity.enums.items():
        out += ["", *_doc(description(entity.document.cone_of("enums", enum_id)), "")]
        out.append(f"export type {enum_id} = {_union(members)};")
        out.append(f"export const {enum_id}Labels: Record<{enum_id}, string> = {{")
        out += [f"  {json.dumps(value)}: {json.dumps(label)}," for value, label in members.items()]
        out.append("};")
    columns = _columns(entity, project)
    out += ["", *_doc(description(entity.document) or entity.document.title, ""), f"export interface {eid} {{"]
    for name, prop, nullable in columns:
        out += _doc(description(prop) if prop.name == name else None, "  ")
        out.append(f"  {name}: {_type(prop, entity, entity)}{' | null' if nullable else ''};")
    out += ["}", "", f"export interface {eid}SaveParams {{"]
    for name, prop, nullable in columns:
        optional = nullable or name == "id" or prop.db_default is not None
        out.append(f"  {name}{'?' if optional else ''}: {_type(prop, entity, entity)}{' | null' if nullable else ''};")
    search, order = list_fields(entity, project)
    out += ["}"]
    aliases = [(f"{eid}SearchField", search), (f"{eid}OrderBy", order)]
    # an enum of that name is already the type
    declared = [f"export type {alias} = {_union(values)};" for alias, values in aliases if alias not in entity.enums]
    out += ["", *declared] if declared else []
    out += ["", f"export interface {eid}ListParams {{", "  page?: number;", "  num?: number;"]
    out += [f"  search?: {eid}SearchField;", "  keyword?: string;", f"  orderBy?: {eid}OrderBy;", "}"]
    subsets = entity.subsets
    for key, fields in subsets.items():
        body = _subset_type(subset_tree(entity, fields, project), entity, "")
        out += ["", *_doc(description(entity.document.cone_of("subsets", key)), "")]
        out += [f"export interface {eid}Subset{key} {body[0]}", *body[1:]]
    out += ["", f"export type {eid}SubsetKey = {_union(subsets)};", f"export interface {eid}SubsetMapping {{"]
    out += [f"  {key}: {eid}Subset{key};" for key in subsets]
    out.append("}")
    return ("\n".join(out) + "\n").encode()
