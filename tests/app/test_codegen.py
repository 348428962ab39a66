"""Generators: the Python types import and validate, the TypeScript compiles, output is deterministic."""

from __future__ import annotations

import datetime
import importlib.util
import shutil
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from hotbed.app.codegen import ApiParam, ApiSpec, ProjectEntities, generate_entity, generate_shared, inputs_of
from hotbed.app.codegen.base import HEADER
from hotbed.app.entity import parse_entity
from hotbed.config import load_config

FIXTURES = Path(__file__).parent / "entity_fixtures"
TSC = Path(__file__).parents[1] / "typescript" / "node_modules" / ".bin" / "tsc"


def _project(root: Path) -> ProjectEntities:
    shutil.copytree(FIXTURES, root, dirs_exist_ok=True)
    entities = [parse_entity(p, p.read_bytes()) for p in sorted(root.rglob("*.entity.json"))]
    return ProjectEntities(load_config(root), {e.id: e for e in entities})


def _write_all(project: ProjectEntities, api_source: Any = None) -> dict[Path, bytes]:
    files = generate_shared(project)
    for entity in project.by_id.values():
        files += generate_entity(entity, project, api_source)
    for item in files:
        item.path.parent.mkdir(parents=True, exist_ok=True)
        item.path.write_bytes(item.content)
    return {item.path: item.content for item in files}


def _import(path: Path) -> ModuleType:
    name = f"_hotbed_generated_{path.stem}_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def tsc(folder: Path) -> subprocess.CompletedProcess[str]:
    """Type-check every .ts file of `folder` strictly, as a frontend build would."""
    files = sorted(str(p) for p in folder.glob("*.ts"))
    options = ["--noEmit", "--strict", "--noUnusedLocals", "--noUnusedParameters", "--exactOptionalPropertyTypes"]
    options += ["--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler", "--lib", "es2022,dom"]
    return subprocess.run([str(TSC), *options, *files], capture_output=True, text=True, timeout=100)


def test_python_types_import_and_validate(tmp_path: Path) -> None:
    project = _project(tmp_path)
    _write_all(project)
    users = _import(tmp_path / "src/application/user/user_types.py")
    user = users.User.model_validate(
        {"id": 1, "email": "a@b.c", "name": "Ann", "role": "admin", "created_at": "2024-05-01T10:00:00"}
    )
    assert user.role is users.UserRole.ADMIN and user.bio is None
    assert users.USER_ROLE_LABELS[users.UserRole.NORMAL] == "Member"
    assert isinstance(user.created_at, datetime.datetime)
    with pytest.raises(ValidationError):
        users.User.model_validate({"id": 1, "email": "x" * 256, "name": "A", "role": "admin", "created_at": "now"})
    with pytest.raises(ValidationError):
        users.User.model_validate({"id": 1, "email": "a", "name": "A", "role": "root", "created_at": "2024-01-01"})

    params = users.UserListParams()
    assert (params.page, params.num, params.search, params.keyword, params.order_by) == (1, 24, "id", None, "id-desc")
    assert users.UserListParams(page=2, num=10, search="email", keyword="ann").search == "email"
    assert users.UserListParams.model_validate({"orderBy": "id-asc"}).order_by == "id-asc"  # Sonamu's name
    assert users.UserListParams(order_by="id-asc").model_dump() == {
        "page": 1, "num": 24, "search": "id", "keyword": None, "orderBy": "id-asc"
    }  # fmt: skip
    assert "orderBy" in users.UserListParams.model_json_schema()["properties"]
    with pytest.raises(ValidationError):
        users.UserListParams(order_by="name-desc")  # not a UserOrderBy
    with pytest.raises(ValidationError):
        users.UserListParams(page=0)
    with pytest.raises(ValidationError):
        users.UserListParams(search="role")

    save = users.UserSaveParams(email="a@b.c", name="Ann")
    assert save.id is None and save.role is None  # role has a database default

    posts = _import(tmp_path / "src/application/post/post_types.py")
    subset = posts.PostSubsetA.model_validate(
        {"id": 3, "title": "Hi", "status": "draft", "published_at": None, "author": {"id": 1, "name": "Ann"}}
    )
    assert subset.author.name == "Ann" and subset.status is posts.PostStatus.DRAFT
    assert {"A": posts.PostSubsetA} == posts.POST_SUBSETS
    assert "author_id" in posts.Post.model_fields

    products = _import(tmp_path / "src/application/product/product_types.py")
    product = products.Product(
        id=1, sku=uuid.uuid4(), name="Pen", price="2.50", stock=3, active=True, weight=None, released_on="2024-02-03"
    )
    assert product.price == Decimal("2.50") and product.released_on == datetime.date(2024, 2, 3)
    with pytest.raises(ValidationError):
        products.Product(id=1, sku=uuid.uuid4(), name="Pen", price="2.505", stock=-1, active=True)

    orders = _import(tmp_path / "src/application/order/order_types.py")
    row = orders.OrderSubsetA.model_validate(
        {
            "id": 9,
            "quantity": 2,
            "total": "5.00",
            "status": "paid",
            "ordered_at": "2024-05-01T10:00:00",
            "buyer": {"id": 1, "name": "Ann"},
            "product": {"id": 1, "name": "Pen", "price": "2.50"},
        }
    )
    assert isinstance(row, BaseModel) and row.product.price == Decimal("2.50")


