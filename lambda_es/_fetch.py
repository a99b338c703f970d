"""How the credential sources reach the network: one request, one response.

The sources of the default chain (STS, SSO, the container and instance
metadata services) send their requests through an :data:`HTTPFetch` that the
transport provides (:class:`lambda_es._http.CredentialFetch`), so that no
module but the transport knows aiohttp's client, and :func:`exchange` turns
"no answer" into the source's own error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import TypeAlias

import attrs

from ._credentials import SourceError
from ._errors import ConfigurationError

__all__ = ["FetchError", "FetchRequest", "FetchResponse", "HTTPFetch", "exchange"]


@attrs.frozen
class FetchResponse:
    """A complete HTTP response to a credential request.

    Attributes:
        status: the HTTP status.
        headers: the headers, names lower-cased.
        body: the body.
    """

    status: int
    headers: Mapping[str, str] = attrs.field(repr=False)
    body: bytes = attrs.field(repr=False)


class FetchError(Exception):
    """No complete response: the connection failed or timed out.

    The message says what happened in the HTTP library's words (its type and
    text), never a header of the request.

    Attributes:
        timed_out: True when the deadline passed.
    """

    def __init__(self, message: str, *, timed_out: bool = False) -> None:
        super().__init__(message)
        self.timed_out = timed_out


@attrs.frozen
class FetchRequest:
    """One HTTP request of a credential source (STS, SSO, the metadata services).

    Attributes:
        method: the HTTP method.
        url: the absolute URL, already encoded.
        headers: the request headers.
        body: the request body.
        timeout: the deadline for the whole exchange, in seconds.
    """

    method: str
    url: str
    headers: Mapping[str, str] = attrs.field(repr=False, kw_only=True)
    body: bytes = attrs.field(default=b"", repr=False, kw_only=True)
    timeout: float = attrs.field(kw_only=True)


#: One HTTP exchange for a credential source: the request sent once, without
#: retries or redirects, and the response, whatever its status; a
#: :class:`FetchError` when no complete response came within the deadline.
#: The transport provides it over the client's own aiohttp session
#: (:class:`lambda_es._http.CredentialFetch`), so proxies and TLS settings
#: apply to these requests too.
HTTPFetch: TypeAlias = Callable[[FetchRequest], Awaitable[FetchResponse]]


async def exchange(
    http: HTTPFetch,
    request: FetchRequest,
    *,
    failure: str,
    error: type[ConfigurationError] = SourceError,
) -> FetchResponse:
    """Send a source's request; no answer becomes the source's own error.

    The :class:`FetchError` is not chained to the error raised: the HTTP
    library's exception may hold the request's headers (a signature, a token).

    Args:
        http: how to send the request.
        request: the request.
        failure: what the error says before the HTTP library's words
            (``"sso (profile 'dev'): no answer from SSO at https://..."``).
        error: the error to raise: :class:`SourceError` for a source that is
            configured, :class:`Absent` for one whose silence means it is not there.

    Returns:
        The response, whatever its status.

    Raises:
        SourceError: no complete response (or ``error``, when given);
            ``"{failure}: {what happened}"``.
    """
    problem: str | None = None
    try:
        return await http(request)
    except FetchError as exc:
        problem = str(exc)
    raise error(f"{failure}: {problem}")
