"""Body-only changes are patched in place; anything else re-executes, as a cold start would have it."""

from __future__ import annotations

import asyncio
import inspect
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.helpers.engine_project import Project

HANDLERS = """
import functools


def greet(name):
    return "hello " + name


@functools.lru_cache
def cached(n):
    return n * 2


def logged(fn):
    @functools.wraps(fn)
    def wrapper(*args):
        return ("logged", fn(*args))
    return wrapper


@logged
def decorated(x):
    return x + 1


class Service:
    scale = 10

    def run(self, x):
        return x * self.scale

    @classmethod
    def make(cls):
        return "made"

    @staticmethod
    def helper():
        return "help"

    @property
    def label(self):
        return "service"
"""

IMPORTER = """
from handlers import greet

def call():
    return greet("ada")
"""


def _setup(project: Project) -> None:
    project.write("handlers.py", HANDLERS)
    project.write("importer.py", IMPORTER)
    project.load("importer")


def test_a_body_edit_patches_the_function_and_runs_nothing_again(project: Project) -> None:
    _setup(project)
    handlers, importer = sys.modules["handlers"], sys.modules["importer"]
    greet = handlers.greet
    result = project.change("handlers.py", HANDLERS.replace('"hello " + name', '"hi " + name'))
    assert result.ok and result.committed
    assert project.rel(result.patched) == ["handlers.py"] and result.patched_functions == 1
    assert result.reexecuted == ()
    assert sys.modules["handlers"] is handlers and handlers.greet is greet  # same objects
    assert importer.call() == "hi ada"  # the `from handlers import greet` binding runs the new body


def test_methods_classmethods_staticmethods_properties_and_wrapped_functions(project: Project) -> None:
    _setup(project)
    handlers = sys.modules["handlers"]
    service_class = handlers.Service
    source = (
        HANDLERS.replace("return x * self.scale", "return x * self.scale + 1")
        .replace('return "made"', 'return "made again"')
        .replace('return "help"', 'return "helped"')
        .replace('return "service"', 'return "the service"')
        .replace("return x + 1", "return x + 2")
    )
    result = project.change("handlers.py", source)
    assert result.patched and result.patched_functions == 5, result
    assert handlers.Service is service_class
    service = handlers.Service()
    answers = (service.run(2), service.make(), service.helper(), service.label)
    assert answers == (21, "made again", "helped", "the service")
    assert handlers.decorated(1) == ("logged", 3)  # the function the decorator wrapped at import


def test_a_decorator_the_module_applies_while_importing_re_executes(project: Project) -> None:
    _setup(project)
    result = project.change("handlers.py", HANDLERS.replace('("logged", fn(*args))', '("LOGGED", fn(*args))'))
    assert not result.patched and result.reexecuted  # `@logged` ran the old wrapper factory at import
    assert sys.modules["handlers"].decorated(1) == ("LOGGED", 2)


def test_a_cache_of_a_patched_function_forgets_the_old_results(project: Project) -> None:
    _setup(project)
    handlers = sys.modules["handlers"]
    assert handlers.cached(2) == 4
    result = project.change("handlers.py", HANDLERS.replace("return n * 2", "return n * 3"))
    assert result.patched
    assert handlers.cached(2) == 6


def _add_a_docstring(project: Project) -> tuple[Any, list[str]]:
    """Patch `greet` with a docstring (two more lines: all below it moves); the module and its new lines."""
    _setup(project)
    source = HANDLERS.replace("def greet(name):\n", 'def greet(name):\n    """Say hello."""\n\n')
    result = project.change("handlers.py", source)
    assert result.patched
    return sys.modules["handlers"], source.lstrip("\n").splitlines()


def test_docstrings_and_line_numbers_follow_the_new_source(project: Project) -> None:
    handlers, lines = _add_a_docstring(project)
    assert handlers.greet.__doc__ == "Say hello."
    assert handlers.greet.__code__.co_firstlineno == lines.index("def greet(name):") + 1


