"""Many calls at once, and cancellation: nothing hangs, leaks or warns.

Every test bounds its waiting with ``asyncio.wait_for``, so a regression
fails the test instead of hanging the suite.
"""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import Iterator

import pytest

import lambda_es

from ._clock import FakeClock, PinnedClock
from ._faults import (
    Behaviour,
    FaultServer,
    SeenRequest,
    add,
    aws_error,
    make_client,
    ok,
    stall_headers,
)

BOUND = 20.0


@pytest.fixture
def no_warnings() -> Iterator[list[warnings.WarningMessage]]:
    """Record every warning (ResourceWarnings from finalisers included) and fail on any."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield caught
        gc.collect()
    assert [str(w.message) for w in caught] == []


def _other_tasks() -> set[asyncio.Task[object]]:
    current = asyncio.current_task()
    return {task for task in asyncio.all_tasks() if task is not current}


async def test_a_thousand_calls_against_a_throttling_server(
    no_warnings: list[warnings.WarningMessage],
) -> None:
    """1,000 concurrent calls, every third request throttled: each call ends in a
    configuration or a TooManyRequestsError, none hangs, and every 200 the server
    sent is one success."""
    throttle = aws_error(429, "TooManyRequestsException")
    answer = ok()

    def script(request: SeenRequest) -> Behaviour:
        return throttle if request.number % 3 == 0 else answer

    tasks_before = _other_tasks()
    async with FaultServer(script=script) as server:
        async with make_client(server.url, clock=FakeClock()) as client:
            results = await asyncio.wait_for(
                asyncio.gather(*(add(client) for _ in range(1000)), return_exceptions=True),
                BOUND,
            )
        successes = [r for r in results if isinstance(r, lambda_es.EventSourceConfiguration)]
        failures = [r for r in results if not isinstance(r, lambda_es.EventSourceConfiguration)]
        throttled = [f for f in failures if type(f) is lambda_es.TooManyRequestsError]
        assert throttled == failures, failures[:3]
        assert all(1 <= f.attempts <= 3 for f in throttled)
        answered_ok = sum(1 for r in server.requests if r.number % 3 != 0)
        assert len(successes) == answered_ok
        assert len(successes) + len(failures) == 1000
        # The throttled third were retried, within the shared quota.
        assert len(server.requests) > 1000
    assert _other_tasks() == tasks_before


async def test_cancelling_one_call_leaks_nothing_and_the_client_goes_on(
    no_warnings: list[warnings.WarningMessage],
) -> None:
    """A call cancelled while awaiting its response raises CancelledError, its
    connection is closed (the server sees it go), and the next call succeeds."""
    async with FaultServer(stall_headers, ok()) as server, make_client(server.url) as client:
        tasks_before = _other_tasks()
        call = asyncio.ensure_future(add(client))
        await asyncio.wait_for(server.wait_until(lambda s: len(s.requests) == 1), BOUND)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        await asyncio.wait_for(server.wait_until(lambda s: s.connections_open == 0), BOUND)
        assert _other_tasks() == tasks_before
        result = await asyncio.wait_for(add(client), BOUND)
        assert result.uuid == "uuid-1"


async def test_cancelling_a_thousand_calls_in_flight(
    no_warnings: list[warnings.WarningMessage],
) -> None:
    """1,000 calls, 100 on the wire and 900 queued for a pooled connection, all
    cancelled: every one raises CancelledError, every connection is closed, no
    task is left behind, and the client then works."""
    answering = False

    def script(_: SeenRequest) -> Behaviour:
        return ok() if answering else stall_headers

    async with FaultServer(script=script) as server, make_client(server.url) as client:
        tasks_before = _other_tasks()
        calls = [asyncio.ensure_future(add(client)) for _ in range(1000)]
        # The pool holds 100 connections (max_connections' default).
        await asyncio.wait_for(server.wait_until(lambda s: len(s.requests) == 100), BOUND)
        for call in calls:
            call.cancel()
        results = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), BOUND)
        assert all(isinstance(r, asyncio.CancelledError) for r in results)
        await asyncio.wait_for(server.wait_until(lambda s: s.connections_open == 0), BOUND)
        assert _other_tasks() == tasks_before
        assert len(server.requests) == 100
        answering = True
        result = await asyncio.wait_for(add(client), BOUND)
        assert result.uuid == "uuid-1"


async def test_cancelling_a_call_during_its_back_off(
    no_warnings: list[warnings.WarningMessage],
) -> None:
    """A call cancelled while sleeping before a retry stops at once: no further
    request is sent for it, and the client's next call succeeds."""
    sleeping = asyncio.Event()
    delays: list[float] = []

    class Watched(PinnedClock):
        async def sleep(self, delay: float) -> None:
            delays.append(delay)
            sleeping.set()
            await asyncio.sleep(delay)

    async with (
        FaultServer(aws_error(503, None), ok()) as server,
        make_client(
            server.url,
            clock=Watched(),
            retry=lambda_es.Retry(base_delay=10.0, max_backoff=10.0),
        ) as client,
    ):
        call = asyncio.ensure_future(add(client))
        await asyncio.wait_for(sleeping.wait(), BOUND)
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
        assert delays == [5.0]
        assert len(server.requests) == 1
        result = await asyncio.wait_for(add(client), BOUND)
        assert result.uuid == "uuid-1"
        assert len(server.requests) == 2
