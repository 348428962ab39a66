"""SQLAlchemy 2 and SQLModel: a re-executed module's mapped classes and tables leave their registries.

Without this, the new version of a models module fails with "Table 'users' is already
defined for this MetaData instance" (declarative, imperative and SQLModel alike), or maps
a second class under a name the string lookups of `relationship("User")` find twice.
Mapped classes belong to the module named by their `__module__`; a table belongs to the
class mapped to it, else to the module that was executing when it joined its `MetaData`
(recorded from the first reload on), else to the module whose globals hold it. A table the
new version still references (imported from elsewhere) is put back at the commit.
"""

from __future__ import annotations

import sys
import weakref
from collections.abc import Sequence
from types import ModuleType
from typing import Any

from sqlalchemy import MetaData, Table, event
from sqlalchemy.orm import RelationshipProperty, clsregistry
from sqlalchemy.orm.decl_api import registry as Registry
from sqlalchemy.orm.mapper import _mapper_registries

from hotbed.reload.integrations.registry import Replaced, Undo

__all__ = ["SQLAlchemyIntegration"]

_LIBRARY_PREFIXES = ("sqlalchemy.", "sqlmodel.", "sqlalchemy", "sqlmodel")


def _executing_module() -> str | None:
    """The `__name__` of the innermost frame outside SQLAlchemy and SQLModel."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if not name.startswith(_LIBRARY_PREFIXES):
            return str(name)
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _target(argument: Any) -> Any:
    """What a `relationship()` argument names: a class, a mapper, a string, or a callable giving one."""
    if callable(argument) and not isinstance(argument, type):
        try:
            argument = argument()
        except Exception:
            return None
    return getattr(argument, "class_", argument)


def _points_at(mapper: Any, classes: set[Any], class_names: set[str], tables: set[Table], names: set[str]) -> bool:
    for prop in mapper.relationships if mapper.configured else mapper._init_properties.values():
        if not isinstance(prop, RelationshipProperty):
            continue
        target = _target(prop.argument)
        if target in classes or (isinstance(target, str) and target in class_names):
            return True
        secondary = _target(getattr(prop, "secondary", None))
        if secondary in tables or (isinstance(secondary, str) and secondary in names):
            return True
    local = getattr(mapper, "local_table", None)
    if isinstance(local, Table):
        for fk in local.foreign_keys:
            if fk.target_fullname.rpartition(".")[0] in names:
                return True
    return False


class SQLAlchemyIntegration:
    def __init__(self) -> None:
        self.owners: weakref.WeakKeyDictionary[Table, str] = weakref.WeakKeyDictionary()
        self.taken: dict[str, list[Table]] = {}
        event.listen(Table, "after_parent_attach", self._attached)

    def _attached(self, table: Table, parent: Any) -> None:
        if isinstance(parent, MetaData):
            owner = _executing_module()
            if owner is not None:
                self.owners[table] = owner

    def also(self, name: str, old: ModuleType) -> list[str]:
        """Modules whose mapped classes point at `name`'s by relationship, secondary table or foreign
        key: configured against the old classes, they are renewed only by running again."""
        classes = {
            manager.class_
            for reg in list(_mapper_registries)
            for manager in list(reg._managers)
            if getattr(manager.class_, "__module__", None) == name
        }
        tables = {t for c in classes if isinstance(t := getattr(c, "__table__", None), Table)}
        tables |= {t for t in vars(old).values() if isinstance(t, Table)}
        if not classes and not tables:
            return []
        class_names = {c.__name__ for c in classes} | {f"{c.__module__}.{c.__name__}" for c in classes}
        table_names = {t.fullname for t in tables}
        found: set[str] = set()
        for reg in list(_mapper_registries):
            for manager in list(reg._managers):
                cls = manager.class_
                module = getattr(cls, "__module__", None)
                if module is None or module == name or module in found:
                    continue
                if _points_at(manager.mapper, classes, class_names, tables, table_names):
                    found.add(module)
        return sorted(found)

    def take_out(self, name: str, old: ModuleType) -> Undo | None:
        classes: list[tuple[Registry, Any, Any]] = []
        tables: list[Table] = []
        metadatas: set[MetaData] = set()
        for reg in list(_mapper_registries):
            metadatas.add(reg.metadata)
            for manager in list(reg._managers):
                cls = manager.class_
                if getattr(cls, "__module__", None) == name:
                    classes.append((reg, cls, manager))
                    local = getattr(manager.mapper, "local_table", None)
                    if isinstance(local, Table):
                        tables.append(local)
        for value in vars(old).values():
            if isinstance(value, MetaData):
                metadatas.add(value)
            elif isinstance(value, Table) and value.metadata is not None:
                metadatas.add(value.metadata)
        bound = {id(v) for v in vars(old).values() if isinstance(v, Table)}
        for metadata in metadatas:
            for table in metadata.tables.values():
                owner = self.owners.get(table)
                if table not in tables and (owner == name or (owner is None and id(table) in bound)):
                    tables.append(table)
        if not classes and not tables:
            return None
        for reg, cls, manager in classes:
            reg._dispose_cls(cls)
            reg._managers.pop(manager, None)
        removed = []
        for table in tables:
            metadata = table.metadata
            if metadata.tables.get(table.key) is table:
                metadata.remove(table)
                removed.append(table)
        self.taken[name] = removed

        def undo() -> None:
            # Whatever the failed new version registered goes first, then the old entries return.
            self._discard_new(name, {id(c) for _, c, _ in classes})
            for table in removed:
                table.metadata._add_table(table.name, table.schema, table)
            for reg, cls, manager in classes:
                reg._managers[manager] = True
                clsregistry._add_class(cls.__name__, cls, reg._class_registry)
            self.taken.pop(name, None)

        return undo

    def _discard_new(self, name: str, keep: set[int]) -> None:
        for reg in list(_mapper_registries):
            for manager in list(reg._managers):
                cls = manager.class_
                if getattr(cls, "__module__", None) == name and id(cls) not in keep:
                    reg._dispose_cls(cls)
                    reg._managers.pop(manager, None)
                    local = getattr(manager.mapper, "local_table", None)
                    if isinstance(local, Table) and local.metadata.tables.get(local.key) is local:
                        local.metadata.remove(local)
            for table in list(reg.metadata.tables.values()):
                if self.owners.get(table) == name:
                    reg.metadata.remove(table)

    def restart(self, replaced: Sequence[Replaced]) -> list[tuple[str, str]]:
        return []

    def commit(self, replaced: Sequence[Replaced]) -> None:
        for item in replaced:
            removed = self.taken.pop(item.name, [])
            if item.new is None:
                continue
            referenced = {id(v) for v in vars(item.new).values()}
            for table in removed:
                # Imported from a module that did not run again: still the live table.
                if id(table) in referenced and table.key not in table.metadata.tables:
                    table.metadata._add_table(table.name, table.schema, table)
        self.taken.clear()
