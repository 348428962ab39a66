"""Glob patterns for boundaries and restart files, matched against root-relative paths.

A pattern with a `/` is anchored at the root (`./src/**/*.py`, `config/*.toml`); one
without a `/` matches a file name at any depth (`.env`, `pyproject.toml`), as in
`.gitignore`. `**` spans any number of folders, `*` and `?` stay inside one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

__all__ = ["GlobSet"]


@lru_cache(maxsize=256)
def _compile(pattern: str) -> re.Pattern[str]:
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    anchored = "/" in pattern.rstrip("/")
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            parts.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            parts.append(".*")
            i += 2
        elif pattern[i] == "*":
            parts.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            parts.append("[^/]")
            i += 1
        else:
            parts.append(re.escape(pattern[i]))
            i += 1
    body = "".join(parts)
    return re.compile(body + r"\Z" if anchored else r"(?:.*/)?" + body + r"\Z")


class GlobSet:
    """A set of glob patterns; `matches` takes a path relative to the root, with `/`."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        # One alternation: the engine asks once per imported module.
        self._regex = re.compile("|".join(f"(?:{_compile(p).pattern})" for p in self.patterns) or r"(?!)")

    def matches(self, relative_path: str) -> bool:
        return self._regex.match(relative_path) is not None

    def __repr__(self) -> str:
        return f"GlobSet({list(self.patterns)!r})"
