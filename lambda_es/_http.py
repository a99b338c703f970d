"""The HTTP layer: the aiohttp session, one exchange, and aiohttp's failures mapped once.

The only module of the package that imports aiohttp's client API. It owns
the session (the client's own, made lazily, or one the caller lent), the
per-client TLS and proxy options, and :meth:`HTTP.send`: one request, its
body read up to a size limit, with every aiohttp and asyncio failure turned
into a :mod:`lambda_es._errors` exception in one place
(:func:`_mapped_failures`), its cause scrubbed of request headers. It knows
nothing of signing, retries or the service: it sends exactly the URL and
headers it is given (yarl would otherwise re-encode the signed URL).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import math
import platform
import ssl
from collections.abc import Callable, Iterator, Mapping
from types import SimpleNamespace
from typing import Any, NamedTuple

import aiohttp
import attrs
import multidict
import yarl

from ._clock import Clock
from ._config import Config
from ._errors import (
    ConfigurationError,
    ConnectError,
    LambdaESError,
    ParamValidationError,
    ResponseTooLargeError,
    TimeoutError,
    TransportError,
)
from ._fetch import FetchError, FetchRequest, FetchResponse
from ._retry import Kind
from ._signing import redacted
from ._version import version

__all__ = [
    "DEFAULT_MAX_RESPONSE_SIZE",
    "HTTP",
    "CredentialFetch",
    "HTTPRequest",
    "Response",
    "Timeout",
    "describe",
    "failure_kind",
]

#: Sessions a forked child dropped: never closed, never collected (see forget_connections).
_ABANDONED: list[aiohttp.ClientSession] = []

logger = logging.getLogger("lambda_es")

DEFAULT_MAX_RESPONSE_SIZE = 4 * 1024 * 1024

#: The largest answer a credential endpoint may give.
_MAX_CREDENTIAL_RESPONSE = 1024 * 1024

#: How often one request may be resent after finding its pooled connection
#: closed; each resend drops one dead connection, so a few suffice.
_MAX_STALE_RESENDS = 3

_CHUNK = 64 * 1024


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
    """A complete response (any status).

    Attributes:
        status: the HTTP status.
        headers: the response headers (case-insensitive lookups).
        body: the raw body.
    """

    status: int
    headers: Mapping[str, str]
    body: bytes


class HTTPRequest(NamedTuple):
    """One request, exactly as it goes on the wire.

    Attributes:
        label: names the request in error messages and log lines (the operation).
        method: the HTTP method.
        url: the URL, already encoded: it is sent as it is.
        headers: every header to send.
        body: the body, or ``b""``.
        timeout: the connect and read deadlines (``total`` only names the limit in
            a message: the caller's deadline bounds the exchange).
        max_size: the largest body accepted.
        client_network: whether the client's TLS and proxy settings apply (not to
            the credential sources, which go direct, as botocore's do).
        attempt: the call's attempt number: a failure's ``attempts``, and the resend
            log line (0: not part of a call; nothing logged).
    """

    label: str
    method: str
    url: yarl.URL
    headers: Mapping[str, str]
    body: bytes
    timeout: Timeout
    max_size: int
    client_network: bool = True
    attempt: int = 0

    @property
    def attempts(self) -> int:
        """What a failure of this request reports as ``attempts`` (at least 1)."""
        return max(self.attempt, 1)


def user_agent(extra: str | None) -> str:
    """Build the User-Agent header of a client.

    Args:
        extra: the client's ``user_agent_extra``.

    Returns:
        ``lambda-es/<v> aiohttp/<v> Python/<v> <system>``, then ``extra``.
    """
    agent = (
        f"lambda-es/{version()} aiohttp/{aiohttp.__version__} "
        f"Python/{platform.python_version()} {platform.system()}"
    )
    return f"{agent} {extra}" if extra else agent


# -- connection reuse, for resending what met a stale pooled connection ------------


class _Reuse:
    """What aiohttp's tracing said about one request: did it take a pooled connection."""

    __slots__ = ("reused",)

    def __init__(self) -> None:
        self.reused = False


async def _mark_reused(
    session: aiohttp.ClientSession,
    context: SimpleNamespace,
    params: aiohttp.TraceConnectionReuseconnParams,
) -> None:
    reuse = context.trace_request_ctx
    if isinstance(reuse, _Reuse):
        reuse.reused = True


def _tracing() -> aiohttp.TraceConfig:
    # One per session, listening to one signal only: aiohttp's per-request
    # tracing cost is then a few empty-signal checks.
    tracing = aiohttp.TraceConfig()
    tracing.on_connection_reuseconn.append(_mark_reused)
    tracing.freeze()
    return tracing


class _Stale(Exception):
    """The request went out on a pooled connection the server had closed: resend it."""


class HTTP:
    """One client's HTTP: its session, network options and exchanges.

    Args:
        session: a session to use and never close; ``None`` to make one on first use.
        max_connections: the own session's pool size.
        user_agent_extra: appended to the User-Agent header.
        clock: where the remaining time is read.
    """

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession | None,
        max_connections: int,
        user_agent_extra: str | None,
        clock: Clock,
    ) -> None:
        self._session = session
        self.owns_session = session is None
        self._max_connections = max_connections
        self.user_agent = user_agent(user_agent_extra)
        self._clock = clock
        self._options: dict[str, Any] = {}
        #: Headers every API request carries after signing (a proxy's credentials).
        self.extra_headers: Mapping[str, str] = {}
        self._trust = ""
        self._closed = False

    # -- configuration and lifecycle ---------------------------------------------------

    def configure(self, config: Config) -> None:
        """Build the client's TLS and proxy options once, from the resolved configuration.

        Args:
            config: the resolved configuration (with an endpoint).

        Raises:
            ConfigurationError: the CA bundle holds no usable certificate.
        """
        self._options, self.extra_headers, self._trust = _network_options(config)

    @property
    def connected(self) -> bool:
        """Whether a session is held (the own one made, or one lent)."""
        return self._session is not None

    def session(self) -> aiohttp.ClientSession:
        """Return the session, making the client's own on first use.

        Raises:
            LambdaESError: the client is closed.
        """
        if self._closed:
            raise LambdaESError("the client is closed")
        if self._session is None:
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._max_connections),
                timeout=aiohttp.ClientTimeout(total=None),
                auto_decompress=True,
                trace_configs=[_tracing()],
                # Proxies come from the configuration, per request, never
                # from aiohttp's own reading of the environment.
                trust_env=False,
            )
            # aiohttp resends an idempotent request once after any reset, on a
            # fresh connection or not, which would make one attempt two on the
            # wire for GET/PUT/DELETE but not POST. This layer resends, for
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
        if session is not None and self.owns_session:
            connector = session.connector
            if connector is not None and hasattr(connector, "_closed"):
                connector._closed = True
            # Kept referenced for the child's life, so its connections are never
            # collected (each would warn that it was not closed).
            _ABANDONED.append(session)

    async def drop_session(self) -> None:
        """Close the own session, if any; the next request makes a new one."""
        session, self._session = self._session, None
        if session is not None and self.owns_session and not session.closed:
            await session.close()

    async def aclose(self) -> None:
        """Close the own session for good; a lent one stays open. Idempotent."""
        self._closed = True
        await self.drop_session()

    # -- one exchange -------------------------------------------------------------------

    async def send(self, request: HTTPRequest, deadline: float | None) -> Response:
        """Send one request and read its whole response.

        A request that went out on a pooled connection the server had just
        closed was never processed: it is sent again on a new connection, a
        few times at most, which is no retry (it costs no attempt). Redirects
        are not followed.

        Args:
            request: what to send.
            deadline: the monotonic time by which the response must be complete.

        Returns:
            The response, whatever its status.

        Raises:
            TimeoutError: a connect, read or total deadline passed.
            ConnectError: no connection, or it broke before the response ended;
                a certificate that fails verification too (it names the trust used).
            ResponseTooLargeError: the body is larger than ``request.max_size``.
            LambdaESError: the client is closed.
        """
        session = self.session()
        # A lent session carries no tracing: it cannot tell a stale connection.
        traced = self.owns_session
        for _ in range(_MAX_STALE_RESENDS):
            try:
                return await self._once(session, request, deadline, _Reuse() if traced else None)
            except _Stale:
                if request.attempt:
                    logger.debug(
                        "%s attempt %d: a pooled connection was closed by the server; resending",
                        request.label,
                        request.attempt,
                    )
        return await self._once(session, request, deadline, None)

    async def _once(
        self,
        session: aiohttp.ClientSession,
        request: HTTPRequest,
        deadline: float | None,
        reuse: _Reuse | None,
    ) -> Response:
        remaining = None if deadline is None else deadline - self._clock.monotonic()
        if remaining is not None and remaining <= 0:
            raise TimeoutError("the total timeout passed", attempts=request.attempts)
        timeout = request.timeout
        options = self._options if request.client_network else {}
        with _mapped_failures(request, self._trust, reuse) as state:
            async with session.request(
                request.method,
                request.url,
                data=request.body or None,
                headers=request.headers,
                # sock_connect, not connect: waiting for a free pooled connection
                # is bounded by the total timeout alone, not taken for a slow server.
                timeout=aiohttp.ClientTimeout(
                    total=remaining, sock_connect=timeout.connect, sock_read=timeout.read
                ),
                allow_redirects=False,
                trace_request_ctx=reuse,
                **options,
            ) as resp:
                state.responded = True
                body = await _read_body(request, resp)
                return Response(resp.status, resp.headers, body)
        raise AssertionError("unreachable")  # pragma: no cover - the block returns or raises


