"""A local Lambda endpoint for tests: :class:`FakeLambda`.

It is a real HTTP server on 127.0.0.1 (a free port by default) that answers
the event-source-mapping API as AWS does: the same paths, status codes, error
headers and bodies. It checks that requests are SigV4-signed for Lambda and,
given ``credentials=``, that the signature is right. Use it as an async
context manager inside an event loop, or as a plain context manager (it then
runs in a thread of its own), or through the pytest fixture ``fake_lambda``.

    async with FakeLambda() as fake:
        async with AsyncClient(endpoint_url=fake.endpoint_url, region="us-east-1",
                               credentials=fake.client_credentials) as client:
            ...
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import threading
import time
import uuid as uuid_module
from collections.abc import Callable, Iterator, Mapping
from types import TracebackType
from typing import Any

import attrs
from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy

from ._credentials import Credentials
from ._fake_core import AWSError, invalid, page, read_json
from ._fake_current import CurrentMappings
from ._shapes import LEGACY_PARAMETERS, SETTINGS
from ._signing import SignatureRejected, redacted, verify
from ._validate import INITIAL_POSITIONS

__all__ = ["FakeLambda", "RecordedHeaders", "RecordedRequest"]

_KINESIS_OR_DYNAMODB = re.compile(r"arn:aws[a-z-]*:(kinesis|dynamodb):[a-z0-9-]+:\d{12}:\S+")
_ROLE: re.Pattern[str] = LEGACY_PARAMETERS["Role"]["pattern"]
_FUNCTION: Mapping[str, Any] = LEGACY_PARAMETERS["FunctionName"]
# The 2014-11-13 model leaves BatchSize unbounded: the current model's range.
_BATCH_SIZE: tuple[int, int] = SETTINGS["batch_size"].rules["range"]


class RecordedHeaders(Mapping[str, str]):
    """A request's headers: case-insensitive, read-only, secrets hidden when printed.

    Every way of printing them (``repr``, ``str``, pytest's assertion diffs)
    shows ``<redacted>`` for the Authorization header and the session token;
    reading ``headers["Authorization"]`` still gives the value, for tests that
    check a signature.
    """

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = CIMultiDictProxy(CIMultiDict(headers))

    def __getitem__(self, name: str) -> str:
        return self._headers[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers)

    def __len__(self) -> int:
        return len(self._headers)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RecordedHeaders):
            return list(self._headers.items()) == list(other._headers.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RecordedHeaders({dict(redacted(self._headers.items()))!r})"

    __str__ = __repr__


@attrs.frozen
class RecordedRequest:
    """One request the fake received, as it arrived on the wire.

    Attributes:
        method: the HTTP method.
        raw_path: the path and query exactly as sent (still percent-encoded).
        path: the decoded path.
        query: the decoded query parameters.
        headers: the request headers (case-insensitive, as HTTP has them).
        body: the raw body.
    """

    method: str
    raw_path: str
    path: str
    query: Mapping[str, str]
    headers: RecordedHeaders
    body: bytes


@attrs.frozen
class _Injected:
    status: int
    code: str | None
    message: str
    headers: Mapping[str, str]
    method: str | None


class FakeLambda:
    """A local Lambda endpoint on loopback.

    Args:
        host: the address to listen on (loopback only).
        port: the port, 0 for a free one.
        region: the region the fake pretends to be in.
        account_id: the account in the ARNs it makes.
        credentials: when given, signatures are verified with them (else only their form is).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        credentials: Credentials | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.region = region
        self.account_id = account_id
        self.credentials = credentials
        self.requests: list[RecordedRequest] = []
        self.legacy: dict[str, dict[str, Any]] = {}
        self._injected: list[_Injected] = []
        self._delays: list[float] = []
        self._stopping = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self.clock: Callable[[], float] = time.time
        self.current = CurrentMappings(region, account_id, lambda: self.clock(), self._lock)

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
        """``http://127.0.0.1:PORT``; valid once started."""
        if self._runner is None:
            raise RuntimeError("FakeLambda is not running")
        host = f"[{self.host}]" if ":" in self.host else self.host
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
        prefix = "/2014-11-13/event-source-mappings"
        app.router.add_post(prefix + "/", self._legacy_add)
        app.router.add_get(prefix + "/", self._legacy_list)
        app.router.add_get(prefix + "/{uuid}", self._legacy_get)
        app.router.add_delete(prefix + "/{uuid}", self._legacy_remove)
        self.current.add_routes(app)
        return app

    async def start(self) -> None:
        """Start serving in the running event loop."""
        if self._runner is not None:
            return
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

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def __enter__(self) -> FakeLambda:
        loop = asyncio.new_event_loop()
        started = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.call_soon(started.set)
            loop.run_forever()

        self._loop = loop
        self._thread = threading.Thread(target=serve, name="FakeLambda", daemon=True)
        self._thread.start()
        started.wait()
        try:
            asyncio.run_coroutine_threadsafe(self.start(), loop).result()
        except BaseException:
            self.__exit__(None, None, None)  # stop the thread and close the loop
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(self.stop(), loop).result()
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join()
            loop.close()
            self._loop = self._thread = None

    # -- the protocol ------------------------------------------------------------

    @web.middleware
    async def _middleware(
        self, request: web.Request, handler: Callable[[web.Request], Any]
    ) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(
            RecordedRequest(
                request.method,
                request.raw_path,
                request.path,
                dict(request.query),
                RecordedHeaders(request.headers),
                body,
            )
        )
        request_id = str(uuid_module.uuid4())
        try:
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
        if delay is not None:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), delay)
        response.headers["x-amzn-RequestId"] = request_id
        return response

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
        # AWS's check (lambda_es._signing.verify): over the SignedHeaders the
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

    # -- legacy 2014-11-13 -----------------------------------------------------

    async def _legacy_add(self, request: web.Request) -> web.Response:
        payload = await read_json(request)
        source, function, role = (payload.get(k) for k in ("EventSource", "FunctionName", "Role"))
        if not isinstance(source, str) or not _KINESIS_OR_DYNAMODB.fullmatch(source):
            raise AWSError(400, "InvalidParameterValueException", "EventSource is not a stream ARN")
        if (
            not isinstance(function, str)
            or not _FUNCTION["length"][0] <= len(function) <= _FUNCTION["length"][1]
            or not _FUNCTION["pattern"].fullmatch(function)
        ):
            raise invalid("FunctionName is invalid")
        if not isinstance(role, str) or not _ROLE.fullmatch(role):
            raise invalid("Role is not an IAM role ARN")
        batch = payload.get("BatchSize", 100)
        low, high = _BATCH_SIZE
        if isinstance(batch, bool) or not isinstance(batch, int) or not low <= batch <= high:
            raise invalid(f"BatchSize must be {low} to {high}")
        parameters = payload.get("Parameters") or {"InitialPositionInStream": "TRIM_HORIZON"}
        if not isinstance(parameters, dict) or set(parameters) - {"InitialPositionInStream"}:
            raise invalid("Unsupported Parameters")
        if parameters.get("InitialPositionInStream") not in INITIAL_POSITIONS:
            raise invalid("Bad InitialPositionInStream")
        with self._lock:
            # One stream maps to one function: adding it again moves the mapping.
            existing = next((m for m in self.legacy.values() if m["EventSource"] == source), None)
            mapping = existing or {"UUID": str(uuid_module.uuid4()), "EventSource": source}
            mapping.update(
                FunctionName=function,
                Role=role,
                BatchSize=batch,
                Parameters=dict(parameters),
                LastModified=self.clock(),
                IsActive=True,
                Status="PENDING",
            )
            self.legacy[mapping["UUID"]] = mapping
            return web.json_response(dict(mapping))

    def _legacy_lookup(self, request: web.Request) -> dict[str, Any]:
        mapping = self.legacy.get(request.match_info["uuid"])
        if mapping is None:
            raise AWSError(
                404,
                "ResourceNotFoundException",
                f"The resource you requested does not exist. (UUID: {request.match_info['uuid']})",
            )
        return mapping

    async def _legacy_get(self, request: web.Request) -> web.Response:
        with self._lock:
            return web.json_response(dict(self._legacy_lookup(request)))

    async def _legacy_remove(self, request: web.Request) -> web.Response:
        with self._lock:
            mapping = self._legacy_lookup(request)
            del self.legacy[mapping["UUID"]]
        return web.Response(status=204)

    async def _legacy_list(self, request: web.Request) -> web.Response:
        query = request.query
        with self._lock:
            matches = [
                dict(m)
                for m in self.legacy.values()
                if query.get("EventSource") in (None, m["EventSource"])
                and query.get("FunctionName") in (None, m["FunctionName"])
            ]
        return web.json_response(page(matches, query, "EventSources"))
