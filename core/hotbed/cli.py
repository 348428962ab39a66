"""The `hotbed` command: parse arguments, configure logging, make one library call."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from hotbed import __version__
from hotbed.exceptions import HotbedError

if TYPE_CHECKING:
    from hotbed.app.entity_editor import EntityFileEditor
    from hotbed.app.project import EntityProject

__all__ = ["cli", "main", "open_entity_editor", "start_entity_project"]

logger = logging.getLogger("hotbed.cli")


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotbed", description="Hot module replacement for Python API servers.")
    parser.add_argument("--version", action="version", version=f"hotbed {__version__}")
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="log everything at debug level, the libraries' loggers included (also HOTBED_LOG=debug)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    dev = commands.add_parser("dev", help="serve an app with hot module replacement")
    dev.add_argument(
        "target",
        nargs="?",
        default=None,
        help="module:app, a path to a Python file, or nothing for the entity project in the current folder",
    )
    dev.add_argument("--host", default="127.0.0.1", help="bind address (default: 127.0.0.1, loopback only)")
    dev.add_argument(
        "--port", type=int, default=None, help="bind port (default: HOTBED_PORT, else `port` in hotbed.toml, else 8000)"
    )
    dev.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug", "trace"],
        help="log level (default: info)",
    )
    dev.add_argument("--no-watch", dest="watch", action="store_false", help="do not watch the filesystem")
    dev.add_argument("--no-ui", dest="ui", action="store_false", help="do not serve the dev UI (/_hotbed/)")

    sync = commands.add_parser("sync", help="regenerate everything derived from the entity files")
    sync.add_argument("--project", default=".", help="project folder (default: current folder)")
    sync.add_argument("--force", action="store_true", help="regenerate even when checksums say nothing changed")
    sync.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 when generated files or the database are behind"
    )

    new = commands.add_parser("new", help="create an entity project ready for `hotbed dev`")
    new.add_argument("name", help="the folder to create")

    commands.add_parser("lsp", help="run the language server over stdio (editors start it)")
    commands.add_parser("schema", help="print the JSON Schema of entity files (for editors)")

    for name, help_text in (
        ("status", "is a dev server running for this folder: its pid, URL and last reload"),
        ("dump", "the running dev server's module graph (boundaries, what a save re-executes)"),
        ("routes", "the routes the running app registers: method, path, module"),
    ):
        asking = commands.add_parser(name, help=help_text)
        if name != "routes":
            asking.add_argument("--json", action="store_true", help="print JSON instead of text")

    return parser


def _configure_logging(command: str, log_level: str, verbose: bool) -> None:
    """hotbed's own loggers at `log_level`; every library's (pygls, watchfiles...) at WARNING.

    Libraries log each message they move at INFO: a dev server with an editor connected,
    or a language server whose stderr the editor keeps, would drown in them. `--verbose` or
    `HOTBED_LOG=<level>` opens every logger at that level (debug for `--verbose`).
    """
    wanted = os.environ.get("HOTBED_LOG", "").strip().upper() or ("DEBUG" if verbose else "")
    if wanted == "TRACE":
        wanted = "DEBUG"
    if wanted and wanted not in logging.getLevelNamesMapping():
        print(f"hotbed: HOTBED_LOG={wanted.lower()!r} is not a log level; using debug", file=sys.stderr)
        wanted = "DEBUG"
    prefix = "hotbed lsp " if command == "lsp" else ""
    logging.basicConfig(level=wanted or logging.WARNING, format=f"%(levelname)s {prefix}%(name)s: %(message)s")
    if not wanted:
        # The language server's stderr is the editor's log, where each line shows as an error: warnings only.
        own = "WARNING" if command == "lsp" else log_level.upper()
        logging.getLogger("hotbed").setLevel("DEBUG" if own == "TRACE" else own)


def start_entity_project(root: str, hot: bool) -> EntityProject:
    """How a worker starts an entity project: the one place where the dev server meets the framework.

    It lives here, above both layers, and imports the framework only in the worker that
    serves an entity project (the supervisor and plain apps never load it).
    """
    from hotbed.app.project import EntityProject

    return EntityProject.start(root, hot=hot)


def open_entity_editor(root: str) -> EntityFileEditor | None:
    """The dev UI's entity forms: the framework's editor, imported only for an entity project."""
    from hotbed.app.entity_editor import open_entity_editor as open_editor

    return open_editor(root)


def cli(*argv: str) -> int:
    """Run the hotbed command line with `argv` and return its exit code."""
    args = _build_parser().parse_args(argv)
    _configure_logging(args.command, getattr(args, "log_level", "info"), args.verbose)
    try:
        if args.command == "dev":
            from hotbed.dev.devserver import run_dev_server

            return run_dev_server(
                target=args.target,
                host=args.host,
                port=args.port,
                log_level=args.log_level,
                watch=args.watch,
                project_loader=start_entity_project,
                ui=args.ui,
                entity_editor=open_entity_editor,
            )
        if args.command == "sync" and args.check:
            from hotbed.app.sync_check import check_sync
            from hotbed.config import load_config

            result = check_sync(load_config(args.project))
            for problem in result.problems:
                print(problem)
            print(
                "hotbed sync --check: up to date"
                if result.ok
                else f"hotbed sync --check: {len(result.problems)} behind"
            )
            return 0 if result.ok else 1
        if args.command == "sync":
            from hotbed.app.syncer import run_sync

            return run_sync(project=args.project, force=args.force)
        if args.command == "new":
            from hotbed.app.new_project import create_project

            report = create_project(args.name)
            print(f"Created {args.name}/ ({len(report.generated) + len(report.scaffolded)} files generated).")
            print(f"Next: cd {args.name} && hotbed dev")
            return 0
        if args.command in ("status", "dump", "routes"):
            from hotbed.dev import commands

            if args.command == "routes":
                return commands.run_routes()
            run = commands.run_status if args.command == "status" else commands.run_dump
            return run(as_json=args.json)
        if args.command == "schema":
            from hotbed.app.entity_schema import render_entity_schema

            sys.stdout.write(render_entity_schema())
            return 0
        if args.command == "lsp":
            from hotbed_lsp.server import start_server

            start_server()
            return 0
    except HotbedError as exc:
        print(f"hotbed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    raise AssertionError(f"unhandled command {args.command!r}")


def main(argv: Sequence[str] | None = None) -> None:
    sys.exit(cli(*(sys.argv[1:] if argv is None else argv)))
