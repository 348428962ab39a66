"""The seed scenarios against the example entity project, served by the real `hotbed dev`.

Every scenario edits files while one worker keeps serving: no restart, no lost rows.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import DevServer, Json, wait_until

BLOG = Path(__file__).parents[2] / "examples" / "blog"
USER_ENTITY = "src/application/user/user.entity.json"


@pytest.fixture
def blog_root(tmp_path: Path) -> Path:
    """A copy of the example as a fresh clone has it: no database, no checksums."""
    root = tmp_path / "blog"
    shutil.copytree(BLOG, root, ignore=shutil.ignore_patterns("__pycache__", ".hotbed"))
    return root


@contextmanager
def served(root: Path, env: dict[str, str]) -> Iterator[DevServer]:
    """`hotbed dev` on the project at `root`; the scenario must end on the worker it started with."""
    server = DevServer(root, env, target=())
    try:
        yield server
        workers = server.output.wait_for(r"worker \d+ serving")
        assert len(workers) == 1, "the worker was restarted\n" + server.output.text
    finally:
        server.stop()


@pytest.fixture
def blog(blog_root: Path, server_env: dict[str, str]) -> Iterator[DevServer]:
    with served(blog_root, server_env) as server:
        yield server


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
        """    def list(cls, params: UserListParams) -> list[User]:
        \"\"\"A page of User rows: `keyword` looked for in the `search` field, ordered by `orderBy`.\"\"\"
        return [User.model_validate(row, from_attributes=True) for row in cls.find_page(params)]""",
        """    def list(cls, params: UserListParams, prefix: str | None = None) -> list[User]:
        \"\"\"A page of User rows, optionally only names starting with `prefix`.\"\"\"
        where = {"name": {"$like": f"{prefix}%"}} if prefix else None
        offset = (params.page - 1) * params.num
        rows = cls.find_many(where, order_by=str(params.order_by), limit=params.num, offset=offset)
        return [User.model_validate(row, from_attributes=True) for row in rows]""",
    )
    params = {"prefix": "joh", "page": 1, "num": 2, "orderBy": "id-desc"}

    def only_matches(rows: Json) -> bool:
        return all("joh" in row["name"] for row in rows)  # type: ignore[attr-defined]

    page = blog.wait_json("/api/user/list", only_matches, params=params)
    assert [row["name"] for row in page] == ["johanna", "john"]  # type: ignore[attr-defined]
    assert blog.client.get("/api/user/list", params={**params, "page": 2}).json() == []
    blog.output.wait_for(r"API re-registered: GET /api/user/list")
    blog.output.wait_for(r"- src/application/user/user_model\.py \(with 3 APIs\)")
    assert "prefix?: string | null" in (blog.root / "web/src/services/UserService.ts").read_text()


def test_a_new_model_method_used_from_another_api(blog: DevServer) -> None:
    product = make_product(blog, "Tea", "4.50", 3)
    blog.edit(
        "src/application/product/product_model.py",
        "    def has_stock(self, quantity: int) -> bool:",
        '    def label(self) -> str:\n        return f"{self.name} ({self.stock} left)"\n\n'
        "    def has_stock(self, quantity: int) -> bool:",
    )
    blog.edit(
        "src/application/order/order_api.py",
        '    @api(http_method="POST")',
        '    @api(http_method="GET")\n    def shelf(self) -> list[str]:\n'
        '        return [p.label() for p in ProductModel.find_many()]\n\n    @api(http_method="POST")',
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


def without_role(entity: Path) -> None:
    """The user entity as it was before the role scenario: no `role` prop, no enum, no `role` in a subset."""
    document = json.loads(entity.read_text())
    assert any(p["name"] == "role" for p in document["props"]), "the example's user entity has no role to take away"
    document["props"] = [p for p in document["props"] if p["name"] != "role"]
    document["subsets"] = {name: [f for f in fields if f != "role"] for name, fields in document["subsets"].items()}
    del document["enums"]
    entity.write_text(json.dumps(document, indent=2))


def test_permission_check_across_user_and_post(blog_root: Path, server_env: dict[str, str]) -> None:
    example_entity = (blog_root / USER_ENTITY).read_text()
    without_role(blog_root / USER_ENTITY)
    with served(blog_root, server_env) as blog:
        assert "role" not in (blog.root / "src/application/user/user_types.py").read_text()
        member = post(blog, "/api/user/create", {"form": {"email": "max@example.com", "name": "max"}})
        assert "role" not in member

        # Step 1: the entity gains its role field; the existing row gets the column's default.
        (blog.root / USER_ENTITY).write_text(example_entity)
        fresh = blog.wait_json("/api/user/get", lambda body: "role" in body, params={"id": member["id"]})
        assert fresh["role"] == "normal"
        blog.output.wait_for(r"- src/application/user/user\.entity\.json")
        admin = make_user(blog, "ada", role="admin")
        assert admin["role"] == "admin"

        # Step 2: the model uses the new field; step 3: the post API uses the new model method.
        blog.edit(
            "src/application/user/user_model.py",
            '    @api(http_method="GET")',
            '    def can_create_post(self) -> bool:\n        return self.role == "admin"\n\n'
            '    @api(http_method="GET")',
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
            "from hotbed import api\n",
            "from hotbed import UnauthorizedError, api\n\nfrom application.user.user_model import UserModel\n",
        )
        form = {"title": "Hello", "body": "First post"}

        def refused() -> bool:
            response = blog.client.post("/api/post/create", json={"form": {**form, "author_id": member["id"]}})
            return (
                response.status_code == 401 and response.json()["error"] == "You don't have permission to create posts"
            )

        wait_until(refused, message="a member to be refused")
        blog.output.wait_for(r"API re-registered: POST /api/post/create$")
        created = post(blog, "/api/post/create", {"form": {**form, "author_id": admin["id"]}})
        assert created["author_id"] == admin["id"]


# The order scenario, one save per file in the order a developer writes it: each save brings the
# example's file back, and the copy starts without the functions the save adds.
ORDER_STEPS = (
    ("src/application/product/product_model.py", {"has_stock", "reserve_stock"}),
    ("src/application/order/order_model.py", {"create_order"}),
    ("src/application/order/order_api.py", {"create"}),
)


def without_functions(source: str, names: set[str]) -> str:
    """`source` minus the functions called `names`, their decorators and the blank line after each."""
    lines = source.splitlines(keepends=True)
    found = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.FunctionDef) and node.name in names]
    assert {node.name for node in found} == names, f"the example no longer defines {names - {n.name for n in found}}"
    for node in sorted(found, key=lambda node: node.lineno, reverse=True):
        first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)]) - 1
        last = node.end_lineno or node.lineno
        del lines[first : last + (last < len(lines) and not lines[last].strip())]
    return "".join(lines)


def test_order_creation_is_built_on_product_stock_while_the_server_runs(
    blog_root: Path, server_env: dict[str, str]
) -> None:
    example = {rel: (blog_root / rel).read_text() for rel, _ in ORDER_STEPS}
    for rel, names in ORDER_STEPS:
        (blog_root / rel).write_text(without_functions(example[rel], names))

    with served(blog_root, server_env) as blog:
        buyer = make_user(blog, "bo")
        product = make_product(blog, "Pot", "12.00", 3)
        order = {"product_id": product["id"], "buyer_id": buyer["id"]}
        assert post(blog, "/api/order/create", {**order, "quantity": 1}, status=404)["error"].startswith("no API")

        for saves, (rel, _) in enumerate(ORDER_STEPS, start=1):
            (blog.root / rel).write_text(example[rel])
            blog.output.wait_for(r"✅ (re-executed \d+ modules|patched \d+ functions? in .*) in ", count=saves)
        blog.output.wait_for(r"API re-registered: POST /api/order/create$")

        created = post(blog, "/api/order/create", {**order, "quantity": 2})
        assert (created["quantity"], created["total"], created["status"]) == (2, "24.00", "pending")
        assert blog.get("/api/product/get", params={"id": product["id"]})["stock"] == 1
        refused = post(blog, "/api/order/create", {**order, "quantity": 2}, status=400)
        assert refused["error"] == "Out of stock"
        assert blog.get("/api/product/get", params={"id": product["id"]})["stock"] == 1
        assert [row["id"] for row in blog.get("/api/order/list")] == [created["id"]]  # type: ignore[union-attr]


def test_removing_a_prop_keeps_its_column_and_data(blog: DevServer) -> None:
    user = make_user(blog, "kim", bio="keep me")
    document = json.loads((blog.root / USER_ENTITY).read_text())
    document["props"] = [p for p in document["props"] if p["name"] != "bio"]
    (blog.root / USER_ENTITY).write_text(json.dumps(document, indent=2))

    blog.wait_json("/api/user/get", lambda body: "bio" not in body, params={"id": user["id"]})
    blog.output.wait_for(
        re.escape(
            "schema withheld: users.bio is no longer declared; the column and its data stay. "
            "Drop it by hand when it is no longer needed: ALTER TABLE users DROP COLUMN bio"
        )
    )
    with sqlite3.connect(blog.root / ".hotbed" / "db.sqlite3") as db:
        assert db.execute("SELECT bio FROM users WHERE id = ?", (user["id"],)).fetchone() == ("keep me",)


def test_rows_an_enum_edit_left_behind(blog: DevServer) -> None:
    """An enum value removed while rows hold it: the sync says which rows and the UPDATE that fixes
    them; reading such a row is a 500 naming the field and the row, and every other read works."""
    admin, member = make_user(blog, "ada", role="admin"), make_user(blog, "max")
    blog.edit(
        "src/application/user/user_model.py",
        '    @api(http_method="GET")\n    @classmethod\n    def welcome',
        '    @api(http_method="GET")\n    @classmethod\n    def everyone(cls) -> "list[User]":\n'
        "        return cls.find_many()  # rows as they are: the dispatcher validates them\n\n"
        '    @api(http_method="GET")\n    @classmethod\n    def welcome',
    )
    wait_until(lambda: blog.client.get("/api/user/everyone").status_code == 200)  # a 404 until reloaded
    assert len(blog.get("/api/user/everyone")) == 2  # type: ignore[arg-type]
    blog.edit(USER_ENTITY, '"admin": "Administrator", ', "")

    update = "UPDATE users SET role = 'normal' WHERE role IN ('admin')"
    blog.output.wait_for(
        re.escape(
            "schema withheld: users.role holds values that enum UserRole no longer has: 'admin' (1 row); "
            f"reading those rows fails validation until they are changed. To change them by hand: {update}"
        )
    )
    wait_until(lambda: blog.client.get("/api/user/get", params={"id": admin["id"]}).status_code == 500)
    response = blog.client.get("/api/user/get", params={"id": admin["id"]})
    assert response.json()["error"] == (
        f"GET /api/user/get failed: ValidationError in User: role of User id={admin['id']}: "
        "Input should be 'normal', got 'admin'"
    )
    response = blog.client.get("/api/user/everyone")
    assert response.status_code == 500
    assert response.json()["error"] == (
        "GET /api/user/everyone returned a value that is not a valid list[User]: "
        f"[0].role of User id={admin['id']}: Input should be 'normal', got 'admin'"
    )
    assert blog.get("/api/user/get", params={"id": member["id"]})["name"] == "max"
    assert [u["name"] for u in blog.get("/api/user/list", params={"keyword": str(member["id"])})] == ["max"]

    with sqlite3.connect(blog.root / ".hotbed" / "db.sqlite3") as db:
        db.execute(update)
    assert blog.get("/api/user/get", params={"id": admin["id"]})["role"] == "normal"
    assert [u["role"] for u in blog.get("/api/user/everyone")] == ["normal", "normal"]


def test_two_classes_declaring_one_route(blog: DevServer) -> None:
    """`UserApi.list` added beside `UserModel.list`: an error at both methods, in the console and
    in the report editors turn into diagnostics; the route keeps serving the model's method, and
    removing that one hands the route to the other."""
    make_user(blog, "ann")
    blog.edit(
        "src/application/user/user_api.py",
        '    @api(http_method="GET")\n    def me(',
        '    @api(http_method="GET")\n    def list(self) -> "list[str]":\n        return ["from UserApi"]\n\n'
        '    @api(http_method="GET")\n    def me(',
    )
    conflict = (
        "route conflict: GET /api/user/list is declared twice: application.user.user_model.UserModel.list and "
        "application.user.user_api.UserApi.list; application.user.user_model.UserModel.list serves it"
    )
    blog.output.wait_for(re.escape(f"src/application/user/user_api.py:20: {conflict}"))
    blog.output.wait_for(re.escape(f"src/application/user/user_model.py:25: {conflict}"))
    status = subprocess.run(
        [str(Path(sys.executable).parent / "hotbed"), "status", "--json"],
        cwd=blog.root, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    errors = json.loads(status.stdout)["report"]["errors"]
    assert sorted((Path(e["path"]).name, e["line"], e["column"]) for e in errors) == [
        ("user_api.py", 20, 5),
        ("user_model.py", 25, 5),
    ]
    assert [u["name"] for u in blog.get("/api/user/list")] == ["ann"]  # type: ignore[index]

    blog.edit(
        "src/application/user/user_model.py",
        "    def list(cls, params: UserListParams) -> list[User]:",
        "    def listed(cls, params: UserListParams) -> list[User]:",
    )
    blog.wait_json("/api/user/list", lambda body: body == ["from UserApi"])
    assert [u["name"] for u in blog.get("/api/user/listed")] == ["ann"]  # type: ignore[index]
