"""Memory across reloads: RSS growth over many reload cycles, each case in a fresh interpreter.

Cases:
- `modules`: a model module that three others import (pydantic models, an Enum, a
  router-like registry) reloaded 500 times; old versions must become garbage;
- `fastapi`: a FastAPI router module (a dependency, a body model, a response model behind
  `Optional`) included by the app's module, re-executed 300 times (the edit changes a
  module-level name, so it is not patched in place), each version served over ASGI;
  FastAPI's per-endpoint caches, typing's and pydantic's must let the old versions go;
  run once more without the `functools-caches` integration to show what it holds;
- `fastapi-patched`: the same router with a body-only edit, patched in place 300 times;
- `dev`: the worker of a real `hotbed dev main:app` (the FastAPI app of the save-to-response
  benchmarks), its router saved 300 times through the watcher, each version served; the
  worker's RSS from `/proc/<pid>/status`, with the worker's own garbage collection.

    .venv/bin/python bench/bench_memory.py [--cycles 500] [--fastapi-cycles 300]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _results import write_section

FILES = {
    "models.py": """
        import enum
        import pydantic

        VERSION = 0

        class Role(enum.Enum):
            ADMIN = "admin"
            MEMBER = "member"

        class User(pydantic.BaseModel):
            id: int
            name: str
            role: Role = Role.MEMBER
        """,
    "service.py": """
        from models import User, Role

        def admins(users: list[User]) -> list[User]:
            return [u for u in users if u.role is Role.ADMIN]
        """,
    "routes.py": """
        import models
        from service import admins

        ROUTES = {"/users/admins": admins, "/version": lambda: models.VERSION}
        """,
    "app.py": """
        import routes
        import hotbed

        hot = hotbed.hot(__name__)
        calls = hot.data.setdefault("calls", [])
        """,
}


FASTAPI_FILES = {
    "main.py": """
        from fastapi import FastAPI
        import items

        app = FastAPI()
        app.include_router(items.router)
        """,
    "items.py": """
        from typing import Annotated, Optional
        from fastapi import APIRouter, Depends, Query
        from pydantic import BaseModel

        VERSION = 0
        router = APIRouter(prefix="/items")

        class Item(BaseModel):
            id: int
            name: str
            tags: list[str] = []

        def get_version() -> int:
            return VERSION

        @router.get("/body")
        def body():
            return {"body": 0}

        @router.get("/{item_id}", response_model=Optional[Item])
        def read(item_id: int, version: Annotated[int, Depends(get_version)], q: Annotated[str, Query()] = ""):
            return Item(id=item_id, name=f"v{version}")

        @router.post("/")
        def create(item: Item) -> Item:
            return item
        """,
}


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def start(tmp: str, files: dict[str, str], entry: str) -> Path:
    """Write the project, start the engine on it, import its entry module."""
    from hotbed.reload import hmr

    root = Path(tmp)
    for rel, source in files.items():
        (root / rel).write_text(textwrap.dedent(source).lstrip("\n"))
    sys.path.insert(0, str(root))
    hmr.init(root)
    __import__(entry)
    return root


def measure(cycle: Callable[[int], None], cycles: int) -> tuple[int, int]:
    """RSS before and after `cycles` cycles, after 20 warm-up ones (caches, interned strings, pydantic's own)."""
    for i in range(1, 21):
        cycle(i)
    gc.collect()
    before = rss_kib()
    for i in range(21, 21 + cycles):
        cycle(i)
    gc.collect()
    return before, rss_kib()


def modules_case(cycles: int) -> dict[str, Any]:
    from hotbed.reload import hmr
    from hotbed.reload.types import Change

    with tempfile.TemporaryDirectory(prefix="hotbed-bench-") as tmp:
        root = start(tmp, FILES, "app")
        models = root / "models.py"
        template = models.read_text()

        def cycle(i: int) -> None:
            models.write_text(template.replace("VERSION = 0", f"VERSION = {i}"))
            result = hmr.reload([Change(str(models))])
            assert result.ok and len(result.reexecuted) == 4, result

        nodes = len(hmr.dump())
        before, after = measure(cycle, cycles)
        assert len(hmr.dump()) == nodes
        assert sys.modules["routes"].ROUTES["/version"]() == 20 + cycles
    return {"before": before, "after": after, "nodes": nodes}


def fastapi_case(cycles: int, *, patched: bool, integration: bool) -> dict[str, Any]:
    import httpx

    from hotbed.reload import hmr, integrations
    from hotbed.reload.types import Change

    if not integration:
        integrations.unregister("functools-caches")
    with tempfile.TemporaryDirectory(prefix="hotbed-bench-") as tmp:
        root = start(tmp, FASTAPI_FILES, "main")
        items = root / "items.py"
        template = items.read_text()

        async def serve(i: int) -> None:
            transport = httpx.ASGITransport(app=sys.modules["main"].app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                read = await client.get("/items/3")
                assert read.status_code == 200, read.text
                created = await client.post("/items/", json={"id": 1, "name": "a"})
                assert created.status_code == 200, created.text
                assert (await client.get("/items/body")).json() == {"body": i}
                assert (await client.get("/openapi.json")).status_code == 200

        def cycle(i: int) -> None:
            edit = '{"body": 0}' if patched else "VERSION = 0"
            done = f'{{"body": {i}}}' if patched else f"VERSION = {i}"
            source = template.replace(edit, done)
            items.write_text(source if patched else source.replace('{"body": 0}', f'{{"body": {i}}}'))
            result = hmr.reload([Change(str(items))])
            assert result.committed and bool(result.patched) is patched, result
            asyncio.run(serve(i))

        asyncio.run(serve(0))
        before, after = measure(cycle, cycles)
    return {"before": before, "after": after}


def dev_case(cycles: int) -> dict[str, Any]:
    import re
    import time

    from bench_reload_latency import start_hotbed_dev

    with tempfile.TemporaryDirectory(prefix="hotbed-bench-") as tmp:
        server = start_hotbed_dev(Path(tmp) / "hotbed")
        try:
            pid = int(server._wait_output(r"worker (\d+) serving").group(1))

            def worker_rss() -> int:
                time.sleep(1)  # the last batch's answer and the worker's own collection settle
                return int(re.findall(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text())[0])

            for _ in range(20):
                server.save_and_wait()
            before = worker_rss()
            for _ in range(cycles):
                server.save_and_wait()
            after = worker_rss()
            workers = sum("serving" in line and "worker" in line for line in server.lines)
        finally:
            server.stop()
    assert workers == 1, "the worker was restarted"
    return {"before": before, "after": after}


def run_case(case: str, cycles: int) -> dict[str, Any]:
    """One case in a fresh interpreter, so one case's leftovers never count in another."""
    out = subprocess.run(
        [sys.executable, __file__, "--case", case, "--cycles", str(cycles)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=500)
    parser.add_argument("--fastapi-cycles", type=int, default=300)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--no-write", action="store_true", help="print only, leave bench/RESULTS.md alone")
    args = parser.parse_args()

    if args.case:
        if args.case == "modules":
            found = modules_case(args.cycles)
        elif args.case == "dev":
            found = dev_case(args.cycles)
        else:
            patched = args.case == "fastapi-patched"
            found = fastapi_case(args.cycles, patched=patched, integration=args.case != "fastapi-unfixed")
        print(json.dumps(found))
        return

    modules = run_case("modules", args.cycles)
    cases = ("fastapi", "fastapi-unfixed", "fastapi-patched", "dev")
    fastapi = {case: run_case(case, args.fastapi_cycles) for case in cases}

    def mb(kib: int) -> str:
        return f"{kib / 1024:.1f} MB"

    def growth(found: dict[str, Any]) -> str:
        return f"{(found['after'] - found['before']) / 1024:+.1f} MB"

    n = args.fastapi_cycles
    lines = [
        "Each case in a fresh interpreter, after 20 warm-up cycles; RSS from `/proc/self/status` after `gc.collect()`"
        " (for `hotbed dev`, the worker's, a second after the last answer).",
        "",
        "| case | RSS before | RSS after | growth | target |",
        "|---|---|---|---|---|",
        f"| four modules (pydantic models and an Enum, a service, a route table, an app) reloaded together"
        f" {args.cycles} times; graph nodes {modules['nodes']} before and after"
        f" | {mb(modules['before'])} | {mb(modules['after'])} | {growth(modules)} | <= 10 MB |",
        f"| a FastAPI router module (a dependency, body and `Optional` response models) and the app's module"
        f" re-executed {n} times, each version served over ASGI"
        f" | {mb(fastapi['fastapi']['before'])} | {mb(fastapi['fastapi']['after'])} | {growth(fastapi['fastapi'])}"
        " | <= 5 MB |",
        f"| the same without the `functools-caches` integration (FastAPI's, typing's caches keep every version)"
        f" | {mb(fastapi['fastapi-unfixed']['before'])} | {mb(fastapi['fastapi-unfixed']['after'])}"
        f" | {growth(fastapi['fastapi-unfixed'])} | |",
        f"| the same router, a body-only edit patched in place {n} times"
        f" | {mb(fastapi['fastapi-patched']['before'])} | {mb(fastapi['fastapi-patched']['after'])}"
        f" | {growth(fastapi['fastapi-patched'])} | <= 5 MB |",
        f"| the worker of a real `hotbed dev main:app` (a FastAPI package), its router saved {n} times through"
        f" the watcher and re-executed, each version served"
        f" | {mb(fastapi['dev']['before'])} | {mb(fastapi['dev']['after'])} | {growth(fastapi['dev'])} | <= 5 MB |",
    ]
    print("\n".join(lines))
    if not args.no_write:
        write_section("Memory across reloads", "bench/bench_memory.py", lines)


if __name__ == "__main__":
    main()
