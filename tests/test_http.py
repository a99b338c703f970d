"""lambda_es._http through its own interface: HTTP.send against the raw fault server.

One exchange, its body limit, and the one mapping of aiohttp's failures to
lambda_es's errors (with failure_kind saying which are worth retrying). The
client-level consequences (attempts, back-off) are pinned by the fault-server scenarios of the client.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
import yarl

import lambda_es
from lambda_es._http import HTTP, HTTPRequest, Timeout, failure_kind

from ._clock import FakeClock
from ._faults import (
    OK_BODY,
    FaultServer,
    close_when_reused,
    ok,
    oversized,
    reset_before_status,
    stall_headers,
)


@pytest.fixture
async def http() -> AsyncIterator[HTTP]:
    """An HTTP layer with its own session, on a fake clock that never moves."""
    layer = HTTP(session=None, max_connections=4, user_agent_extra=None, clock=FakeClock())
    try:
        yield layer
    finally:
        await layer.aclose()


def _request(url: str, **changes: object) -> HTTPRequest:
    request = HTTPRequest(
        label="Op",
        method="POST",
        url=yarl.URL(url + "/path", encoded=True),
        headers={"Content-Type": "application/json"},
        body=b"{}",
        timeout=Timeout(connect=1.0, read=0.3, total=5.0),
        max_size=1024,
        attempt=1,
    )
    return request._replace(**changes)  # type: ignore[arg-type]


async def test_send_returns_the_whole_response_whatever_its_status(http: HTTP) -> None:
    """A 200 comes back with its status, headers and complete body."""
    async with FaultServer(ok()) as server:
        response = await http.send(_request(server.url), None)
    assert response.status == 200
    assert response.body == OK_BODY
    assert "Content-Length" in response.headers


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_body_over_the_limit_is_refused_and_not_retryable(
    http: HTTP, chunked: bool
) -> None:
    """Announced or streamed, a body over max_size raises ResponseTooLargeError,
    which failure_kind says would fail again."""
    async with FaultServer(oversized(4096, chunked=chunked)) as server:
        with pytest.raises(lambda_es.ResponseTooLargeError, match="max_response_size=1024") as info:
            await http.send(_request(server.url), None)
    assert failure_kind(info.value) is None


async def test_a_reset_is_a_retryable_connect_error_with_a_scrubbed_cause(http: HTTP) -> None:
    """A connection reset before the status line is a ConnectError naming the
    operation, its aiohttp cause chained with the request's headers redacted."""
    async with FaultServer(reset_before_status) as server:
        with pytest.raises(lambda_es.ConnectError, match=r"^Op: ") as info:
            await http.send(
                _request(server.url, headers={"Authorization": "AWS4-HMAC-SHA256 Signature=abc"}),
                None,
            )
    assert failure_kind(info.value) == "transient"
    assert isinstance(info.value.__cause__, aiohttp.ClientError)
    assert "Signature=abc" not in repr(info.value.__cause__)


async def test_a_silent_server_is_a_read_timeout(http: HTTP) -> None:
    """Headers slower than the read deadline: TimeoutError saying which deadline, retryable."""
    async with FaultServer(stall_headers) as server:
        with pytest.raises(lambda_es.TimeoutError, match=r"read timeout: .* 0\.3s") as info:
            await http.send(_request(server.url), None)
    assert failure_kind(info.value) == "timeout"


async def test_a_refused_connection_is_a_connect_error(http: HTTP) -> None:
    """Nothing listening: ConnectError, retryable."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(lambda_es.ConnectError) as info:
        await http.send(_request(f"http://127.0.0.1:{port}"), None)
    assert failure_kind(info.value) == "transient"


async def test_a_deadline_already_passed_sends_nothing_and_is_final(http: HTTP) -> None:
    """With no time left, send raises TimeoutError before any request; not retryable."""
    async with FaultServer(ok()) as server:
        with pytest.raises(lambda_es.TimeoutError, match="total timeout passed") as info:
            await http.send(_request(server.url), 999.0)  # the fake clock reads 1000
        assert server.requests == []
    assert failure_kind(info.value) is None


async def test_a_stale_pooled_connection_is_resent_below_the_retry_layer(http: HTTP) -> None:
    """A pooled connection the server closed is detected by the session's reuse
    tracing and the request sent again on a new one, within one send()."""
    async with FaultServer(close_when_reused(ok())) as server:
        for _ in range(2):
            assert (await http.send(_request(server.url), None)).status == 200
        assert [r.on_connection for r in server.requests] == [0, 1, 0]


async def test_a_lent_session_is_used_and_left_open() -> None:
    """session= is used for the exchange and never closed by aclose()."""
    async with aiohttp.ClientSession() as session, FaultServer(ok()) as server:
        layer = HTTP(session=session, max_connections=4, user_agent_extra=None, clock=FakeClock())
        assert layer.connected
        assert not layer.owns_session
        assert (await layer.send(_request(server.url), None)).status == 200
        await layer.aclose()
        assert not session.closed
        with pytest.raises(lambda_es.LambdaESError, match="closed"):
            await layer.send(_request(server.url), None)
