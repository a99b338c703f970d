"""lambda_es.Client: the generated blocking facade and the runner behind it."""

from __future__ import annotations

import asyncio
import gc
import inspect
import os
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import pytest

import lambda_es
from lambda_es._runner import Runner
from lambda_es.testing import FakeLambda

from ._sessions import record_sessions
from .conftest import CREDENTIALS, KINESIS_ARN, ROLE_ARN

ROOT = Path(__file__).resolve().parent.parent
UNKNOWN_UUID = "a1b2c3d4-0000-4000-8000-000000000000"


@pytest.fixture
def threaded_fake() -> Iterator[FakeLambda]:
    """A FakeLambda serving from a thread of its own, so blocking callers cannot stall it."""
    with FakeLambda(credentials=CREDENTIALS) as server:
        yield server


def _loops() -> list[str]:
    # uvloop is an optional speed-up: its rows run only where it is installed.
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return ["asyncio"]
    return ["asyncio", "uvloop"]


@pytest.fixture(params=_loops())
def sync_client(
    request: pytest.FixtureRequest, threaded_fake: FakeLambda, monkeypatch: pytest.MonkeyPatch
) -> Iterator[lambda_es.Client]:
    """A Client signed with CREDENTIALS and pointed at ``threaded_fake``, on each loop installed."""
    if request.param == "asyncio":
        monkeypatch.setenv("LAMBDA_ES_LOOP", "asyncio")
    with lambda_es.Client(
        region="us-east-1", endpoint_url=threaded_fake.endpoint_url, credentials=CREDENTIALS
    ) as client:
        yield client


def test_the_client_runs_on_the_loop_chosen(sync_client: lambda_es.Client) -> None:
    """The client's private loop is uvloop's where installed, asyncio's with LAMBDA_ES_LOOP=asyncio."""
    sync_client.list_event_sources()
    loop = sync_client._runner._worker.loop  # type: ignore[union-attr]
    uvloop = sys.modules.get("uvloop")
    on_uvloop = uvloop is not None and isinstance(loop, uvloop.Loop)
    assert on_uvloop == (os.environ.get("LAMBDA_ES_LOOP") != "asyncio")


def _stream(name: str) -> str:
    return KINESIS_ARN.rsplit("/", 1)[0] + "/" + name


# -- the generated surface ------------------------------------------------------


def _public_async_methods() -> dict[str, object]:
    return {
        name: member
        for name, member in vars(lambda_es.AsyncClient).items()
        if not name.startswith("_")
        and (inspect.iscoroutinefunction(member) or inspect.isasyncgenfunction(member))
    }


def _sync_annotation(annotation: object) -> object:
    # What the generator maps: async iterators become iterators, the client's
    # own class becomes the blocking one.
    if isinstance(annotation, str):
        if annotation.startswith("AsyncIterator["):
            return annotation.removeprefix("Async")
        if annotation == "AsyncClient":
            return "Client"
    return annotation


def _describe(signature: inspect.Signature, *, mapped: bool) -> list[tuple[object, ...]]:
    convert = _sync_annotation if mapped else (lambda a: a)
    described: list[tuple[object, ...]] = [
        (p.name, p.kind, p.default, convert(p.annotation)) for p in signature.parameters.values()
    ]
    described.append(("return", convert(signature.return_annotation)))
    return described


def test_every_public_coroutine_has_a_blocking_twin() -> None:
    """Same name, parameters (names, kinds, defaults, annotations) and docstring; iterators mapped."""
    methods = _public_async_methods()
    assert "add_event_source" in methods
    assert "iter_event_sources" in methods
    for name, async_method in methods.items():
        if name == "aclose":
            continue
        sync_method = getattr(lambda_es.Client, name, None)
        assert sync_method is not None, f"Client.{name} is missing"
        assert not inspect.iscoroutinefunction(sync_method)
        assert _describe(inspect.signature(sync_method), mapped=False) == _describe(
            inspect.signature(async_method),  # type: ignore[arg-type]
            mapped=True,
        ), name
        assert inspect.getdoc(sync_method) == inspect.getdoc(async_method), name


