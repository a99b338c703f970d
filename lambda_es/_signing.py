"""SigV4: the canonical request is built here, the HMACs by aws-requests-auth.

aws-requests-auth stays the signer, used only through the two functions its
module exposes, ``sign(key, msg)`` (one HMAC-SHA256) and
``getSignatureKey(secret, date, region, service)`` (the derived key). Its
request class is not used: its canonical request is wrong for SigV4 (it
sorts the query as ``key=value`` strings and signs a fixed header set) and
its clock is ``datetime.utcnow()``, which cannot be injected. So this module
builds the canonical request, the string to sign and the Authorization
header itself, takes the signing time as an argument, and caches the derived
key per (secret, date, region, service).

The upstream module is imported on first use, because it imports
``requests`` and ``import lambda_es`` must stay light. Anything that goes
wrong inside the upstream calls (a renamed function, a changed return type)
becomes a :class:`SigningError`, never a bare ``AttributeError``.

The same canonical request and :func:`signature` serve the server side,
:func:`lambda_es.testing._signature.verify`, which recomputes the signature
over the ``SignedHeaders`` a request names, as AWS does; the client never
loads it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib
import re
import secrets
import threading
from collections.abc import Callable, Iterable, Sequence
from types import ModuleType
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from ._credentials import Credentials
from ._endpoints import Endpoint
from ._errors import ConfigurationError

__all__ = [
    "SECRET_HEADERS",
    "SigningError",
    "TERMINATOR",
    "authorization",
    "build_url",
    "canonical_query",
    "canonical_request",
    "quote_component",
    "redacted",
    "sign",
    "signature",
]

#: Characters SigV4 leaves unencoded besides letters and digits.
_SAFE = "-_.~"

#: Text that :func:`quote_component` returns unchanged (ASCII only).
_UNRESERVED = re.compile(r"[A-Za-z0-9\-_.~]*")

_ALGORITHM = "AWS4-HMAC-SHA256"
#: The last part of every credential scope.
TERMINATOR = "aws4_request"

#: The headers :func:`sign` adds that must never be shown.
SECRET_HEADERS = frozenset({"authorization", "x-amz-security-token"})

#: The aws-requests-auth releases whose public functions this module was written against.
UPSTREAM = "aws-requests-auth>=0.4.3,<0.5"


class SigningError(ConfigurationError):
    """The signer failed: typically an installed aws-requests-auth this version does not fit.

    A :class:`~lambda_es.ConfigurationError` (the installation, not the call,
    is at fault), so a :class:`~lambda_es.LambdaESError` too. The message
    names the failing step; it never quotes a key, a token or a signature,
    and the upstream exception is not chained (its locals could hold them).
    """


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
    if _UNRESERVED.fullmatch(value):
        return value  # most path segments (versions, names, UUIDs) need no encoding
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


# -- the canonical request ------------------------------------------------------------


@functools.lru_cache(maxsize=512)
def _canonical_uri(raw_path: str) -> str:
    # Cached: a client sends few distinct paths, and this is pure.
    # Every service but S3 signs the path with dot segments and empty
    # segments removed (a trailing slash kept), then URI-encoded once more
    # than it was sent: "%" itself is encoded, as botocore and AWS do.
    if not raw_path:
        return "/"
    kept: list[str] = []
    for segment in raw_path.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if kept:
                kept.pop()
            continue
        kept.append(segment)
    path = "/" + "/".join(kept)
    if raw_path.endswith("/") and not path.endswith("/"):
        path += "/"
    return quote(path, safe="/" + _SAFE)


def _canonical_query_string(raw_query: str) -> str:
    if not raw_query:
        return ""
    pairs = []
    for item in raw_query.split("&"):
        if not item:
            continue
        key, _, value = item.partition("=")
        # Decoding then encoding is idempotent on what build_url produced and
        # encodes raw text (as in AWS's test vectors) exactly once.
        pairs.append((unquote(key), unquote(value)))
    return canonical_query(pairs)


def _canonical_headers(
    headers: Iterable[tuple[str, str]], signed: Sequence[str]
) -> tuple[str, list[str]]:
    # Values of a repeated header are joined with "," in the order sent;
    # each value is trimmed and its inner runs of white space made one space.
    wanted: dict[str, list[str]] = {name: [] for name in signed}
    for name, value in headers:
        values = wanted.get(name.lower())
        if values is not None:
            values.append(" ".join(value.split()))
    missing = [name for name, values in wanted.items() if not values]
    text = "".join(f"{name}:{','.join(wanted[name])}\n" for name in signed)
    return text, missing


def canonical_request(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    signed_headers: Sequence[str],
    payload_hash: str,
) -> str:
    """Build SigV4's canonical request (the non-S3 form).

    Args:
        method: the HTTP method.
        raw_path: the path exactly as sent (percent-encoded or raw).
        raw_query: the query string exactly as sent, without ``?``.
        headers: the request's ``(name, value)`` pairs; repeats allowed.
        signed_headers: the lower-case names to sign, sorted.
        payload_hash: the hex SHA-256 of the body.

    Returns:
        The canonical request text.

    Raises:
        ValueError: a header in ``signed_headers`` is not among ``headers``.
    """
    text, missing = _canonical_headers(headers, signed_headers)
    if missing:
        raise ValueError(f"signed header(s) missing from the request: {', '.join(missing)}")
    return "\n".join(
        (
            method.upper(),
            _canonical_uri(raw_path),
            _canonical_query_string(raw_query),
            text,
            ";".join(signed_headers),
            payload_hash,
        )
    )


# -- aws-requests-auth, through its public functions, and the key cache -------------


@functools.cache
def _upstream() -> ModuleType:
    try:
        return importlib.import_module("aws_requests_auth.aws_auth")
    except Exception as exc:
        raise SigningError(
            f"cannot import the signer ({UPSTREAM}): {type(exc).__name__}: {exc}"
        ) from None


def _withheld(message: str, secrets_: Sequence[str | None]) -> str:
    if any(s and s in message for s in secrets_):
        return "<message withheld: it quotes a credential>"
    return message


def _call_upstream(step: str, call: Callable[[ModuleType], Any], secret: str) -> bytes:
    module = _upstream()
    try:
        result = call(module)
    except Exception as exc:
        raise SigningError(
            f"{step} failed in the installed aws-requests-auth (this version of lambda_es "
            f"needs {UPSTREAM}): {type(exc).__name__}: {_withheld(str(exc), (secret,))}"
        ) from None
    # A silent change of meaning (a hex string, a shorter digest) must fail
    # here, not as a signature the service refuses.
    if not isinstance(result, bytes) or len(result) != 32:
        raise SigningError(
            f"{step} in the installed aws-requests-auth returned {type(result).__name__}, "
            f"not a 32-byte HMAC-SHA256 digest (this version of lambda_es needs {UPSTREAM})"
        )
    return result


class _KeyCache:
    """The derived signing keys, keyed by a salted hash of (secret, date, region, service).

    Nothing printable in here holds a secret: the keys are BLAKE2b digests
    salted per process, and the repr shows only counts. Bounded: the oldest
    entry goes when a new one would pass ``size``.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = 0
        self.misses = 0
        self._salt = secrets.token_bytes(32)
        self._keys: dict[bytes, bytes] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<signing key cache: {len(self._keys)}/{self.size} keys>"

    def __len__(self) -> int:
        return len(self._keys)

    def clear(self) -> None:
        """Forget every key and reset the counters."""
        with self._lock:
            self._keys.clear()
            self.hits = self.misses = 0

    def get(self, secret: str, date: str, region: str, service: str) -> bytes:
        """Return the signing key, derived by aws-requests-auth on a miss.

        Args:
            secret: the secret access key.
            date: the scope date, ``YYYYMMDD``.
            region: the scope region.
            service: the scope service.

        Returns:
            The 32-byte signing key.

        Raises:
            SigningError: aws-requests-auth failed or returned something else.
        """
        # The secret's length first, so that no two different tuples give the
        # same bytes (date, region and service hold no NUL).
        material = f"{len(secret)}:{secret}\0{date}\0{region}\0{service}".encode(
            "utf-8", "surrogatepass"
        )
        name = hashlib.blake2b(material, key=self._salt, digest_size=32).digest()
        key = self._keys.get(name)
        if key is not None:
            self.hits += 1
            return key
        key = _call_upstream(
            "deriving the signing key (getSignatureKey)",
            lambda m: m.getSignatureKey(secret, date, region, service),
            secret,
        )
        with self._lock:
            self.misses += 1
            while len(self._keys) >= self.size:
                self._keys.pop(next(iter(self._keys)))
            self._keys[name] = key
        return key


