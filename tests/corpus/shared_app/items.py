from app import app


@app.get("/items")
def items() -> list[str]:
    return ["apple", "pear"]
