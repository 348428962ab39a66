from fastapi import FastAPI
from pkg import *  # noqa: F403

RESULT = tools.VALUE  # noqa: F405
app = FastAPI(title=NAME)  # noqa: F405


@app.get("/star")
def state() -> dict[str, object]:
    return {"at import": RESULT, "now": tools.VALUE, "label": tools.label()}  # noqa: F405
