"""Faults a save can bring into a real `hotbed dev`: the server keeps answering throughout.

Each test runs `hotbed dev main:app` on a small Starlette app in tmp_path, edits one module
into a fault, and checks with a polling client that requests are answered (by the last
good code) and that the next save, the fix, is applied.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from hotbed.dev.control_client import ControlClient, ControlError
from hotbed.dev.protocol import ChangeParams, Status
from hotbed.dev.worker import RELOAD_DEADLINE
from tests.dev.test_control_server import _exchange, _framed, _until
from tests.helpers.devserver import (
    TIMEOUT,
    DevServer,
    Poller,
    pid_alive,
    polling,
    server_environment,
    spawn,
    wait_until,
)

MAIN = """
import os

from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

import value


async def home(request):
    return JSONResponse({"value": value.VALUE, "pid": os.getpid()})


async def crash(request):
    os._exit(3)


app = Starlette(routes=[Route("/", home), Route("/crash", crash)])
"""

Start = Callable[..., DevServer]
BLOG = Path(__file__).parents[2] / "examples" / "blog"


@pytest.fixture
def app_root(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    (root / "main.py").write_text(textwrap.dedent(MAIN))
    (root / "value.py").write_text("VALUE = 1\n")
    return root


@pytest.fixture
def start(app_root: Path) -> Iterator[Start]:
    servers: list[DevServer] = []

    def run(**env: str) -> DevServer:
        server = DevServer(app_root, {**server_environment(), **env})
        servers.append(server)
        return server

    yield run
    for server in servers:
        server.stop()


def copy_blog(tmp_path: Path) -> Path:
    """A copy of the example entity project as a fresh clone has it."""
    blog = tmp_path / "blog"
    shutil.copytree(BLOG, blog, ignore=shutil.ignore_patterns("__pycache__", ".hotbed"))
    return blog


def more_answers(poller: Poller, message: str) -> None:
    """Wait until the poller got a few more answers than it has now."""
    count = len(poller.seen)
    wait_until(lambda: len(poller.seen) > count + 3, message=message)


def save_value(server: DevServer, body: str) -> None:
    (server.root / "value.py").write_text(textwrap.dedent(body))


@pytest.mark.parametrize("raised", ["KeyboardInterrupt", "SystemExit(3)"])
def test_an_interruption_at_import_rolls_back_and_the_worker_lives_on(start: Start, raised: str) -> None:
    """`raise KeyboardInterrupt` or `SystemExit` at a module's top level rolls back like any exception."""
    server = start()
    with polling(server, "/") as poller:
        save_value(server, f"raise {raised}\nVALUE = 2\n")
        server.output.wait_for(raised.split("(")[0])
        server.output.wait_for("rolled back")
        save_value(server, "VALUE = 3\n")
        wait_until(lambda: poller.seen[-1]["value"] == 3, message="the fix to be served")
    assert poller.failures == []
    assert {body["pid"] for body in poller.seen} == {server.first_pid}
    assert {body["value"] for body in poller.seen} <= {1, 3}


def test_an_endless_loop_at_import_rolls_back_at_the_stated_deadline_and_the_fix_applies(start: Start) -> None:
    """The design (docs/architecture.md, README): a reload runs on the thread that serves requests,
    under a short execution deadline (`RELOAD_DEADLINE`, 5 s); the requests that arrive behind an
    endless loop wait for it, none fails, and the last good code answers them. The same worker
    serves throughout, and the next save, the fix, applies."""
    assert RELOAD_DEADLINE <= 5  # "a few seconds", as stated
    server = start()
    with polling(server, "/") as poller:
        save_value(server, "while True:\n    pass\nVALUE = 2\n")
        server.output.wait_for(rf"ExecutionTimeout: module execution ran for more than {RELOAD_DEADLINE:g} s")
        server.output.wait_for("rolled back")
        more_answers(poller, "the last good code to answer again")
        save_value(server, "VALUE = 3\n")
        wait_until(lambda: poller.seen[-1]["value"] == 3, message="the fix to be served")
    assert poller.failures == []
    assert {body["pid"] for body in poller.seen} == {server.first_pid}
    assert {body["value"] for body in poller.seen} == {1, 3}