async def _read_body(request: HTTPRequest, resp: aiohttp.ClientResponse) -> bytes:
    limit = request.max_size
    if resp.content_length is not None and resp.content_length > limit:
        raise ResponseTooLargeError(
            f"{request.label}: the response's Content-Length of {resp.content_length} bytes "
            f"exceeds max_response_size={limit}",
            attempts=request.attempts,
        )
    if resp.content_length is not None:
        # The common case: one read, no chunk list (aiohttp stops at the length).
        return await resp.content.read()
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise ResponseTooLargeError(
                f"{request.label}: the response body exceeds max_response_size={limit} bytes",
                attempts=request.attempts,
            )
        chunks.append(chunk)
    return b"".join(chunks)


# -- aiohttp's failures, mapped in one place ----------------------------------------


class _Exchange:
    __slots__ = ("responded",)

    def __init__(self) -> None:
        self.responded = False


# aiohttp >= 3.10 tells a connect timeout from a read timeout by type.
_CONNECT_TIMEOUTS: tuple[type[BaseException], ...] = tuple(
    cls for cls in (getattr(aiohttp, "ConnectionTimeoutError", None),) if isinstance(cls, type)
)


@contextlib.contextmanager
def _mapped_failures(request: HTTPRequest, trust: str, reuse: _Reuse | None) -> Iterator[_Exchange]:
    """Turn what aiohttp and asyncio raise during one exchange into lambda_es's errors.

    The one table of the mapping: a deadline is a :class:`TimeoutError` saying
    which one; a certificate that fails verification a :class:`ConnectError`
    naming the trust used; any other connection or protocol failure a
    :class:`ConnectError` (:func:`failure_kind` says which are worth retrying). A failure on a reused connection before any
    response is :class:`_Stale`. The aiohttp exception is chained as the
    cause, scrubbed of the request's headers.
    """
    exchange = _Exchange()
    try:
        yield exchange
    except asyncio.TimeoutError as exc:
        error: TransportError = TimeoutError(
            f"{request.label}: {_describe_timeout(exc, request.timeout)}",
            attempts=request.attempts,
        )
        raise _caused(error, exc) from exc
    except aiohttp.ClientConnectorCertificateError as exc:
        error = ConnectError(
            f"{request.label}: {describe(exc)}; verified with {trust}", attempts=request.attempts
        )
        raise _caused(error, exc) from exc
    except (aiohttp.ClientError, OSError) as exc:
        if (
            reuse is not None
            and reuse.reused
            and not exchange.responded
            and isinstance(exc, (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError))
            and not isinstance(exc, aiohttp.ClientConnectorError)
        ):
            raise _Stale from None
        error = ConnectError(f"{request.label}: {describe(exc)}", attempts=request.attempts)
        raise _caused(error, exc) from exc


