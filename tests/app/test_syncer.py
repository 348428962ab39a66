"""The sync pipeline on a real four-entity project: what it writes, what it leaves alone, how it reloads."""

from __future__ import annotations

import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console

from hotbed.app.atomic import is_temp_file
from hotbed.app.checksums import load_checksums
from hotbed.app.syncer import Syncer, SyncReport, run_sync
from hotbed.config import load_config
from hotbed.dev.console import render_report
from hotbed.reload.types import Change
from tests.helpers.engine_project import MakeProject

FIXTURES = Path(__file__).parent / "entity_fixtures"
PRODUCT = "src/application/product/product.entity.json"
PRODUCT_OUTPUTS = (
    "src/application/product/product_types.py",
    "web/src/services/ProductService.ts",
    "web/src/services/product.types.ts",
)
# A new column changes the types, not the service functions: only these two files get new bytes.
PRODUCT_TYPES = (PRODUCT_OUTPUTS[0], PRODUCT_OUTPUTS[2])


def _project(root: Path) -> Path:
    shutil.copytree(FIXTURES, root, dirs_exist_ok=True)
    return root


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and modification time of every file outside the entity sources."""
    return {
        p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.endswith(".entity.json")
    }


def _edit(path: Path, change: str, into: str) -> None:
    text = path.read_text()
    assert change in text
    path.write_text(text.replace(change, into, 1))


def _add_nullable_field(root: Path) -> None:
    _edit(
        root / PRODUCT,
        '{ "name": "active"',
        '{ "name": "colour", "type": "string", "nullable": true },\n    { "name": "active"',
    )


def test_first_sync_generates_everything_and_the_second_writes_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path)
    syncer = Syncer(load_config(root, environ={}))
    first = syncer.sync()
    assert first.ok and not first.nothing_changed
    assert len(first.changed) == 4 and first.entities == ("Order", "Post", "Product", "User")
    assert len(first.generated) == 13 and len(first.scaffolded) == 8  # 4 x 3 + hotbed.ts; 4 x (model + api)
    before = _snapshot(root)

    second = Syncer(load_config(root, environ={})).sync()  # a fresh process: only the checksums file remembers
    assert second.nothing_changed and second.written == ()
    assert _snapshot(root) == before


def test_the_after_reload_step_runs_before_the_completed_hooks_and_counts_in_the_duration(tmp_path: Path) -> None:
    root = _project(tmp_path)
    steps: list[str] = []

    def after_reload(report: SyncReport) -> SyncReport:
        steps.append("after reload")
        time.sleep(0.05)  # new routes being registered: part of what a person waits for
        return report

    syncer = Syncer(load_config(root, environ={}), after_reload=after_reload)
    syncer.on_completed(lambda report: steps.append("completed"))
    report = syncer.sync()
    assert steps == ["after reload", "completed"]
    assert report.duration >= 0.05


def test_adding_a_nullable_field_regenerates_that_entity_and_its_dependents_only(tmp_path: Path) -> None:
    root = _project(tmp_path)
    syncer = Syncer(load_config(root, environ={}))
    syncer.sync()
    before = _snapshot(root)

    _add_nullable_field(root)
    report = syncer.sync([Change(str(root / PRODUCT))])

    assert report.ok and report.changed == (PRODUCT,)
    assert report.entities == ("Order", "Product")  # Order's subset reads Product's fields
    assert tuple(sorted(report.generated)) == PRODUCT_TYPES  # Order's outputs came out byte-identical
    after = _snapshot(root)
    assert {k for k in after if after[k] != before.get(k)} == {*PRODUCT_TYPES, ".hotbed/checksums.json"}
    assert "colour: str | None = None" in (root / PRODUCT_OUTPUTS[0]).read_text()
    assert "colour: string | null;" in (root / PRODUCT_OUTPUTS[2]).read_text()


def test_a_broken_entity_reports_its_location_and_changes_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path)
    syncer = Syncer(load_config(root, environ={}))
    syncer.sync()
    before = _snapshot(root)

    _edit(root / PRODUCT, '"type": "boolean"', '"type": "bool"')
    _add_nullable_field(root)  # a good change in the same file must not be half-applied
    report = syncer.sync([Change(str(root / PRODUCT))])

    (error,) = report.errors
    line = (root / PRODUCT).read_text().splitlines()[error.line - 1]
    assert error.path == str(root / PRODUCT) and line[error.column - 1 :].startswith('"bool"')
    assert "unknown prop type 'bool'" in error.message
    assert not report.ok and report.written == ()
    assert _snapshot(root) == before

    _edit(root / PRODUCT, '"type": "bool"', '"type": "boolean"')
    fixed = syncer.sync([Change(str(root / PRODUCT))])
    assert fixed.ok and tuple(sorted(fixed.generated)) == PRODUCT_TYPES


def test_a_relation_to_a_missing_entity_is_an_error_in_the_file_that_names_it(tmp_path: Path) -> None:
    root = _project(tmp_path)
    syncer = Syncer(load_config(root, environ={}))
    syncer.sync()
    before = _snapshot(root)
    (root / "src/application/user/user.entity.json").unlink()

    report = syncer.sync()
    assert {Path(e.path).name for e in report.errors} == {"post.entity.json", "order.entity.json"}
    assert any("'User', which does not exist" in e.message for e in report.errors)
    assert _snapshot(root) == before


def test_hand_written_model_files_are_never_overwritten(tmp_path: Path) -> None:
    root = _project(tmp_path)
    model = root / "src/application/user/user_model.py"
    model.parent.mkdir(parents=True, exist_ok=True)
    model.write_text("# mine\n")
    syncer = Syncer(load_config(root, environ={}))
    assert "src/application/user/user_model.py" not in syncer.sync().scaffolded

    api = root / "src/application/user/user_api.py"
    api.write_text(api.read_text() + "\n# edited by hand\n")
    forced = syncer.sync(force=True)
    assert forced.forced and forced.scaffolded == () and forced.generated == ()
    assert model.read_text() == "# mine\n" and api.read_text().endswith("# edited by hand\n")


def _rendered(report: SyncReport) -> str:
    console = Console(record=True, width=200)
    console.print(render_report(report))
    return console.export_text()


def test_a_removed_entity_takes_its_generated_files_but_not_the_hand_written_ones(tmp_path: Path) -> None:
    root = _project(tmp_path)
    syncer = Syncer(load_config(root, environ={}))
    syncer.sync()
    tag = root / "src/application/tag/tag.entity.json"
    tag.parent.mkdir(parents=True)
    tag.write_text(json.dumps({"id": "Tag", "props": [{"name": "label", "type": "string"}]}))

    added = syncer.sync([Change(str(tag), "add")])
    assert added.changed == ("src/application/tag/tag.entity.json",) and added.entities == ("Tag",)
    assert "src/application/tag/tag_types.py" in added.generated

    tag.unlink()
    report = syncer.sync([Change(str(tag), "unlink")])
    assert report.removed == ("src/application/tag/tag.entity.json",)
    assert sorted(report.deleted) == [
        "src/application/tag/tag_types.py",
        "web/src/services/TagService.ts",
        "web/src/services/tag.types.ts",
    ]
    assert sorted(p.name for p in tag.parent.iterdir()) == ["tag_api.py", "tag_model.py"]
    # They still import the deleted types: the report names them, and what each imports.
    assert report.orphaned == (
        ("src/application/tag/tag_api.py", "application.tag.tag_types"),
        ("src/application/tag/tag_model.py", "application.tag.tag_types"),
    )
    assert "- src/application/tag/tag_model.py imports application.tag.tag_types" in _rendered(report)


def test_deleted_generated_files_are_regenerated_even_with_unchanged_sources(tmp_path: Path) -> None:
    root = _project(tmp_path)
    syncer = Syncer(load_config(root, environ={}))
    syncer.sync()
    (root / PRODUCT_OUTPUTS[1]).unlink()
    report = syncer.sync()
    assert report.generated == (PRODUCT_OUTPUTS[1],)


@pytest.mark.parametrize("corrupt", [b"", b'{"format": 1, "files": ', b"\xff\xfe"])
def test_a_corrupt_checksums_file_means_a_full_resync(tmp_path: Path, corrupt: bytes) -> None:
    root = _project(tmp_path)
    Syncer(load_config(root, environ={})).sync()
    types = root / "src/application/user/user_types.py"
    pristine = types.read_text()
    types.write_text(pristine + "# edited by hand\n")  # only a full resync rewrites it
    checksums = root / ".hotbed" / "checksums.json"
    checksums.write_bytes(corrupt)

    report = Syncer(load_config(root, environ={})).sync()

    assert report.ok and len(report.changed) == 4 and report.entities == ("Order", "Post", "Product", "User")
    assert report.generated == ("src/application/user/user_types.py",) and types.read_text() == pristine
    stored = load_checksums(checksums)
    assert stored is not None and len(stored.files) == 4
    assert Syncer(load_config(root, environ={})).sync().nothing_changed


def test_the_syncers_own_writes_are_not_fed_back(tmp_path: Path) -> None:
    root = _project(tmp_path)
    syncer = Syncer(load_config(root, environ={}))
    report = syncer.sync()
    echoes = [Change(str(root / rel)) for rel in report.written]
    echoes.append(Change(str(root / "web/src/services/.user.types.ts.x1.hotbed-tmp"), "add"))
    assert syncer.filter_own_writes(echoes) == []

    types = root / "src/application/user/user_types.py"
    types.write_text(types.read_text() + "# someone edited a generated file\n")
    assert syncer.filter_own_writes([Change(str(types))]) == [Change(str(types))]
    other = Change(str(root / "src/application/user/helpers.py"))
    assert syncer.filter_own_writes([other]) == [other]


def test_changes_arriving_during_a_batch_form_the_next_batch_together(
    tmp_path: Path, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path / "project")
    # Outside the project: the test and a project module share these events through a real import.
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "batch_latch.py").write_text(
        "import threading\nENTERED = threading.Event()\nRELEASE = threading.Event()\n"
    )
    monkeypatch.syspath_prepend(str(outside))
    monkeypatch.syspath_prepend(str(root / "src"))
    helpers = [f"src/helper_{i}.py" for i in range(5)]
    for rel in ("src/gate.py", *helpers):
        (root / rel).write_text("VERSION = 1\n")
    project = make_project()
    latch = importlib.import_module("batch_latch")
    monkeypatch.setitem(sys.modules, "batch_latch", latch)
    for rel in ("src/gate.py", *helpers):
        project.load(Path(rel).stem)
    syncer = Syncer(load_config(root, environ={}))
    syncer.sync()  # generate once, so the batches below only reload
    completed: list[SyncReport] = []
    syncer.on_completed(completed.append)

    # The gate's new version blocks at import: its reload holds the first batch open while the burst arrives.
    gate = root / "src/gate.py"
    gate.write_text("import batch_latch\nbatch_latch.ENTERED.set()\nassert batch_latch.RELEASE.wait(60)\nVERSION = 2\n")
    first_reports: list[SyncReport] = []
    first = threading.Thread(target=lambda: first_reports.append(syncer.sync([Change(str(gate))])))
    first.start()
    assert latch.ENTERED.wait(60)
    assert syncer.busy

    burst = [Change(str(root / rel)) for rel in helpers]
    for change in burst:
        Path(change.path).write_text("VERSION = 2\n")
    reports: list[SyncReport] = []
    threads = [threading.Thread(target=lambda c=c: reports.append(syncer.submit([c], window=0.01))) for c in burst]
    for thread in threads:
        thread.start()
    while syncer.pending() < len(burst):
        threads[0].join(0.01)
    assert first.is_alive() and not completed, "the burst queued while the first batch still ran"
    latch.RELEASE.set()
    for thread in [first, *threads]:
        thread.join(60)

    (gate_report,) = first_reports
    assert gate_report.changes == (Change(str(gate)),) and project.rel(gate_report.reload.reexecuted) == ["src/gate.py"]
    assert len(reports) == 5 and all(r is reports[0] for r in reports)
    assert sorted(reports[0].changes, key=lambda c: c.path) == burst
    assert sorted(project.rel(reports[0].reload.reexecuted)) == helpers  # one reload for the whole burst
    assert len(completed) == 2 and completed[0] is gate_report and completed[1] is reports[0]
    assert sys.modules["gate"].VERSION == 2 and sys.modules["helper_4"].VERSION == 2
    assert syncer.drain(1) and not syncer.busy


def test_generated_modules_are_reloaded_after_generation(
    tmp_path: Path, make_project: MakeProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path / "project")
    Syncer(load_config(root, environ={})).sync()
    monkeypatch.syspath_prepend(str(root / "src"))
    make_project()
    api = importlib.import_module("application.product.product_api")
    assert "colour" not in api.ProductApi.model.entity.model_fields

    _add_nullable_field(root)
    report = Syncer(load_config(root, environ={})).sync([Change(str(root / PRODUCT))])

    assert report.reload.committed, report.reload
    reloaded = [Path(p).relative_to(root).as_posix() for p in report.reload.reexecuted]
    assert reloaded[0] == "src/application/product/product_types.py"
    assert "src/application/product/product_api.py" in reloaded
    api = sys.modules["application.product.product_api"]
    assert "colour" in api.ProductApi.model.entity.model_fields


def test_run_sync_prints_what_it_did_then_that_all_files_are_synced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = _project(tmp_path)
    assert run_sync(str(root)) == 0
    out = capsys.readouterr().out
    assert "Generated:" in out and "src/application/user/user_types.py" in out
    assert run_sync(str(root)) == 0
    assert "All files are synced!" in capsys.readouterr().out
    _edit(root / PRODUCT, '"type": "date"', '"type": "day"')
    assert run_sync(str(root)) == 1
    assert "unknown prop type 'day'" in capsys.readouterr().out


def _hotbed_sync(root: Path, *flags: str) -> str:
    """The real `hotbed sync` command in its own process; its output."""
    done = subprocess.run(
        [sys.executable, "-m", "hotbed", "sync", "--project", str(root), *flags],
        capture_output=True,
        text=True,
        timeout=100,
        env={**os.environ, "COLUMNS": "200"},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _listed(out: str, title: str) -> list[str]:
    """The items printed under `title` ("Generated:", "🔄 Invalidated:")."""
    lines = out.splitlines()
    start = lines.index(title) + 1
    items = []
    for line in lines[start:]:
        if not line.startswith("  - "):
            break
        items.append(line[4:])
    return items


def test_hotbed_sync_lists_changed_entities_and_force_regenerates_what_checksums_cannot_see(tmp_path: Path) -> None:
    root = _project(tmp_path)
    assert len(_listed(_hotbed_sync(root), "Generated:")) == 13
    _add_nullable_field(root)
    out = _hotbed_sync(root)
    assert _listed(out, "🔄 Invalidated:") == [PRODUCT]
    assert _listed(out, "Generated:") == list(PRODUCT_TYPES)

    # A generated file edited by hand: the sources did not change, so a plain sync leaves it.
    types = root / "src/application/user/user_types.py"
    pristine = types.read_text()
    types.write_text(pristine + "# edited by hand\n")
    assert "All files are synced!" in _hotbed_sync(root) and types.read_text() != pristine

    forced = _hotbed_sync(root, "--force")
    assert _listed(forced, "Generated:") == ["src/application/user/user_types.py"]
    assert len(_listed(forced, "🔄 Invalidated:")) == 4  # every entity was regenerated
    assert types.read_text() == pristine


def _big_project(root: Path, count: int) -> None:
    for i in range(count):
        folder = root / "src" / f"e{i}"
        folder.mkdir(parents=True)
        props = [{"name": f"field_{j}", "type": "string", "nullable": j % 2 == 0} for j in range(12)]
        if i:
            props.append(
                {"name": "parent", "type": "relation", "with": f"Entity{i - 1}", "relationType": "BelongsToOne"}
            )
        document = {"id": f"Entity{i}", "props": props, "subsets": {"A": ["id", "field_1", "field_2"]}}
        (folder / f"entity{i}.entity.json").write_text(json.dumps(document))


def test_sigterm_during_a_batch_lets_it_finish_and_leaves_no_temp_files(tmp_path: Path) -> None:
    _big_project(tmp_path, 400)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "hotbed", "sync", "--project", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert process.stdout is not None
    assert process.stdout.readline().startswith("hotbed sync")  # printed as the batch starts
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=100)

    assert "SIGTERM received during a sync batch; finishing it first" in err
    assert process.returncode == -signal.SIGTERM  # then it stops the way SIGTERM stops a process
    assert "All files are synced! (" in out  # the batch finished, and it did work
    assert not [p for p in tmp_path.rglob("*") if is_temp_file(p)]
    stored = load_checksums(tmp_path / ".hotbed" / "checksums.json")
    assert stored is not None and len(stored.files) == 400
    for i in range(400):
        assert (tmp_path / "src" / f"e{i}" / f"entity{i}_types.py").read_text().endswith("}\n")
    again = subprocess.run(
        [sys.executable, "-m", "hotbed", "sync", "--project", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert again.returncode == 0 and "All files are synced!" in again.stdout


# A Syncer batch run directly, as the dev server runs it (no `hotbed sync` around it). The
# first entity's service lookup happens before any file is written: it says the batch has
# started and waits until the test has sent its signal, so the signal always lands mid-batch.
_BATCH_SCRIPT = """
import os, signal, sys, time
from hotbed.config import load_config
from hotbed.app.syncer import Syncer

