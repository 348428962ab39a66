"""The worker's HTTP protocol: a retiring worker answers the connections it already accepted.

Every worker accepts on the same listening socket. When a restart hands over to a new
worker, the old one may have accepted a connection a moment before it was told to stop,
while the client's request is still on its way. uvicorn's shutdown closes every
connection without a request in progress, so that client would see the server hang up.
Here such a connection gets a short grace: its request is served (and the connection
closed after the response); only a connection that stays silent through the grace is
closed. Connections that already served a request close as usual, which HTTP allows
and clients expect of an idle keep-alive connection.

The protocol is uvicorn's h11 implementation, whichever HTTP parser is installed: a
dev server's per-request cost is not where its time goes.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["FIRST_REQUEST_GRACE", "HandoverProtocol"]

FIRST_REQUEST_GRACE = 2.0  # seconds a retiring worker waits for the request of a silent new connection


class HandoverProtocol(H11Protocol):
    """uvicorn's h11 protocol, keeping a fresh connection open through shutdown until its request."""

    _fresh = True  # no byte received yet
    _retiring = False
    _grace: asyncio.TimerHandle | None = None

    def data_received(self, data: bytes) -> None:
        self._fresh = False
        super().data_received(data)
        if self._retiring and self.cycle is not None:
            self._end_grace()
            super().shutdown()  # the request runs to its response; the connection closes after it

    def connection_lost(self, exc: Exception | None) -> None:
        self._end_grace()
        super().connection_lost(exc)

    def shutdown(self) -> None:
        if not self._fresh or self._retiring:
            super().shutdown()
            return
        self._retiring = True
        self._grace = self.loop.call_later(FIRST_REQUEST_GRACE, self._give_up)

    def _give_up(self) -> None:
        self._grace = None
        super().shutdown()

    def _end_grace(self) -> None:
        if self._grace is not None:
            self._grace.cancel()
            self._grace = None
