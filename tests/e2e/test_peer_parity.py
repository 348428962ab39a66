"""The engine's subtler rules, end to end: a real `hotbed dev` answers as a cold start of the same files.

Pruning, `hot.data` across a rollback, dispose and prune of a removed module, one file under
two names, star imports, `hot.invalidate()` in a cycle and data files read at import and at
run time; each app (`tests/corpus/`) exposes over HTTP what a wrong reload would leave behind,
and each step's answers are diffed with a fresh uvicorn's (`tests/helpers/coldstart.py`).
"""

from __future__ import annotations

from tests.helpers.coldstart import CORPUS, Edit, StartApp, Step, assert_parity


def test_a_module_no_longer_imported_is_pruned_and_a_removed_one_disposed(start_app: StartApp) -> None:
    """`helper.py` would fail against the new `base.py`, but `main.py` no longer imports it: pruned,
    not run, so it cannot veto the save. A plugin dropped (then one deleted) releases what it
    held through its dispose, before its prune (`registry.py` records the order); dropped while
    it does not even compile, it cannot veto the save either."""
    app = start_app("pruned_modules")
    without_helper = (
        (CORPUS / "pruned_modules" / "main.py")
        .read_text()
        .replace("import helper\n", "")
        .replace("base.X + helper.DOUBLE", "base.Y")
    )
    without_plugin = without_helper.replace("import plugin  # noqa: F401\n", "")
    without_audit = without_plugin.replace("import audit  # noqa: F401\n", "")
    state = ("/state",)
    steps = [
        Step(
            "importer drops a module that would now fail",
            (
                Edit("main.py", without_helper),
                Edit("base.py", "Y = 2\n"),
            ),  # main.py first: split in two batches, both commit
            state,
        ),
        Step(
            "plugin no longer imported, and half-written",
            (Edit("main.py", without_plugin), Edit("plugin.py", "hot(__name__)\n", old="hot(__name__))\n")),
            state,
        ),
        Step("plugin file deleted", (Edit("audit.py", delete=True), Edit("main.py", without_audit)), state),
        Step(
            "plugin imported again",
            (
                Edit("plugin.py", (CORPUS / "pruned_modules" / "plugin.py").read_text()),
                Edit("main.py", without_audit.replace("import base\n", "import base\nimport plugin\n")),
            ),
            state,
        ),
    ]
    assert_parity(app.replay(steps, initial=state))
    assert app.hot.get("/state") == {"value": 2, "loaded": ["base", "plugin", "registry"], "active": ["plugin"]}


def test_hot_data_after_a_rollback_holds_what_the_committed_versions_left(start_app: StartApp) -> None:
    """A version that appends to the list it got from `hot.data.setdefault` and adds a key, then
    fails, leaves neither behind; the old version's dispose, at the next commit, sees no trace."""
    app = start_app("hot_data")
    source = (CORPUS / "hot_data" / "counter.py").read_text()
    broken = 'seen.append("broken")\ncontext.data["half done"] = {}\nraise RuntimeError("broken")\n'
    failing = source.replace("VERSION = 1", "VERSION = 2") + broken  # after it added 2 to every container
    steps = [
        Step("a version fails after touching hot.data", (Edit("counter.py", failing),), ()),
        Step(
            "a fixed version commits",
            (Edit("counter.py", source.replace("VERSION = 1", "VERSION = 3")),),
            ("/counter",),
        ),
    ]
    assert_parity(app.replay(steps, initial=("/counter",)))
    # What a cold start cannot show: the versions that committed shared one list, and only the
    # first version was disposed, seeing the keys as it left them.
    assert app.hot.get("/disposals") == [
        {"version": 1, "keys": ["by kind", "nested", "recent", "seen"], "seen": [1, 3]}
    ]


def test_one_file_imported_under_two_names_reloads_under_both(start_app: StartApp) -> None:
    """`src/` is on `sys.path` and a package: `models` and `src.models` are one file, two modules,
    each with its importers (`helpers.py` by one name, `src/service.py` relatively by the other)."""
    app = start_app("two_names")
    models = ("/models",)
    steps = [
        Step("function body", (Edit("src/models.py", 'return "new"', old='return "old"'),), models),
        Step("class attribute read at import", (Edit("src/models.py", 'kind = "new"', old='kind = "old"'),), models),
        Step("data file it reads at import", (Edit("src/kinds.txt", "second\n"),), models),
    ]
    assert_parity(app.replay(steps, initial=models))
    assert app.hot.get("/models") == {
        "describe": ["new", "new"],
        "kinds at import": ["new", "new"],
        "kinds": ["new", "new"],
        "read at import": ["second", "second"],
        "importers": ["helpers say new", "service of new"],
    }


