"""Re-executed SQLAlchemy and SQLModel modules map their classes again, as a cold start would."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlmodel
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.helpers.engine_project import MakeProject

DB = """
from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase

class Base(DeclarativeBase):
    pass

def engine_for(path):
    return create_engine(f"sqlite:///{path}")
"""

MODELS = """
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from db import Base

class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    posts: Mapped[list["Post"]] = relationship(back_populates="author")

    def label(self):
        return "user " + self.name

class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author: Mapped["User"] = relationship(back_populates="posts")
"""


@pytest.fixture(autouse=True)
def _fresh_sqlmodel() -> Iterator[None]:
    """SQLModel's registry and metadata are process-wide: each test starts with them empty."""
    yield
    sqlmodel.SQLModel.metadata.clear()
    sqlmodel.main.default_registry.dispose()


def _columns(module: Any, cls: str) -> list[str]:
    return [c.name for c in getattr(module, cls).__table__.columns]


def test_new_nullable_column_commits_and_maps_the_new_class(make_project: MakeProject, tmp_path: Path) -> None:
    project = make_project({"db.py": DB, "models.py": MODELS})
    models = project.load("models")
    db = sys.modules["db"]
    engine = db.engine_for(tmp_path / "app.sqlite")
    db.Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(models.User(name="ada", posts=[models.Post()]))
        session.commit()

    result = project.change(
        "models.py",
        MODELS.replace(
            "name: Mapped[str] = mapped_column(String(50))",
            "name: Mapped[str] = mapped_column(String(50))\n    nick: Mapped[str | None] = mapped_column(String(20))",
        ),
    )
    assert result.ok and result.committed, result.errors
    new = sys.modules["models"]
    assert new.User is not models.User
    assert db.Base.metadata.tables["users"] is new.User.__table__
    assert "nick" in db.Base.metadata.tables["users"].columns
    # Relationships by name resolve to the new classes, not to the versions they replaced.
    assert new.User.posts.property.mapper.class_ is new.Post
    assert db.Base.registry._class_registry["User"] is new.User
    assert {m.class_ for m in db.Base.registry.mappers} == {new.User, new.Post}
    db.Base.metadata.drop_all(engine)
    db.Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(new.User(name="bob", nick="b", posts=[new.Post()]))
        session.commit()
        user = session.scalars(select(new.User)).one()
        assert (user.nick, len(user.posts), type(user.posts[0])) == ("b", 1, new.Post)
    engine.dispose()


def test_failed_version_rolls_back_to_exactly_the_old_tables_and_classes(make_project: MakeProject) -> None:
    project = make_project({"db.py": DB, "models.py": MODELS})
    old = project.load("models")
    db = sys.modules["db"]
    tables_before = dict(db.Base.metadata.tables)

    broken = MODELS.replace(
        "class Post(Base):",
        "class Extra(Base):\n"
        "    __tablename__ = 'extra'\n"
        "    id: Mapped[int] = mapped_column(primary_key=True)\n\n"
        "raise RuntimeError('half way')\n\n"
        "class Post(Base):",
    )
    result = project.change("models.py", broken)
    assert not result.committed
    assert sys.modules["models"] is old
    assert dict(db.Base.metadata.tables) == tables_before
    assert db.Base.registry._class_registry["User"] is old.User
    assert "Extra" not in db.Base.registry._class_registry
    assert {m.class_ for m in db.Base.registry.mappers} == {old.User, old.Post}

    fixed = project.change("models.py", MODELS.replace("String(50)", "String(60)"))
    assert fixed.ok and fixed.committed, fixed.errors
    assert sys.modules["models"].User.__table__.c.name.type.length == 60


def test_imperative_tables_in_shared_metadata(make_project: MakeProject) -> None:
    project = make_project(
        {
            "meta.py": "from sqlalchemy import MetaData\nmetadata = MetaData()\n",
            "tables.py": """
                from sqlalchemy import Column, Integer, Table
                from meta import metadata
                items = Table("items", metadata, Column("id", Integer, primary_key=True))
            """,
            "queries.py": "from tables import items\nfrom meta import metadata\n",
        }
    )
    project.load("queries")
    metadata = sys.modules["meta"].metadata
    result = project.change(
        "tables.py",
        """
        from sqlalchemy import Column, Integer, String, Table
        from meta import metadata
        items = Table("items", metadata, Column("id", Integer, primary_key=True), Column("title", String))
        """,
    )
    assert result.ok, result.errors
    assert list(metadata.tables["items"].columns.keys()) == ["id", "title"]
    # queries.py re-executed too: the table it imports from tables.py is the live one, not removed.
    assert sys.modules["queries"].items is metadata.tables["items"]
    assert project.change("queries.py", "from tables import items\nfrom meta import metadata\nX = 1\n").ok
    assert metadata.tables["items"] is sys.modules["tables"].items


def test_sqlmodel_table_classes_reexecute(make_project: MakeProject, tmp_path: Path) -> None:
    source = (
        "from sqlmodel import Field, SQLModel\n\n"
        "class Hero(SQLModel, table=True):\n"
        "    id: int | None = Field(default=None, primary_key=True)\n"
        "    name: str\n"
    )
    project = make_project({"heroes.py": source})
    project.load("heroes")
    result = project.change("heroes.py", source + "    power: str | None = None\n")
    assert result.ok, result.errors
    new = sys.modules["heroes"]
    assert "power" in sqlmodel.SQLModel.metadata.tables["hero"].columns
    engine = sqlmodel.create_engine(f"sqlite:///{tmp_path / 'heroes.sqlite'}")
    sqlmodel.SQLModel.metadata.create_all(engine)
    with sqlmodel.Session(engine) as session:
        session.add(new.Hero(name="x", power="fly"))
        session.commit()
        assert session.exec(sqlmodel.select(new.Hero)).one().power == "fly"
    engine.dispose()


USERS = """
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from db import Base

class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    posts: Mapped[list["Post"]] = relationship("Post", back_populates="author")
"""

POSTS = """
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from db import Base

class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author: Mapped["User"] = relationship("User", back_populates="posts")
"""


def test_a_relationship_by_name_from_an_unchanged_module_reaches_the_new_class(
    make_project: MakeProject, tmp_path: Path
) -> None:
    """`users.py` names `"Post"` without importing `posts.py`: when only `posts.py` changes, a cold
    start's `User.posts` is the new `Post`, so `users.py` runs again with it."""
    project = make_project({"db.py": DB, "users.py": USERS, "posts.py": POSTS, "main.py": "import users, posts\n"})
    project.load("main")
    edited = POSTS.replace(
        'author: Mapped["User"]', 'title: Mapped[str | None] = mapped_column(String(20))\n    author: Mapped["User"]'
    )
    result = project.change("posts.py", edited)
    assert result.ok and result.committed, result.errors
    assert "users.py" in project.rel(result.reexecuted)
    users, posts, db = sys.modules["users"], sys.modules["posts"], sys.modules["db"]
    assert users.User.posts.property.mapper.class_ is posts.Post
    assert posts.Post.author.property.mapper.class_ is users.User
    engine = db.engine_for(tmp_path / "app.sqlite")
    db.Base.metadata.create_all(engine)
    with Session(engine) as session:
        session.add(users.User(name="ada", posts=[posts.Post(title="first")]))
        session.commit()
        user = session.scalars(select(users.User)).one()
        assert [p.title for p in user.posts] == ["first"]
    engine.dispose()
