"""The props of an entity file: one pydantic model per group of Sonamu prop types.

Split from `hotbed.app.entity` so the document and its checks stay readable. Every
model forbids unknown keys, so a misspelt key is reported where it stands.
"""

from __future__ import annotations

import keyword
import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

__all__ = [
    "COLUMNLESS_TYPES",
    "POSTGRES_ONLY_TYPES",
    "PROP_TYPES",
    "ArrayProp",
    "Cone",
    "EnumProp",
    "GeneratedColumn",
    "IntegerProp",
    "JsonProp",
    "NumberProp",
    "Pascal",
    "Prop",
    "RelationProp",
    "ScalarProp",
    "StringProp",
    "TableName",
    "TextProp",
    "VectorProp",
    "VirtualProp",
    "description",
    "python_name",
]

ARRAY_TYPES = (
    "integer[]", "bigInteger[]", "string[]", "enum[]", "number[]", "numeric[]",
    "boolean[]", "date[]", "uuid[]",
)  # fmt: skip
POSTGRES_ONLY_TYPES = frozenset({*ARRAY_TYPES, "vector", "vector[]", "tsvector"})
COLUMNLESS_TYPES = frozenset({"virtual", "relation"})
PROP_TYPES = (
    "integer", "bigInteger", "string", "text", "float", "double", "decimal", "number", "numeric",
    "boolean", "date", "datetime", "time", "timestamp", "uuid", "json", "enum", "virtual",
    *ARRAY_TYPES, "vector", "vector[]", "tsvector", "relation",
)  # fmt: skip
_PYDANTIC_NAMES = frozenset(dir(BaseModel)) | {"self", "cls"}
RelationOn = Literal["CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION"]


def _pascal(value: str) -> str:
    if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", value):
        raise ValueError(f"{value!r} must be PascalCase: a capital letter, then letters and digits (e.g. 'User')")
    return value


def _identifier(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise ValueError(f"{value!r} is not a valid name: use letters, digits and '_', starting with a letter")
    return value


def _table(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        raise ValueError(f"{value!r} is not a valid table name: use letters, digits and '_'")
    return value


def python_name(name: str) -> str:
    """The attribute name for prop `name`: keywords and pydantic's own names get a trailing `_`.

    The entity's name stays the alias, so JSON and the database keep it.
    """
    if keyword.iskeyword(name) or name in _PYDANTIC_NAMES or name.startswith("model_"):
        return f"{name}_"
    return name


Pascal = Annotated[str, AfterValidator(_pascal)]
Identifier = Annotated[str, AfterValidator(_identifier)]
TableName = Annotated[str, AfterValidator(_table)]
DbDefault = str | int | float | bool | None
# Sonamu's cone: free metadata (desc, note, tags, fixture hints...); kept whole.
Cone = dict[str, Any]


def description(item: Any) -> str | None:
    """`cone.desc` first, then `desc`, as Sonamu reads them; `item` may be a cone itself."""
    cone = item if isinstance(item, dict) else (getattr(item, "cone", None) or {})
    text = cone.get("desc") if isinstance(cone.get("desc"), str) else None
    return text or getattr(item, "desc", None)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True, strict=True)


class GeneratedColumn(Strict):
    type: Literal["STORED", "VIRTUAL"]
    expression: Annotated[str, Field(min_length=1)]


class _PropBase(Strict):
    name: Identifier
    desc: str | None = None
    nullable: bool = False
    to_filter: bool = False
    db_default: DbDefault = None
    generated: GeneratedColumn | None = None
    cone: Cone | None = None


class IntegerProp(_PropBase):
    type: Literal["integer", "bigInteger"]
    unsigned: bool = False


class StringProp(_PropBase):
    type: Literal["string"]
    length: Annotated[int, Field(gt=0)] | None = None
    zod_format: str | None = None


class TextProp(_PropBase):
    type: Literal["text"]
    text_type: Literal["text", "mediumtext", "longtext", "tinytext"] | None = None


class NumberProp(_PropBase):
    """`number`/`float`/`double` travel as floats; `numeric`/`decimal` as exact decimals."""

    type: Literal["number", "float", "double", "numeric", "decimal"]
    precision: Annotated[int, Field(gt=0)] | None = None
    scale: Annotated[int, Field(ge=0)] | None = None
    unsigned: bool = False
    number_type: Literal["real", "double precision", "numeric"] | None = None

    @property
    def exact(self) -> bool:
        return self.type in ("numeric", "decimal")


class ScalarProp(_PropBase):
    type: Literal["boolean", "date", "datetime", "time", "timestamp", "uuid"]
    precision: Annotated[int, Field(ge=0, le=6)] | None = None


class JsonProp(_PropBase):
    type: Literal["json"]
    id: str | None = None  # the name of its type in the project's own code


class EnumProp(_PropBase):
    type: Literal["enum"]
    id: Pascal
    length: Annotated[int, Field(gt=0)] | None = None


class VirtualProp(_PropBase):
    """Computed by the model, not stored: no column."""

    type: Literal["virtual"]
    id: str
    virtual_type: Literal["query", "code"] | None = None


class ArrayProp(_PropBase):
    """PostgreSQL arrays; on SQLite they are stored as JSON."""

    type: Literal[
        "integer[]", "bigInteger[]", "string[]", "enum[]", "number[]", "numeric[]", "boolean[]", "date[]", "uuid[]"
    ]
    id: str | None = None
    length: Annotated[int, Field(gt=0)] | None = None
    precision: Annotated[int, Field(ge=0)] | None = None
    scale: Annotated[int, Field(ge=0)] | None = None
    number_type: Literal["real", "double precision", "numeric"] | None = None
    zod_format: str | None = None

    @property
    def item_type(self) -> str:
        return self.type.removesuffix("[]")


class VectorProp(_PropBase):
    """pgvector embeddings and full-text documents (PostgreSQL); on SQLite, JSON and text."""

    type: Literal["vector", "vector[]", "tsvector"]
    dimensions: Annotated[int, Field(gt=0)] | None = None


class RelationProp(_PropBase):
    type: Literal["relation"]
    with_: Annotated[Pascal, Field(alias="with")]
    relation_type: Literal["BelongsToOne", "OneToOne", "HasMany", "ManyToMany"]
    join_column: Identifier | None = None
    from_column: Identifier | None = None
    join_table: TableName | None = None
    has_join_column: bool = True
    use_constraint: bool = True
    custom_join_clause: str | None = None
    on_update: RelationOn | None = None
    on_delete: RelationOn | None = None

    @property
    def is_column(self) -> bool:
        """True when this side of the relation stores the foreign key (`<name>_id`)."""
        return self.relation_type == "BelongsToOne" or (self.relation_type == "OneToOne" and self.has_join_column)

    @property
    def is_many(self) -> bool:
        return self.relation_type in ("HasMany", "ManyToMany")


Prop = Annotated[
    IntegerProp
    | StringProp
    | TextProp
    | NumberProp
    | ScalarProp
    | JsonProp
    | EnumProp
    | VirtualProp
    | ArrayProp
    | VectorProp
    | RelationProp,
    Field(discriminator="type"),
]
