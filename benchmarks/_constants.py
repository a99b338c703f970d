"""What every client sends: dummy credentials, the region, the ARNs and the AddEventSource body.

Kept apart from ``_clients.py`` (which imports aiohttp and lambda_es) so that
the fresh-interpreter measurements in ``_first.py`` import only the library
they measure. The credentials are dummies: the benchmark's servers check only
that an ``Authorization`` header is there (the raw server) or SigV4-shaped
(FakeLambda), and every endpoint is on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt

__all__ = [
    "ACCESS_KEY",
    "ADD_BODY",
    "QUEUE_ARN",
    "REGION",
    "ROLE_ARN",
    "SECRET_KEY",
    "STREAM_ARN",
    "placeholder_headers",
    "sdk_options",
]

REGION = "us-east-1"
ACCESS_KEY = "AKIDBENCHMARK"
SECRET_KEY = "benchmark-dummy-secret"  # not a credential: no server verifies it
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:bench-queue"
STREAM_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/bench-stream"
ROLE_ARN = "arn:aws:iam::123456789012:role/bench-invoke"
#: The legacy AddEventSource request, the same for every client.
ADD_BODY: dict[str, object] = {
    "EventSource": STREAM_ARN,
    "FunctionName": "bench",
    "Role": ROLE_ARN,
    "BatchSize": 100,
}


def sdk_options(endpoint: str, api_version: str | None) -> dict[str, str | None]:
    """The keywords of a boto3 or aiobotocore Lambda client of a benchmark server.

    Args:
        endpoint: the server's origin on 127.0.0.1.
        api_version: botocore's API version for the operation measured (None: the
            newest).

    Returns:
        Every ``client()`` / ``create_client()`` keyword but the service name and ``config``.
    """
    return {
        "region_name": REGION,
        "endpoint_url": endpoint,
        "aws_access_key_id": ACCESS_KEY,
        "aws_secret_access_key": SECRET_KEY,
        "api_version": api_version,
    }


def placeholder_headers() -> dict[str, str]:
    """Headers that pass both servers' checks without signing anything.

    The signature is zeros: FakeLambda verifies only the form, the raw server
    only that the header is there.

    Returns:
        ``X-Amz-Date``, ``Authorization`` and ``Content-Type``.
    """
    now = dt.datetime.now(dt.timezone.utc)
    return {
        "X-Amz-Date": now.strftime("%Y%m%dT%H%M%SZ"),
        "Authorization": (
            f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/{now:%Y%m%d}/{REGION}/lambda/aws4_request, "
            f"SignedHeaders=host;x-amz-date, Signature={'0' * 64}"
        ),
        "Content-Type": "application/json",
    }
