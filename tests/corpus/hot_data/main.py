import counter
import log
from fastapi import FastAPI

app = FastAPI()


@app.get("/counter")
def state() -> dict[str, object]:
    """What a cold start of the current files holds too: a rolled-back version left no trace."""
    return {
        "version": counter.VERSION,
        "last": counter.seen[-1],
        "broken": [
            "broken" in counter.seen,
            2 in counter.nested["versions"],
            2 in counter.by_kind["versions"],
            2 in counter.recent,
        ],
        "keys": sorted(counter.context.data),
        "a dispose saw a rolled-back version": any(
            "broken" in disposal["seen"] or disposal["keys"] != ["by kind", "nested", "recent", "seen"]
            for disposal in log.DISPOSALS
        ),
    }


@app.get("/disposals")
def disposals() -> list[dict[str, object]]:
    return log.DISPOSALS
