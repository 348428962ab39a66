"""Rich rendering of reload results for the terminal."""

from __future__ import annotations

import os

from rich.console import Console, Group, RenderableType
from rich.text import Text

from hotbed.dev.report import SyncReport
from hotbed.reload.types import ReloadResult

__all__ = ["print_reload", "print_report", "render_reload", "render_report"]


def _rel(path: str, root: str) -> str:
    if root and path.startswith(root.rstrip(os.sep) + os.sep):
        return os.path.relpath(path, root)
    return path


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def render_reload(
    result: ReloadResult, sources: tuple[str, ...] = (), api_counts: dict[str, int] | None = None
) -> RenderableType:
    """What a developer wants to see after a save: what ran, why not, or where it broke.

    `sources` are files listed before the modules (entity files that fed generation);
    `api_counts` adds "(with N APIs)" beside the modules that register APIs.
    """
    root = result.root
    lines: list[RenderableType] = []
    if result.nothing_to_do and not sources:
        return Text("✓ nothing changed", style="dim")
    if sources or result.changed or result.reexecuted:
        lines.append(Text("🔄 Invalidated:", style="bold cyan"))
        for path in (*sources, *(result.reexecuted or result.changed)):
            rel = _rel(path, root)
            count = (api_counts or {}).get(rel)
            with_apis = f" (with {count} API{'' if count == 1 else 's'})" if count else ""
            lines.append(Text(f"  - {rel}{with_apis}"))
        for path in result.pruned:
            lines.append(Text(f"  - {_rel(path, root)} (removed)", style="dim"))
    for reason in result.restart:
        lines.append(Text.assemble(("↻ restart required: ", "bold yellow"), reason.message))
    for error in result.errors:
        where = _rel(error.path, root) + (f":{error.line}" if error.line else "")
        label = "error" if error.kind in ("syntax", "import") else f"{error.kind} callback failed"
        lines.append(Text.assemble((f"✗ {label} ", "bold red"), (where, "bold"), f": {error.message}"))
        if error.source_line:
            lines.append(Text(f"    {error.source_line}", style="red"))
            if error.column and error.kind == "syntax":
                lines.append(Text("    " + " " * (error.column - 1) + "^", style="red"))
    if result.committed and not result.errors and result.patched:
        where = ", ".join(_rel(path, root) for path in result.patched)
        count = result.patched_functions
        lines.append(
            Text(
                f"✅ patched {count} function{'s' * (count != 1)} in {where} in place in {_ms(result.duration)}",
                style="green",
            )
        )
    elif result.committed and not result.errors:
        lines.append(Text(f"✅ re-executed {len(result.reexecuted)} modules in {_ms(result.duration)}", style="green"))
    elif result.committed:
        lines.append(Text(f"⚠ reloaded in {_ms(result.duration)}, with callback errors", style="yellow"))
    elif result.errors:
        lines.append(Text(f"  kept the last good code ({_ms(result.duration)})", style="dim"))
    return Group(*lines)


def print_reload(result: ReloadResult, console: Console | None = None) -> None:
    (console or Console(stderr=True)).print(render_reload(result))


def render_report(report: SyncReport) -> RenderableType:
    """A sync batch, for `hotbed sync` and `hotbed dev` alike: entity errors, what was
    generated, the reload with its APIs and schema changes, and whether all is in sync."""
    lines: list[RenderableType] = []
    for diagnostic in report.errors:
        lines.append(Text.assemble(("✗ entity error ", "bold red"), str(diagnostic)))
    if report.errors:
        lines.append(Text("  nothing was generated: fix the entity files above", style="dim"))
    for title, items in (
        ("Generated", report.generated),
        ("Created (yours to edit)", report.scaffolded),
        ("Deleted", report.deleted),
    ):
        if items:
            lines.append(Text(f"{title}:", style="bold green"))
            lines.extend(Text(f"  - {item}") for item in items)
    if report.orphaned:
        lines.append(Text("Still importing a deleted file (delete these or edit their imports):", style="bold red"))
        lines.extend(Text(f"  - {path} imports {module}") for path, module in report.orphaned)
    sources = (*report.changed, *report.removed)
    if sources or not report.reload.nothing_to_do:
        lines.append(render_reload(report.reload, sources, dict(report.api_counts)))
    lines.extend(Text(f"✨ API re-registered: {route}", style="magenta") for route in report.apis)
    lines.extend(Text(f"🧱 {line}", style="yellow") for line in report.schema)
    if report.nothing_changed:
        lines.append(Text("✅ All files are synced!", style="green"))
    elif report.ok and (sources or report.written):
        lines.append(Text(f"✅ All files are synced! ({_ms(report.duration)})", style="green"))
    return Group(*lines)


def print_report(report: SyncReport, console: Console | None = None) -> None:
    """Print a batch's report; a batch that did nothing prints nothing."""
    if report.nothing_changed and not report.apis and not report.schema:
        return
    (console or Console(stderr=True)).print(render_report(report))
