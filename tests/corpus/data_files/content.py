import pkgutil
import sqlite3
from functools import lru_cache
from pathlib import Path
from string import Template

HERE = Path(__file__).parent
GREETING = Template((HERE / "templates" / "greeting.txt").read_text())
REPORT = (HERE / "queries" / "report.sql").read_text()
TOP = (pkgutil.get_data("queries", "top.sql") or b"").decode()  # through the package's loader

db = sqlite3.connect(":memory:", check_same_thread=False)
db.executescript((HERE / "queries" / "schema.sql").read_text())


def report() -> list[str]:
    return [row[0] for row in db.execute(REPORT)]


def top() -> str:
    return str(db.execute(TOP).fetchone()[0])


@lru_cache
def template(name: str) -> Template:
    """Loaded on first use and kept, as a template engine's loader does."""
    return Template((HERE / "templates" / name).read_text())


def page(name: str) -> str:
    return template("page.txt").substitute(name=name)


def count() -> int:
    """The query read on every call."""
    return int(db.execute((HERE / "queries" / "count.sql").read_text()).fetchone()[0])