# Python 3.13 added `__firstlineno__` (where `inspect.getsource` finds a class); before it there is nothing to move.
@pytest.mark.skipif(sys.version_info < (3, 13), reason="classes keep __firstlineno__ from Python 3.13 on")
def test_a_class_below_a_patched_body_keeps_its_new_first_line(project: Project) -> None:
    handlers, lines = _add_a_docstring(project)
    assert handlers.Service.__firstlineno__ == lines.index("class Service:") + 1
    assert inspect.getsource(handlers.Service).startswith("class Service:\n    scale = 10\n")


def test_anything_but_bodies_re_executes(project: Project) -> None:
    _setup(project)
    edits = {
        "a signature": HANDLERS.replace("def greet(name):", "def greet(name, punctuation=''):"),
        "a new top-level name": HANDLERS + "\nVERSION = 2\n",
        "a class attribute": HANDLERS.replace("scale = 10", "scale = 11"),
        "a decorator": HANDLERS.replace("@functools.lru_cache\n", "@functools.cache\n"),
        "an import": "import os\n" + HANDLERS,
        "a new function": HANDLERS + "\n\ndef extra():\n    return 1\n",
    }
    for what, source in edits.items():
        result = project.change("handlers.py", source)
        assert result.ok, (what, result)
        assert not result.patched, what
        assert "handlers.py" in project.rel(result.reexecuted), what
        project.change("handlers.py", HANDLERS)  # back, for the next edit


def test_a_function_the_module_calls_while_importing_re_executes(project: Project) -> None:
    project.write("settings.py", "def read():\n    return 'one'\n\nVALUE = read()\n")
    settings = project.load("settings")
    result = project.change("settings.py", "def read():\n    return 'two'\n\nVALUE = read()\n")
    assert not result.patched and result.reexecuted
    assert sys.modules["settings"].VALUE == "two"  # what a cold start gives
    assert settings.VALUE == "one"  # the old version, replaced


def test_a_function_an_importer_calls_while_importing_re_executes_both(project: Project) -> None:
    project.write("config.py", "def load():\n    return {'mode': 'a'}\n")
    project.write("app.py", "from config import load\n\nCONFIG = load()\n")
    project.load("app")
    result = project.change("config.py", "def load():\n    return {'mode': 'b'}\n")
    assert not result.patched
    assert project.rel(result.reexecuted) == ["config.py", "app.py"]
    assert sys.modules["app"].CONFIG == {"mode": "b"}


def test_a_closure_whose_cells_change_re_executes(project: Project) -> None:
    before = "def outer():\n    a = 1\n    def inner():\n        return a\n    return inner\n\nINNER = outer\n"
    after = before.replace("    a = 1\n", "    a = 1\n    b = 2\n").replace("return a\n", "return a + b\n")
    project.write("closures.py", before)
    closures = project.load("closures")
    made = closures.outer()
    result = project.change("closures.py", after)
    assert result.ok
    assert sys.modules["closures"].outer()() == 3
    assert made() == 1  # a closure made before keeps its own cells


def test_a_syntax_error_changes_nothing(project: Project) -> None:
    _setup(project)
    handlers = sys.modules["handlers"]
    code = handlers.greet.__code__
    result = project.change("handlers.py", HANDLERS.replace('"hello " + name', '"hello " + (name'))
    assert not result.committed and result.errors and result.errors[0].kind == "syntax"
    assert handlers.greet.__code__ is code
    assert project.change("handlers.py", HANDLERS.replace('"hello " + name', '"hey " + name')).patched
    assert sys.modules["importer"].call() == "hey ada"


def test_a_route_on_a_shared_app_answers_with_the_new_body(project: Project) -> None:
    routes = "from shared import app\n\n\n@app.get('/hello')\ndef hello():\n    return {'message': 'hello'}\n"
    app = _shared_app(project, routes)
    assert _get(app, "/hello") == {"message": "hello"}
    result = project.change("routes.py", routes.replace("'message': 'hello'", "'message': 'patched'"))
    assert project.rel(result.patched) == ["routes.py"]
    assert _get(app, "/hello") == {"message": "patched"}
    assert len([r for r in app.routes if getattr(r, "path", "") == "/hello"]) == 1


