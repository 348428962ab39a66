"""A day of edits on apps of common layouts: after each save, `hotbed dev` answers as a cold start does.

One hot server per app lives through the whole sequence; each step's answers are compared
with a fresh uvicorn on the same files (`tests/helpers/coldstart.py`).
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers.coldstart import ColdStartComparison, Edit, StartApp, Step, assert_parity
from tests.helpers.devserver import DevServer, server_environment


def _append(rel: str, last_line: str, text: str) -> Edit:
    return Edit(rel, last_line + text, old=last_line)


POST_END = 'author: Mapped["User"] = relationship(back_populates="posts")\n'
NEW_MODEL = """

class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))
"""
RELATIONSHIP = """

class Comment(Base):
    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    post: Mapped["Post"] = relationship("Post")
"""
TAG_END = "label: Mapped[str] = mapped_column(String(20))\n"


def test_sqlalchemy_declarative_app(start_app: StartApp) -> None:
    app = start_app("orm_app")
    users = ("/users/", "/tables")
    fds = ("/users/", "/fds")
    steps = [
        Step("model method edit", (Edit("models.py", 'f"member {self.name}"', old='f"user {self.name}"'),), users),
        Step("new model class", (_append("models.py", POST_END, NEW_MODEL),), users),
        Step("relationship by name", (_append("models.py", TAG_END, RELATIONSHIP),), users),
        Step(
            "relationship's other side",
            (
                Edit(
                    "models.py",
                    POST_END + '    comments: Mapped[list["Comment"]] = relationship("Comment", viewonly=True)\n',
                    old=POST_END,
                ),
            ),
            users,
        ),
        Step("router handler edit", (Edit("routers/users.py", '"titles"', old='"posts"'),), users),
        Step(
            "module-level engine",
            (Edit("db.py", "'orm.sqlite'}\", connect_args={'timeout': 5})", old="'orm.sqlite'}\")"),),
            fds,
        ),
        *(
            Step(f"module-level engine, save {n}", (Edit("db.py", f"'timeout': {n}", old=f"'timeout': {n - 1}"),), fds)
            for n in range(6, 9)
        ),
    ]
    assert_parity(app.replay(steps, initial=("/users/", "/tables", "/fds")))


def test_a_rename_saved_one_file_at_a_time(start_app: StartApp) -> None:
    """`get_db` renamed in `db.py`, then in the router: the first save rolls back (the router
    still imports the old name) and stays pending; the second brings both in."""
    app = start_app("orm_app")
    users = ("/users/", "/openapi.json")
    steps = [
        Step("renamed where defined", (Edit("db.py", "def get_session():", old="def get_db():"),), ()),
        Step(
            "renamed where used",
            (Edit("routers/users.py", "from db import get_session", old="from db import get_db"),),
            (),
        ),
        Step("and where injected", (Edit("routers/users.py", "Depends(get_session)", old="Depends(get_db)"),), users),
    ]
    assert_parity(app.replay(steps, initial=users))


def test_shared_app_with_routes_elsewhere_and_a_lifespan(start_app: StartApp) -> None:
    app = start_app("shared_app")
    everything = ("/items", "/greeting", "/openapi.json")
    steps = [
        Step("handler edit on the shared app", (Edit("items.py", '"plum"]', old='"pear"]'),), everything),
        Step(
            "new route",
            (
                _append(
                    "items.py",
                    '    return ["apple", "plum"]\n',
                    '\n\n@app.get("/items/count")\ndef count() -> int:\n    return 2\n',
                ),
            ),
            (*everything, "/items/count"),
        ),
        Step(
            "router defined in another module",
            (
                _append(
                    "items.py",
                    "    return 2\n",
                    "\n\nfrom fastapi import APIRouter, Request\n\nmoved = APIRouter()\n\n\n"
                    '@moved.get("/greeting")\ndef greeting(request: Request) -> dict[str, str]:\n'
                    '    return {"greeting": request.app.state.greeting + " from items"}\n',
                ),
            ),
            everything,
        ),
        Step(
            "router moved to it",
            (Edit("main.py", "from items import moved as router", old="from greetings import router"),),
            everything,
        ),
        Step("lifespan changed", (Edit("app.py", '"hi"', old='"hello"'),), everything, restart=True),
    ]
    assert_parity(app.replay(steps, initial=everything))


def test_sqlmodel_app_with_cached_settings(start_app: StartApp) -> None:
    app = start_app("sqlmodel_settings")
    heroes = ("/heroes", "/openapi.json")
    steps = [
        Step("settings default", (Edit("settings.py", '"league"', old='"heroes"'),), heroes),
        Step(
            "new model class",
            (
                _append(
                    "heroes.py",
                    "    secret_name: str\n",
                    "\n\nclass Team(SQLModel, table=True):\n"
                    "    id: int | None = Field(default=None, primary_key=True)\n"
                    "    name: str\n",
                ),
            ),
            heroes,
        ),
        Step("handler edit", (Edit("main.py", '"count": len(heroes), "app"', old='"app"'),), heroes),
        Step(
            "new setting",
            (Edit("settings.py", "page_size: int = 10\n    motto: str = 'x'", old="page_size: int = 10"),),
            heroes,
        ),
        Step("a setting in .env", (Edit(".env", "PAGE_SIZE=0", old="PAGE_SIZE=10"),), heroes, restart=True),
    ]
    assert_parity(app.replay(steps, initial=heroes))


def test_one_module_app(start_app: StartApp) -> None:
    app = start_app("single_module")
    notes = ("/notes", "/notes/1", "/notes/2", "/openapi.json")
    steps = [
        Step("helper body edit", (Edit("main.py", "text.title()", old="text.upper()"),), notes),
        Step("data built at import", (Edit("main.py", '"more")}', old='"first")}'),), notes),
        Step("new field", (Edit("main.py", "text: str\n    pinned: bool = False", old="text: str"),), notes),
        Step("error text", (Edit("main.py", '"note not found"', old='"no such note"'),), (*notes, "/notes/3")),
        Step(
            "new route",
            (
                Edit(
                    "main.py",
                    'app = FastAPI(title="Notes")\n\n\n@app.get("/count")\ndef count() -> int:\n    return 1\n',
                    old='app = FastAPI(title="Notes")\n',
                ),
            ),
            (*notes, "/count"),
        ),
    ]
    assert_parity(app.replay(steps, initial=notes))


def test_app_factory_with_settings_built_at_import(start_app: StartApp) -> None:
    """`app = create_app()`: what `create_app` calls ran at import, two modules away from `main.py`."""
    app = start_app("app_factory")
    everything = ("/v1/orders", "/v2/orders", "/health", "/openapi.json")
    steps = [
        Step("helper body edit", (Edit("api/orders.py", '"coffee"', old='"tea"'),), everything),
        Step("settings built at import", (Edit("api/settings.py", '"Shop orders"', old='"Orders"'),), everything),
        Step("prefix built at import", (Edit("api/settings.py", '"/v2"', old='"/v1"'),), everything),
        Step("handler docstring", (Edit("api/orders.py", '"""Every order."""', old='"""All orders."""'),), everything),
        Step("factory body edit", (Edit("api/factory.py", '"status": "fine"', old='"status": "ok"'),), everything),
        Step("new model field", (Edit("api/orders.py", "item: str\n    qty: int = 1", old="item: str"),), everything),
    ]
    assert_parity(app.replay(steps, initial=everything))


def test_app_reading_config_files_at_import_and_at_run_time(start_app: StartApp) -> None:
    app = start_app("config_files")
    shop = ("/shop", "/openapi.json")
    steps = [
        Step("config read at import", (Edit("config.json", '"USD"', old='"EUR"'),), shop),
        Step("title read at import", (Edit("config.json", '"Store"', old='"Shop"'),), shop),
        Step("read (and cached) at run time", (Edit("motd.txt", "Hello again", old="Welcome!"),), shop, restart=True),
    ]
    assert_parity(app.replay(steps, initial=shop))


def test_a_file_first_read_at_run_time_is_watched_at_once(start_app: StartApp) -> None:
    """The first request reads (and caches) `motd.txt`; no batch has run since: its edit still restarts."""
    app = start_app("config_files")
    shop = ("/shop",)
    steps = [
        Step("read (and cached) at run time", (Edit("motd.txt", "Hello again", old="Welcome!"),), shop, restart=True)
    ]
    assert_parity(app.replay(steps, initial=shop))


def test_settings_from_a_dotenv_one_folder_above_the_backend(tmp_path: Path) -> None:
    """As a common full-stack template has it: `backend/` is the project, `.env` sits above it."""
    root = tmp_path / "backend"
    root.mkdir()
    (tmp_path / ".env").write_text("PROJECT_NAME=Shop\n")
    (root / "main.py").write_text(
        "from pathlib import Path\n\nfrom fastapi import FastAPI\n"
        "from pydantic_settings import BaseSettings, SettingsConfigDict\n\n\n"
        "class Settings(BaseSettings):\n"
        '    model_config = SettingsConfigDict(env_file=Path(__file__).parent.parent / ".env")\n'
        '    project_name: str = "unset"\n\n\n'
        "settings = Settings()\napp = FastAPI(title=settings.project_name)\n\n\n"
        '@app.get("/name")\ndef name() -> str:\n    return settings.project_name\n'
    )
    comparison = ColdStartComparison(root)
    try:
        steps = [Step("the .env above", (Edit("../.env", "PROJECT_NAME=Store", old="PROJECT_NAME=Shop"),), ("/name",))]
        assert_parity(comparison.replay(steps, initial=("/name", "/openapi.json")))
    finally:
        comparison.close()


def test_env_file_is_loaded_into_the_worker(tmp_path: Path) -> None:
    """A `.env` change restarts the worker; the new worker must see the new values, or the restart is pointless."""
    root = tmp_path / "env_app"
    root.mkdir()
    (root / "main.py").write_text(
        "import os\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
        '@app.get("/env")\ndef env() -> dict[str, str | None]:\n'
        '    return {"greeting": os.environ.get("GREETING"), "quoted": os.environ.get("QUOTED")}\n'
    )
    (root / ".env").write_text("# settings\nGREETING=hello\nexport QUOTED='a # b'\n")
    server = DevServer(root, server_environment())
    try:
        assert server.get("/env") == {"greeting": "hello", "quoted": "a # b"}
        (root / ".env").write_text('GREETING=hi  # changed\nQUOTED="c"\n')
        after = server.wait_json("/env", lambda body: body["greeting"] == "hi", across_restart=True)
        assert after == {"greeting": "hi", "quoted": "c"}
    finally:
        server.stop()