signal.signal(signal.SIGINT, signal.default_int_handler)  # as in an interactive process
root, sent = sys.argv[1], sys.argv[2]

def api_source(entity):
    if entity.id == "Entity0":
        print("batch started", flush=True)
        deadline = time.monotonic() + 60
        while not os.path.exists(sent) and time.monotonic() < deadline:
            time.sleep(0.01)
    return None

syncer = Syncer(load_config(root), api_source=api_source)
syncer.on_completed(lambda report: print(f"batch completed: {len(report.generated)} generated", flush=True))
syncer.sync()
print("still running after the batch", flush=True)
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=lambda sig: sig.name)
def test_a_signal_during_a_syncer_batch_waits_for_it_then_stops_the_process(
    tmp_path: Path, sig: signal.Signals
) -> None:
    root = tmp_path / "project"
    _big_project(root, 40)
    sent = tmp_path / "signal-sent"
    process = subprocess.Popen(
        [sys.executable, "-c", _BATCH_SCRIPT, str(root), str(sent)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "batch started\n"
    process.send_signal(sig)
    sent.touch()
    out, err = process.communicate(timeout=100)

    assert f"{sig.name} received during a sync batch; finishing it first" in err
    assert "batch completed: 121 generated" in out  # 40 x 3 + hotbed.ts
    assert "still running after the batch" not in out, "the deferred signal stops the process right after the batch"
    assert process.returncode == -sig
    assert not [p for p in root.rglob("*") if is_temp_file(p)]
    stored = load_checksums(root / ".hotbed" / "checksums.json")
    assert stored is not None and len(stored.files) == 40
