from __future__ import annotations

from rich.console import Console

from hotbed.app.entity import EntityDiagnostic
from hotbed.dev.console import print_reload, render_report
from hotbed.dev.report import SyncReport
from hotbed.reload.types import ReloadError, ReloadResult, RestartReason


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
    assert "re-executed 2 modules in 4.2 ms" in text


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


def render_batch(report: SyncReport) -> str:
    console = Console(record=True, width=100, color_system=None)
    console.print(render_report(report))
    return console.export_text()


def test_sync_report_lists_generated_files_apis_and_schema() -> None:
    reload = ReloadResult(
        changed=("/p/src/user_types.py",),
        reexecuted=("/p/src/user_types.py", "/p/src/user_model.py"),
        committed=True,
        duration=0.003,
        root="/p",
    )
    text = render_batch(
        SyncReport(
            changed=("src/user.entity.json",),
            generated=("src/user_types.py",),
            reload=reload,
            duration=0.012,
            apis=("GET /api/user/list",),
            api_counts=(("src/user_model.py", 2),),
            schema=("schema: added column users.nickname",),
        )
    )
    assert "Generated:\n  - src/user_types.py" in text
    assert "  - src/user.entity.json\n  - src/user_types.py\n  - src/user_model.py (with 2 APIs)" in text
    assert "✨ API re-registered: GET /api/user/list" in text
    assert "schema: added column users.nickname" in text
    assert "All files are synced! (12.0 ms)" in text


def test_sync_report_with_nothing_to_do_and_with_entity_errors() -> None:
    assert render_batch(SyncReport()).strip() == "✅ All files are synced!"
    broken = render_batch(SyncReport(errors=(EntityDiagnostic("/p/user.entity.json", 3, 7, "unknown prop type"),)))
    assert "entity error" in broken and "unknown prop type" in broken
    assert "All files are synced" not in broken
