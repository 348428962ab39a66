"""The Order API: the endpoints under /api/order/."""

from application.order.order_model import OrderModel
from application.order.order_types import Order

from hotbed import api

__all__ = ["OrderApi"]


class OrderApi:
    model = OrderModel

    @api(http_method="POST")
    def create(self, product_id: int, quantity: int, buyer_id: int) -> Order:
        """Order a product; its stock is reserved, or the answer is 400 "Out of stock"."""
        return Order.model_validate(OrderModel.create_order(product_id, quantity, buyer_id), from_attributes=True)
