"""The Product model: stock keeping over the Product rows, and its APIs."""

from application.product.product_types import Product, ProductListParams

from hotbed import BadRequestError, BaseModel, api

__all__ = ["ProductModel"]


class ProductModel(BaseModel):
    entity = Product

    def has_stock(self, quantity: int) -> bool:
        return self.stock >= quantity

    def reserve_stock(self, quantity: int) -> None:
        if not self.has_stock(quantity):
            raise BadRequestError("Out of stock")
        self.update({"stock": self.stock - quantity})

    @api(http_method="GET")
    @classmethod
    def get(cls, id: int) -> Product:
        """One Product by id."""
        return Product.model_validate(cls.find_by_id(id), from_attributes=True)

    @api(http_method="GET")
    @classmethod
    def list(cls, params: ProductListParams) -> list[Product]:
        """A page of Product rows: `keyword` looked for in the `search` field, ordered by `orderBy`."""
        return [Product.model_validate(row, from_attributes=True) for row in cls.find_page(params)]
