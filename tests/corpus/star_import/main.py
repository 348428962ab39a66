import sys

from fastapi import FastAPI
from pkg import *  # noqa: F403

RESULT = tools.VALUE  # noqa: F405
# What the star brought, read at import: `extra` once `pkg.__all__` names it.
WORDS = [module.WORD for name, module in sorted(globals().items()) if name == "extra"]
app = FastAPI(title=NAME)  # noqa: F405


@app.get("/star")
def state() -> dict[str, object]:
    return {"at import": RESULT, "now": tools.VALUE, "label": tools.label(), "words": WORDS}  # noqa: F405


@app.get("/loaded")
def loaded() -> dict[str, bool]:
    package = sys.modules["pkg"]
    return {"pkg.tools imported": "pkg.tools" in sys.modules, "pkg has tools": hasattr(package, "tools")}
