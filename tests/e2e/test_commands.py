"""The commands a developer types, as typed: `make dev`'s `hotbed dev`; `hotbed new` then `hotbed dev`."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.helpers.devserver import HOTBED, TIMEOUT, Output, spawn

from .conftest import DevServer

REPOSITORY = Path(__file__).parents[2]


def make_dev_recipe() -> tuple[str, list[str]]:
    """The folder the Makefile's `dev` target serves and the arguments it gives `hotbed dev`."""
    makefile = (REPOSITORY / "Makefile").read_text()
    recipe = re.search(r"^dev:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe, "the Makefile has no dev target"
    command = re.fullmatch(r"\tcd (\S+) && \.\./\.\./\$\(BIN\)/hotbed dev(.*)\n", recipe.group(1))
    assert command, f"the dev recipe is no longer `cd FOLDER && ../../$(BIN)/hotbed dev ...`:\n{recipe.group(1)}"
    port = re.search(r"^PORT \?= (\d+)$", makefile, re.MULTILINE)
    assert port, "the Makefile has no `PORT ?=` default"
    return command.group(1), shlex.split(command.group(2).replace("$(PORT)", port.group(1)))


@contextmanager
def hotbed_dev(cwd: Path, args: list[str], env: dict[str, str]) -> Iterator[Output]:
    """`hotbed dev ARGS` in `cwd`, stopped with Ctrl-C afterwards.

    DevServer always adds `--log-level warning`; this runs the command line exactly as given.
    """
    process = spawn(["dev", *args], cwd, env)
    output = Output(process.stdout)
    try:
        yield output
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()


def test_make_dev_serves_the_example_and_prints_the_url_and_the_routes(
    tmp_path: Path, server_env: dict[str, str]
) -> None:
    folder, args = make_dev_recipe()
    assert folder == "examples/blog"
    root = tmp_path / folder
    shutil.copytree(REPOSITORY / folder, root, ignore=shutil.ignore_patterns("__pycache__", ".hotbed"))
    # The recipe's own arguments, and a free port instead of 8000, which a developer's `make dev` may hold.
    with hotbed_dev(root, [*args, "--port", "0"], server_env) as output:
        url = output.wait_for(r"hotbed dev serving entity project blog on (http://127\.0\.0\.1:\d+) \(hot reload on\)")
        for route in ("POST   /api/order/create", "GET    /api/user/list", "GET    /api/product/get"):
            output.wait_for(rf"^  {re.escape(route)}$")
        output.wait_for(r"worker \d+ serving entity project blog")
        document = httpx.get(f"{url[0].group(1)}/api/openapi.json", timeout=TIMEOUT).json()
        assert "/api/user/list" in document["paths"]


def test_the_port_comes_from_hotbed_port_then_the_settings(tmp_path: Path, server_env: dict[str, str]) -> None:
    root = tmp_path / "blog"
    shutil.copytree(REPOSITORY / "examples/blog", root, ignore=shutil.ignore_patterns("__pycache__", ".hotbed"))
    free = [_free_port(), _free_port()]
    settings = root / "hotbed.toml"
    settings.write_text(settings.read_text() + f"\nport = {free[0]}\n")
    with hotbed_dev(root, [], server_env) as output:
        output.wait_for(rf"serving entity project blog on http://127\.0\.0\.1:{free[0]} ")
    with hotbed_dev(root, [], {**server_env, "HOTBED_PORT": str(free[1])}) as output:
        output.wait_for(rf"serving entity project blog on http://127\.0\.0\.1:{free[1]} ")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_a_new_project_is_served_by_hotbed_dev_with_no_argument(tmp_path: Path, server_env: dict[str, str]) -> None:
    created = subprocess.run(
        [str(HOTBED), "new", "notes"], cwd=tmp_path, env=server_env, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert created.returncode == 0, created.stderr
    assert "Next: cd notes && hotbed dev" in created.stdout

    server = DevServer(tmp_path / "notes", server_env, target=())
    try:
        assert server.get("/api/note/list") == []  # type: ignore[comparison-overlap]
        server.output.wait_for(r"^  GET    /api/note/get$")
        server.output.wait_for(r"^  GET    /api/note/list$")
    finally:
        server.stop()


def _hotbed(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HOTBED), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT)


def test_status_dump_and_routes_ask_the_dev_server_running_above(tmp_path: Path, server_env: dict[str, str]) -> None:
    """`hotbed dev hello/main.py` in a folder; the commands run in `hello/`, below it."""
    shutil.copytree(REPOSITORY / "examples/hello", tmp_path / "hello", ignore=shutil.ignore_patterns("__pycache__"))
    inside = tmp_path / "hello"
    nobody = _hotbed(["status"], inside, server_env)
    assert nobody.returncode == 1
    assert "no hotbed dev running for" in nobody.stderr and "hotbed dev" in nobody.stderr
    dev = DevServer(tmp_path, server_env, ("hello/main.py",))
    try:
        status = _hotbed(["status"], inside, server_env)
        assert status.returncode == 0, status.stderr
        assert f"serving {dev.url}" in status.stdout
        assert re.search(r"pid \d+ serving", status.stdout)
        assert json.loads(_hotbed(["status", "--json"], inside, server_env).stdout)["url"] == dev.url

        dump = json.loads(_hotbed(["dump", "--json"], inside, server_env).stdout)
        routes_node = next(n for n in dump if n["path"] == "hello/routes.py")
        assert "hello/main.py" in routes_node["dependents"]
        assert "GET /greet/{name}" in routes_node["apis"]
        tree = _hotbed(["dump"], inside, server_env).stdout
        assert "hello/routes.py" in tree and "hello/main.py" in tree

        routes = _hotbed(["routes"], inside, server_env)
        assert routes.returncode == 0, routes.stderr
        row = r"^GET\s+/greet/\{name\}\s+greet\s+hello/routes\.py$"
        assert re.search(row, routes.stdout, re.MULTILINE), routes.stdout
    finally:
        dev.stop()