def _shared_app(project: Project, routes: str) -> FastAPI:
    """`app` in `shared.py`, its routes registered from `routes.py`, both imported by `main.py`."""
    project.write("shared.py", "from fastapi import FastAPI\n\napp = FastAPI()\n")
    project.write("routes.py", routes)
    project.write("main.py", "import routes\nfrom shared import app\n")
    project.load("main")
    app: FastAPI = sys.modules["shared"].app
    return app


def _get(app: FastAPI, path: str) -> Any:
    async def get() -> Any:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
            return (await client.get(path)).json()

    return asyncio.run(get())


def test_a_generator_handed_over_at_import_re_executes(project: Project) -> None:
    """A lifespan (or a dependency) passed at import may have been entered already: only a restart or a
    re-execution runs its new body, never a patch."""
    source = "async def lifespan(app):\n    yield {'greeting': 'hello'}\n\nCONFIG = {'lifespan': lifespan}\n"
    project.write("app.py", source)
    project.load("app")
    result = project.change("app.py", source.replace("'hello'", "'hi'"))
    assert not result.patched and result.reexecuted


def test_a_function_reached_at_import_through_another_re_executes(project: Project) -> None:
    """`app = create_app()` in one module, `create_app` calling `build` of a third: `build` ran at import."""
    project.write("parts.py", "def build():\n    return 'one'\n")
    project.write("factory.py", "from parts import build\n\n\ndef create_app():\n    return {'built': build()}\n")
    project.write("main.py", "from factory import create_app\n\napp = create_app()\n")
    project.load("main")
    result = project.change("parts.py", "def build():\n    return 'two'\n")
    assert result.committed and not result.patched, result
    assert sys.modules["main"].app == {"built": "two"}  # what a cold start gives


def test_a_function_not_reached_at_import_is_still_patched(project: Project) -> None:
    project.write("parts.py", "def build():\n    return 'one'\n\n\ndef later():\n    return 1\n")
    project.write(
        "factory.py", "from parts import build, later\n\n\ndef create_app():\n    return {'built': build()}\n"
    )
    project.write("main.py", "from factory import create_app\n\napp = create_app()\n")
    project.load("main")
    result = project.change("parts.py", "def build():\n    return 'one'\n\n\ndef later():\n    return 2\n")
    assert project.rel(result.patched) == ["parts.py"], result
    assert sys.modules["factory"].later() == 2


def test_a_handler_docstring_re_executes_so_the_openapi_description_follows(project: Project) -> None:
    routes = 'from shared import app\n\n\n@app.get(\'/hello\')\ndef hello():\n    """Say hello."""\n    return 1\n'
    app = _shared_app(project, routes)
    assert _get(app, "/openapi.json")["paths"]["/hello"]["get"]["description"] == "Say hello."
    result = project.change("routes.py", routes.replace("Say hello.", "Greet the caller."))
    assert result.committed and not result.patched, result
    assert _get(app, "/openapi.json")["paths"]["/hello"]["get"]["description"] == "Greet the caller."


def test_a_plain_function_docstring_is_patched(project: Project) -> None:
    _setup(project)
    source = HANDLERS.replace("def greet(name):\n", 'def greet(name):\n    """Say hello."""\n')
    project.change("handlers.py", source)
    result = project.change("handlers.py", source.replace("Say hello.", "Greet."))
    assert result.patched and sys.modules["handlers"].greet.__doc__ == "Greet."


def test_a_function_a_library_calls_at_class_creation_re_executes(project: Project) -> None:
    """SQLAlchemy calls a `declared_attr` while the class is created: no name in the module's code says so."""
    source = (
        "from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n\n"
        "class Named:\n    @declared_attr.directive\n    def __tablename__(cls) -> str:\n"
        "        return cls.__name__.lower() + 's'\n\n\n"
        "class User(Named, Base):\n    id: Mapped[int] = mapped_column(primary_key=True)\n"
    )
    project.write("models.py", source)
    project.load("models")
    result = project.change("models.py", source.replace("+ 's'", "+ '_table'"))
    assert result.committed and not result.patched, result
    assert sys.modules["models"].User.__table__.name == "user_table"


