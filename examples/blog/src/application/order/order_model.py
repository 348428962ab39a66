"""The Order model: an order reserves its product's stock, and its APIs."""

from application.order.order_types import Order, OrderListParams
from application.product.product_model import ProductModel

from hotbed import BaseModel, api

__all__ = ["OrderModel"]


class OrderModel(BaseModel):
    entity = Order

    @classmethod
    def create_order(cls, product_id: int, quantity: int, buyer_id: int) -> "OrderModel":
        product = ProductModel.find_by_id(product_id)
        product.reserve_stock(quantity)
        return cls.save(
            {
                "product_id": product_id,
                "buyer_id": buyer_id,
                "quantity": quantity,
                "total": product.price * quantity,
                "status": "pending",
            }
        )

    @api(http_method="GET")
    @classmethod
    def get(cls, id: int) -> Order:
        """One Order by id."""
        return Order.model_validate(cls.find_by_id(id), from_attributes=True)

    @api(http_method="GET")
    @classmethod
    def list(cls, params: OrderListParams) -> list[Order]:
        """A page of Order rows: `keyword` looked for in the `search` field, ordered by `orderBy`."""
        return [Order.model_validate(row, from_attributes=True) for row in cls.find_page(params)]
