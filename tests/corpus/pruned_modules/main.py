import sys

import audit  # noqa: F401
import base
import helper
import plugin  # noqa: F401
import registry
from fastapi import FastAPI

app = FastAPI()


@app.get("/state")
def state() -> dict[str, object]:
    project = ("audit", "base", "helper", "plugin", "registry")
    return {
        "value": base.X + helper.DOUBLE,
        "loaded": [name for name in project if name in sys.modules],
        "active": registry.active(),
    }
