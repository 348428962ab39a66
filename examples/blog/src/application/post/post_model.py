"""The Post model: business logic over the Post rows, and its APIs.

hotbed created this file once; it is yours to edit and is never overwritten.
"""

from application.post.post_types import Post, PostListParams

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
    def list(cls, params: PostListParams) -> list[Post]:
        """A page of Post rows: `keyword` looked for in the `search` field, ordered by `orderBy`."""
        return [Post.model_validate(row, from_attributes=True) for row in cls.find_page(params)]
