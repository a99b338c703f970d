"""The retry loop against a misbehaving server on loopback.

Every scenario counts the requests the server read, records the delays the
transport asked to sleep (a fake clock, a fixed jitter of 0.5 so that the
n-th back-off is exactly 0.5 * 2**n s), and checks the final outcome.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import aiohttp
import pytest

import lambda_es
from lambda_es._http import DEFAULT_MAX_RESPONSE_SIZE

from ._clock import FakeClock, PinnedClock
from ._faults import (
    CREDENTIALS,
    NOW,
    OK_BODY,
    Behaviour,
    FaultServer,
    add,
    aws_error,
    close_after,
    close_when_reused,
    make_client,
    ok,
    oversized,
    reset_before_status,
    reset_mid_body,
    respond,
    short_body,
    stall_body,
    stall_headers,
)

QUICK = lambda_es.Timeout(connect=1.0, read=0.2, total=30.0)
HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


def _retry_after_date(seconds: int) -> str:
    return (NOW + dt.timedelta(seconds=seconds)).strftime("%a, %d %b %Y %H:%M:%S GMT")


@dataclass(frozen=True)
class Row:
    """One fault scenario.

    Attributes:
        script: what the server does with each request (the last one repeats).
        requests: how many requests the server must have read.
        sleeps: the delays the transport must have asked for.
        outcome: the exception class raised, or ``None`` for success.
        attempts: the ``attempts`` the exception must report.
        check: more assertions on the result or the exception.
        retry: the retry policy.
        timeout: the deadlines.
        max_response_size: the client's body cap.
    """

    script: tuple[Behaviour, ...]
    requests: int
    sleeps: list[float]
    outcome: type[BaseException] | None
    attempts: int | None = None
    check: Callable[[object], None] | None = None
    retry: lambda_es.Retry = field(default_factory=lambda_es.Retry)
    timeout: lambda_es.Timeout = QUICK
    max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE


def _retry_after_is(seconds: float) -> Callable[[object], None]:
    def check(error: object) -> None:
        assert isinstance(error, lambda_es.TooManyRequestsError)
        assert error.retry_after == seconds

    return check


def _caused_by(cls: type[BaseException]) -> Callable[[object], None]:
    def check(error: object) -> None:
        assert isinstance(error, lambda_es.TransportError)
        assert isinstance(error.__cause__, cls)

    return check


def _html_502(error: object) -> None:
    assert type(error) is lambda_es.APIError
    assert (error.status, error.code) == (502, None)
    assert "non-JSON error body" in error.message
    assert "502 Bad Gateway" in error.message


def _names_the_cap(error: object) -> None:
    assert "max_response_size=1024" in str(error)
    assert str(error).startswith("AddEventSource: ")


def _all_none(result: object) -> None:
    assert result == lambda_es.EventSourceConfiguration()


def _decoded(result: object) -> None:
    assert isinstance(result, lambda_es.EventSourceConfiguration)
    assert result.uuid == "uuid-1"


ROWS: dict[str, Row] = {
    # A success after retries gives the quota back what its last retry took.
    "503 twice then success": Row(
        (aws_error(503, None), aws_error(503, None), ok()),
        requests=3,
        sleeps=[0.5, 1.0],
        outcome=None,
        check=_decoded,
    ),
    "500 ServiceException until attempts run out": Row(
        (aws_error(500, "ServiceException"),),
        requests=3,
        sleeps=[0.5, 1.0],
        outcome=lambda_es.ServiceError,
        attempts=3,
    ),
    "429 with Retry-After in seconds, then success": Row(
        (aws_error(429, "TooManyRequestsException", headers=[("Retry-After", "3")]), ok()),
        requests=2,
        sleeps=[3.0],
        outcome=None,
    ),
    "429 with Retry-After as an HTTP-date, then success": Row(
        (
            aws_error(
                429, "TooManyRequestsException", headers=[("Retry-After", _retry_after_date(7))]
            ),
            ok(),
        ),
        requests=2,
        sleeps=[7.0],
        outcome=None,
    ),
    "429 with Retry-After until attempts run out": Row(
        (aws_error(429, "TooManyRequestsException", headers=[("Retry-After", "3")]),),
        requests=2,
        sleeps=[3.0],
        outcome=lambda_es.TooManyRequestsError,
        attempts=2,
        check=_retry_after_is(3.0),
        retry=lambda_es.Retry(max_attempts=2),
    ),
    "429 with an hour's Retry-After is clamped to max_retry_after": Row(
        (aws_error(429, "TooManyRequestsException", headers=[("Retry-After", "3600")]), ok()),
        requests=2,
        sleeps=[20.0],
        outcome=None,
    ),
    "503 with Retry-After, then success": Row(
        (aws_error(503, None, headers=[("Retry-After", "2")]), ok()),
        requests=2,
        sleeps=[2.0],
        outcome=None,
    ),
    "400 ThrottlingException is retried like a 429": Row(
        (aws_error(400, "ThrottlingException"), ok()),
        requests=2,
        sleeps=[0.5],
        outcome=None,
    ),
    "400 InvalidParameterValueException is not retried": Row(
        (aws_error(400, "InvalidParameterValueException"),),
        requests=1,
        sleeps=[],
        outcome=lambda_es.InvalidParameterValueError,
        attempts=1,
    ),
    "404 ResourceNotFoundException is not retried": Row(
        (aws_error(404, "ResourceNotFoundException"),),
        requests=1,
        sleeps=[],
        outcome=lambda_es.ResourceNotFoundError,
        attempts=1,
    ),
    "mode off makes one attempt": Row(
        (aws_error(503, None),),
        requests=1,
        sleeps=[],
        outcome=lambda_es.APIError,
        attempts=1,
        retry=lambda_es.Retry(mode="off"),
    ),
    "reset before the status line, every time": Row(
        (reset_before_status,),
        requests=3,
        sleeps=[0.5, 1.0],
        outcome=lambda_es.ConnectError,
        attempts=3,
        check=_caused_by(aiohttp.ClientError),
    ),
    "reset before the status line, then success": Row(
        (reset_before_status, ok()),
        requests=2,
        sleeps=[0.5],
        outcome=None,
    ),
    "reset mid-body is a retryable transport error": Row(
        (reset_mid_body,),
        requests=3,
        sleeps=[0.5, 1.0],
        outcome=lambda_es.ConnectError,
        attempts=3,
        check=_caused_by(aiohttp.ClientPayloadError),
    ),
    "a Content-Length longer than the body is retried": Row(
        (short_body, ok()),
        requests=2,
        sleeps=[0.5],
        outcome=None,
    ),
    # A retry after a timeout costs the quota 10, not 5.
    "headers slower than the read timeout": Row(
        (stall_headers,),
        requests=2,
        sleeps=[0.5],
        outcome=lambda_es.TimeoutError,
        attempts=2,
        check=_caused_by(aiohttp.ServerTimeoutError),
        retry=lambda_es.Retry(max_attempts=2),
    ),
    "a body that stalls after its first bytes": Row(
        (stall_body,),
        requests=2,
        sleeps=[0.5],
        outcome=lambda_es.TimeoutError,
        attempts=2,
        check=_caused_by(aiohttp.ServerTimeoutError),
        retry=lambda_es.Retry(max_attempts=2),
    ),
    # The same request would bring the same body back: not retried.
    "a Content-Length above the cap": Row(
        (oversized(4096),),
        requests=1,
        sleeps=[],
        outcome=lambda_es.ResponseTooLargeError,
        attempts=1,
        check=_names_the_cap,
        max_response_size=1024,
    ),
    "a chunked body that grows past the cap": Row(
        (oversized(8192, chunked=True),),
        requests=1,
        sleeps=[],
        outcome=lambda_es.ResponseTooLargeError,
        attempts=1,
        check=_names_the_cap,
        max_response_size=1024,
    ),
    "a body exactly at the cap is accepted": Row(
        (ok(),),
        requests=1,
        sleeps=[],
        outcome=None,
        check=_decoded,
        max_response_size=len(OK_BODY),
    ),
    # The response was complete by its own framing, so the bytes are what the
    # service sent: a DecodeError, and no retry (a create must not be re-sent
    # because its answer could not be read).
    "truncated JSON on a 200": Row(
        (respond(200, OK_BODY[:-7]),),
        requests=1,
        sleeps=[],
        outcome=lambda_es.DecodeError,
    ),
    "an HTML 502 from a proxy": Row(
        (respond(502, HTML_502, [("Content-Type", "text/html")]),),
        requests=3,
        sleeps=[0.5, 1.0],
        outcome=lambda_es.APIError,
        attempts=3,
        check=_html_502,
    ),
    "an empty 200 is an empty object": Row(
        (respond(200, b""),),
        requests=1,
        sleeps=[],
        outcome=None,
        check=_all_none,
    ),
}


@pytest.mark.parametrize("row", list(ROWS.values()), ids=list(ROWS))
async def test_fault_scenario(row: Row) -> None:
    """Each row pins the requests the server read, the back-off delays asked for,
    and the outcome (its class, attempts and cause). The quota's arithmetic is
    pinned by the retry layer's own tests (tests/test_retry.py)."""
    clock = FakeClock()
    async with (
        FaultServer(*row.script) as server,
        make_client(
            server.url,
            clock=clock,
            retry=row.retry,
            timeout=row.timeout,
            max_response_size=row.max_response_size,
        ) as client,
    ):
        outcome: object
        if row.outcome is None:
            outcome = await add(client)
        else:
            with pytest.raises(row.outcome) as caught:
                await add(client)
            outcome = caught.value
            assert type(outcome) is row.outcome
            if row.attempts is not None:
                assert outcome.attempts == row.attempts  # type: ignore[attr-defined]
        if row.check is not None:
            row.check(outcome)
        assert len(server.requests) == row.requests
        assert clock.sleeps == pytest.approx(row.sleeps)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_connection_refused_is_retried_then_a_connect_error() -> None:
    """Nobody listening: three attempts, back-off between them, and a ConnectError
    chaining aiohttp's connector error."""
    clock = FakeClock()
    async with make_client(f"http://127.0.0.1:{_closed_port()}", clock=clock) as client:
        with pytest.raises(lambda_es.ConnectError) as caught:
            await add(client)
    assert caught.value.attempts == 3
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectorError)
    assert "Cannot connect" in str(caught.value)
    assert clock.sleeps == [0.5, 1.0]


