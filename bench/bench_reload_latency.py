"""Save -> new response: `hotbed dev` (watcher path) against `uvicorn --reload`, same app, same run.

The app is a FastAPI package whose startup imports a heavy third-party-style module
(2 s of `time.sleep`, outside the project, like a big SDK in site-packages). Each round
saves a new version of the router in each server's own copy of the app, then polls
until that server answers with the new version; the two servers alternate.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import httpx
from _results import write_section

ROUNDS = 15
TIMEOUT = 60.0
BIN = Path(sys.executable).parent

FILES = {
    "vendor/heavy_sdk.py": """
        import time

        time.sleep(2)  # a heavy import, as big SDKs are
        READY = True
    """,
    "project/main.py": """
        from app.main import app
    """,
    "project/app/__init__.py": "",
    "project/app/main.py": """
        import heavy_sdk
        from fastapi import FastAPI

        from .routes import router

        assert heavy_sdk.READY
        app = FastAPI()
        app.include_router(router)
    """,
    "project/app/models.py": """
        from pydantic import BaseModel


        class Version(BaseModel):
            version: int
    """,
    "project/app/routes.py": """
        from fastapi import APIRouter

        from .models import Version

        router = APIRouter()
        VERSION = 0


        @router.get("/version")
        def version() -> Version:
            return Version(version=VERSION)
    """,
}


class Server:
    def __init__(self, name: str, root: Path, command: list[str], env: dict[str, str], url: str | None) -> None:
        self.name = name
        self.root = root
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            command,
            cwd=root / "project",
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if url is None:
            url = self._wait_output(r"on (http://127\.0\.0\.1:\d+)").group(1)
        self.client = httpx.Client(base_url=url, timeout=TIMEOUT)
        self.version = 0
        self._wait_version(0)

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def _wait_output(self, pattern: str) -> re.Match[str]:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if match := re.search(pattern, line):
                    return match
            time.sleep(0.01)
        raise RuntimeError(f"{self.name}: no {pattern!r} in output:\n" + "\n".join(self.lines))

    def _wait_version(self, version: int) -> float:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            try:
                response = self.client.get("/version")
                if response.status_code == 200 and response.json()["version"] == version:
                    return time.perf_counter()
            except httpx.HTTPError:
                pass  # uvicorn --reload refuses connections while its new process starts
            # A millisecond between polls: on two cores a client polling flat out takes the CPU
            # the servers need to apply the change, and measures its own contention.
            time.sleep(0.001)
        raise RuntimeError(f"{self.name}: version {version} not served:\n" + "\n".join(self.lines[-30:]))

    def save_and_wait(self) -> float:
        """Seconds from the save to the first response from the new code."""
        routes = self.root / "project/app/routes.py"
        source = routes.read_text().replace(f"VERSION = {self.version}", f"VERSION = {self.version + 1}")
        self.version += 1
        self.started = self.save(routes, source)
        return self._wait_version(self.version) - self.started

    def save(self, path: Path, source: str) -> float:
        """Save `source` to `path` as the editor does (here: write it; the watcher sees it).

        Returns `time.perf_counter()` of the moment before the write."""
        written_at = time.perf_counter()
        path.write_text(source)
        return written_at

    def stop(self) -> None:
        self.client.close()
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._reader.join(5)
        if self.process.stdout is not None:
            self.process.stdout.close()


def make_app(root: Path) -> None:
    for rel, source in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip("\n"))


def start_hotbed_dev(base: Path) -> Server:
    """The app under `base`, served by `hotbed dev main:app` (watcher path), started and answering."""
    make_app(base)
    env = {k: v for k, v in os.environ.items() if k not in {"HOT", "PYTHONPATH"}}
    env |= {"PYTHONPATH": str(base / "vendor"), "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
    command = [str(BIN / "hotbed"), "dev", "main:app", "--port", "0", "--log-level", "warning"]
    return Server("hotbed", base, command, env, None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def summary(samples: list[float]) -> tuple[float, float, float, float]:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]
    return statistics.median(ordered), p90, ordered[0], ordered[-1]


HotbedServer = Callable[[str, Path, list[str], dict[str, str]], Server]


def run_rounds(hotbed: HotbedServer = Server, hotbed_args: Sequence[str] = ()) -> dict[str, list[float]]:
    """Serve the app with `hotbed dev [hotbed_args]` (made by `hotbed`) and `uvicorn --reload`; alternate saves.

    Returns the seconds from each save to the first response from the new code, per server.
    """
    with tempfile.TemporaryDirectory(prefix="hotbed-bench-") as tmp:
        base = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k not in {"HOT", "PYTHONPATH"}}
        servers: list[Server] = []
        try:
            for name in ("hotbed", "uvicorn"):
                make_app(base / name)
                run_env = {**env, "PYTHONPATH": str(base / name / "vendor"), "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
                if name == "hotbed":
                    command = [str(BIN / "hotbed"), "dev", "main:app", "--port", "0", "--log-level", "warning"]
                    command += hotbed_args
                    servers.append(hotbed(name, base / name, command, run_env))
                else:
                    port = free_port()
                    command = [str(BIN / "uvicorn"), "main:app", "--reload", "--port", str(port)]
                    command += ["--log-level", "warning", "--reload-dir", str(base / name / "project")]
                    servers.append(Server(name, base / name, command, run_env, f"http://127.0.0.1:{port}"))
            samples: dict[str, list[float]] = {s.name: [] for s in servers}
            for round_ in range(ROUNDS):
                for server in servers if round_ % 2 == 0 else reversed(servers):
                    samples[server.name].append(server.save_and_wait())
                latest = ", ".join(f"{name} {times[-1] * 1000:.1f} ms" for name, times in samples.items())
                print(f"round {round_ + 1}/{ROUNDS}: {latest}")
        finally:
            for server in servers:
                server.stop()
    return samples


def report(samples: dict[str, list[float]], *, title: str, script: str, method: str, label: str, target: str) -> None:
    """Print the comparison and write it as the `title` section of RESULTS.md."""
    hotbed_p50, hotbed_p90, hotbed_min, hotbed_max = summary(samples["hotbed"])
    uvicorn_p50, uvicorn_p90, uvicorn_min, uvicorn_max = summary(samples["uvicorn"])
    lines = [
        method,
        "",
        "| server | p50 (median) | p90 | min | max | target |",
        "|---|---|---|---|---|---|",
        f"| {label} | {hotbed_p50 * 1000:.1f} ms | {hotbed_p90 * 1000:.1f} ms"
        f" | {hotbed_min * 1000:.1f} ms | {hotbed_max * 1000:.1f} ms | {target} |",
        f"| `uvicorn main:app --reload` | {uvicorn_p50 * 1000:.1f} ms | {uvicorn_p90 * 1000:.1f} ms"
        f" | {uvicorn_min * 1000:.1f} ms | {uvicorn_max * 1000:.1f} ms | |",
        "",
        f"Ratio of the medians: hotbed is **{uvicorn_p50 / hotbed_p50:.0f}x** faster than `uvicorn --reload`.",
    ]
    print("\n".join(lines))
    write_section(title, script, lines)


def main() -> None:
    report(
        run_rounds(lambda name, root, command, env: Server(name, root, command, env, None)),
        title="Save to new response (watcher path)",
        script="bench/bench_reload_latency.py",
        method=f"FastAPI app laid out as a package, importing a module that sleeps 2 s at import (outside the"
        f" project); {ROUNDS} saves of the router per server, alternating between the servers, each timed from the"
        " write to the first response from the new code (one loopback connection, polled every millisecond).",
        label="`hotbed dev main:app` (watcher path)",
        target="p50 <= 50 ms",
    )


if __name__ == "__main__":
    main()
