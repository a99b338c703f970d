"""One call: a :class:`Request`, signed per attempt, sent, classified, retried.

The thin composition of the request path. Per call it builds the
:class:`Request` once (the signed URL, the body); per attempt it takes
credentials from the provider, signs with the clock's time (corrected by
any clock skew a server reported), sends through :mod:`lambda_es._http` and
turns what came back into an :class:`~lambda_es._retry.Outcome`;
:func:`lambda_es._retry.drive` decides what follows. Configuration is
resolved by :mod:`lambda_es._config` on first use.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, NamedTuple

import attrs
import yarl

from ._clock import Clock
from ._config import ClientSettings, Config, resolve_config
from ._credentials import Credentials, CredentialsProvider
from ._endpoints import Endpoint
from ._errors import (
    APIError,
    ConfigurationError,
    LambdaESError,
    ParamValidationError,
    TransportError,
    error_from_response,
)
from ._http import (
    DEFAULT_MAX_RESPONSE_SIZE,
    HTTP,
    CredentialFetch,
    HTTPRequest,
    Response,
    Timeout,
    describe,
    failure_kind,
)
from ._retry import (
    Outcome,
    RateLimiter,
    RetryQuota,
    classify,
    drive,
    http_date,
    parse_retry_after,
)
from ._signing import build_url, sign
from ._validate import check_credentials

if TYPE_CHECKING:  # only _http imports aiohttp's client
    pass

# Timeout, Response and DEFAULT_MAX_RESPONSE_SIZE are _http's, named here too:
# the client talks to this layer only.
__all__ = ["DEFAULT_MAX_RESPONSE_SIZE", "Request", "Response", "Timeout", "Transport"]

logger = logging.getLogger("lambda_es")

#: Error codes that say the credentials expired: refreshed, then one retry.
_EXPIRED_CODES = frozenset({"ExpiredTokenException", "ExpiredToken", "RequestExpired"})
#: Error codes that say the request's time is too far from the server's.
_SKEW_CODES = frozenset({"RequestTimeTooSkewed", "RequestInTheFuture"})
#: A server clock this far from ours is corrected even on an expired-token error.
_SKEW_TOLERANCE = dt.timedelta(minutes=4)


class Request(NamedTuple):
    """One call, as every attempt of it sends it (built once per call).

    Attributes:
        operation: the operation name, for logs and messages.
        method: the HTTP method.
        url: the canonical URL, encoded: the one signed and the one sent.
        wire_url: the same URL for aiohttp, marked already encoded.
        body: the JSON body, or ``b""``.
        timeout: a bound tighter than ``Timeout.total`` for this call, or ``None``.
    """

    operation: str
    method: str
    url: str
    wire_url: yarl.URL
    body: bytes
    timeout: float | None


class _Resolved(NamedTuple):
    """What the configuration gives every call of one client, made once."""

    config: Config
    region: str
    endpoint: Endpoint
    credentials: CredentialsProvider
    quota: RetryQuota
    limiter: RateLimiter | None
    #: The headers every request carries besides the signature's, without and with a body.
    headers: tuple[dict[str, str], dict[str, str]]
    #: The signed URL of a path and query, and the same for aiohttp; cached, as a
    #: client sends few distinct paths.
    url: Callable[[tuple[str, ...], tuple[tuple[str, str], ...]], tuple[str, yarl.URL]]


@attrs.define(kw_only=True, eq=False, repr=False)
class Transport:
    """Sends signed requests with retries; one per client.

    The retry quota, the rate limiter (adaptive mode), the TLS context and the
    static headers are made on first use, once, so every call of one client
    shares them.

    Args:
        settings: the client's configuration arguments.
        timeout: the deadlines.
        http: the session, the network options and the exchange (the client
            makes it: the connection pool is the client's).
        max_response_size: the largest response body accepted, in bytes.
        clock: the client's clock.
        before_call: awaited at the start of every call (the client binds its loop there).
    """

    settings: ClientSettings
    timeout: Timeout
    http: HTTP
    max_response_size: int
    clock: Clock
    # Awaited first in every call: the client ties itself to the running loop.
    _before_call: Callable[[], Awaitable[None]] | None = attrs.field(
        default=None, alias="before_call"
    )
    _resolved: _Resolved | None = attrs.field(default=None, init=False)
    _closed: bool = attrs.field(default=False, init=False)
    # The credentials last found usable: the same object is not checked again.
    _checked: Credentials | None = attrs.field(default=None, init=False)
    #: Added to the clock's time when signing; set from a server's Date after
    #: it rejected a signature as skewed (see _recover).
    clock_offset: dt.timedelta = attrs.field(factory=dt.timedelta, init=False)

    # -- configuration ---------------------------------------------------

    def _resolve(self) -> _Resolved:
        resolved = self._resolved
        if resolved is None:
            config = resolve_config(self.settings)
            config.check()
            assert config.region is not None  # check() guarantees them
            assert config.endpoint is not None
            self.http.configure(config)
            endpoint = config.endpoint.value
            static = {"Host": endpoint.host_header, "User-Agent": self.http.user_agent}
            with_body = {**static, "Content-Type": "application/json"}
            resolved = self._resolved = _Resolved(
                config=config,
                region=config.region.value,
                endpoint=endpoint,
                credentials=self._chain(config),
                quota=RetryQuota(config.retry.quota),
                limiter=RateLimiter() if config.retry.mode == "adaptive" else None,
                headers=(
                    {**static, **self.http.extra_headers},
                    {**with_body, **self.http.extra_headers},
                ),
                url=_url_cache(endpoint),
            )
        return resolved

    def _chain(self, config: Config) -> CredentialsProvider:
        # Nothing is read or fetched until the chain is first awaited. Without
        # a region (configure list may run without one) STS is the global
        # endpoint, as botocore's is then. The chain and its sources (STS,
        # SSO, processes, metadata) load with the first call, not with
        # ``import lambda_es``: a client that is given credentials never needs
        # most of them.
        from ._chain import default_chain

        return default_chain(
            given=self.settings.credentials,
            profile=self.settings.profile,
            environ=config.environ,
            files=config.files,
            http=CredentialFetch(self.http),
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
        if self._resolved is not None:
            provider = self._resolved.credentials
        else:
            provider = self._chain(resolve_config(self.settings))
        credentials = await _current_credentials(provider)
        source = getattr(provider, "source", None)
        return credentials, source if isinstance(source, str) else "credentials= provider"

    # -- lifecycle --------------------------------------------------------

    def forget_connections(self) -> None:
        """Drop the session without I/O, for a forked child (see :meth:`HTTP.forget_connections`)."""
        self.http.forget_connections()

    async def aclose(self) -> None:
        """Close the session if the client made it; idempotent."""
        self._closed = True
        await self.http.aclose()

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
        if self._before_call is not None:
            await self._before_call()
        resolved = self._resolve()
        url, wire_url = resolved.url(tuple(segments), tuple(query))
        call = Request(operation, method, url, wire_url, body, timeout)
        total = self.timeout.total
        if timeout is not None:
            total = timeout if total is None else min(total, timeout)
        deadline = None if total is None else self.clock.monotonic() + total

        async def attempt(number: int) -> Outcome[Response]:
            return await self._attempt(resolved, call, number, deadline)

        return await drive(
            attempt,
            label=operation,
            policy=resolved.config.retry,
            quota=resolved.quota,
            limiter=resolved.limiter,
            clock=self.clock,
            deadline=deadline,
            closed=lambda: self._closed,
        )

    async def _attempt(
        self, resolved: _Resolved, call: Request, number: int, deadline: float | None
    ) -> Outcome[Response]:
        recovered = False
        while True:
            credentials = await _current_credentials(resolved.credentials, self._checked)
            self._checked = credentials
            # Signed afresh each time: a retry after a long back-off must not
            # carry a stale X-Amz-Date (nor credentials that expired meanwhile).
            headers = sign(
                call.method,
                call.url,
                call.body,
                credentials=credentials,
                region=resolved.region,
                now=self.clock.now() + self.clock_offset,
                host=resolved.endpoint.host_header,
            )
            headers.update(resolved.headers[1 if call.body else 0])
            try:
                response = await self.http.send(
                    HTTPRequest(
                        call.operation,
                        call.method,
                        call.wire_url,
                        headers,
                        call.body,
                        self.timeout,
                        self.max_response_size,
                        attempt=number,
                    ),
                    deadline,
                )
            except TransportError as failed:  # its attempts is this attempt's number
                return Outcome.failure(failed, failure_kind(failed), _summary(failed))
            status, answer = response.status, response.headers
            request_id = answer.get("x-amzn-RequestId")
            if 200 <= status < 300:
                return Outcome.success(response, status=status, request_id=request_id)
            retry_after = None
            if status in (429, 503):
                retry_after = parse_retry_after(answer.get("Retry-After"), self.clock.now())
            error = error_from_response(
                status, answer, response.body, retry_after=retry_after, attempts=number
            )
            recovery = _recovery(error)
            if recovery is not None and not recovered:
                recovered = True
                if await self._recover(call, number, error, recovery, answer, credentials):
                    continue
            return Outcome.failure(
                error,
                classify(status, error.code),
                _summary(error),
                status=status,
                request_id=request_id,
                retry_after=retry_after,
            )

    async def _recover(
        self,
        call: Request,
        number: int,
        error: APIError,
        recovery: str,
        answer: Mapping[str, str],
        credentials: Credentials,
    ) -> bool:
        # As botocore: expired credentials are refreshed, a skewed clock is
        # corrected from the server's Date, and the attempt is made once more
        # when that can change anything.
        server = http_date(answer.get("Date"))
        offset = None if server is None else server - self.clock.now()
        if recovery == "skew":
            if offset is None:
                return False
            self.clock_offset = offset
            action = f"correcting the clock by {offset.total_seconds():+.0f}s"
        else:
            if offset is not None and abs(offset) > _SKEW_TOLERANCE:
                self.clock_offset = offset  # RequestExpired can mean a skewed clock too
            refresh = getattr(self._resolve().credentials, "refresh_after_rejection", None)
            if refresh is not None and not await refresh(credentials.access_key_id):
                return False
            action = "refreshing the credentials"
        logger.debug(
            "%s attempt %d: %s; %s and sending once more",
            call.operation,
            number,
            _summary(error),
            action,
        )
        return True


def _summary(error: LambdaESError) -> str:
    """Say what an attempt's error was, for its log line (never a header)."""
    if isinstance(error, APIError):
        return f"HTTP {error.status} {error.code or '(no error code)'}"
    cause = error.__cause__
    detail = describe(cause) if cause is not None else str(error)
    return f"{type(error).__name__} ({detail})"


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


def _url_cache(
    endpoint: Endpoint,
) -> Callable[[tuple[str, ...], tuple[tuple[str, str], ...]], tuple[str, yarl.URL]]:
    @functools.lru_cache(maxsize=256)
    def url(segments: tuple[str, ...], query: tuple[tuple[str, str], ...]) -> tuple[str, yarl.URL]:
        built = build_url(endpoint, segments, query)
        return built, yarl.URL(built, encoded=True)

    return url


async def _current_credentials(
    provider: CredentialsProvider, checked: Credentials | None = None
) -> Credentials:
    try:
        credentials = await provider()
    except LambdaESError:
        raise
    except Exception as exc:
        # The provider's own message, never its values: they may be secrets.
        raise ConfigurationError(
            f"the credentials provider failed: {type(exc).__name__}: {exc}"
        ) from exc
    if credentials is checked:  # frozen: the object last checked is still fine
        return credentials
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
