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

The same canonical request serves :func:`verify`, the server side used by
:class:`lambda_es.testing.FakeLambda`: the signature is recomputed over the
``SignedHeaders`` the request names, as AWS does.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
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
    "SignatureRejected",
    "SigningError",
    "authorization",
    "build_url",
    "canonical_query",
    "canonical_request",
    "quote_component",
    "redacted",
    "sign",
    "verify",
]

#: Characters SigV4 leaves unencoded besides letters and digits.
_SAFE = "-_.~"

_ALGORITHM = "AWS4-HMAC-SHA256"
_TERMINATOR = "aws4_request"
_AMZ_DATE = "%Y%m%dT%H%M%SZ"

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


def _signature(
    credentials: Credentials, date: str, region: str, service: str, string_to_sign: str
) -> str:
    secret = credentials.secret_access_key
    key = KEY_CACHE.get(secret, date, region, service)
    digest = _call_upstream(
        "signing the string to sign (sign)", lambda m: m.sign(key, string_to_sign), secret
    )
    return digest.hex()


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
    date = amz_date[:8]
    scope = f"{date}/{region}/{service}/{_TERMINATOR}"
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    string_to_sign = f"{_ALGORITHM}\n{amz_date}\n{scope}\n{digest}"
    signature = _signature(credentials, date, region, service, string_to_sign)
    return (
        f"{_ALGORITHM} Credential={credentials.access_key_id}/{scope}, "
        f"SignedHeaders={';'.join(signed)}, Signature={signature}"
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
    signed = [("host", host if host is not None else parts.netloc), ("x-amz-date", amz_date)]
    if token:
        signed.append(("x-amz-security-token", token))
    headers = {
        "Authorization": authorization(
            method,
            parts.path,
            parts.query,
            signed,
            [name for name, _ in signed],
            payload_hash,
            credentials=credentials,
            amz_date=amz_date,
            region=region,
            service=service,
        ),
        "x-amz-date": amz_date,
        "x-amz-content-sha256": payload_hash,
    }
    if token:
        headers["X-Amz-Security-Token"] = token
    return headers


# -- the server side ---------------------------------------------------------------

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/\s,]+)/(?P<date>[^/\s,]*)/(?P<region>[^/\s,]*)/"
    r"(?P<service>[^/\s,]*)/(?P<terminator>[^/\s,]*),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})"
)
_AMZ_DATE_FORM = re.compile(r"\d{8}T\d{6}Z")

#: How far a request's X-Amz-Date may be from the server's clock, as AWS allows.
MAX_SKEW = dt.timedelta(minutes=15)


class SignatureRejected(Exception):
    """Why :func:`verify` refused a request, as AWS would say it.

    Not a :class:`~lambda_es.LambdaESError`: it is the server side's verdict,
    which :class:`~lambda_es.testing.FakeLambda` turns into a 403 response.

    Attributes:
        code: the AWS error code (``InvalidSignatureException``, ...).
        message: AWS's message.
        status: the HTTP status to answer with.
    """

    def __init__(self, code: str, message: str, status: int = 403) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status


def _incomplete(message: str) -> SignatureRejected:
    return SignatureRejected("IncompleteSignatureException", message)


def _invalid(message: str) -> SignatureRejected:
    return SignatureRejected("InvalidSignatureException", message)


