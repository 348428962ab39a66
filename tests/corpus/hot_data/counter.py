from collections import defaultdict, deque
from typing import Any

import log

from hotbed import hot

VERSION = 1
context = hot(__name__)
seen = context.data.setdefault("seen", [])
seen.append(VERSION)
nested = context.data.setdefault("nested", {"versions": set()})
nested["versions"].add(VERSION)
# Containers of the standard library's own kinds, as caches are often made.
by_kind = context.data.setdefault("by kind", defaultdict(list))
by_kind["versions"].append(VERSION)
recent = context.data.setdefault("recent", deque(maxlen=10))
recent.append(VERSION)


def _dispose(data: dict[str, Any]) -> None:
    log.DISPOSALS.append({"version": VERSION, "keys": sorted(data), "seen": list(data["seen"])})


context.dispose(_dispose)
