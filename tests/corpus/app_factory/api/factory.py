from fastapi import FastAPI

from api import orders
from api.settings import build_settings


def create_app() -> FastAPI:
    settings = build_settings()
    app = FastAPI(title=settings["title"], version=settings["version"])
    app.state.settings = settings
    app.include_router(orders.router, prefix=settings["prefix"])

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "title": app.title}

    return app
