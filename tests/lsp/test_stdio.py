"""`python -m hotbed_lsp` with stdin as editors connect it (a pipe), and from a file."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import IO, Any

TIMEOUT = 60

SESSION: list[dict[str, Any]] = [
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {"processId": None, "rootUri": None, "capabilities": {}},
    },
    {"jsonrpc": "2.0", "method": "initialized", "params": {}},
    {"jsonrpc": "2.0", "id": 2, "method": "shutdown", "params": None},
    {"jsonrpc": "2.0", "method": "exit", "params": None},
]


def _framed(messages: list[dict[str, Any]]) -> bytes:
    out = b""
    for message in messages:
        body = json.dumps(message).encode()
        out += b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    return out


def _read_message(stream: IO[bytes]) -> dict[str, Any]:
    length = 0
    while line := stream.readline().strip():
        if line.startswith(b"Content-Length: "):
            length = int(line.split(b": ")[1])
    message: dict[str, Any] = json.loads(stream.read(length))
    return message


def _answer(stream: IO[bytes], request_id: int) -> dict[str, Any]:
    while True:  # notifications (hotbed/status, log messages) may come first
        message = _read_message(stream)
        if message.get("id") == request_id and "method" not in message:
            return message


def test_a_session_over_a_pipe_as_editors_connect(tmp_path: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "hotbed_lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=tmp_path
    ) as server:
        assert server.stdin is not None and server.stdout is not None
        initialize, initialized, shutdown, exit_ = SESSION
        server.stdin.write(_framed([initialize]))
        server.stdin.flush()
        answer = _answer(server.stdout, 1)
        assert answer["result"]["serverInfo"]["name"] == "hotbed"
        assert "textDocumentSync" in answer["result"]["capabilities"]
        server.stdin.write(_framed([initialized, shutdown]))
        server.stdin.flush()
        assert _answer(server.stdout, 2)["result"] is None
        server.stdin.write(_framed([exit_]))
        server.stdin.flush()
        assert server.wait(TIMEOUT) == 0


def test_stdin_from_a_file_is_read_too(tmp_path: Path) -> None:
    (tmp_path / "session").write_bytes(_framed(SESSION[:1]))
    with open(tmp_path / "session", "rb") as file:
        done = subprocess.run(
            [sys.executable, "-m", "hotbed_lsp"], stdin=file, capture_output=True, cwd=tmp_path, timeout=TIMEOUT
        )
    assert done.returncode == 0, done.stderr.decode()
    assert _answer(io.BytesIO(done.stdout), 1)["result"]["serverInfo"]["name"] == "hotbed"
