"""Where each value of a JSON document starts, so errors can point at a line and column.

`json` gives no positions, so the (already valid) text is walked once more with the
standard library's own scanners; each value is keyed by its path, e.g. `("props", 2, "type")`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import cast

__all__ = ["JsonPath", "line_column", "value_positions"]

JsonPath = tuple[str | int, ...]

_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
# The C string scanner `json` itself uses; typeshed does not list it.
scanstring = cast(Callable[[str, int], tuple[str, int]], json.decoder.scanstring)  # type: ignore[attr-defined]


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of `offset` in `text`."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _skip(text: str, index: int) -> int:
    match = _SPACE.match(text, index)
    return match.end() if match else index


def value_positions(text: str) -> dict[JsonPath, int]:
    """Offset of every value in the valid JSON `text`, plus `path + ("<key>",)` for each key."""
    positions: dict[JsonPath, int] = {}
    # An explicit stack, not recursion: documents may nest deeper than Python's limit.
    stack: list[tuple[JsonPath, int]] = [((), _skip(text, 0))]
    while stack:
        path, index = stack.pop()
        positions.setdefault(path, index)
        char = text[index] if index < len(text) else ""
        if char == "{":
            index = _skip(text, index + 1)
            while text[index] == '"':
                key, end = scanstring(text, index + 1)
                positions.setdefault((*path, key, "<key>"), index)
                index = _skip(text, _skip(text, end) + 1)
                end = _value_end(text, index)
                stack.append(((*path, key), index))
                index = _skip(text, end)
                if text[index] == ",":
                    index = _skip(text, index + 1)
        elif char == "[":
            index = _skip(text, index + 1)
            item = 0
            while text[index] != "]":
                end = _value_end(text, index)
                stack.append(((*path, item), index))
                item += 1
                index = _skip(text, end)
                if text[index] == ",":
                    index = _skip(text, index + 1)
    return positions


def _value_end(text: str, index: int) -> int:
    """Offset just past the value starting at `index`, containers included."""
    char = text[index]
    if char == '"':
        return scanstring(text, index + 1)[1]
    if char not in "{[":
        end: int = _DECODER.raw_decode(text, index)[1]
        return end
    depth = 0
    in_string = False
    i = index
    while True:
        c = text[i]
        if in_string:
            if c == "\\":
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
        elif c in "{[":
            depth += 1
        elif c in "}]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
