"""AsyncClient's lifecycle: a constructor without I/O, a lazy session, closing.

The constructor reads no environment variable and no file and makes no
aiohttp session; the session appears on the first call; ``async with`` and
``aclose()`` (idempotent) close it, except a ``session=`` the caller owns;
a call on a closed client raises a clear LambdaESError.
"""

from __future__ import annotations

import builtins
import io
import os
from collections.abc import Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import aiohttp
import pytest

import lambda_es
from lambda_es.testing import FakeLambda

from .conftest import CREDENTIALS, KINESIS_ARN, ROLE_ARN


async def _add(client: lambda_es.AsyncClient) -> lambda_es.EventSourceConfiguration:
    return await client.add_event_source(event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN)


@pytest.fixture
def sessions(monkeypatch: pytest.MonkeyPatch) -> list[aiohttp.ClientSession]:
    """Every aiohttp.ClientSession created during the test, in order."""
    created: list[aiohttp.ClientSession] = []
    real = aiohttp.ClientSession

    def counting(*args: Any, **kwargs: Any) -> aiohttp.ClientSession:
        session = real(*args, **kwargs)
        created.append(session)
        return session

    monkeypatch.setattr(aiohttp, "ClientSession", counting)
    return created


class _SpyEnviron(MutableMapping[str, str]):
    """os.environ's stand-in that records every key read."""

    def __init__(self, wrapped: MutableMapping[str, str]) -> None:
        self.wrapped = wrapped
        self.read: list[str] = []

    def __getitem__(self, key: str) -> str:
        self.read.append(key)
        return self.wrapped[key]

    def __contains__(self, key: object) -> bool:
        self.read.append(str(key))
        return key in self.wrapped

    def __setitem__(self, key: str, value: str) -> None:
        self.wrapped[key] = value

    def __delitem__(self, key: str) -> None:
        del self.wrapped[key]

    def __iter__(self) -> Iterator[str]:
        self.read.append("<iter>")
        return iter(self.wrapped)

    def __len__(self) -> int:
        return len(self.wrapped)


# -- the constructor ---------------------------------------------------------------------


def test_constructor_reads_no_environment_and_no_file(
    sessions: list[aiohttp.ClientSession],
) -> None:
    """Building a client (outside any event loop) touches no env variable, file or session."""
    spy = _SpyEnviron(os.environ)
    opened: list[object] = []
    real_open: Callable[..., Any] = builtins.open

    def spying_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(file)
        return real_open(file, *args, **kwargs)

    # A context of its own, so that undoing it leaves conftest's clean environment alone.
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "environ", spy)
        patch.setattr(builtins, "open", spying_open)
        patch.setattr(io, "open", spying_open)
        client = lambda_es.AsyncClient()
        lambda_es.AsyncClient(region="us-east-1", profile="ci", endpoint_url="http://example.com")
    assert spy.read == []
    assert opened == []
    assert sessions == []
    assert "AsyncClient" in repr(client)


async def test_missing_configuration_surfaces_on_first_call(
    sessions: list[aiohttp.ClientSession],
) -> None:
    """No region and no credentials construct fine; the first call raises ConfigurationError."""
    async with lambda_es.AsyncClient() as client:
        with pytest.raises(lambda_es.ConfigurationError, match="region"):
            await _add(client)
        with pytest.raises(lambda_es.ConfigurationError):
            await _add(client)
    assert sessions == []


