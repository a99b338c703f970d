"""Fork and event-loop reuse: the sync runner forks cleanly, the async client survives a new loop.

Python 3.12+ warns (DeprecationWarning) when a multi-threaded process forks;
the runner stops its thread before a fork and restarts it after, so a script
run with ``-W error`` forks without that warning, in the parent and the child.
The server runs in the test process, so the forking script has no thread of
anyone else's.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import warnings

import pytest

import lambda_es
from lambda_es.testing import FakeLambda

ARN = "arn:aws:sqs:us-east-1:123456789012:q"

FORK_SCRIPT = """
import os, sys, threading, warnings
import lambda_es

endpoint, key, secret = sys.argv[1:4]
client = lambda_es.Client(
    region="us-east-1",
    endpoint_url=endpoint,
    credentials=lambda_es.Credentials(key, secret),
)
client.create_event_source_mapping(function_name="f", event_source_arn=sys.argv[4])
loop = client._runner._worker.loop
on_uvloop = "uvloop" in sys.modules and isinstance(loop, sys.modules["uvloop"].Loop)
assert on_uvloop == (sys.argv[5] == "uvloop"), type(loop)
for round in range(2):
    # CPython swallows the fork warning when the filter turns it into an
    # error, so it is recorded instead, as pytest's warning capture would.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pid = os.fork()
    if pid == 0:
        found = len(client.list_event_source_mappings().event_source_mappings)
        client.close()
        os._exit(0 if found == 1 else 3)
    _, status = os.waitpid(pid, 0)
    print("warnings", [str(w.message) for w in caught])
    print("child exit", os.waitstatus_to_exitcode(status))
    # The parent's client goes on working after each fork.
    print("parent sees", len(client.list_event_source_mappings().event_source_mappings))
# Closed right after a fork, with its loop still paused: it closes cleanly.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    pid = os.fork()
if pid == 0:
    os._exit(0)
os.waitpid(pid, 0)
client.close()
print("warnings", [str(w.message) for w in caught])
print("threads left", threading.active_count())
"""


def _loops() -> list[str]:
    # uvloop is an optional speed-up: its row runs only where it is installed.
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return ["asyncio"]
    return ["asyncio", "uvloop"]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() exists only on POSIX")
@pytest.mark.parametrize("loop", _loops())
@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_fork_after_a_call_raises_no_warning_and_both_sides_keep_working(
    loop: str, host: str
) -> None:
    """With warnings as errors, forking after a Client call warns nothing; child and parent work.

    On either loop, and after a host name was resolved (``localhost``: the
    lookup runs on an executor thread, which the pause before a fork ends).
    """
    env = {k: v for k, v in os.environ.items() if k != "LAMBDA_ES_LOOP"}
    if loop == "asyncio":
        env["LAMBDA_ES_LOOP"] = "asyncio"
    with FakeLambda() as fake:
        credentials = fake.client_credentials
        result = subprocess.run(
            [
                sys.executable,
                "-W",
                "error",
                "-c",
                FORK_SCRIPT,
                fake.endpoint_url.replace("127.0.0.1", host),
                credentials.access_key_id,
                credentials.secret_access_key,
                ARN,
                loop,
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
        )
    assert result.stderr == ""
    assert result.returncode == 0
    assert result.stdout.split("\n") == [
        "warnings []",
        "child exit 0",
        "parent sees 1",
        "warnings []",
        "child exit 0",
        "parent sees 1",
        "warnings []",
        "threads left 1",
        "",
    ]


def test_an_async_client_works_under_a_second_asyncio_run() -> None:
    """An AsyncClient used in one asyncio.run() and again in another rebinds, without warnings."""
    with FakeLambda() as fake:
        client = lambda_es.AsyncClient(
            region="us-east-1", endpoint_url=fake.endpoint_url, credentials=fake.client_credentials
        )

        async def count() -> int:
            page = await client.list_event_source_mappings()
            return len(page.event_source_mappings)

        async def create_then_count() -> int:
            await client.create_event_source_mapping(function_name="f", event_source_arn=ARN)
            return await count()

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert asyncio.run(create_then_count()) == 1
            # The first loop's shutdown closed the client's connections cleanly.
            assert asyncio.run(count()) == 1

            async def close() -> None:
                await client.aclose()

            asyncio.run(close())


def test_an_async_client_still_open_on_another_loop_refuses_with_a_typed_error() -> None:
    """A client whose connections live on a running loop elsewhere raises LambdaESError, not RuntimeError."""
    with FakeLambda() as fake:
        client = lambda_es.AsyncClient(
            region="us-east-1", endpoint_url=fake.endpoint_url, credentials=fake.client_credentials
        )
        outer = asyncio.new_event_loop()
        try:
            outer.run_until_complete(client.list_event_source_mappings())

            async def from_another_loop() -> None:
                await client.list_event_source_mappings()

            with pytest.raises(lambda_es.LambdaESError, match="belongs to the event loop"):
                asyncio.run(from_another_loop())
            outer.run_until_complete(client.aclose())
        finally:
            outer.run_until_complete(outer.shutdown_asyncgens())
            outer.close()


IN_FLIGHT_SCRIPT = """
import os, sys, threading, time
import lambda_es

