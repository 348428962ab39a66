import content
from fastapi import FastAPI

app = FastAPI()


@app.get("/greeting")
def greeting() -> str:
    return content.GREETING.substitute(name="Ada")


@app.get("/report")
def report() -> list[str]:
    return content.report()


@app.get("/page")
def page() -> str:
    return content.page("Ada")


@app.get("/count")
def count() -> int:
    return content.count()


@app.get("/top")
def top() -> str:
    return content.top()