def test_async_generators_become_iterators() -> None:
    """An AsyncIterator[X] async generator is an Iterator[X] generator on the blocking side."""
    for name, member in _public_async_methods().items():
        if inspect.isasyncgenfunction(member):
            sync_method = getattr(lambda_es.Client, name)
            assert inspect.isgeneratorfunction(sync_method), name
            assert inspect.signature(sync_method).return_annotation.startswith("Iterator[")


def test_lifecycle_methods_are_mapped() -> None:
    """aclose/__aenter__/__aexit__ become close/__enter__/__exit__ with matching signatures."""
    pairs = {"close": "aclose", "__enter__": "__aenter__", "__exit__": "__aexit__"}
    for sync_name, async_name in pairs.items():
        sync_sig = inspect.signature(getattr(lambda_es.Client, sync_name))
        async_sig = inspect.signature(getattr(lambda_es.AsyncClient, async_name))
        assert _describe(sync_sig, mapped=False) == _describe(async_sig, mapped=True)
    assert inspect.getdoc(lambda_es.Client.close) == inspect.getdoc(lambda_es.AsyncClient.aclose)


def test_constructor_takes_the_same_keywords() -> None:
    """Client(...) takes exactly AsyncClient's constructor parameters."""
    assert _describe(inspect.signature(lambda_es.Client), mapped=False) == _describe(
        inspect.signature(lambda_es.AsyncClient), mapped=False
    )


def test_no_public_method_without_an_async_original() -> None:
    """The blocking class adds nothing public of its own beyond close()."""
    sync_public = {n for n in vars(lambda_es.Client) if not n.startswith("_")}
    assert sync_public == (set(_public_async_methods()) - {"aclose"}) | {"close"}


# -- behaviour -------------------------------------------------------------------


def test_operations_round_trip(sync_client: lambda_es.Client, threaded_fake: FakeLambda) -> None:
    """Blocking add, get, list, iterate and remove work end to end against FakeLambda."""
    cfg = sync_client.add_event_source(
        event_source=KINESIS_ARN, function_name="process-orders", role=ROLE_ARN, batch_size=10
    )
    assert isinstance(cfg, lambda_es.EventSourceConfiguration)
    assert cfg.uuid is not None
    assert sync_client.get_event_source(cfg.uuid) == cfg
    page = sync_client.list_event_sources(function_name="process-orders")
    assert [c.uuid for c in page.event_sources] == [cfg.uuid]
    assert [c.uuid for c in sync_client.iter_event_sources()] == [cfg.uuid]
    sync_client.remove_event_source(cfg.uuid)
    assert list(sync_client.iter_event_sources()) == []
    assert [r.method for r in threaded_fake.requests] == [
        "POST",
        "GET",
        "GET",
        "GET",
        "DELETE",
        "GET",
    ]


def test_errors_propagate_unchanged(sync_client: lambda_es.Client) -> None:
    """The async side's exceptions reach the caller with their own types and attributes."""
    with pytest.raises(lambda_es.ResourceNotFoundError) as caught:
        sync_client.get_event_source(UNKNOWN_UUID)
    assert caught.value.status == 404
    assert caught.value.code == "ResourceNotFoundException"
    with pytest.raises(lambda_es.ParamValidationError, match="batch_size"):
        sync_client.add_event_source(
            event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN, batch_size=0
        )


async def _loop_identity(client: lambda_es.AsyncClient) -> tuple[int, int]:
    return id(client), id(asyncio.get_running_loop())


