"""Checksums: round trip, diff, and a corrupt file meaning a full resync."""

from __future__ import annotations

from pathlib import Path

import pytest

from hotbed.app.atomic import is_temp_file, write_atomic, write_new
from hotbed.app.checksums import Checksums, diff_checksums, file_sha1, load_checksums, save_checksums


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / ".hotbed" / "checksums.json"
    stored = Checksums("g1", {"b.entity.json": file_sha1(b"b"), "a.entity.json": file_sha1(b"a")}, {"a": ("x.py",)})
    save_checksums(path, stored)
    assert load_checksums(path) == stored
    assert file_sha1(b"a") == "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"
    assert [p.name for p in path.parent.iterdir()] == ["checksums.json"]


@pytest.mark.parametrize(
    "content", [b"", b"{", b"[]", b'{"format": 1}', b'{"format": 1, "generator": "g", "files": {"a": 1}}', b"\xff"]
)
def test_corrupt_or_foreign_file_loads_as_nothing(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "checksums.json"
    path.write_bytes(content)
    assert load_checksums(path) is None
    assert load_checksums(tmp_path / "missing.json") is None


def test_diff() -> None:
    diff = diff_checksums({"a": "1", "b": "2", "c": "3"}, {"a": "1", "b": "9", "d": "4"})
    assert (diff.added, diff.changed, diff.removed) == (("d",), ("b",), ("c",))
    assert not diff.empty and diff_checksums({"a": "1"}, {"a": "1"}).empty


def test_atomic_writes_leave_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "out.py"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert write_new(target, b"three") is False and target.read_bytes() == b"two"
    assert write_new(tmp_path / "deep" / "new.py", b"new") is True
    assert sorted(p.name for p in target.parent.iterdir()) == ["new.py", "out.py"]
    with pytest.raises(IsADirectoryError):
        write_atomic(tmp_path / "deep", b"x")  # replacing a folder fails, and cleans up after itself
    assert not any(is_temp_file(p) for p in tmp_path.rglob("*"))
    assert is_temp_file(tmp_path / ".out.py.abc.hotbed-tmp") and not is_temp_file(target)
