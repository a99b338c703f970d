"""lambda_es._loop_thread: the loop-in-a-thread under the sync client and FakeLambda's threaded mode."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import socket
import sys
import threading
from collections.abc import Iterator

import pytest

from lambda_es._loop_thread import LOOP_ENV, LoopThread, preferred_loop_factory


async def _thread_name() -> str:
    return threading.current_thread().name


class _Forever:
    """A coroutine function that runs until cancelled, and says when it started and how it ended."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.outcome: list[str] = []

    async def __call__(self) -> None:
        self.started.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            self.outcome.append("cancelled")
            raise


def test_call_runs_the_coroutine_on_the_named_daemon_thread() -> None:
    """call() runs the coroutine on the loop's own daemon thread, named as asked."""
    worker = LoopThread("loop-test")
    worker.start()
    try:
        assert worker.state == "running"
        assert worker.thread is not None
        assert worker.thread.daemon
        assert worker.call(_thread_name) == "loop-test"
        assert not worker.on_thread()
    finally:
        worker.stop()
    assert worker.state == "stopped"
    assert worker.loop.is_closed()


def test_errors_come_back_unchanged() -> None:
    """An exception the coroutine raises reaches the caller as the same object."""
    error = KeyError("boom")

    async def fail() -> None:
        raise error

    worker = LoopThread("loop-test")
    worker.start()
    try:
        with pytest.raises(KeyError) as caught:
            worker.call(fail)
        assert caught.value is error
    finally:
        worker.stop()


def test_on_thread_is_true_only_on_the_loop_thread() -> None:
    """on_thread() tells the loop's thread (where waiting would deadlock) from others."""
    worker = LoopThread("loop-test")
    worker.start()
    try:

        async def ask() -> bool:
            return worker.on_thread()

        assert worker.call(ask) is True
        assert worker.on_thread() is False
    finally:
        worker.stop()


def test_a_future_cancelled_before_the_loop_runs_makes_no_coroutine() -> None:
    """A call cancelled before it starts never makes its coroutine (nothing left unawaited)."""
    worker = LoopThread("loop-test")
    made: list[str] = []

    async def record() -> None:
        made.append("made")

    worker.start()
    try:
        future: concurrent.futures.Future[None] = concurrent.futures.Future()
        future.cancel()  # as an interrupt would, before the loop gets to it
        worker.submit(record, future)
        worker.call(_settle)  # the earlier callback has run by now
        assert made == []
    finally:
        worker.stop()


def test_cancelling_the_future_cancels_the_task() -> None:
    """Cancelling the concurrent future cancels the task running on the loop."""
    worker = LoopThread("loop-test")
    forever = _Forever()
    worker.start()
    try:
        future = worker.submit(forever)
        assert forever.started.wait(5)
        future.cancel()
        worker.call(_settle)
        assert forever.outcome == ["cancelled"]
    finally:
        worker.stop()


async def _settle() -> None:
    for _ in range(3):
        await asyncio.sleep(0)


def test_pause_keeps_the_loop_and_its_tasks_and_start_resumes_them() -> None:
    """pause() leaves no thread of ours, keeps the loop's tasks; start() runs them on."""
    worker = LoopThread("loop-test")
    release = asyncio.Event()

    async def wait_for_release() -> str:
        await release.wait()
        return "released"

    worker.start()
    try:
        worker.call(_thread_name)
        future = worker.submit(wait_for_release)
        worker.call(_settle)
        worker.pause()
        assert worker.state == "paused"
        assert worker.thread is None
        assert not [t for t in threading.enumerate() if t.name.startswith("loop-test")]
        assert not worker.loop.is_closed()
        assert not future.done()
        worker.start()

        async def let_go() -> None:
            release.set()

        worker.call(let_go)
        assert future.result(timeout=5) == "released"
    finally:
        worker.stop()


def test_stop_cancels_what_is_left_joins_and_closes() -> None:
    """stop() cancels pending tasks, joins the thread and closes the loop; twice is fine."""
    worker = LoopThread("loop-test")
    worker.start()
    future = worker.submit(lambda: asyncio.sleep(3600))
    worker.call(_settle)
    thread = worker.thread
    worker.stop()
    worker.stop()
    assert thread is not None
    assert not thread.is_alive()
    assert future.cancelled()
    assert worker.loop.is_closed()


