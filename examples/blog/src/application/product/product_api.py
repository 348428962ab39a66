"""The Product API: the endpoints under /api/product/."""

from application.product.product_model import ProductModel
from application.product.product_types import Product, ProductSaveParams

from hotbed import api

__all__ = ["ProductApi"]


class ProductApi:
    model = ProductModel

    @api(http_method="POST")
    def create(self, form: ProductSaveParams) -> Product:
        """Put a product on sale."""
        return Product.model_validate(ProductModel.save(form), from_attributes=True)
