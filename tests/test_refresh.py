"""Refreshing credentials ahead of their expiry (lambda_es._refresh), with a controlled clock.

The advisory window starts one background refresh while the current
credentials keep serving; a failure there is logged and retried later. The
mandatory window makes calls wait. One refresh runs at a time.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from lambda_es import ConfigurationError, Credentials
from lambda_es._credentials import Issued
from lambda_es._refresh import Refreshing, RefreshPolicy

OLD = Credentials("ASIAOLD", "old-secret", "old-token")


class Source:
    """A fetch function that counts its calls, can be held, and can fail."""

    def __init__(self, clock: list[float], lifetime: float = 3600.0) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.calls = 0
        self.gate: asyncio.Event | None = None
        self.fail = False

    async def __call__(self) -> Issued:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise ConfigurationError("test source: the vault is sealed")
        now = self.clock[0]
        return Issued(Credentials(f"ASIANEW{self.calls}", "new-secret"), now + self.lifetime, now)


def _provider(source: Source, clock: list[float], expires_in: float) -> Refreshing:
    first = Issued(OLD, clock[0] + expires_in, clock[0] - 3600)
    return Refreshing(
        source,
        source="test",
        first=first,
        policy=RefreshPolicy(retry_delay=30.0),
        clock=lambda: clock[0],
    )


async def test_fresh_credentials_are_served_without_a_fetch() -> None:
    """Outside both windows nothing is fetched."""
    clock = [1000.0]
    source = Source(clock)
    provider = _provider(source, clock, expires_in=3600)
    assert await provider() is OLD
    assert source.calls == 0


async def test_advisory_window_refreshes_once_in_the_background() -> None:
    """In the advisory window calls get the current credentials at once; one refresh runs."""
    clock = [1000.0]
    source = Source(clock)
    source.gate = asyncio.Event()
    provider = _provider(source, clock, expires_in=12 * 60)
    got = await asyncio.gather(*(provider() for _ in range(50)))
    assert all(c is OLD for c in got)
    await asyncio.sleep(0)
    assert source.calls == 1
    source.gate.set()
    for _ in range(5):
        await asyncio.sleep(0)
    assert (await provider()).access_key_id == "ASIANEW1"
    assert source.calls == 1


async def test_advisory_failure_is_logged_and_retried_later(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A failed background refresh is logged; the old credentials serve; retry after retry_delay."""
    clock = [1000.0]
    source = Source(clock)
    source.fail = True
    provider = _provider(source, clock, expires_in=12 * 60)
    with caplog.at_level(logging.WARNING, logger="lambda_es"):
        assert await provider() is OLD
        for _ in range(5):
            await asyncio.sleep(0)
    assert source.calls == 1
    assert "refreshing credentials from test failed" in caplog.text
    assert "the vault is sealed" in caplog.text
    clock[0] += 10
    assert await provider() is OLD
    await asyncio.sleep(0)
    assert source.calls == 1  # too soon to try again
    source.fail = False
    clock[0] += 25
    assert await provider() is OLD
    for _ in range(5):
        await asyncio.sleep(0)
    assert source.calls == 2
    assert (await provider()).access_key_id == "ASIANEW2"


async def test_mandatory_window_makes_calls_wait_for_one_refresh() -> None:
    """In the mandatory window 200 concurrent calls wait for a single refresh and all get its result."""
    clock = [1000.0]
    source = Source(clock)
    source.gate = asyncio.Event()
    provider = _provider(source, clock, expires_in=5 * 60)
    calls = [asyncio.ensure_future(provider()) for _ in range(200)]
    await asyncio.sleep(0.01)
    assert not any(c.done() for c in calls)
    source.gate.set()
    got = await asyncio.gather(*calls)
    assert {c.access_key_id for c in got} == {"ASIANEW1"}
    assert source.calls == 1


async def test_mandatory_failure_is_raised_to_the_callers() -> None:
    """When the refresh calls wait for fails, they get its error."""
    clock = [1000.0]
    source = Source(clock)
    source.fail = True
    provider = _provider(source, clock, expires_in=60)
    with pytest.raises(ConfigurationError, match="the vault is sealed"):
        await provider()


async def test_a_cancelled_caller_does_not_cancel_the_refresh() -> None:
    """A caller that gives up (its own timeout) leaves the refresh running for the others."""
    clock = [1000.0]
    source = Source(clock)
    source.gate = asyncio.Event()
    provider = _provider(source, clock, expires_in=60)
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(provider(), 0.01)
    waiting = asyncio.ensure_future(provider())
    source.gate.set()
    assert (await waiting).access_key_id == "ASIANEW1"
    assert source.calls == 1


async def test_short_lived_credentials_are_not_refreshed_on_every_call() -> None:
    """Credentials living less than the windows get windows of 1/2 and 1/3 of their lifetime."""
    clock = [1000.0]
    source = Source(clock, lifetime=60)
    provider = Refreshing(source, source="test", clock=lambda: clock[0])
    await provider()
    assert source.calls == 1
    clock[0] += 25  # 35 s left: outside a 30 s advisory window
    await provider()
    await asyncio.sleep(0)
    assert source.calls == 1
    clock[0] += 10  # 25 s left: advisory
    await provider()
    await asyncio.sleep(0)
    assert source.calls == 2


async def test_refresh_after_rejection_refreshes_once_per_key() -> None:
    """A rejection of the current key refreshes; one of a key already replaced does not."""
    clock = [1000.0]
    source = Source(clock)
    provider = _provider(source, clock, expires_in=3600)
    await asyncio.gather(*(provider.refresh_after_rejection("ASIAOLD") for _ in range(20)))
    assert source.calls == 1
    await provider.refresh_after_rejection("ASIAOLD")
    assert source.calls == 1
    assert (await provider()).access_key_id == "ASIANEW1"


def test_repr_names_the_source_only() -> None:
    """The provider's repr names its source and shows no secret."""
    clock = [1000.0]
    provider = _provider(Source(clock), clock, expires_in=3600)
    assert repr(provider) == "<credentials from test>"
    assert provider.source == "test"


def test_the_default_policy_is_the_sdks_windows() -> None:
    """Without a policy, a provider refreshes 15 minutes ahead in the background and makes
    calls wait from 10 minutes ahead, as the AWS SDKs do."""
    from lambda_es._refresh import ADVISORY_WINDOW, MANDATORY_WINDOW

    provider = Refreshing(Source([0.0]), source="test")
    assert provider.policy == RefreshPolicy(advisory=15 * 60.0, mandatory=10 * 60.0)
    assert (provider.policy.advisory, provider.policy.mandatory) == (
        ADVISORY_WINDOW,
        MANDATORY_WINDOW,
    )
    assert repr(provider) == "<credentials from test>"
