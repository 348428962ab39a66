"""Saves that `hotbed dev` applies in place: every one is served by the same worker process."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from tests.e2e.conftest import TIMEOUT, DevServer, wait_until


def test_router_change_is_served_by_the_same_worker(server: DevServer) -> None:
    before = server.get("/version")
    assert before["version"] == 1
    assert before["hot"] is True
    assert before["pid"] == server.first_pid

    server.edit("app/routes.py", "ROUTE_VERSION = 1", "ROUTE_VERSION = 2")
    after = server.wait_json("/version", lambda body: body["version"] == 2)
    assert after["pid"] == before["pid"]

    server.edit("app/routes.py", "ROUTE_VERSION = 2", "ROUTE_VERSION = 3")
    assert server.wait_json("/version", lambda body: body["version"] == 3)["pid"] == before["pid"]
    # The app object was rebuilt twice; its lifespan ran once, for this worker only.
    log = (server.root / "lifespan.log").read_text().splitlines()
    assert log == [f"startup {before['pid']}"]


def test_editor_saving_by_rename_is_a_change(server: DevServer) -> None:
    """Vim and JetBrains save by writing a temporary file and renaming it over the module."""
    before = server.get("/version")
    routes = server.root / "app/routes.py"
    temporary = routes.with_name(".routes.py.swp")
    temporary.write_text(routes.read_text().replace("ROUTE_VERSION = 1", "ROUTE_VERSION = 2"))
    os.replace(temporary, routes)

    assert server.wait_json("/version", lambda body: body["version"] == 2)["pid"] == before["pid"]
    server.output.wait_for(r"- app/routes\.py")
    assert "swp" not in server.output.text


def test_enum_and_model_changed_together_stay_consistent(server: DevServer) -> None:
    before = server.get("/item")
    assert before["colors"] == ["red"]
    assert before["isinstance"] == [True, True, True]

    server.edit("app/models.py", 'RED = "red"', 'RED = "red"\n    BLUE = "blue"')
    server.edit("app/models.py", "color: Color = Color.RED", "color: Color = Color.RED\n    size: int = 7")
    after = server.wait_json("/item", lambda body: body["fields"] == ["color", "name", "size"])
    assert after["colors"] == ["red", "blue"]
    assert after["made"] == {"name": "made", "color": "red", "size": 7}
    assert after["isinstance"] == [True, True, True]
    assert after["validated_is_last"] is True
    assert after["pid"] == before["pid"]


def test_module_imported_by_computed_name_reloads(server: DevServer) -> None:
    before = server.get("/plugin")
    assert before["greeting"] == "hello from alpha 1"

    server.edit("app/plugin_alpha.py", "alpha 1", "alpha 2")
    after = server.wait_json("/plugin", lambda body: body["greeting"] == "hello from alpha 2")
    assert after["pid"] == before["pid"]


def test_circular_pair_reloads(server: DevServer) -> None:
    before = server.get("/cycle")
    assert (before["a"], before["b"]) == ("a1+b1", "b1+a1")

    server.edit("app/cycle_b.py", 'B = "b1"', 'B = "b2"')
    after = server.wait_json("/cycle", lambda body: body["b"].startswith("b2"))
    assert (after["a"], after["b"]) == ("a1+b2", "b2+a1")

    server.edit("app/cycle_a.py", 'A = "a1"', 'A = "a2"')
    after = server.wait_json("/cycle", lambda body: body["a"].startswith("a2"))
    assert (after["a"], after["b"]) == ("a2+b2", "b2+a2")
    assert after["pid"] == before["pid"]


def test_hot_data_survives_and_dispose_runs_for_the_old_version(server: DevServer) -> None:
    before = server.get("/state")
    assert (before["version"], before["loads"], before["disposed"]) == (1, 1, [])

    server.edit("app/state.py", "VERSION = 1", "VERSION = 2")
    after = server.wait_json("/state", lambda body: body["version"] == 2)
    assert (after["loads"], after["disposed"]) == (2, [1])

    server.edit("app/state.py", "VERSION = 2", "VERSION = 3")
    after = server.wait_json("/state", lambda body: body["version"] == 3)
    assert (after["loads"], after["disposed"]) == (3, [1, 2])
    assert after["pid"] == before["pid"]


def lines_after(server: DevServer, line: str, count: int) -> list[str]:
    """The `count` console lines that follow `line` (a failed reload's error line: its source line and caret)."""
    lines = server.output.text.splitlines()
    assert line in lines, f"{line!r} not printed\n{server.output.text}"
    start = lines.index(line) + 1
    return lines[start : start + count]


def test_syntax_error_keeps_old_code_until_the_next_good_save(server: DevServer) -> None:
    number = (server.root / "app/routes.py").read_text().splitlines().index("ROUTE_VERSION = 1") + 1
    server.edit("app/routes.py", "ROUTE_VERSION = 1", "ROUTE_VERSION = (")
    server.output.wait_for(r"rolled back: worker \d+ keeps serving")
    error = f"✗ error app/routes.py:{number}: SyntaxError: '(' was never closed"
    assert lines_after(server, error, 2) == ["    ROUTE_VERSION = (", " " * len("    ROUTE_VERSION = ") + "^"]
    assert server.get("/version")["version"] == 1
    assert server.get("/item")["colors"] == ["red"]

    server.edit("app/routes.py", "ROUTE_VERSION = (", "ROUTE_VERSION = 2")
    after = server.wait_json("/version", lambda body: body["version"] == 2)
    assert after["pid"] == server.first_pid
    server.output.wait_for(r"^✅ re-executed \d+ modules in \d+\.\d ms$")


def test_exception_at_import_rolls_back_and_keeps_serving(server: DevServer) -> None:
    server.edit("app/plugin_alpha.py", 'GREETING = "hello from alpha 1"', 'raise RuntimeError("broken plugin")')
    server.output.wait_for(r"rolled back: worker \d+ keeps serving")
    error = "✗ error app/plugin_alpha.py:1: RuntimeError: broken plugin"
    assert lines_after(server, error, 1) == ['    raise RuntimeError("broken plugin")']
    assert server.get("/plugin")["greeting"] == "hello from alpha 1"
    assert server.get("/version")["version"] == 1

    server.edit("app/plugin_alpha.py", 'raise RuntimeError("broken plugin")', 'GREETING = "fixed"')
    after = server.wait_json("/plugin", lambda body: body["greeting"] == "fixed")
    assert after["pid"] == server.first_pid


def test_an_endless_loop_at_import_is_stopped_and_the_old_code_keeps_serving(
    start_server: Callable[..., DevServer],
) -> None:
    server = start_server(HOTBED_EXECUTION_TIMEOUT="1")
    server.edit("app/plugin_alpha.py", 'GREETING = "hello from alpha 1"', "while True:\n    pass")
    server.output.wait_for(r"rolled back: worker \d+ keeps serving")
    assert "ExecutionTimeout: module execution ran for more than 1 s" in server.output.text
    assert server.get("/plugin")["greeting"] == "hello from alpha 1"

    server.edit("app/plugin_alpha.py", "while True:\n    pass", 'GREETING = "fixed"')
    after = server.wait_json("/plugin", lambda body: body["greeting"] == "fixed")
    assert after["pid"] == server.first_pid


def test_request_in_flight_finishes_on_the_code_it_started_with(server: DevServer) -> None:
    with ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(server.get, "/slow")
        wait_until(lambda: (server.root / "waiting").exists(), message="the slow request to start")
        server.edit("app/routes.py", "ROUTE_VERSION = 1", "ROUTE_VERSION = 2")
        server.wait_json("/version", lambda body: body["version"] == 2)
        assert not in_flight.done()
        (server.root / "release").touch()
        assert in_flight.result(TIMEOUT)["version"] == 1
    assert server.get("/slow")["version"] == 2
