"""Drive one client at a fixed number of calls in flight and time every call.

Both drivers stop at whichever comes first: ``calls`` calls made, the time
limit, or the first failed call (a benchmark of failures is meaningless, and
the failure is reported instead of a figure). Latency is measured around each
call with :func:`time.perf_counter`; throughput is successful calls divided by
the wall time of the whole batch.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Sequence

import attrs
from _clients import AsyncCall, SyncCall

__all__ = ["Sample", "drive_async", "drive_threads", "percentile"]


@attrs.frozen
class Sample:
    """What one measured batch of calls gave.

    Attributes:
        latencies: seconds per successful call, in completion order.
        elapsed: wall seconds for the whole batch.
        error: the first failure (type and a short message), or None.
    """

    latencies: Sequence[float]
    elapsed: float
    error: str | None = None

    @property
    def calls(self) -> int:
        """Successful calls."""
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        """Successful calls per second (0 when nothing was measured)."""
        return self.calls / self.elapsed if self.elapsed > 0 else 0.0


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value with ``fraction`` of values at or below it.

    Args:
        values: the sample (need not be sorted).
        fraction: between 0 and 1, e.g. 0.99.

    Returns:
        The percentile, or NaN for an empty sample.
    """
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def _describe(exc: BaseException) -> str:
    # Only the type and the start of the message: SDK messages name the
    # operation and the error code, never credentials.
    text = str(exc).splitlines()[0][:160] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


async def drive_async(
    call: AsyncCall, *, concurrency: int, calls: int, first_index: int, max_seconds: float
) -> Sample:
    """Keep ``concurrency`` calls in flight on the running loop until the batch ends.

    Args:
        call: the client's call.
        concurrency: calls in flight at once (one task each).
        calls: how many calls to make at most.
        first_index: the index of the first call (create needs a fresh one per call).
        max_seconds: the time limit for the batch.

    Returns:
        The sample.
    """
    latencies: list[float] = []
    next_index = first_index
    end_index = first_index + calls
    errors: list[str] = []
    start = time.perf_counter()
    stop_at = start + max_seconds

    async def worker() -> None:
        nonlocal next_index
        while next_index < end_index and not errors and time.perf_counter() < stop_at:
            index = next_index
            next_index += 1
            began = time.perf_counter()
            try:
                await call(index)
            except Exception as exc:
                errors.append(_describe(exc))
                return
            latencies.append(time.perf_counter() - began)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Sample(latencies, time.perf_counter() - start, errors[0] if errors else None)


def drive_threads(
    call: SyncCall, *, threads: int, calls: int, first_index: int, max_seconds: float
) -> Sample:
    """Call from ``threads`` threads at once (1: the calling thread, sequentially).

    Args:
        call: the client's blocking call; must be safe to share between threads.
        threads: calls in flight at once (one thread each).
        calls: how many calls to make at most.
        first_index: the index of the first call.
        max_seconds: the time limit for the batch.

    Returns:
        The sample.
    """
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(first_index, first_index + calls))
    lock = threading.Lock()
    start = time.perf_counter()
    stop_at = start + max_seconds

    def worker() -> None:
        while not errors and time.perf_counter() < stop_at:
            with lock:
                index = next(counter, None)
            if index is None:
                return
            began = time.perf_counter()
            try:
                call(index)
            except Exception as exc:
                errors.append(_describe(exc))
                return
            # list.append is atomic under the GIL, so no lock is needed here.
            latencies.append(time.perf_counter() - began)

    if threads == 1:
        worker()
    else:
        pool = [threading.Thread(target=worker, name=f"bench-{n}") for n in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
    return Sample(latencies, time.perf_counter() - start, errors[0] if errors else None)
