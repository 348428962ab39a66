"""Errors an API may raise on purpose; the dispatcher answers each with its HTTP status and a JSON body.

Models raise them too (`NotFoundError` from `find_by_id`), so an API method can let them
propagate and the client still gets a meaningful status instead of a 500.
"""

from __future__ import annotations

from hotbed.exceptions import HotbedError

__all__ = ["ApiError", "BadRequestError", "NotFoundError", "UnauthorizedError"]


class ApiError(HotbedError):
    """A failure the client should see: `str(exc)` is the message, `status_code` the HTTP status."""

    status_code: int = 400

    def __init__(self, message: str, *, status_code: int | None = None) -> None:
        super().__init__(message)
        if status_code is not None:
            self.status_code = status_code


class BadRequestError(ApiError):
    status_code = 400


class UnauthorizedError(ApiError):
    status_code = 401


class NotFoundError(ApiError):
    status_code = 404
