"""Subsets as trees: `["id", "author.name"]` becomes `id` plus a nested `author` with `name`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hotbed.app.codegen.base import ProjectEntities
from hotbed.app.entity import Entity, RelationProp

__all__ = ["SubsetNode", "subset_tree"]


@dataclass(slots=True)
class SubsetNode:
    """A field of a subset: a column of `owner` (`prop` set) or a relation with `children`."""

    name: str
    owner: Entity
    prop: Any = None
    nullable: bool = False
    relation: RelationProp | None = None
    children: list[SubsetNode] = field(default_factory=list)


def subset_tree(entity: Entity, fields: tuple[str, ...], project: ProjectEntities) -> list[SubsetNode]:
    roots: list[SubsetNode] = []
    for dotted in fields:
        level, owner = roots, entity
        parts = dotted.split(".")
        for part in parts[:-1]:
            relation = owner.prop(part)
            assert isinstance(relation, RelationProp), f"{dotted}: checked by check_project"
            node = next((n for n in level if n.name == part), None)
            if node is None:
                node = SubsetNode(part, owner, nullable=relation.nullable, relation=relation)
                level.append(node)
            level, owner = node.children, project.target(relation)
        if not any(n.name == parts[-1] for n in level):
            prop, nullable = project.column_type_prop(owner, parts[-1])
            level.append(SubsetNode(parts[-1], owner, prop=prop, nullable=nullable))
    return roots
