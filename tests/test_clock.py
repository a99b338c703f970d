"""lambda_es._clock: the system clock, and the seam that gives new clients another."""

from __future__ import annotations

import datetime as dt
import time

from lambda_es import _clock
from lambda_es._clock import SYSTEM, Clock, current, installed

from ._clock import FakeClock
from ._faults import NOW, FaultServer, add, make_client, ok


async def test_the_system_clock_reads_the_system() -> None:
    """monotonic, now (aware UTC), random in [0, 1) and a real sleep."""
    before = time.monotonic()
    await SYSTEM.sleep(0.01)
    assert SYSTEM.monotonic() - before >= 0.01
    assert SYSTEM.now().tzinfo is dt.timezone.utc
    assert abs((SYSTEM.now() - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 1
    assert 0.0 <= SYSTEM.random() < 1.0


def test_installed_sets_the_clock_for_new_clients_and_restores_it() -> None:
    """Inside the block current() is the installed clock; after it, the previous one."""
    assert current() is SYSTEM
    fake = FakeClock()
    with installed(fake) as given:
        assert given is fake
        assert current() is fake
        inner = Clock()
        with installed(inner):
            assert current() is inner
        assert current() is fake
    assert current() is SYSTEM
    assert _clock.current() is SYSTEM


async def test_a_client_keeps_the_clock_it_was_made_with() -> None:
    """A client made under installed() signs with that clock's now() after the block ends."""
    async with FaultServer(ok()) as server:
        # make_client installs the clock only while constructing the client.
        async with make_client(server.url, clock=FakeClock(wall=NOW)) as client:
            assert current() is SYSTEM
            await add(client)
        assert server.requests[0].headers["x-amz-date"] == "20240501T120000Z"
