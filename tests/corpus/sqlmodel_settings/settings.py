from functools import lru_cache

from pydantic import BaseModel


class Settings(BaseModel):
    app_name: str = "heroes"
    page_size: int = 10


@lru_cache
def get_settings() -> Settings:
    return Settings()