def test_a_function_a_library_kept_the_result_of_re_executes(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A library decorator that calls the function at once and keeps its result under the name."""
    library = tmp_path / "site"
    library.mkdir()
    (library / "once.py").write_text(
        "class Computed:\n    def __init__(self, function):\n        self.value = function()\n\n\n"
        "def computed(function):\n    return Computed(function)\n"
    )
    monkeypatch.syspath_prepend(str(library))
    source = "from once import computed\n\n\n@computed\ndef greeting():\n    return 'hello'\n"
    project.write("texts.py", source)
    project.load("texts")
    result = project.change("texts.py", source.replace("'hello'", "'welcome'"))
    assert result.committed and not result.patched, result
    assert sys.modules["texts"].greeting.value == "welcome"


VALIDATED = """
from pydantic import BaseModel, field_validator, computed_field
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, validates

class Item(BaseModel):
    name: str

    @field_validator("name")
    @classmethod
    def upper(cls, v):
        return v.upper()

    @computed_field
    @property
    def size(self) -> int:
        return len(self.name)

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "u"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str]

    @validates("email")
    def check(self, key, value):
        return value.lower()
"""


def test_validators_and_computed_fields_run_the_patched_bodies(project: Project) -> None:
    """pydantic and SQLAlchemy hold the function objects they were given: a patch reaches them."""
    project.write("validated.py", VALIDATED)
    assert project.load("validated").Item(name="ab").name == "AB"
    edited = (
        VALIDATED.replace("v.upper()", "v.upper() + '!'")
        .replace("len(self.name)", "len(self.name) * 10")
        .replace("value.lower()", "value.lower() + '?'")
    )
    result = project.change("validated.py", edited)
    assert project.rel(result.patched) == ["validated.py"], result
    validated = sys.modules["validated"]
    assert validated.Item(name="ab").model_dump() == {"name": "AB!", "size": 30}
    assert validated.User(email="X").email == "x?"


DEFAULTS = """
def greet(name, greeting="hello", times=1):
    return " ".join([greeting + " " + name] * times)


class Formatter:
    def format(self, value, width=4):
        return str(value).rjust(width)
"""


def test_plain_constant_defaults_are_patched(project: Project) -> None:
    project.write("defaults.py", DEFAULTS)
    defaults = project.load("defaults")
    greet = defaults.greet
    result = project.change("defaults.py", DEFAULTS.replace('"hello", times=1', '"hi", times=2').replace("=4", "=6"))
    assert project.rel(result.patched) == ["defaults.py"], result
    assert result.patched_functions == 2
    assert greet("ada") == "hi ada hi ada" and defaults.Formatter().format(1) == "     1"
    result = project.change("defaults.py", DEFAULTS.replace('greeting="hello"', "greeting=[]"))
    assert result.committed and not result.patched, result  # not a plain constant: re-executed


def test_a_default_a_route_read_at_import_re_executes(project: Project) -> None:
    routes = "from shared import app\n\n\n@app.get('/hello')\ndef hello(name: str = 'ada'):\n    return name\n"
    app = _shared_app(project, routes)
    result = project.change("routes.py", routes.replace("'ada'", "'bob'"))
    assert result.committed and not result.patched, result
    assert _get(app, "/hello") == "bob"


def test_a_changed_keyword_name_at_import_re_executes(project: Project) -> None:
    """`f(a=x)` to `f(b=x)` changes only a constant (the call's keyword names), not a default."""
    source = "def f(**kwargs):\n    return kwargs\n\nx = 1\nCALLED = f(a=x)\n"
    project.write("calls.py", source)
    project.load("calls")
    result = project.change("calls.py", source.replace("f(a=x)", "f(b=x)"))
    assert result.committed and not result.patched, result
    assert sys.modules["calls"].CALLED == {"b": 1}
