"""An endless loop saved into a module: how long requests wait, and how many fail.

`hotbed dev main:app` on a two-module Starlette app; one client requests `/` without pause
(a connection per request, as a browser tab would) while `value.py` is saved with
`while True: pass` at its top level. Reloads run on the thread that serves requests, so
the longest wait for an answer is the dev server's reload deadline (`RELOAD_DEADLINE`,
5 s, or `HOTBED_EXECUTION_TIMEOUT`); then the reload rolls back and the last good code
answers again. The fix is saved last and must be served.

    .venv/bin/python bench/bench_endless_loop.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from _results import write_section

HOTBED = Path(sys.executable).parent / "hotbed"
TIMEOUT = 60.0
MAIN = """
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

import value


async def home(request):
    return JSONResponse({"value": value.VALUE})


app = Starlette(routes=[Route("/", home)])
"""


class Poller(threading.Thread):
    """Requests `/` until stopped; records the time of every answer and every failure."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.answers: list[tuple[float, int]] = []
        self.failures = 0

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=TIMEOUT, headers={"Connection": "close"}) as client:
            while not self.stop.is_set():
                try:
                    response = client.get("/")
                    response.raise_for_status()
                    self.answers.append((time.monotonic(), response.json()["value"]))
                except httpx.HTTPError:
                    self.failures += 1


def wait_for(condition: object, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "main.py").write_text(MAIN)
        (root / "value.py").write_text("VALUE = 0\n")
        env = {k: v for k, v in os.environ.items() if k not in {"HOT", "PYTHONPATH", "HOTBED_EXECUTION_TIMEOUT"}}
        process = subprocess.Popen(
            [str(HOTBED), "dev", "main:app", "--port", "0", "--log-level", "warning"],
            cwd=root,
            env={**env, "NO_COLOR": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        lines: list[str] = []
        threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True).start()
        try:
            wait_for(lambda: any("serving" in line and "worker" in line for line in lines), "the worker")
            url = next(m.group(1) for line in lines if (m := re.search(r"on (http://127\.0\.0\.1:\d+)", line)))
            poller = Poller(url)
            poller.start()
            wait_for(lambda: poller.answers, "a first answer")
            gaps = []
            for round_ in range(1, args.rounds + 1):
                saved = time.monotonic()
                (root / "value.py").write_text(f"while True:\n    pass\nVALUE = {-round_}\n")
                wait_for(lambda r=round_: sum("rolled back" in line for line in lines) >= r, "the rollback")  # type: ignore[misc]
                wait_for(lambda: poller.answers[-1][0] > time.monotonic() - 0.05, "answers again")
                times = [t for t, _ in poller.answers if t >= saved - 1]
                gaps.append(max(b - a for a, b in itertools.pairwise(times)))
                (root / "value.py").write_text(f"VALUE = {round_}\n")
                wait_for(lambda r=round_: poller.answers[-1][1] == r, "the fix")  # type: ignore[misc]
            poller.stop.set()
            poller.join(TIMEOUT)
        finally:
            process.terminate()
            process.wait(TIMEOUT)
    result = [
        f"- rounds: {args.rounds}; longest wait for an answer while the loop ran: "
        f"{', '.join(f'{g:.2f} s' for g in gaps)} (deadline 5 s)",
        f"- requests answered: {len(poller.answers)}; failed: {poller.failures}; every fix served",
    ]
    print("\n".join(result))
    write_section("An endless loop at import (bench_endless_loop.py)", "bench/bench_endless_loop.py", result)


if __name__ == "__main__":
    main()
