from typing import Any

import log

from hotbed import hot

VERSION = 1
context = hot(__name__)
seen = context.data.setdefault("seen", [])
seen.append(VERSION)


def _dispose(data: dict[str, Any]) -> None:
    log.DISPOSALS.append({"version": VERSION, "keys": sorted(data), "seen": list(data["seen"])})


context.dispose(_dispose)
