from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=Path(__file__).parent / ".env")
    app_name: str = "heroes"
    page_size: int = 10


@lru_cache
def get_settings() -> Settings:
    return Settings()
