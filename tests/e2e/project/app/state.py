from typing import Any

import hotbed

hot = hotbed.hot(__name__)

VERSION = 1

hot.data["loads"] = hot.data.get("loads", 0) + 1
disposed: list[int] = hot.data.setdefault("disposed", [])
hot.dispose(lambda data: data["disposed"].append(VERSION))


def snapshot() -> dict[str, Any]:
    return {"version": VERSION, "loads": hot.data["loads"], "disposed": list(disposed)}
