"""The tests' one fake clock: sleeping advances it instantly and is recorded.

Used by the FakeLambda tests (:meth:`FakeClock.install`) and by the fault
server's clients (``tests._faults.make_client(clock=...)``).
"""

from __future__ import annotations

import asyncio

import lambda_es


class FakeClock:
    """Replaces a client's transport ``sleep`` and ``monotonic``.

    Attributes:
        now: the current fake monotonic time.
        sleeps: every delay asked for, in order.
    """

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        """The fake time."""
        return self.now

    async def sleep(self, delay: float) -> None:
        """Record the delay and advance the time by it, yielding to the loop once."""
        self.sleeps.append(delay)
        self.now += delay
        await asyncio.sleep(0)

    def install(self, client: lambda_es.AsyncClient) -> FakeClock:
        """Make ``client`` use this clock; returns self."""
        transport = client._transport
        transport.sleep = self.sleep
        transport.monotonic = self.monotonic
        return self