def test_every_output_has_the_header_and_is_deterministic(tmp_path: Path) -> None:
    first = _write_all(_project(tmp_path / "a"))
    second = _write_all(_project(tmp_path / "b"))
    assert [p.relative_to(tmp_path / "a") for p in first] == [p.relative_to(tmp_path / "b") for p in second]
    assert list(first.values()) == list(second.values())
    for path, content in first.items():
        if path.name.endswith(("_model.py", "_api.py")):
            continue
        comment = "#" if path.suffix == ".py" else "//"
        assert content.decode().splitlines()[0] == f"{comment} {HEADER}", path


def test_scaffolds_import_the_generated_types(tmp_path: Path) -> None:
    _write_all(_project(tmp_path))
    sys.path.insert(0, str(tmp_path / "src"))
    try:
        api = importlib.import_module("application.user.user_api")
        assert api.UserApi.model.entity.__name__ == "User"
    finally:
        sys.path.remove(str(tmp_path / "src"))
        for name in [n for n in sys.modules if n == "application" or n.startswith("application.")]:
            del sys.modules[name]


def test_generated_typescript_compiles(tmp_path: Path) -> None:
    _write_all(_project(tmp_path))
    services = tmp_path / "web/src/services"
    assert sorted(p.name for p in services.glob("*.ts")) == [
        "OrderService.ts",
        "PostService.ts",
        "ProductService.ts",
        "UserService.ts",
        "hotbed.ts",
        "order.types.ts",
        "post.types.ts",
        "product.types.ts",
        "user.types.ts",
    ]
    usage = services / "usage.ts"
    usage.write_text(
        'import { get, list, save } from "./UserService";\n'
        'import { UserRoleLabels, type UserRole } from "./user.types";\n'
        "export async function demo(): Promise<string> {\n"
        '  const user = await get("A", 1);\n'
        '  const page = await list("SS", { page: 1, num: 10, search: "email", keyword: "a", orderBy: "id-asc" });\n'
        '  await save([{ email: "a@b.c", name: "Ann", role: "admin" }]);\n'
        "  const role: UserRole = user.role;\n"
        "  return UserRoleLabels[role] + page.rows.map((row) => row.name).join(',') + user.created_at;\n"
        "}\n"
    )
    result = tsc(services)
    assert result.returncode == 0, result.stdout + result.stderr

    usage.write_text('import { get } from "./UserService";\nexport const bad: number = (await get("A", 1)).name;\n')
    assert tsc(services).returncode != 0  # the types are real: a wrong use does not compile


def test_registered_apis_replace_the_default_service_functions(tmp_path: Path) -> None:
    project = _project(tmp_path)

    def apis(entity: Any) -> list[ApiSpec] | None:
        if entity.id != "Product":
            return None
        return [ApiSpec("restock", "POST", (ApiParam("id", "number"), ApiParam("count", "number")), "Product")]

    _write_all(project, apis)
    service = (tmp_path / "web/src/services/ProductService.ts").read_text()
    assert "export function restock(id: number, count: number): Promise<Product>" in service
    assert '"/api/product/restock"' in service and "function get" not in service
    assert tsc(tmp_path / "web/src/services").returncode == 0


def test_inputs_follow_relations_and_subsets(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert inputs_of(project.by_id["Order"], project) == {"User", "Product"}
    assert inputs_of(project.by_id["Post"], project) == {"User"}
    assert inputs_of(project.by_id["Product"], project) == set()
