"""SigV4 signing: URL canonicalisation here, the signature by aws-requests-auth.

aws-requests-auth signs exactly the URL it is given: it does not encode
paths or queries for us, so :func:`build_url` builds the one canonical form
that is both signed and sent. Two things in aws-requests-auth do not fit a
library and are corrected on a private copy of its module (loaded on first
use, so that ``import lambda_es`` does not import ``requests``), leaving the
installed module untouched for anyone else who uses it:

* its clock is ``datetime.utcnow()``, deprecated since Python 3.12 and not
  injectable: the copy reads the time given to :func:`sign` instead;
* it sorts the query as ``key=value`` strings, which differs from SigV4's
  order (by key, then value) when one key is a prefix of another: the copy
  uses :func:`canonical_query`.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import importlib.util
from collections.abc import Iterable, Sequence
from types import ModuleType, SimpleNamespace
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from ._credentials import Credentials
from ._endpoints import Endpoint

__all__ = ["build_url", "canonical_query", "quote_component", "redacted", "sign"]

#: Characters SigV4 leaves unencoded besides letters and digits.
_SAFE = "-_.~"

_signing_time: contextvars.ContextVar[dt.datetime] = contextvars.ContextVar("signing_time")


#: The headers :func:`sign` adds that must never be shown.
SECRET_HEADERS = frozenset({"authorization", "x-amz-security-token"})


def redacted(headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Return headers with the signature and the session token replaced.

    Args:
        headers: ``(name, value)`` pairs.

    Returns:
        The same pairs, with ``<redacted>`` for the values of :data:`SECRET_HEADERS`.
    """
    return [(k, "<redacted>" if k.lower() in SECRET_HEADERS else v) for k, v in headers]


def quote_component(value: str) -> str:
    """Percent-encode one path segment or query key/value the SigV4 way.

    Args:
        value: the raw text.

    Returns:
        UTF-8 percent-encoded text; only letters, digits and ``-_.~`` stay as they are.
    """
    return quote(value, safe=_SAFE)


def canonical_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Encode and order query parameters as SigV4 requires.

    Args:
        pairs: raw (unencoded) keys and values.

    Returns:
        ``k=v`` pairs, encoded, sorted by key then value, joined with ``&``.
    """
    encoded = sorted((quote_component(k), quote_component(v)) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def build_url(
    endpoint: Endpoint, segments: Sequence[str], query: Iterable[tuple[str, str]] = ()
) -> str:
    """Build the canonical URL of a request, the one to sign and to send.

    Args:
        endpoint: where the request goes.
        segments: raw path segments; ``("2014-11-13", "event-source-mappings", "")``
            gives ``/2014-11-13/event-source-mappings/``.
        query: raw query parameters.

    Returns:
        The absolute URL, already encoded: it must be sent without re-encoding.
    """
    path = endpoint.base_path + "/" + "/".join(quote_component(s) for s in segments)
    query_string = canonical_query(query)
    return endpoint.origin + path + (f"?{query_string}" if query_string else "")


class _Clock:
    """Stands in for the ``datetime`` module inside the private signer copy."""

    class datetime:
        @staticmethod
        def utcnow() -> dt.datetime:
            now = _signing_time.get(None) or dt.datetime.now(dt.timezone.utc)
            return now.astimezone(dt.timezone.utc).replace(tzinfo=None)


def _canonical_query_of(_cls: object, request: Any) -> str:
    raw = urlsplit(request.url).query
    pairs = []
    for item in raw.split("&"):
        if not item:
            continue
        key, _, value = item.partition("=")
        # unquote-then-quote is idempotent on what build_url produced, and
        # encodes raw text (as in AWS's test vectors) once.
        pairs.append((unquote(key), unquote(value)))
    return canonical_query(pairs)


@functools.cache
def _signer_module() -> ModuleType:
    spec = importlib.util.find_spec("aws_requests_auth.aws_auth")
    if spec is None or spec.loader is None:  # pragma: no cover - a declared dependency
        raise ImportError("aws-requests-auth is not installed")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.datetime = _Clock  # type: ignore[attr-defined]
    module.AWSRequestsAuth.get_canonical_querystring = classmethod(_canonical_query_of)
    return module


def sign(
    method: str,
    url: str,
    body: bytes,
    *,
    credentials: Credentials,
    region: str,
    service: str = "lambda",
    now: dt.datetime | None = None,
    host: str | None = None,
) -> dict[str, str]:
    """Compute the SigV4 headers for one request.

    Args:
        method: the HTTP method.
        url: the URL exactly as it will be sent (see :func:`build_url`).
        body: the exact body bytes.
        credentials: who signs.
        region: the signing region.
        service: the signing service name.
        now: the signing time (aware); the current time when ``None``.
        host: the ``Host`` header value; taken from ``url`` when ``None``.

    Returns:
        The headers to add: ``Authorization``, ``x-amz-date``, ``x-amz-content-sha256``
        and, with a session token, ``X-Amz-Security-Token``.
    """
    module = _signer_module()
    auth = module.AWSRequestsAuth(
        aws_access_key=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_host=host if host is not None else urlsplit(url).netloc,
        aws_region=region,
        aws_service=service,
        aws_token=credentials.session_token,
    )
    request = SimpleNamespace(url=url, method=method.upper(), body=body, headers={})
    token = _signing_time.set(now if now is not None else dt.datetime.now(dt.timezone.utc))
    try:
        headers: dict[str, str] = auth.get_aws_request_headers(
            request,
            aws_access_key=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_token=credentials.session_token,
        )
    finally:
        _signing_time.reset(token)
    return headers
