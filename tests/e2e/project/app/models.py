from enum import StrEnum

from pydantic import BaseModel


class Color(StrEnum):
    RED = "red"


class Item(BaseModel):
    name: str
    color: Color = Color.RED
