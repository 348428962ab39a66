"""Reload engine costs on a synthetic 1,000-module project.

(a) startup: importing the project with the import hook versus plain Python, each in a
    fresh interpreter with warm bytecode caches, interleaved; and, where valgrind is
    installed, the same in instructions executed, which a noisy machine cannot blur;
(b) one change: the engine's own time for a reload beyond what Python itself spends
    re-importing the same modules with no hook (the changed one recompiled, the others
    from bytecode): planning, checking sources, tracking imports, sys.modules surgery,
    commit.

    .venv/bin/python bench/bench_engine.py [--modules 1000] [--rounds 15]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _results import write_section

_TIMED_IMPORT = """
import sys, time, json
sys.path.insert(0, {root!r})
hooked = {hooked!r}
started = time.perf_counter()
if hooked:
    from hotbed.reload import hmr
hotbed_imported = time.perf_counter()
if hooked:
    hmr.init({root!r})
import app
print(json.dumps([hotbed_imported - started, time.perf_counter() - hotbed_imported]))
"""

# The same imports for an instruction count; `skip` leaves out what is measured, for the baseline.
_COUNTED_IMPORT = """
import sys
sys.path.insert(0, {root!r})
from hotbed.reload import hmr
if not {skip!r}:
    if {hooked!r}:
        hmr.init({root!r})
    import app
"""

# Changes for an instruction count: with `hooked`, the engine reloads; without, Python with
# no hook re-imports the same modules (those of the first reload, in its order). The
# first round warms up; `rounds` 0 counts start-up and that warm-up alone, the baseline
# of each mode.
_COUNTED_CHANGE = """
import importlib, json, sys
sys.path.insert(0, {root!r})
path = {changed!r}
names = {names!r}
original = open(path).read()
if {hooked!r}:
    from hotbed.reload import hmr
    from hotbed.reload.types import Change
    hmr.init({root!r})
import app
try:
    for i in range(-1, {rounds}):
        with open(path, "a") as f:
            f.write(f"\\nCOUNTED_{{i + 1}} = 0\\n")
        if {hooked!r}:
            assert hmr.reload([Change(path)]).ok
            continue
        for name in names:
            sys.modules.pop(name)
        for name in names:
            importlib.import_module(name)
finally:
    with open(path, "w") as f:
        f.write(original)
"""

# One change, timed: the reload transaction, and the plan alone.
_TIMED_CHANGE = """
import os, sys, time, json
sys.path.insert(0, {root!r})
from hotbed.reload import hmr
from hotbed.reload.types import Change
hmr.init({root!r})
import app
path = {changed!r}
plan_times, reload_times, sizes = [], [], []
with open(path, "a") as f:
    f.write("\\nWARM = 0\\n")
def module_name(p):
    rel = os.path.relpath(p, {root!r})[: -len(".py")].replace(os.sep, ".")
    return rel.removesuffix(".__init__")
names = [module_name(p) for p in hmr.reload([Change(path)]).reexecuted]
for i in range({rounds}):
    with open(path, "a") as f:
        f.write(f"\\nROUND_{{i}} = {{i}}\\n")
    started = time.perf_counter()
    hmr.invalidate_file(path)
    plan_times.append(time.perf_counter() - started)
    result = hmr.reload([Change(path)])
    assert result.ok, result
    reload_times.append(result.duration)
    sizes.append(len(result.reexecuted))
print(json.dumps({{"plan": plan_times, "reload": reload_times, "size": sizes, "names": names}}))
"""

# The baseline: Python with no hook re-imports the same modules (the changed one
# recompiled, the others from their `.pyc`), as a reload must execute them at least.
_TIMED_PLAIN = """
import importlib, sys, time, json
sys.path.insert(0, {root!r})
import app
path = {changed!r}
names = {names!r}
times = []
for i in range({rounds}):
    with open(path, "a") as f:
        f.write(f"\\nPLAIN_{{i}} = {{i}}\\n")
    started = time.perf_counter()
    for name in names:
        sys.modules.pop(name)
    for name in names:
        importlib.import_module(name)
    times.append(time.perf_counter() - started)