async def test_idle_keepalive_closed_by_the_server_is_resent_transparently() -> None:
    """A pooled connection the server closed as the request went out costs no
    attempt, no back-off and no quota: the request goes again on a new one."""
    clock = FakeClock()
    async with (
        FaultServer(close_when_reused(ok())) as server,
        make_client(server.url, clock=clock) as client,
    ):
        results = [await add(client) for _ in range(3)]
        assert [r.uuid for r in results] == ["uuid-1"] * 3
        # Calls 2 and 3 each met a dead pooled connection, then a fresh one.
        assert len(server.requests) == 5
        assert server.connections_opened == 3
        assert [r.on_connection for r in server.requests] == [0, 1, 0, 1, 0]
        assert clock.sleeps == []


async def test_connections_the_server_closes_after_each_response_are_not_reused() -> None:
    """A server that closes right after answering (while advertising keep-alive)
    costs nothing either: every call succeeds at its first attempt."""
    clock = FakeClock()
    async with (
        FaultServer(close_after(ok())) as server,
        make_client(server.url, clock=clock) as client,
    ):
        for _ in range(3):
            await add(client)
        assert clock.sleeps == []
        assert all(r.on_connection == 0 for r in server.requests)


async def test_an_idempotent_request_is_not_resent_behind_the_retry_policy() -> None:
    """A GET reset before its status line makes exactly max_attempts requests:
    aiohttp's own silent resend of idempotent methods is off in the client's session."""
    clock = FakeClock()
    async with (
        FaultServer(reset_before_status) as server,
        make_client(server.url, clock=clock) as client,
    ):
        with pytest.raises(lambda_es.ConnectError):
            await client.get_event_source("9f3a4c1e-0d6b-4c8e-a2f7-5b1e8d9c0a11")
        assert [r.method for r in server.requests] == ["GET"] * 3
        assert server.connections_opened == 3