def test_connections_are_pooled_across_calls(
    sync_client: lambda_es.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every call runs on one loop, one AsyncClient and one aiohttp session."""
    sessions = record_sessions(monkeypatch)
    sync_client.add_event_source(event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN)
    first = sync_client._runner.run(_loop_identity)
    sync_client.list_event_sources()
    assert sync_client._runner.run(_loop_identity) == first
    assert len(sessions) == 1


def test_no_thread_until_the_first_call(threaded_fake: FakeLambda) -> None:
    """The constructor does no work: no thread or loop until a call is made."""
    before = set(threading.enumerate())
    client = lambda_es.Client(
        region="us-east-1", endpoint_url=threaded_fake.endpoint_url, credentials=CREDENTIALS
    )
    assert set(threading.enumerate()) == before
    assert repr(client) == "<Client idle>"
    client.list_event_sources()
    assert repr(client) == "<Client running>"
    client.close()
    assert repr(client) == "<Client closed>"
    assert set(threading.enumerate()) == before


def test_eight_threads_at_once(sync_client: lambda_es.Client, threaded_fake: FakeLambda) -> None:
    """Eight threads sharing one client all get their own answers; one loop thread serves them."""
    barrier = threading.Barrier(8)

    def add(index: int) -> str | None:
        barrier.wait()
        cfg = sync_client.add_event_source(
            event_source=_stream(f"s{index}"), function_name=f"fn-{index}", role=ROLE_ARN
        )
        assert cfg.function_name == f"fn-{index}"
        assert sync_client.get_event_source(cfg.uuid or "") == cfg
        return cfg.uuid

    with ThreadPoolExecutor(max_workers=8) as pool:
        uuids = list(pool.map(add, range(8)))
    assert len(set(uuids)) == 8
    assert len(threaded_fake.requests) == 16
    loop_threads = [t for t in threading.enumerate() if t.name == "lambda_es.Client"]
    assert len(loop_threads) == 1


async def test_called_from_a_running_event_loop(sync_client: lambda_es.Client) -> None:
    """Inside a coroutine (a Jupyter cell, a sync library in an async app) calls just work."""
    cfg = sync_client.add_event_source(event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN)
    assert [c.uuid for c in sync_client.iter_event_sources()] == [cfg.uuid]
    # The caller's loop is untouched and still usable.
    await asyncio.sleep(0)


async def test_session_is_refused() -> None:
    """A ClientSession belongs to another loop, so the blocking client refuses it up front."""
    async with aiohttp.ClientSession() as session:
        with pytest.raises(lambda_es.ParamValidationError, match="session"):
            lambda_es.Client(session=session)


def test_constructor_errors_are_raised_at_once() -> None:
    """An invalid constructor argument raises in the constructor, as AsyncClient's does."""
    with pytest.raises(lambda_es.ParamValidationError, match="max_connections"):
        lambda_es.Client(max_connections=0, region="us-east-1")


def test_calls_after_close_are_refused(sync_client: lambda_es.Client) -> None:
    """After close() (idempotent) a call raises LambdaESError instead of hanging."""
    sync_client.list_event_sources()
    sync_client.close()
    sync_client.close()
    with pytest.raises(lambda_es.LambdaESError, match="closed"):
        sync_client.list_event_sources()


def test_reentrant_call_raises_instead_of_deadlocking(sync_client: lambda_es.Client) -> None:
    """A blocking call from the client's own loop thread raises a clear RuntimeError."""

    async def call_back_in(_: lambda_es.AsyncClient) -> None:
        sync_client.list_event_sources()

    with pytest.raises(RuntimeError, match="own event-loop thread"):
        sync_client._runner.run(call_back_in)
    # The client is still usable afterwards.
    assert sync_client.list_event_sources().event_sources == ()


def test_collected_client_stops_its_thread(threaded_fake: FakeLambda) -> None:
    """A client dropped without close() is closed by its finaliser: the loop thread ends."""
    client = lambda_es.Client(
        region="us-east-1", endpoint_url=threaded_fake.endpoint_url, credentials=CREDENTIALS
    )
    before = set(threading.enumerate())
    client.list_event_sources()
    # The loop's thread is the one new thread named after the client (its
    # executor's threads are "lambda_es.Client-io_N").
    (thread,) = [
        t for t in threading.enumerate() if t not in before and t.name == "lambda_es.Client"
    ]
    assert thread.is_alive()
    del client
    gc.collect()
    assert not thread.is_alive()


def _add_streams(client: lambda_es.Client, count: int) -> list[str | None]:
    return [
        client.add_event_source(
            event_source=_stream(f"s{index}"), function_name=f"fn-{index}", role=ROLE_ARN
        ).uuid
        for index in range(count)
    ]


def test_iterator_keeps_its_client_alive(
    sync_client: lambda_es.Client, threaded_fake: FakeLambda
) -> None:
    """Iterating a temporary client's results works: the iterator holds the client."""
    uuids = _add_streams(sync_client, 3)
    items = lambda_es.Client(
        region="us-east-1", endpoint_url=threaded_fake.endpoint_url, credentials=CREDENTIALS
    ).iter_event_sources(page_size=1)
    assert sorted(c.uuid or "" for c in items) == sorted(u or "" for u in uuids)


def test_abandoned_iterator_stops_fetching(
    sync_client: lambda_es.Client, threaded_fake: FakeLambda
) -> None:
    """Breaking out of an iteration fetches no further page."""
    _add_streams(sync_client, 5)
    threaded_fake.requests.clear()
    for cfg in sync_client.iter_event_sources(page_size=2):
        assert cfg.uuid is not None
        break
    assert len(threaded_fake.requests) == 1
    # The client is still usable: the abandoned generator was closed cleanly.
    assert len(list(sync_client.iter_event_sources(page_size=2))) == 5


# -- the runner, with a stand-in client --------------------------------------------


class _Blocker:
    """A stand-in async client whose call waits until it is cancelled."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.cancelled = threading.Event()
        self.closed = False

    async def wait_forever(self) -> None:
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled.set()
            raise

    async def aclose(self) -> None:
        self.closed = True


class _Owner:
    """An object whose lifetime bounds a runner's, as a Client's does."""


def test_keyboard_interrupt_cancels_the_coroutine() -> None:
    """Ctrl-C while a call waits: KeyboardInterrupt reaches the caller, the coroutine is cancelled."""
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals are delivered to the main thread only")
    blocker = _Blocker()
    owner = _Owner()
    runner = Runner(owner, lambda: blocker, _Blocker.aclose)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)

    def interrupt() -> None:
        blocker.started.wait()
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    helper = threading.Thread(target=interrupt)
    helper.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            runner.run(_Blocker.wait_forever)
    finally:
        helper.join()
        signal.signal(signal.SIGINT, previous)
    assert blocker.cancelled.wait(timeout=10)
    runner.close()
    assert blocker.closed


def test_an_interrupt_right_after_scheduling_still_cancels_the_call(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An interrupt landing just after the call is queued, before the wait, cancels the coroutine."""
    from lambda_es import _loop_thread

    blocker = _Blocker()
    owner = _Owner()
    runner = Runner(owner, lambda: blocker, _Blocker.aclose)
    schedule = _loop_thread.Handoff.schedule

    def schedule_then_interrupt(self: _loop_thread.Handoff[Any]) -> None:
        schedule(self)
        assert blocker.started.wait(10)  # the coroutine runs by now, as in the race
        raise KeyboardInterrupt

    monkeypatch.setattr(_loop_thread.Handoff, "schedule", schedule_then_interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            runner.run(_Blocker.wait_forever)
        assert blocker.cancelled.wait(timeout=10)
    finally:
        monkeypatch.undo()
        runner.close()
    assert blocker.closed


def test_a_coroutine_cancelled_on_a_running_client_raises_an_exception() -> None:
    """A call whose coroutine ends cancelled raises concurrent.futures.CancelledError; the runner goes on."""
    import concurrent.futures

    owner = _Owner()
    blocker = _Blocker()
    runner = Runner(owner, lambda: blocker, _Blocker.aclose)

    async def cancelled(_: _Blocker) -> None:
        raise asyncio.CancelledError

    async def answer(_: _Blocker) -> int:
        return 42

    try:
        with pytest.raises(concurrent.futures.CancelledError):
            runner.run(cancelled)
        assert runner.run(answer) == 42
    finally:
        runner.close()


def test_many_threads_share_one_runner_under_contention() -> None:
    """Sixteen threads calling at once each get their own results, in order, through the hand-off."""
    owner = _Owner()
    blocker = _Blocker()
    runner = Runner(owner, lambda: blocker, _Blocker.aclose)

    async def echo(_: _Blocker, value: int) -> int:
        await asyncio.sleep(0)
        return value

    results: dict[int, list[int]] = {}

    def caller(index: int) -> None:
        results[index] = [runner.run(echo, index * 1000 + n) for n in range(150)]

    threads = [threading.Thread(target=caller, args=(i,)) for i in range(16)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        runner.close()
    assert results == {i: [i * 1000 + n for n in range(150)] for i in range(16)}


def test_closing_during_a_call_fails_that_call() -> None:
    """close() from one thread cancels another thread's call, which gets LambdaESError."""
    blocker = _Blocker()
    owner = _Owner()
    runner = Runner(owner, lambda: blocker, _Blocker.aclose)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            runner.run(_Blocker.wait_forever)
        except BaseException as exc:
            errors.append(exc)

    caller = threading.Thread(target=call)
    caller.start()
    blocker.started.wait()
    runner.close()
    caller.join()
    assert blocker.cancelled.is_set()
    assert blocker.closed
    assert len(errors) == 1
    assert isinstance(errors[0], lambda_es.LambdaESError)
    assert "closed while the call was running" in str(errors[0])


def test_never_closed_client_is_closed_at_exit(tmp_path: Path) -> None:
    """At interpreter exit a forgotten client's session is closed, with no warning (-W error)."""
    script = tmp_path / "forgotten.py"
    script.write_text(
        textwrap.dedent(
            """
            import aiohttp
            import lambda_es
            from lambda_es._client import AsyncClient
            from lambda_es.testing import FakeLambda

            sessions = []
            original_init = aiohttp.ClientSession.__init__

            def recording_init(self, *args, **kwargs):
                original_init(self, *args, **kwargs)
                sessions.append(self)

            aiohttp.ClientSession.__init__ = recording_init
            original = AsyncClient.aclose

            async def traced_aclose(self):
                await original(self)
                closed = bool(sessions) and all(s.closed for s in sessions)
                print("aclose ran; session closed:", closed)

            AsyncClient.aclose = traced_aclose

            fake = FakeLambda().__enter__()
            client = lambda_es.Client(
                region=fake.region,
                endpoint_url=fake.endpoint_url,
                credentials=fake.client_credentials,
            )
            cfg = client.add_event_source(
                event_source="arn:aws:kinesis:us-east-1:123456789012:stream/orders",
                function_name="f",
                role="arn:aws:iam::123456789012:role/r",
            )
            print("added", cfg.uuid is not None)
            fake.__exit__(None, None, None)
            # client is deliberately never closed.
            """
        ),
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(
        [sys.executable, "-W", "error", str(script)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
        timeout=60,
    )
    assert result.stderr == ""
    assert result.returncode == 0
    assert result.stdout.splitlines() == ["added True", "aclose ran; session closed: True"]


FORK_SCRIPT = """
import gc, os, sys
import lambda_es
from lambda_es.testing import FakeLambda

with FakeLambda() as fake:
    client = lambda_es.Client(
        region="us-east-1", endpoint_url=fake.endpoint_url, credentials=fake.client_credentials
    )
    client.create_event_source_mapping(function_name="f", event_source_arn=sys.argv[1])
    pid = os.fork()
    if pid == 0:
        # The child: the runner's thread was not copied; the client must still work.
        found = len(client.list_event_source_mappings().event_source_mappings)
        client.close()
        # What the child dropped of the parent's (its loop, its connections)
        # must not warn when collected: collect now, not by chance.
        gc.collect()
        os._exit(0 if found == 1 else 3)
    _, status = os.waitpid(pid, 0)
    print("child exit", os.waitstatus_to_exitcode(status))
    print("parent sees", len(client.list_event_source_mappings().event_source_mappings))
    client.close()
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() exists only on POSIX")
def test_a_forked_child_gets_a_working_client() -> None:
    """After fork the child's Client starts a loop of its own instead of hanging on the parent's."""
    result = subprocess.run(
        [
            sys.executable,
            "-W",
            "error",
            # Python 3.12+ warns that forking a threaded process may deadlock: the
            # very case under test.
            "-W",
            "ignore:This process:DeprecationWarning",
            "-c",
            FORK_SCRIPT,
            "arn:aws:sqs:us-east-1:123456789012:q",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == ["child exit 0", "parent sees 1"]
    assert result.stderr == ""
