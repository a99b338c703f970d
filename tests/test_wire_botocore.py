"""lambda_es puts on the wire what boto3 would, and signs it as botocore would.

For add_event_source, boto3's own request (legacy API model 2014-11-11, which
speaks the 2014-11-13 wire) is captured by a ``before-send`` handler that
answers with a canned response, so boto3 sends nothing. lambda_es's request
is the one FakeLambda recorded. Both must have the same method, path and JSON
body; then botocore's signer, fed only what FakeLambda received, must
reproduce lambda_es's Authorization header, so the check does not rely on
lambda_es's own signer.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.awsrequest
import pytest
from multidict import CIMultiDict

import lambda_es
from lambda_es.testing import FakeLambda, RecordedRequest

from ._core_botocore import SIGV4_TIMESTAMP, botocore_authorization
from .conftest import DYNAMODB_ARN, KINESIS_ARN, ROLE_ARN

TOKEN_CREDENTIALS = lambda_es.Credentials(
    "ASIAEXAMPLEWIRE00001",
    "wire/secret+key/EXAMPLE0000000000000000",
    "FwoGZXIvYXdzEBEaDEXAMPLE+session/token==",
)

CANNED = json.dumps(
    {
        "UUID": "00000000-0000-0000-0000-000000000001",
        "EventSource": KINESIS_ARN,
        "FunctionName": "f",
        "Role": ROLE_ARN,
        "BatchSize": 100,
        "Parameters": {"InitialPositionInStream": "TRIM_HORIZON"},
        "LastModified": 1415905640,
        "IsActive": True,
        "Status": "PENDING",
    }
).encode()

CASES: list[dict[str, Any]] = [
    {"event_source": KINESIS_ARN, "function_name": "process-orders", "role": ROLE_ARN},
    {"event_source": DYNAMODB_ARN, "function_name": "f_1", "role": ROLE_ARN, "batch_size": 1},
    {
        "event_source": KINESIS_ARN,
        "function_name": "process-orders",
        "role": ROLE_ARN,
        "parameters": {"InitialPositionInStream": "LATEST"},
    },
    {
        "event_source": "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s",
        "function_name": "f",
        "role": "arn:aws:iam::123456789012:role/path/r",
        "batch_size": 10_000,
        "parameters": {"InitialPositionInStream": "TRIM_HORIZON"},
    },
]

_BOTO_NAMES = {
    "event_source": "EventSource",
    "function_name": "FunctionName",
    "role": "Role",
    "batch_size": "BatchSize",
    "parameters": "Parameters",
}


class _CannedBody:
    """The ``raw`` of a botocore AWSResponse: something with ``stream()``."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: object) -> Iterator[bytes]:
        yield self._data


def _boto3_request(endpoint_url: str, kwargs: dict[str, Any]) -> Any:
    client = boto3.client(
        "lambda",
        api_version="2014-11-11",
        region_name="us-east-1",
        aws_access_key_id=TOKEN_CREDENTIALS.access_key_id,
        aws_secret_access_key=TOKEN_CREDENTIALS.secret_access_key,
        endpoint_url=endpoint_url,
    )
    captured: list[Any] = []

    def before_send(request: Any, **_: object) -> botocore.awsrequest.AWSResponse:
        captured.append(request)
        return botocore.awsrequest.AWSResponse(
            request.url, 200, {"Content-Type": "application/json"}, _CannedBody(CANNED)
        )

    client.meta.events.register("before-send.lambda.AddEventSource", before_send)
    try:
        client.add_event_source(**{_BOTO_NAMES[k]: v for k, v in kwargs.items()})
    finally:
        client.close()
    (request,) = captured
    return request


@pytest.fixture
async def token_fake() -> AsyncIterator[FakeLambda]:
    """A FakeLambda that verifies signatures made with TOKEN_CREDENTIALS."""
    async with FakeLambda(credentials=TOKEN_CREDENTIALS) as server:
        yield server


