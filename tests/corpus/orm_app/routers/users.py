from typing import Annotated

from db import get_db
from fastapi import APIRouter, Depends
from models import User
from sqlalchemy import select
from sqlalchemy.orm import Session

router = APIRouter(prefix="/users")


@router.get("/")
def list_users(db: Annotated[Session, Depends(get_db)]) -> list[dict[str, object]]:
    users = db.scalars(select(User).order_by(User.id)).all()
    return [{"label": u.label(), "posts": [p.title for p in u.posts]} for u in users]