async def test_the_control_channel_opens_nothing_outside_the_project_and_answers_every_request(
    start: Start, app_root: Path
) -> None:
    """`sync` of what is not a regular project file is an error naming the path, and nothing is read
    (a FIFO would block the supervisor, `/dev/zero` grow it); malformed, invalid and oversized
    messages are answered. The server serves on throughout, and a real `sync` then applies.
    The project holds those `.py` files from the start: the watcher, which hashes every source
    as it starts, judges them by `fstat` as well, or the dev server would never serve."""
    os.mkfifo(app_root / "fifo.py")
    (app_root / "zero.py").symlink_to("/dev/zero")
    (app_root / "passwd.py").symlink_to("/etc/passwd")
    with (app_root / "huge.py").open("wb") as huge:
        huge.truncate(64 * 1024 * 1024)
    server = start()
    refused = {
        Path("/etc/passwd"): "outside",
        app_root / "passwd.py": "outside",
        app_root / "zero.py": "outside",
        app_root / "fifo.py": "regular",
        app_root / "huge.py": "larger",
    }
    with polling(server, "/") as poller:
        client = ControlClient(app_root)
        await client.connect()
        try:
            for path, reason in refused.items():
                with pytest.raises(ControlError, match=rf"{path}: .*{reason}"):
                    await asyncio.wait_for(client.sync([ChangeParams(str(path))]), TIMEOUT)
            for raw, code in (
                (_framed(b'{"jsonrpc": "2.0", "id": 3, "method": "sync", "params": {"changes": "x"}}'), -32602),
                (_framed(b"{not json"), -32700),
                (b"Content-Length: 99999999999\r\n\r\n", -32600),
            ):
                reply, _ = await _exchange(app_root, raw)
                assert isinstance(reply["error"], dict) and reply["error"]["code"] == code, reply
            (app_root / "value.py").write_text("VALUE = 5\n")
            report = await asyncio.wait_for(client.sync([ChangeParams(str(app_root / "value.py"))]), TIMEOUT)
            assert report.ok, report
            wait_until(lambda: poller.seen[-1]["value"] == 5, message="the synced save to be served")
        finally:
            await client.close()
    assert poller.failures == []
    assert {body["pid"] for body in poller.seen} == {server.first_pid}


def test_a_second_dev_server_in_the_same_project_refuses_naming_the_first(start: Start) -> None:
    server = start()
    second = spawn(["dev", "main:app", "--port", "0"], server.root, server_environment())
    output, _ = second.communicate(timeout=TIMEOUT)
    assert second.returncode == 1, output
    assert "already running" in output
    assert f"pid {server.process.pid}" in output
    assert server.url in output
    assert server.get("/")["value"] == 1  # the first one still serves


def test_the_lock_of_a_killed_dev_server_is_taken_over(start: Start) -> None:
    """SIGKILL leaves `.hotbed/dev.lock` behind with the dead pid in it; the kernel dropped the lock
    itself, so the next `hotbed dev` starts instead of refusing."""
    first = start()
    first.process.kill()
    first.process.wait(TIMEOUT)
    wait_until(lambda: not pid_alive(first.first_pid), message="the orphaned worker to exit")
    assert str(first.process.pid) in (first.root / ".hotbed" / "dev.lock").read_text()
    second = start()
    assert second.get("/")["value"] == 1
    assert str(second.process.pid) in (first.root / ".hotbed" / "dev.lock").read_text()


def test_sighup_stops_the_dev_server_cleanly(start: Start) -> None:
    server = start()
    assert server.stop(signal.SIGHUP) == 0
    assert "hotbed dev stopped" in server.output.text
    assert not pid_alive(server.first_pid)
    # The lock went with it: the next server in the project starts.
    assert start().get("/")["value"] == 1


SETTINGS = """
import hotbed

hotbed.hot(__name__).decline()

while {loop}:
    pass

MODE = {mode!r}
"""