NO_STAR_MAIN = """import sys

from fastapi import FastAPI
from pkg import NAME

app = FastAPI(title=NAME)


@app.get("/loaded")
def loaded() -> dict[str, bool]:
    package = sys.modules["pkg"]
    return {"pkg.tools imported": "pkg.tools" in sys.modules, "pkg has tools": hasattr(package, "tools")}
"""


def test_a_star_import_of_a_submodule_named_in_all_depends_on_it(start_app: StartApp) -> None:
    """`from pkg import *` with `tools` in `pkg.__all__`: editing `pkg/tools.py` re-runs the star-importer."""
    app = start_app("star_import")
    star = ("/star", "/openapi.json")
    steps = [
        Step("submodule constant read at import", (Edit("pkg/tools.py", "VALUE = 2", old="VALUE = 1"),), star),
        Step("submodule function", (Edit("pkg/tools.py", '"tools"', old='"tool"'),), star),
        Step("package name", (Edit("pkg/__init__.py", 'NAME = "kit"', old='NAME = "pkg"'),), star),
        Step("a submodule added to __all__", (Edit("pkg/__init__.py", '"extra", "tools"', old='"tools"'),), star),
        Step("and edited", (Edit("pkg/extra.py", '"more"', old='"extra"'),), star),
    ]
    assert_parity(app.replay(steps, initial=star))
    assert app.hot.get("/star") == {"at import": 2, "now": 2, "label": "tools", "words": ["more"]}
    # No star import any more: `pkg.tools` is imported by nothing, pruned from `sys.modules` and `pkg`.
    no_star = Step("star import dropped", (Edit("main.py", NO_STAR_MAIN),), ("/loaded",))
    assert_parity(app.replay([no_star]))
    assert app.hot.get("/loaded") == {"pkg.tools imported": False, "pkg has tools": False}


def test_invalidate_in_an_import_cycle_and_during_the_first_import(start_app: StartApp) -> None:
    """`cycle_a` accepts and calls `hot.invalidate()` on every reload: `cycle_b`, which imports it
    and which it imports, must hold its new version. `counter.py` invalidates unguarded at
    its top level, and `hooks.py`, which it imports, imports it back (an importer before it
    finished): at start-up that must run nothing twice (`/runs`)."""
    app = start_app("import_cycle")
    everything = ("/cycle", "/runs")
    steps = [
        Step("a module of the cycle", (Edit("cycle_a.py", "VERSION = 2", old="VERSION = 1"),), everything),
        Step("and again", (Edit("cycle_a.py", "VERSION = 3", old="VERSION = 2"),), everything),
    ]
    assert_parity(app.replay(steps, initial=everything))
    assert app.hot.get("/cycle")["through b"] == 3


def test_templates_and_sql_files_read_at_import_and_at_run_time(start_app: StartApp) -> None:
    """A `string.Template` and SQL read at import re-run their reader; read at run time (the
    template through a cache, the SQL on every call) they restart the worker."""
    app = start_app("data_files")
    everything = ("/greeting", "/report", "/top", "/page", "/count")
    steps = [
        Step("template read at import", (Edit("templates/greeting.txt", "Hi", old="Hello"),), everything),
        Step("template read at run time", (Edit("templates/page.txt", "<h2>", old="<h1>"),), everything, restart=True),
        Step("SQL read at import", (Edit("queries/report.sql", "name DESC", old="name"),), everything),
        Step(
            "SQL read through the package's loader",
            (Edit("queries/top.sql", "price LIMIT", old="price DESC LIMIT"),),
            everything,
        ),
        Step(
            "SQL read at run time",
            (Edit("queries/count.sql", "count(*) * 10", old="count(*)"),),
            everything,
            restart=True,
        ),
        Step(
            "SQL schema read at import", (Edit("queries/schema.sql", "('fig', 1), ('pear'", old="('pear'"),), everything
        ),
    ]
    assert_parity(app.replay(steps, initial=everything))
    assert app.hot.get("/count") == 40