print(json.dumps(times))
"""


def build_project(root: Path, modules: int, seed: int = 7) -> list[Path]:
    """Packages of 50 modules importing earlier siblings and, sometimes, the shared core package."""
    rng = random.Random(seed)
    names: list[str] = []
    paths: list[Path] = []
    for i in range(modules):
        package = f"pkg{i // 50:02d}"
        (root / package).mkdir(parents=True, exist_ok=True)
        (root / package / "__init__.py").touch()
        name = f"{package}.mod{i:04d}"
        # Sibling helpers from the same package, and now and then a module of the shared core package.
        siblings = [n for n in names if n.startswith(package + ".")]
        deps = rng.sample(siblings, k=min(2, len(siblings)))
        if i >= 50 and rng.random() < 0.3:
            deps.append(rng.choice(names[:50]))
        lines = [f"import {d}" for d in deps]
        lines += [
            "",
            f"class Model{i}:",
            "    def __init__(self, value: int) -> None:",
            "        self.value = value",
            "",
            f"def handler_{i}(x: int) -> int:",
            f"    return x * {i} + len({deps!r})",
            "",
            f"TABLE_{i} = {{k: k * {i} for k in range(20)}}",
        ]
        path = root / package / f"mod{i:04d}.py"
        path.write_text("\n".join(lines) + "\n")
        names.append(name)
        paths.append(path)
    # Each package gathers its modules (as a router package does), the app gathers the packages.
    packages = sorted({n.partition(".")[0] for n in names})
    for package in packages:
        members = [n.rpartition(".")[2] for n in names if n.startswith(package + ".")]
        (root / package / "__init__.py").write_text("".join(f"from . import {m}\n" for m in members))
    (root / "app.py").write_text("".join(f"import {p}\n" for p in packages))
    # Dated an hour back, as a checked-out project is: sources saved moments ago are never cached.
    an_hour_ago = time.time() - 3600
    for path in root.rglob("*.py"):
        os.utime(path, (an_hour_ago, an_hour_ago))
    return paths


def run(code: str, cache: Path) -> object:
    # Warm bytecode caches, as on a developer's machine: one cache folder per mode.
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(cache), "HOT": "yes"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout)


COUNTED_ROUNDS = 10


def instructions(code: str, cache: Path) -> int | None:
    """Instructions `code` executes, counted by callgrind; None without valgrind."""
    if shutil.which("valgrind") is None:
        return None
    # A fixed hash seed: set and dict layouts, and so the count, are the same on every run.
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(cache), "HOT": "yes", "PYTHONHASHSEED": "0"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-c", code], env=env, check=True)  # warm: compile nothing while counting
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", code]
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    found = re.search(r"Collected : (\d+)", out.stderr)
    return int(found.group(1)) if found else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--no-write", action="store_true", help="print only, leave bench/RESULTS.md alone")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "project"
        paths = build_project(root, args.modules)
        caches = {False: Path(tmp) / "pyc-plain", True: Path(tmp) / "pyc-hooked"}
        for hooked, cache in caches.items():  # warm each mode's bytecode cache
            run(_TIMED_IMPORT.format(root=str(root), hooked=hooked), cache)
        startup: dict[bool, list[float]] = {False: [], True: []}
        hotbed_import: list[float] = []
        for _ in range(args.rounds):
            for hooked, cache in caches.items():
                own, imports = run(_TIMED_IMPORT.format(root=str(root), hooked=hooked), cache)  # type: ignore[misc]
                startup[hooked].append(imports)
                if hooked:
                    hotbed_import.append(own)
        plain, hooked_ = statistics.median(startup[False]), statistics.median(startup[True])
        overhead = hooked_ / plain - 1
        counts = {
            key: instructions(_COUNTED_IMPORT.format(root=str(root), hooked=hooked, skip=skip), caches[hooked])
            for key, hooked, skip in (("base", False, True), ("plain", False, False), ("hooked", True, False))
        }

        # A module in the middle of the graph: it has importers, so a change re-executes several.
        changed = paths[len(paths) // 2]
        data = run(_TIMED_CHANGE.format(root=str(root), changed=str(changed), rounds=args.rounds), caches[True])
        assert isinstance(data, dict)
        names = data["names"]
        baseline = run(
            _TIMED_PLAIN.format(root=str(root), changed=str(changed), rounds=args.rounds, names=names), caches[False]
        )
        assert isinstance(baseline, list)
        plan_ms = statistics.median(data["plan"]) * 1000
        reload_ms = statistics.median(data["reload"]) * 1000
        plain_ms = statistics.median(baseline) * 1000
        change_counts = {
            (hooked, rounds): instructions(
                _COUNTED_CHANGE.format(root=str(root), changed=str(changed), rounds=rounds, hooked=hooked, names=names),
                caches[hooked],
            )
            for hooked in (True, False)
            for rounds in (0, COUNTED_ROUNDS)
        }
        size = statistics.median(data["size"])

    lines = [
        f"Synthetic project: {args.modules} modules in packages of 50, each importing up to 2 earlier siblings "
        f"(and 30 % of them one module of the first, shared package), "
        f"each package's `__init__` importing its modules, `app.py` importing the packages; "
        f"{args.rounds} rounds, medians. The changed module sits in the middle of the graph.",
        "",
        "| what | measured | target |",
        "|---|---|---|",
        f"| import all modules, plain Python | {plain * 1000:.1f} ms | |",
        f"| import all modules, with the hook | {hooked_ * 1000:.1f} ms | |",
        f"| startup overhead of the hook (wall time) | {overhead * 100:+.1f} % | <= 10 % |",
        f"| importing hotbed itself, before the hook (mostly `typing`, `dataclasses`, `logging`, `pathlib`, "
        f"which a web app imports anyway) | {statistics.median(hotbed_import) * 1000:.1f} ms | |",
        *_counted_rows(counts),
        f"| one change: modules re-executed | {size:.0f} | |",
        f"| one change: reload transaction, total | {reload_ms:.2f} ms | |",
        f"| one change: the same modules re-imported by plain Python, no hook | {plain_ms:.2f} ms | |",
        f"| one change: engine's own time (total minus plain re-import; below zero, hotbed is the faster) "
        f"| {reload_ms - plain_ms:+.2f} ms | <= 2 ms |",
        f"| one change: planning (`invalidate_file`) | {plan_ms:.3f} ms | |",
        *_counted_change_rows(change_counts),
    ]
    print("\n".join(lines))
    if not args.no_write:
        write_section("Reload engine", "bench/bench_engine.py", lines)


def _counted_rows(counts: dict[str, int | None]) -> list[str]:
    base, plain, hooked = counts["base"], counts["plain"], counts["hooked"]
    if base is None or plain is None or hooked is None:
        return ["| startup overhead of the hook (instructions) | valgrind not installed | <= 10 % |"]
    return [
        f"| import all modules, plain Python (instructions) | {(plain - base) / 1e6:.1f} M | |",
        f"| import all modules, with the hook (instructions) | {(hooked - base) / 1e6:.1f} M | |",
        f"| startup overhead of the hook (instructions) | {(hooked - plain) / (plain - base) * 100:+.1f} % | <= 10 % |",
    ]


def _counted_change_rows(counts: dict[tuple[bool, int], int | None]) -> list[str]:
    per_round: dict[bool, float] = {}
    for hooked in (True, False):
        base, full = counts[hooked, 0], counts[hooked, COUNTED_ROUNDS]
        if base is None or full is None:
            return []
        per_round[hooked] = (full - base) / COUNTED_ROUNDS
    total, plain = per_round[True], per_round[False]
    engine = total - plain
    return [
        f"| one change: reload transaction (instructions) | {total / 1e6:.1f} M | |",
        f"| one change: plain re-import of the same modules (instructions) | {plain / 1e6:.1f} M | |",
        f"| one change: engine's own share (instructions) | {engine / 1e6:+.1f} M, {engine / total * 100:+.0f} % | |",
    ]


if __name__ == "__main__":
    main()
