"""The control channel in-process: a fake handler behind the real server, the real client."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import stat
import sys
import tempfile
import textwrap
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path

import pytest

from hotbed.dev.control_client import ControlClient, ControlError, NotConnected
from hotbed.dev.control_server import ControlServer, control_socket_path
from hotbed.dev.protocol import ChangeParams, DumpNode, Report, Status
from hotbed.exceptions import ConfigError
from hotbed.reload.types import Change

NOBODY = 65534


class FakeHandler:
    def __init__(self) -> None:
        self.batches: list[list[Change]] = []
        self.restarts = 0
        self.current = Status("idle", "starting")

    async def sync(self, changes: Sequence[Change]) -> Report:
        self.batches.append(list(changes))
        if any(c.path.endswith("boom.py") for c in changes):
            raise RuntimeError("boom")
        return Report(ok=True, root="/p", changed=[c.path for c in changes], duration_ms=1.5, pid=42)

    async def dump(self) -> list[DumpNode]:
        return [DumpNode("a.py", "/p/a.py", True, True, 2, dependents=["b.py"], apis=["GET /api/a/list"])]

    async def restart(self) -> None:
        self.restarts += 1

    def status(self) -> Status:
        return self.current


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[ControlServer, FakeHandler]]:
    handler = FakeHandler()
    server = ControlServer(tmp_path, handler)
    await server.start()
    yield server, handler
    await server.close()


@pytest.fixture
async def client(tmp_path: Path, served: tuple[ControlServer, FakeHandler]) -> AsyncIterator[ControlClient]:
    client = ControlClient(tmp_path)
    await client.connect()
    yield client
    await client.close()


async def test_socket_and_folder_are_private(tmp_path: Path, served: tuple[ControlServer, FakeHandler]) -> None:
    path = control_socket_path(tmp_path)
    assert stat.S_ISSOCK(path.stat().st_mode)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


async def test_typed_calls(tmp_path: Path, client: ControlClient, served: tuple[ControlServer, FakeHandler]) -> None:
    _, handler = served
    a, b = str(tmp_path / "a.py"), str(tmp_path / "b.py")
    report = await client.sync([ChangeParams(a), ChangeParams(b, "add")])
    assert report == Report(ok=True, root="/p", changed=[a, b], duration_ms=1.5, pid=42)
    assert handler.batches == [[Change(a), Change(b, "add")]]
    assert await client.dump() == await handler.dump()
    await client.restart()
    assert handler.restarts == 1
    assert await client.status() == Status("idle", "starting")


async def test_handler_failure_is_an_error_reply(tmp_path: Path, client: ControlClient) -> None:
    with pytest.raises(ControlError, match="boom"):
        await client.sync([ChangeParams(str(tmp_path / "boom.py"))])
    assert (await client.status()).state == "idle"  # the connection survives


async def test_wire_is_camel_case_json_rpc(tmp_path: Path, served: tuple[ControlServer, FakeHandler]) -> None:
    reader, writer = await asyncio.open_unix_connection(str(control_socket_path(tmp_path)))
    x = str(tmp_path / "x.py")
    body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "sync", "params": {"changes": [{"path": x}]}})
    writer.write(f"Content-Length: {len(body)}\r\n\r\n{body}".encode())
    headers = await reader.readuntil(b"\r\n\r\n")
    length = int(headers.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    reply = json.loads(await reader.readexactly(length))
    writer.close()
    await writer.wait_closed()
    assert reply["id"] == 7
    assert reply["result"]["durationMs"] == 1.5
    assert reply["result"]["changed"] == [x]


@pytest.mark.parametrize("kind", ["outside", "symlink", "fifo", "device", "folder", "huge"])
async def test_sync_refuses_what_is_not_a_project_file_and_opens_nothing(
    tmp_path: Path, kind: str, client: ControlClient, served: tuple[ControlServer, FakeHandler]
) -> None:
    _, handler = served
    target = tmp_path / "named"
    if kind == "outside":
        target = Path("/etc/passwd")
    elif kind == "symlink":
        target.symlink_to("/etc/passwd")
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "device":
        target.symlink_to("/dev/zero")
    elif kind == "folder":
        target.mkdir()
    else:
        with target.open("wb") as big:
            big.truncate(64 * 1024 * 1024)
    reason = {"outside": "outside", "symlink": "outside", "device": "outside"}.get(kind, "regular|larger")
    with pytest.raises(ControlError, match=rf"{target}: .*({reason})"):
        await client.sync([ChangeParams(str(target))])
    assert handler.batches == []
    assert (await client.status()).state == "idle"  # the connection survives


async def _exchange(root: Path, raw: bytes) -> tuple[dict[str, object], bool]:
    """Send `raw` as it is; the reply, and whether the server closed the connection after it."""
    reader, writer = await asyncio.open_unix_connection(str(control_socket_path(root)))
    writer.write(raw)
    headers = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    length = int(headers.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    reply = json.loads(await reader.readexactly(length))
    closed = await asyncio.wait_for(reader.read(1), 10) == b"" if b"99999999999" in raw else False
    writer.close()
    return reply, closed


def _framed(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


@pytest.mark.parametrize(
    ("raw", "code", "text", "closes"),
    [
        (
            _framed(b'{"jsonrpc": "2.0", "id": 3, "method": "sync", "params": {"changes": "x"}}'),
            -32602,
            "changes",
            False,
        ),
        (_framed(b'{"jsonrpc": "2.0", "id": 4, "method": "sync", "params": {"changes": [{}]}}'), -32602, "path", False),
        (_framed(b"{not json"), -32700, "parse error", False),
        (b"Content-Length: 99999999999\r\n\r\n", -32600, "over the limit", True),
    ],
)
async def test_every_request_gets_an_answer(
    tmp_path: Path, served: tuple[ControlServer, FakeHandler], raw: bytes, code: int, text: str, closes: bool
) -> None:
    reply, closed = await _exchange(tmp_path, raw)
    error = reply["error"]
    assert isinstance(error, dict)
    assert error["code"] == code
    assert text in error["message"]
    assert closed == closes


async def test_broadcast_reaches_every_client(tmp_path: Path, served: tuple[ControlServer, FakeHandler]) -> None:
    server, _ = served
    seen: list[list[Status]] = [[], []]
    arrived = asyncio.Event()

    def on_status(index: int) -> object:
        def record(status: Status) -> None:
            seen[index].append(status)
            if all(any(s.state == "syncing" for s in statuses) for statuses in seen):
                arrived.set()

        return record

    clients = [ControlClient(tmp_path, on_status=on_status(i)) for i in range(2)]  # type: ignore[arg-type]
    for c in clients:
        c.start()
        await c.wait_connected(10)
    await asyncio.wait_for(_until(lambda: server.clients == 2 and all(seen)), 10)
    server.broadcast(Status("syncing", "1 change"))
    await asyncio.wait_for(arrived.wait(), 10)
    for c in clients:
        await c.close()
    assert [s.state for s in seen[0]] == ["idle", "syncing"]


async def test_client_reconnects_when_a_server_starts(tmp_path: Path) -> None:
    states: list[str] = []
    disconnects: list[None] = []
    client = ControlClient(
        tmp_path, on_status=lambda s: states.append(s.state), on_disconnect=lambda: disconnects.append(None)
    )
    client.start()
    with pytest.raises(NotConnected):
        await client.status()
    for _ in range(2):
        server = ControlServer(tmp_path, FakeHandler())
        await server.start()
        await client.wait_connected(10)
        await asyncio.wait_for(_until(lambda: len(states) == len(disconnects) + 1), 10)
        await server.close()
        await asyncio.wait_for(_until(lambda: len(disconnects) == len(states)), 10)
    await client.close()
    assert states == ["idle", "idle"]


async def test_stale_socket_is_replaced_and_a_live_one_is_not(tmp_path: Path) -> None:
    path = control_socket_path(tmp_path)
    path.parent.mkdir(mode=0o700)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()  # a server that died without cleaning up
    server = ControlServer(tmp_path, FakeHandler())
    await server.start()
    second = ControlServer(tmp_path, FakeHandler())
    with pytest.raises(ConfigError, match="already running"):
        await second.start()
    await server.close()
    assert not path.exists()


async def _until(condition: object) -> None:
    while not condition():  # type: ignore[operator]
        await asyncio.sleep(0.005)


_OTHER_UID_CLIENT = textwrap.dedent(
    """
    import json, os, socket, sys
    # Started as root (the interpreter may live where the other user cannot read), then
    # dropped to the other uid before touching the socket.
    os.setgroups([])
    os.setgid(int(sys.argv[2]))
    os.setuid(int(sys.argv[2]))
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(sys.argv[1])
    except OSError as exc:
        print(json.dumps({"connect": type(exc).__name__}))
        sys.exit(0)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "status", "params": {}})
    try:
        sock.sendall(f"Content-Length: {len(body)}\\r\\n\\r\\n{body}".encode())
        reply = sock.recv(65536)
    except OSError as exc:
        reply = type(exc).__name__.encode()
    print(json.dumps({"connect": "ok", "reply": reply.decode()}))
    """
)


async def _run_as_nobody(path: Path) -> dict[str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-I", "-S", "-c", _OTHER_UID_CLIENT, str(path), str(NOBODY), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 0
    result: dict[str, str] = json.loads(out)
    return result


@pytest.fixture
def shared_root() -> Iterator[Path]:
    """A project folder every user can traverse (pytest's tmp_path is private to root)."""
    root = Path(tempfile.mkdtemp(prefix="hotbed-uid-"))
    root.chmod(0o755)
    yield root
    shutil.rmtree(root)


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to run a client as a second uid (nobody)")
async def test_another_uid_cannot_use_the_socket(shared_root: Path) -> None:
    server = ControlServer(shared_root, FakeHandler())
    await server.start()
    try:
        path = control_socket_path(shared_root)
        # As set up: the 0700 folder keeps the other user from reaching the socket at all.
        assert await _run_as_nobody(path) == {"connect": "PermissionError"}
        # Even with the permissions opened up by mistake, the peer-uid check closes the connection unanswered.
        path.parent.chmod(0o711)
        path.chmod(0o666)
        refused = await _run_as_nobody(path)
        assert refused["connect"] == "ok"
        assert refused["reply"] in {"", "BrokenPipeError", "ConnectionResetError"}  # closed, never answered
        assert server.clients == 0
    finally:
        await server.close()
