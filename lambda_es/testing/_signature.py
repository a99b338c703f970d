"""The server side of SigV4: :func:`verify`, the check FakeLambda runs on every request.

It recomputes the signature over the ``SignedHeaders`` the request names, with
the canonical request and signature of :mod:`lambda_es._signing`, and refuses
as AWS does (the same codes and messages). The client never needs it, so it
lives with the fake.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Iterable, Sequence

from lambda_es._credentials import Credentials
from lambda_es._signing import TERMINATOR, canonical_request, signature

__all__ = ["MAX_SKEW", "SignatureRejected", "verify"]

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/\s,]+)/(?P<date>[^/\s,]*)/(?P<region>[^/\s,]*)/"
    r"(?P<service>[^/\s,]*)/(?P<terminator>[^/\s,]*),\s*SignedHeaders=(?P<signed>[^,\s]+),"
    r"\s*Signature=(?P<signature>[0-9a-f]{64})"
)
_AMZ_DATE_FORM = re.compile(r"\d{8}T\d{6}Z")
_AMZ_DATE = "%Y%m%dT%H%M%SZ"

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
    if match["terminator"] != TERMINATOR:
        raise _invalid(
            f"Credential should be scoped with a valid terminator: '{TERMINATOR}', "
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
    expected = signature(credentials, amz_date, region, service, canonical)
    if not hmac.compare_digest(expected, match["signature"]):
        raise _invalid(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details."
        )
