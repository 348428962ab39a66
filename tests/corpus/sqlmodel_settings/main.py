from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI
from heroes import Hero
from settings import Settings, get_settings
from sqlmodel import Session, SQLModel, create_engine, select

engine = create_engine(f"sqlite:///{Path(__file__).parent / 'heroes.sqlite'}")
SQLModel.metadata.create_all(engine)
with Session(engine) as session:
    if session.exec(select(Hero)).first() is None:
        session.add(Hero(name="Deadpond", secret_name="Dive Wilson"))
        session.commit()

app = FastAPI()


@app.get("/heroes")
def list_heroes(settings: Annotated[Settings, Depends(get_settings)]) -> dict[str, object]:
    with Session(engine) as session:
        heroes = session.exec(select(Hero).limit(settings.page_size)).all()
        return {"app": settings.app_name, "heroes": [h.model_dump() for h in heroes]}
