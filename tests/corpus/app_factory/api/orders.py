from fastapi import APIRouter, Request
from pydantic import BaseModel

router = APIRouter()


class Order(BaseModel):
    id: int
    item: str


def load_orders() -> list[Order]:
    return [Order(id=1, item="tea")]


@router.get("/orders")
def list_orders(request: Request) -> dict[str, object]:
    """All orders."""
    return {"orders": load_orders(), "title": request.app.state.settings["title"]}