def test_a_replacement_worker_that_never_serves_is_stopped_and_the_fix_is_applied(start: Start, app_root: Path) -> None:
    (app_root / "settings.py").write_text(SETTINGS.format(loop=False, mode="one"))
    (app_root / "value.py").write_text("import settings\n\nVALUE = settings.MODE\n")
    server = start(HOTBED_STARTUP_TIMEOUT="3")
    with polling(server, "/") as poller:
        (app_root / "settings.py").write_text(SETTINGS.format(loop=True, mode="loops"))
        server.output.wait_for("was not serving 3 s after it started")
        more_answers(poller, "the old worker to keep answering")
        (app_root / "settings.py").write_text(SETTINGS.format(loop=False, mode="two"))
        wait_until(lambda: poller.seen[-1]["value"] == "two", message="the fix to be served")
    assert poller.failures == []
    assert {body["value"] for body in poller.seen} == {"one", "two"}


STUCK = "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass\n"


async def test_a_worker_stuck_in_a_batch_is_replaced_on_the_current_files(start: Start, app_root: Path) -> None:
    """A loop that swallows the deadline's interrupt: the batch's answer deadline replaces the worker,
    the reason is printed and broadcast as `hotbed/status`, and only the request it held is lost."""
    server = start(HOTBED_EXECUTION_TIMEOUT="1", HOTBED_BATCH_TIMEOUT="3", HOTBED_STARTUP_TIMEOUT="20")
    statuses: list[Status] = []
    client = ControlClient(app_root, on_status=statuses.append)
    await client.connect()
    why = f"worker {server.first_pid} did not finish the batch within 3 s"
    try:
        with polling(server, "/") as poller:
            save_value(server, STUCK)
            server.output.wait_for(why)
            wait_until(lambda: not pid_alive(server.first_pid), message="the stuck worker to be stopped")
            save_value(server, "VALUE = 4\n")
            wait_until(lambda: poller.seen[-1]["value"] == 4, message="the fix to be served by a new worker")
        # The waits above held the event loop: the client reads the broadcasts now.
        await asyncio.wait_for(_until(lambda: any(s.state == "restarting" and why in s.message for s in statuses)), 10)
    finally:
        await client.close()
    assert poller.seen[-1]["pid"] != server.first_pid
    assert len(poller.failures) <= 1, poller.failures  # at most the request the stuck worker held
    assert {body["value"] for body in poller.seen} == {1, 4}


def test_after_a_crash_only_the_requests_the_dead_worker_held_are_lost(start: Start) -> None:
    server = start()
    with polling(server, "/") as poller:
        with pytest.raises(httpx.HTTPError):  # the request that crashed the worker is the one it held
            httpx.get(f"{server.url}/crash", timeout=TIMEOUT)
        server.output.wait_for(f"worker {server.first_pid} died")
        wait_until(lambda: poller.seen[-1]["pid"] != server.first_pid, message="the new worker's answer")
        more_answers(poller, "more answers")
    assert len(poller.failures) <= 1, poller.failures  # at most the poller's request in flight at the crash


def test_a_module_symlinked_from_outside_the_project_is_not_autoloaded(tmp_path: Path) -> None:
    blog = copy_blog(tmp_path)
    outside = tmp_path / "elsewhere" / "evil_api.py"
    outside.parent.mkdir()
    outside.write_text(
        "from hotbed import api\n\n\nclass EvilApi:\n    @api(http_method='GET')\n    def leak(self) -> str:\n"
        "        return 'leaked'\n"
    )
    link = blog / "src" / "application" / "post" / "evil_api.py"
    link.symlink_to(outside)
    server = DevServer(blog, server_environment(), target=())
    try:
        server.output.wait_for(r"not autoloading .*evil_api\.py: a symlink to .*elsewhere")
        assert "/leak" not in server.output.text
        assert server.client.get("/api/evil/leak").status_code == 404
    finally:
        server.stop()


NOTE_ENTITY = {
    "id": "Note",
    "table": "notes",
    "title": "Note",
    "props": [{"name": "id", "type": "integer"}, {"name": "body", "type": "string", "length": 200}],
}


