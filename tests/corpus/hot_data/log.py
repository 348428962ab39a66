"""Outlives the counter's versions: what each old version's dispose saw."""

from typing import Any

DISPOSALS: list[dict[str, Any]] = []