async def test_the_total_deadline_cuts_a_retry_loop_short() -> None:
    """With total=2.5 s, a second back-off of 1.8 s would end past the deadline:
    the call stops after two attempts with the last error, without sleeping."""
    clock = FakeClock()
    async with (
        FaultServer(aws_error(503, None)) as server,
        make_client(
            server.url,
            clock=clock,
            rand=0.9,
            retry=lambda_es.Retry(max_attempts=5),
            timeout=lambda_es.Timeout(total=2.5),
        ) as client,
    ):
        with pytest.raises(lambda_es.APIError) as caught:
            await add(client)
        assert caught.value.attempts == 2
        assert len(server.requests) == 2
        assert clock.sleeps == pytest.approx([0.9])


async def test_a_retry_after_beyond_the_deadline_ends_the_call_at_once() -> None:
    """A Retry-After longer than what is left of the total timeout is not slept:
    the TooManyRequestsError comes back carrying the header's value."""
    clock = FakeClock()
    async with (
        FaultServer(
            aws_error(429, "TooManyRequestsException", headers=[("Retry-After", "30")])
        ) as server,
        make_client(server.url, clock=clock, timeout=lambda_es.Timeout(total=10.0)) as client,
    ):
        with pytest.raises(lambda_es.TooManyRequestsError) as caught:
            await add(client)
        assert (caught.value.retry_after, caught.value.attempts) == (30.0, 1)
        assert clock.sleeps == []
        assert len(server.requests) == 1


