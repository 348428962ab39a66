"""The User API: the endpoints under /api/user/."""

from application.user.user_model import UserModel
from application.user.user_types import User, UserSaveParams

from hotbed import api

__all__ = ["UserApi"]


class UserApi:
    model = UserModel

    @api(http_method="POST")
    def create(self, form: UserSaveParams) -> User:
        """Sign a new user up."""
        return User.model_validate(UserModel.save(form), from_attributes=True)
