"""The fake's server: :class:`FakeLambda`, a local Lambda endpoint for tests.

It is a real HTTP server on 127.0.0.1 (a free port by default) that answers
the event-source-mapping API as AWS does: the same paths, status codes, error
headers and bodies. It checks that requests are SigV4-signed for Lambda and,
given ``credentials=``, that the signature is right. Use it as an async
context manager inside an event loop, or as a plain context manager (it then
runs in a thread of its own), or through the pytest fixtures ``fake_lambda``
(async tests), ``fake_lambda_sync`` (blocking tests) and ``fake_lambda_env``
(the AWS environment pointed at the fake), or as ``lambda-es serve``.
Malformed requests get AWS-style 4xx answers; the state can live in a JSON
file (``state_path=``); ``add_function`` makes unknown functions a 404.

    async with FakeLambda() as fake:
        async with AsyncClient(endpoint_url=fake.endpoint_url, region="us-east-1",
                               credentials=fake.client_credentials) as client:
            ...
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import os
import threading
import time
import uuid as uuid_module
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import attrs
from aiohttp import web

from lambda_es._credentials import Credentials
from lambda_es._loop_thread import LoopThread
from lambda_es._public import present_as

from ._common import AWSError, MappingTable
from ._current import CurrentMappings
from ._legacy import LegacyMappings, is_function_name
from ._recording import MAX_RECORDED_BODY, RecordedHeaders, RecordedRequest, RequestLog
from ._signature import SignatureRejected, verify
from ._state import FakeState, StateFileError, read_state, remove_leftovers, write_state

__all__ = ["FakeLambda"]

# The name users configure logging by: the package's, not this module's.
_log = logging.getLogger("lambda_es.testing")

_Table = TypeVar("_Table", bound=MappingTable)


@attrs.frozen
class _Injected:
    status: int
    code: str | None
    message: str
    headers: Mapping[str, str]
    method: str | None


class FakeLambda:
    """A local Lambda endpoint on loopback.

    Functions: with none registered (the default), a mapping may name any
    function. Once :meth:`add_function` has registered one, a mapping (either
    API) for a function not registered gets 404 ResourceNotFoundException
    ``Function not found: arn:aws:lambda:REGION:ACCOUNT:function:NAME``, as
    Lambda answers.

    Args:
        host: the address to listen on (127.0.0.1 by default; any other
            address exposes the fake to whoever can reach it).
        port: the port, 0 for a free one.
        region: the region the fake pretends to be in.
        account_id: the account in the ARNs it makes.
        credentials: when given, signatures are verified with them (else only their form is).
        max_recorded: how many requests :attr:`requests` keeps (the latest ones).
        state_path: a JSON file that holds the state (mappings of both APIs
            and registered functions): loaded by :meth:`start` and replaced
            atomically after every change. ``None`` keeps it in memory only.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        credentials: Credentials | None = None,
        max_recorded: int = 1000,
        state_path: str | os.PathLike[str] | None = None,
    ) -> None:
        if max_recorded < 0:
            raise ValueError("max_recorded must be 0 or more")
        self.host = host
        self.port = port
        self.region = region
        self.account_id = account_id
        self.credentials = credentials
        self.state_path = Path(state_path) if state_path is not None else None
        #: The requests received (the last ``max_recorded``), oldest first.
        self.requests = RequestLog(max_recorded)
        self._written: bytes | None = None
        # The file is written only once it has been read: a change made before
        # start() (add_function) must not replace the state it holds.
        self._loaded = False
        self.functions: set[str] = set()
        self._injected: list[_Injected] = []
        self._delays: list[float] = []
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        # The loop of the threaded mode (``with FakeLambda() as fake:``).
        self._worker: LoopThread | None = None
        self._lock = threading.Lock()
        self.clock: Callable[[], float] = time.time
        self.current = self._table(CurrentMappings)
        self._legacy = self._table(LegacyMappings)

    def _table(self, kind: type[_Table]) -> _Table:
        # Both wire versions share the clock (read late: tests replace it), the
        # lock, the registered functions and the state file.
        return kind(
            self.region,
            self.account_id,
            lambda: self.clock(),
            self._lock,
            functions=self.functions,
            on_change=self._persist,
        )

    def add_function(self, *names: str) -> None:
        """Register functions: from then on, only registered functions can be mapped.

        Args:
            *names: function names (not ARNs).

        Raises:
            ValueError: a name is not a valid function name.
        """
        for name in names:
            if not is_function_name(name):
                raise ValueError(f"not a function name: {name!r}")
        with self._lock:
            self.functions.update(names)
            self._persist()

    # -- state on disk -----------------------------------------------------------

    def _snapshot(self) -> FakeState:
        return FakeState(self.functions, self.legacy, self.current.mappings)

    def _persist(self) -> None:
        # Called with the lock held after anything may have changed; writes
        # only when the content did change, and before the answer is sent,
        # so every answered change is on disk.
        if self.state_path is None or not self._loaded:
            return
        data = self._snapshot().to_json()
        if data != self._written:
            write_state(self.state_path, data)
            self._written = data

    def _load_state(self) -> None:
        if self.state_path is None:
            return
        state = read_state(self.state_path)
        remove_leftovers(self.state_path)
        with self._lock:
            self._loaded = True
            if state is not None:
                # Functions registered before start() join those of the file.
                self.functions.update(state.functions)
                self.legacy.clear()
                self.legacy.update(state.legacy)
                self.current.mappings.clear()
                self.current.mappings.update(state.current)
            try:
                self._persist()  # a path that cannot be written fails now, not on a request
            except OSError as exc:
                raise StateFileError(
                    f"cannot write the state file {self.state_path}: {exc.strerror or exc}"
                ) from None

    @property
    def legacy(self) -> dict[str, dict[str, Any]]:
        """The 2014-11-13 mappings by UUID, as stored (for assertions in tests)."""
        return self._legacy.mappings

    @property
    def mappings(self) -> dict[str, dict[str, Any]]:
        """The 2015-03-31 mappings by UUID, as stored (for assertions in tests)."""
        return self.current.mappings

    @property
    def settle_after(self) -> int:
        """How many reads a transitional state (Creating, Updating, ...) lasts."""
        return self.current.settle_after

    @settle_after.setter
    def settle_after(self, reads: int) -> None:
        self.current.settle_after = reads

    # -- what tests use ------------------------------------------------------

    @property
    def endpoint_url(self) -> str:
        """The URL a client on this machine uses, ``http://127.0.0.1:PORT``; valid once started.

        Listening on every address (``0.0.0.0`` or ``::``), the fake
        advertises the loopback address of that family, which a client can
        connect to, rather than the wildcard.
        """
        if self._runner is None:
            raise RuntimeError("FakeLambda is not running")
        host = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(self.host, self.host)
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def client_credentials(self) -> Credentials:
        """Credentials a client can sign with (the fake's own, or dummy ones)."""
        return self.credentials or Credentials("AKIDFAKELAMBDA", "fake-secret-key")

    def inject_error(
        self,
        status: int,
        code: str | None = None,
        message: str = "injected by FakeLambda",
        *,
        headers: Mapping[str, str] | None = None,
        times: int = 1,
        method: str | None = None,
    ) -> None:
        """Answer the next ``times`` requests with an error instead of serving them.

        Args:
            status: the HTTP status.
            code: the AWS error code for ``x-amzn-ErrorType``, or ``None`` for a bare body.
            message: the error message.
            headers: extra response headers (``Retry-After``, ...).
            times: how many requests to answer this way.
            method: only requests with this HTTP method (``"PUT"``: the next update).
        """
        with self._lock:
            self._injected.extend(
                _Injected(status, code, message, dict(headers or {}), method) for _ in range(times)
            )

    def delay_next(self, seconds: float, *, times: int = 1) -> None:
        """Serve the next ``times`` requests fully, but hold each answer ``seconds``.

        A client that times out meanwhile sees no response, although the
        request took effect: the case a retried create must survive.

        Args:
            seconds: how long to hold the response.
            times: how many requests to delay.
        """
        with self._lock:
            self._delays.extend([seconds] * times)

    # -- lifecycle -------------------------------------------------------------

    def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._middleware], client_max_size=1024**2)
        self._legacy.add_routes(app)
        self.current.add_routes(app)
        return app

    async def start(self) -> None:
        """Start serving in the running event loop (loading ``state_path`` first).

        Raises:
            StateFileError: the state file cannot be read or written, or is not one.
            OSError: the address cannot be listened on.
        """
        if self._runner is not None:
            return
        self._load_state()
        runner = web.AppRunner(self._make_app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, reuse_address=True)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()  # e.g. the port is taken: leave nothing behind
            raise
        self._stopping = asyncio.Event()
        if self.port == 0:
            self.port = int(runner.addresses[0][1])
        self._runner = runner

    async def stop(self) -> None:
        """Stop serving and close every connection."""
        runner, self._runner = self._runner, None
        if runner is not None:
            # Responses held by delay_next() are let go, so stopping is prompt.
            self._stopping.set()
            await runner.cleanup()

    async def __aenter__(self) -> FakeLambda:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def __enter__(self) -> FakeLambda:
        worker = self._worker = LoopThread("FakeLambda")
        worker.start()
        try:
            worker.call(self.start)
        except BaseException:
            self.__exit__()  # stop the thread and close the loop
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        worker, self._worker = self._worker, None
        if worker is None:
            return
        try:
            worker.call(self.stop)
        finally:
            worker.stop()  # joins the thread and closes the loop

    # -- the protocol ------------------------------------------------------------

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        request_id = str(uuid_module.uuid4())
        delay = None
        close = False
        try:
            try:
                body = await request.read()
            except web.HTTPRequestEntityTooLarge:
                self._record(request, b"", truncated=True)
                # Read out (and drop) the rest, as aiohttp would otherwise wait
                # for it for 10 s when the fake stops; then close the connection.
                while await request.content.readany():
                    pass
                close = True
                raise AWSError(
                    413, "RequestTooLargeException", "Request must be smaller than 1 MiB"
                ) from None
            self._record(request, body)
            self._check_signature(request, body)
            with self._lock:
                injected = next(
                    (i for i in self._injected if i.method in (None, request.method)), None
                )
                if injected is not None:
                    self._injected.remove(injected)
                delay = self._delays.pop(0) if self._delays else None
            if injected is not None:
                response = self._injected_response(injected)
            else:
                response = await handler(request)
        except AWSError as exc:
            response = exc.response()
            delay = None
        except web.HTTPException as exc:
            # The router's own answers (no such path, method not allowed), in AWS's form.
            response = AWSError(exc.status, "UnknownOperationException", exc.reason).response()
            delay = None
        except Exception:
            # A bug in the fake: answer as AWS does for its own faults, and say so in the log.
            _log.exception("FakeLambda failed on %s %s", request.method, request.path)
            response = AWSError(
                500, "ServiceException", "FakeLambda failed on this request", kind="Service"
            ).response()
            delay = None
        if delay is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
        response.headers["x-amzn-RequestId"] = request_id
        if close:
            response.force_close()
        return response

    def _record(self, request: web.Request, body: bytes, *, truncated: bool = False) -> None:
        if len(body) > MAX_RECORDED_BODY:
            body, truncated = body[:MAX_RECORDED_BODY], True
        recorded = RecordedRequest(
            request.method,
            request.raw_path,
            request.path,
            dict(request.query),
            RecordedHeaders(request.headers),
            body,
            truncated,
        )
        self.requests.append(recorded)

    @staticmethod
    def _injected_response(injected: _Injected) -> web.Response:
        headers = dict(injected.headers)
        if injected.code is not None:
            headers["x-amzn-ErrorType"] = injected.code
            return web.json_response(
                {"Type": "Service", "Message": injected.message},
                status=injected.status,
                headers=headers,
            )
        return web.Response(status=injected.status, text=injected.message, headers=headers)

    def _check_signature(self, request: web.Request, body: bytes) -> None:
        # AWS's check (._signature.verify): over the SignedHeaders the
        # request names, the body's hash, the scope, a 15-minute clock and the
        # session token; with credentials=None, only the form and the scope.
        path, _, query = request.raw_path.partition("?")
        # The clock is read only when it matters: without credentials, no age is checked.
        now = None
        if self.credentials is not None:
            now = dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc)
        try:
            verify(
                request.method,
                path,
                query,
                request.headers.items(),
                body,
                credentials=self.credentials,
                region=self.region,
                now=now,
            )
        except SignatureRejected as exc:
            raise AWSError(exc.status, exc.code, exc.message) from None


# Reprs and tracebacks name lambda_es.testing.X, the path users import.
present_as("lambda_es.testing", (FakeLambda,))