async def test_the_total_deadline_bounds_a_stalled_attempt() -> None:
    """With no read timeout, the total timeout alone ends a request the server
    never answers, with a TimeoutError that says so."""
    async with (
        FaultServer(stall_headers) as server,
        make_client(
            server.url,
            retry=lambda_es.Retry(max_attempts=5),
            timeout=lambda_es.Timeout(read=None, total=0.3),
        ) as client,
    ):
        with pytest.raises(lambda_es.TimeoutError, match="total timeout") as caught:
            await add(client)
        assert caught.value.attempts == 1
        assert len(server.requests) == 1


async def test_the_quota_runs_dry_under_a_long_outage_and_refills_on_success() -> None:
    """500 tokens at 5 a retry pay for 100 retries: 50 failing calls make three
    attempts each, the 51st makes one. Each success then gives back one token."""
    up = False

    def script(_: object) -> Behaviour:
        return ok() if up else aws_error(500, "ServiceException")

    clock = FakeClock()
    async with (
        FaultServer(script=script) as server,
        make_client(server.url, clock=clock) as client,
    ):
        attempts = []
        for _ in range(51):
            with pytest.raises(lambda_es.ServiceError) as caught:
                await add(client)
            attempts.append(caught.value.attempts)
        assert attempts == [3] * 50 + [1]
        assert len(server.requests) == 151
        assert clock.sleeps == [0.5, 1.0] * 50

        up = True
        for _ in range(5):
            await add(client)
        up = False
        with pytest.raises(lambda_es.ServiceError) as caught:
            await add(client)
        # Five tokens pay for exactly one more retry.
        assert caught.value.attempts == 2


class _FrozenClock(FakeClock):
    """Records sleeps without moving time, so a burst's waits show as queued."""

    async def sleep(self, delay: float) -> None:
        self.sleeps.append(delay)


