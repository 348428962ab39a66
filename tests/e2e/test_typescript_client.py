"""The generated TypeScript client, compiled and run by node (`fetch`), against a real `hotbed dev` of the example.

Every generated service function is called, the list functions with their list params
(`page`, `num`, `search`, `keyword`, `orderBy`),
so the client and its own server are checked to agree on how parameters travel.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.app.test_codegen import TSC

from .conftest import DevServer
from .test_blog import blog, blog_root

__all__ = ["blog", "blog_root"]

SCRIPT = """
const { clientConfig } = require("./hotbed");
const users = require("./UserService");
const products = require("./ProductService");
const posts = require("./PostService");
const orders = require("./OrderService");

async function main() {
  clientConfig.baseUrl = process.argv[2];
  const out = {};
  const ann = await users.create({ email: "ann@example.com", name: "Ann" });
  await users.create({ email: "bob@example.com", name: "Bob" });
  out.user = (await users.get(ann.id)).name;
  out.userPage = (await users.list({ page: 1, num: 1 })).map((u) => u.name);
  out.userPage2 = (await users.list({ page: 2, num: 1 })).map((u) => u.name);
  out.oldestFirst = (await users.list({ orderBy: "id-asc" })).map((u) => u.name);
  out.byName = (await users.list({ search: "name", keyword: "bo" })).map((u) => u.name);
  out.byId = (await users.list({ search: "id", keyword: String(ann.id) })).map((u) => u.name);
  out.welcome = await users.welcome();
  out.anonymous = await users.me().then(() => 200, (error) => error.status);
  clientConfig.headers["x-user-id"] = String(ann.id);
  out.me = (await users.me()).name;
  const sku = "0f8e7c1a-3b5d-4e6f-8a9b-0c1d2e3f4a5b";
  const pen = await products.create({ sku, name: "Pen", price: "2.50", stock: 5 });
  out.product = (await products.get(pen.id)).price;
  out.products = (await products.list({ page: 1, num: 10 })).length;
  const hello = await posts.create({ author_id: ann.id, title: "Hello", body: "First" });
  out.post = (await posts.get(hello.id)).title;
  out.posts = (await posts.list({ search: "title", keyword: "ell" })).map((p) => p.title);
  const order = await orders.create(pen.id, 2, ann.id);
  out.order = (await orders.get(order.id)).quantity;
  out.orders = (await orders.list({ orderBy: "id-asc", num: 5 })).length;
  console.log(JSON.stringify(out));
}

main().catch((error) => { console.error(String(error)); process.exit(1); });
"""


def test_every_generated_function_calls_its_own_server(blog: DevServer, blog_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "client"
    services = sorted(str(p) for p in (blog_root / "web/src/services").glob("*.ts"))
    options = ["--strict", "--target", "es2022", "--module", "commonjs", "--lib", "es2022,dom", "--outDir", str(out)]
    compiled = subprocess.run([str(TSC), *options, *services], capture_output=True, text=True, timeout=120)
    assert compiled.returncode == 0, compiled.stdout
    (out / "main.js").write_text(SCRIPT)

    result = subprocess.run(["node", str(out / "main.js"), blog.url], capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "user": "Ann",
        "userPage": ["Bob"],
        "userPage2": ["Ann"],
        "oldestFirst": ["Ann", "Bob"],
        "byName": ["Bob"],
        "byId": ["Ann"],
        "welcome": "Hello, 2 members!",  # WELCOME in the example's config.py
        "anonymous": 403,  # ForbiddenError
        "me": "Ann",  # the header reached the method's RequestContext parameter
        "product": "2.50",
        "products": 1,
        "post": "Hello",
        "posts": ["Hello"],
        "order": 2,
        "orders": 1,
    }
