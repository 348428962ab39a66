"""Changes that need a new worker, crashes, and stopping: the socket stays open throughout."""

from __future__ import annotations

import json
import os
import signal
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.conftest import TIMEOUT, DevServer, pid_alive, wait_until
from tests.helpers.devserver import polling


def test_declined_module_restarts_the_worker_without_failing_a_request(server: DevServer) -> None:
    old_pid = server.first_pid
    with polling(server, "/settings") as poller:
        server.edit("app/settings.py", 'MODE = "one"', 'MODE = "two"')
        wait_until(lambda: poller.seen[-1]["mode"] == "two", message="the new worker's answer")
        # The old worker serves until the new one is ready, then drains and exits.
        wait_until(lambda: not pid_alive(old_pid), message="the old worker to exit")
        count = len(poller.seen)
        wait_until(lambda: len(poller.seen) > count + 5, message="more answers from the new worker")
    assert poller.failures == []
    new_pid = poller.seen[-1]["pid"]
    assert new_pid != old_pid
    assert {body["pid"] for body in poller.seen} == {old_pid, new_pid}
    assert {body["mode"] for body in poller.seen if body["pid"] == old_pid} == {"one"}
    assert {body["mode"] for body in poller.seen if body["pid"] == new_pid} == {"two"}
    server.output.wait_for("restart required")


def test_a_retiring_worker_answers_a_connection_whose_request_arrives_after_the_handover(
    start_server: Callable[..., DevServer],
) -> None:
    # The worker has accepted this connection, but its request is still "on its way" when
    # the worker is told to stop (its log says "Shutting down"): the answer must still come.
    server = start_server(log_level="info")
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=TIMEOUT) as silent:
        server.get("/settings")  # accepted after `silent`, which the same worker accepted first
        server.edit("app/settings.py", 'MODE = "one"', 'MODE = "two"')
        server.output.wait_for("Shutting down")
        silent.sendall(b"GET /settings HTTP/1.1\r\nHost: localhost\r\n\r\n")
        response = b""
        while chunk := silent.recv(65536):  # the retiring worker closes the connection after answering
            response += chunk
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), response
    assert json.loads(body) == {"mode": "one", "pid": server.first_pid}


def test_settings_give_a_module_app_its_boundaries_and_restart_globs(
    project_copy: Path, start_server: Callable[..., DevServer]
) -> None:
    (project_copy / "hotbed.toml").write_text('boundaries = ["./app/**/*.py"]\nrestart = ["data/*.txt"]\n')
    (project_copy / "data").mkdir()
    (project_copy / "data" / "flags.txt").write_text("one\n")
    server = start_server()

    (project_copy / "data" / "flags.txt").write_text("two\n")
    first = server.wait_json("/version", lambda body: body["pid"] != server.first_pid, across_restart=True)
    assert "data/flags.txt" in server.output.text

    # main.py is outside the boundaries: a change that reaches it needs a new worker.
    server.edit("app/routes.py", "ROUTE_VERSION = 1", "ROUTE_VERSION = 2")
    second = server.wait_json("/version", lambda body: body["version"] == 2, across_restart=True)
    assert second["pid"] != first["pid"]
    server.output.wait_for("non-boundary main.py")


def test_restart_file_restarts_the_worker(server: DevServer) -> None:
    old_pid = server.first_pid
    (server.root / ".env").write_text("MODE=two\n")
    body = server.wait_json("/version", lambda body: body["pid"] != old_pid, across_restart=True)
    assert body["version"] == 1
    assert ".env" in server.output.text


def test_killed_worker_is_replaced(server: DevServer) -> None:
    old_pid = server.first_pid
    os.kill(old_pid, signal.SIGKILL)
    body = server.wait_json("/version", lambda body: body["pid"] != old_pid, across_restart=True)
    assert body["version"] == 1
    server.output.wait_for(rf"worker {old_pid} died \(killed by SIGKILL\)")


def test_failed_restart_keeps_serving_and_crash_loop_waits_for_a_change(server: DevServer) -> None:
    old_pid = server.first_pid
    server.edit("app/settings.py", 'MODE = "one"', 'raise RuntimeError("settings are broken")')
    server.output.wait_for(rf"worker {old_pid} keeps serving the previous code")
    assert server.get("/settings", headers={"Connection": "close"}) == {"pid": old_pid, "mode": "one"}

    # Without a working worker to fall back on, new ones crash on import until the limit.
    os.kill(old_pid, signal.SIGKILL)
    server.output.wait_for("waiting for a file change")
    assert "settings are broken" in server.output.text

    server.edit("app/settings.py", 'raise RuntimeError("settings are broken")', 'MODE = "three"')
    body = server.wait_json("/settings", lambda body: body["mode"] == "three", across_restart=True)
    assert body["pid"] != old_pid


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_supervisor_and_worker(server: DevServer, sig: signal.Signals) -> None:
    pid = server.get("/version")["pid"]
    assert server.stop(sig) == 0
    assert not pid_alive(pid)
    assert "hotbed dev stopped" in server.output.text
    log = (server.root / "lifespan.log").read_text().splitlines()
    assert log == [f"startup {pid}", f"shutdown {pid}"]


def test_worker_does_not_outlive_a_killed_supervisor(server: DevServer) -> None:
    pid = server.get("/version")["pid"]
    server.process.kill()
    server.process.wait(TIMEOUT)
    wait_until(lambda: not pid_alive(pid), message="the orphaned worker to exit")


def assert_saves_are_not_picked_up(server: DevServer) -> None:
    """Save the route module and a restart file; show that the same worker keeps answering from the old code.

    Absence has no event to wait for. With a watcher a save is a batch within its 300 ms burst
    cap and a reload takes milliseconds (a restart under a second), so 1.5 s of answers from
    the old code and the first worker, with no reload on the console, shows neither save was seen.
    """
    server.edit("app/routes.py", "ROUTE_VERSION = 1", "ROUTE_VERSION = 2")
    (server.root / ".env").write_text("MODE=two\n")
    deadline = time.monotonic() + 1.5
    while time.monotonic() < deadline:
        body = server.get("/version", headers={"Connection": "close"})
        assert (body["version"], body["pid"]) == (1, server.first_pid)
        time.sleep(0.05)
    for reload_line in ("Invalidated", "re-executed", "patched", "restart required", ".env"):
        assert reload_line not in server.output.text


def test_hot_no_serves_without_hook_or_watcher(start_server: Callable[..., DevServer]) -> None:
    server = start_server(HOT="no")
    body = server.get("/version")
    assert body["hot"] is False
    assert "hot reload off" in server.output.text
    assert server.get("/state")["loads"] == 1
    assert_saves_are_not_picked_up(server)


def test_no_watch_on_the_given_host_serves_but_does_not_apply_saves(start_server: Callable[..., DevServer]) -> None:
    server = start_server(args=("main:app", "--no-watch", "--host", "127.0.0.1"))
    server.output.wait_for(r"serving main:app on http://127\.0\.0\.1:\d+ \(not watching files\)")
    body = server.get("/version")
    assert (body["hot"], body["version"]) == (True, 1)
    assert_saves_are_not_picked_up(server)
