from __future__ import annotations

from rich.console import Console

from hotbed.console import print_reload
from hotbed.types import ReloadError, ReloadResult, RestartReason


def render(result: ReloadResult) -> str:
    console = Console(record=True, width=100, color_system=None)
    print_reload(result, console)
    return console.export_text()


def test_success_lists_invalidated_paths_relative_to_root() -> None:
    text = render(
        ReloadResult(
            changed=("/p/user.py",),
            reexecuted=("/p/user.py", "/p/api/user_api.py"),
            committed=True,
            duration=0.0042,
            root="/p",
        )
    )
    assert "Invalidated:" in text
    assert "  - user.py\n  - api/user_api.py" in text
    assert "reloaded 2 modules in 4.2 ms" in text


def test_error_shows_location_and_source_line() -> None:
    error = ReloadError("/p/user.py", 3, 5, "SyntaxError: invalid syntax", "syntax", "x = (")
    text = render(ReloadResult(changed=("/p/user.py",), errors=(error,), root="/p"))
    assert "error user.py:3: SyntaxError: invalid syntax" in text
    assert "    x = (\n        ^" in text
    assert "kept the last good code" in text


def test_restart_reason_is_shown() -> None:
    message = "imported statically by non-boundary settings.py"
    reason = RestartReason("non-boundary", "/p/settings.py", "/p/src/m.py", message)
    text = render(ReloadResult(changed=("/p/src/m.py",), restart=(reason,), root="/p"))
    assert "restart required: imported statically by non-boundary settings.py" in text


def test_nothing_changed() -> None:
    assert "nothing changed" in render(ReloadResult())
