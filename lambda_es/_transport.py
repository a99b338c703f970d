"""The aiohttp session, per-attempt signing, and the retry loop.

The only module that knows aiohttp's client API. It turns every way a request
can fail into a :mod:`lambda_es._errors` exception, and it sends exactly the
URL that was signed (yarl would otherwise re-encode it).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import platform
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any

import aiohttp
import attrs
import yarl

from ._credentials import Credentials, load_profile, resolve_credentials
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
from ._retry import RateLimiter, Retry, RetryQuota, backoff_delay, classify, parse_retry_after
from ._signing import build_url, sign

__all__ = ["DEFAULT_MAX_RESPONSE_SIZE", "Response", "Timeout", "Transport"]

logger = logging.getLogger("lambda_es")

VERSION = "0.1.0.dev0"
DEFAULT_MAX_RESPONSE_SIZE = 4 * 1024 * 1024


def _check_seconds(name: str) -> Callable[[Any, Any, Any], None]:
    def check(_: object, __: object, value: float | None) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ParamValidationError(
                name, f"must be a positive number of seconds or None; got {value!r}"
            )

    return check


@attrs.frozen(kw_only=True)
class Timeout:
    """Deadlines, in seconds; ``None`` disables one.

    Args:
        connect: to open a connection (TCP and TLS). botocore waits 60 s; a
            Lambda endpoint that has not answered in 5 s is better retried.
        read: between two reads of the response, headers included.
        total: one whole call, every attempt and back-off included.
    """

    connect: float | None = attrs.field(default=5.0, validator=_check_seconds("connect"))
    read: float | None = attrs.field(default=30.0, validator=_check_seconds("read"))
    total: float | None = attrs.field(default=90.0, validator=_check_seconds("total"))


@attrs.frozen
class Response:
    """A complete 2xx response."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class _Attempt(Exception):
    """One failed attempt, with what the retry decision needs."""

    def __init__(self, error: LambdaESError, kind: str | None, delay_hint: float | None = None):
        super().__init__(str(error))
        self.error = error
        self.kind = kind
        self.delay_hint = delay_hint


def _user_agent(extra: str | None) -> str:
    agent = (
        f"lambda-es/{VERSION} aiohttp/{aiohttp.__version__} "
        f"Python/{platform.python_version()} {platform.system()}"
    )
    return f"{agent} {extra}" if extra else agent


