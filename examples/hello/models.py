"""Response models: change a field or the Enum and the routes pick the new classes up."""

from enum import StrEnum

from pydantic import BaseModel


class Mood(StrEnum):
    HAPPY = "happy"
    CURIOUS = "curious"


class Greeting(BaseModel):
    message: str
    mood: Mood
    visits: int
