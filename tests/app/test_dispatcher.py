"""The API dispatcher: routes looked up per request, validation, errors, OpenAPI."""

from __future__ import annotations

import httpx
import pytest

import hotbed
from hotbed.app.dispatcher import Dispatcher
from hotbed.app.registry import ApiRegistry
from hotbed.config import load_config
from hotbed.exceptions import EngineStateError
from tests.helpers.engine_project import MakeProject

SHOP_API = """
import asyncio
import enum
import pydantic
import hotbed
from hotbed import api
from hotbed.exceptions import BadRequestError, ConflictError, ForbiddenError, NotFoundError, UnauthorizedError

class Color(enum.Enum):
    RED = "red"

class OrderForm(pydantic.BaseModel):
    product_id: int
    quantity: int = 1

class ListForm(pydantic.BaseModel):
    page: int = 1
    keyword: str | None = None
    tags: list[str] = []

class Row:
    def __init__(self, id: int) -> None:
        self.id = id
    def to_dict(self) -> dict[str, int]:
        return {"id": self.id}

class ProductApi:
    @api(http_method="GET")
    async def list(self, keyword: str | None = None, page: int = 1, num: int = 10) -> list[str]:
        '''Products, a page at a time.'''
        await asyncio.sleep(0)
        return [f"{keyword}:{page}:{num}"]

    @api(http_method="GET")
    def get(self, id: int) -> Row:
        if id == 0:
            raise NotFoundError("no product 0")
        return Row(id)

    @api(http_method="POST")
    def order(self, form: OrderForm) -> dict[str, object]:
        if form.quantity > 5:
            raise BadRequestError("Out of stock")
        return {"ordered": form.model_dump(), "color": Color.RED}

    @api(http_method="DELETE")
    def remove(self, id: int) -> None:
        raise UnauthorizedError("you may not")

    @api(http_method="POST")
    def ship(self, id: int) -> None:
        raise ForbiddenError("not yours")

    @api(http_method="POST")
    def reserve(self, id: int) -> None:
        raise ConflictError("already reserved")

    @api(http_method="GET")
    def search(self, params: ListForm) -> dict[str, object]:
        return params.model_dump()

    @api(http_method="GET")
    def whoami(self) -> dict[str, object]:
        current = hotbed.context()
        return {"agent": current.headers.get("x-agent"), "path": current.request.url.path}

    @api(http_method="GET")
    def greet(self, ctx: hotbed.RequestContext, name: str = "you") -> str:
        ctx.state["greeted"] = name
        return f"{ctx.headers.get('x-agent')} greets {name}, path {ctx.request.url.path}, {hotbed.context().state}"

    @api(http_method="GET")
    async def whoami_async(self) -> str | None:
        return hotbed.context().headers.get("x-agent")

    @api(http_method="GET")
    def broken(self) -> None:
        OrderForm.model_validate({"product_id": "not a number"})

    @api(http_method="GET")
    def rows(self) -> "list[OrderForm]":  # the class's own `list` shadows the builtin here
        return [OrderForm(product_id=1), Row(7)]  # a Row has no product_id

    @api(http_method="GET")
    def shaped(self) -> OrderForm:
        return {"product_id": "3", "quantity": 2, "extra": "dropped"}

    @api(http_method="GET")
    def huge(self) -> None:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")

    @api(http_method="GET")
    def crash(self) -> None:
        raise RuntimeError("bug")
"""


@pytest.fixture
def client(make_project: MakeProject) -> httpx.AsyncClient:
    project = make_project({"shop_api.py": SHOP_API})
    registry = ApiRegistry()
    registry.update([project.load("shop_api")])
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=Dispatcher(registry)), base_url="http://test")


async def test_query_parameters_are_validated_from_type_hints(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/product/list", params={"keyword": "tea", "page": "2"})
    assert response.status_code == 200
    assert response.json() == ["tea:2:10"]

    response = await client.get("/api/product/list", params={"page": "two"})
    assert response.status_code == 422
    assert response.json()["details"][0]["loc"] == ["page"]


async def test_body_model_and_json_results(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/product/order", json={"product_id": 3, "quantity": 2})
    assert response.json() == {"ordered": {"product_id": 3, "quantity": 2}, "color": "red"}
    assert (await client.get("/api/product/get", params={"id": 7})).json() == {"id": 7}


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "message"),
    [
        ("POST", "/api/product/order", {"json": {"product_id": 1, "quantity": 9}}, 400, "Out of stock"),
        ("DELETE", "/api/product/remove", {"params": {"id": 1}}, 401, "you may not"),
        ("GET", "/api/product/get", {"params": {"id": 0}}, 404, "no product 0"),
        ("POST", "/api/product/ship", {"json": {"id": 1}}, 403, "not yours"),
        ("POST", "/api/product/reserve", {"json": {"id": 1}}, 409, "already reserved"),
        ("GET", "/api/product/crash", {}, 500, "RuntimeError: bug"),
        ("GET", "/api/nothing/here", {}, 404, "no API at /api/nothing/here"),
        ("POST", "/api/product/order", {"content": b"{not json"}, 400, "the request body is not JSON"),
    ],
)
async def test_errors_are_json_with_a_status(
    client: httpx.AsyncClient, method: str, path: str, kwargs: dict[str, object], status: int, message: str
) -> None:
    response = await client.request(method, path, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == status
    assert response.json()["error"].startswith(message)


async def test_wrong_method_is_405(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/product/list")
    assert response.status_code == 405
    assert response.json()["allowed"] == ["GET"]


async def test_openapi_document_follows_the_registry(make_project: MakeProject) -> None:
    project = make_project({"shop_api.py": SHOP_API})
    registry = ApiRegistry()
    project.engine.commit_hooks.append(registry.prepare)
    registry.update([project.load("shop_api")])
    dispatcher = Dispatcher(registry, title="shop")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=dispatcher), base_url="http://t") as client:
        document = (await client.get("/api/openapi.json")).json()
        assert document["info"]["title"] == "shop"
        list_op = document["paths"]["/api/product/list"]["get"]
        assert list_op["summary"] == "Products, a page at a time."
        assert [p["name"] for p in list_op["parameters"]] == ["keyword", "page", "num"]
        assert "OrderForm" in document["components"]["schemas"]

        extra = "\n    @api(http_method='GET')\n    def extra(self) -> int:\n        return 1\n"
        project.change("shop_api.py", SHOP_API + extra)
        document = (await client.get("/api/openapi.json")).json()
        assert "/api/product/extra" in document["paths"]
        assert (await client.get("/api/product/extra")).json() == 1


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({"product_id": "three", "quantity": 2}, ["form", "product_id"], "int_parsing"),
        ({"form": {"quantity": 2}}, ["form", "product_id"], "missing"),
    ],
)
async def test_a_body_that_fails_validation_is_422(
    client: httpx.AsyncClient, body: dict[str, object], loc: list[str], kind: str
) -> None:
    response = await client.post("/api/product/order", json=body)
    assert response.status_code == 422
    assert response.json()["error"] == "invalid parameters"
    assert [(d["loc"], d["type"]) for d in response.json()["details"]] == [(loc, kind)]