def test_stopping_a_paused_loop_winds_it_down() -> None:
    """A paused loop is run once more by stop(), so its tasks are cancelled, not leaked."""
    worker = LoopThread("loop-test")
    worker.start()
    future = worker.submit(lambda: asyncio.sleep(3600))
    worker.call(_settle)
    worker.pause()
    worker.stop()
    assert future.cancelled()
    assert worker.loop.is_closed()


def test_stopping_a_loop_never_started_closes_it() -> None:
    """stop() before start() closes the loop without starting a thread."""
    worker = LoopThread("loop-test")
    worker.stop()
    assert worker.state == "stopped"
    assert worker.loop.is_closed()
    with pytest.raises(RuntimeError, match="cannot start"):
        worker.start()


def test_start_twice_is_refused() -> None:
    """start() on a running loop thread raises rather than start a second thread."""
    worker = LoopThread("loop-test")
    worker.start()
    try:
        with pytest.raises(RuntimeError, match="cannot start"):
            worker.start()
    finally:
        worker.stop()


def test_stop_soon_winds_down_from_the_loop_thread() -> None:
    """stop_soon(), called on the loop's thread, ends it as stop() would."""
    worker = LoopThread("loop-test")
    worker.start()
    thread = worker.thread
    assert thread is not None

    async def stop_self() -> None:
        worker.stop_soon()

    worker.submit(stop_self)
    thread.join(5)
    assert not thread.is_alive()
    assert worker.loop.is_closed()
    assert worker.state == "stopped"


def test_forget_drops_the_loop_without_closing_it() -> None:
    """forget() (a forked child's copy) leaves the loop open: closing would touch the parent's."""
    worker = LoopThread("loop-test")
    worker.forget()
    assert worker.state == "stopped"
    assert not worker.loop.is_closed()
    worker.loop.close()  # this test's own loop: nothing was forked


def test_hand_off_returns_the_result_from_the_loop_thread() -> None:
    """hand_off(make).wait() runs the coroutine on the loop's thread and returns its result."""
    worker = LoopThread("loop-test")
    worker.start()
    try:
        assert worker.hand_off(_thread_name).wait() == "loop-test"
    finally:
        worker.stop()


def test_hand_off_raises_the_coroutines_exception_unchanged() -> None:
    """An exception the handed-off coroutine raises reaches the waiter as the same object."""
    error = KeyError("boom")

    async def fail() -> None:
        raise error

    worker = LoopThread("loop-test")
    worker.start()
    try:
        with pytest.raises(KeyError) as caught:
            worker.hand_off(fail).wait()
        assert caught.value is error
    finally:
        worker.stop()


def test_hand_off_cancelled_before_the_loop_runs_makes_no_coroutine() -> None:
    """A hand-off cancelled before the loop starts it never makes its coroutine; wait() says so."""
    worker = LoopThread("loop-test")
    made: list[str] = []

    async def record() -> None:
        made.append("made")

    handoff = worker.hand_off(record)  # queued on a loop no thread runs yet
    handoff.cancel()
    worker.start()
    try:
        with pytest.raises(asyncio.CancelledError):
            handoff.wait()
        assert made == []
    finally:
        worker.stop()


def test_cancelling_a_hand_off_cancels_its_running_task() -> None:
    """cancel() from another thread cancels the running task; the waiter gets CancelledError."""
    worker = LoopThread("loop-test")
    forever = _Forever()
    worker.start()
    try:
        handoff = worker.hand_off(forever)
        assert forever.started.wait(5)
        handoff.cancel()
        with pytest.raises(asyncio.CancelledError):
            handoff.wait()
        assert forever.outcome == ["cancelled"]
    finally:
        worker.stop()


def test_a_task_cancelled_before_its_first_step_still_wakes_the_waiter() -> None:
    """A hand-off whose task is cancelled before it first runs (a close) releases its waiter."""
    worker = LoopThread("loop-test")
    made: list[str] = []

    async def record() -> str:
        made.append("made")
        return "ran"

    def cancel_all() -> None:
        # Queued behind _start in the loop's FIFO: the task exists, has not run.
        for task in asyncio.all_tasks(worker.loop):
            task.cancel()

    worker.start()
    try:
        with _LoopHeld(worker):
            handoff = worker.hand_off(record)
            worker.loop.call_soon_threadsafe(cancel_all)
        with pytest.raises(asyncio.CancelledError):
            handoff.wait()
        assert made == []
    finally:
        worker.stop()


