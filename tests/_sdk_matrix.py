"""What an AWS SDK sends to ``lambda-es serve`` with verification on, and what must be refused.

Shared by ``test_serve_sdks.py`` (boto3) and ``test_serve_aiobotocore.py``
(aiobotocore), so both SDKs face the same matrix: every operation of both
wire versions accepted; a wrong secret, key or token, a body changed after
signing, a date 20 minutes off either way and a session token removed after
signing refused with 403 and AWS's code.

Imports botocore (both environments have it: the test extra, and aiobotocore's
own pick in ``nox -s aiobotocore``), never boto3 or aiobotocore.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import botocore
import botocore.auth
import pytest

import lambda_es

from ._served import Served, scrubbed_environ
from .conftest import KINESIS_ARN, ROLE_ARN

__all__ = [
    "CURRENT",
    "KEY",
    "LEGACY",
    "REFUSALS",
    "REGION",
    "STREAM",
    "Call",
    "Recorder",
    "Refusal",
    "Sent",
    "assert_refused",
    "legacy_models",
    "listed",
    "read_call",
    "served_with_key",
    "shifted_clock",
    "signed_headers",
    "write_call",
]

# A temporary key with a session token: the server must require the token too.
KEY = lambda_es.Credentials("ASIASERVESDKS000001", "serve/sdks+Secret0123456789", "TOKEN/sdks+=")
REGION = "eu-west-1"
STREAM = KINESIS_ARN.replace("us-east-1", REGION)
CURRENT = "2015-03-31"
LEGACY = "2014-11-13"
LEGACY_MODEL = Path(
    os.environ.get("LAMBDA_ES_LEGACY_MODEL", "/work/shared/reference/lambda-2014-11-13.normal.json")
)


def served_with_key() -> Iterator[Served]:
    """A ``lambda-es serve`` process verifying KEY (with its token) in REGION, for a
    module-scoped fixture; stopped with Ctrl-C afterwards, its secret never printed.

    Yields:
        The running server.
    """
    assert KEY.session_token is not None
    # Started before the per-test environment scrub: give it a scrubbed one.
    served = Served(
        "--region",
        REGION,
        "--access-key-id",
        KEY.access_key_id,
        "--secret-access-key",
        KEY.secret_access_key,
        "--session-token",
        KEY.session_token,
        base_env=scrubbed_environ(),
    )
    try:
        assert served.banner[1].startswith(f"  region: {REGION},")
        assert "with its session token, from --access-key-id" in served.banner[2]
        yield served
    finally:
        code, out, err = served.stop()
    assert code == 130, err
    printed = "\n".join(served.banner) + out + err
    assert KEY.secret_access_key not in printed
    assert KEY.session_token not in printed


def legacy_models(directory: Path) -> Path:
    """A botocore data directory holding the 2014-11-13 model, for ``search_paths``.

    The model comes from the reference copy (or ``LAMBDA_ES_LEGACY_MODEL``).

    Args:
        directory: an empty directory to build it in.

    Returns:
        The directory to append to a session's data loader search paths.
    """
    if not LEGACY_MODEL.is_file():  # pragma: no cover - the reference ships with the workspace
        pytest.fail(f"the 2014-11-13 model is missing: {LEGACY_MODEL}")
    target = directory / "lambda" / LEGACY
    target.mkdir(parents=True)
    shutil.copyfile(LEGACY_MODEL, target / "service-2.json")
    # botocore also wants an endpoint rule set for the version; the current
    # API's own is the one Lambda uses for both (the endpoint is given anyway).
    rules = Path(botocore.__file__).parent / f"data/lambda/{CURRENT}/endpoint-rule-set-1.json.gz"
    shutil.copyfile(rules, target / rules.name)
    return directory


def client_options(
    server: Served, api_version: str, credentials: lambda_es.Credentials = KEY
) -> dict[str, Any]:
    """The ``create_client`` keywords of a Lambda client of ``server``, for boto3 and aiobotocore.

    Args:
        server: the ``lambda-es serve`` to talk to.
        api_version: ``CURRENT`` or ``LEGACY`` (the latter needs :func:`legacy_models`).
        credentials: the keys to sign with.

    Returns:
        Every keyword but the SDK's own ``config``.
    """
    return {
        "api_version": api_version,
        "region_name": REGION,
        "endpoint_url": server.url,
        "aws_access_key_id": credentials.access_key_id,
        "aws_secret_access_key": credentials.secret_access_key,
        "aws_session_token": credentials.session_token,
    }


@attrs.frozen
class Call:
    """One SDK operation: its method name, its event name and its parameters."""

    method: str
    event: str
    params: dict[str, Any]


def read_call(api_version: str, function: str) -> Call:
    """The listing of ``function``'s mappings, in ``api_version``."""
    if api_version == CURRENT:
        return Call(
            "list_event_source_mappings", "ListEventSourceMappings", {"FunctionName": function}
        )
    return Call(
        "list_event_sources",
        "ListEventSources",
        {"EventSourceArn": STREAM, "FunctionName": function},
    )


