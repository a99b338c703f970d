"""The aiohttp session, per-attempt signing, and the retry loop.

The only module that knows aiohttp's client API. It turns every way a request
can fail into a :mod:`lambda_es._errors` exception, and it sends exactly the
URL that was signed (yarl would otherwise re-encode it).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import email.utils
import logging
import math
import platform
import random
import ssl
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from types import SimpleNamespace
from typing import Any

import aiohttp
import attrs
import multidict
import yarl

from ._chain import default_chain
from ._config import ClientSettings, Config, resolve_config
from ._credentials import Credentials, CredentialsProvider, FetchError, FetchResponse
from ._endpoints import Endpoint
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
from ._validate import check_credentials
from ._version import version

__all__ = ["DEFAULT_MAX_RESPONSE_SIZE", "Response", "Timeout", "Transport"]

logger = logging.getLogger("lambda_es")

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

    #: "expired" (the credentials expired) or "skew" (the clock is off): one
    #: immediate retry after refreshing or correcting (see Transport._recover).
    recovery: str | None = None
    #: The access key id that signed the attempt (not a secret).
    key_id: str | None = None
    #: The response's Date header.
    server_date: str | None = None

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
        f"lambda-es/{version()} aiohttp/{aiohttp.__version__} "
        f"Python/{platform.python_version()} {platform.system()}"
    )
    return f"{agent} {extra}" if extra else agent


class Transport:
    """Sends signed requests with retries; one per client.

    It resolves nothing itself: :func:`lambda_es._config.resolve_config` turns
    the client's arguments into one :class:`~lambda_es._config.Config` on
    first use, and the transport reads it. The retry quota, the rate limiter
    (adaptive mode) and the TLS context are made then, once, so every call
    of one client shares them.

    Args:
        settings: the client's configuration arguments.
        timeout: the deadlines.
        session: a session to use and never close.
        max_connections: the connection pool's size.
        user_agent_extra: appended to the User-Agent header.
        max_response_size: the largest response body accepted, in bytes.
    """

    def __init__(
        self,
        *,
        settings: ClientSettings,
        timeout: Timeout,
        session: aiohttp.ClientSession | None,
        max_connections: int,
        user_agent_extra: str | None,
        max_response_size: int,
    ) -> None:
        self.settings = settings
        # The client's repr shows the region= argument without resolving anything.
        self._region_arg = settings.region
        self.timeout = timeout
        self._session = session
        self._owns_session = session is None
        self._max_connections = max_connections
        self._user_agent = _user_agent(user_agent_extra)
        self.max_response_size = max_response_size
        self._config: Config | None = None
        self._credentials: CredentialsProvider | None = None
        self._quota: RetryQuota | None = None
        self._limiter: RateLimiter | None = None
        self._request_options: dict[str, Any] = {}
        self._extra_headers: dict[str, str] = {}
        self._trust = ""
        self._closed = False
        # Injectable for tests: the fault-injection suite replaces them to stay fast.
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        self.rand: Callable[[], float] = random.random
        self.monotonic: Callable[[], float] = time.monotonic
        self.now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)

    #: Added to the local clock when signing; set from a server's Date after
    #: it rejected a signature as skewed (see _recover).
    clock_offset: dt.timedelta = dt.timedelta(0)

    # -- configuration ---------------------------------------------------

    @property
    def config(self) -> Config:
        """The resolved configuration (resolved on first access, raising what is missing)."""
        self.resolve()
        assert self._config is not None
        return self._config

    @property
    def retry(self) -> Retry:
        """The retry policy in force."""
        return self.config.retry

    @property
    def quota(self) -> RetryQuota:
        """The retry budget every call of this client shares."""
        self.resolve()
        assert self._quota is not None
        return self._quota

    @property
    def limiter(self) -> RateLimiter | None:
        """The adaptive mode's rate limiter (None in other modes)."""
        self.resolve()
        return self._limiter

    def resolve(self) -> tuple[str, Endpoint, CredentialsProvider]:
        """Resolve the configuration once, on first use.

        Returns:
            The region, the endpoint and what gives the credentials for an attempt.

        Raises:
            ConfigurationError: a setting cannot be found or used.
        """
        config = self._config
        if config is None:
            config = resolve_config(self.settings)
            config.check()
            assert config.region is not None  # check() guarantees it
            self._quota = RetryQuota(config.retry.quota)
            self._limiter = RateLimiter() if config.retry.mode == "adaptive" else None
            self._request_options, self._extra_headers, self._trust = _network_options(config)
            self._credentials = self._chain(config)
            self._config = config
        assert config.region is not None
        assert config.endpoint is not None
        assert self._credentials is not None
        return config.region.value, config.endpoint.value, self._credentials

    def _chain(self, config: Config) -> CredentialsProvider:
        # Nothing is read or fetched until the chain is first awaited. Without
        # a region (configure list may run without one) STS is the global
        # endpoint, as botocore's is then.
        return default_chain(
            given=self.settings.credentials,
            profile=self.settings.profile,
            environ=config.environ,
            files=config.files,
            http=_CredentialFetch(self),
            region=config.region.value if config.region is not None else "aws-global",
        )

    async def credentials_in_use(self) -> tuple[Credentials, str]:
        """Find the credentials the next attempt would sign with, for ``configure list``.

        Unlike a call, this needs no region.

        Returns:
            The credentials and a description of their source (no secret in it).

        Raises:
            ConfigurationError: no source gave credentials, or a setting is invalid.
        """
        provider = self._credentials
        if provider is None:
            provider = self._chain(self._config or resolve_config(self.settings))
        credentials = await _current_credentials(provider)
        source = getattr(provider, "source", None)
        return credentials, source if isinstance(source, str) else "credentials= provider"

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
                # Proxies come from the configuration, per request, never
                # from aiohttp's own reading of the environment.
                trust_env=False,
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
        recovered = False
        while True:
            try:
                return await self._exchange(
                    session, operation, method, url, body, signing, attempt, deadline
                )
            except _Attempt as failed:
                if failed.recovery is not None and not recovered:
                    recovered = True
                    if await self._recover(operation, attempt, failed, signing[2]):
                        continue
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

    async def _recover(
        self, operation: str, attempt: int, failed: _Attempt, provider: CredentialsProvider
    ) -> bool:
        # As botocore: expired credentials are refreshed, a skewed clock is
        # corrected from the server's Date, and the attempt is made once more
        # when that can change anything.
        server = _http_date(failed.server_date)
        offset = None if server is None else server - self.now()
        if failed.recovery == "skew":
            if offset is None:
                return False
            self.clock_offset = offset
            action = f"correcting the clock by {offset.total_seconds():+.0f}s"
        else:
            if offset is not None and abs(offset) > _SKEW_TOLERANCE:
                self.clock_offset = offset  # RequestExpired can mean a skewed clock too
            refresh = getattr(provider, "refresh_after_rejection", None)
            if (
                refresh is not None
                and failed.key_id is not None
                and not await refresh(failed.key_id)
            ):
                return False
            action = "refreshing the credentials"
        logger.debug(
            "%s attempt %d: %s; %s and sending once more",
            operation,
            attempt,
            failed.outcome(),
            action,
        )
        return True

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
            now=self.now() + self.clock_offset,
            host=endpoint.host_header,
        )
        headers["Host"] = endpoint.host_header
        headers["User-Agent"] = self._user_agent
        if body:
            headers["Content-Type"] = "application/json"
        headers.update(self._extra_headers)
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
                **self._request_options,
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
            error = ConnectError(f"{operation}: {_describe(exc)}; verified with {self._trust}")
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
        failed = _Attempt(
            api_error,
            classify(status, api_error.code),
            status=status,
            request_id=request_id,
            delay_hint=retry_after,
        )
        failed.recovery = _recovery(api_error)
        failed.key_id = credentials.access_key_id
        failed.server_date = resp_headers.get("Date")
        raise failed

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


