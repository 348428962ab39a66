"""What the editor should show, per file: reports, restarts and lint results turned into diagnostics.

Each kind of diagnostic has its own lifetime, so each is kept apart and the published set
is their union:

- `reload-error`: filed under the paths of the batch that caused it (an error may sit in
  an importer of the saved file). A later batch whose code runs (nothing rolled back, no
  restart pending) settles every file it changed, re-executed or was given: those files'
  code on disk is what runs now, even when the batch changed nothing because they already
  matched it. A settled file clears the errors filed under it or sitting in it; a failed
  batch replaces the errors of the files it was given. A full sync settles every file.
- `restart-required` / `declined`: on the changed files, until a worker started after the
  change serves (`clear_restarts`).
- `entity-error` and `boundary-import`: recomputed from the files by the linters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lsprotocol import types as lsp

from hotbed.dev.protocol import Report, ReportError

__all__ = [
    "BOUNDARY_IMPORT",
    "DECLINED",
    "ENTITY_ERROR",
    "RELOAD_ERROR",
    "RESTART_CODES",
    "RESTART_REQUIRED",
    "SOURCE",
    "Diagnostics",
    "Located",
    "diagnostic",
]

SOURCE = "hotbed"
RESTART_REQUIRED = "restart-required"
DECLINED = "declined"
RELOAD_ERROR = "reload-error"
ENTITY_ERROR = "entity-error"
BOUNDARY_IMPORT = "boundary-import"
RESTART_CODES = frozenset({RESTART_REQUIRED, DECLINED})
_AFTER_COMMIT = frozenset({"dispose", "prune"})  # error kinds raised by callbacks once the new code runs


@dataclass(frozen=True, slots=True)
class Located:
    """A problem at a 1-based line and column of a file (0 means unknown), to `end_column` on the same line."""

    path: str
    line: int
    column: int
    message: str
    end_line: int = 0
    end_column: int = 0


def diagnostic(
    problem: Located, code: str, severity: lsp.DiagnosticSeverity = lsp.DiagnosticSeverity.Error
) -> lsp.Diagnostic:
    line = max(problem.line - 1, 0)
    start = max(problem.column - 1, 0)
    end_line = max(problem.end_line - 1, line)
    end = problem.end_column - 1 if problem.end_column else (start + 1 if end_line == line else 0)
    return lsp.Diagnostic(
        range=lsp.Range(lsp.Position(line, start), lsp.Position(end_line, max(end, 0))),
        message=problem.message,
        severity=severity,
        code=code,
        source=SOURCE,
    )


def _reload_error(error: ReportError) -> lsp.Diagnostic:
    end = len(error.source_line) + 1 if error.source_line and error.column <= len(error.source_line) else 0
    return diagnostic(Located(error.path, error.line, error.column, error.message, error.line, end), RELOAD_ERROR)


def _runs(report: Report) -> bool:
    """The batch's code runs now: no error rolled it back (only callbacks after a commit failed), no restart waits."""
    return not report.restart and all(e.kind in _AFTER_COMMIT for e in report.errors)


class Diagnostics:
    """Every hotbed diagnostic the editor should see, by absolute path."""

    def __init__(self) -> None:
        self._reload: dict[tuple[str, ...], list[ReportError]] = {}
        self._restart: dict[str, lsp.Diagnostic] = {}
        self._lint: dict[tuple[str, str], list[lsp.Diagnostic]] = {}  # (code, path) -> diagnostics
        self._published: dict[str, list[lsp.Diagnostic]] = {}

    # -- updates ------------------------------------------------------------------------------

    def apply_report(
        self, report: Report, sent: Sequence[str] = (), *, everything: bool = False, restarts: bool = True
    ) -> None:
        """Take in one batch's report.

        `sent` are the paths the batch was given, when known (this server asked for them, or
        the status said which files an error was about); `everything` says the batch was
        given every project file (a full sync); `restarts=False` leaves the restart
        diagnostics alone (the answer to a sync comes after the restart it caused).
        """
        touched = set(report.changed) | set(sent)
        if _runs(report):
            touched.update(report.reexecuted)  # their code on disk runs now
        if everything:
            self._reload.clear()
        for cause in list(self._reload):
            errors = self._reload[cause]
            if touched.intersection(cause) or any(e.path in touched for e in errors):
                del self._reload[cause]
        reload_errors = [e for e in report.errors if e.kind != "entity"]  # the entity linter covers those
        if reload_errors:
            self._reload[tuple(report.changed or sent)] = reload_errors
        if report.restart and restarts:
            declined = any(r.kind == "declined" for r in report.restart)
            message = "; ".join(r.message for r in report.restart) + " (the dev server restarts to apply it)"
            for path in report.changed or sent:
                self._restart[path] = diagnostic(
                    Located(path, 1, 1, message, 1, 1),
                    DECLINED if declined else RESTART_REQUIRED,
                    lsp.DiagnosticSeverity.Warning,
                )

    def clear_restarts(self) -> None:
        """A worker started after those changes serves: they all run now."""
        self._restart.clear()

    def clear_reload_errors(self) -> None:
        """A fresh dev server imported everything from disk: old reload errors are moot."""
        self._reload.clear()

    def set_lint(self, code: str, results: dict[str, list[lsp.Diagnostic]], scope: Iterable[str]) -> None:
        """Replace `code`'s diagnostics for every path in `scope` with `results` (absent: none)."""
        for path in scope:
            found = results.get(path, [])
            if found:
                self._lint[(code, path)] = found
            else:
                self._lint.pop((code, path), None)

    # -- output -------------------------------------------------------------------------------

    def current(self) -> dict[str, list[lsp.Diagnostic]]:
        merged: dict[str, list[lsp.Diagnostic]] = {}
        for errors in self._reload.values():
            for error in errors:
                merged.setdefault(error.path, []).append(_reload_error(error))
        for path, restart in self._restart.items():
            merged.setdefault(path, []).append(restart)
        for (_, path), found in self._lint.items():
            merged.setdefault(path, []).extend(found)
        return merged

    def changes(self) -> dict[str, list[lsp.Diagnostic]]:
        """The paths whose diagnostics differ from what was last published, with their new list."""
        now = self.current()
        changed = {path: found for path, found in now.items() if self._published.get(path) != found}
        changed.update({path: [] for path in self._published if path not in now})
        self._published = now
        return changed

    def at(self, path: str) -> list[lsp.Diagnostic]:
        return self.current().get(path, [])
