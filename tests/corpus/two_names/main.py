import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "src"))  # as a test setup may do: `models` and `src.models`

import helpers
import models
import src.models
import src.service
from fastapi import FastAPI

KINDS = (models.Item.kind, src.models.Item.kind)
app = FastAPI()


@app.get("/models")
def state() -> dict[str, list[str]]:
    return {
        "describe": [models.describe(), src.models.describe()],
        "kinds at import": list(KINDS),
        "kinds": [models.Item.kind, src.models.Item.kind],
        "read at import": [*models.KINDS, *src.models.KINDS],
        "importers": [helpers.GREETING, src.service.LABEL],
    }
