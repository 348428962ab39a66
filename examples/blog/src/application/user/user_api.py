"""The User API: the endpoints under /api/user/."""

from application.user.user_model import UserModel
from application.user.user_types import User, UserSaveParams

from hotbed import ForbiddenError, RequestContext, api

__all__ = ["UserApi"]


class UserApi:
    model = UserModel

    @api(http_method="POST")
    def create(self, form: UserSaveParams) -> User:
        """Sign a new user up."""
        return User.model_validate(UserModel.save(form), from_attributes=True)

    @api(http_method="GET")
    def me(self, ctx: RequestContext) -> User:
        """The signed-in user, named by the `x-user-id` header (a stand-in for real sign-in)."""
        user_id = ctx.headers.get("x-user-id", "")
        if not user_id.isdigit():
            raise ForbiddenError("sign in first: send x-user-id")
        return User.model_validate(UserModel.find_by_id(int(user_id)), from_attributes=True)
