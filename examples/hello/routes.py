"""The API routes; edit the message and save to see it served at once."""

from fastapi import APIRouter

from .models import Greeting, Mood
from .settings import GREETING_PREFIX
from .visits import count_visit

router = APIRouter()


@router.get("/greet/{name}")
def greet(name: str) -> Greeting:
    return Greeting(message=f"{GREETING_PREFIX}, {name}!", mood=Mood.HAPPY, visits=count_visit(name))