def test_many_threads_hand_off_at_once() -> None:
    """Hand-offs from many threads at once each get their own coroutine's result."""
    worker = LoopThread("loop-test")

    async def echo(value: int) -> int:
        await asyncio.sleep(0)
        return value

    results: dict[int, list[int]] = {}

    def caller(index: int) -> None:
        results[index] = [
            worker.hand_off(functools.partial(echo, index * 1000 + n)).wait() for n in range(200)
        ]

    worker.start()
    try:
        threads = [threading.Thread(target=caller, args=(i,)) for i in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == {i: [i * 1000 + n for n in range(200)] for i in range(16)}
    finally:
        worker.stop()


class _LoopHeld:
    """Holds the loop's thread in a callback, so that what is queued meanwhile runs in one batch."""

    def __init__(self, worker: LoopThread) -> None:
        self._worker = worker
        self._entered = threading.Event()
        self._release = threading.Event()

    def __enter__(self) -> None:
        def hold() -> None:
            self._entered.set()
            self._release.wait(5)

        self._worker.loop.call_soon_threadsafe(hold)
        assert self._entered.wait(5)

    def __exit__(self, *exc: object) -> None:
        self._release.set()


def test_preferred_loop_is_asyncio_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """LAMBDA_ES_LOOP=asyncio picks asyncio's own loop even where uvloop is installed."""
    monkeypatch.setenv(LOOP_ENV, "asyncio")
    assert preferred_loop_factory() is asyncio.new_event_loop


def test_preferred_loop_is_asyncio_without_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without uvloop (the pure-Python install) the loop is asyncio's own."""
    monkeypatch.setitem(sys.modules, "uvloop", None)  # makes "import uvloop" fail
    assert preferred_loop_factory() is asyncio.new_event_loop


def test_preferred_loop_is_uvloop_when_installed() -> None:
    """With uvloop installed (lambda-es[speedups]) the loop thread runs a uvloop loop."""
    uvloop = pytest.importorskip("uvloop")
    worker = LoopThread("loop-test", preferred_loop_factory())
    worker.start()
    try:
        assert isinstance(worker.loop, uvloop.Loop)
        assert worker.hand_off(_thread_name).wait() == "loop-test"
    finally:
        worker.stop()
    assert worker.loop.is_closed()


def test_uvloop_resolves_names_on_the_executor_not_libuvs_threads() -> None:
    """On uvloop, getaddrinfo runs on the loop's executor (threads pause() ends), with asyncio's result."""
    pytest.importorskip("uvloop")
    worker = LoopThread("loop-test", preferred_loop_factory())
    resolved_on: list[str] = []
    original = socket.getaddrinfo

    def recording(*args: object, **kwargs: object) -> object:
        resolved_on.append(threading.current_thread().name)
        return original(*args, **kwargs)  # type: ignore[arg-type]

    async def resolve() -> list[tuple[object, ...]]:
        loop = asyncio.get_running_loop()
        return list(await loop.getaddrinfo("localhost", 80, type=socket.SOCK_STREAM))

    worker.start()
    try:
        with _patched(socket, "getaddrinfo", recording):
            infos = worker.hand_off(resolve).wait()
        assert infos == original("localhost", 80, type=socket.SOCK_STREAM)
        assert resolved_on
        assert all(name.startswith("loop-test-io") for name in resolved_on)
        worker.pause()
        assert not [t for t in threading.enumerate() if t.name.startswith("loop-test")]
        worker.start()
    finally:
        worker.stop()


@contextlib.contextmanager
def _patched(target: object, name: str, value: object) -> Iterator[None]:
    # monkeypatch would undo it only at the test's end; the loop thread reads
    # socket.getaddrinfo at call time, so the window is this block.
    saved = getattr(target, name)
    setattr(target, name, value)
    try:
        yield
    finally:
        setattr(target, name, saved)
