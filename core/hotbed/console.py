"""Rich rendering of reload results for the terminal."""

from __future__ import annotations

import os

from rich.console import Console, Group, RenderableType
from rich.text import Text

from hotbed.types import ReloadResult

__all__ = ["print_reload", "render_reload"]


def _rel(path: str, root: str) -> str:
    if root and path.startswith(root.rstrip(os.sep) + os.sep):
        return os.path.relpath(path, root)
    return path


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def render_reload(result: ReloadResult) -> RenderableType:
    """What a developer wants to see after a save: what ran, why not, or where it broke."""
    root = result.root
    lines: list[RenderableType] = []
    if result.nothing_to_do:
        return Text("✓ nothing changed", style="dim")
    if result.changed or result.reexecuted:
        lines.append(Text("🔄 Invalidated:", style="bold cyan"))
        for path in result.reexecuted or result.changed:
            lines.append(Text(f"  - {_rel(path, root)}"))
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
    if result.committed and not result.errors:
        lines.append(Text(f"✅ reloaded {len(result.reexecuted)} modules in {_ms(result.duration)}", style="green"))
    elif result.committed:
        lines.append(Text(f"⚠ reloaded in {_ms(result.duration)}, with callback errors", style="yellow"))
    elif result.errors:
        lines.append(Text(f"  kept the last good code ({_ms(result.duration)})", style="dim"))
    return Group(*lines)


def print_reload(result: ReloadResult, console: Console | None = None) -> None:
    (console or Console(stderr=True)).print(render_reload(result))
