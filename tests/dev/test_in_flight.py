"""The requests in flight around a batch: which ones a batch waits for, and for how long.

Real uvicorn with the worker's protocol on a loopback port, real HTTP from httpx.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from hotbed.dev.handover import HandoverProtocol
from hotbed.dev.in_flight import answered, unanswered

WAIT = 10.0  # seconds anything here may take before the test fails


class Gates:
    """One `asyncio.Event` per name; an endpoint waits on its gate."""

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = {}

    def __getitem__(self, name: str) -> asyncio.Event:
        return self._events.setdefault(name, asyncio.Event())


def gated_app(gates: Gates) -> Starlette:
    async def held(request: Request) -> Response:
        await gates[request.path_params["name"]].wait()
        return PlainTextResponse(request.path_params["name"])

    async def stream(request: Request) -> Response:
        async def chunks() -> AsyncIterator[bytes]:
            yield b"first\n"
            await gates["stream"].wait()
            yield b"last\n"

        return StreamingResponse(chunks(), media_type="text/plain")

    return Starlette(routes=[Route("/held/{name}", held), Route("/stream", stream)])


@pytest.fixture
async def served() -> AsyncIterator[tuple[uvicorn.Server, httpx.AsyncClient, Gates]]:
    gates = Gates()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(gated_app(gates), http=HandoverProtocol, lifespan="off", log_level="warning")
    )
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=WAIT) as client:
        await _until(lambda: server.started, "the server to start")
        yield server, client, gates
        for name in ("a", "b", "never", "stream"):
            gates[name].set()
        server.should_exit = True
        await asyncio.wait_for(serving, WAIT)
    sock.close()


async def _until(condition: Callable[[], bool], what: str) -> None:
    async def wait() -> None:
        while not condition():
            await asyncio.sleep(0.001)

    try:
        await asyncio.wait_for(wait(), WAIT)
    except TimeoutError:
        pytest.fail(f"waited {WAIT:g} s for {what}")


async def _in_flight(
    server: uvicorn.Server, count: int, request: Awaitable[httpx.Response]
) -> asyncio.Task[httpx.Response]:
    task: asyncio.Task[httpx.Response] = asyncio.ensure_future(request)
    await _until(lambda: len(unanswered(server.server_state.connections)) == count, f"{count} requests in flight")
    return task


async def test_a_request_in_flight_is_waited_for_until_it_is_answered(
    served: tuple[uvicorn.Server, httpx.AsyncClient, Gates],
) -> None:
    server, client, gates = served
    request = await _in_flight(server, 1, client.get("/held/a"))
    waiting = asyncio.create_task(answered(server.server_state, timeout=WAIT))
    await asyncio.sleep(0.05)
    assert not waiting.done()  # the request has not answered: the batch would not start
    gates["a"].set()
    await asyncio.wait_for(waiting, WAIT)
    assert unanswered(server.server_state.connections) == []
    response = await request
    assert response.text == "a"


async def test_requests_that_arrive_during_the_wait_are_not_waited_for(
    served: tuple[uvicorn.Server, httpx.AsyncClient, Gates],
) -> None:
    server, client, gates = served
    first = await _in_flight(server, 1, client.get("/held/a"))
    waiting = asyncio.create_task(answered(server.server_state, timeout=WAIT))
    later = await _in_flight(server, 2, client.get("/held/b"))
    gates["a"].set()
    await asyncio.wait_for(waiting, WAIT)  # `b` is still in flight: under load, a batch still starts
    assert not later.done()
    assert (await first).text == "a"
    gates["b"].set()
    assert (await later).text == "b"


async def test_a_request_that_does_not_answer_holds_the_batch_only_until_the_timeout(
    served: tuple[uvicorn.Server, httpx.AsyncClient, Gates],
) -> None:
    server, client, _ = served
    request = await _in_flight(server, 1, client.get("/held/never"))
    await asyncio.wait_for(answered(server.server_state, timeout=0.05), WAIT)
    assert not request.done()
    assert len(unanswered(server.server_state.connections)) == 1


async def test_a_streamed_response_holds_nothing(served: tuple[uvicorn.Server, httpx.AsyncClient, Gates]) -> None:
    server, client, gates = served
    async with client.stream("GET", "/stream") as response:
        lines = response.aiter_lines()
        assert await anext(lines) == "first"  # the response has begun: it is not waited for
        assert unanswered(server.server_state.connections) == []
        await asyncio.wait_for(answered(server.server_state, timeout=WAIT), WAIT)
        gates["stream"].set()
        assert await anext(lines) == "last"


async def test_with_nothing_in_flight_it_returns_after_the_loop_turns(
    served: tuple[uvicorn.Server, httpx.AsyncClient, Gates],
) -> None:
    server, client, gates = served
    gates["a"].set()
    assert (await client.get("/held/a")).text == "a"  # a kept-alive connection, its cycle complete
    await asyncio.wait_for(answered(server.server_state, turns=2, timeout=WAIT), WAIT)
