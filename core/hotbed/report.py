"""`SyncReport`, what one batch did, and its rendering for a terminal."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.console import Console

from hotbed.entity import EntityDiagnostic
from hotbed.types import Change, ReloadResult

__all__ = ["SyncReport", "render_report"]


@dataclass(frozen=True, slots=True)
class SyncReport:
    """The outcome of one sync batch. Paths are relative to the project root.

    `changed` and `removed` are entity sources; `entities` the ids whose outputs were
    regenerated (changed ones and those that depend on them); `generated` the files whose
    bytes actually changed; `scaffolded` the model/API files created because they were
    missing. With `errors`, nothing was written. `apis` lists the routes (re-)registered by
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
    errors: tuple[EntityDiagnostic, ...] = ()
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


def render_report(report: SyncReport, console: Console) -> None:
    """Print what changed and what was generated, or that everything is in sync."""
    for diagnostic in report.errors:
        console.print(f"[bold red]entity error[/] {diagnostic}", highlight=False)
    if report.errors:
        console.print("[red]Nothing was generated: fix the entity files above.[/]")
    for title, items, style in (
        ("Changed", report.changed, "yellow"),
        ("Removed", report.removed, "yellow"),
        ("Generated", report.generated, "green"),
        ("Created (yours to edit)", report.scaffolded, "cyan"),
        ("Deleted", report.deleted, "magenta"),
        ("Reloaded", report.reload.reexecuted, "blue"),
    ):
        if items:
            console.print(f"[bold {style}]{title}:[/]")
            for item in items:
                console.print(f"  - {item}", highlight=False)
    for reason in report.reload.restart:
        console.print(f"[bold yellow]restart required[/] {reason}", highlight=False)
    for error in report.reload.errors:
        console.print(f"[bold red]reload error[/] {error}", highlight=False)
    if report.nothing_changed:
        console.print("[black on green] All files are synced! [/]")
    elif report.ok:
        console.print(f"[green]Synced in {report.duration * 1000:.0f} ms.[/]")
