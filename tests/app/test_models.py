"""BaseModel on real databases: CRUD, filters, ordering, paging, errors, and classes re-created by reloads."""

from __future__ import annotations

import datetime
import enum
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pydantic
import pytest
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table

from hotbed.app import database
from hotbed.app.models import BaseModel
from hotbed.app.schema import apply_additive
from hotbed.exceptions import ApiError, BadRequestError, ConfigError, NotFoundError
from tests.helpers.engine_project import MakeProject

from ._databases import DATABASES, connected, copy_fixtures, fixture_schema, load_entities


class UserModel(BaseModel):
    def is_admin(self) -> bool:
        return bool(self.role == "admin")


class PostModel(BaseModel):
    pass


class ProductModel(BaseModel):
    def has_stock(self, quantity: int) -> bool:
        return bool(self.stock >= quantity)


@pytest.fixture(params=DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with connected(request.param, tmp_path) as engine:
        fixture_schema(engine, tmp_path / "project")
        yield engine


@pytest.fixture
def users(engine: Engine) -> list[UserModel]:
    rows = [
        ("ann", "Ann", "admin", "writes"),
        ("bob", "Bob", "normal", None),
        ("cy", "Cyrus", "normal", "JOGS daily"),
        ("dee", "Dee", "normal", None),
        ("jo", "Jo", "admin", "jogs"),
    ]
    return [UserModel.save({"email": f"{e}@x.io", "name": n, "role": r, "bio": b}) for e, n, r, b in rows]


def names(rows: list[Any]) -> list[str]:
    return [row.name for row in rows]


def test_save_inserts_and_fills_database_defaults(engine: Engine) -> None:
    user = UserModel.save({"email": "ann@x.io", "name": "Ann"})
    assert isinstance(user, UserModel)
    assert isinstance(user.id, int)
    assert user.role == "normal"
    assert isinstance(user.created_at, datetime.datetime)
    assert user.bio is None
    assert UserModel.find_by_id(user.id) == user


def test_save_with_an_id_updates_only_the_given_columns(engine: Engine) -> None:
    user = UserModel.save({"email": "ann@x.io", "name": "Ann", "bio": "hi"})
    saved = UserModel.save({"id": user.id, "name": "Annie"})
    assert (saved.id, saved.name, saved.bio, saved.email) == (user.id, "Annie", "hi", "ann@x.io")
    assert UserModel.count() == 1


def test_save_with_an_unknown_id_inserts_that_id(engine: Engine) -> None:
    user = UserModel.save({"id": 40, "email": "ann@x.io", "name": "Ann"})
    assert user.id == 40
    assert UserModel.find_by_id(40).name == "Ann"
    assert UserModel.save({"email": "bob@x.io", "name": "Bob"}).id == 41  # ids continue after it


def test_save_accepts_pydantic_models_rows_and_enums(engine: Engine) -> None:
    class Role(enum.StrEnum):
        ADMIN = "admin"

    class UserSave(pydantic.BaseModel):
        id: int | None = None
        email: str
        name: str
        role: Role | None = None

    user = UserModel.save(UserSave(email="ann@x.io", name="Ann", role=Role.ADMIN))
    assert user.role == "admin"
    user.name = "Annie"
    assert UserModel.save(user).name == "Annie"
    assert names(UserModel.find_many(where={"role": Role.ADMIN})) == ["Annie"]


def test_update_saves_and_refreshes_the_row(engine: Engine) -> None:
    product = ProductModel.save({"sku": uuid.uuid4(), "name": "Lamp", "price": Decimal("9.50"), "stock": 3})
    assert product.has_stock(3)
    assert product.update({"stock": product.stock - 2}) is product
    assert product.stock == 1
    assert not product.has_stock(2)
    assert ProductModel.find_by_id(product.id).stock == 1


def test_values_round_trip_with_their_python_types(engine: Engine) -> None:
    sku = uuid.uuid4()
    product = ProductModel.save(
        {"sku": sku, "name": "Lamp", "price": Decimal("12.34"), "weight": 1.5, "released_on": datetime.date(2024, 5, 1)}
    )
    loaded = ProductModel.find_by_id(product.id)
    assert loaded.to_dict() == {
        "id": product.id,
        "sku": sku,
        "name": "Lamp",
        "price": Decimal("12.34"),
        "weight": 1.5,
        "stock": 0,
        "active": True,
        "released_on": datetime.date(2024, 5, 1),
    }
    author = UserModel.save({"email": "ann@x.io", "name": "Ann"})
    post = PostModel.save({"author_id": author.id, "title": "T", "body": "B", "meta": {"tags": ["a"], "n": 1}})
    assert PostModel.find_by_id(post.id).meta == {"tags": ["a"], "n": 1}
    assert post.status == "draft"


def test_find_by_id_missing_raises_not_found(engine: Engine) -> None:
    with pytest.raises(NotFoundError, match="User 7 not found") as caught:
        UserModel.find_by_id(7)
    assert caught.value.status_code == 404


def test_delete(engine: Engine, users: list[UserModel]) -> None:
    assert UserModel.delete(users[0].id) is True
    assert UserModel.delete(users[0].id) is False
    with pytest.raises(NotFoundError):
        UserModel.find_by_id(users[0].id)
    assert UserModel.count() == 4


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        (None, ["Ann", "Bob", "Cyrus", "Dee", "Jo"]),
        ({"role": "admin"}, ["Ann", "Jo"]),
        ({"bio": None}, ["Bob", "Dee"]),
        ({"bio": {"$ne": None}}, ["Ann", "Cyrus", "Jo"]),
        ({"bio": {"$ne": "jogs"}}, ["Ann", "Bob", "Cyrus", "Dee"]),
        ({"bio": {"$like": "%rite%"}}, ["Ann"]),
        ({"bio": {"$ilike": "%jo%"}}, ["Cyrus", "Jo"]),
        ({"name": {"$in": ["Bob", "Dee", "Nobody"]}}, ["Bob", "Dee"]),
        ({"name": {"$nin": ["Bob", "Dee"]}}, ["Ann", "Cyrus", "Jo"]),
        ({"name": {"$gte": "Bob", "$lt": "Dee"}}, ["Bob", "Cyrus"]),
        ({"name": {"$gt": "Cyrus", "$lte": "Jo"}}, ["Dee", "Jo"]),
        ({"role": "normal", "bio": {"$eq": None}}, ["Bob", "Dee"]),
    ],
)
def test_find_many_filters(users: list[UserModel], where: dict[str, Any] | None, expected: list[str]) -> None:
    assert names(UserModel.find_many(where=where)) == expected
    assert UserModel.count(where) == len(expected)


