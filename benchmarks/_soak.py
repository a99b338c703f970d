"""The soak: many calls from one client in a fresh process, its RSS sampled as it goes.

``python benchmarks/_soak.py NAME URL CALLS EVERY IN_FLIGHT``, run by
``run.py``. One client (an async one from ``_clients.py``, on asyncio's
default loop) makes ``CALLS`` AddEventSource calls with ``IN_FLIGHT`` in
flight; after every ``EVERY`` calls, and once before the first, the process's
resident set size is recorded. Nothing per call is kept (no latency list),
so that the soak's own bookkeeping cannot look like a leak. It prints one
JSON object: ``samples`` (pairs of calls made and RSS bytes), ``elapsed``
seconds, ``source`` (where RSS was read) and ``error`` (the first failure,
or null: the soak stops at the first failed call).
"""

from __future__ import annotations

import asyncio
import json
import os
import resource
import sys
import time

from _clients import ASYNC_CLIENTS

__all__ = ["main", "rss"]


def rss() -> tuple[int, str]:
    """The process's resident set size now.

    Returns:
        Bytes, and the source: ``/proc/self/statm`` (current RSS), or
        ``ru_maxrss`` (the peak, where /proc is missing).
    """
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE"), "/proc/self/statm"
    except (OSError, ValueError, IndexError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        # Linux reports KiB, macOS bytes.
        return (peak if sys.platform == "darwin" else peak * 1024), "ru_maxrss (peak)"


async def soak(
    name: str, endpoint: str, calls: int, every: int, in_flight: int
) -> dict[str, object]:
    """Make the calls and sample RSS.

    Args:
        name: an async client from ``_clients.ASYNC_CLIENTS``.
        endpoint: the server's URL.
        calls: how many calls.
        every: calls between samples.
        in_flight: calls in flight at once.

    Returns:
        What ``main`` prints.
    """
    samples: list[tuple[int, int]] = []
    started = done = 0
    errors: list[str] = []
    size, source = rss()
    samples.append((0, size))
    start = time.perf_counter()
    async with ASYNC_CLIENTS[name](endpoint, "add", "", in_flight) as call:

        async def worker() -> None:
            nonlocal started, done
            while started < calls and not errors:
                started += 1
                try:
                    await call(started)
                except Exception as exc:
                    errors.append(f"{type(exc).__name__}: {str(exc)[:160]}")
                    return
                done += 1
                if done % every == 0:
                    samples.append((done, rss()[0]))

        await asyncio.gather(*(worker() for _ in range(in_flight)))
    return {
        "samples": samples,
        "elapsed": time.perf_counter() - start,
        "source": source,
        "error": errors[0] if errors else None,
    }


def main(argv: list[str]) -> int:
    """Run the soak and print its JSON.

    Args:
        argv: NAME URL CALLS EVERY IN_FLIGHT.

    Returns:
        The exit status.
    """
    name, endpoint, calls, every, in_flight = argv
    result = asyncio.run(soak(name, endpoint, int(calls), int(every), int(in_flight)))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
