"""The wire types shared by the control channel and the language server (docs/protocol.md).

attrs classes converted by one cattrs converter that writes camelCase field names, as
LSP does, so the Python side stays snake_case and the JSON matches what editors expect.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Literal

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.strategies import configure_union_passthrough

from hotbed.reload.types import Change, ReloadResult

if TYPE_CHECKING:
    from hotbed.dev.report import SyncReport

__all__ = [
    "STATES",
    "ChangeParams",
    "DumpNode",
    "Report",
    "ReportError",
    "ReportRestart",
    "State",
    "Status",
    "SyncParams",
    "converter",
    "report_from_reload",
    "report_from_sync",
]

State = Literal["idle", "syncing", "ok", "error", "restart-required", "restarting", "disconnected"]
STATES: tuple[State, ...] = ("idle", "syncing", "ok", "error", "restart-required", "restarting", "disconnected")


@attrs.define(frozen=True)
class ChangeParams:
    path: str
    event: Literal["change", "add", "unlink"] = "change"

    def to_change(self) -> Change:
        return Change(os.path.abspath(self.path), self.event)


@attrs.define(frozen=True)
class SyncParams:
    changes: list[ChangeParams] = attrs.field(factory=list)


@attrs.define(frozen=True)
class ReportError:
    kind: str
    path: str
    line: int
    column: int
    message: str
    source_line: str = ""


@attrs.define(frozen=True)
class ReportRestart:
    kind: str
    path: str
    message: str


@attrs.define(frozen=True)
class Report:
    """What one batch of changes did; the same shape for entity and plain projects."""

    ok: bool
    root: str
    changed: list[str] = attrs.field(factory=list)
    reexecuted: list[str] = attrs.field(factory=list)
    patched: list[str] = attrs.field(factory=list)  # changed in place, bodies only: nothing re-executed
    patched_functions: int = 0
    generated: list[str] = attrs.field(factory=list)
    pruned: list[str] = attrs.field(factory=list)
    restart: list[ReportRestart] = attrs.field(factory=list)
    errors: list[ReportError] = attrs.field(factory=list)
    apis: list[str] = attrs.field(factory=list)
    duration_ms: float = 0.0
    pid: int = 0

    @property
    def state(self) -> State:
        if self.errors:
            return "error"
        if self.restart:
            return "restart-required"
        return "ok"


@attrs.define(frozen=True)
class Status:
    state: State
    message: str = ""
    report: Report | None = None
    # Filled in the answer to `status` (not in broadcasts): the supervisor's pid and the app's URL.
    pid: int = 0
    url: str = ""


@attrs.define(frozen=True)
class DumpNode:
    path: str
    node_path: str
    boundary: bool
    reloadable: bool
    version: int
    dependencies: list[str] = attrs.field(factory=list)
    dependents: list[str] = attrs.field(factory=list)
    apis: list[str] = attrs.field(factory=list)
    handlers: list[str] = attrs.field(factory=list)  # the function answering each of `apis`, in order


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(omit_if_default=False)
    # JSON-RPC ids are `int | str`: let JSON scalars through as they are.
    configure_union_passthrough(int | str | bool | float | None, conv)

    def renames(cls: type) -> dict[str, Any]:
        return {a.name: override(rename=_camel(a.name)) for a in attrs.fields(cls)}

    def unstructure_factory(cls: type) -> Any:
        return make_dict_unstructure_fn(cls, conv, **renames(cls))

    def structure_factory(cls: type) -> Any:
        return make_dict_structure_fn(cls, conv, **renames(cls))

    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    conv.register_structure_hook_factory(attrs.has, structure_factory)
    return conv


converter = _make_converter()


def report_from_reload(
    result: ReloadResult, *, pid: int = 0, generated: tuple[str, ...] = (), apis: tuple[str, ...] = ()
) -> Report:
    """The wire report of an engine `ReloadResult` (plus what a syncer generated, if any)."""
    return Report(
        ok=result.ok,
        root=result.root,
        changed=list(result.changed),
        reexecuted=list(result.reexecuted),
        patched=list(result.patched),
        patched_functions=result.patched_functions,
        generated=list(generated),
        pruned=list(result.pruned),
        restart=[ReportRestart(r.kind, r.path, r.message) for r in result.restart],
        errors=[ReportError(e.kind, e.path, e.line, e.column, e.message, e.source_line) for e in result.errors],
        apis=list(apis),
        duration_ms=round(result.duration * 1000, 3),
        pid=pid,
    )


def report_from_sync(report: SyncReport, root: str, *, pid: int = 0) -> Report:
    """The wire report of a batch's `SyncReport`: absolute paths, entity problems as `entity` errors."""

    def absolute(paths: tuple[str, ...]) -> list[str]:
        return [os.path.join(root, p) for p in paths]

    reload = report.reload
    wire = report_from_reload(reload, pid=pid, apis=report.apis)
    entity_errors = [
        ReportError("entity", os.path.join(root, d.path), d.line, d.column, d.message) for d in report.errors
    ]
    return attrs.evolve(
        wire,
        ok=report.ok,
        root=root,
        changed=list(dict.fromkeys([*absolute(report.changed), *absolute(report.removed), *wire.changed])),
        generated=absolute(report.written),
        errors=[*entity_errors, *wire.errors],
        duration_ms=round(max(report.duration, reload.duration) * 1000, 3),
    )
