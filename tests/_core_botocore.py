"""botocore as an independent SigV4 oracle for the core test suites.

The helpers here compute what botocore's own signer makes of a request, so
that a test can compare it with lambda_es's signature without trusting any
lambda_es code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import botocore.auth
import botocore.awsrequest
import botocore.credentials

__all__ = ["SIGV4_TIMESTAMP", "botocore_authorization"]

#: The X-Amz-Date format, the same as botocore's ``SIGV4_TIMESTAMP``.
SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"


def botocore_authorization(
    *,
    method: str,
    url: str,
    body: bytes,
    host: str,
    when: dt.datetime,
    access_key_id: str,
    secret_access_key: str,
    session_token: str | None,
    region: str,
    service: str = "lambda",
    extra_headers: Mapping[str, str] | None = None,
) -> str:
    """Compute the Authorization header botocore's SigV4Auth gives a request.

    The request carries exactly ``host``, ``X-Amz-Date`` and, with a token,
    ``X-Amz-Security-Token`` (plus ``extra_headers``), and botocore's clock is
    bypassed by setting ``request.context["timestamp"]``, which is what its
    ``canonical_request``/``string_to_sign``/``signature`` read.

    Args:
        method: the HTTP method.
        url: the URL exactly as sent (already percent-encoded).
        body: the body bytes.
        host: the Host header value.
        when: the signing time (aware).
        access_key_id: the access key id.
        secret_access_key: the secret key.
        session_token: the session token, or ``None``.
        region: the signing region.
        service: the signing service name.
        extra_headers: more headers to sign, if any.

    Returns:
        The ``Authorization`` header value.
    """
    timestamp = when.astimezone(dt.timezone.utc).strftime(SIGV4_TIMESTAMP)
    headers = {"host": host, "X-Amz-Date": timestamp}
    if session_token is not None:
        headers["X-Amz-Security-Token"] = session_token
    headers.update(extra_headers or {})
    request = botocore.awsrequest.AWSRequest(method=method, url=url, data=body, headers=headers)
    request.context["timestamp"] = timestamp
    auth = botocore.auth.SigV4Auth(
        botocore.credentials.Credentials(access_key_id, secret_access_key, session_token),
        service,
        region,
    )
    canonical = auth.canonical_request(request)
    signature = auth.signature(auth.string_to_sign(request, canonical), request)
    signed = auth.signed_headers(auth.headers_to_sign(request))
    return (
        f"AWS4-HMAC-SHA256 Credential={auth.scope(request)}, "
        f"SignedHeaders={signed}, Signature={signature}"
    )
