"""A client that never stops requesting while the code under it is reloaded 50 times."""

from __future__ import annotations

import threading

import httpx

from tests.e2e.conftest import TIMEOUT, DevServer

RELOADS = 50


def test_stream_of_requests_during_50_reloads_sees_no_failure(server: DevServer) -> None:
    versions: list[int] = []
    failures: list[str] = []
    done = threading.Event()

    def hammer() -> None:
        with httpx.Client(base_url=server.url, timeout=TIMEOUT) as client:
            while not done.is_set():
                try:
                    response = client.get("/version")
                except httpx.HTTPError as exc:
                    failures.append(repr(exc))
                    continue
                if response.status_code == 200:
                    versions.append(response.json()["version"])
                else:
                    failures.append(f"{response.status_code} {response.text}")

    thread = threading.Thread(target=hammer, daemon=True)
    thread.start()
    try:
        for version in range(2, RELOADS + 2):
            server.edit("app/routes.py", f"ROUTE_VERSION = {version - 1}", f"ROUTE_VERSION = {version}")
            server.wait_json("/version", lambda body, v=version: body["version"] == v)
    finally:
        done.set()
        thread.join(TIMEOUT)

    assert failures == []
    assert versions == sorted(versions), "a response came from older code than one before it"
    assert versions[-1] == RELOADS + 1
    assert server.get("/version")["pid"] == server.first_pid