class Transport:
    """Sends signed requests with retries; one per client.

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
        credentials: Credentials | None,
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
        self._resolved: tuple[str, Endpoint, Credentials] | None = None
        self._quota = RetryQuota(retry.quota)
        self._limiter = RateLimiter() if retry.mode == "adaptive" else None
        self._closed = False
        # Injectable for tests: the fault-injection suite replaces them to stay fast.
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self.rand: Callable[[], float] = random.random
        self.monotonic: Callable[[], float] = time.monotonic
        self.now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)

    # -- configuration ---------------------------------------------------

    def resolve(self) -> tuple[str, Endpoint, Credentials]:
        """Resolve region, endpoint and credentials once, on first use.

        Returns:
            The region, the endpoint and the credentials.

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
            credentials = resolve_credentials(self._credentials_arg, self._profile)
            self._resolved = (region, endpoint, credentials)
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
            connector = aiohttp.TCPConnector(limit=self._max_connections)
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=None),
                auto_decompress=True,
            )
        return self._session

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
    ) -> Response:
        """Send one call, retrying as the policy allows.

        Args:
            operation: the operation name, for logs.
            method: the HTTP method.
            segments: raw path segments (see :func:`lambda_es._signing.build_url`).
            query: raw query parameters.
            body: the JSON body, or ``b""``.

        Returns:
            The 2xx response.

        Raises:
            APIError: the service answered with an error (a subclass per code).
            TransportError: no complete response (ConnectError, TimeoutError, ...).
            ConfigurationError: region, endpoint or credentials are missing.
        """
        region, endpoint, credentials = self.resolve()
        session = self._get_session()
        url = build_url(endpoint, segments, tuple(query))
        total = self.timeout.total
        deadline = None if total is None else self.monotonic() + total
        retries = 0
        taken: int | None = None
        attempt = 0
        while True:
            attempt += 1
            if self._limiter is not None:
                wait = self._limiter.acquire(self.monotonic())
                if wait > 0:
                    await self._sleep_within(wait, deadline)
            try:
                response = await self._attempt(
                    session,
                    operation,
                    method,
                    url,
                    body,
                    region,
                    endpoint,
                    credentials,
                    attempt,
                    deadline,
                )
            except _Attempt as failed:
                if self._limiter is not None and failed.kind != "timeout":
                    self._limiter.on_response(self.monotonic(), throttled=failed.kind == "throttle")
                delay = self._next_delay(failed, attempt, retries, deadline)
                _set_attempts(failed.error, attempt)
                if delay is None:
                    raise failed.error from failed.error.__cause__
                taken = self._quota.acquire(failed.kind)  # type: ignore[arg-type]
                if taken is None:
                    logger.debug("%s: retry quota exhausted after attempt %d", operation, attempt)
                    raise failed.error from failed.error.__cause__
                logger.debug(
                    "%s: attempt %d failed (%s); retrying in %.3fs",
                    operation,
                    attempt,
                    failed.error,
                    delay,
                )
                retries += 1
                await self.sleep(delay)
                continue
            if self._limiter is not None:
                self._limiter.on_response(self.monotonic(), throttled=False)
            self._quota.release(taken)
            return response

    def _next_delay(
        self, failed: _Attempt, attempt: int, retries: int, deadline: float | None
    ) -> float | None:
        if failed.kind is None or attempt >= self.retry.attempts:
            return None
        delay = backoff_delay(self.retry, retries, self.rand)
        if failed.delay_hint is not None:
            delay = min(failed.delay_hint, self.retry.max_retry_after)
        if deadline is not None and self.monotonic() + delay >= deadline:
            return None
        return delay

    async def _sleep_within(self, delay: float, deadline: float | None) -> None:
        if deadline is not None and self.monotonic() + delay >= deadline:
            raise TimeoutError("the total timeout would pass while waiting for the rate limiter")
        await self.sleep(delay)

    def _client_timeout(self, deadline: float | None) -> aiohttp.ClientTimeout:
        remaining = None if deadline is None else deadline - self.monotonic()
        if remaining is not None and remaining <= 0:
            raise TimeoutError("the total timeout passed")
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
        region: str,
        endpoint: Endpoint,
        credentials: Credentials,
        attempt: int,
        deadline: float | None,
    ) -> Response:
        # Signed afresh each attempt: a retry after a long back-off must not
        # carry a stale X-Amz-Date.
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
        started = self.monotonic()
        try:
            async with session.request(
                method,
                yarl.URL(url, encoded=True),
                data=body if body else None,
                headers=headers,
                timeout=timeout,
                allow_redirects=False,
            ) as resp:
                data = await self._read_body(resp)
                status, resp_headers = resp.status, resp.headers
        except (asyncio.TimeoutError, aiohttp.ServerTimeoutError) as exc:
            error: TransportError = TimeoutError(
                f"{operation}: no response within the timeout "
                f"({self.monotonic() - started:.1f}s, attempt {attempt})"
            )
            error.__cause__ = exc
            raise _Attempt(error, "timeout") from exc
        except ResponseTooLargeError as exc:
            raise _Attempt(exc, None) from None
        except (aiohttp.ClientError, OSError) as exc:
            error = ConnectError(f"{operation}: {_describe(exc)}")
            error.__cause__ = exc
            raise _Attempt(error, "transient") from exc

        request_id = resp_headers.get("x-amzn-RequestId")
        logger.debug(
            "%s: attempt %d -> HTTP %d (request id %s)", operation, attempt, status, request_id
        )
        if 200 <= status < 300:
            return Response(status, dict(resp_headers), data)
        retry_after = None
        if status in (429, 503):
            retry_after = parse_retry_after(resp_headers.get("Retry-After"), self.now())
        api_error = error_from_response(
            status, resp_headers, data, retry_after=retry_after, attempts=attempt
        )
        raise _Attempt(api_error, classify(status, api_error.code), retry_after)

    async def _read_body(self, resp: aiohttp.ClientResponse) -> bytes:
        limit = self.max_response_size
        if resp.content_length is not None and resp.content_length > limit:
            raise ResponseTooLargeError(
                f"response of {resp.content_length} bytes exceeds max_response_size={limit}"
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise ResponseTooLargeError(
                    f"response body exceeds max_response_size={limit} bytes"
                )
            chunks.append(chunk)
        return b"".join(chunks)


def _describe(exc: BaseException) -> str:
    # aiohttp's messages can be empty (ServerDisconnectedError()), so the type
    # name always leads; none of them carries a request header.
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _set_attempts(error: LambdaESError, attempts: int) -> None:
    if isinstance(error, (APIError, TransportError)):
        error.attempts = attempts
