"""The event loop behind the blocking ``Client``: one per client, in a thread it owns.

aiohttp has no blocking mode and its sessions belong to the loop that made
them, so the sync facade does not run a loop per call (``asyncio.run`` would
throw the connection pool away each time, and fails inside a running loop).
Instead each :class:`Runner` starts one daemon thread running one loop (a
:class:`~lambda_es._loop_thread.LoopThread`, which FakeLambda's threaded mode
uses too), on the first call; the async client is built inside that loop and
kept, and every call is handed to it (:meth:`LoopThread.hand_off
<lambda_es._loop_thread.LoopThread.hand_off>`: a task whose completion
releases a bare lock the caller waits on, about half the cost of
:func:`asyncio.run_coroutine_threadsafe` and its concurrent future). The caller's own loop, if it has one, is never touched, so calling from
a coroutine, a Jupyter cell or many threads at once neither deadlocks nor
trips "this event loop is already running".

A fork (multiprocessing's default on Linux, gunicorn ``--preload``, Celery's
prefork pool) copies the runner but not its thread: in the child, every runner
forgets the parent's loop and connections and starts afresh on its next call.
Just before a fork, every runner pauses its loop thread (the loop itself, its
connections and any call in flight are kept; the thread and the executor's
threads end), so that the process forks with no thread of ours: Python 3.12+
warns about forking a multi-threaded process. In the parent the loop runs
again, in a new thread, on the next call.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import threading
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from typing import Any, Concatenate, Generic, Literal, ParamSpec, TypeVar

from ._errors import LambdaESError
from ._loop_thread import Handoff, LoopThread, preferred_loop_factory

__all__ = ["Runner"]

logger = logging.getLogger("lambda_es")

C = TypeVar("C")
T = TypeVar("T")
P = ParamSpec("P")

_State = Literal["idle", "running", "closing", "closed"]


class Runner(Generic[C]):
    """Runs one async client on a private event loop, for blocking callers.

    Args:
        owner: the object whose lifetime bounds the runner's (the sync client).
            Only a weak reference is kept: when the owner is collected, or at
            interpreter exit, the loop is stopped and the client closed.
        factory: builds the async client; called once, in this constructor, so
            that its argument errors surface at once. It must do no I/O and
            bind nothing to an event loop (AsyncClient makes its aiohttp
            session on first use, which happens inside the runner's loop).
        closer: closes the async client; awaited inside the loop on close.
        name: the name of the loop's thread.
    """

    def __init__(
        self,
        owner: object,
        factory: Callable[[], C],
        closer: Callable[[C], Awaitable[None]],
        *,
        name: str = "lambda_es",
    ) -> None:
        self._closer = closer
        self._name = name
        self._factory = factory
        self._client: C | None = factory()
        # Made on the first call; paused (thread-less) across a fork.
        self._worker: LoopThread | None = None
        self._state: _State = "idle"
        # Guards the state and every submission, so that nothing is queued on
        # a loop after close() has decided to stop it (it would wait forever).
        self._lock = threading.Lock()
        # Serialises close() so that a second caller returns once it is done.
        self._close_lock = threading.Lock()
        # The callback holds the runner, never the owner: a reference to the
        # owner would keep it alive forever. atexit=True (the default) makes it
        # run at interpreter exit too, while the daemon thread is still alive.
        self._finalizer = weakref.finalize(owner, self._finalize)
        _RUNNERS.add(self)

    def __repr__(self) -> str:
        return f"<Runner {self._name!r} {self._state}>"

    @property
    def state(self) -> str:
        """``"idle"`` (no loop yet), ``"running"``, ``"closing"`` or ``"closed"``."""
        return self._state

    # -- calls --------------------------------------------------------------

    def run(
        self,
        fn: Callable[Concatenate[C, P], Awaitable[T]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Await ``fn(client, *args, **kwargs)`` on the runner's loop and return its result.

        ``fn`` is called inside the loop, so a refused call leaves no coroutine
        unawaited. If the waiting thread is interrupted
        (KeyboardInterrupt, or any exception a signal handler raises), the
        coroutine is cancelled before the exception propagates.

        Args:
            fn: an async method of the client, such as ``AsyncClient.get_event_source``.
            *args: its positional arguments after the client.
            **kwargs: its keyword arguments.

        Returns:
            What the coroutine returns.

        Raises:
            LambdaESError: the client is closed, or was closed during the call.
            RuntimeError: called from the runner's own thread (it would deadlock).
            Exception: whatever the coroutine raises, unchanged.
        """

        async def call() -> T:
            return await fn(self._get_client(), *args, **kwargs)

        return self._submit(call)

    def iterate(
        self,
        fn: Callable[Concatenate[C, P], AsyncIterator[T]],
        /,
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> Iterator[T]:
        """Iterate, blocking, over ``fn(client, *args, **kwargs)``, an async iterator.

        Each item is pulled with one round trip to the loop, so a consumer that
        stops early fetches no further pages; closing the iterator (or leaving
        a ``for`` loop) closes the async generator on the loop.

        Args:
            fn: an async-generator method of the client, such as ``AsyncClient.iter_event_sources``.
            *args: its positional arguments after the client.
            **kwargs: its keyword arguments.

        Yields:
            The async iterator's items, in order.

        Raises:
            LambdaESError: the client is closed, or was closed during the call.
            RuntimeError: called from the runner's own thread (it would deadlock).
            Exception: whatever the async iterator raises, unchanged.
        """

        async def start() -> AsyncIterator[T]:
            return fn(self._get_client(), *args, **kwargs)

        iterator = self._submit(start)
        finished = False
        try:
            while True:
                items = self._submit(lambda: _step(iterator))
                if not items:
                    finished = True
                    return
                yield items[0]
        finally:
            if not finished:
                self._close_iterator(iterator)

    def _close_iterator(self, iterator: AsyncIterator[T]) -> None:
        aclose = getattr(iterator, "aclose", None)
        if aclose is None:
            return
        if self._state != "running":
            # The loop's own shutdown finalises any async generator still open.
            return
        worker = self._worker
        if worker is not None and worker.on_thread():
            # Collected on the loop's thread (a generator dropped inside a
            # callback): it cannot wait for itself, so it schedules the close.
            worker.loop.create_task(aclose())
            return
        # If the client was closed meanwhile, its shutdown finalised the generator.
        with contextlib.suppress(LambdaESError):
            self._submit(aclose)

    def _get_client(self) -> C:
        # Only ever called on the loop's thread; _shutdown clears it there too.
        if self._client is None:
            raise LambdaESError(f"{self._name} is closed")
        return self._client

    def _on_loop_thread(self) -> bool:
        worker = self._worker
        return worker is not None and worker.on_thread()

    def _submit(self, make: Callable[[], Coroutine[Any, Any, T]]) -> T:
        worker = self._worker
        if worker is not None and worker.on_thread():
            raise RuntimeError(
                f"{self._name}: a blocking call was made from the client's own event-loop "
                "thread (inside a coroutine or callback it runs); waiting for it there "
                "would deadlock. Use the AsyncClient with await in async code."
            )
        handoff: Handoff[T] | None = None
        try:
            with self._lock:
                worker = self._worker
                if worker is None or not worker.running or self._state != "running":
                    worker = self._start()
                # Kept before it is scheduled: an interrupt landing anywhere
                # after this line (even inside schedule()) can cancel the call.
                handoff = Handoff(worker.loop, make)
                handoff.schedule()
            # Interrupted while waiting (KeyboardInterrupt, a signal handler's
            # exception), wait() cancels the coroutine before re-raising.
            return handoff.wait()
        except asyncio.CancelledError:
            if self._state != "running":
                raise LambdaESError("the client was closed while the call was running") from None
            # The coroutine was cancelled by something else (or raised it): an
            # Exception for the caller, as a cancelled concurrent future gives,
            # not asyncio's BaseException, which would slip past `except Exception`.
            raise concurrent.futures.CancelledError from None
        except BaseException:
            # Interrupted anywhere after the hand-off was made (before the
            # wait, or inside it): the call is cancelled too, rather than left
            # running. A no-op once it is done (an error the coroutine raised).
            if handoff is not None:
                handoff.cancel()
            raise

    # -- lifecycle ------------------------------------------------------------

    def _start(self) -> LoopThread:
        # Called with self._lock held, when the loop is not known to be running.
        if self._state in ("closing", "closed"):
            raise LambdaESError("the client is closed")
        worker = self._worker
        if worker is None:
            worker = self._worker = LoopThread(self._name, preferred_loop_factory())
            worker.start()
            self._state = "running"
        elif not worker.running:
            # Paused by a fork and left thread-less since (see _resume_after_fork).
            worker.start()
        return worker

    def _pause_for_fork(self) -> None:
        # Runs in the forking thread, before os.fork(). The locks are held
        # until _resume_after_fork (parent) or _forget_parent (child, which
        # replaces them), so that no call or close starts half-way through.
        self._close_lock.acquire()
        self._lock.acquire()
        worker = self._worker
        if self._state != "running" or worker is None or worker.on_thread():
            # Forking from the loop's own thread cannot stop it: that fork warns.
            return
        # Calls waiting on an executor thread (a DNS lookup) finish first.
        worker.pause()

    def _resume_after_fork(self) -> None:
        # Runs in the parent, after os.fork(). CPython checks for threads
        # after these hooks, so a thread started here would bring the warning
        # back: the loop stays paused, thread-less, until the next call
        # (_start) or close() needs it. Only a call already in flight (from
        # another thread, which the process has anyway) restarts it now.
        try:
            worker = self._worker
            if (
                self._state == "running"
                and worker is not None
                and not worker.running
                and asyncio.all_tasks(worker.loop)
            ):
                worker.start()
        finally:
            self._lock.release()
            self._close_lock.release()

    async def _shutdown(self) -> None:
        # Calls still in flight from other threads are cancelled first: they
        # use the session that is about to close.
        current = asyncio.current_task()
        pending = [task for task in asyncio.all_tasks() if task is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        client, self._client = self._client, None
        if client is not None:
            await self._closer(client)

    def close(self) -> None:
        """Close the async client, stop the loop and join its thread. Idempotent.

        Raises:
            RuntimeError: called from the runner's own thread.
            Exception: whatever closing the async client raises; the loop is
                stopped regardless.
        """
        if self._on_loop_thread():
            raise RuntimeError(f"{self._name}: close() was called from its own event-loop thread")
        with self._close_lock:
            with self._lock:
                if self._state == "closed":
                    return
                worker = self._worker
                if worker is not None and not worker.running and self._state == "running":
                    worker.start()  # paused by a fork: it must run to close the client on it
                self._state = "closing" if worker is not None else "closed"
            if worker is None:
                self._finalizer.detach()
                return
            try:
                worker.call(self._shutdown)
            finally:
                worker.stop()
                self._state = "closed"
                self._finalizer.detach()

    def _forget_parent(self) -> None:
        # In a forked child: the loop's thread was not copied, so the loop can
        # never run here, and the client's connections are the parent's
        # sockets. The client is dropped without I/O (closing would shut the
        # parent's connections) and a new one is made for this process.
        forget = getattr(self._client, "_forget_connections", None)
        if callable(forget):
            forget()
        self._lock = threading.Lock()
        self._close_lock = threading.Lock()
        if self._worker is not None:
            self._worker.forget()  # dropped, not closed: see LoopThread.forget
            self._worker = None
        if self._state == "closed":
            self._client = None
        else:
            self._client = self._factory()
            self._state = "idle"

    def _finalize(self) -> None:
        # The owner was collected without close(), or the interpreter is
        # exiting. Never raises: there is nobody left to catch it.
        if self._on_loop_thread():
            # Collected on the loop's own thread: it cannot join itself, so the
            # shutdown is scheduled and the thread winds down on its own.
            worker = self._worker
            assert worker is not None
            self._state = "closing"

            async def shutdown_then_stop() -> None:
                try:
                    await self._shutdown()
                finally:
                    self._state = "closed"
                    worker.stop_soon()

            worker.loop.create_task(shutdown_then_stop())
            return
        try:
            self.close()
        except Exception:
            logger.debug("%s: closing the client at finalisation failed", self._name, exc_info=True)


async def _step(iterator: AsyncIterator[T]) -> list[T]:
    # The end is an empty list rather than StopAsyncIteration: an exception
    # that only ends an iteration should not travel through futures and threads.
    try:
        return [await iterator.__anext__()]
    except StopAsyncIteration:
        return []


_RUNNERS: weakref.WeakSet[Runner[Any]] = weakref.WeakSet()


# The runners paused by the last _before_fork, in the order they were paused.
_PAUSED: list[Runner[Any]] = []


def _before_fork() -> None:
    for runner in list(_RUNNERS):
        # Appended first: _pause_for_fork takes the runner's locks before
        # anything can fail, and the parent must release them whatever happens.
        _PAUSED.append(runner)
        try:
            runner._pause_for_fork()
        except Exception:  # never let one runner stop the fork
            logger.debug("%s: pausing before fork failed", runner._name, exc_info=True)


def _after_fork_in_parent() -> None:
    paused, _PAUSED[:] = list(_PAUSED), []
    for runner in paused:
        try:
            runner._resume_after_fork()
        except Exception:
            logger.debug("%s: resuming after fork failed", runner._name, exc_info=True)


def _after_fork_in_child() -> None:
    _PAUSED.clear()
    for runner in list(_RUNNERS):
        runner._forget_parent()


if hasattr(os, "register_at_fork"):  # not on Windows, which cannot fork
    os.register_at_fork(
        before=_before_fork,
        after_in_parent=_after_fork_in_parent,
        after_in_child=_after_fork_in_child,
    )
