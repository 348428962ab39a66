"""SHA-1 of every source that feeds code generation, kept in `.hotbed/checksums.json`.

Unchanged bytes mean nothing to regenerate. A missing, corrupt or foreign file simply
yields no stored checksums, which makes the next sync a full one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from hotbed.app.atomic import write_atomic

__all__ = ["ChecksumDiff", "Checksums", "diff_checksums", "file_sha1", "load_checksums", "save_checksums"]

_FORMAT = 1


def file_sha1(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


@dataclass(frozen=True, slots=True)
class Checksums:
    """Stored state.

    `generator` fingerprints the settings and hotbed version the outputs came from;
    `files` maps each source to its SHA-1; `outputs` maps each source to the generated
    files it produced, so they can be checked for and removed with it.
    """

    generator: str
    files: Mapping[str, str]
    outputs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ChecksumDiff:
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.changed or self.removed)


def load_checksums(path: str | os.PathLike[str]) -> Checksums | None:
    """The stored checksums, or None when there are none worth trusting."""
    try:
        raw = json.loads(Path(path).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(raw, dict) or raw.get("format") != _FORMAT:
        return None
    generator, files, outputs = raw.get("generator"), raw.get("files"), raw.get("outputs", {})
    if not isinstance(generator, str) or not isinstance(files, dict) or not isinstance(outputs, dict):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        return None
    if not all(isinstance(v, list) and all(isinstance(i, str) for i in v) for v in outputs.values()):
        return None
    return Checksums(generator, dict(files), {k: tuple(v) for k, v in outputs.items()})


def save_checksums(path: str | os.PathLike[str], checksums: Checksums) -> None:
    document = {
        "format": _FORMAT,
        "generator": checksums.generator,
        "files": dict(sorted(checksums.files.items())),
        "outputs": {k: sorted(v) for k, v in sorted(checksums.outputs.items())},
    }
    write_atomic(path, (json.dumps(document, indent=2) + "\n").encode())


def diff_checksums(old: Mapping[str, str], new: Mapping[str, str]) -> ChecksumDiff:
    return ChecksumDiff(
        added=tuple(sorted(k for k in new if k not in old)),
        changed=tuple(sorted(k for k in new if k in old and old[k] != new[k])),
        removed=tuple(sorted(k for k in old if k not in new)),
    )
