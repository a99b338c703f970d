"""The benchmark's server: one FakeLambda on 127.0.0.1, in a process of its own.

Run by ``run.py`` as ``python benchmarks/_server.py``; not meant to be run by
hand. It prints ``READY <port> <loop>`` once listening (the fake runs its own
asyncio loop in a thread), then obeys one command per line on standard input:

``reset``
    forget every mapping and every recorded request, then answer ``ok``. The
    fake scans its mappings on each create and records every request, so a
    reset between measurements keeps its cost per call, and its memory,
    bounded and the same for every client.
``cpu``
    answer the CPU seconds (user + system) this process has used so far, so
    that the parent can report the server's share of a core during a cell.

End of input (the parent closed the pipe, or died) stops the server, so it
never outlives a run.
"""

from __future__ import annotations

import resource
import sys

from lambda_es.testing import FakeLambda


def main() -> int:
    """Serve until standard input closes.

    Returns:
        The exit status.

    Raises:
        SystemExit: an unknown command was received.
    """
    # No credentials: the fake checks only that requests are SigV4-shaped, so
    # the server spends the same small time on every client's request.
    with FakeLambda(host="127.0.0.1") as fake:
        # A new mapping settles on its first read, so a read-only benchmark of
        # one mapping measures steady-state reads.
        fake.settle_after = 0
        print(f"READY {fake.port} asyncio", flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "reset":
                fake.mappings.clear()
                fake.legacy.clear()
                fake.requests.clear()
                print("ok", flush=True)
            elif command == "cpu":
                usage = resource.getrusage(resource.RUSAGE_SELF)
                print(f"{usage.ru_utime + usage.ru_stime:.6f}", flush=True)
            elif command:
                raise SystemExit(f"unknown command: {command!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
