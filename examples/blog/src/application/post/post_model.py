"""The Post model: business logic over the Post rows, and its APIs.

hotbed created this file once; it is yours to edit and is never overwritten.
"""

from application.post.post_types import Post

from hotbed import BaseModel, api

__all__ = ["PostModel"]


class PostModel(BaseModel):
    entity = Post

    @api(http_method="GET")
    @classmethod
    def get(cls, id: int) -> Post:
        """One Post by id."""
        return Post.model_validate(cls.find_by_id(id), from_attributes=True)

    @api(http_method="GET")
    @classmethod
    def list(cls, page: int = 1, num: int = 20) -> list[Post]:
        """A page of Post rows, newest first."""
        rows = cls.find_many(order_by="id-desc", limit=num, offset=(page - 1) * num)
        return [Post.model_validate(row, from_attributes=True) for row in rows]
