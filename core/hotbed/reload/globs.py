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


def _simple(pattern: str) -> tuple[str, str] | None:
    """A pattern `matches` answers without a regex: ("suffix", x) for `**/*x` or `*x`, ("name", x)
    for a bare file name (as `_compile` reads them); None for the rest."""
    pattern = pattern.strip()
    if pattern.startswith("./"):
        pattern = pattern[2:]
    for head in ("**/*", "*"):
        if pattern.startswith(head) and not any(c in pattern[len(head) :] for c in "*?/"):
            return "suffix", pattern[len(head) :]
    if pattern and not any(c in pattern for c in "*?/"):
        return "name", pattern
    return None


class GlobSet:
    """A set of glob patterns; `matches` takes a path relative to the root, with `/`.

    The common patterns (`**/*.py`, `.env`) are string tests; the rest are one regex,
    compiled at the first path they must decide (compiling took half of `hmr.init`).
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        simple = [_simple(p) for p in self.patterns]
        self._suffixes = tuple(x for kind, x in filter(None, simple) if kind == "suffix")
        self._names = frozenset(x for kind, x in filter(None, simple) if kind == "name")
        self._rest = tuple(p for p, s in zip(self.patterns, simple, strict=True) if s is None)
        self._regexes: dict[tuple[str, ...], re.Pattern[str]] = {}

    def matches(self, relative_path: str) -> bool:
        if "\n" in relative_path:  # `.` in the regexes does not cross a newline: they decide alone
            return self._regex_of(self.patterns).match(relative_path) is not None
        if relative_path.endswith(self._suffixes) or relative_path.rpartition("/")[2] in self._names:
            return True
        return bool(self._rest) and self._regex_of(self._rest).match(relative_path) is not None

    def _regex_of(self, patterns: tuple[str, ...]) -> re.Pattern[str]:
        regex = self._regexes.get(patterns)
        if regex is None:
            # One alternation: the engine asks once per imported module.
            regex = re.compile("|".join(f"(?:{_compile(p).pattern})" for p in patterns) or r"(?!)")
            self._regexes[patterns] = regex
        return regex

    def __repr__(self) -> str:
        return f"GlobSet({list(self.patterns)!r})"
