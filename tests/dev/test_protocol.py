"""The wire shapes of docs/protocol.md."""

from __future__ import annotations

from hotbed.dev.protocol import Report, ReportError, Status, SyncParams, converter, report_from_reload
from hotbed.reload.types import ReloadError, ReloadResult


def test_report_is_camel_case_on_the_wire() -> None:
    result = ReloadResult(
        changed=("/p/a.py",),
        errors=(ReloadError("/p/a.py", 3, 5, "SyntaxError: boom", "syntax", "x = ("),),
        duration=0.0021,
        root="/p",
    )
    wire = converter.unstructure(Status("error", "a.py:3", report_from_reload(result, pid=42)))
    assert wire["state"] == "error"
    assert wire["report"]["durationMs"] == 2.1
    assert wire["report"]["pid"] == 42
    (error,) = wire["report"]["errors"]
    assert error == {
        "kind": "syntax",
        "path": "/p/a.py",
        "line": 3,
        "column": 5,
        "message": "SyntaxError: boom",
        "sourceLine": "x = (",
    }
    assert set(wire["report"]) == {
        "ok", "root", "changed", "reexecuted", "patched", "patchedFunctions", "generated", "pruned", "restart",
        "errors", "apis", "durationMs", "pid",
    }  # fmt: skip


def test_round_trip() -> None:
    report = Report(ok=False, root="/p", errors=[ReportError("import", "/p/a.py", 1, 1, "boom")])
    assert converter.structure(converter.unstructure(report), Report) == report
    assert report.state == "error"
    params = converter.structure({"changes": [{"path": "/p/a.py", "event": "unlink"}]}, SyncParams)
    assert params.changes[0].to_change().event == "unlink"
