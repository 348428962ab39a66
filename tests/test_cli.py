from __future__ import annotations

import json
import os
import subprocess
import sys

import hotbed


def test_version() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "from hotbed.cli import main; main(['--version'])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == f"hotbed {hotbed.__version__}"


def test_unknown_command_exits_with_usage() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "from hotbed.cli import main; main(['frobnicate'])"], capture_output=True, text=True
    )
    assert out.returncode == 2
    assert "invalid choice" in out.stderr


def _lsp_session(env: dict[str, str]) -> str:
    """Initialize `hotbed lsp` over real stdio, shut it down, and return what it wrote to stderr."""

    def frame(message: dict[str, object]) -> bytes:
        body = json.dumps(message).encode()
        return f"Content-Length: {len(body)}\r\n\r\n".encode() + body

    initialize = {"processId": None, "rootUri": None, "capabilities": {}}
    process = subprocess.Popen(
        [sys.executable, "-c", "from hotbed.cli import main; main(['lsp'])"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, **env},
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    try:
        process.stdin.write(frame({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": initialize}))
        process.stdin.write(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))
        process.stdin.write(frame({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}))
        process.stdin.flush()
        seen = b""
        while b'"id": 2' not in seen:  # the answer to shutdown
            chunk = process.stdout.read1(65536)
            assert chunk, f"hotbed lsp closed its output: {seen!r}"
            seen += chunk
        process.stdin.write(frame({"jsonrpc": "2.0", "method": "exit"}))
        process.stdin.close()
        process.wait(timeout=30)
        return process.stderr.read().decode()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_hotbed_lsp_keeps_the_editors_log_quiet() -> None:
    stderr = _lsp_session({"HOTBED_LOG": ""})
    assert stderr == "", stderr


def test_hotbed_log_opens_every_logger() -> None:
    stderr = _lsp_session({"HOTBED_LOG": "debug"})
    assert "DEBUG hotbed lsp pygls" in stderr
