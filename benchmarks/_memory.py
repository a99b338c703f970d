"""Memory per client, measured in a fresh process: ``python benchmarks/_memory.py NAME URL UUID COUNT``.

Run by ``run.py``. After the client's library is imported, tracemalloc
counts the Python memory held by ``COUNT`` open clients, each of which has
made one ``get`` call (so its connection pool, session and lazily loaded
parts exist). It prints one JSON object: ``first``, the bytes the first
client holds (including whatever the library loads on first use: botocore's
service model, lambda_es's signer), and ``each``, the mean bytes of every
further client. Memory outside Python's allocator (thread stacks, C
extension buffers, the kernel's socket buffers) is not counted.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tracemalloc
from contextlib import AsyncExitStack, ExitStack

from _clients import ASYNC_CLIENTS, SYNC_CLIENTS


def _held() -> int:
    return tracemalloc.get_traced_memory()[0]


async def _measure_async(name: str, endpoint: str, uuid: str, count: int) -> tuple[int, int]:
    opener = ASYNC_CLIENTS[name]
    async with AsyncExitStack() as stack:
        tracemalloc.start()
        base = _held()
        sizes = []
        for _ in range(count):
            call = await stack.enter_async_context(opener(endpoint, "get", uuid, 10))
            await call(0)
            sizes.append(_held() - base)
        tracemalloc.stop()
    return sizes[0], sizes[-1]


def _measure_sync(name: str, endpoint: str, uuid: str, count: int) -> tuple[int, int]:
    opener = SYNC_CLIENTS[name]
    with ExitStack() as stack:
        tracemalloc.start()
        base = _held()
        sizes = []
        for _ in range(count):
            call = stack.enter_context(opener(endpoint, "get", uuid, 10))
            call(0)
            sizes.append(_held() - base)
        tracemalloc.stop()
    return sizes[0], sizes[-1]


def main(argv: list[str]) -> int:
    """Measure one client and print the result as JSON.

    Args:
        argv: NAME URL UUID COUNT.

    Returns:
        The exit status.
    """
    name, endpoint, uuid, count_text = argv
    count = max(2, int(count_text))
    if name in ASYNC_CLIENTS:
        # Imported before measuring so that import cost (reported separately)
        # is not counted as the first client's.
        __import__("aiobotocore.session" if name == "aiobotocore" else "aiohttp")
        first, total = asyncio.run(_measure_async(name, endpoint, uuid, count))
    else:
        __import__("boto3" if name == "boto3" else "lambda_es")
        first, total = _measure_sync(name, endpoint, uuid, count)
    print(json.dumps({"first": first, "each": (total - first) / (count - 1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
