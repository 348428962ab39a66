from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.greeting = "hello"
    yield


app = FastAPI(lifespan=lifespan)