endpoint, key, secret = sys.argv[1:4]
client = lambda_es.Client(
    region="us-east-1",
    endpoint_url=endpoint,
    credentials=lambda_es.Credentials(key, secret),
)
client.list_event_source_mappings()
started = threading.Event()
results = []

def slow_call():
    started.set()
    results.append(len(client.list_event_source_mappings().event_source_mappings))

worker = threading.Thread(target=slow_call)
worker.start()
started.wait()
time.sleep(0.2)  # the request is out; its answer is held for 0.5 s
pid = os.fork()
if pid == 0:
    found = len(client.list_event_source_mappings().event_source_mappings)
    os._exit(0 if found == 0 else 3)
_, status = os.waitpid(pid, 0)
worker.join(30)
print("child exit", os.waitstatus_to_exitcode(status))
print("in-flight call finished", results)
client.close()
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() exists only on POSIX")
def test_a_call_in_flight_during_a_fork_completes_in_the_parent() -> None:
    """A call another thread is waiting on when the process forks still completes afterwards."""
    with FakeLambda() as fake:
        # The first request is the warm-up; the second, in flight at the fork, is held.
        fake.delay_next(0.0)
        fake.delay_next(0.5)
        credentials = fake.client_credentials
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                IN_FLIGHT_SCRIPT,
                fake.endpoint_url,
                credentials.access_key_id,
                credentials.secret_access_key,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["child exit 0", "in-flight call finished [0]"]


def test_a_client_on_a_shared_session_refuses_another_loop() -> None:
    """With session= (bound to its own loop), a call from another loop is a LambdaESError."""
    import aiohttp

    with FakeLambda() as fake:
        outer = asyncio.new_event_loop()
        try:

            async def make() -> tuple[aiohttp.ClientSession, lambda_es.AsyncClient]:
                session = aiohttp.ClientSession()
                client = lambda_es.AsyncClient(
                    region="us-east-1",
                    endpoint_url=fake.endpoint_url,
                    credentials=fake.client_credentials,
                    session=session,
                )
                await client.list_event_source_mappings()
                return session, client

            session, client = outer.run_until_complete(make())

            async def elsewhere() -> None:
                await client.list_event_source_mappings()

            with pytest.raises(lambda_es.LambdaESError, match="belongs to the event loop"):
                asyncio.run(elsewhere())
            outer.run_until_complete(client.aclose())
            assert not session.closed
            outer.run_until_complete(session.close())
        finally:
            outer.run_until_complete(outer.shutdown_asyncgens())
            outer.close()
