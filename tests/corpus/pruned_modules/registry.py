"""What the plugins hold open: each version adds its entry and its dispose takes it out."""

from typing import Any

from hotbed import Hot

ACTIVE: list[dict[str, str]] = []


def active() -> list[str]:
    return [entry["name"] for entry in ACTIVE]


def activate(name: str, context: Hot) -> None:
    # A cold start runs it once; so must a module imported again after it was removed.
    runs = context.data["runs"] = context.data.get("runs", 0) + 1
    entry = {"name": name if runs == 1 else f"{name}, run {runs} with the data of its removed version"}
    ACTIVE.append(entry)

    def dispose(data: dict[str, Any]) -> None:
        ACTIVE[:] = [other for other in ACTIVE if other is not entry]

    def prune(data: dict[str, Any]) -> None:
        if any(other is entry for other in ACTIVE):
            ACTIVE.append({"name": f"{name} pruned before its dispose"})

    context.dispose(dispose)
    context.prune(prune)