def test_find_many_orders_and_pages(users: list[UserModel]) -> None:
    assert names(UserModel.find_many(order_by="name-desc")) == ["Jo", "Dee", "Cyrus", "Bob", "Ann"]
    assert names(UserModel.find_many(order_by=["role-asc", "name-desc"])) == ["Jo", "Ann", "Dee", "Cyrus", "Bob"]
    assert names(UserModel.find_many(order_by="id-desc", limit=2)) == ["Jo", "Dee"]
    pages = [names(UserModel.find_many(limit=2, offset=offset)) for offset in (0, 2, 4, 6)]
    assert pages == [["Ann", "Bob"], ["Cyrus", "Dee"], ["Jo"], []]
    assert UserModel.find_one({"role": "admin"}, order_by="name-desc") == users[4]
    assert UserModel.find_one({"name": "Nobody"}) is None


class ListParams(pydantic.BaseModel):
    """The shape of a generated `<Entity>ListParams`."""

    page: int = 1
    num: int = 24
    search: str = "id"
    keyword: str | None = None
    order_by: str = pydantic.Field("id-desc", alias="orderBy")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Jo", "Dee", "Cyrus", "Bob", "Ann"]),
        ({"orderBy": "id-asc", "num": 2}, ["Ann", "Bob"]),
        ({"orderBy": "id-asc", "num": 2, "page": 3}, ["Jo"]),
        ({"search": "name", "keyword": "o"}, ["Jo", "Bob"]),
        ({"search": "bio", "keyword": "jogs", "orderBy": "id-asc"}, ["Cyrus", "Jo"]),  # LIKE: case as the database
        ({"search": "id", "keyword": "2"}, ["Bob"]),
        ({"search": "id", "keyword": "two"}, []),  # no integer id is "two"
    ],
)
def test_find_page_applies_the_list_params(users: list[UserModel], params: dict[str, Any], expected: list[str]) -> None:
    found = names(UserModel.find_page(ListParams.model_validate(params)))
    if params.get("keyword") == "jogs" and database.current_engine().dialect.name == "postgresql":
        expected = ["Jo"]  # PostgreSQL's LIKE keeps case: "JOGS daily" does not match
    assert found == expected


def test_rows_are_model_instances_with_methods(users: list[UserModel]) -> None:
    admins = UserModel.find_many(where={"role": "admin"})
    assert all(isinstance(user, UserModel) and user.is_admin() for user in admins)
    assert repr(admins[0]).startswith("UserModel(id=")
    row = admins[0].to_dict()
    row["name"] = "changed"
    assert admins[0].name == "Ann"


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: UserModel.find_many(where={"nope": 1}), "User has no column 'nope' to filter on"),
        (lambda: UserModel.find_many(where={"name": {"$regex": "x"}}), "unknown operator '\\$regex'"),
        (lambda: UserModel.find_many(where={"name": {"$in": "Bob"}}), "take a list"),
        (lambda: UserModel.find_many(order_by="nope-desc"), "no column 'nope' to order by"),
        (lambda: UserModel.find_many(order_by="name-down"), "cannot order by 'name-down'"),
        (lambda: UserModel.find_many(limit=-1), "cannot be negative"),
        (lambda: UserModel.save({"email": "a@x.io", "name": "A", "nope": 1}), "no column 'nope' to save"),
        (lambda: UserModel.save({"name": "no email"}), "cannot save User: .*email"),
        (
            lambda: UserModel.save({"email": "ann@x.io", "name": "again"}),
            "cannot save User: .*(UNIQUE|unique|duplicate)",
        ),
        (
            lambda: PostModel.save({"author_id": 999, "title": "T", "body": "B"}),
            "cannot save Post: .*(FOREIGN|foreign)",
        ),
    ],
)
def test_bad_requests(users: list[UserModel], call: Any, message: str) -> None:
    with pytest.raises(BadRequestError, match=message) as caught:
        call()
    assert caught.value.status_code == 400


