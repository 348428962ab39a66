"""The Post API: the endpoints under /api/post/."""

from application.post.post_model import PostModel
from application.post.post_types import Post, PostSaveParams

from hotbed import api

__all__ = ["PostApi"]


class PostApi:
    model = PostModel

    @api(http_method="POST")
    def create(self, form: PostSaveParams) -> Post:
        """Publish a post."""
        return Post.model_validate(PostModel.save(form), from_attributes=True)
