"""Drive one client at a fixed number of calls in flight and time every call.

Both drivers stop at whichever comes first: ``calls`` calls made, the time
limit, or the first failed call (a benchmark of failures is meaningless, and
the failure is reported instead of a figure). Latency is measured around each
call with :func:`time.perf_counter`; throughput is successful calls divided by
the wall time of the whole batch. The client's CPU time is
:func:`time.process_time` around the batch (every thread of the process, so a
blocking client's event-loop thread and the calling threads all count), and
the server's comes from a probe that asks the server process for its own.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable, Sequence

import attrs
from _clients import AsyncCall, SyncCall

__all__ = ["CpuProbe", "Sample", "drive_async", "drive_threads", "percentile"]


@attrs.frozen
class Sample:
    """What one measured batch of calls gave.

    Attributes:
        latencies: seconds per successful call, in completion order.
        elapsed: wall seconds for the whole batch.
        error: the first failure (type and a short message), or None.
        cpu: CPU seconds the client's process used during the batch.
        server_cpu: CPU seconds the server's process used during the batch,
            or None when not probed.
    """

    latencies: Sequence[float]
    elapsed: float
    error: str | None = None
    cpu: float = 0.0
    server_cpu: float | None = None

    @property
    def calls(self) -> int:
        """Successful calls."""
        return len(self.latencies)

    @property
    def throughput(self) -> float:
        """Successful calls per second (0 when nothing was measured)."""
        return self.calls / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def cpu_per_call(self) -> float:
        """Client CPU seconds per successful call (NaN when nothing was measured)."""
        return self.cpu / self.calls if self.calls else math.nan

    @property
    def server_share(self) -> float | None:
        """The server's CPU time over the batch's wall time: 1.0 is one core busy throughout."""
        if self.server_cpu is None or self.elapsed <= 0:
            return None
        return self.server_cpu / self.elapsed


#: Asks the server's process for the CPU seconds it has used so far.
CpuProbe = Callable[[], float]


def _probe(probe: CpuProbe | None) -> float | None:
    return probe() if probe is not None else None


def _finish(
    latencies: list[float],
    errors: list[str],
    start: tuple[float, float, float | None],
    probe: CpuProbe | None,
) -> Sample:
    elapsed = time.perf_counter() - start[0]
    cpu = time.process_time() - start[1]
    server_end = _probe(probe)
    server_cpu = None if server_end is None or start[2] is None else server_end - start[2]
    return Sample(latencies, elapsed, errors[0] if errors else None, cpu, server_cpu)


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
    call: AsyncCall,
    *,
    concurrency: int,
    calls: int,
    first_index: int,
    max_seconds: float,
    server_cpu: CpuProbe | None = None,
) -> Sample:
    """Keep ``concurrency`` calls in flight on the running loop until the batch ends.

    Args:
        call: the client's call.
        concurrency: calls in flight at once (one task each).
        calls: how many calls to make at most.
        first_index: the index of the first call (create needs a fresh one per call).
        max_seconds: the time limit for the batch.
        server_cpu: the server's CPU probe, read just before and after the batch.

    Returns:
        The sample.
    """
    latencies: list[float] = []
    next_index = first_index
    end_index = first_index + calls
    errors: list[str] = []
    server_start = _probe(server_cpu)
    start = time.perf_counter()
    cpu_start = time.process_time()
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
    return _finish(latencies, errors, (start, cpu_start, server_start), server_cpu)


def drive_threads(
    call: SyncCall,
    *,
    threads: int,
    calls: int,
    first_index: int,
    max_seconds: float,
    server_cpu: CpuProbe | None = None,
) -> Sample:
    """Call from ``threads`` threads at once (1: the calling thread, sequentially).

    Args:
        call: the client's blocking call; must be safe to share between threads.
        threads: calls in flight at once (one thread each).
        calls: how many calls to make at most.
        first_index: the index of the first call.
        max_seconds: the time limit for the batch.
        server_cpu: the server's CPU probe, read just before and after the batch.

    Returns:
        The sample.
    """
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(first_index, first_index + calls))
    lock = threading.Lock()
    server_start = _probe(server_cpu)
    start = time.perf_counter()
    cpu_start = time.process_time()
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
    return _finish(latencies, errors, (start, cpu_start, server_start), server_cpu)