def write_call(api_version: str, function: str) -> Call:
    """A create for ``function`` with ``BatchSize`` 10, in ``api_version``."""
    if api_version == CURRENT:
        return Call(
            "create_event_source_mapping",
            "CreateEventSourceMapping",
            {
                "EventSourceArn": STREAM,
                "FunctionName": function,
                "StartingPosition": "LATEST",
                "BatchSize": 10,
            },
        )
    return Call(
        "add_event_source",
        "AddEventSource",
        {"EventSource": STREAM, "FunctionName": function, "Role": ROLE_ARN, "BatchSize": 10},
    )


def listed(api_version: str, response: dict[str, Any]) -> list[str]:
    """The UUIDs in a listing's response."""
    key = "EventSourceMappings" if api_version == CURRENT else "EventSources"
    return [item["UUID"] for item in response[key]]


def _change_body(request: Any) -> None:
    # Same length, so Content-Length still holds: only the signature can tell.
    changed = request.body.replace(b'"BatchSize": 10', b'"BatchSize": 90')
    assert changed != request.body, request.body
    request.body = changed


def _drop_token(request: Any) -> None:
    del request.headers["X-Amz-Security-Token"]


@attrs.frozen
class Refusal:
    """A way a request goes wrong, and the 403 it must get.

    Attributes:
        credentials: what the client signs with.
        tamper: changes the signed request before it is sent.
        skew: how far the signer's clock is from the real one.
        write: the case is a create (it changes a body), not a listing.
        code: AWS's error code.
        message: how AWS's message starts.
    """

    credentials: lambda_es.Credentials = KEY
    tamper: Callable[[Any], None] | None = None
    skew: dt.timedelta = dt.timedelta(0)
    write: bool = False
    code: str = "InvalidSignatureException"
    message: str = "The request signature we calculated does not match the signature you provided."


_UNRECOGNIZED = "The security token included in the request is invalid."

REFUSALS = {
    "wrong secret": Refusal(attrs.evolve(KEY, secret_access_key="not-the-secret"), write=True),
    "wrong access key": Refusal(
        attrs.evolve(KEY, access_key_id="ASIAOTHERKEY0000001"),
        code="UnrecognizedClientException",
        message=_UNRECOGNIZED,
    ),
    "wrong session token": Refusal(
        attrs.evolve(KEY, session_token="another-token"),
        code="UnrecognizedClientException",
        message=_UNRECOGNIZED,
    ),
    "body changed after signing": Refusal(tamper=_change_body, write=True),
    "dated 20 minutes ago": Refusal(
        skew=dt.timedelta(minutes=-20), write=True, message="Signature expired: "
    ),
    "dated 20 minutes ahead": Refusal(
        skew=dt.timedelta(minutes=20), message="Signature not yet current: "
    ),
    "session token removed after signing": Refusal(
        tamper=_drop_token, write=True, code="UnrecognizedClientException", message=_UNRECOGNIZED
    ),
}


def shifted_clock(monkeypatch: pytest.MonkeyPatch, skew: dt.timedelta) -> None:
    """Make botocore's SigV4 signer (aiobotocore's too) sign at the real time + ``skew``.

    botocore reads its signing time from ``botocore.auth.get_current_datetime``;
    that is a private detail, so ``setattr`` raises if it is gone, and the
    tests check the ``X-Amz-Date`` actually sent.
    """
    real = botocore.auth.get_current_datetime
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *a, **k: real(*a, **k) + skew)


@attrs.frozen
class Sent:
    """A request as it left the SDK: after signing and any tamper."""

    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


class Recorder:
    """A ``before-send`` handler: applies an optional tamper, then records the request."""

    def __init__(self, tamper: Callable[[Any], None] | None = None) -> None:
        self.tamper = tamper
        self.sent: list[Sent] = []

    def __call__(self, request: Any, **_: object) -> None:
        if self.tamper is not None:
            self.tamper(request)
        body = request.body if isinstance(request.body, bytes) else (request.body or b"")
        headers = {_text(k).lower(): _text(v) for k, v in request.headers.items()}
        path = "/" + request.url.split("/", 3)[3]
        self.sent.append(Sent(request.method, path, headers, body))

    def signed_at(self) -> dt.datetime:
        """The ``X-Amz-Date`` of the last request."""
        stamp = self.sent[-1].headers["x-amz-date"]
        return dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)


def signed_headers(headers: dict[str, str]) -> list[str]:
    """The ``SignedHeaders`` a request's ``Authorization`` names."""
    return headers["authorization"].split("SignedHeaders=", 1)[1].split(",", 1)[0].split(";")


def assert_refused(response: dict[str, Any], refusal: Refusal) -> None:
    """A botocore ``ClientError.response`` is the 403 ``refusal`` expects."""
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert response["Error"]["Code"] == refusal.code
    assert response["Error"]["Message"].startswith(refusal.message), response["Error"]
