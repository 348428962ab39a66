"""The dev UI at `/_hotbed/` of a real `hotbed dev` on a copy of the blog example, in Debian's Chromium.

Scenario 1 of the seed done in the browser: add `nickname` to User in the entity form,
save, and the API answers with the field on the same worker; the timeline shows the batch.
Each page's screenshot is kept under the test's tmp_path (its path is printed).
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, sync_playwright

from tests.helpers.chromium import CHROMIUM, CHROMIUM_ARGS

from .conftest import TIMEOUT, DevServer, wait_until

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")

BLOG = Path(__file__).parents[2] / "examples" / "blog"
USER_ENTITY = "src/application/user/user.entity.json"
MS = TIMEOUT * 1000


@pytest.fixture
def blog(tmp_path: Path, server_env: dict[str, str]) -> Iterator[tuple[DevServer, str]]:
    root = tmp_path / "blog"
    shutil.copytree(BLOG, root, ignore=shutil.ignore_patterns("__pycache__", ".hotbed"))
    server = DevServer(root, server_env, target=())
    try:
        ui = server.output.wait_for(r"dev UI on (http://127\.0\.0\.1:\d+/_hotbed/)")[0].group(1)
        yield server, ui
        assert len(server.output.wait_for(r"worker \d+ serving")) == 1, "restarted\n" + server.output.text
    finally:
        server.stop()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser.new_page(viewport={"width": 1300, "height": 900})
        finally:
            browser.close()


def shoot(page: Page, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"dev-ui-{name}.png"
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")


def test_scenario_1_in_the_ui(blog: tuple[DevServer, str], page: Page, tmp_path: Path) -> None:
    server, ui = blog
    p = page
    entity = server.root / USER_ENTITY
    user = server.client.post(
        "/api/user/create", json={"email": "ada@example.com", "name": "ada", "role": "normal"}
    ).json()
    assert "nickname" not in server.get("/api/user/get", params={"id": user["id"]})

    p.goto(ui + "entities", timeout=MS)
    shoot(p, tmp_path, "entities")
    p.click("text=User")
    p.wait_for_selector("tr.prop input[name=name]", timeout=MS)

    # a bad edit: a reserved name. The error shows at the field and the file stays as it was.
    before = entity.read_bytes()
    p.click("#add-prop")
    last = p.locator("tr.prop").last
    last.locator("input[name=name]").fill("nick name")
    p.click("#save")
    error = last.locator(".error")
    error.wait_for(timeout=MS)
    wait_until(lambda: error.text_content(), message="the error at the field")
    assert "nick name" in (error.text_content() or ""), error.text_content()
    assert "invalid" in (last.locator("input[name=name]").get_attribute("class") or "")
    shoot(p, tmp_path, "entity-error")
    assert entity.read_bytes() == before

    # the good edit: nickname, a string of 32, nullable
    last.locator("input[name=name]").fill("nickname")
    last.locator("input[name=length]").fill("32")
    last.locator("input[name=nullable]").check()
    p.click("#save")
    p.wait_for_selector("#saved:has-text('saved and reloaded')", timeout=MS)
    shoot(p, tmp_path, "entity")
    text = entity.read_text()
    assert '{ "name": "nickname", "type": "string", "length": 32, "nullable": true }' in text
    assert text.startswith('{\n  "id": "User",\n  "table": "users",')  # the file's own key order and layout
    body = server.wait_json("/api/user/get", lambda b: "nickname" in b, params={"id": user["id"]})
    assert body["nickname"] is None and body["name"] == "ada"

    p.goto(ui + "reloads", timeout=MS)
    batch = p.locator("#timeline li", has_text="user.entity.json").first
    batch.wait_for(timeout=MS)
    assert "generated" in (batch.text_content() or "")
    # live: the next batch arrives by server-sent events, without a reload of the page
    server.edit("src/application/user/user_model.py", "def get(", "def get(  ")
    p.locator("#timeline li", has_text="user_model.py").first.wait_for(timeout=MS)
    shoot(p, tmp_path, "reloads")


def test_graph_and_routes_pages(blog: tuple[DevServer, str], page: Page, tmp_path: Path) -> None:
    _, ui = blog
    p = page
    p.goto(ui + "graph", timeout=MS)
    node = p.locator("g.node[data-path='src/application/user/user_model.py']")
    node.hover()
    impact = p.locator("#impact")
    wait_until(lambda: "re-executes" in (impact.text_content() or ""), message="the impact line")
    text = impact.text_content() or ""
    assert re.search(r"user_model\.py re-executes \d+ modules", text), text
    assert "src/application/user/user_api.py" in text, text  # a dependent, from the graph the worker holds
    assert p.locator("g.node.hot").count() >= 1
    shoot(p, tmp_path, "graph")

    p.goto(ui + "routes", timeout=MS)
    row = p.locator("tr.route[data-path='/api/user/welcome']")
    assert "user_model.py" in (row.text_content() or "")
    row.locator("button.call").click()
    wait_until(lambda: row.locator(".result").text_content(), message="the call's answer")
    assert (row.locator(".result").text_content() or "").startswith("200")
    get_row = p.locator("tr.route[data-path='/api/user/get']")
    assert "id" in (get_row.locator("pre").first.text_content() or "")  # its parameter schema
    shoot(p, tmp_path, "routes")


def test_non_loopback_host_or_origin_is_refused(blog: tuple[DevServer, str]) -> None:
    _, ui = blog
    with httpx.Client(timeout=TIMEOUT) as client:
        assert client.get(ui + "routes").status_code == 200
        assert client.get(ui + "routes", headers={"Host": "evil.example:80"}).status_code == 403
        assert client.get(ui + "routes", headers={"Origin": "http://evil.example"}).status_code == 403
        refused = client.post(ui + "entities/User", headers={"Host": "attacker.test"}, json={"id": "User"})
        assert refused.status_code == 403
        assert client.get(ui + "routes", headers={"Origin": "http://localhost:5173"}).status_code == 200