def _network_options(config: Config) -> tuple[dict[str, Any], dict[str, str], str]:
    """The per-request TLS and proxy options of one client, built once.

    They go with each request rather than into the connector, so that a
    session passed as ``session=`` follows the client's settings too.

    Returns:
        aiohttp's request keywords (``ssl``, ``proxy``, ``proxy_headers``), headers
        to add to each request (the proxy's credentials, for an http endpoint), and
        a description of the trust in use, for certificate errors.

    Raises:
        ConfigurationError: the CA bundle holds no usable certificate.
    """
    options: dict[str, Any] = {}
    extra_headers: dict[str, str] = {}
    verify = config.verify
    assert config.endpoint is not None
    if verify.value is False:
        logger.warning(
            "TLS certificate verification is OFF for this client (verify=False from %s): "
            "anyone on the network path can read and change its requests",
            verify.source,
        )
        options["ssl"] = False
        trust = "no verification (verify=False)"
    elif config.endpoint.value.scheme == "https":
        bundle = verify.value if isinstance(verify.value, str) else None
        problem: str | None = None
        try:
            options["ssl"] = ssl.create_default_context(cafile=bundle)
        except (ssl.SSLError, OSError) as exc:
            problem = f"{type(exc).__name__}: {exc}"
        if problem is not None:
            raise ConfigurationError(
                f"the CA bundle {bundle} (from {verify.source}) cannot be used: {problem}"
            )
        if bundle is not None:
            trust = f"the CA bundle {bundle} (from {verify.source})"
        else:
            paths = ssl.get_default_verify_paths()
            trust = (
                "the default trust store (no CA bundle configured; "
                f"cafile={paths.cafile}, capath={paths.capath})"
            )
    else:
        trust = "no TLS (plain http)"
    proxy = config.proxy.value
    if proxy is not None:
        options["proxy"] = proxy.url
        if proxy.username is not None:
            # A header rather than aiohttp.BasicAuth (deprecated in aiohttp 3.14);
            # UTF-8, as curl sends a password typed in a UTF-8 locale.
            token = base64.b64encode(f"{proxy.username}:{proxy.password or ''}".encode()).decode()
            authorization = {"Proxy-Authorization": f"Basic {token}"}
            if config.endpoint.value.scheme == "https":
                # Sent with the CONNECT that opens the tunnel.
                options["proxy_headers"] = authorization
            else:
                # aiohttp sends proxy_headers only with a CONNECT; an http
                # request goes to the proxy itself, so the header goes on it
                # (after signing: it is not part of the signature).
                extra_headers = authorization
    return options, extra_headers, trust


