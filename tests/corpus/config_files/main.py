from config import CONFIG, message_of_the_day
from fastapi import FastAPI

app = FastAPI(title=CONFIG["title"])


@app.get("/shop")
def shop() -> dict[str, str]:
    return {"currency": CONFIG["currency"], "motd": message_of_the_day()}
