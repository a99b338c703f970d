"""The aiohttp session, per-attempt signing, and the retry loop.

The only module that knows aiohttp's client API. It turns every way a request
can fail into a :mod:`lambda_es._errors` exception, and it sends exactly the
URL that was signed (yarl would otherwise re-encode it).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
import os
import platform
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import aiohttp
import attrs
import multidict
import yarl

from ._credentials import Credentials, CredentialsProvider, load_profile, resolve_credentials
from ._endpoints import Endpoint, resolve_endpoint, resolve_region
from ._errors import (
    APIError,
    ConfigurationError,
    ConnectError,
    LambdaESError,
    ParamValidationError,
    ResponseTooLargeError,
    TimeoutError,
    TransportError,
    error_from_response,
)
from ._retry import (
    Kind,
    RateLimiter,
    Retry,
    RetryQuota,
    backoff_delay,
    classify,
    parse_retry_after,
)
from ._signing import build_url, redacted, sign

__all__ = ["DEFAULT_MAX_RESPONSE_SIZE", "Response", "Timeout", "Transport"]

logger = logging.getLogger("lambda_es")

VERSION = "0.1.0.dev0"
DEFAULT_MAX_RESPONSE_SIZE = 4 * 1024 * 1024


def _check_seconds(name: str) -> Callable[[Any, Any, Any], None]:
    def check(_: object, __: object, value: float | None) -> None:
        if value is None:
            return
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not 0 < value < math.inf
        ):
            raise ParamValidationError(
                name, f"must be a positive, finite number of seconds or None; got {value!r}"
            )

    return check


@attrs.frozen(kw_only=True)
class Timeout:
    """Deadlines, in seconds; ``None`` disables one.

    Args:
        connect: to open a connection (TCP and TLS); 5 s by default. botocore
            waits 60 s, but an endpoint that has not accepted a connection in
            5 s is better retried. Waiting for a free pooled connection is not
            part of it.
        read: the longest silence while waiting for the response's headers or
            body; 30 s by default.
        total: one whole call, every attempt, back-off and rate-limiter wait
            included; 90 s by default. When the next back-off would end past it,
            the call stops and raises the last attempt's error.

    Raises:
        ParamValidationError: a deadline is not a positive number or None.
    """

    connect: float | None = attrs.field(default=5.0, validator=_check_seconds("connect"))
    read: float | None = attrs.field(default=30.0, validator=_check_seconds("read"))
    total: float | None = attrs.field(default=90.0, validator=_check_seconds("total"))


@attrs.frozen
class Response:
    """A complete 2xx response.

    Attributes:
        status: the HTTP status.
        headers: the response headers (case-insensitive lookups).
        body: the raw body.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes


