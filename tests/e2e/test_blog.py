"""The seed scenarios against the example entity project, served by the real `hotbed dev`.

Every scenario edits files while one worker keeps serving: no restart, no lost rows.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import DevServer, Json, wait_until

BLOG = Path(__file__).parents[2] / "examples" / "blog"
USER_ENTITY = "src/application/user/user.entity.json"


@pytest.fixture
def blog(tmp_path: Path, server_env: dict[str, str]) -> Iterator[DevServer]:
    root = tmp_path / "blog"
    shutil.copytree(BLOG, root, ignore=shutil.ignore_patterns("__pycache__", ".hotbed"))
    server = DevServer(root, server_env, target=())
    yield server
    assert len(server.output.wait_for(r"worker \d+ serving")) == 1, "the worker was restarted\n" + server.output.text
    server.stop()


def post(server: DevServer, path: str, body: Json, status: int = 200) -> Json:
    response = server.client.post(path, json=body)
    assert response.status_code == status, f"POST {path}: {response.status_code} {response.text}"
    result: Json = response.json()
    return result


def make_user(server: DevServer, name: str, role: str = "normal", **extra: object) -> Json:
    form = {"email": f"{name}@example.com", "name": name, "role": role, **extra}
    return post(server, "/api/user/create", {"form": form})


def make_product(server: DevServer, name: str, price: str, stock: int) -> Json:
    form = {"sku": str(uuid.uuid4()), "name": name, "price": price, "stock": stock}
    return post(server, "/api/product/create", {"form": form})


def test_start_up_prints_the_url_and_the_routes(blog: DevServer) -> None:
    assert blog.url.startswith("http://127.0.0.1:")
    for route in ("POST   /api/order/create", "GET    /api/user/list", "GET    /api/product/get"):
        blog.output.wait_for(re.escape(route))
    assert "/api/user/list" in blog.get("/api/openapi.json")["paths"]


def test_adding_a_field_to_an_entity(blog: DevServer) -> None:
    user = make_user(blog, "john")
    assert "nickname" not in blog.get("/api/user/get", params={"id": user["id"]})

    blog.edit(
        USER_ENTITY,
        '{ "name": "bio", "type": "text", "nullable": true },',
        '{ "name": "bio", "type": "text", "nullable": true },\n'
        '    { "name": "nickname", "type": "string", "length": 50, "nullable": true },',
    )

    fresh = blog.wait_json("/api/user/get", lambda body: "nickname" in body, params={"id": user["id"]})
    assert fresh["nickname"] is None and fresh["name"] == "john"
    assert "    nickname: " in (blog.root / "src/application/user/user_types.py").read_text()
    assert "nickname: string | null" in (blog.root / "web/src/services/user.types.ts").read_text()
    blog.output.wait_for(r"All files are synced!")


def test_changing_a_list_api(blog: DevServer) -> None:
    for name in ("john", "jane", "johanna"):
        make_user(blog, name)
    blog.edit(
        "src/application/user/user_model.py",
        """    def list(cls, page: int = 1, num: int = 20) -> list[User]:
        \"\"\"A page of User rows, newest first.\"\"\"
        rows = cls.find_many(order_by="id-desc", limit=num, offset=(page - 1) * num)""",
        """    def list(cls, keyword: str | None = None, page: int = 1, num: int = 20) -> list[User]:
        \"\"\"A page of User rows, newest first, optionally only names containing `keyword`.\"\"\"
        where = {"name": {"$like": f"%{keyword}%"}} if keyword else None
        rows = cls.find_many(where=where, order_by="id-desc", limit=num, offset=(page - 1) * num)""",
    )
    params = {"keyword": "joh", "page": 1, "num": 2}

    def only_matches(rows: Json) -> bool:
        return all("joh" in row["name"] for row in rows)  # type: ignore[attr-defined]

    page = blog.wait_json("/api/user/list", only_matches, params=params)
    assert [row["name"] for row in page] == ["johanna", "john"]  # type: ignore[attr-defined]
    assert blog.client.get("/api/user/list", params={**params, "page": 2}).json() == []
    blog.output.wait_for(r"API re-registered: GET /api/user/list")
    blog.output.wait_for(r"- src/application/user/user_model\.py \(with 3 APIs\)")
    assert "keyword?: string | null" in (blog.root / "web/src/services/UserService.ts").read_text()


def test_a_new_model_method_used_from_another_api(blog: DevServer) -> None:
    product = make_product(blog, "Tea", "4.50", 3)
    blog.edit(
        "src/application/product/product_model.py",
        "    def has_stock(self, quantity: int) -> bool:",
        "    def label(self) -> str:\n        return f\"{self.name} ({self.stock} left)\"\n\n"
        "    def has_stock(self, quantity: int) -> bool:",
    )
    blog.edit(
        "src/application/order/order_api.py",
        "    @api(http_method=\"POST\")",
        "    @api(http_method=\"GET\")\n    def shelf(self) -> list[str]:\n"
        "        return [p.label() for p in ProductModel.find_many()]\n\n    @api(http_method=\"POST\")",
    )
    blog.edit(
        "src/application/order/order_api.py",
        "from application.order.order_model import OrderModel",
        "from application.order.order_model import OrderModel\n"
        "from application.product.product_model import ProductModel",
    )

    def shelf() -> object:
        response = blog.client.get("/api/order/shelf")
        return response.status_code == 200 and response.json()

    assert wait_until(shelf, message="GET /api/order/shelf") == [f"Tea ({product['stock']} left)"]


def test_permission_check_across_user_and_post(blog: DevServer) -> None:
    admin = make_user(blog, "ada", role="admin")
    member = make_user(blog, "max")
    form = {"title": "Hello", "body": "First post"}
    post(blog, "/api/post/create", {"form": {**form, "author_id": member["id"]}})

    blog.edit(
        "src/application/user/user_model.py",
        "    @api(http_method=\"GET\")",
        "    def can_create_post(self) -> bool:\n"
        "        return self.role == \"admin\"\n\n"
        "    @api(http_method=\"GET\")",
    )
    blog.edit(
        "src/application/post/post_api.py",
        '        """Publish a post."""\n',
        '        """Publish a post."""\n'
        "        if not UserModel.find_by_id(form.author_id).can_create_post():\n"
        '            raise UnauthorizedError("You don\'t have permission to create posts")\n',
    )
    blog.edit(
        "src/application/post/post_api.py",
        "from hotbed.api import api\n",
        "from hotbed.api import api\nfrom hotbed.errors import UnauthorizedError\n\n"
        "from application.user.user_model import UserModel\n",
    )

    def refused() -> bool:
        response = blog.client.post("/api/post/create", json={"form": {**form, "author_id": member["id"]}})
        return response.status_code == 401 and "permission" in response.json()["error"]

    wait_until(refused, message="a member to be refused")
    created = post(blog, "/api/post/create", {"form": {**form, "author_id": admin["id"]}})
    assert created["author_id"] == admin["id"]


def test_order_reserves_stock(blog: DevServer) -> None:
    buyer = make_user(blog, "bo")
    product = make_product(blog, "Pot", "12.00", 2)
    order = {"product_id": product["id"], "buyer_id": buyer["id"]}
    created = post(blog, "/api/order/create", {**order, "quantity": 2})
    assert created["total"] == "24.00" and created["status"] == "pending"
    assert blog.get("/api/product/get", params={"id": product["id"]})["stock"] == 0
    refused = post(blog, "/api/order/create", {**order, "quantity": 1}, status=400)
    assert refused["error"] == "Out of stock"

    blog.edit(
        "src/application/product/product_model.py",
        'raise BadRequestError("Out of stock")',
        'raise BadRequestError(f"Out of stock: {self.name} has {self.stock} left")',
    )

    def message() -> object:
        response = blog.client.post("/api/order/create", json={**order, "quantity": 1})
        assert response.status_code == 400, response.text
        return response.json()["error"] != "Out of stock" and response.json()["error"]

    assert wait_until(message, message="the new message") == "Out of stock: Pot has 0 left"


def test_removing_a_prop_keeps_its_column_and_data(blog: DevServer) -> None:
    user = make_user(blog, "kim", bio="keep me")
    document = json.loads((blog.root / USER_ENTITY).read_text())
    document["props"] = [p for p in document["props"] if p["name"] != "bio"]
    (blog.root / USER_ENTITY).write_text(json.dumps(document, indent=2))

    blog.wait_json("/api/user/get", lambda body: "bio" not in body, params={"id": user["id"]})
    blog.output.wait_for(r"users\.bio")
    with sqlite3.connect(blog.root / ".hotbed" / "db.sqlite3") as db:
        assert db.execute("SELECT bio FROM users WHERE id = ?", (user["id"],)).fetchone() == ("keep me",)