async def test_environment_is_read_at_first_call_not_construction(
    fake: FakeLambda, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings put in the environment after construction are the ones used."""
    client = lambda_es.AsyncClient()
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", fake.endpoint_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", CREDENTIALS.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS.secret_access_key)
    async with client:
        await _add(client)
    assert len(fake.requests) == 1


async def test_a_malformed_config_file_is_only_read_on_first_call(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A broken shared file does not stop construction; the first call reports it."""
    broken = tmp_path / "config"
    broken.write_text("not an ini file\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(broken))
    async with lambda_es.AsyncClient(profile="ci") as client:
        with pytest.raises(lambda_es.ConfigurationError, match="cannot parse"):
            await _add(client)


# -- the session ---------------------------------------------------------------------------


async def test_session_is_made_on_first_use_and_reused(
    fake: FakeLambda, sessions: list[aiohttp.ClientSession]
) -> None:
    """The client's own session appears on the first call, serves later calls, and is closed on exit."""
    async with lambda_es.AsyncClient(
        region="us-east-1", endpoint_url=fake.endpoint_url, credentials=CREDENTIALS
    ) as client:
        assert sessions == []
        await _add(client)
        assert len(sessions) == 1
        await _add(client)
        assert len(sessions) == 1
        assert not sessions[0].closed
    assert sessions[0].closed


async def test_aclose_is_idempotent(
    fake: FakeLambda, sessions: list[aiohttp.ClientSession]
) -> None:
    """aclose() closes the session once and can be called again, also inside async with."""
    client = lambda_es.AsyncClient(
        region="us-east-1", endpoint_url=fake.endpoint_url, credentials=CREDENTIALS
    )
    async with client:
        await _add(client)
        await client.aclose()
        assert sessions[0].closed
        await client.aclose()
    await client.aclose()


async def test_aclose_of_an_unused_client(sessions: list[aiohttp.ClientSession]) -> None:
    """A client that never made a call closes (twice) without creating a session."""
    client = lambda_es.AsyncClient()
    await client.aclose()
    await client.aclose()
    assert sessions == []


async def test_call_after_aclose_raises(fake: FakeLambda) -> None:
    """A call on a closed client raises LambdaESError saying so, and nothing is sent."""
    client = lambda_es.AsyncClient(
        region="us-east-1", endpoint_url=fake.endpoint_url, credentials=CREDENTIALS
    )
    await _add(client)
    await client.aclose()
    with pytest.raises(lambda_es.LambdaESError, match="closed"):
        await _add(client)
    assert len(fake.requests) == 1


async def test_call_after_aclose_without_prior_use_raises(fake: FakeLambda) -> None:
    """Closing before the first call also closes the client for good."""
    client = lambda_es.AsyncClient(
        region="us-east-1", endpoint_url=fake.endpoint_url, credentials=CREDENTIALS
    )
    await client.aclose()
    with pytest.raises(lambda_es.LambdaESError, match="closed"):
        await _add(client)
    assert fake.requests == []


async def test_shared_session_is_used_and_left_open(
    fake: FakeLambda, sessions: list[aiohttp.ClientSession]
) -> None:
    """A session= passed in carries the requests and is still open after the client closes."""
    started: list[str] = []

    async def on_start(
        _: aiohttp.ClientSession, __: Any, params: aiohttp.TraceRequestStartParams
    ) -> None:
        started.append(params.method)

    tracing = aiohttp.TraceConfig()
    tracing.on_request_start.append(on_start)
    async with aiohttp.ClientSession(trace_configs=[tracing]) as shared:
        async with lambda_es.AsyncClient(
            region="us-east-1",
            endpoint_url=fake.endpoint_url,
            credentials=CREDENTIALS,
            session=shared,
        ) as client:
            await _add(client)
            await client.aclose()
        assert started == ["POST"]
        assert not shared.closed
        assert sessions == [shared]  # only the test's own session was ever made
        with pytest.raises(lambda_es.LambdaESError, match="closed"):
            await _add(client)
        async with shared.get(fake.endpoint_url + "/2014-11-13/event-source-mappings/") as resp:
            assert resp.status == 403  # still usable by its owner (unsigned, so refused)


def test_header_breaking_user_agent_is_refused_at_construction() -> None:
    """user_agent_extra becomes a header: a line break is a ParamValidationError at once."""
    with pytest.raises(lambda_es.ParamValidationError, match="user_agent_extra"):
        lambda_es.AsyncClient(region="us-east-1", user_agent_extra="x\r\nInjected: 1")


@pytest.mark.parametrize("field", ["connect", "read", "total"])
def test_timeouts_must_be_finite(field: str) -> None:
    """An infinite timeout is refused (None is how a deadline is turned off)."""
    with pytest.raises(lambda_es.ParamValidationError, match="finite"):
        lambda_es.Timeout(**{field: float("inf")})