async def test_the_api_prefix_comes_from_the_project_configuration(make_project: MakeProject) -> None:
    project = make_project({"shop_api.py": SHOP_API, "hotbed.toml": 'api-prefix = "/v1"\n'})
    registry = ApiRegistry(load_config(project.root).api_prefix)
    registry.update([project.load("shop_api")])
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=Dispatcher(registry)), base_url="http://t"
    ) as client:
        document = (await client.get("/v1/openapi.json")).json()
        assert sorted(document["paths"]) == [
            f"/v1/product/{name}"
            for name in (
                "broken",
                "crash",
                "get",
                "greet",
                "huge",
                "list",
                "order",
                "remove",
                "reserve",
                "rows",
                "search",
                "shaped",
                "ship",
                "whoami",
                "whoami_async",
            )
        ]
        assert (await client.get("/v1/product/list", params={"keyword": "tea"})).json() == ["tea:1:10"]
        assert (await client.get("/api/product/list")).status_code == 404
        assert (await client.get("/api/openapi.json")).status_code == 404


async def test_a_model_parameter_reads_flat_query_parameters(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/product/search", params=[("page", "2"), ("keyword", "tea"), ("tags", "a"), ("tags", "b")]
    )
    assert response.json() == {"page": 2, "keyword": "tea", "tags": ["a", "b"]}
    assert (await client.get("/api/product/search")).json() == {"page": 1, "keyword": None, "tags": []}
    assert (await client.get("/api/product/search", params={"tags": "a"})).json()["tags"] == ["a"]
    response = await client.get("/api/product/search", params={"params": '{"page": 3}'})
    assert response.json()["page"] == 3
    response = await client.get("/api/product/search", params={"page": "x"})
    assert response.status_code == 422 and response.json()["details"][0]["loc"] == ["params", "page"]


async def test_a_validation_error_inside_the_method_is_a_server_error(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/product/broken")
    assert response.status_code == 500
    assert response.json()["error"] == (
        "GET /api/product/broken failed: ValidationError in OrderForm: product_id: "
        "Input should be a valid integer, unable to parse string as an integer, got 'not a number'"
    )


async def test_the_result_is_validated_against_the_return_type(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/product/shaped")
    assert response.json() == {"product_id": 3, "quantity": 2}  # as the return type has it
    response = await client.get("/api/product/rows")
    assert response.status_code == 500
    assert response.json()["error"] == (
        "GET /api/product/rows returned a value that is not a valid list[OrderForm]: "
        "[1].product_id of Row id=7: Field required"
    )


async def test_bad_bytes_and_huge_numbers_are_client_errors(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/product/order", content=b'{"product_id": "\xff\xfe"}')
    assert response.status_code == 400 and "UTF-8" in response.json()["error"]
    response = await client.get("/api/product/huge")
    assert response.status_code == 400 and "out of range" in response.json()["error"]


async def test_an_api_reads_the_request_through_the_context(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/product/whoami", headers={"x-agent": "tests"})
    assert response.json() == {"agent": "tests", "path": "/api/product/whoami"}
    assert (await client.get("/api/product/whoami_async", headers={"x-agent": "async"})).json() == "async"
    with pytest.raises(EngineStateError, match="only available while an API call"):
        hotbed.context()


async def test_a_parameter_typed_request_context_is_filled_by_the_dispatcher(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/product/greet", params={"name": "Jo", "ctx": "ignored"}, headers={"x-agent": "t"})
    assert response.json() == "t greets Jo, path /api/product/greet, {'greeted': 'Jo'}"  # the same context
    document = (await client.get("/api/openapi.json")).json()
    assert [p["name"] for p in document["paths"]["/api/product/greet"]["get"]["parameters"]] == ["name"]