@pytest.mark.parametrize(
    ("mode", "sleeps"),
    [
        # Throttled once, the limiter turns on at its 0.5/s floor: the retry
        # waits 2 s for a token, and a burst of five then queues 2 s apart.
        ("adaptive", [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0]),
        ("standard", [0.0]),
    ],
)
async def test_adaptive_mode_slows_a_burst_after_throttling(
    mode: Literal["standard", "adaptive"], sleeps: list[float]
) -> None:
    """After a throttle, adaptive mode spaces every later send of the client by
    the token bucket's rate, five concurrent calls reserving consecutive tokens;
    standard mode only backs off the throttled call (here by a zero jitter)."""
    clock = _FrozenClock()
    async with (
        FaultServer(aws_error(429, "TooManyRequestsException"), ok()) as server,
        make_client(server.url, clock=clock, rand=0.0, retry=lambda_es.Retry(mode=mode)) as client,
    ):
        await add(client)
        await asyncio.gather(*(add(client) for _ in range(5)))
        assert len(server.requests) == 7
        assert clock.sleeps[:2] + sorted(clock.sleeps[2:]) == pytest.approx(sleeps)


async def test_a_retry_whose_rate_limiter_wait_passes_the_deadline_is_not_made() -> None:
    """Throttled with 1.5 s left, a retry that must first wait 2 s for a token is
    not made: the throttle error ends the call and the wait is not slept."""
    clock = _FrozenClock()
    async with (
        FaultServer(aws_error(429, "TooManyRequestsException"), ok()) as server,
        make_client(
            server.url,
            clock=clock,
            rand=0.0,
            retry=lambda_es.Retry(mode="adaptive"),
            timeout=lambda_es.Timeout(total=1.5),
        ) as client,
    ):
        with pytest.raises(lambda_es.TooManyRequestsError) as caught:
            await add(client)
        assert caught.value.attempts == 1
        assert len(server.requests) == 1
        assert clock.sleeps == [0.0]
        # The next call meets the same wait and sends nothing either (that the
        # refused wait reserved no token is pinned in tests/test_retry.py).
        with pytest.raises(lambda_es.TimeoutError, match="rate limiter") as again:
            await add(client)
        assert again.value.attempts == 0
        assert len(server.requests) == 1


async def test_a_call_whose_rate_limiter_wait_passes_the_deadline_sends_nothing() -> None:
    """Once the limiter is on, a call that would wait for a token past its total
    timeout raises TimeoutError at once, with attempts == 0 and no request sent."""
    clock = _FrozenClock()
    async with (
        FaultServer(aws_error(429, "TooManyRequestsException"), ok()) as server,
        make_client(
            server.url,
            clock=clock,
            rand=0.0,
            retry=lambda_es.Retry(mode="adaptive"),
            timeout=lambda_es.Timeout(total=1.0),
        ) as client,
    ):
        with pytest.raises(lambda_es.TooManyRequestsError):
            await add(client)  # throttled: the limiter is on, a token 2 s away
        with pytest.raises(lambda_es.TimeoutError, match="rate limiter") as caught:
            await add(client)
        assert caught.value.attempts == 0
        assert len(server.requests) == 1
        assert clock.sleeps == [0.0]


async def test_every_attempt_is_signed_afresh() -> None:
    """Each attempt carries its own X-Amz-Date (from the injected clock) and a
    new signature; the session token travels every time."""
    ticks = iter(range(100))

    class Ticking(FakeClock):
        def now(self) -> dt.datetime:
            return NOW + dt.timedelta(minutes=next(ticks))

    async with (
        FaultServer(
            aws_error(500, "ServiceException"), aws_error(500, "ServiceException"), ok()
        ) as server,
        make_client(server.url, clock=Ticking()) as client,
    ):
        await add(client)
        seen = server.requests
        assert [r.headers["x-amz-date"] for r in seen] == [
            "20240501T120000Z",
            "20240501T120100Z",
            "20240501T120200Z",
        ]
        assert len({r.headers["authorization"] for r in seen}) == 3
        assert all(r.headers["x-amz-security-token"] == CREDENTIALS.session_token for r in seen)


async def test_param_validation_errors_are_never_sent_or_retried() -> None:
    """A ParamValidationError is raised before any request, so nothing is retried."""
    clock = FakeClock()
    async with (
        FaultServer(ok()) as server,
        make_client(server.url, clock=clock) as client,
    ):
        with pytest.raises(lambda_es.ParamValidationError):
            await client.add_event_source(event_source="nope", function_name="f", role="r")
        assert server.requests == []
        assert clock.sleeps == []


