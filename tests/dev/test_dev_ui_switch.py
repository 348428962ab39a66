"""`--no-ui` and `HOT=no` serve no dev UI; by default it is announced next to the app's URL."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import httpx
import pytest

from tests.helpers.devserver import DevServer, server_environment

HELLO = Path(__file__).parents[2] / "examples" / "hello"


@pytest.mark.parametrize(("args", "env"), [((), {}), (("--no-ui",), {}), ((), {"HOT": "no"})])
def test_the_dev_ui_is_served_unless_turned_off(tmp_path: Path, args: tuple[str, ...], env: dict[str, str]) -> None:
    shutil.copytree(HELLO, tmp_path / "hello", ignore=shutil.ignore_patterns("__pycache__", ".hotbed"))
    server = DevServer(tmp_path, {**server_environment(), **env}, target=("hello/main.py", *args))
    try:
        announced = re.search(r"dev UI on (http://127\.0\.0\.1:\d+/_hotbed/)", server.output.text)
        if args or env:
            assert announced is None, server.output.text
        else:
            assert announced is not None, server.output.text
            page = httpx.get(announced.group(1) + "routes", timeout=30)
            assert page.status_code == 200 and "<h1>Routes</h1>" in page.text
            assert httpx.get(announced.group(1) + "entities", timeout=30).status_code == 404  # a plain app
    finally:
        server.stop()