#: Error codes that say the credentials expired: refreshed, then one retry.
_EXPIRED_CODES = frozenset({"ExpiredTokenException", "ExpiredToken", "RequestExpired"})
#: Error codes that say the request's time is too far from the server's.
_SKEW_CODES = frozenset({"RequestTimeTooSkewed", "RequestInTheFuture"})
#: A server clock this far from ours is corrected even on an expired-token error.
_SKEW_TOLERANCE = dt.timedelta(minutes=4)
#: The largest answer a credential endpoint may give.
_MAX_CREDENTIAL_RESPONSE = 1024 * 1024


def _recovery(error: APIError) -> str | None:
    if error.status in (400, 403) and error.code in _EXPIRED_CODES:
        return "expired"
    message = error.message.lower()
    if error.code in _SKEW_CODES or (
        error.code == "InvalidSignatureException"
        and ("signature expired" in message or "skew" in message)
    ):
        return "skew"
    return None


def _http_date(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=dt.timezone.utc)


class _CredentialFetch:
    """The credential chain's HTTP (STS, SSO, metadata), over the client's own session.

    Sharing the session means one connection pool, and that its proxy and TLS
    settings apply to these requests too. No retries here: each source
    decides its own (instance metadata wants exactly one attempt).

    Args:
        transport: the transport whose session to use.
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    async def __call__(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str],
        body: bytes = b"",
        timeout: float,
    ) -> FetchResponse:
        session = self._transport._get_session()
        sent = {"User-Agent": self._transport._user_agent, **headers}
        for _ in range(_MAX_STALE_RESENDS):
            exchange = _Exchange()
            try:
                return await self._once(session, method, url, sent, body, timeout, exchange)
            except _Stale:
                continue  # a pooled connection the server had closed: nothing was processed
        return await self._once(session, method, url, sent, body, timeout, None)

    async def _once(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        timeout: float,
        exchange: _Exchange | None,
    ) -> FetchResponse:
        failure: str | None = None
        timed_out = stale = responded = False
        try:
            async with session.request(
                method,
                yarl.URL(url, encoded=True),
                data=body if body else None,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=timeout),
                allow_redirects=False,
                trace_request_ctx=exchange if self._transport._owns_session else None,
            ) as resp:
                responded = True
                chunks: list[bytes] = []
                size = 0
                async for chunk in resp.content.iter_chunked(64 * 1024):
                    size += len(chunk)
                    if size > _MAX_CREDENTIAL_RESPONSE:
                        failure = f"the answer exceeds {_MAX_CREDENTIAL_RESPONSE} bytes"
                        break
                    chunks.append(chunk)
                status = resp.status
                answer = {k.lower(): v for k, v in resp.headers.items()}
        except asyncio.TimeoutError:
            failure, timed_out = f"no answer within {timeout:g}s", True
        except (aiohttp.ClientError, OSError) as exc:
            failure = _describe(exc)
            stale = (
                exchange is not None
                and exchange.reused
                and not responded
                and isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError))
                and not isinstance(exc, aiohttp.ClientConnectorError)
            )
        if stale:
            raise _Stale
        if failure is not None:
            # Raised here, outside the except blocks: aiohttp's errors keep the
            # request's headers (a signature, a token), which must not ride along
            # as the context.
            raise FetchError(failure, timed_out=timed_out)
        return FetchResponse(status, answer, b"".join(chunks))


class _Stale(Exception):
    """A credential request went out on a pooled connection the server had closed."""


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
    problem: str | None = None
    try:
        # A lone surrogate or a line break would fail deep inside signing (or
        # split a header), with the secret in the exception.
        check_credentials(credentials)
    except ParamValidationError as exc:
        problem = str(exc)
    if problem is not None:
        raise ConfigurationError(f"the credentials provider returned unusable {problem}")
    return credentials


def _caused(error: TransportError, cause: BaseException) -> TransportError:
    error.__cause__ = _scrubbed(cause)
    return error


def _set_attempts(error: LambdaESError, attempts: int) -> None:
    if isinstance(error, (APIError, TransportError)):
        error.attempts = attempts
