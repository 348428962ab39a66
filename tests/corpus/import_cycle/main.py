import sys

import cycle_a
import cycle_b
import log
import user  # noqa: F401
from fastapi import FastAPI

app = FastAPI()


@app.get("/cycle")
def cycle() -> dict[str, object]:
    return {
        "a's b is current": cycle_a.cycle_b is sys.modules["cycle_b"],
        "b's a is current": cycle_b.cycle_a is sys.modules["cycle_a"],
        "main's a is current": cycle_a is sys.modules["cycle_a"],
        "version": cycle_a.VERSION,
        "through b": cycle_b.version(),
    }


@app.get("/runs")
def runs() -> list[str]:
    return log.RUNS