def failure_kind(error: TransportError) -> Kind | None:
    """Say whether a failure of :meth:`HTTP.send` is worth another attempt, and why.

    Args:
        error: what ``send`` raised.

    Returns:
        ``"timeout"`` for a connect or read deadline, ``"transient"`` for a
        connection failure, ``None`` for what would fail again: a certificate
        that fails verification, a body over the limit, the total deadline
        already passed.
    """
    cause = error.__cause__
    if isinstance(error, ResponseTooLargeError) or cause is None:
        return None
    if isinstance(cause, aiohttp.ClientConnectorCertificateError):
        return None
    return "timeout" if isinstance(error, TimeoutError) else "transient"


def _describe_timeout(exc: BaseException, timeout: Timeout) -> str:
    if isinstance(exc, _CONNECT_TIMEOUTS):
        return f"connect timeout: no connection within {timeout.connect}s"
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return f"read timeout: the server sent nothing for {timeout.read}s"
    return f"total timeout: the call did not finish within {timeout.total}s"


def describe(exc: BaseException) -> str:
    """Name an exception for a message: its type, then its text if any.

    aiohttp's messages can be empty (``ServerDisconnectedError()``), so the
    type name always leads; none of them carries a request header.

    Args:
        exc: the exception.

    Returns:
        ``"Type: text"`` or ``"Type"``.
    """
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _caused(error: TransportError, cause: BaseException) -> TransportError:
    error.__cause__ = _scrubbed(cause)
    return error


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


