"""The User model: business logic over the User rows, and its APIs.

hotbed created this file once; it is yours to edit and is never overwritten.
"""

from application.config import WELCOME
from application.user.user_types import User, UserListParams

from hotbed import BaseModel, api

__all__ = ["UserModel"]


class UserModel(BaseModel):
    entity = User

    @api(http_method="GET")
    @classmethod
    def get(cls, id: int) -> User:
        """One User by id."""
        return User.model_validate(cls.find_by_id(id), from_attributes=True)

    @api(http_method="GET")
    @classmethod
    def list(cls, params: UserListParams) -> list[User]:
        """A page of User rows: `keyword` looked for in the `search` field, ordered by `orderBy`."""
        return [User.model_validate(row, from_attributes=True) for row in cls.find_page(params)]

    @api(http_method="GET")
    @classmethod
    def welcome(cls) -> str:
        """A greeting for the front page."""
        return f"{WELCOME}, {cls.count()} members!"