async def _lambda_es_request(fake: FakeLambda, kwargs: dict[str, Any]) -> RecordedRequest:
    async with lambda_es.AsyncClient(
        region="us-east-1", endpoint_url=fake.endpoint_url, credentials=TOKEN_CREDENTIALS
    ) as client:
        await client.add_event_source(**kwargs)
    (request,) = fake.requests
    return request


@pytest.mark.parametrize("kwargs", CASES)
async def test_same_request_as_boto3(token_fake: FakeLambda, kwargs: dict[str, Any]) -> None:
    """Method, path and JSON body equal boto3's for the same add_event_source call."""
    ours = await _lambda_es_request(token_fake, kwargs)
    theirs = _boto3_request(token_fake.endpoint_url, kwargs)
    assert ours.method == theirs.method
    assert ours.raw_path == urlsplit(theirs.url).path
    assert urlsplit(theirs.url).query == ""
    assert json.loads(ours.body) == json.loads(theirs.body)


def _header(request: RecordedRequest, name: str) -> str:
    return request.headers[name]  # case-insensitive, as HTTP header names are


def _x_amz_date(request: RecordedRequest) -> dt.datetime:
    return dt.datetime.strptime(_header(request, "X-Amz-Date"), SIGV4_TIMESTAMP).replace(
        tzinfo=dt.timezone.utc
    )


@pytest.mark.parametrize("kwargs", CASES)
async def test_signature_verified_by_botocore(
    token_fake: FakeLambda, kwargs: dict[str, Any]
) -> None:
    """botocore, given only what the server received, computes lambda_es's exact Authorization."""
    request = await _lambda_es_request(token_fake, kwargs)
    assert _header(request, "X-Amz-Security-Token") == TOKEN_CREDENTIALS.session_token
    expected = botocore_authorization(
        method=request.method,
        url=f"http://{_header(request, 'Host')}{request.raw_path}",
        body=request.body,
        host=_header(request, "Host"),
        when=_x_amz_date(request),
        access_key_id=TOKEN_CREDENTIALS.access_key_id,
        secret_access_key=TOKEN_CREDENTIALS.secret_access_key,
        session_token=TOKEN_CREDENTIALS.session_token,
        region="us-east-1",
    )
    assert _header(request, "Authorization") == expected


async def test_signature_without_token_verified_by_botocore(fake: FakeLambda) -> None:
    """Without a session token the signed headers are host and x-amz-date, as botocore signs."""
    async with lambda_es.AsyncClient(
        region="us-east-1",
        endpoint_url=fake.endpoint_url,
        credentials=fake.credentials,
    ) as client:
        await client.add_event_source(**CASES[0])
    (request,) = fake.requests
    assert fake.credentials is not None
    assert "X-Amz-Security-Token" not in CIMultiDict(request.headers)
    assert "SignedHeaders=host;x-amz-date," in _header(request, "Authorization")
    assert _header(request, "Authorization") == botocore_authorization(
        method=request.method,
        url=f"http://{_header(request, 'Host')}{request.raw_path}",
        body=request.body,
        host=_header(request, "Host"),
        when=_x_amz_date(request),
        access_key_id=fake.credentials.access_key_id,
        secret_access_key=fake.credentials.secret_access_key,
        session_token=None,
        region="us-east-1",
    )


async def test_a_tampered_body_fails_botocore_verification(token_fake: FakeLambda) -> None:
    """The check has teeth: one changed body byte gives botocore a different signature."""
    request = await _lambda_es_request(token_fake, CASES[0])
    tampered = request.body.replace(b"process-orders", b"process-orderz")
    assert _header(request, "Authorization") != botocore_authorization(
        method=request.method,
        url=f"http://{_header(request, 'Host')}{request.raw_path}",
        body=tampered,
        host=_header(request, "Host"),
        when=_x_amz_date(request),
        access_key_id=TOKEN_CREDENTIALS.access_key_id,
        secret_access_key=TOKEN_CREDENTIALS.secret_access_key,
        session_token=TOKEN_CREDENTIALS.session_token,
        region="us-east-1",
    )
