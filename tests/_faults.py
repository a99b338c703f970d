"""A raw HTTP/1.1 server on loopback that misbehaves on purpose, and clients for it.

:class:`FaultServer` speaks just enough HTTP to read requests; what it sends
back is scripted byte by byte (:data:`Behaviour`), so a test can reset a
connection before the status line, cut a body short, stall, or close an idle
keep-alive connection at the worst moment. It records every request it read.

:func:`make_client` builds a client for it with a :class:`~tests._clock.FakeClock`
so back-off costs no real time and every requested delay
is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import json
import socket
import struct
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import lambda_es
from lambda_es._clock import installed

from ._clock import PinnedClock

#: The signing credentials of every client built here; the session token makes
#: sure that the logging tests can look for it.
CREDENTIALS = lambda_es.Credentials(
    "AKIDFAULTEXAMPLE00001",
    "fault/Secret+Key/EXAMPLE0000000000000000",
    session_token="FaultSessionToken//EXAMPLE+token=",
)
KINESIS_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
ROLE_ARN = "arn:aws:iam::123456789012:role/r"
#: What the transport's injected ``now`` returns unless a test says otherwise.
NOW = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
#: A body that decodes as an EventSourceConfiguration.
OK_BODY = json.dumps({"UUID": "uuid-1", "Status": "OK", "FunctionName": "f"}).encode()


@dataclass
class SeenRequest:
    """One request the server read off the wire.

    Attributes:
        number: its position among every request the server read (from 0).
        connection: the connection it came on (from 0, in order of accept).
        on_connection: its position among that connection's requests (from 0).
        method: the HTTP method.
        target: the request target (path and query).
        headers: the headers, names lower-cased.
        body: the body.
    """

    number: int
    connection: int
    on_connection: int
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


class Wire:
    """The server's end of one connection, as a behaviour sees it."""

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, forever: asyncio.Event
    ) -> None:
        self._reader = reader
        self._writer = writer
        self._forever = forever

    async def send(self, data: bytes) -> None:
        """Write bytes and flush them to the socket.

        Args:
            data: what to send.
        """
        self._writer.write(data)
        await self._writer.drain()

    def reset(self) -> None:
        """Abort the connection with a TCP RST (SO_LINGER 0), not a FIN."""
        sock = self._writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self._writer.transport.abort()

    def close(self) -> None:
        """Close the connection cleanly (a FIN)."""
        self._writer.close()

    async def stall(self) -> None:
        """Send nothing more until the client hangs up or the server shuts down."""
        # Reading to EOF is how a stalled server notices the client went away.
        hang_up = asyncio.ensure_future(self._reader.read())
        shut_down = asyncio.ensure_future(self._forever.wait())
        try:
            await asyncio.wait({hang_up, shut_down}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            hang_up.cancel()
            shut_down.cancel()
            await asyncio.gather(hang_up, shut_down, return_exceptions=True)


#: What the server does with one request: it may write anything, and returns
#: whether to keep reading requests on the same connection.
Behaviour = Callable[[SeenRequest, Wire], Awaitable[bool]]


def http_response(
    status: int,
    body: bytes = b"",
    headers: Sequence[tuple[str, str]] = (),
    *,
    content_length: int | None = None,
) -> bytes:
    """Serialise a response head and body.

    Args:
        status: the status code.
        body: the body bytes.
        headers: extra headers.
        content_length: the Content-Length to announce (default: the body's length).

    Returns:
        The bytes to write.
    """
    length = len(body) if content_length is None else content_length
    lines = [f"HTTP/1.1 {status} Status{status}", f"Content-Length: {length}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def respond(
    status: int,
    body: bytes = b"",
    headers: Sequence[tuple[str, str]] = (),
) -> Behaviour:
    """Answer with a complete response and keep the connection open.

    Args:
        status: the status code.
        body: the body.
        headers: extra headers (a request id is always added).

    Returns:
        The behaviour.
    """

    async def behaviour(request: SeenRequest, wire: Wire) -> bool:
        extra = [("x-amzn-RequestId", f"req-{request.number}"), *headers]
        if body:
            extra.append(("Content-Type", "application/json"))
        await wire.send(http_response(status, body, extra))
        return True

    return behaviour


def ok(body: bytes = OK_BODY) -> Behaviour:
    """A 200 with an EventSourceConfiguration (or the given body).

    Args:
        body: the body.

    Returns:
        The behaviour.
    """
    return respond(200, body)


def aws_error(
    status: int,
    code: str | None,
    message: str = "scripted failure",
    headers: Sequence[tuple[str, str]] = (),
) -> Behaviour:
    """An error as Lambda sends it: ``x-amzn-ErrorType`` and a JSON body.

    Args:
        status: the status code.
        code: the AWS error code, or ``None`` for none.
        message: the message.
        headers: extra headers (``Retry-After``...).

    Returns:
        The behaviour.
    """
    payload: dict[str, Any] = {"message": message}
    extra = list(headers)
    if code is not None:
        payload["Type"] = "Service" if status >= 500 else "User"
        extra.append(("x-amzn-ErrorType", f"{code}:http://internal.amazon.com/coral/"))
    return respond(status, json.dumps(payload).encode(), extra)


async def reset_before_status(request: SeenRequest, wire: Wire) -> bool:
    """Read the request, then reset the connection without a byte of response."""
    wire.reset()
    return False


async def reset_mid_body(request: SeenRequest, wire: Wire) -> bool:
    """Send the head and part of a 200 body, then reset the connection."""
    await wire.send(http_response(200, OK_BODY[:10], content_length=len(OK_BODY)))
    wire.reset()
    return False


async def short_body(request: SeenRequest, wire: Wire) -> bool:
    """Announce a longer Content-Length than the body sent, then close cleanly."""
    await wire.send(http_response(200, OK_BODY[:10], content_length=len(OK_BODY) + 50))
    wire.close()
    return False


async def stall_headers(request: SeenRequest, wire: Wire) -> bool:
    """Read the request and never answer."""
    await wire.stall()
    return False


async def stall_body(request: SeenRequest, wire: Wire) -> bool:
    """Send the head and the first bytes of the body, then nothing more."""
    await wire.send(http_response(200, OK_BODY[:10], content_length=len(OK_BODY)))
    await wire.stall()
    return False


def oversized(size: int, *, chunked: bool = False) -> Behaviour:
    """A 200 whose body is ``size`` bytes, announced or streamed in chunks.

    Args:
        size: the body's length.
        chunked: send it with ``Transfer-Encoding: chunked`` and no length.

    Returns:
        The behaviour.
    """

    async def behaviour(request: SeenRequest, wire: Wire) -> bool:
        if not chunked:
            await wire.send(http_response(200, b"x" * size))
            return True
        await wire.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        piece = b"x" * 1024
        for _ in range(size // len(piece)):
            await wire.send(b"%x\r\n%s\r\n" % (len(piece), piece))
        await wire.send(b"0\r\n\r\n")
        return True

    return behaviour


def close_when_reused(first: Behaviour) -> Behaviour:
    """Answer a connection's first request; close on its next one, unanswered.

    That is the race a keep-alive client loses when the server times out an
    idle connection just as a request is sent on it, made deterministic.

    Args:
        first: what to do with the first request of each connection.

    Returns:
        The behaviour.
    """

    async def behaviour(request: SeenRequest, wire: Wire) -> bool:
        if request.on_connection > 0:
            wire.close()
            return False
        return await first(request, wire)

    return behaviour


def close_after(first: Behaviour) -> Behaviour:
    """Answer (advertising keep-alive), then close the connection at once.

    Args:
        first: the answer.

    Returns:
        The behaviour.
    """

    async def behaviour(request: SeenRequest, wire: Wire) -> bool:
        await first(request, wire)
        wire.close()
        return False

    return behaviour


@dataclass
class _Stats:
    opened: int = 0
    open: int = 0
    requests: list[SeenRequest] = field(default_factory=list)


class FaultServer:
    """A scripted HTTP server on 127.0.0.1.

    The n-th request (from 0) gets ``behaviours[n]``; the last behaviour
    repeats for every later request. A callable script instead receives each
    request and returns its behaviour.

    Args:
        behaviours: the script.
        script: a function choosing the behaviour per request (overrides ``behaviours``).
    """

    def __init__(
        self,
        *behaviours: Behaviour,
        script: Callable[[SeenRequest], Behaviour] | None = None,
    ) -> None:
        if not behaviours and script is None:
            raise ValueError("give at least one behaviour or a script")
        self._behaviours = behaviours
        self._script = script
        self._stats = _Stats()
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self._changed: asyncio.Condition | None = None
        self._forever: asyncio.Event | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """The endpoint URL for a client."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> list[SeenRequest]:
        """Every request read so far, in order."""
        return self._stats.requests

    @property
    def connections_opened(self) -> int:
        """How many connections were accepted."""
        return self._stats.opened

    @property
    def connections_open(self) -> int:
        """How many connections are open now."""
        return self._stats.open

    async def __aenter__(self) -> FaultServer:
        self._changed = asyncio.Condition()
        self._forever = asyncio.Event()
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=2048)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        assert self._forever is not None
        self._server.close()
        # Handlers are ended by their sockets, not cancelled: Python 3.11's
        # streams log an error for a cancelled connection handler.
        self._forever.set()
        for writer in list(self._writers):
            writer.transport.abort()
        await asyncio.gather(*self._tasks)
        await self._server.wait_closed()

    async def wait_until(self, condition: Callable[[FaultServer], bool]) -> None:
        """Wait until ``condition(self)`` holds; re-checked at every change.

        Args:
            condition: what to wait for.
        """
        assert self._changed is not None
        async with self._changed:
            await self._changed.wait_for(lambda: condition(self))

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    def _behaviour_for(self, request: SeenRequest) -> Behaviour:
        if self._script is not None:
            return self._script(request)
        return self._behaviours[min(request.number, len(self._behaviours) - 1)]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        assert self._forever is not None
        self._tasks.add(task)
        self._writers.add(writer)
        connection = self._stats.opened
        self._stats.opened += 1
        self._stats.open += 1
        wire = Wire(reader, writer, self._forever)
        try:
            for on_connection in itertools.count():
                request = await _read_request(reader, connection, on_connection, self._stats)
                if request is None:
                    break
                await self._notify()
                if not await self._behaviour_for(request)(request, wire):
                    break
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
            self._stats.open -= 1
            self._writers.discard(writer)
            self._tasks.discard(task)
            await self._notify()


async def _read_request(
    reader: asyncio.StreamReader, connection: int, on_connection: int, stats: _Stats
) -> SeenRequest | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, _ = request_line.split(" ", 2)
    headers: dict[str, str] = {}
    for line in header_lines:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    request = SeenRequest(
        number=len(stats.requests),
        connection=connection,
        on_connection=on_connection,
        method=method,
        target=target,
        headers=headers,
        body=body,
    )
    stats.requests.append(request)
    return request


def make_client(
    url: str,
    *,
    clock: PinnedClock | None = None,
    rand: float = 0.5,
    **kwargs: Any,
) -> lambda_es.AsyncClient:
    """An AsyncClient for ``url`` on a clock with a fixed jitter and a fixed ``now``.

    Args:
        url: the endpoint URL.
        clock: the clock to give it (its jitter and wall time are pinned to
            ``rand`` and :data:`NOW` unless already set); none: real time passes.
        rand: what the jitter source returns, so back-off delays are exact.
        kwargs: more AsyncClient keywords (``retry``, ``timeout``...).

    Returns:
        The client (use it with ``async with``).
    """
    if clock is None:
        clock = PinnedClock()
    if clock.jitter is None:
        clock.jitter = rand
    if clock.wall is None:
        clock.wall = NOW
    with installed(clock):
        return lambda_es.AsyncClient(
            region="us-east-1", endpoint_url=url, credentials=CREDENTIALS, **kwargs
        )


async def add(client: lambda_es.AsyncClient) -> lambda_es.EventSourceConfiguration:
    """Make the one call every scenario uses: a valid AddEventSource.

    Args:
        client: the client.

    Returns:
        The decoded configuration.
    """
    return await client.add_event_source(event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN)
