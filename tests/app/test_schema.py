"""Tables from the fixture entities, and entity edits against a live database: additive changes
apply at once, destructive ones are reported and the data stays."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select, table, text

from hotbed.app.entity import Entity
from hotbed.app.models import BaseModel
from hotbed.app.schema import SchemaReport, apply_additive, build_metadata, plan_schema

from ._databases import DATABASES, connected, copy_fixtures, edit_entity, fixture_schema, load_entities, prop


class UserModel(BaseModel):
    pass


class ProductModel(BaseModel):
    pass


@pytest.fixture(params=DATABASES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with connected(request.param, tmp_path) as engine:
        yield engine


@pytest.fixture
def root(engine: Engine, tmp_path: Path) -> Path:
    """The fixture project, copied, with its tables created."""
    fixture_schema(engine, tmp_path / "project")
    return tmp_path / "project"


def apply(engine: Engine, root: Path) -> SchemaReport:
    return apply_additive(engine, load_entities(root))


def kinds(report: SchemaReport) -> dict[str, list[str]]:
    return {
        "applied": [f"{c.kind} {c.table}.{c.column}" for c in report.applied],
        "withheld": [f"{c.kind} {c.table}.{c.column}" for c in report.withheld],
    }


def columns(engine: Engine, name: str) -> dict[str, Any]:
    return {column["name"]: column for column in inspect(engine).get_columns(name)}


def raw(engine: Engine, name: str, column: str) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(text(column)).select_from(table(name)).order_by(text("id"))).scalars())


def add_prop(root: Path, entity_id: str, new: dict[str, Any]) -> None:
    edit_entity(root, entity_id, lambda document: document["props"].append(new))


def a_user(name: str = "Ann", **values: Any) -> UserModel:
    return UserModel.save({"email": f"{name.lower()}@x.io", "name": name, **values})


def test_the_fixture_project_becomes_four_tables(engine: Engine, tmp_path: Path) -> None:
    entities = load_entities(copy_fixtures(tmp_path / "project"))
    assert [c.kind for c in plan_schema(engine, entities).additive] == ["create_table"] * 4
    assert inspect(engine).get_table_names() == []  # planning changes nothing

    report = apply_additive(engine, entities)
    assert sorted(c.table for c in report.applied) == ["orders", "posts", "products", "users"]
    assert report.withheld == ()
    assert str(report).splitlines()[0].startswith("schema: created table ")
    inspector = inspect(engine)
    assert list(columns(engine, "posts")) == ["id", "author_id", "title", "body", "status", "published_at", "meta"]
    assert list(columns(engine, "orders"))[:3] == ["id", "buyer_id", "product_id"]
    (author,) = inspector.get_foreign_keys("posts")
    assert (author["constrained_columns"], author["referred_table"], author["referred_columns"]) == (
        ["author_id"],
        "users",
        ["id"],
    )
    assert {(i["name"], bool(i["unique"])) for i in inspector.get_indexes("users")} == {("uq_users_email", True)}
    assert {i["name"] for i in inspector.get_indexes("orders")} == {"ix_orders_buyer_id", "ix_orders_product_id"}
    assert columns(engine, "users")["bio"]["nullable"] is True
    assert columns(engine, "users")["email"]["nullable"] is False

    again = apply_additive(engine, entities)
    assert (again.applied, again.withheld) == ((), ())
    assert str(again) == "schema: up to date"


def test_a_new_nullable_prop_adds_the_column_and_existing_rows_read_none(engine: Engine, root: Path) -> None:
    ann = a_user()
    add_prop(root, "User", {"name": "nickname", "type": "string", "length": 40, "nullable": True})
    report = apply(engine, root)
    assert kinds(report) == {"applied": ["add_column users.nickname"], "withheld": []}
    assert report.applied[0].message == "added column users.nickname"
    assert UserModel.find_by_id(ann.id).nickname is None
    assert a_user("Bo", nickname="bobo").nickname == "bobo"


def test_a_new_prop_with_a_db_default_fills_existing_rows(engine: Engine, root: Path) -> None:
    lamp = ProductModel.save({"sku": uuid.uuid4(), "name": "Lamp", "price": Decimal("3")})
    add_prop(root, "Product", {"name": "rating", "type": "integer", "dbDefault": 5})
    add_prop(root, "Product", {"name": "featured", "type": "boolean", "dbDefault": False})
    assert kinds(apply(engine, root))["applied"] == ["add_column products.rating", "add_column products.featured"]
    loaded = ProductModel.find_by_id(lamp.id)
    assert (loaded.rating, loaded.featured) == (5, False)
    assert columns(engine, "products")["rating"]["nullable"] is False


def test_a_required_prop_on_a_table_with_rows_is_withheld(engine: Engine, root: Path) -> None:
    a_user()
    add_prop(root, "User", {"name": "age", "type": "integer"})
    report = apply(engine, root)
    assert kinds(report) == {"applied": [], "withheld": ["required_column users.age"]}
    assert "NOT NULL without a dbDefault and users has rows; make the prop nullable or give it a dbDefault" in str(
        report.withheld[0]
    )
    assert "age" not in columns(engine, "users")
    assert a_user("Bo").name == "Bo"  # the model only uses columns that exist
    assert len(UserModel.find_many()) == 2


def test_a_required_prop_on_an_empty_table_is_added(engine: Engine, root: Path) -> None:
    add_prop(root, "Product", {"name": "code", "type": "string", "length": 8})
    assert kinds(apply(engine, root))["applied"] == ["add_column products.code"]
    assert columns(engine, "products")["code"]["nullable"] is False


def test_a_removed_prop_keeps_its_column_and_data(engine: Engine, root: Path) -> None:
    ann = a_user(bio="hello")
    edit_entity(root, "User", lambda document: document["props"].remove(prop(document, "bio")))
    report = apply(engine, root)
    assert kinds(report) == {"applied": [], "withheld": ["column_removed users.bio"]}
    assert str(report) == (
        "schema withheld: users.bio is no longer declared; the column and its data stay. "
        "Drop it by hand when it is no longer needed: ALTER TABLE users DROP COLUMN bio"
    )
    assert raw(engine, "users", "bio") == ["hello"]
    loaded = UserModel.find_by_id(ann.id)
    assert not hasattr(loaded, "bio")
    a_user("Bo")
    assert raw(engine, "users", "bio") == ["hello", None]
    assert apply(engine, root).withheld == report.withheld  # reported again, never applied


def test_removing_a_required_prop_warns_that_inserts_will_fail(engine: Engine, root: Path) -> None:
    edit_entity(root, "Post", lambda document: document["props"].remove(prop(document, "body")))
    (change,) = apply(engine, root).withheld
    assert change.kind == "column_removed"
    assert (
        "It is NOT NULL without a default, so inserts fail until it is dropped or made nullable. "
        "Drop it by hand when it is no longer needed: ALTER TABLE posts DROP COLUMN body"
    ) in change.message
    run_by_hand(engine, change.sql)
    assert apply(engine, root).withheld == ()


def test_a_type_change_is_withheld_and_the_data_stays(engine: Engine, root: Path) -> None:
    lamp = ProductModel.save({"sku": uuid.uuid4(), "name": "Lamp", "price": Decimal("3"), "weight": 1.5})
    edit_entity(root, "Product", lambda document: prop(document, "weight").update(type="string"))
    report = apply(engine, root)
    assert kinds(report) == {"applied": [], "withheld": ["type_changed products.weight"]}
    assert "in the database but the entity now says VARCHAR" in report.withheld[0].message
    assert "migrate the column by hand" in report.withheld[0].message
    assert raw(engine, "products", "weight") == [1.5]
    assert ProductModel.find_by_id(lamp.id).weight == 1.5  # read with the type the database has

    run_by_hand(engine, report.withheld[0].sql)  # the SQL given converts the column, data kept
    assert apply(engine, root).withheld == ()
    assert ProductModel.find_by_id(lamp.id).weight == "1.5"


def test_a_nullability_change_is_withheld(engine: Engine, root: Path) -> None:
    edit_entity(root, "User", lambda document: prop(document, "name").update(nullable=True))
    report = apply(engine, root)
    assert kinds(report) == {"applied": [], "withheld": ["nullability_changed users.name"]}
    assert columns(engine, "users")["name"]["nullable"] is False
    run_by_hand(engine, report.withheld[0].sql)
    assert columns(engine, "users")["name"]["nullable"] is True
    assert apply(engine, root).withheld == ()


def test_changed_defaults_come_with_the_sql_that_applies_them(engine: Engine, root: Path) -> None:
    ann = a_user(bio="hello")
    edit_entity(root, "User", lambda document: prop(document, "role").update(dbDefault="'admin'"))
    edit_entity(root, "User", lambda document: prop(document, "bio").update(dbDefault="'-'"))
    report = apply(engine, root)
    assert kinds(report) == {"applied": [], "withheld": ["default_changed users.role", "default_changed users.bio"]}
    first, second = report.withheld
    assert "users.role defaults to " in first.message and "the entity now says 'admin'" in first.message
    if engine.dialect.name == "sqlite":  # one rebuild of the table applies both
        assert "SQLite cannot alter a column in place; to apply it by hand, rebuild the table" in first.message
        assert second.sql == "" and "the table rebuild given above applies this too" in second.message
    else:
        assert first.sql == "ALTER TABLE users ALTER COLUMN role SET DEFAULT 'admin'"
        assert second.sql == "ALTER TABLE users ALTER COLUMN bio SET DEFAULT '-'"
    for sql in filter(None, (change.sql for change in report.withheld)):
        run_by_hand(engine, sql)
    assert apply(engine, root).withheld == ()
    assert UserModel.find_by_id(ann.id).bio == "hello"  # the rows stay as they were
    bo = a_user("Bo")
    assert (bo.role, bo.bio) == ("admin", "-")


def test_rows_holding_a_removed_enum_value_are_reported_with_the_update(engine: Engine, root: Path) -> None:
    ann, bo, cy = a_user("Ann", role="admin"), a_user("Bo", role="admin"), a_user("Cy")
    edit_entity(root, "User", lambda document: document["enums"].update(UserRole={"normal": "Member", "guest": "G"}))
    report = apply(engine, root)
    assert kinds(report) == {"applied": [], "withheld": ["enum_values_removed users.role"]}
    (change,) = report.withheld
    assert change.message.startswith(
        "users.role holds values that enum UserRole no longer has: 'admin' (2 rows); "
        "reading those rows fails validation until they are changed."
    )
    assert change.sql == "UPDATE users SET role = 'normal' WHERE role IN ('admin')"  # the prop's dbDefault
    run_by_hand(engine, change.sql)
    assert apply(engine, root).withheld == ()
    assert [UserModel.find_by_id(u.id).role for u in (ann, bo, cy)] == ["normal"] * 3


def run_by_hand(engine: Engine, sql: str) -> None:
    """What a person does with the SQL a withheld change gives: run it, as one script."""
    assert sql
    connection = engine.raw_connection()
    try:
        cursor = connection.cursor()
        if engine.dialect.name == "sqlite":
            cursor.executescript(sql)  # type: ignore[attr-defined]
        else:
            cursor.execute(sql)
        connection.commit()
    finally:
        connection.close()


def test_a_new_entity_and_a_new_index_are_created(engine: Engine, root: Path) -> None:
    tag = root / "src/application/tag/tag.entity.json"
    tag.parent.mkdir(parents=True)
    tag.write_text(json.dumps({"id": "Tag", "props": [{"name": "label", "type": "string", "length": 30}]}))
    edit_entity(root, "User", lambda document: document["indexes"].append({"columns": ["name"]}))
    assert kinds(apply(engine, root))["applied"] == ["create_table tags.None", "create_index users.None"]
    assert "ix_users_name" in {i["name"] for i in inspect(engine).get_indexes("users")}
    assert list(columns(engine, "tags")) == ["id", "label"]


def test_a_unique_index_over_duplicates_is_refused_and_the_rest_applies(engine: Engine, root: Path) -> None:
    a_user("Ann")
    UserModel.save({"email": "other@x.io", "name": "Ann"})
    edit_entity(root, "User", lambda document: document["indexes"].append({"type": "unique", "columns": ["name"]}))
    add_prop(root, "User", {"name": "nickname", "type": "string", "nullable": True})
    report = apply(engine, root)
    assert kinds(report) == {"applied": ["add_column users.nickname"], "withheld": ["refused users.None"]}
    assert report.withheld[0].message.startswith(
        "created index uq_users_name on users (name): refused by the database: "
    )


def test_a_column_defaulting_to_now_on_a_table_with_rows(engine: Engine, root: Path) -> None:
    ann = a_user()
    add_prop(root, "User", {"name": "seen_at", "type": "datetime", "dbDefault": "CURRENT_TIMESTAMP"})
    report = apply(engine, root)
    if engine.dialect.name == "sqlite":  # SQLite cannot; PostgreSQL fills the rows
        assert kinds(report) == {"applied": [], "withheld": ["required_column users.seen_at"]}
        assert "SQLite cannot add a column defaulting to CURRENT_TIMESTAMP to a table that has rows" in str(report)
    else:
        assert kinds(report) == {"applied": ["add_column users.seen_at"], "withheld": []}
        assert UserModel.find_by_id(ann.id).seen_at is not None


def many_to_many(root: Path) -> list[Entity]:
    tag = root / "src/application/tag/tag.entity.json"
    tag.parent.mkdir(parents=True)
    tag.write_text(
        json.dumps(
            {
                "id": "Tag",
                "props": [
                    {"name": "label", "type": "string"},
                    {"name": "posts", "type": "relation", "with": "Post", "relationType": "ManyToMany"},
                ],
            }
        )
    )
    add_prop(root, "Post", {"name": "tags", "type": "relation", "with": "Tag", "relationType": "ManyToMany"})
    return load_entities(root)


def test_many_to_many_makes_one_join_table(engine: Engine, tmp_path: Path) -> None:
    entities = many_to_many(copy_fixtures(tmp_path / "project"))
    join = build_metadata(entities).tables["posts__tags"]
    assert [(c.name, c.primary_key) for c in join.columns] == [("post_id", True), ("tag_id", True)]
    assert {fk.target_fullname for fk in join.foreign_keys} == {"posts.id", "tags.id"}
    apply_additive(engine, entities)
    assert {fk["referred_table"] for fk in inspect(engine).get_foreign_keys("posts__tags")} == {"posts", "tags"}