# -- the client's network options -----------------------------------------------------


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


# -- the credential chain's HTTP ----------------------------------------------------


class CredentialFetch:
    """The credential chain's HTTP (STS, SSO, metadata), over the client's own session.

    Sharing the session means one connection pool. No retries here: each
    source decides its own (instance metadata wants exactly one attempt).
    It is a :data:`lambda_es._fetch.HTTPFetch`.

    Args:
        http: the client's HTTP layer.
    """

    def __init__(self, http: HTTP) -> None:
        self._http = http

    async def __call__(self, fetch: FetchRequest) -> FetchResponse:
        """Send one credential request.

        Args:
            fetch: the request (the User-Agent is added to its headers).

        Returns:
            The response, header names lower-cased.

        Raises:
            FetchError: no complete response (its message in the HTTP library's
                words, with no header of the request and no chained exception).
            LambdaESError: the client is closed.
        """
        http = self._http
        timeout = fetch.timeout
        request = HTTPRequest(
            label="credentials",
            method=fetch.method,
            url=yarl.URL(fetch.url, encoded=True),
            headers={"User-Agent": http.user_agent, **fetch.headers},
            body=fetch.body,
            timeout=Timeout(connect=None, read=None, total=timeout),
            max_size=_MAX_CREDENTIAL_RESPONSE,
            client_network=False,
        )
        failure: FetchError | None = None
        try:
            response = await http.send(request, http._clock.monotonic() + timeout)
        except TimeoutError:
            failure = FetchError(f"no answer within {timeout:g}s", timed_out=True)
        except ResponseTooLargeError:
            failure = FetchError(f"the answer exceeds {_MAX_CREDENTIAL_RESPONSE} bytes")
        except TransportError as exc:
            cause = exc.__cause__
            failure = FetchError(describe(cause) if cause is not None else str(exc))
        if failure is not None:
            # Raised here, outside the except blocks: aiohttp's errors keep the
            # request's headers (a signature, a token), which must not ride along
            # as the context.
            raise failure
        return FetchResponse(
            response.status,
            {k.lower(): v for k, v in response.headers.items()},
            response.body,
        )
