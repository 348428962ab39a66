"""The real language server (`python -m hotbed_lsp`, or `hotbed lsp`) driven by a pytest-lsp client, beside a real
`hotbed dev`.

The dev server runs without its file watcher unless a test asks for it, so a change the
editor reports can only have reached it through the language server. Every wait is for
a notification with a deadline: a status, or diagnostics that satisfy a condition.
Nothing sleeps and hopes.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from lsprotocol import types as lsp
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient, client_capabilities
from pytest_lsp.client import make_test_lsp_client

from hotbed.dev.protocol import Status, converter
from tests.helpers import devserver

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = devserver.TIMEOUT
PYTHON_M_HOTBED_LSP = (sys.executable, "-m", "hotbed_lsp")
HOTBED_LSP = (str(devserver.HOTBED), "lsp")  # the console script editors are told to run

T = TypeVar("T")


@dataclass(frozen=True)
class App:
    """An example app in a project folder, and the facts the tests edit and check."""

    root: Path
    target: str  # what `hotbed dev` is given ("" for the entity project in the folder)
    module: Path  # a module whose save is hot-reloaded
    old: str  # text in `module` to replace
    new: str
    url: str  # GET this ...
    served: Callable[[Any], str]  # ... and this is what `old`/`new` changed
    declined: Path  # a module that declines hot reload
    other: Path  # a module whose save does not re-execute `module`
    counter: tuple[str, str]  # text in `module`, and what replaces it to serve how often `module` ran at `runs_url`
    runs_url: str


# How often a module ran, kept in `hot.data` (which outlives its versions) and served.
_RUNS = """
import hotbed as _hotbed

_runs = _hotbed.hot(__name__).data
_runs["n"] = _runs.get("n", 0) + 1

"""
_HELLO_RUNS = """

@router.get("/runs")
def runs() -> dict[str, int]:
    return {"runs": _runs["n"]}
"""
_USER_MODEL = "class UserModel(BaseModel):\n    entity = User\n"
_BLOG_RUNS = """
    @api(http_method="GET")
    @classmethod
    def runs(cls) -> dict[str, int]:
        return {"runs": _runs["n"]}
