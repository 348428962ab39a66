"""Fixtures for the end-to-end tests of `hotbed dev` on a copy of `project/` in tmp_path."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers.coldstart import StartApp, corpus_apps
from tests.helpers.devserver import TIMEOUT, DevServer, Json, pid_alive, server_environment, wait_until

__all__ = ["TIMEOUT", "DevServer", "Json", "pid_alive", "wait_until"]

PROJECT = Path(__file__).parent / "project"


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root, ignore=shutil.ignore_patterns("__pycache__", "lifespan.log"))
    return root


@pytest.fixture
def server_env() -> dict[str, str]:
    return server_environment()


@pytest.fixture
def start_server(project_copy: Path, server_env: dict[str, str]) -> Iterator[Callable[..., DevServer]]:
    servers: list[DevServer] = []

    def start(*, log_level: str = "warning", args: tuple[str, ...] = ("main:app",), **env: str) -> DevServer:
        """`hotbed dev ARGS` (the target and any options) with `env` added to the environment."""
        server = DevServer(project_copy, {**server_env, **env}, target=args, log_level=log_level)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()  # also closes the pipe and the client of a server that already exited


@pytest.fixture
def server(start_server: Callable[..., DevServer]) -> DevServer:
    return start_server()


@pytest.fixture
def start_app(tmp_path: Path) -> Iterator[StartApp]:
    """Copies of `tests/corpus/` apps, each with its hot server and cold comparisons (`tests/helpers/coldstart.py`)."""
    with corpus_apps(tmp_path) as start:
        yield start