def test_delete_refused_by_a_foreign_key_is_a_bad_request(users: list[UserModel]) -> None:
    class OrderModel(BaseModel):
        pass

    product = ProductModel.save({"sku": uuid.uuid4(), "name": "Lamp", "price": Decimal("1")})
    OrderModel.save({"buyer_id": users[0].id, "product_id": product.id, "quantity": 1, "total": Decimal("1")})
    with pytest.raises(BadRequestError, match="cannot delete Product"):
        ProductModel.delete(product.id)


def test_binding_by_name_entity_attribute_generated_type_or_table(users: list[UserModel]) -> None:
    class Members(BaseModel):
        entity = "User"

    class User(pydantic.BaseModel):  # what the generated types module defines
        id: int

    class Accounts(BaseModel):
        entity = User

    class ByTable(BaseModel):
        entity = "Whatever"
        table = "users"

    assert Members.entity_id() == Accounts.entity_id() == UserModel.entity_id() == "User"
    for model in (Members, Accounts, ByTable):
        assert names(model.find_many(where={"role": "admin"})) == ["Ann", "Jo"]
    assert Members.find_by_id(users[0].id) == users[0]  # equal across classes of one entity


def test_a_model_over_a_table_no_entity_declares_reflects_it(engine: Engine) -> None:
    metadata = MetaData()
    Table("gadgets", metadata, Column("id", Integer, primary_key=True), Column("label", String(20)))
    metadata.create_all(engine)

    class GadgetModel(BaseModel):
        pass

    saved = GadgetModel.save({"label": "knob"})
    assert GadgetModel.find_by_id(saved.id).label == "knob"

    class GhostModel(BaseModel):
        pass

    with pytest.raises(ConfigError, match="table 'ghosts' for entity Ghost does not exist"):
        GhostModel.find_many()


def test_transaction_commits_together_or_not_at_all(engine: Engine, users: list[UserModel]) -> None:
    with database.transaction():
        UserModel.save({"id": users[0].id, "name": "A1"})
        with database.transaction():  # joins the outer one
            UserModel.save({"id": users[1].id, "name": "B1"})
    assert names(UserModel.find_many(limit=2)) == ["A1", "B1"]
    with pytest.raises(ApiError), database.transaction():
        UserModel.save({"id": users[0].id, "name": "A2"})
        UserModel.find_by_id(999)
    assert UserModel.find_by_id(users[0].id).name == "A1"


MODEL_V1 = """
from hotbed.app.models import BaseModel


class UserModel(BaseModel):
    def label(self) -> str:
        return self.name
"""

MODEL_V2 = """
from hotbed.app.models import BaseModel


class UserModel(BaseModel):
    def label(self) -> str:
        return f"{self.name} <{self.email}>"

    @classmethod
    def admins(cls) -> list["UserModel"]:
        return cls.find_many(where={"role": "admin"})
"""

API = """
from app.user_model import UserModel


def labels() -> list[str]:
    return [user.label() for user in UserModel.find_many(order_by="name")]
"""


@pytest.mark.parametrize("kind", DATABASES)
def test_models_keep_working_across_real_reloads(make_project: MakeProject, tmp_path: Path, kind: str) -> None:
    project = make_project({"app/__init__.py": "", "app/user_model.py": MODEL_V1, "app/user_api.py": API})
    with connected(kind, tmp_path) as engine:
        apply_additive(engine, load_entities(copy_fixtures(project.root)))
        old_class = project.load("app.user_model").UserModel
        api = project.load("app.user_api")
        old_class.save({"email": "jo@x.io", "name": "Jo", "role": "admin"})
        ann = old_class.save({"email": "ann@x.io", "name": "Ann"})
        assert api.labels() == ["Ann", "Jo"]

        result = project.change("app/user_model.py", MODEL_V2)
        assert result.ok, result
        new_class = sys.modules["app.user_model"].UserModel
        assert new_class is not old_class
        api = sys.modules["app.user_api"]  # re-executed: it imported the model by name
        assert api.labels() == ["Ann <ann@x.io>", "Jo <jo@x.io>"]
        assert [user.name for user in new_class.admins()] == ["Jo"]
        assert new_class.find_by_id(ann.id) == ann  # a row loaded by the old class equals the new one's
        assert database.current_engine() is engine
        old_class.save({"id": ann.id, "name": "Annie"})  # code still holding the old class writes the same table
        assert new_class.find_by_id(ann.id).name == "Annie"
