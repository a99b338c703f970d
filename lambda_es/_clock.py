"""The one clock a client reads: monotonic time, sleep, wall time and jitter.

Every place that reads time (the retry loop and its back-off, the rate
limiter, the waiter, the signing time, a ``Retry-After`` date) asks the
client's :class:`Clock`, so a test can replace all of them at once. A client
takes the clock installed when it is made (:func:`current`); that is the
system clock unless a test installed another with :func:`installed`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import random
import time
from collections.abc import Iterator
from typing import TypeVar

__all__ = ["SYSTEM", "Clock", "current", "installed"]


class Clock:
    """The system's clock; subclass it to fake time.

    Methods are looked up on the instance per use, so a subclass overrides
    any of them.
    """

    def monotonic(self) -> float:
        """Return seconds on a clock that never goes back (for deadlines and rates)."""
        return time.monotonic()

    async def sleep(self, delay: float) -> None:
        """Wait ``delay`` seconds.

        Args:
            delay: seconds, never negative.
        """
        await asyncio.sleep(delay)

    def now(self) -> dt.datetime:
        """Return the wall-clock time, aware and in UTC (for signing and HTTP dates)."""
        return dt.datetime.now(dt.timezone.utc)

    def random(self) -> float:
        """Return a uniform number in [0, 1) (the back-off's jitter)."""
        return random.random()


#: The clock of every client unless a test installs another.
SYSTEM = Clock()

_installed: Clock = SYSTEM


def current() -> Clock:
    """Return the clock new clients take: the system's, or the one :func:`installed` set."""
    return _installed


ClockT = TypeVar("ClockT", bound=Clock)


@contextlib.contextmanager
def installed(clock: ClockT) -> Iterator[ClockT]:
    """Make ``clock`` the one every client created inside the ``with`` block uses.

    A client keeps the clock it was made with after the block ends, so a
    fixture that builds a client inside the block hands out a client on fake
    time. Not thread-safe: it is the test suite's seam, not an API.

    Args:
        clock: the clock to install.

    Yields:
        ``clock``.
    """
    global _installed
    previous, _installed = _installed, clock
    try:
        yield clock
    finally:
        _installed = previous