class _Attempt(Exception):
    """One failed attempt, with what the retry decision and the log line need."""

    def __init__(
        self,
        error: LambdaESError,
        kind: Kind | None,
        *,
        status: int | None = None,
        request_id: str | None = None,
        delay_hint: float | None = None,
        stale: bool = False,
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.kind = kind
        self.status = status
        self.request_id = request_id
        self.delay_hint = delay_hint
        # The request went out on a pooled connection the server had closed.
        self.stale = stale

    def outcome(self) -> str:
        """Say what happened, for the attempt's log line."""
        if isinstance(self.error, APIError):
            return f"HTTP {self.error.status} {self.error.code or '(no error code)'}"
        cause = self.error.__cause__
        detail = _describe(cause) if cause is not None else str(self.error)
        return f"{type(self.error).__name__} ({detail})"


class _Exchange:
    """What aiohttp's tracing tells about one request (see :func:`_mark_reused`)."""

    __slots__ = ("reused",)

    def __init__(self) -> None:
        self.reused = False


async def _mark_reused(
    session: aiohttp.ClientSession,
    context: SimpleNamespace,
    params: aiohttp.TraceConnectionReuseconnParams,
) -> None:
    exchange = context.trace_request_ctx
    if isinstance(exchange, _Exchange):
        exchange.reused = True


def _user_agent(extra: str | None) -> str:
    agent = (
        f"lambda-es/{VERSION} aiohttp/{aiohttp.__version__} "
        f"Python/{platform.python_version()} {platform.system()}"
    )
    return f"{agent} {extra}" if extra else agent


class Transport:
    """Sends signed requests with retries; one per client.

    The retry quota and, in adaptive mode, the rate limiter live here, so
    every call of one client shares them.

    Args:
        region: the ``region=`` argument.
        endpoint_url: the ``endpoint_url=`` argument.
        credentials: the ``credentials=`` argument.
        profile: the ``profile=`` argument.
        retry: the retry policy.
        timeout: the deadlines.
        session: a session to use and never close.
        max_connections: the connection pool's size.
        user_agent_extra: appended to the User-Agent header.
        max_response_size: the largest response body accepted, in bytes.
    """

    def __init__(
        self,
        *,
        region: str | None,
        endpoint_url: str | None,
        credentials: Credentials | CredentialsProvider | None,
        profile: str | None,
        retry: Retry,
        timeout: Timeout,
        session: aiohttp.ClientSession | None,
        max_connections: int,
        user_agent_extra: str | None,
        max_response_size: int,
    ) -> None:
        self._region_arg = region
        self._endpoint_arg = endpoint_url
        self._credentials_arg = credentials
        self._profile = profile
        self.retry = retry
        self.timeout = timeout
        self._session = session
        self._owns_session = session is None
        self._max_connections = max_connections
        self._user_agent = _user_agent(user_agent_extra)
        self.max_response_size = max_response_size
        self._resolved: tuple[str, Endpoint, CredentialsProvider] | None = None
        self.quota = RetryQuota(retry.quota)
        self.limiter = RateLimiter() if retry.mode == "adaptive" else None
        self._closed = False
        # Injectable for tests: the fault-injection suite replaces them to stay fast.
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self.rand: Callable[[], float] = random.random
        self.monotonic: Callable[[], float] = time.monotonic
        self.now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)

    # -- configuration ---------------------------------------------------

    def resolve(self) -> tuple[str, Endpoint, CredentialsProvider]:
        """Resolve region, endpoint and the source of credentials once, on first use.

        Returns:
            The region, the endpoint and what gives the credentials for an attempt.

        Raises:
            ConfigurationError: one of them cannot be found or used.
        """
        if self._resolved is None:
            needs_profile = self._region_arg is None or self._credentials_arg is None
            profile_values: Mapping[str, str] = {}
            if needs_profile:
                try:
                    profile_values = load_profile(self._profile, os.environ)
                except ConfigurationError:
                    if self._profile is not None:
                        raise
            region = resolve_region(self._region_arg, profile_values)
            endpoint = resolve_endpoint(self._endpoint_arg, region)
            given = self._credentials_arg
            provider: CredentialsProvider
            if given is not None and not isinstance(given, Credentials):
                provider = given
            else:
                static = resolve_credentials(given, self._profile)

                async def provider() -> Credentials:
                    return static

            self._resolved = (region, endpoint, provider)
        return self._resolved

    @property
    def endpoint(self) -> Endpoint:
        """The resolved endpoint (resolving it if needed)."""
        return self.resolve()[1]

    # -- lifecycle --------------------------------------------------------

    def _get_session(self) -> aiohttp.ClientSession:
        if self._closed:
            raise LambdaESError("the client is closed")
        if self._session is None:
            tracing = aiohttp.TraceConfig()
            tracing.on_connection_reuseconn.append(_mark_reused)
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._max_connections),
                timeout=aiohttp.ClientTimeout(total=None),
                auto_decompress=True,
                trace_configs=[tracing],
            )
            # aiohttp resends an idempotent request once after any reset, on a
            # fresh connection or not, which would make one attempt two on the
            # wire for GET/PUT/DELETE but not POST. This transport resends, for
            # every method, only what went out on a stale pooled connection.
            # The switch is private (aiohttp's test client flips it too), hence
            # the guard: an aiohttp without it warns on unknown attributes.
            if "_retry_connection" in getattr(aiohttp.ClientSession, "ATTRS", ()):
                session._retry_connection = False
            self._session = session
        return self._session

    def forget_connections(self) -> None:
        """Drop the session without I/O, for a forked child whose sockets are the parent's.

        The session and its connector are marked closed so that neither warns
        when collected; really closing them would shut the parent's connections.
        """
        session, self._session = self._session, None
        if session is not None and self._owns_session:
            connector = session.connector
            if connector is not None and hasattr(connector, "_closed"):
                connector._closed = True

    async def aclose(self) -> None:
        """Close the session if the transport made it; idempotent."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session and not session.closed:
            await session.close()

    # -- one call -----------------------------------------------------------

    async def request(
        self,
        operation: str,
        method: str,
        segments: Sequence[str],
        *,
        query: Iterable[tuple[str, str]] = (),
        body: bytes = b"",
        timeout: float | None = None,
    ) -> Response:
        """Send one call, retrying as the policy allows.

        Args:
            operation: the operation name, for logs.
            method: the HTTP method.
            segments: raw path segments (see :func:`lambda_es._signing.build_url`).
            query: raw query parameters.
            body: the JSON body, or ``b""``.
            timeout: a tighter bound than ``Timeout.total`` for this call, in seconds
                (the waiter's remaining time).

        Returns:
            The 2xx response.

        Raises:
            APIError: the service answered with an error (a subclass per code).
            TransportError: no complete response (ConnectError, TimeoutError,
                ResponseTooLargeError); the aiohttp error is chained as the cause.
            ConfigurationError: region, endpoint or credentials are missing.
            LambdaESError: the client is closed.
        """
        if self._closed:  # a closed client says so, whatever else is missing
            raise LambdaESError("the client is closed")
        region, endpoint, credentials = self.resolve()
        session = self._get_session()
        url = build_url(endpoint, segments, tuple(query))
        total = self.timeout.total
        if timeout is not None:
            total = timeout if total is None else min(total, timeout)
        deadline = None if total is None else self.monotonic() + total
        signing = (region, endpoint, credentials)
        retries = 0
        taken: int | None = None
        last: _Attempt | None = None
        attempt = 0
        while True:
            attempt += 1
            if self._closed:  # aclose() ran during the back-off
                raise LambdaESError(
                    f"{operation}: the client was closed while the call was retrying"
                )
            waited = await self._wait_for_limiter(operation, attempt, deadline, last)
            try:
                response = await self._attempt(
                    session, operation, method, url, body, signing, attempt, deadline
                )
            except _Attempt as failed:
                self._feed_limiter(throttled=failed.kind == "throttle")
                _set_attempts(failed.error, attempt)
                delay, reason = self._next_delay(failed, attempt, retries, deadline)
                if delay is not None and failed.kind is not None:
                    taken = self.quota.acquire(failed.kind)
                    if taken is None:
                        delay, reason = None, "retry quota exhausted"
                self._log_attempt(
                    operation,
                    attempt,
                    failed.outcome(),
                    status=failed.status,
                    request_id=failed.request_id,
                    delay=delay,
                    decision=f"retrying in {delay:.3f}s" if delay is not None else reason,
                    waited=waited,
                )
                if delay is None:
                    raise failed.error from failed.error.__cause__
                retries += 1
                last = failed
                await self.sleep(delay)
                continue
            self._feed_limiter(throttled=False)
            self.quota.release(taken)
            self._log_attempt(
                operation,
                attempt,
                f"HTTP {response.status}",
                status=response.status,
                request_id=response.headers.get("x-amzn-RequestId"),
                delay=None,
                decision="done",
                waited=waited,
            )
            return response

    def _next_delay(
        self, failed: _Attempt, attempt: int, retries: int, deadline: float | None
    ) -> tuple[float | None, str]:
        if failed.kind is None:
            return None, "not retryable"
        if attempt >= self.retry.attempts:
            return None, f"no attempts left (max_attempts={self.retry.attempts})"
        delay = backoff_delay(self.retry, retries, self.rand)
        if failed.delay_hint is not None:
            delay = min(failed.delay_hint, self.retry.max_retry_after)
        if deadline is not None and self.monotonic() + delay >= deadline:
            # Sleeping into the deadline only to fail there helps nobody.
            return None, f"a {delay:.3f}s back-off would pass the total timeout"
        return delay, ""

    async def _wait_for_limiter(
        self, operation: str, attempt: int, deadline: float | None, last: _Attempt | None
    ) -> float:
        if self.limiter is None:
            return 0.0
        now = self.monotonic()
        wait = self.limiter.acquire(now, max_wait=None if deadline is None else deadline - now)
        if wait is None:
            logger.debug(
                "%s: giving up before attempt %d: the rate limiter's wait would pass the total timeout",
                operation,
                attempt,
            )
            if last is not None:
                raise last.error from last.error.__cause__
            raise TimeoutError(
                f"{operation}: the client-side rate limiter's wait would pass the total timeout",
                attempts=0,
            )
        if wait > 0:
            await self.sleep(wait)
        return wait

    def _feed_limiter(self, *, throttled: bool) -> None:
        if self.limiter is not None:
            self.limiter.on_response(self.monotonic(), throttled=throttled)

    def _log_attempt(
        self,
        operation: str,
        attempt: int,
        outcome: str,
        *,
        status: int | None,
        request_id: str | None,
        delay: float | None,
        decision: str,
        waited: float,
    ) -> None:
        # Only values the transport composed itself go in: never a header,
        # so never the Authorization header, the token or a signature.
        if not logger.isEnabledFor(logging.DEBUG):
            return
        limiter = f" after waiting {waited:.3f}s for the rate limiter" if waited > 0 else ""
        logger.debug(
            "%s attempt %d/%d%s: %s, request id %s; %s",
            operation,
            attempt,
            self.retry.attempts,
            limiter,
            outcome,
            request_id or "-",
            decision,
            extra={
                "operation": operation,
                "attempt": attempt,
                "status": status,
                "request_id": request_id,
                "delay": delay,
            },
        )

    def _client_timeout(self, deadline: float | None) -> aiohttp.ClientTimeout:
        remaining = None if deadline is None else deadline - self.monotonic()
        if remaining is not None and remaining <= 0:
            raise TimeoutError("the total timeout passed")
        # sock_connect, not connect: waiting for a free pooled connection is
        # bounded by the total timeout alone, not mistaken for a slow server.
        return aiohttp.ClientTimeout(
            total=remaining,
            sock_connect=self.timeout.connect,
            sock_read=self.timeout.read,
        )

    async def _attempt(
        self,
        session: aiohttp.ClientSession,
        operation: str,
        method: str,
        url: str,
        body: bytes,
        signing: tuple[str, Endpoint, CredentialsProvider],
        attempt: int,
        deadline: float | None,
    ) -> Response:
        resends = 0
        while True:
            try:
                return await self._exchange(
                    session, operation, method, url, body, signing, attempt, deadline
                )
            except _Attempt as failed:
                # The server closed an idle pooled connection just as this
                # request went out on it: nothing was processed, so sending
                # again on a new connection is no retry and costs no attempt.
                if not failed.stale or resends >= _MAX_STALE_RESENDS:
                    raise
                resends += 1
                logger.debug(
                    "%s attempt %d: a pooled connection was closed by the server; resending",
                    operation,
                    attempt,
                )

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        operation: str,
        method: str,
        url: str,
        body: bytes,
        signing: tuple[str, Endpoint, CredentialsProvider],
        attempt: int,
        deadline: float | None,
    ) -> Response:
        region, endpoint, provider = signing
        credentials = await _current_credentials(provider)
        # Signed afresh each time: a retry after a long back-off must not
        # carry a stale X-Amz-Date (nor credentials that expired meanwhile).
        headers = sign(
            method,
            url,
            body,
            credentials=credentials,
            region=region,
            now=self.now(),
            host=endpoint.host_header,
        )
        headers["Host"] = endpoint.host_header
        headers["User-Agent"] = self._user_agent
        if body:
            headers["Content-Type"] = "application/json"
        try:
            timeout = self._client_timeout(deadline)
        except TimeoutError as exc:
            raise _Attempt(exc, None) from None
        exchange = _Exchange()
        responded = False
        try:
            async with session.request(
                method,
                yarl.URL(url, encoded=True),
                data=body if body else None,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
                trace_request_ctx=exchange if self._owns_session else None,
            ) as resp:
                responded = True
                data = await self._read_body(operation, resp)
                status, resp_headers = resp.status, resp.headers
        except asyncio.TimeoutError as exc:
            error: TransportError = TimeoutError(f"{operation}: {self._describe_timeout(exc)}")
            raise _Attempt(_caused(error, exc), "timeout") from exc
        except ResponseTooLargeError as exc:
            # The same request would bring the same body back: not retried.
            raise _Attempt(exc, None) from None
        except aiohttp.ClientConnectorCertificateError as exc:
            # A certificate that fails verification will fail again.
            error = ConnectError(f"{operation}: {_describe(exc)}")
            raise _Attempt(_caused(error, exc), None) from exc
        except (aiohttp.ClientError, OSError) as exc:
            stale = (
                exchange.reused
                and not responded
                and isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError))
                and not isinstance(exc, aiohttp.ClientConnectorError)
            )
            error = ConnectError(f"{operation}: {_describe(exc)}")
            raise _Attempt(_caused(error, exc), "transient", stale=stale) from exc

        request_id = resp_headers.get("x-amzn-RequestId")
        if 200 <= status < 300:
            return Response(status, resp_headers, data)
        retry_after = None
        if status in (429, 503):
            retry_after = parse_retry_after(resp_headers.get("Retry-After"), self.now())
        api_error = error_from_response(
            status, resp_headers, data, retry_after=retry_after, attempts=attempt
        )
        raise _Attempt(
            api_error,
            classify(status, api_error.code),
            status=status,
            request_id=request_id,
            delay_hint=retry_after,
        )

    def _describe_timeout(self, exc: BaseException) -> str:
        if isinstance(exc, _CONNECT_TIMEOUTS):
            return f"connect timeout: no connection within {self.timeout.connect}s"
        if isinstance(exc, aiohttp.ServerTimeoutError):
            return f"read timeout: the server sent nothing for {self.timeout.read}s"
        return f"total timeout: the call did not finish within {self.timeout.total}s"

    async def _read_body(self, operation: str, resp: aiohttp.ClientResponse) -> bytes:
        limit = self.max_response_size
        if resp.content_length is not None and resp.content_length > limit:
            raise ResponseTooLargeError(
                f"{operation}: the response's Content-Length of {resp.content_length} bytes exceeds "
                f"max_response_size={limit}"
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise ResponseTooLargeError(
                    f"{operation}: the response body exceeds max_response_size={limit} bytes"
                )
            chunks.append(chunk)
        return b"".join(chunks)


#: How often one attempt may be resent after finding its pooled connection
#: closed; each resend drops one dead connection, so a few suffice.
_MAX_STALE_RESENDS = 3

# aiohttp >= 3.10 tells a connect timeout from a read timeout by type.
_CONNECT_TIMEOUTS: tuple[type[BaseException], ...] = tuple(
    cls for cls in (getattr(aiohttp, "ConnectionTimeoutError", None),) if isinstance(cls, type)
)


def _describe(exc: BaseException) -> str:
    # aiohttp's messages can be empty (ServerDisconnectedError()), so the type
    # name always leads; none of them carries a request header.
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _scrubbed(cause: BaseException) -> BaseException:
    """Remove request headers from an aiohttp exception and from everything chained to it.

    aiohttp's ClientResponseError family keeps the request's headers in
    ``request_info``, and again in ``args[0]`` (which ``repr`` and traceback
    tools print), and a redirect ``history`` of responses keeps theirs: the
    signature and the session token would survive there. Each exception of
    the chain (``__cause__`` and ``__context__``, walked to the end) has those
    replaced in place before the cause is exposed.

    Args:
        cause: the exception to scrub.

    Returns:
        ``cause`` itself, scrubbed.
    """
    seen: set[int] = set()
    stack: list[BaseException] = [cause]
    while stack:
        exc = stack.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        info = getattr(exc, "request_info", None)
        if isinstance(info, aiohttp.RequestInfo):
            with contextlib.suppress(AttributeError):
                exc.request_info = _redacted_info(info)  # type: ignore[attr-defined]
        if getattr(exc, "history", None):
            with contextlib.suppress(AttributeError):
                exc.history = ()  # type: ignore[attr-defined]
        exc.args = tuple(_scrubbed_arg(arg) for arg in exc.args)
        stack.extend(e for e in (exc.__cause__, exc.__context__) if e is not None)
    return cause


def _redacted_info(info: aiohttp.RequestInfo) -> aiohttp.RequestInfo:
    headers = multidict.CIMultiDict(
        (k, "<redacted>" if k.lower() == "proxy-authorization" else v)
        for k, v in redacted(info.headers.items())
    )
    # A URL never carries user info here, but a proxy's might: drop it whatever its form.
    url, real_url = (
        u.with_user(None) if u.user or u.password else u for u in (info.url, info.real_url)
    )
    return aiohttp.RequestInfo(url, info.method, multidict.CIMultiDictProxy(headers), real_url)


def _scrubbed_arg(arg: object) -> object:
    if isinstance(arg, aiohttp.RequestInfo):
        return _redacted_info(arg)
    if isinstance(arg, aiohttp.ClientResponse):
        return f"<response {arg.status}>"
    if isinstance(arg, tuple):
        return tuple(_scrubbed_arg(item) for item in arg)
    return arg


async def _current_credentials(provider: CredentialsProvider) -> Credentials:
    try:
        credentials = await provider()
    except LambdaESError:
        raise
    except Exception as exc:
        # The provider's own message, never its values: they may be secrets.
        raise ConfigurationError(
            f"the credentials provider failed: {type(exc).__name__}: {exc}"
        ) from exc
    if not isinstance(credentials, Credentials):
        raise ConfigurationError(
            f"the credentials provider returned {type(credentials).__name__}, "
            "not lambda_es.Credentials"
        )
    return credentials


def _caused(error: TransportError, cause: BaseException) -> TransportError:
    error.__cause__ = _scrubbed(cause)
    return error


def _set_attempts(error: LambdaESError, attempts: int) -> None:
    if isinstance(error, (APIError, TransportError)):
        error.attempts = attempts
