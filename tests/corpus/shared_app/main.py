import items  # noqa: F401  (registers its routes on the shared app)
from app import app
from greetings import router

app.include_router(router)
