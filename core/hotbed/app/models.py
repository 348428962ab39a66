"""`BaseModel`: an entity's rows as objects of the model class, and the few queries APIs need.

A model names its entity with `entity = "User"` (or the generated `User` type), or by
its own name (`UserModel` -> `User`); `table = "..."` overrides the table. Rows come
back as instances of the model, so methods defined on it work on them:

    class UserModel(BaseModel):
        def is_active(self) -> bool:
            return self.status == "active" and self.deleted_at is None

    user = UserModel.find_by_id(1)          # NotFoundError (404) when missing
    user.is_active()
    UserModel.find_many(where={"name": {"$like": "%jo%"}, "deleted_at": None},
                        order_by="id-desc", limit=10, offset=20)
    UserModel.find_page(params)             # generated UserListParams: keyword, search, orderBy, page, num
    UserModel.save({"name": "Jo", "email": "jo@example.com"})   # insert; with "id": update
    UserModel.delete(1)

`where` maps a column to a value (`None` matches NULL) or to a dict of operators, all
of which must hold: `$eq`, `$ne` (NULL counts as different), `$lt`, `$lte`, `$gt`,
`$gte`, `$in`, `$nin`, `$like` (the database's LIKE: SQLite ignores ASCII case, PostgreSQL
does not) and `$ilike` (case-insensitive on every database).
`order_by` is `"column"`, `"column-asc"` or `"column-desc"` (the generated list params'
`"id-desc"` fits), or a list of them; rows are ordered by id when it is not given.

Nothing here is keyed by class: each call finds its table by database and entity id,
so the new class object a reload creates keeps working on the same table at once.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, Self

from pydantic import BaseModel as PydanticModel
from sqlalchemy import ColumnElement, Connection, Integer, Table, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from hotbed.app.database import connection, current_engine
from hotbed.app.entity import snake_case
from hotbed.app.schema import bound_table
from hotbed.exceptions import BadRequestError, NotFoundError

__all__ = ["BaseModel", "OrderBy", "Where"]

Where = Mapping[str, Any]
OrderBy = str | Sequence[str]

_OPERATORS: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "$eq": lambda column, value: column.is_(None) if value is None else column == value,
    "$ne": lambda column, value: column.is_distinct_from(value),
    "$lt": lambda column, value: column < value,
    "$lte": lambda column, value: column <= value,
    "$gt": lambda column, value: column > value,
    "$gte": lambda column, value: column >= value,
    "$in": lambda column, value: column.in_(_values(value)),
    "$nin": lambda column, value: column.not_in(_values(value)),
    "$like": lambda column, value: column.like(value),
    "$ilike": lambda column, value: column.ilike(value),
}


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _values(value: Any) -> list[Any]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise BadRequestError(f"$in and $nin take a list of values, got {value!r}")
    return [_plain(item) for item in value]


def _reason(exc: IntegrityError) -> str:
    """The database's own first line, without SQLAlchemy's statement dump."""
    return (str(exc.orig) if exc.orig else str(exc)).strip().splitlines()[0]


def _catch_up_sequence(conn: Connection, table: Table) -> None:
    """After an insert with an explicit id, move PostgreSQL's id sequence past it, so the next
    insert without one does not collide. SQLite always continues from the largest id."""
    if conn.dialect.name != "postgresql" or not isinstance(table.c.id.type, Integer):
        return
    sequence = func.pg_get_serial_sequence(table.name, "id")
    conn.execute(select(func.setval(sequence, select(func.max(table.c.id)).scalar_subquery())))


def _is_operators(value: Any) -> bool:
    return isinstance(value, Mapping) and bool(value) and all(str(key).startswith("$") for key in value)


class BaseModel:
    """Base class of models; see the module docstring for the query forms."""

    entity: ClassVar[str | type | None] = None
    table: ClassVar[str | None] = None

    def __init__(self, **values: Any) -> None:
        self.__dict__.update(values)

    if TYPE_CHECKING:  # columns are set per row; to a type checker any attribute is a column

        def __getattr__(self, name: str) -> Any: ...

    # -- binding ------------------------------------------------------------------------

    @classmethod
    def entity_id(cls) -> str:
        """The entity this model serves: `entity` (a name or the generated type), else the class name."""
        if isinstance(cls.entity, str):
            return cls.entity
        if isinstance(cls.entity, type):
            return cls.entity.__name__
        return cls.__name__.removesuffix("Model")

    @classmethod
    def _table(cls) -> Table:
        entity_id = cls.entity_id()
        return bound_table(current_engine(), entity_id, cls.table or f"{snake_case(entity_id)}s")

    @classmethod
    def _row(cls, values: Mapping[Any, Any]) -> Self:
        row = cls.__new__(cls)  # a subclass's __init__ is for its own callers, not for loading rows
        row.__dict__.update(values)
        return row

    @classmethod
    def _column(cls, table: Table, name: str, purpose: str) -> Any:
        if name not in table.c:
            known = ", ".join(table.c.keys())
            raise BadRequestError(f"{cls.entity_id()} has no column {name!r} to {purpose} (columns: {known})")
        return table.c[name]

    # -- queries ------------------------------------------------------------------------

    @classmethod
    def _conditions(cls, table: Table, where: Where | None) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        for name, value in (where or {}).items():
            column = cls._column(table, name, "filter on")
            if not _is_operators(value):
                conditions.append(_OPERATORS["$eq"](column, _plain(value)))
                continue
            for operator, operand in value.items():
                build = _OPERATORS.get(operator)
                if build is None:
                    raise BadRequestError(
                        f"unknown operator {operator!r} on {name!r}; use one of {', '.join(_OPERATORS)}"
                    )
                conditions.append(build(column, _plain(operand)))
        return conditions

    @classmethod
    def _ordering(cls, table: Table, order_by: OrderBy | None) -> list[Any]:
        items = [order_by] if isinstance(order_by, str) else list(order_by or ())
        clauses = []
        for item in items:
            name, _, direction = item.partition("-")
            if direction not in ("", "asc", "desc"):
                raise BadRequestError(f"cannot order by {item!r}: use 'column', 'column-asc' or 'column-desc'")
            column = cls._column(table, name, "order by")
            clauses.append(column.desc() if direction == "desc" else column.asc())
        return clauses or [table.c.id.asc()]

    @classmethod
    def find_by_id(cls, id: Any) -> Self:
        """The row with this id.

        Raises:
            NotFoundError: there is none (the API answers 404).
        """
        table = cls._table()
        with connection() as conn:
            row = conn.execute(select(table).where(table.c.id == id)).mappings().first()
        if row is None:
            raise NotFoundError(f"{cls.entity_id()} {id!r} not found")
        return cls._row(row)

    @classmethod
    def find_many(
        cls,
        where: Where | None = None,
        *,
        limit: int | None = None,
        offset: int | None = None,
        order_by: OrderBy | None = None,
    ) -> list[Self]:
        """The rows matching every condition of `where`, ordered, then paged by `offset` and `limit`."""
        if (limit is not None and limit < 0) or (offset is not None and offset < 0):
            raise BadRequestError(f"limit and offset cannot be negative (limit={limit}, offset={offset})")
        table = cls._table()
        query = select(table).where(*cls._conditions(table, where)).order_by(*cls._ordering(table, order_by))
        if limit is not None:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        with connection() as conn:
            return [cls._row(row) for row in conn.execute(query).mappings()]

    @classmethod
    def find_page(cls, params: Any) -> list[Self]:
        """The rows generated `<Entity>ListParams` ask for, as Sonamu's list does.

        `keyword` is looked for in the `search` field (the id compared for equality, any
        other field with LIKE `%keyword%`), rows ordered by `orderBy`, then page `page` of
        `num` rows.
        """
        table = cls._table()
        where: dict[str, Any] = {}
        keyword, search = getattr(params, "keyword", None), str(getattr(params, "search", "id"))
        if keyword and search == "id" and isinstance(table.c.id.type, Integer):
            if not keyword.isdigit():
                return []  # no integer id matches it
            where["id"] = int(keyword)
        elif keyword:
            where[search] = keyword if search == "id" else {"$like": f"%{keyword}%"}
        num = getattr(params, "num", 24)
        offset = (getattr(params, "page", 1) - 1) * num
        return cls.find_many(where, order_by=str(getattr(params, "order_by", "id-desc")), limit=num, offset=offset)

    @classmethod
    def find_one(cls, where: Where | None = None, *, order_by: OrderBy | None = None) -> Self | None:
        """The first row `find_many` would return, or None."""
        rows = cls.find_many(where, limit=1, order_by=order_by)
        return rows[0] if rows else None

    @classmethod
    def count(cls, where: Where | None = None) -> int:
        """How many rows match `where` (for a list API's total)."""
        table = cls._table()
        query = select(func.count()).select_from(table).where(*cls._conditions(table, where))
        with connection() as conn:
            return int(conn.execute(query).scalar_one())

    # -- writes -------------------------------------------------------------------------

    @classmethod
    def save(cls, data: Mapping[str, Any] | PydanticModel | BaseModel) -> Self:
        """Insert `data`, or update the row whose id it carries (only the columns given); returns the row as saved.

        A row with the given id that does not exist yet is inserted with that id.
        Database defaults are filled in on the returned row.

        Raises:
            BadRequestError: a key that is not a column, or a constraint the database enforces
                (NOT NULL, unique, foreign key).
        """
        if isinstance(data, PydanticModel):
            data = data.model_dump(exclude_unset=True)
        elif isinstance(data, BaseModel):
            data = data.to_dict()
        table = cls._table()
        values = {cls._column(table, name, "save").key: _plain(value) for name, value in data.items()}
        row_id = values.pop("id", None)
        try:
            with connection() as conn:
                updated = 0
                if row_id is not None and values:
                    updated = conn.execute(update(table).where(table.c.id == row_id).values(values)).rowcount
                elif row_id is not None:
                    updated = len(conn.execute(select(table.c.id).where(table.c.id == row_id)).all())
                if not updated:
                    explicit = row_id is not None
                    statement = insert(table).values({**values, **({"id": row_id} if explicit else {})})
                    row_id = conn.execute(statement).inserted_primary_key[0]  # type: ignore[index]
                    if explicit:
                        _catch_up_sequence(conn, table)
                row = conn.execute(select(table).where(table.c.id == row_id)).mappings().one()
        except IntegrityError as exc:
            raise BadRequestError(f"cannot save {cls.entity_id()}: {_reason(exc)}") from exc
        return cls._row(row)

    @classmethod
    def delete(cls, id: Any) -> bool:
        """Delete the row with this id; False when there was none."""
        table = cls._table()
        try:
            with connection() as conn:
                return bool(conn.execute(delete(table).where(table.c.id == id)).rowcount)
        except IntegrityError as exc:
            raise BadRequestError(f"cannot delete {cls.entity_id()} {id!r}: {_reason(exc)}") from exc

    def update(self, values: Mapping[str, Any]) -> Self:
        """Save `values` on this row and refresh this object with the row as saved."""
        saved = type(self).save({**values, "id": self.__dict__["id"]})
        self.__dict__.update(saved.__dict__)
        return self

    # -- the row ------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The row's values by column name (a copy)."""
        return {key: value for key, value in self.__dict__.items() if not key.startswith("_")}

    def __eq__(self, other: object) -> bool:
        # Compared by entity, not class: a row loaded before a reload equals the same row loaded after it.
        if not isinstance(other, BaseModel):
            return NotImplemented
        return type(self).entity_id() == type(other).entity_id() and self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        fields = ", ".join(f"{key}={value!r}" for key, value in self.to_dict().items())
        return f"{type(self).__name__}({fields})"
