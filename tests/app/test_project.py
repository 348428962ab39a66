"""Entity projects in-process: `hotbed new`, start-up, and the committed example kept in step."""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from hotbed.app import database
from hotbed.app.new_project import create_project
from hotbed.app.project import EntityProject
from hotbed.dev.report import SyncReport
from hotbed.exceptions import ConfigError
from hotbed.reload import hmr
from hotbed.reload.types import Change

BLOG = Path(__file__).parents[2] / "examples" / "blog"


@pytest.fixture
def isolated_imports() -> Iterator[None]:
    """Entity projects all import `application.*`: forget each project's modules afterwards."""
    path, modules = list(sys.path), set(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - modules:
        if name != "hotbed" and not name.startswith("hotbed."):  # hotbed's own stay: `hotbed.X` caches them
            del sys.modules[name]


@pytest.fixture
def stop_engine() -> Iterator[None]:
    """For projects started with hot=True: the engine they install must not outlive the test."""
    yield
    hmr.shutdown()


def _notes(tmp_path: Path, *, hot: bool = False) -> tuple[Path, EntityProject]:
    """A new project from `hotbed new`, started in this process."""
    root = tmp_path / "notes"
    create_project(root)
    return root, EntityProject.start(root, hot=hot)


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".hotbed" not in p.parts and "__pycache__" not in p.parts
    }


@pytest.mark.usefixtures("isolated_imports")
def test_the_committed_example_is_what_hotbed_generates(tmp_path: Path) -> None:
    root = tmp_path / "blog"
    shutil.copytree(BLOG, root, ignore=shutil.ignore_patterns("__pycache__", ".hotbed"))
    before = _files(root)

    project = EntityProject.start(root, hot=False)

    assert _files(root) == before, "examples/blog is out of date: run `make dev` once and commit the result"
    assert len(project.registry) == 14


@pytest.mark.usefixtures("isolated_imports")
def test_new_project_serves_get_list_create_update_delete(tmp_path: Path) -> None:
    report = create_project(tmp_path / "notes")
    assert report.ok
    assert sorted(report.scaffolded) == ["src/application/note/note_api.py", "src/application/note/note_model.py"]
    assert 'dependencies = ["hotbed>=' in (tmp_path / "notes/pyproject.toml").read_text()

    project = EntityProject.start(tmp_path / "notes", hot=False)

    assert sorted(str(route) for route in project.registry) == [
        "GET /api/note/get",
        "GET /api/note/list",
        "POST /api/note/create",
        "POST /api/note/delete",
        "POST /api/note/update",
    ]
    service = (tmp_path / "notes/web/src/services/NoteService.ts").read_text()
    assert "export function list(params: NoteListParams): Promise<Note[]>" in service, service

    async def calls() -> None:
        transport = httpx.ASGITransport(app=project.asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for title in ("milk", "bread", "jam"):
                created = (await client.post("/api/note/create", json={"title": title})).json()
                assert created["title"] == title and created["done"] is False
            listed = await client.get("/api/note/list", params={"search": "title", "keyword": "a", "num": 1})
            assert [row["title"] for row in listed.json()] == ["jam"]  # newest first, one a page
            page2 = await client.get("/api/note/list", params={"search": "title", "keyword": "a", "num": 1, "page": 2})
            assert [row["title"] for row in page2.json()] == ["bread"]
            by_id = await client.get("/api/note/list", params={"search": "id", "keyword": "1"})
            assert [row["title"] for row in by_id.json()] == ["milk"]
            updated = await client.post("/api/note/update", json={"id": 1, "form": {"title": "milk", "done": True}})
            assert updated.json()["done"] is True and updated.json()["title"] == "milk"
            assert (await client.post("/api/note/delete", json={"id": 1})).json() is True
            assert (await client.post("/api/note/delete", json={"id": 1})).status_code == 404
            assert (await client.get("/api/note/get", params={"id": 1})).status_code == 404

    asyncio.run(calls())


def test_new_refuses_a_folder_in_use(tmp_path: Path) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "main.py").write_text("")
    with pytest.raises(ConfigError, match="not empty"):
        create_project(tmp_path / "taken")
    with pytest.raises(ConfigError, match="not a project name"):
        create_project(tmp_path / "no way")


