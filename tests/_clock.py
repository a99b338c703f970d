"""The tests' clocks, implementing :class:`lambda_es._clock.Clock`.

A client takes the clock installed when it is made
(``lambda_es._clock.installed``): the FakeLambda tests get theirs through the
``clock`` fixtures, the fault server's clients through
``tests._faults.make_client(clock=...)``.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from lambda_es._clock import Clock


class PinnedClock(Clock):
    """Real time passes; the wall-clock time and the jitter can be pinned.

    Args:
        wall: what ``now()`` returns (``None``: the real time).
        jitter: what ``random()`` returns (``None``: a real random number), so
            back-off delays are exact.
    """

    def __init__(self, *, wall: dt.datetime | None = None, jitter: float | None = None) -> None:
        self.wall = wall
        self.jitter = jitter

    def now(self) -> dt.datetime:
        """The pinned wall-clock time, or the real one."""
        return self.wall if self.wall is not None else super().now()

    def random(self) -> float:
        """The pinned jitter, or a real random number."""
        return self.jitter if self.jitter is not None else super().random()


class FakeClock(PinnedClock):
    """Time passes only when slept: sleeping advances it instantly and is recorded.

    Attributes:
        time: the current fake monotonic time.
        sleeps: every delay asked for, in order.
    """

    def __init__(self, *, wall: dt.datetime | None = None, jitter: float | None = None) -> None:
        super().__init__(wall=wall, jitter=jitter)
        self.time = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        """The fake time."""
        return self.time

    async def sleep(self, delay: float) -> None:
        """Record the delay and advance the time by it, yielding to the loop once."""
        self.sleeps.append(delay)
        self.time += delay
        await asyncio.sleep(0)
