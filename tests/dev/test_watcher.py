from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from watchfiles import Change as FsChange

from hotbed.dev.watcher import Checksums, SourceFilter, watch_changes
from hotbed.reload.engine import DEFAULT_RESTART
from hotbed.reload.globs import GlobSet
from hotbed.reload.types import Change

RESTART = GlobSet(DEFAULT_RESTART)


def test_filter_takes_python_and_restart_files_only(tmp_path: Path) -> None:
    wanted = SourceFilter(tmp_path, RESTART)
    for rel in ("app.py", "pkg/mod.py", ".env", "sub/pyproject.toml", "hotbed.toml"):
        assert wanted(FsChange.modified, str(tmp_path / rel)), rel
    for rel in ("README.md", "pkg/__pycache__/mod.py", ".venv/lib/x.py", ".git/config", "mod.py~", "data.json"):
        assert not wanted(FsChange.modified, str(tmp_path / rel)), rel


def test_checksums_report_only_real_changes(tmp_path: Path) -> None:
    path = tmp_path / "mod.py"
    path.write_text("x = 1\n")
    checksums = Checksums()
    checksums.seed([str(path)])
    assert checksums.update(str(path), {FsChange.modified}) is None
    path.write_text("x = 2\n")
    assert checksums.update(str(path), {FsChange.modified}) == Change(str(path), "change")
    assert checksums.update(str(path), {FsChange.modified}) is None
    path.unlink()
    assert checksums.update(str(path), {FsChange.deleted}) == Change(str(path), "unlink")
    assert checksums.update(str(path), {FsChange.deleted}) is None, "reported once"

    new = tmp_path / "new.py"
    new.write_text("y = 1\n")
    assert checksums.update(str(new), {FsChange.added}) == Change(str(new), "add")
    ghost = tmp_path / "ghost.py"
    assert checksums.update(str(ghost), {FsChange.added}) is None  # created and gone within a burst


@asynccontextmanager
async def watching(root: Path, checksums: Checksums | None = None) -> AsyncIterator[asyncio.Queue[list[Change]]]:
    batches: asyncio.Queue[list[Change]] = asyncio.Queue()
    stop = asyncio.Event()
    ready = asyncio.Event()

    async def run() -> None:
        async for changes in watch_changes(root, RESTART, stop, ready=ready, checksums=checksums, debounce=200):
            await batches.put(changes)

    task = asyncio.create_task(run())
    await asyncio.wait_for(ready.wait(), 10)
    try:
        yield batches
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def test_a_burst_of_saves_is_one_batch_and_identical_saves_are_dropped(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("a = 1\n")
    (tmp_path / "b.py").write_text("b = 1\n")
    async with watching(tmp_path) as batches:
        (tmp_path / "a.py").write_text("a = 1\n")  # same content: not a change
        (tmp_path / "notes.md").write_text("ignored\n")
        (tmp_path / "b.py").write_text("b = 2\n")
        (tmp_path / ".env").write_text("X=1\n")
        changes = await asyncio.wait_for(batches.get(), 10)
        assert changes == [
            Change(str(tmp_path.resolve() / ".env"), "add"),
            Change(str(tmp_path.resolve() / "b.py"), "change"),
        ]


async def test_a_save_the_editor_reported_first_is_not_a_second_change(tmp_path: Path) -> None:
    root = tmp_path.resolve()
    (root / "a.py").write_text("a = 1\n")
    checksums = Checksums()
    async with watching(root, checksums) as batches:
        (root / "a.py").write_text("a = 2\n")
        checksums.note(Change(str(root / "a.py")))  # the language server's sync, ahead of the watcher
        (root / "b.py").write_text("b = 1\n")
        (root / "a.py").unlink()
        checksums.note(Change(str(root / "a.py"), "unlink"))
        assert await asyncio.wait_for(batches.get(), 10) == [Change(str(root / "b.py"), "add")]


async def test_a_save_by_rename_is_a_change(tmp_path: Path) -> None:
    target = tmp_path / "mod.py"
    target.write_text("v = 1\n")
    async with watching(tmp_path) as batches:
        temp = tmp_path / ".mod.py.tmp"
        temp.write_text("v = 2\n")
        temp.replace(target)
        changes = await asyncio.wait_for(batches.get(), 10)
        assert changes == [Change(str(target.resolve()), "change")]
