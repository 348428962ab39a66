from fastapi import FastAPI, HTTPException
from pydantic import BaseModel


class Note(BaseModel):
    id: int
    text: str


def seed() -> dict[int, Note]:
    return {1: Note(id=1, text="first")}


NOTES = seed()
app = FastAPI(title="Notes")


def shout(text: str) -> str:
    return text.upper()


@app.get("/notes")
def list_notes() -> list[Note]:
    return list(NOTES.values())


@app.get("/notes/{note_id}")
def get_note(note_id: int) -> Note:
    if note_id not in NOTES:
        raise HTTPException(404, "no such note")
    note = NOTES[note_id]
    return Note(id=note.id, text=shout(note.text))
