"""The real `hotbed dev`, as a subprocess, and polling with deadlines; shared by the end-to-end suites.

Every wait polls a condition with a deadline; nothing sleeps and hopes.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

HOTBED = Path(sys.executable).parent / "hotbed"
TIMEOUT = 30.0  # generous: a loaded CI machine may take seconds to spawn a worker

Json = dict[str, Any]


def wait_until(condition: Callable[[], Any], timeout: float = TIMEOUT, message: str = "condition") -> Any:
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {message}")
        time.sleep(0.01)


class Output:
    """Everything the dev server prints (supervisor and workers share the stream)."""

    def __init__(self, stream: Any) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._stream = stream
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self._stream:
            with self._lock:
                self.lines.append(line.rstrip("\n"))

    def close(self) -> None:
        """After the process exited: take the last lines and close the pipe."""
        self._thread.join(TIMEOUT)
        self._stream.close()

    @property
    def text(self) -> str:
        with self._lock:
            return "\n".join(self.lines)

    def count(self, needle: str) -> int:
        with self._lock:
            return sum(needle in line for line in self.lines)

    def wait_for(self, pattern: str, count: int = 1, timeout: float = TIMEOUT) -> list[re.Match[str]]:
        regex = re.compile(pattern)

        def found() -> list[re.Match[str]] | None:
            with self._lock:
                matches = [m for line in self.lines if (m := regex.search(line))]
            return matches if len(matches) >= count else None

        try:
            matches: list[re.Match[str]] = wait_until(found, timeout, f"output {pattern!r} x{count}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- dev server output ---\n{self.text}") from None
        return matches


def spawn(args: Sequence[str], cwd: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """`hotbed ARGS` in `cwd`, with stdout and stderr in one text pipe (read it with `Output`)."""
    return subprocess.Popen(
        [str(HOTBED), *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
    )


class DevServer:
    """`hotbed dev` in `root`; `watch=False` starts it without its file watcher (`--no-watch`).

    Without the watcher only the control channel (an editor, `sync`) can bring a change in,
    so a test of the editor's path cannot pass on the watcher's account.
    """

    def __init__(
        self,
        root: Path,
        env: dict[str, str],
        target: tuple[str, ...] = ("main:app",),
        log_level: str = "warning",
        *,
        watch: bool = True,
    ) -> None:
        self.root = root
        self.watch = watch
        self.process = spawn(
            ["dev", *target, "--port", "0", "--log-level", log_level, *(() if watch else ("--no-watch",))], root, env
        )
        self.output = Output(self.process.stdout)
        try:
            self.url = self.output.wait_for(r"on (http://127\.0\.0\.1:\d+)")[0].group(1)
            self.first_pid = int(self.output.wait_for(r"worker (\d+) serving")[0].group(1))
        except BaseException:
            # A server that never came up is no test's to stop: leave no process behind.
            self.process.kill()
            self.process.wait()
            self.output.close()
            raise
        self.client = httpx.Client(base_url=self.url, timeout=TIMEOUT)

    def get(self, path: str, **kwargs: Any) -> Json:
        response = self.client.get(path, **kwargs)
        assert response.status_code == 200, f"GET {path}: {response.status_code} {response.text}"
        result: Json = response.json()
        return result

    def wait_json(
        self,
        path: str,
        condition: Callable[[Json], bool],
        timeout: float = TIMEOUT,
        *,
        across_restart: bool = False,
        params: dict[str, Any] | None = None,
    ) -> Json:
        """Poll `path` until its JSON satisfies `condition`; every response on the way must be a 200.

        `across_restart` opens a connection per request: a worker that retires closes its idle
        keep-alive connections, and a client reusing one at that instant must retry, which
        browsers do for idempotent requests and httpx does not.
        """
        last: list[Json] = []
        headers = {"Connection": "close"} if across_restart else {}

        def check() -> Json | None:
            body = self.get(path, headers=headers, params=params)
            last[:] = [body]
            return body if condition(body) else None

        try:
            result: Json = wait_until(check, timeout, f"GET {path} to change")
        except AssertionError as exc:
            output = self.output.text
            raise AssertionError(f"{exc}; last response {last}\n--- dev server output ---\n{output}") from None
        return result

    def edit(self, rel: str, old: str, new: str) -> None:
        """Replace `old` with `new` in a project file, as an editor saving in place would."""
        path = self.root / rel
        source = path.read_text()
        assert old in source, f"{old!r} not in {rel}"
        path.write_text(source.replace(old, new, 1))

    def stop(self, sig: signal.Signals = signal.SIGINT, timeout: float = TIMEOUT) -> int:
        self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"hotbed dev did not stop on {sig.name}\n{self.output.text}") from None
        finally:
            self.output.close()


@dataclass
class Poller:
    """A client requesting `path` in a loop, recording every answer and every failure."""

    seen: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


@contextmanager
def polling(server: DevServer, path: str) -> Iterator[Poller]:
    poller = Poller()
    done = threading.Event()

    def run() -> None:
        # One connection per request: an HTTP/1.1 client retries an idempotent request whose
        # idle keep-alive connection the server closed; a new connection has no such race.
        with httpx.Client(base_url=server.url, timeout=TIMEOUT, headers={"Connection": "close"}) as client:
            while not done.is_set():
                try:
                    response = client.get(path)
                except httpx.HTTPError as exc:
                    poller.failures.append(repr(exc))
                    continue
                if response.status_code != 200:
                    poller.failures.append(f"{response.status_code} {response.text}")
                else:
                    poller.seen.append(response.json())

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: poller.seen, message="the poller's first answer")
        yield poller
    finally:
        done.set()
        thread.join(TIMEOUT)


def pid_alive(pid: int) -> bool:
    """True while `pid` runs; an exited process waiting to be reaped (a zombie) does not count."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return status.rsplit(")", 1)[1].split()[0] not in {"Z", "X"}


def server_environment() -> dict[str, str]:
    """The test process's environment, minus what would change how `hotbed dev` runs."""
    env = {k: v for k, v in os.environ.items() if k not in {"HOT", "PYTHONPATH"}}
    env.update(PYTHONUNBUFFERED="1", NO_COLOR="1", COLUMNS="200")
    return env
