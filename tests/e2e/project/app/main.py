import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from .routes import router

LIFESPAN_LOG = Path(__file__).resolve().parent.parent / "lifespan.log"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    with LIFESPAN_LOG.open("a") as log:
        log.write(f"startup {os.getpid()}\n")
    yield
    with LIFESPAN_LOG.open("a") as log:
        log.write(f"shutdown {os.getpid()}\n")


app = FastAPI(lifespan=lifespan)
app.include_router(router)
