"""An event loop run by a daemon thread of ours, and the hand-off of coroutines to it.

Both the blocking ``Client`` (through :class:`lambda_es._runner.Runner`) and
FakeLambda's threaded mode (``with FakeLambda() as fake:``) need one: a loop
that other threads submit coroutines to and wait on, without touching their
own loop if they have one. :class:`LoopThread` owns the loop, its thread and
the loop's default executor; it can stop the thread and start it again
later with the loop and its tasks kept (what a fork needs), and finally stop
it for good, which cancels what is left and closes the loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import importlib
import os
import socket
import threading
import time
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar, cast

__all__ = ["LOOP_ENV", "Handoff", "LoopThread", "preferred_loop_factory"]

#: Loops a forked child must neither close nor let be collected (see LoopThread.forget).
_ABANDONED: list[asyncio.AbstractEventLoop] = []

#: The longest pause() waits for its joined threads to leave the OS's thread list.
OS_EXIT_TIMEOUT = 1.0

#: ``LAMBDA_ES_LOOP=asyncio`` keeps the blocking client on asyncio's own loop
#: even when uvloop is installed.
LOOP_ENV = "LAMBDA_ES_LOOP"

T = TypeVar("T")


def preferred_loop_factory() -> Callable[[], asyncio.AbstractEventLoop]:
    """The event loop for a private loop thread (the blocking client's): uvloop's when installed.

    No user code runs on that loop, so a faster implementation changes
    nothing the caller sees, and uvloop cuts the blocking client's per-call
    cost by about a sixth (see ``benchmarks/README.md``). It is optional
    (``pip install lambda-es[speedups]``); without it, or with
    ``LAMBDA_ES_LOOP=asyncio`` in the environment, asyncio's default loop
    is used. uvloop is imported here, on the first call, not by ``import
    lambda_es``.

    Returns:
        A function making a new event loop.
    """
    if os.environ.get(LOOP_ENV, "").strip().lower() != "asyncio":
        try:
            # By name: mypy then needs no uvloop where it is not installed.
            uvloop = importlib.import_module("uvloop")
        except ImportError:
            pass
        else:
            return _uvloop_class(uvloop.Loop)
    return asyncio.new_event_loop


@functools.cache
def _uvloop_class(base: type[Any]) -> Callable[[], asyncio.AbstractEventLoop]:
    class ThreadedResolverLoop(base):  # type: ignore[misc]
        """uvloop, with host names resolved on the loop's executor rather than libuv's pool.

        libuv resolves on threads of its own that never end, and a process
        with threads warns when it forks (Python 3.12+): the executor's
        threads are ones :meth:`LoopThread.pause` can end before a fork.
        """

        async def getaddrinfo(
            self,
            host: bytes | str | None,
            port: bytes | str | int | None,
            *,
            family: int = 0,
            type: int = 0,  # asyncio's own parameter name
            proto: int = 0,
            flags: int = 0,
        ) -> list[tuple[Any, ...]]:
            infos: list[tuple[Any, ...]] = await self.run_in_executor(
                None, socket.getaddrinfo, host, port, family, type, proto, flags
            )
            return infos

    return cast("Callable[[], asyncio.AbstractEventLoop]", ThreadedResolverLoop)


class LoopThread:
    """One event loop, run by one named daemon thread that it starts and joins.

    The loop is made at once (it binds nothing until it runs); the thread
    starts with :meth:`start`. Coroutines are handed over with :meth:`submit`
    (or :meth:`call`, which also waits). Not thread-safe by itself: the owner
    serialises :meth:`start`, :meth:`pause` and :meth:`stop`.

    Args:
        name: the thread's name; the executor's threads are ``NAME-io_N``.
        loop_factory: makes the loop (:func:`asyncio.new_event_loop` by default).
    """

    def __init__(
        self,
        name: str,
        loop_factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop,
    ) -> None:
        self.name = name
        self.loop = loop_factory()
        self._thread: threading.Thread | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        # Set while pause() stops the thread: the loop is then kept, not closed.
        self._pausing = False
        self._stopped = False

    def __repr__(self) -> str:
        return f"<LoopThread {self.name!r} {self.state}>"

    @property
    def state(self) -> str:
        """``"new"``, ``"running"``, ``"paused"`` or ``"stopped"``."""
        if self._stopped:
            return "stopped"
        if self._thread is not None:
            return "running"
        return "paused" if self._pausing else "new"

    @property
    def thread(self) -> threading.Thread | None:
        """The thread running the loop, or ``None`` while it is not running."""
        return self._thread

    @property
    def running(self) -> bool:
        """Whether a thread runs the loop now."""
        return self._thread is not None

    def on_thread(self) -> bool:
        """Whether the caller is the loop's own thread (where waiting on it would deadlock).

        Returns:
            True when called from the thread that runs the loop.
        """
        thread = self._thread
        return thread is not None and thread.ident == threading.get_ident()

    def start(self) -> None:
        """Start the thread (again, after :meth:`pause`); return once the loop runs.

        Raises:
            RuntimeError: the loop thread was stopped for good, or runs already.
        """
        if self._stopped or self._thread is not None:
            raise RuntimeError(f"{self.name}: the loop thread cannot start ({self.state})")
        # An executor of our own, shut down by the loop's thread at the end:
        # loop.shutdown_default_executor() would start a new thread, which is
        # refused at interpreter exit.
        executor = concurrent.futures.ThreadPoolExecutor(thread_name_prefix=f"{self.name}-io")
        self.loop.set_default_executor(executor)
        ready = threading.Event()
        thread = threading.Thread(
            target=self._serve, args=(executor, ready), name=self.name, daemon=True
        )
        thread.start()
        ready.wait()
        self._pausing = False
        self._thread, self._executor = thread, executor

    def _serve(
        self, executor: concurrent.futures.ThreadPoolExecutor, ready: threading.Event
    ) -> None:
        loop = self.loop
        asyncio.set_event_loop(loop)
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
        finally:
            if self._pausing:
                # Stopped by pause(): the loop, its tasks and connections are
                # kept for the thread the next start() makes.
                asyncio.set_event_loop(None)
            else:
                try:
                    _cancel_all(loop)
                    loop.run_until_complete(loop.shutdown_asyncgens())
                finally:
                    executor.shutdown(wait=True, cancel_futures=True)
                    asyncio.set_event_loop(None)
                    loop.close()
                    self._stopped = True

    def submit(
        self,
        make: Callable[[], Coroutine[Any, Any, T]],
        future: concurrent.futures.Future[T] | None = None,
    ) -> concurrent.futures.Future[T]:
        """Run ``make()`` as a task on the loop; its outcome goes to a concurrent future.

        Like :func:`asyncio.run_coroutine_threadsafe`, but the coroutine is
        made on the loop, so a call cancelled before it starts leaves no
        coroutine unawaited; and the caller may pass the future, made before
        anything is scheduled, so that an interrupt at any point can cancel
        the call. Cancelling the future cancels the task.

        Args:
            make: makes the coroutine; called on the loop's thread.
            future: the future to complete; a new one when ``None``.

        Returns:
            The future.
        """
        if future is None:
            future = concurrent.futures.Future()
        self.loop.call_soon_threadsafe(_start_task, self.loop, make, future)
        return future

    def hand_off(self, make: Callable[[], Coroutine[Any, Any, T]]) -> Handoff[T]:
        """Run ``make()`` as a task on the loop; :meth:`Handoff.wait` blocks for its outcome.

        The lean twin of :meth:`submit`, for callers that wait at once (the
        blocking client's every call): the waiting thread blocks on a bare
        lock that the task's completion releases, rather than on a
        :class:`concurrent.futures.Future` (a condition variable, its
        callbacks and their locking), which halves the hand-off's cost.

        Args:
            make: makes the coroutine; called on the loop's thread.

        Returns:
            The hand-off, to wait on.

        Raises:
            RuntimeError: the loop is closed.
        """
        handoff: Handoff[T] = Handoff(self.loop, make)
        handoff.schedule()
        return handoff

    def call(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run ``make()`` on the loop and wait for its result (from another thread).

        Args:
            make: makes the coroutine; called on the loop's thread.

        Returns:
            What the coroutine returns.

        Raises:
            Exception: whatever the coroutine raises.
        """
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        try:
            return self.submit(make, future).result()
        except BaseException:
            future.cancel()  # interrupted while waiting: stop the coroutine too
            raise

    def pause(self) -> None:
        """Stop the thread and join it, keeping the loop and its tasks for :meth:`start`.

        The executor's idle threads are shut down too (a call waiting on one
        finishes first), so that no thread of ours is left: what a fork wants.
        A no-op when the thread is not running.
        """
        thread, executor = self._thread, self._executor
        if thread is None:
            return
        self._pausing = True
        self.loop.call_soon_threadsafe(self.loop.stop)
        ours = [t.native_id for t in threading.enumerate() if t.name.startswith(self.name)]
        thread.join()
        if executor is not None:
            executor.shutdown(wait=True)
        self._thread = self._executor = None
        _wait_for_os_threads_to_exit(ours)

    def stop(self) -> None:
        """Stop the loop for good: cancel its tasks, join the thread, close the loop. Idempotent.

        A paused loop is run once more to wind down, so its tasks and async
        generators are finalised as a running one's would be.
        """
        if self._stopped:
            return
        if self._thread is None:
            if not self._pausing:  # never started: nothing ran, nothing to wind down
                self.loop.close()
                self._stopped = True
                return
            self.start()
        thread = self._thread
        assert thread is not None
        self._pausing = False
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            self.loop.call_soon_threadsafe(self.loop.stop)
        thread.join()
        self._thread = self._executor = None

    def stop_soon(self) -> None:
        """From the loop's own thread: stop the loop once the current callback returns.

        The thread then winds down by itself (as :meth:`stop` would, without
        the join, which a thread cannot do to itself).
        """
        self._pausing = False
        self.loop.stop()

    def forget(self) -> None:
        """Drop the loop without closing it: in a forked child, whose copy can never run.

        Its epoll instance is shared with the parent across a fork, and
        closing it would unregister the parent's self-pipe and sockets. It is
        kept referenced for the child's life: collected, the loop and the
        transports its selector holds would warn that they were never closed
        (a ResourceWarning, an error under ``-W error``).
        """
        _ABANDONED.append(self.loop)
        self._thread = self._executor = None
        self._pausing = False
        self._stopped = True


class Handoff(Generic[T]):
    """One coroutine handed to a :class:`LoopThread`'s loop by :meth:`LoopThread.hand_off`.

    The loop's side (``_start``, ``_done``, ``_cancel``) runs on the loop's
    thread only, in the order it was scheduled, so the task exists before any
    cancellation scheduled after it is looked at, and a cancellation that
    comes first means the coroutine is never made.

    Args:
        loop: the loop that runs the task.
        make: makes the coroutine; called on the loop's thread.
    """

    __slots__ = ("_cancelled", "_done_lock", "_loop", "_make", "_task")

    def __init__(
        self, loop: asyncio.AbstractEventLoop, make: Callable[[], Coroutine[Any, Any, T]]
    ) -> None:
        self._loop = loop
        self._make: Callable[[], Coroutine[Any, Any, T]] | None = make
        self._task: asyncio.Task[T] | None = None
        self._cancelled = False
        # Held from now until the task is done: wait() blocks on acquiring it.
        self._done_lock = threading.Lock()
        self._done_lock.acquire()

    def schedule(self) -> None:
        """Queue the start of the task on the loop (once), from any thread.

        A caller that may be interrupted keeps the hand-off in a variable
        before scheduling it, so that an interrupt landing at any point after
        can cancel it (:meth:`LoopThread.hand_off` does both at once).

        Raises:
            RuntimeError: the loop is closed.
        """
        self._loop.call_soon_threadsafe(self._start)

    def _start(self) -> None:
        make, self._make = self._make, None
        if self._cancelled or make is None:
            self._done_lock.release()
            return
        try:
            self._task = task = self._loop.create_task(make())
        except BaseException:
            self._done_lock.release()
            raise
        # A done callback rather than a try/finally in a wrapping coroutine:
        # a task cancelled before its first step never enters that coroutine.
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[T]) -> None:
        self._done_lock.release()

    def _cancel(self) -> None:
        self._cancelled = True
        if self._task is not None:
            self._task.cancel()

    def cancel(self) -> None:
        """Cancel the task (or keep it from starting), from any thread. Never raises."""
        task = self._task
        if task is not None and task.done():
            return  # nothing to stop: no need to wake the loop
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            self._loop.call_soon_threadsafe(self._cancel)

    def wait(self) -> T:
        """Block until the task is done and return its result.

        If the wait is interrupted (KeyboardInterrupt, or any exception a
        signal handler raises), the task is cancelled before the exception
        propagates.

        Returns:
            What the coroutine returned.

        Raises:
            asyncio.CancelledError: the task was cancelled (or never started).
            Exception: whatever the coroutine raised, unchanged.
        """
        try:
            self._done_lock.acquire()
        except BaseException:
            self.cancel()
            raise
        task = self._task
        if task is None:
            raise asyncio.CancelledError
        # The task is done: reading its outcome from another thread is safe.
        return task.result()


def _start_task(
    loop: asyncio.AbstractEventLoop,
    make: Callable[[], Coroutine[Any, Any, T]],
    future: concurrent.futures.Future[T],
) -> None:
    # Runs on the loop (see LoopThread.submit).
    if future.cancelled():
        return
    task = loop.create_task(make())

    def task_done(task: asyncio.Task[T]) -> None:
        try:
            if task.cancelled():
                future.cancel()
            elif (error := task.exception()) is not None:
                future.set_exception(error)
            else:
                future.set_result(task.result())
        except concurrent.futures.InvalidStateError:
            pass  # the caller cancelled it meanwhile

    def future_done(done: concurrent.futures.Future[T]) -> None:
        # Runs in the thread that cancelled; the loop may have closed since.
        if done.cancelled():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(task.cancel)

    task.add_done_callback(task_done)
    future.add_done_callback(future_done)


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    pending = asyncio.all_tasks(loop)
    if not pending:
        return
    for task in pending:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


def _wait_for_os_threads_to_exit(native_ids: list[int | None]) -> None:
    # Thread.join() returns once the thread's Python state is released, a
    # moment before the OS thread is gone. CPython 3.12+ counts the OS's
    # threads (/proc/self/stat on Linux) to decide whether fork() warns about
    # a multi-threaded process, so a fork right after pause() would still
    # warn: wait, briefly and boundedly, until the threads have left.
    if not os.path.isdir("/proc/self/task"):
        return
    deadline = time.monotonic() + OS_EXIT_TIMEOUT
    for native_id in native_ids:
        if native_id is None:
            continue
        while os.path.exists(f"/proc/self/task/{native_id}") and time.monotonic() < deadline:
            time.sleep(0.0005)