def _header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def verify(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    credentials: Credentials | None,
    region: str,
    service: str = "lambda",
    now: dt.datetime | None = None,
    max_skew: dt.timedelta = MAX_SKEW,
) -> None:
    """Check a request's SigV4 signature as AWS does; return quietly when it holds.

    The signature is recomputed over the ``SignedHeaders`` the request names
    (which must include ``host`` and ``x-amz-date``), the body's hash (which
    ``x-amz-content-sha256``, when sent, must equal), and a scope of the
    ``X-Amz-Date`` day, ``region``, ``service`` and ``aws4_request``. The
    date must be within ``max_skew`` of ``now``. When ``credentials`` hold a
    session token, the request must carry that token as a signed header;
    when they hold none, a token the request carries is only signed over.

    With ``credentials=None`` only the form and the scope's region and
    service are checked: any well-formed signature is accepted.

    Args:
        method: the HTTP method.
        raw_path: the path exactly as received, without the query.
        raw_query: the query string exactly as received, without ``?``.
        headers: every ``(name, value)`` pair received; repeats allowed.
        body: the body received.
        credentials: the one identity accepted, or ``None`` to check the form only.
        region: the region the server is in.
        service: the service the server is.
        now: the server's time (aware); the current time when ``None``.
        max_skew: the largest accepted distance between ``X-Amz-Date`` and ``now``.

    Raises:
        SignatureRejected: the request is refused; its ``code`` and ``message`` say why.
    """
    pairs = list(headers)
    match = _AUTHORIZATION.fullmatch((_header(pairs, "authorization") or "").strip())
    if match is None:
        raise SignatureRejected(
            "MissingAuthenticationTokenException"
            if _header(pairs, "authorization") is None
            else "IncompleteSignatureException",
            "Missing Authentication Token"
            if _header(pairs, "authorization") is None
            else "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' "
            "parameters in the AWS4-HMAC-SHA256 form",
        )
    amz_date = _header(pairs, "x-amz-date")
    if amz_date is None:
        raise _incomplete("Authorization header requires existence of a 'X-Amz-Date' header")
    if match["region"] != region or match["service"] != service:
        raise _invalid(f"Credential should be scoped to region '{region}' and service '{service}'")
    if credentials is None:
        return

    amz_date = amz_date.strip()
    try:
        if not _AMZ_DATE_FORM.fullmatch(amz_date):
            raise ValueError(amz_date)
        signed_at = dt.datetime.strptime(amz_date, _AMZ_DATE).replace(tzinfo=dt.timezone.utc)
    except ValueError:
        raise _incomplete(
            f"X-Amz-Date must be in ISO-8601 basic format (YYYYMMDD'T'HHMMSS'Z'), not {amz_date!r}"
        ) from None
    if match["date"] != amz_date[:8]:
        raise _invalid(
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{match['date']}' != '{amz_date[:8]}', from '{amz_date}'."
        )
    if match["terminator"] != _TERMINATOR:
        raise _invalid(
            f"Credential should be scoped with a valid terminator: '{_TERMINATOR}', "
            f"not '{match['terminator']}'."
        )
    signed = match["signed"].split(";")
    if signed != sorted(set(signed)) or any(name != name.lower() for name in signed):
        raise _incomplete("SignedHeaders must be lower-case, sorted and without repeats")
    if "host" not in signed or "x-amz-date" not in signed:
        raise _incomplete("SignedHeaders must include 'host' and 'x-amz-date'")

    current = now if now is not None else dt.datetime.now(dt.timezone.utc)
    current = current.astimezone(dt.timezone.utc)
    minutes = int(max_skew.total_seconds() // 60)
    if signed_at < current - max_skew:
        raise _invalid(
            f"Signature expired: {amz_date} is now earlier than "
            f"{(current - max_skew).strftime(_AMZ_DATE)} "
            f"({current.strftime(_AMZ_DATE)} - {minutes} min.)"
        )
    if signed_at > current + max_skew:
        raise _invalid(
            f"Signature not yet current: {amz_date} is still later than "
            f"{(current + max_skew).strftime(_AMZ_DATE)} "
            f"({current.strftime(_AMZ_DATE)} + {minutes} min.)"
        )

    if match["key"] != credentials.access_key_id:
        raise SignatureRejected(
            "UnrecognizedClientException", "The security token included in the request is invalid."
        )
    token = _header(pairs, "x-amz-security-token")
    if credentials.session_token:
        if token is None or not hmac.compare_digest(
            token.strip().encode(), credentials.session_token.encode()
        ):
            raise SignatureRejected(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            )
        if "x-amz-security-token" not in signed:
            raise _incomplete("SignedHeaders must include 'x-amz-security-token'")

    payload_hash = hashlib.sha256(body).hexdigest()
    claimed = _header(pairs, "x-amz-content-sha256")
    if claimed is not None and claimed.strip() != payload_hash:
        raise _invalid(
            "The provided 'x-amz-content-sha256' header does not match what was computed."
        )
    try:
        canonical = canonical_request(method, raw_path, raw_query, pairs, signed, payload_hash)
    except ValueError as exc:
        raise _incomplete(str(exc)) from None
    scope = f"{match['date']}/{region}/{service}/{_TERMINATOR}"
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    expected = _signature(
        credentials, match["date"], region, service, f"{_ALGORITHM}\n{amz_date}\n{scope}\n{digest}"
    )
    if not hmac.compare_digest(expected, match["signature"]):
        raise _invalid(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details."
        )
