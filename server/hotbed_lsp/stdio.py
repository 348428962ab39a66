"""Serving the editor over stdio, reading the pipe on the event loop.

pygls' `start_io` reads stdin through its thread pool: every header line and every body
is one round trip to a thread, a few per message, and on a busy machine each costs a
scheduling delay. A save travels editor -> language server -> dev server, and that hop
was the slowest of the three. Here asyncio reads the pipe directly; pygls' own framing
(`run_async`) and writer do the rest. Anything but a pipe or a socket on stdin (a file,
a terminal) goes through `start_io` as before.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
import threading

from pygls.io_ import StdoutWriter, run_async
from pygls.lsp.server import LanguageServer

__all__ = ["serve_stdio"]

logger = logging.getLogger("hotbed_lsp.stdio")


class _PipeReader:
    """pygls' reader interface over an asyncio stream; end of input reads as b""."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self._stream = stream

    async def readline(self) -> bytes:
        return await self._stream.readline()

    async def readexactly(self, n: int) -> bytes:
        try:
            return await self._stream.readexactly(n)
        except asyncio.IncompleteReadError:
            return b""


def _stdin_is_a_pipe() -> bool:
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


async def _serve(server: LanguageServer) -> None:
    loop = asyncio.get_running_loop()
    stream = asyncio.StreamReader(limit=2**20)
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stream), sys.stdin.buffer)
    server.protocol.set_writer(StdoutWriter(sys.stdout.buffer))
    await run_async(
        stop_event=threading.Event(),  # the session ends with `exit` (SystemExit) or end of input
        reader=_PipeReader(stream),
        protocol=server.protocol,
        logger=logger,
        error_handler=server.report_server_error,
    )


def serve_stdio(server: LanguageServer) -> None:
    """Serve `server` on stdin/stdout until the editor exits or closes the pipe."""
    if not _stdin_is_a_pipe():
        server.start_io()
        return
    try:
        asyncio.run(_serve(server))
    except BrokenPipeError:
        logger.error("the editor closed the connection")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]  # stops its thread pool
