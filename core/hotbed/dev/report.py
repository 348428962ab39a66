"""`SyncReport`, what one batch did (rendered for a terminal by `hotbed.dev.console`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from hotbed.reload.types import Change, ReloadResult

__all__ = ["Diagnostic", "SyncReport"]


class Diagnostic(Protocol):
    """A problem located in a source file (the framework's entity diagnostics are ones)."""

    @property
    def path(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def column(self) -> int: ...
    @property
    def message(self) -> str: ...


@dataclass(frozen=True, slots=True)
class SyncReport:
    """The outcome of one sync batch. Paths are relative to the project root.

    `changed` and `removed` are entity sources; `entities` the ids whose outputs were
    regenerated (changed ones and those that depend on them); `generated` the files whose
    bytes actually changed; `scaffolded` the model/API files created because they were
    missing, `deleted` the generated files no entity produces any more, and `orphaned` the
    (file, module) pairs of hand-written files still importing one of them (a removed
    entity's model and API: delete them or edit their imports). With `errors`, nothing was
    written. `apis` lists the routes (re-)registered by
    the batch and `api_counts` how many routes each re-executed module now registers (paths
    relative to the root); `schema` the database changes applied or withheld.
    """

    changes: tuple[Change, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    generated: tuple[str, ...] = ()
    scaffolded: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    orphaned: tuple[tuple[str, str], ...] = ()
    errors: tuple[Diagnostic, ...] = ()
    reload: ReloadResult = field(default_factory=ReloadResult)
    duration: float = 0.0
    forced: bool = False
    apis: tuple[str, ...] = ()
    api_counts: tuple[tuple[str, int], ...] = ()
    schema: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors and self.reload.ok

    @property
    def written(self) -> tuple[str, ...]:
        return self.generated + self.scaffolded + self.deleted

    @property
    def nothing_changed(self) -> bool:
        return not (self.changed or self.removed or self.written or self.errors) and self.reload.nothing_to_do
