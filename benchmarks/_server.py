"""The benchmark's server: one FakeLambda on 127.0.0.1, in a process of its own.

Run by ``run.py`` as ``python benchmarks/_server.py``; not meant to be run by
hand. It prints ``READY <port>`` once listening, then obeys one command per
line on standard input:

``reset``
    forget every mapping and every recorded request, then answer ``ok``. The
    fake scans its mappings on each create and records every request, so a
    reset between measurements keeps its cost per call, and its memory,
    bounded and the same for every client.

End of input (the parent closed the pipe, or died) stops the server, so it
never outlives a run.
"""

from __future__ import annotations

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
        print(f"READY {fake.port}", flush=True)
        for line in sys.stdin:
            command = line.strip()
            if command == "reset":
                fake.mappings.clear()
                fake.legacy.clear()
                fake.requests.clear()
                print("ok", flush=True)
            elif command:
                raise SystemExit(f"unknown command: {command!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