"""


def hello_project(root: Path) -> App:
    """A copy of examples/hello in `root` (plain FastAPI, `hotbed dev hello/main.py` run in `root`)."""
    shutil.copytree(REPO / "examples/hello", root / "hello", ignore=shutil.ignore_patterns("__pycache__"))
    return App(
        root=root,
        target="hello/main.py",
        module=root / "hello/routes.py",
        old='f"{GREETING_PREFIX}, {name}!"',
        new='f"{GREETING_PREFIX}, dear {name}!"',
        url="/greet/ada",
        served=lambda body: str(body["message"]),
        declined=root / "hello/settings.py",
        other=root / "hello/main.py",
        counter=("router = APIRouter()\n", "router = APIRouter()\n" + _RUNS + _HELLO_RUNS),
        runs_url="/runs",
    )


@pytest.fixture
def hello_app(tmp_path: Path) -> App:
    """examples/hello (plain FastAPI, `hotbed dev hello/main.py`)."""
    return hello_project(tmp_path / "p")


@pytest.fixture
def blog_app(tmp_path: Path) -> App:
    """examples/blog (an entity project, `hotbed dev` in its folder): a model file is saved."""
    root = tmp_path / "blog"
    shutil.copytree(REPO / "examples/blog", root, ignore=shutil.ignore_patterns("__pycache__", ".hotbed"))
    application = root / "src/application"
    return App(
        root=root,
        target="",
        module=application / "user/user_model.py",
        old='f"{WELCOME}, {cls.count()} members!"',
        new='f"{WELCOME}, dear {cls.count()} members!"',
        url="/api/user/welcome",
        served=str,
        declined=application / "config.py",
        other=application / "user/user_api.py",
        counter=(_USER_MODEL, _RUNS + _USER_MODEL + _BLOG_RUNS),
        runs_url="/api/user/runs",
    )


@pytest.fixture(params=["blog_app", "hello_app"])
def app(request: pytest.FixtureRequest) -> App:
    """Both examples: the entity project and the plain FastAPI app."""
    example: App = request.getfixturevalue(request.param)
    return example


def plain(value: Any) -> Any:
    """JSON values as pygls' client hands them over (namedtuples for objects) back into dicts and lists."""
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return {key: plain(item) for key, item in value._asdict().items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def uri(path: Path | str) -> str:
    result = from_fs_path(str(path))
    assert result is not None
    return result


def count_runs(app: App) -> None:
    """Make `app.module` count its executions and serve the count at `app.runs_url` (before the dev server starts)."""
    anchor, replacement = app.counter
    source = app.module.read_text()
    assert anchor in source, f"{anchor!r} not in {app.module}"
    app.module.write_text(source.replace(anchor, replacement, 1))


class DevServer(devserver.DevServer):
    """`hotbed dev` serving an example app; each GET on a new connection (workers get replaced)."""

    def __init__(self, app: App, *, watch: bool = False) -> None:
        target = (app.target,) if app.target else ()
        super().__init__(app.root, devserver.server_environment(), target=target, watch=watch)
        self.app = app

    def get(self, path: str, **kwargs: Any) -> Any:
        return super().get(path, headers={"Connection": "close"}, **kwargs)

    def served(self) -> str:
        return self.app.served(self.get(self.app.url))

    def runs(self) -> int:
        return int(self.get(self.app.runs_url)["runs"])


@pytest.fixture
def start_dev(app: App) -> Iterator[Callable[..., DevServer]]:
    """Start `hotbed dev` for the app: without its watcher unless `watch=True`."""
    servers: list[DevServer] = []

    def start(*, watch: bool = False) -> DevServer:
        servers.append(DevServer(app, watch=watch))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


class Editor:
    """A pytest-lsp client playing the editor: opens, edits and saves files, collects what comes back."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.statuses: list[Status] = []
        self.roots: list[str] = []  # the project each status concerns, in step with `statuses`
        self._arrival: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._versions: dict[str, int] = {}
        client.feature("hotbed/status")(lambda params: self._on_status(params))
        self._watch_diagnostics()

    def _pulse(self) -> None:
        if not self._arrival.done():
            self._arrival.set_result(None)

    def _on_status(self, params: Any) -> None:
        fields = plain(params)
        self.roots.append(fields.pop("root", ""))
        self.statuses.append(converter.structure(fields, Status))
        self._pulse()

    def _watch_diagnostics(self) -> None:
        def arrived(future: Any) -> None:
            if future.cancelled() or future.exception() is not None:
                return  # the server exited
            self._watch_diagnostics()  # re-arm before anyone looks
            asyncio.get_running_loop().call_soon(self._pulse)  # after the client stored them

        future = self.client.protocol.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        future.add_done_callback(arrived)

    async def until(self, check: Callable[[], T | None], what: str, timeout: float = TIMEOUT) -> T:
        """Wait for a notification after which `check()` returns something truthy."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    arrival = self._arrival
                    if arrival.done():
                        self._arrival = arrival = asyncio.get_running_loop().create_future()
                    value = check()
                    if value:
                        return value
                    await arrival
        except TimeoutError:
            seen = [(s.state, s.message) for s in self.statuses]
            raise AssertionError(f"timed out waiting for {what}; statuses: {seen}") from None

    async def status(
        self, predicate: Callable[[Status], bool], what: str, since: int = 0, root: Path | None = None
    ) -> Status:
        """The first status from index `since` on that satisfies `predicate` (and concerns `root`, if given)."""

        def found() -> Status | None:
            pairs = zip(self.statuses[since:], self.roots[since:], strict=True)
            return next((s for s, r in pairs if predicate(s) and (root is None or r == str(root))), None)

        return await self.until(found, what)

    async def applied(self, path: Path, since: int, field: str = "reexecuted", root: Path | None = None) -> Status:
        """The first `ok` status from index `since` on whose report lists `path` under `field`
        (`reexecuted` takes a module patched in place too: either way the new code runs)."""
        fields = (field, "patched") if field == "reexecuted" else (field,)
        return await self.status(
            lambda s: (
                s.state == "ok" and s.report is not None and any(str(path) in getattr(s.report, f) for f in fields)
            ),
            f"ok with {path.name} in {field}",
            since,
            root,
        )

    def states(self, since: int = 0) -> list[str]:
        return [s.state for s in self.statuses[since:]]

    def diagnostics(self, path: Path, code: str | None = None) -> list[lsp.Diagnostic]:
        found = self.client.diagnostics.get(uri(path), [])
        return [d for d in found if code is None or d.code == code]

    async def diagnostics_until(
        self, path: Path, predicate: Callable[[Sequence[lsp.Diagnostic]], bool], what: str
    ) -> list[lsp.Diagnostic]:
        await self.until(lambda: predicate(self.diagnostics(path)), what)
        return self.diagnostics(path)

    def open(self, path: Path) -> None:
        key = uri(path)
        self._versions[key] = 1
        language = "json" if path.name.endswith(".json") else "python"
        self.client.text_document_did_open(
            lsp.DidOpenTextDocumentParams(
                lsp.TextDocumentItem(uri=key, language_id=language, version=1, text=path.read_text())
            )
        )

    def save(self, path: Path, text: str) -> None:
        """Type `text` into the open buffer and write it, as an editor does: change, write, didSave."""
        key = uri(path)
        if key not in self._versions:
            self.open(path)
        self._versions[key] += 1
        self.client.text_document_did_change(
            lsp.DidChangeTextDocumentParams(
                lsp.VersionedTextDocumentIdentifier(version=self._versions[key], uri=key),
                [lsp.TextDocumentContentChangeWholeDocument(text)],
            )
        )
        path.write_text(text)
        self.client.text_document_did_save(lsp.DidSaveTextDocumentParams(lsp.TextDocumentIdentifier(key)))

    def edit(self, path: Path, old: str, new: str) -> None:
        source = path.read_text()
        assert old in source, f"{old!r} not in {path}"
        self.save(path, source.replace(old, new, 1))

    async def code_actions(self, path: Path, diagnostic: lsp.Diagnostic) -> list[Any]:
        actions = await self.client.text_document_code_action_async(
            lsp.CodeActionParams(
                lsp.TextDocumentIdentifier(uri(path)), diagnostic.range, lsp.CodeActionContext([diagnostic])
            )
        )
        return list(actions or [])

    async def command(self, name: str) -> Any:
        return plain(await self.client.workspace_execute_command_async(lsp.ExecuteCommandParams(command=name)))


@pytest.fixture
async def start_editor() -> AsyncIterator[Callable[..., Any]]:
    """Start the language server for a project folder (`command`: how the editor runs it) and initialize it."""
    clients: list[LanguageClient] = []

    async def start(root: Path, command: Sequence[str] = PYTHON_M_HOTBED_LSP) -> Editor:
        client = make_test_lsp_client()
        await client.start_io(command[0], *command[1:], cwd=str(root))
        clients.append(client)
        editor = Editor(client)
        capabilities = client_capabilities("visual_studio_code")
        await client.initialize_session(
            lsp.InitializeParams(
                capabilities=capabilities,
                root_uri=uri(root),
                workspace_folders=[lsp.WorkspaceFolder(uri(root), root.name)],
            )
        )
        return editor

    yield start
    for client in clients:
        server = client._server
        if client.capabilities is not None and server is not None and server.returncode is None:
            await asyncio.wait_for(client.shutdown_session(), TIMEOUT)
        elif server is not None and server.returncode is None:
            server.kill()  # never initialized: it would wait for messages forever
        await asyncio.wait_for(client.stop(), TIMEOUT)
