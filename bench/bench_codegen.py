"""Code generation costs of the entity syncer on a synthetic 100-entity project.

(a) cold: an empty project folder, a new Syncer, no checksums: everything generated;
(b) one entity changed: a nullable field added to one entity, synced by the long-lived
    Syncer of a dev server (parsed entities cached), and by a fresh one (`hotbed sync`);
(c) nothing changed: the same two ways.

    .venv/bin/python bench/bench_codegen.py [--entities 100] [--rounds 15]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _results import write_section

from hotbed.app.syncer import Syncer
from hotbed.config import load_config
from hotbed.reload.types import Change


def make_project(root: Path, count: int) -> None:
    """`count` entities of 12 props, an enum each, a relation to the previous one, two subsets."""
    for i in range(count):
        folder = root / "src" / "application" / f"thing{i}"
        folder.mkdir(parents=True)
        props: list[dict[str, object]] = [
            {"name": "id", "type": "integer"},
            {"name": "title", "type": "string", "length": 200},
            {"name": "body", "type": "text", "nullable": True},
            {"name": "price", "type": "numeric", "precision": 10, "scale": 2},
            {"name": "score", "type": "number", "nullable": True},
            {"name": "count", "type": "integer", "dbDefault": 0},
            {"name": "active", "type": "boolean"},
            {"name": "born_on", "type": "date", "nullable": True},
            {"name": "created_at", "type": "datetime", "dbDefault": "CURRENT_TIMESTAMP"},
            {"name": "token", "type": "uuid"},
            {"name": "extra", "type": "json", "nullable": True},
            {"name": "state", "type": "enum", "id": f"Thing{i}State"},
        ]
        subset_a = ["id", "title", "state", "created_at"]
        if i:
            props.append(
                {"name": "parent", "type": "relation", "with": f"Thing{i - 1}", "relationType": "BelongsToOne"}
            )
            subset_a += ["parent.id", "parent.title"]
        document = {
            "id": f"Thing{i}",
            "props": props,
            "indexes": [{"type": "unique", "columns": ["token"]}],
            "subsets": {"A": subset_a, "SS": ["id", "title"]},
            "enums": {f"Thing{i}State": {"new": "New", "open": "Open", "closed": "Closed"}},
        }
        (folder / f"thing{i}.entity.json").write_text(json.dumps(document, indent=2))


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    cold: list[float] = []
    changed_warm: list[float] = []
    changed_fresh: list[float] = []
    unchanged_warm: list[float] = []
    unchanged_fresh: list[float] = []
    with tempfile.TemporaryDirectory(prefix="hotbed-bench-codegen-") as scratch:
        template = Path(scratch) / "template"
        make_project(template, args.entities)
        for round_ in range(args.rounds):
            root = Path(scratch) / f"round{round_}"
            shutil.copytree(template, root)
            config = load_config(root, environ={})
            warm = Syncer(config)
            cold.append(timed(warm.sync))
            for variant, samples in (("warm", changed_warm), ("fresh", changed_fresh)):
                entity = root / "src" / "application" / "thing50" / "thing50.entity.json"
                document = json.loads(entity.read_text())
                document["props"].append({"name": f"note_{variant}", "type": "string", "nullable": True})
                entity.write_text(json.dumps(document, indent=2))
                syncer = warm if variant == "warm" else Syncer(config)
                samples.append(timed(lambda s=syncer, e=entity: s.sync([Change(str(e))])))
            unchanged_warm.append(timed(warm.sync))
            unchanged_fresh.append(timed(Syncer(config).sync))
            shutil.rmtree(root)

    def row(what: str, samples: list[float], target: str) -> str:
        return f"| {what} | {median_ms(samples):.1f} ms | {max(samples) * 1000:.1f} ms | {target} |"

    lines = [
        f"Synthetic project: {args.entities} entities of 13 props (every prop type, an enum, a relation to the"
        f" previous entity), an index and two subsets each; {args.rounds} rounds, medians. 'dev server' is the"
        " long-lived Syncer (parsed entities cached); 'fresh' is a new Syncer, as `hotbed sync` runs.",
        "",
        "| what | median | worst | target |",
        "|---|---|---|---|",
        row(f"cold sync, {args.entities} entities (501 files written)", cold, "<= 2 s"),
        row("one entity changed, dev server", changed_warm, "<= 50 ms"),
        row("one entity changed, fresh", changed_fresh, ""),
        row("nothing changed, dev server", unchanged_warm, "<= 20 ms"),
        row("nothing changed, fresh", unchanged_fresh, ""),
    ]
    print("\n".join(lines))
    write_section("Code generation", "bench/bench_codegen.py", lines)


if __name__ == "__main__":
    main()
