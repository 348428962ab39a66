"""Hot against cold: the answers of a `hotbed dev` that applied edits, diffed with a fresh server's.

A reload is right when it serves what a cold start of the same edited files serves. The
hot side is one real `hotbed dev` kept across a sequence of edits, each applied as an
editor save and waited for through the reload report it prints; the cold side is a fresh
uvicorn process started on the same folder (same files, same database) after each step.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.helpers.devserver import TIMEOUT, DevServer, Output, server_environment

__all__ = ["CORPUS", "ColdStartComparison", "Edit", "StartApp", "Step", "assert_parity", "corpus_apps"]

CORPUS = Path(__file__).parent.parent / "corpus"

# The last line of every reload report, whichever way it went.
_REPORT_END = re.compile(r"✅ |⚠ |kept the last good code|↻ restart required|✓ nothing changed")


@dataclass(frozen=True)
class Edit:
    """Replace `old` by `new` in `rel`; without `old`, write `new` as the whole file; `delete`: remove it."""

    rel: str
    new: str = ""
    old: str | None = None
    delete: bool = False

    def apply(self, root: Path) -> None:
        path = root / self.rel
        if self.delete:
            path.unlink()
            return
        if self.old is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.new)
            return
        source = path.read_text()
        assert self.old in source, f"{self.old!r} not in {self.rel}"
        path.write_text(source.replace(self.old, self.new, 1))


@dataclass(frozen=True)
class Step:
    """One save (or a few files saved at once) and the requests whose answers must match a cold start."""

    name: str
    edits: tuple[Edit, ...]
    requests: tuple[str, ...]
    restart: bool = False  # the change needs a new worker: wait for it


@dataclass
class Answer:
    status: int
    body: Any = field(default=None)


def _answer(client: httpx.Client, path: str) -> Answer:
    response = client.get(path, headers={"Connection": "close"})
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    return Answer(response.status_code, body)


class ColdServer:
    """`uvicorn TARGET` in `root`, fresh: no hotbed, no import hook."""

    def __init__(self, root: Path, target: str, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", target, "--port", "0", "--log-level", "info"],
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            errors="replace",
        )
        self.output = Output(self.process.stdout)
        try:
            url = self.output.wait_for(r"running on (http://127\.0\.0\.1:\d+)")[0].group(1)
            self.output.wait_for(r"Application startup complete")
        except BaseException:
            self.stop()
            raise
        self.client = httpx.Client(base_url=url, timeout=TIMEOUT)

    def stop(self) -> None:
        if getattr(self, "client", None) is not None:
            self.client.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()


class ColdStartComparison:
    """One hot `hotbed dev` on `root` for a whole sequence of steps; a cold uvicorn per comparison."""

    def __init__(self, root: Path, target: str = "main:app") -> None:
        self.root = root
        self.target = target
        self.env = server_environment()
        self.hot = DevServer(root, self.env, target=(target,))

    def close(self) -> None:
        self.hot.stop()

    def _reports(self) -> int:
        return sum(bool(_REPORT_END.search(line)) for line in self.hot.output.lines)

    def _workers(self) -> int:
        return sum(bool(re.search(r"worker \d+ serving", line)) for line in self.hot.output.lines)

    def apply(self, step: Step) -> None:
        reports, workers = self._reports(), self._workers()
        for edit in step.edits:
            edit.apply(self.root)
        self.hot.output.wait_for(_REPORT_END.pattern, count=reports + 1)
        if step.restart:
            self.hot.output.wait_for(r"worker \d+ serving", count=workers + 1)

    def diff(self, requests: Sequence[str]) -> list[str]:
        """The requests whose hot answer differs from a cold start's, with both answers.

        No requests: a step whose files a cold start could not even import (the first file of
        a rename saved one at a time), which the hot server answers with its last good code."""
        if not requests:
            return []
        hot = {path: _answer(self.hot.client, path) for path in requests}
        cold_server = ColdServer(self.root, self.target, self.env)
        try:
            cold = {path: _answer(cold_server.client, path) for path in requests}
        finally:
            cold_server.stop()
        return [f"GET {p}: hot {hot[p]} != cold {cold[p]}" for p in requests if hot[p] != cold[p]]

    def replay(self, steps: Sequence[Step], initial: Sequence[str] = ()) -> dict[str, list[str]]:
        """Every step's mismatches by step name (empty lists when hot matched cold throughout)."""
        results: dict[str, list[str]] = {}
        if initial:
            results["cold start"] = self.diff(initial)
        for step in steps:
            self.apply(step)
            results[step.name] = self.diff(step.requests)
        return results


StartApp = Callable[[str], ColdStartComparison]


@contextmanager
def corpus_apps(tmp_path: Path) -> Iterator[StartApp]:
    """Start comparisons on copies of `tests/corpus/` apps in `tmp_path`; all stopped on exit."""
    comparisons: list[ColdStartComparison] = []

    def start(name: str) -> ColdStartComparison:
        root = tmp_path / name
        shutil.copytree(CORPUS / name, root, ignore=shutil.ignore_patterns("__pycache__", "*.sqlite"))
        comparison = ColdStartComparison(root)
        comparisons.append(comparison)
        return comparison

    try:
        yield start
    finally:
        for comparison in comparisons:
            comparison.close()


def assert_parity(results: dict[str, list[str]]) -> None:
    """Fail with every step's mismatches, not only the first."""
    mismatches = [f"{step}: {diff}" for step, diffs in results.items() for diff in diffs]
    assert not mismatches, "\n".join(mismatches)
