"""A body-only edit of a module that N modules import: patched in place, flat in N.

The project: `common.py` with a helper that N FastAPI routers (each with its pydantic
model) call from their handlers; `main.py` includes every router. The edit changes the
helper's body only. For N = 10, 100, 400, in a fresh interpreter each: the cold import of
the project with the engine installed, then rounds of "write, reload, the handler answers
with the new body" timed from the write. jurigged, which also patches function code in
place, gets the same edit in its own fresh interpreter, timed from the write to the first
call that sees the new body (it applies changes from its file watcher).

    .venv/bin/python bench/bench_patch.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

from _results import write_section

SIZES = (10, 100, 400)

_HOTBED = """
import json, sys, time
sys.path.insert(0, {root!r})
from hotbed.reload import hmr
from hotbed.reload.types import Change
hmr.init({root!r})
started = time.perf_counter()
import main
cold = time.perf_counter() - started
import r0
path = {root!r} + "/common.py"
source = open(path).read()
samples, patched = [], True
for round_ in range({rounds}):
    new = source.replace("v0", f"v{{round_ + 1}}")
    started = time.perf_counter()
    with open(path, "w") as file:
        file.write(new)
    result = hmr.reload([Change(path)])
    assert r0.get_0().name == f"v{{round_ + 1}}-0", result
    samples.append(time.perf_counter() - started)
    patched = patched and bool(result.patched)
print(json.dumps({{"cold": cold, "samples": samples, "patched": patched}}))
"""

_JURIGGED = """
import json, sys, time
sys.path.insert(0, {root!r})
import main, r0, jurigged
jurigged.watch({root!r} + "/common.py")
time.sleep(1.0)
path = {root!r} + "/common.py"
source = open(path).read()
samples = []
for round_ in range({rounds}):
    new = source.replace("v0", f"v{{round_ + 1}}")
    started = time.perf_counter()
    with open(path, "w") as file:
        file.write(new)
    deadline = started + 10
    while r0.get_0().name != f"v{{round_ + 1}}-0":
        if time.perf_counter() > deadline:
            raise SystemExit("jurigged never applied the edit")
        time.sleep(0.0005)
    samples.append(time.perf_counter() - started)
    time.sleep(0.3)
print(json.dumps({{"samples": samples}}))
"""


def make_project(root: Path, n: int) -> None:
    root.mkdir(parents=True)
    (root / "common.py").write_text('def label(x):\n    return f"v0-{x}"\n')
    for i in range(n):
        (root / f"r{i}.py").write_text(
            textwrap.dedent(
                f"""
                from fastapi import APIRouter
                from pydantic import BaseModel

                from common import label


                class Item{i}(BaseModel):
                    name: str


                router = APIRouter()


                @router.get("/r{i}")
                def get_{i}() -> Item{i}:
                    return Item{i}(name=label({i}))
                """
            ).lstrip()
        )
    imports = "\n".join(f"import r{i}" for i in range(n))
    includes = "\n".join(f"app.include_router(r{i}.router)" for i in range(n))
    (root / "main.py").write_text(f"from fastapi import FastAPI\n{imports}\n\napp = FastAPI()\n{includes}\n")


def run(script: str) -> dict[str, object]:
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def have_jurigged() -> bool:
    if importlib.util.find_spec("jurigged") is None:
        installed = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "jurigged"], capture_output=True)
        return installed.returncode == 0
    return True


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    rounds = parser.parse_args().rounds
    jurigged = have_jurigged()
    rows = []
    for n in SIZES:
        with tempfile.TemporaryDirectory(prefix="hotbed-patch-") as tmp:
            make_project(Path(tmp) / "hot", n)
            make_project(Path(tmp) / "jur", n)
            hot = run(_HOTBED.format(root=str(Path(tmp) / "hot"), rounds=rounds))
            jur = run(_JURIGGED.format(root=str(Path(tmp) / "jur"), rounds=rounds)) if jurigged else None
        samples = hot["samples"]
        assert isinstance(samples, list)
        cold = float(hot["cold"])  # type: ignore[arg-type]
        p50 = statistics.median(samples)
        jur_p50 = statistics.median(jur["samples"]) if jur else None  # type: ignore[arg-type]
        rows.append((n, p50, cold, bool(hot["patched"]), jur_p50))
        print(f"N={n}: hotbed {p50 * 1000:.2f} ms (cold import {cold * 1000:.0f} ms), jurigged {jur_p50}")
    lines = [
        " ".join(line.strip() for line in (__doc__ or "").splitlines()[2:9]),
        f"{rounds} rounds per size.",
        "",
        "| importers N | hotbed: write -> new body served (p50) | patched in place | cold import of the project"
        " | hotbed / cold import | jurigged (p50) | target |",
        "|---|---|---|---|---|---|---|",
    ]
    for n, p50, cold, patched, jur_p50 in rows:
        jur_text = f"{jur_p50 * 1000:.1f} ms" if jur_p50 is not None else "not installed"
        lines.append(
            f"| {n} | {p50 * 1000:.2f} ms | {'yes' if patched else 'no'} | {cold * 1000:.0f} ms"
            f" | {p50 / cold * 100:.2f} % | {jur_text} | flat in N; <= 2 % at N = 400 |"
        )
    print("\n".join(lines))
    write_section("Body-only edit of a module N modules import", "bench/bench_patch.py", lines)


if __name__ == "__main__":
    main()
