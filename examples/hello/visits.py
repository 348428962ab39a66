"""A visit counter kept in `hot.data`, so it survives reloads of this module."""

import hotbed

hot = hotbed.hot(__name__)
counts: dict[str, int] = hot.data.setdefault("counts", {})


def count_visit(name: str) -> int:
    counts[name] = counts.get(name, 0) + 1
    return counts[name]
