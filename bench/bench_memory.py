"""Memory across reloads: RSS growth over 500 reload cycles of a module and its importers.

Each cycle changes a model module that three others import (a FastAPI-sized module set:
pydantic models, an Enum, a router-like registry), reloads it through the engine and
keeps the newest versions only. Old versions must become garbage.

    .venv/bin/python bench/bench_memory.py [--cycles 500]
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import textwrap
from pathlib import Path

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


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cycles", type=int, default=500)
    parser.add_argument("--no-write", action="store_true", help="print only, leave bench/RESULTS.md alone")
    args = parser.parse_args()

    from hotbed.reload import hmr
    from hotbed.reload.types import Change

    with tempfile.TemporaryDirectory(prefix="hotbed-bench-") as tmp:
        root = Path(tmp)
        for rel, source in FILES.items():
            (root / rel).write_text(textwrap.dedent(source).lstrip("\n"))
        sys.path.insert(0, str(root))
        hmr.init(root)
        __import__("app")
        models = root / "models.py"
        template = models.read_text()

        def cycle(i: int) -> None:
            models.write_text(template.replace("VERSION = 0", f"VERSION = {i}"))
            result = hmr.reload([Change(str(models))])
            assert result.ok and len(result.reexecuted) == 4, result

        for i in range(1, 21):  # warm-up: caches, interned strings, pydantic's own structures
            cycle(i)
        gc.collect()
        before = rss_kib()
        nodes = len(hmr.dump())
        for i in range(21, 21 + args.cycles):
            cycle(i)
        gc.collect()
        after = rss_kib()
        assert len(hmr.dump()) == nodes
        assert sys.modules["routes"].ROUTES["/version"]() == 20 + args.cycles

    growth_mb = (after - before) / 1024
    lines = [
        f"Four modules (pydantic models and an Enum, a service, a route table, an app) reloaded together"
        f" {args.cycles} times after 20 warm-up cycles, in one process; RSS from `/proc/self/status` after"
        " `gc.collect()`.",
        "",
        "| what | measured | target |",
        "|---|---|---|",
        f"| RSS before | {before / 1024:.1f} MB | |",
        f"| RSS after {args.cycles} reload cycles | {after / 1024:.1f} MB | |",
        f"| growth | {growth_mb:+.1f} MB | <= 10 MB |",
        f"| graph nodes before and after | {nodes} and {nodes} | unchanged |",
    ]
    print("\n".join(lines))
    if not args.no_write:
        write_section("Memory across reloads", "bench/bench_memory.py", lines)


if __name__ == "__main__":
    main()