@pytest.mark.usefixtures("isolated_imports")
def test_a_removed_entity_leaves_its_table_and_data_and_says_so(tmp_path: Path) -> None:
    root, project = _notes(tmp_path)
    tag = root / "src/application/tag/tag.entity.json"
    tag.parent.mkdir()
    tag.write_text(json.dumps({"id": "Tag", "table": "tags", "props": [{"name": "id", "type": "integer"}]}))
    assert "schema: created table tags" in project.apply((Change(str(tag), "add"),)).schema
    with database.current_engine().begin() as conn:
        conn.execute(text("INSERT INTO tags (id) VALUES (7)"))

    shutil.rmtree(tag.parent)
    report = project.apply((Change(str(tag), "unlink"),))

    assert report.schema == (
        "schema withheld: table tags is no longer declared by any entity; the table and its data stay. "
        "Drop it by hand when it is no longer needed: DROP TABLE tags",
    )
    with database.current_engine().connect() as conn:
        assert conn.execute(text("SELECT id FROM tags")).scalars().all() == [7]
    # Said once, when it happens: the next batch has nothing new to say about it.
    assert project.apply((Change(str(root / "src/application/note/note.entity.json"), "change"),)).schema == ()


@pytest.mark.usefixtures("isolated_imports", "stop_engine")
def test_completed_hooks_see_the_batch_after_new_modules_are_loaded(tmp_path: Path) -> None:
    root, project = _notes(tmp_path, hot=True)
    seen: list[tuple[SyncReport, bool, list[str]]] = []
    project.syncer.on_completed(
        lambda report: seen.append(
            (report, "application.tag.tag_model" in sys.modules, [str(route) for route in project.registry])
        )
    )

    tag = root / "src/application/tag/tag.entity.json"
    tag.parent.mkdir()
    tag.write_text(json.dumps({"id": "Tag", "table": "tags", "props": [{"name": "id", "type": "integer"}]}))
    added = project.apply((Change(str(tag), "add"),))

    ((report, loaded, routes),) = seen
    assert report is added
    assert loaded, "the hook ran before the new model was autoloaded"
    assert {"GET /api/tag/get", "GET /api/tag/list"} <= set(report.apis) and "GET /api/tag/list" in routes

    model = root / "src/application/note/note_model.py"
    model.write_text(
        model.read_text()
        + '\n    @api(http_method="GET")\n    @classmethod\n    def count(cls) -> int:\n        return 0\n'
    )
    edited = project.apply((Change(str(model)),))

    assert seen[1][0] is edited and edited.reload.committed
    assert ("src/application/note/note_model.py", 3) in edited.api_counts
    assert "GET /api/note/count" in edited.apis


@pytest.mark.usefixtures("isolated_imports")
def test_a_new_module_that_fails_to_import_does_not_keep_the_others_from_registering(tmp_path: Path) -> None:
    root, project = _notes(tmp_path)
    folder = root / "src/application/note"
    # Autoloaded in name order: export_api.py first, then search_api.py, which fails.
    (folder / "export_api.py").write_text(
        "from hotbed import api\n\n\nclass ExportApi:\n"
        '    @api(http_method="GET")\n    @classmethod\n    def csv(cls) -> str:\n        return "id,title"\n'
    )
    (folder / "search_api.py").write_text("raise RuntimeError('not written yet')\n")

    report = project.apply((Change(str(folder / "export_api.py"), "add"), Change(str(folder / "search_api.py"), "add")))

    assert report.apis == ("GET /api/export/csv",)
    assert "GET /api/export/csv" in {str(route) for route in project.registry}

    (folder / "search_api.py").write_text(
        "from hotbed import api\n\n\nclass SearchApi:\n"
        '    @api(http_method="GET")\n    @classmethod\n    def find(cls, q: str) -> str:\n        return q\n'
    )
    assert project.apply((Change(str(folder / "search_api.py")),)).apis == ("GET /api/search/find",)
