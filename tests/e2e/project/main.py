"""Entry module served as `hotbed dev main:app`; the app lives in the `app` package."""

from app.main import app

__all__ = ["app"]