def _secrets(server: FaultServer) -> list[str]:
    signatures = [r.headers["authorization"].rsplit("Signature=", 1)[1] for r in server.requests]
    return [
        CREDENTIALS.secret_access_key,
        CREDENTIALS.access_key_id,
        CREDENTIALS.session_token or "",
        "Authorization",
        "AWS4-HMAC-SHA256",
        *signatures,
    ]


async def test_one_debug_line_per_attempt_and_no_secret(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Each attempt logs one debug record on "lambda_es" with the operation, the
    status, the attempt number, the delay chosen and the request id; no record,
    message or exception shows a key, the token, a signature or the header."""
    caplog.set_level(logging.DEBUG, logger="lambda_es")
    clock = FakeClock()
    async with (
        FaultServer(aws_error(503, None), ok(), reset_mid_body) as server,
        make_client(server.url, clock=clock, retry=lambda_es.Retry(max_attempts=2)) as client,
    ):
        await add(client)
        with pytest.raises(lambda_es.ConnectError) as caught:
            await add(client)
    records = [r for r in caplog.records if r.name == "lambda_es"]
    attempt_records = [r for r in records if hasattr(r, "attempt")]
    assert attempt_records == records
    summary = [
        (r.operation, r.attempt, r.status, r.delay, r.request_id)  # type: ignore[attr-defined]
        for r in records
    ]
    assert summary == [
        ("AddEventSource", 1, 503, 0.5, "req-0"),
        ("AddEventSource", 2, 200, None, "req-1"),
        ("AddEventSource", 1, None, 0.5, None),
        ("AddEventSource", 2, None, None, None),
    ]
    assert all(r.levelno == logging.DEBUG for r in records)
    assert "retrying in 0.500s" in records[0].getMessage()
    texts = [r.getMessage() for r in records] + [repr(vars(r)) for r in records]
    error = caught.value
    texts += [str(error), repr(error), str(error.__cause__), repr(error.__cause__)]
    for secret in _secrets(server):
        assert secret
        for text in texts:
            assert secret not in text


async def test_a_malformed_response_chains_no_secret() -> None:
    """aiohttp's parse errors keep the request headers; the chained cause shows them redacted."""

    async def bad_header(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nBad Header\x01: x\r\n\r\n{}")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(bad_header, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    credentials = lambda_es.Credentials("AKIDEXAMPLE", "THE-SECRET-KEY", "THE-SESSION-TOKEN")
    try:
        async with lambda_es.AsyncClient(
            region="us-east-1",
            endpoint_url=f"http://127.0.0.1:{port}",
            credentials=credentials,
            retry=lambda_es.Retry(mode="off"),
        ) as client:
            with pytest.raises(lambda_es.ConnectError) as caught:
                await client.list_event_source_mappings()
    finally:
        server.close()
        await server.wait_closed()
    cause = caught.value.__cause__
    assert isinstance(cause, aiohttp.ClientResponseError)
    shown = repr(cause) + str(caught.value)
    assert "THE-SESSION-TOKEN" not in shown
    assert "Signature=" not in shown
    assert "<redacted>" in repr(cause)


async def test_aclose_during_back_off_ends_the_call_with_a_typed_error() -> None:
    """A client closed while a call waits to retry ends that call with LambdaESError."""
    gate = asyncio.Event()
    clients: list[lambda_es.AsyncClient] = []

    class Closing(PinnedClock):
        async def sleep(self, delay: float) -> None:
            await clients[0].aclose()
            gate.set()

    async with FaultServer(*[aws_error(503, "ServiceException")] * 3) as server:
        client = make_client(server.url, clock=Closing())
        clients.append(client)
        with pytest.raises(lambda_es.LambdaESError, match="closed while the call was retrying"):
            await client.list_event_source_mappings()
        assert gate.is_set()