def test_a_removed_entity_names_its_modules_and_the_next_start_serves_the_rest(tmp_path: Path) -> None:
    """The running server keeps serving; the syncer names the model and API that import the deleted
    types; the next `hotbed dev` starts, says it does not serve them, and serves the other entities."""
    blog = copy_blog(tmp_path)
    note = blog / "src" / "application" / "note" / "note.entity.json"
    note.parent.mkdir()
    note.write_text(json.dumps(NOTE_ENTITY))
    server = DevServer(blog, server_environment(), target=())
    try:
        assert server.client.get("/api/note/list").status_code == 200
        with polling(server, "/api/post/list") as poller:
            note.unlink()
            for module in ("note_api", "note_model"):
                server.output.wait_for(rf"- src/application/note/{module}\.py imports application\.note\.note_types")
            more_answers(poller, "the server to keep answering")
        assert poller.failures == []
    finally:
        server.stop()

    again = DevServer(blog, server_environment(), target=())
    try:
        for module in ("note_api", "note_model"):
            again.output.wait_for(
                rf"✗ not serving src/application/note/{module}\.py: it failed to import"
                r" \(src/application/note/note_\w+\.py:\d+: ModuleNotFoundError: .*application\.note\.note_types"
            )
        assert again.get("/api/post/list") == []
        assert again.client.get("/api/note/list").status_code == 404
        # Deleting the files it named is the whole fix: the next save of another module applies.
        for module in ("note_api", "note_model"):
            (note.parent / f"{module}.py").unlink()
        model = blog / "src" / "application" / "post" / "post_model.py"
        model.write_text(model.read_text() + "\n\nREVISION = 2\n")
        again.output.wait_for(r"✅ re-executed 2 modules")
        assert again.get("/api/post/list") == []
    finally:
        again.stop()


def test_a_module_symlinked_from_outside_is_not_tracked_by_the_engine(start: Start, app_root: Path) -> None:
    """A plain app importing a module that links out of the project: the engine never tracks it
    (its edits are not the project's to reload) and says so; the project's own modules reload."""
    outside = app_root.parent / "elsewhere" / "shared.py"
    outside.parent.mkdir()
    outside.write_text("SHARED = 'outside'\n")
    (app_root / "linked.py").symlink_to(outside)
    (app_root / "value.py").write_text("import linked\n\nVALUE = linked.SHARED\n")
    server = start()
    server.output.wait_for(r"not tracking .*linked\.py: it is a symlink to .*elsewhere/shared\.py, outside the project")
    assert server.get("/")["value"] == "outside"
    dump = spawn(["dump", "--json"], app_root, server_environment())
    rows, _ = dump.communicate(timeout=TIMEOUT)
    assert {row["path"] for row in json.loads(rows)} == {"main.py", "value.py"}
    save_value(server, "import linked\n\nVALUE = linked.SHARED + '!'\n")
    server.wait_json("/", lambda body: body["value"] == "outside!")


def test_entity_files_that_are_not_regular_project_files_are_never_read(tmp_path: Path) -> None:
    """A FIFO and a link to `/dev/zero` named like entity files: the syncer reads every entity
    file at start-up and in each batch, so it judges them by `stat` first and names them."""
    blog = copy_blog(tmp_path)
    odd = blog / "src" / "application" / "odd"
    odd.mkdir()
    os.mkfifo(odd / "fifo.entity.json")
    (odd / "zero.entity.json").symlink_to("/dev/zero")
    server = DevServer(blog, server_environment(), target=())
    try:
        server.output.wait_for(r"not reading the entity file .*fifo\.entity\.json: not a regular file")
        server.output.wait_for(r"not reading the entity file .*zero\.entity\.json: a symlink to /dev/zero, outside")
        with polling(server, "/api/post/list") as poller:
            model = blog / "src" / "application" / "post" / "post_model.py"
            model.write_text(model.read_text() + "\n\nREVISION = 2\n")
            server.output.wait_for(r"✅ re-executed 2 modules")
            more_answers(poller, "more answers after the batch")
        assert poller.failures == []
    finally:
        server.stop()
