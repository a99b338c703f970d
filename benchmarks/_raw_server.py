"""The throughput server: raw asyncio HTTP/1.1 on uvloop, in a process of its own.

Run by ``run.py`` as ``python benchmarks/_raw_server.py``; not meant to be run
by hand. Its job is to cost as little as possible per request, so that the
benchmark measures the clients and not the server: it parses the request
line, the headers and a ``Content-Length`` body, checks only that an
``Authorization`` header is present, and answers each route with a response
built once at start-up (valid JSON of the shape Lambda returns):

- ``POST /2014-11-13/event-source-mappings/``: AddEventSource (legacy), 200;
- ``POST /2015-03-31/event-source-mappings/``: CreateEventSourceMapping, 202;
- ``GET /2015-03-31/event-source-mappings/<uuid>``: GetEventSourceMapping, 200;
- anything else: 404 ``ResourceNotFoundException``; no ``Authorization``: 403.

Connections are kept alive (HTTP/1.1 by default, HTTP/1.0 on request) and
requests on one connection may be pipelined. A chunked body is refused with
411 and the connection closed: no client benchmarked here sends one.

It prints ``READY <port> <loop>`` once listening (``<loop>`` is ``uvloop``, or
``asyncio`` when uvloop is not installed), then obeys one command per line
on standard input:

``reset``
    answer ``ok`` (there is no state; the command exists so that both
    servers obey the same commands);
``cpu``
    answer the CPU seconds (user + system) this process has used so far,
    from :func:`resource.getrusage`, so that the parent can report the
    server's share of a core during each measurement.

End of input (the parent closed the pipe, or died) stops the server.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import resource
import sys
import threading
from typing import Any, cast

__all__ = ["HttpProtocol", "main", "respond"]

MAPPING_UUID = "3f6c1b1e-6a4b-4c55-9d3e-0b1e2f3a4b5c"
_ADD = {
    "UUID": MAPPING_UUID,
    "EventSource": "arn:aws:kinesis:us-east-1:123456789012:stream/bench-stream",
    "FunctionName": "bench",
    "Role": "arn:aws:iam::123456789012:role/bench-invoke",
    "BatchSize": 100,
    "Parameters": {"InitialPositionInStream": "TRIM_HORIZON"},
    "LastModified": 1795660364.0,
    "IsActive": True,
    "Status": "PENDING",
}
_MAPPING = {
    "UUID": MAPPING_UUID,
    "BatchSize": 10,
    "MaximumBatchingWindowInSeconds": 0,
    "FunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:bench",
    "LastProcessingResult": "No records processed",
    "EventSourceMappingArn": (
        f"arn:aws:lambda:us-east-1:123456789012:event-source-mapping:{MAPPING_UUID}"
    ),
    "EventSourceArn": "arn:aws:sqs:us-east-1:123456789012:bench-queue",
    "StateTransitionReason": "USER_INITIATED",
    "LastModified": 1795660364.0,
}
_REASONS = {
    200: b"OK",
    202: b"Accepted",
    403: b"Forbidden",
    404: b"Not Found",
    411: b"Length Required",
}
# The most a request head may take; anything longer is a client bug here.
MAX_HEAD = 64 * 1024


def respond(
    status: int, payload: object, *, error_type: str | None = None, close: bool = False
) -> bytes:
    """One complete HTTP/1.1 response, head and JSON body.

    Args:
        status: the status code (one of those in ``_REASONS``).
        payload: what the body encodes as JSON.
        error_type: the ``x-amzn-ErrorType`` header, for an error.
        close: add ``Connection: close``.

    Returns:
        The bytes to write.
    """
    body = json.dumps(payload).encode()
    head = [
        b"HTTP/1.1 %d %s" % (status, _REASONS[status]),
        b"Content-Type: application/json",
        b"Content-Length: %d" % len(body),
        b"x-amzn-RequestId: 00000000-0000-4000-8000-000000000000",
    ]
    if error_type is not None:
        head.append(b"x-amzn-ErrorType: " + error_type.encode())
    if close:
        head.append(b"Connection: close")
    return b"\r\n".join(head) + b"\r\n\r\n" + body


ADD_RESPONSE = respond(200, _ADD)
CREATE_RESPONSE = respond(202, {**_MAPPING, "State": "Creating"})
GET_RESPONSE = respond(200, {**_MAPPING, "State": "Enabled"})
NOT_FOUND = respond(
    404,
    {"Type": "User", "message": "no such route"},
    error_type="ResourceNotFoundException",
)
FORBIDDEN = respond(
    403,
    {"message": "Missing Authentication Token"},
    error_type="MissingAuthenticationTokenException",
)
LENGTH_REQUIRED = respond(411, {"message": "a Content-Length body is required"}, close=True)
GET_PREFIX = b"/2015-03-31/event-source-mappings/"


def _route(method: bytes, target: bytes, authorized: bool) -> bytes:
    if not authorized:
        return FORBIDDEN
    path = target.split(b"?", 1)[0]
    if method == b"POST":
        if path == b"/2014-11-13/event-source-mappings/":
            return ADD_RESPONSE
        if path == GET_PREFIX:
            return CREATE_RESPONSE
    elif method == b"GET" and path.startswith(GET_PREFIX) and len(path) > len(GET_PREFIX):
        return GET_RESPONSE
    return NOT_FOUND


class HttpProtocol(asyncio.Protocol):
    """One client connection: parse requests as they arrive, answer each in order."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport to write to.

        Args:
            transport: the connection.
        """
        # uvloop's transports are not asyncio.Transport subclasses, only alike.
        self._transport = cast(asyncio.Transport, transport)

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the transport.

        Args:
            exc: why, if not a clean close.
        """
        self._transport = None

    def data_received(self, data: bytes) -> None:
        """Answer every complete request in the buffer (requests may be pipelined).

        Args:
            data: the bytes received.
        """
        buffer = self._buffer
        buffer += data
        transport = self._transport
        while transport is not None:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(buffer) > MAX_HEAD:
                    transport.close()
                return
            lines = bytes(buffer[:end]).split(b"\r\n")
            parts = lines[0].split(b" ")
            if len(parts) != 3:
                transport.close()
                return
            method, target, version = parts
            length = 0
            authorized = False
            close = version != b"HTTP/1.1"
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    try:
                        length = int(value)
                    except ValueError:
                        length = -1
                    if length < 0:  # malformed: there is no telling where the body ends
                        transport.close()
                        return
                elif name == b"authorization":
                    authorized = bool(value.strip())
                elif name == b"connection":
                    token = value.strip().lower()
                    close = token == b"close" or (close and token != b"keep-alive")
                elif name == b"transfer-encoding":
                    transport.write(LENGTH_REQUIRED)
                    transport.close()
                    return
            total = end + 4 + length
            if len(buffer) < total:
                return
            del buffer[:total]
            transport.write(_route(method, target, authorized))
            if close:
                transport.close()
                return


def _watch_stdin(loop: asyncio.AbstractEventLoop, done: asyncio.Event) -> None:
    # A plain thread blocked on stdin costs nothing while the loop serves.
    for line in sys.stdin:
        command = line.strip()
        if command == "reset":
            print("ok", flush=True)
        elif command == "cpu":
            usage = resource.getrusage(resource.RUSAGE_SELF)
            print(f"{usage.ru_utime + usage.ru_stime:.6f}", flush=True)
        elif command:
            print(f"unknown command: {command!r}", flush=True)
    loop.call_soon_threadsafe(done.set)


async def _serve(loop_name: str) -> None:
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    server = await loop.create_server(HttpProtocol, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port} {loop_name}", flush=True)
    threading.Thread(target=_watch_stdin, args=(loop, done), daemon=True).start()
    async with server:
        await done.wait()


def main() -> int:
    """Serve on uvloop (or asyncio's loop without it) until standard input closes.

    Returns:
        The exit status.
    """
    try:
        uvloop: Any = importlib.import_module("uvloop")
    except ImportError:
        asyncio.run(_serve("asyncio"))
    else:
        uvloop.run(_serve("uvloop"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
