"""The app object `hotbed dev` serves; it re-executes whenever a module it imports changes."""

from fastapi import FastAPI

from .routes import router
from .settings import GREETING_PREFIX

app = FastAPI(title="hello")
app.include_router(router)


@app.get("/")
def index() -> dict[str, str]:
    return {"hello": GREETING_PREFIX, "try": "/greet/world"}
