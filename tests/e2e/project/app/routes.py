import asyncio
import os
from pathlib import Path
from typing import Any

from fastapi import APIRouter

import hotbed

from . import cycle_a, cycle_b, state
from .models import Color, Item
from .plugins import handlers
from .settings import MODE

ROUTE_VERSION = 1

router = APIRouter()


@router.get("/version")
async def version() -> dict[str, Any]:
    return {"version": ROUTE_VERSION, "pid": os.getpid(), "hot": hotbed.hot(__name__).enabled}


@router.get("/slow")
async def slow() -> dict[str, Any]:
    """Holds the request open until the test creates `release`, then answers from this code."""
    root = Path(__file__).resolve().parent.parent
    (root / "waiting").touch()
    release = root / "release"
    while not release.exists():
        await asyncio.sleep(0.01)
    return {"version": ROUTE_VERSION, "pid": os.getpid()}


@router.get("/item")
async def item() -> dict[str, Any]:
    made = Item(name="made")
    last = list(Color)[-1]
    validated = Item.model_validate({"name": "validated", "color": last.value})
    return {
        "pid": os.getpid(),
        "fields": sorted(Item.model_fields),
        "colors": [c.value for c in Color],
        "made": made.model_dump(mode="json"),
        "isinstance": [isinstance(made, Item), isinstance(made.color, Color), isinstance(validated.color, Color)],
        "validated_is_last": validated.color is last,
    }


@router.get("/plugin")
async def plugin() -> dict[str, Any]:
    return {"pid": os.getpid(), "greeting": handlers["alpha"].GREETING}


@router.get("/cycle")
async def cycle() -> dict[str, Any]:
    return {"pid": os.getpid(), "a": cycle_a.describe(), "b": cycle_b.describe()}


@router.get("/state")
async def state_snapshot() -> dict[str, Any]:
    return {"pid": os.getpid(), **state.snapshot()}


@router.get("/settings")
async def settings() -> dict[str, Any]:
    return {"pid": os.getpid(), "mode": MODE}