#: One key per credential, day, region and service in use; 64 is plenty for
#: a process that rotates credentials and crosses midnight.
KEY_CACHE = _KeyCache(64)


def signature(
    credentials: Credentials, amz_date: str, region: str, service: str, canonical: str
) -> str:
    """The SigV4 signature of a canonical request (hex), as signer and verifier compute it.

    Args:
        credentials: whose secret signs.
        amz_date: the ``X-Amz-Date`` value, ``YYYYMMDDTHHMMSSZ``; its day is the scope's.
        region: the scope region.
        service: the scope service.
        canonical: the canonical request (see :func:`canonical_request`).

    Returns:
        The 64 hex digits of the signature.

    Raises:
        SigningError: the installed aws-requests-auth failed.
    """
    date = amz_date[:8]
    scope = f"{date}/{region}/{service}/{TERMINATOR}"
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    string_to_sign = f"{_ALGORITHM}\n{amz_date}\n{scope}\n{digest}"
    secret = credentials.secret_access_key
    key = KEY_CACHE.get(secret, date, region, service)
    digest_bytes = _call_upstream(
        "signing the string to sign (sign)", lambda m: m.sign(key, string_to_sign), secret
    )
    return digest_bytes.hex()


def authorization(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    signed_headers: Iterable[str],
    payload_hash: str,
    *,
    credentials: Credentials,
    amz_date: str,
    region: str,
    service: str,
) -> str:
    """Compute the Authorization header value for a request and a chosen set of headers.

    Args:
        method: the HTTP method.
        raw_path: the path exactly as sent.
        raw_query: the query string exactly as sent, without ``?``.
        headers: the request's ``(name, value)`` pairs, ``X-Amz-Date`` among them.
        signed_headers: the names to sign (any case); sorted here.
        payload_hash: the hex SHA-256 of the body.
        credentials: who signs.
        amz_date: the ``X-Amz-Date`` value, ``YYYYMMDDTHHMMSSZ``.
        region: the scope region.
        service: the scope service.

    Returns:
        ``AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``.

    Raises:
        SigningError: the signer failed, or a header to sign is missing.
    """
    signed = sorted({name.lower() for name in signed_headers})
    try:
        canonical = canonical_request(method, raw_path, raw_query, headers, signed, payload_hash)
    except ValueError as exc:
        raise SigningError(str(exc)) from None
    scope = f"{amz_date[:8]}/{region}/{service}/{TERMINATOR}"
    computed = signature(credentials, amz_date, region, service, canonical)
    return (
        f"{_ALGORITHM} Credential={credentials.access_key_id}/{scope}, "
        f"SignedHeaders={';'.join(signed)}, Signature={computed}"
    )


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

    Signs ``host``, ``x-amz-date`` and, with a session token,
    ``x-amz-security-token``; the payload hash is sent, not signed, as
    botocore does for Lambda.

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

    Raises:
        SigningError: the installed aws-requests-auth failed (see :data:`UPSTREAM`).
    """
    parts = urlsplit(url)
    when = now if now is not None else dt.datetime.now(dt.timezone.utc)
    if when.tzinfo is not dt.timezone.utc:
        when = when.astimezone(dt.timezone.utc)
    amz_date = (
        f"{when.year:04d}{when.month:02d}{when.day:02d}"
        f"T{when.hour:02d}{when.minute:02d}{when.second:02d}Z"
    )
    payload_hash = hashlib.sha256(body).hexdigest()
    token = credentials.session_token
    host_value = " ".join((host if host is not None else parts.netloc).split())
    # The canonical request of canonical_request(), written out for the
    # headers signed here: their names are lower-case and already in order.
    if token:
        signed_names = "host;x-amz-date;x-amz-security-token"
        header_text = (
            f"host:{host_value}\nx-amz-date:{amz_date}\n"
            f"x-amz-security-token:{' '.join(token.split())}\n"
        )
    else:
        signed_names = "host;x-amz-date"
        header_text = f"host:{host_value}\nx-amz-date:{amz_date}\n"
    canonical = "\n".join(
        (
            method.upper(),
            _canonical_uri(parts.path),
            _canonical_query_string(parts.query),
            header_text,
            signed_names,
            payload_hash,
        )
    )
    scope = f"{amz_date[:8]}/{region}/{service}/{TERMINATOR}"
    computed = signature(credentials, amz_date, region, service, canonical)
    headers = {
        "Authorization": (
            f"{_ALGORITHM} Credential={credentials.access_key_id}/{scope}, "
            f"SignedHeaders={signed_names}, Signature={computed}"
        ),
        "x-amz-date": amz_date,
        "x-amz-content-sha256": payload_hash,
    }
    if token:
        headers["X-Amz-Security-Token"] = token
    return headers
