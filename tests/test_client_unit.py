"""Unit tests of AsyncClient.add_event_source over aioresponses (one layer only).

aioresponses stands in for aiohttp's network here, which lets these tests use
the real AWS host names; everything they check is also covered end to end
against FakeLambda (test_client.py, test_errors.py, test_wire_botocore.py).
The ``mocked`` fixture (tests/_aioresponses.py, via conftest) is aioresponses
made to work with aiohttp 3.14.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from aioresponses import aioresponses
from multidict import CIMultiDict
from yarl import URL

import lambda_es

from .conftest import CREDENTIALS, KINESIS_ARN, ROLE_ARN

ENDPOINT = "https://lambda.us-east-1.amazonaws.com/2014-11-13/event-source-mappings/"

RESPONSE = {
    "UUID": "u-1",
    "EventSource": KINESIS_ARN,
    "FunctionName": "f",
    "Role": ROLE_ARN,
    "BatchSize": 100,
    "Parameters": {"InitialPositionInStream": "TRIM_HORIZON"},
    "LastModified": "2014-11-13T19:07:20.006+0000",
    "IsActive": "true",
    "Status": "OK",
}


def _client(**kwargs: Any) -> lambda_es.AsyncClient:
    options: dict[str, Any] = {
        "region": "us-east-1",
        "credentials": CREDENTIALS,
        "retry": lambda_es.Retry(mode="off"),
    }
    return lambda_es.AsyncClient(**{**options, **kwargs})


def _only_call(mocked: aioresponses, method: str, url: str) -> Any:
    (call,) = mocked.requests[(method, URL(url))]
    return call


async def test_request_shape(mocked: aioresponses) -> None:
    """POST to the region's Lambda host with compact JSON, signed, typed and identified."""
    mocked.post(ENDPOINT, status=200, payload=RESPONSE)
    async with _client(user_agent_extra="my-app/1.2") as client:
        cfg = await client.add_event_source(
            event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN, batch_size=5
        )
    call = _only_call(mocked, "POST", ENDPOINT)
    headers = CIMultiDict(call.kwargs["headers"])
    assert json.loads(call.kwargs["data"]) == {
        "EventSource": KINESIS_ARN,
        "FunctionName": "f",
        "Role": ROLE_ARN,
        "BatchSize": 5,
    }
    assert b" " not in call.kwargs["data"]
    assert headers["Content-Type"] == "application/json"
    assert headers["Host"] == "lambda.us-east-1.amazonaws.com"
    assert re.fullmatch(r"\d{8}T\d{6}Z", headers["X-Amz-Date"])
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert (
        "/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, "
        in headers["Authorization"]
    )
    assert headers["User-Agent"].startswith("lambda-es/")
    assert headers["User-Agent"].endswith(" my-app/1.2")
    assert cfg.uuid == "u-1"
    assert cfg.is_active is True


async def test_session_token_header(mocked: aioresponses) -> None:
    """Temporary credentials send X-Amz-Security-Token and sign it."""
    mocked.post(ENDPOINT, status=200, payload=RESPONSE)
    creds = lambda_es.Credentials("ASIAEXAMPLE", "secret", "the-session-token")
    async with _client(credentials=creds) as client:
        await client.add_event_source(event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN)
    headers = CIMultiDict(_only_call(mocked, "POST", ENDPOINT).kwargs["headers"])
    assert headers["X-Amz-Security-Token"] == "the-session-token"
    assert "SignedHeaders=host;x-amz-date;x-amz-security-token," in headers["Authorization"]


async def test_china_region_host(mocked: aioresponses) -> None:
    """A cn-* region goes to the .amazonaws.com.cn host."""
    url = "https://lambda.cn-north-1.amazonaws.com.cn/2014-11-13/event-source-mappings/"
    mocked.post(url, status=200, payload=RESPONSE)
    async with _client(region="cn-north-1") as client:
        await client.add_event_source(
            event_source="arn:aws-cn:kinesis:cn-north-1:123456789012:stream/s",
            function_name="f",
            role=ROLE_ARN,
        )
    assert (
        "/cn-north-1/lambda/aws4_request"
        in CIMultiDict(_only_call(mocked, "POST", url).kwargs["headers"])["Authorization"]
    )


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "InvalidParameterValueException", lambda_es.InvalidParameterValueError),
        (500, "ServiceException", lambda_es.ServiceError),
        (404, "ResourceNotFoundException", lambda_es.ResourceNotFoundError),
        (403, "AccessDeniedException", lambda_es.APIError),
    ],
)
async def test_error_mapping(
    mocked: aioresponses, status: int, code: str, cls: type[lambda_es.APIError]
) -> None:
    """An error response raises the class of its x-amzn-ErrorType, with the body's message."""
    mocked.post(
        ENDPOINT,
        status=status,
        payload={"Type": "User", "Message": "nope"},
        headers={
            "x-amzn-ErrorType": f"{code}:http://internal.amazon.com/",
            "x-amzn-RequestId": "r-1",
        },
    )
    async with _client() as client:
        with pytest.raises(cls) as info:
            await client.add_event_source(
                event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN
            )
    assert type(info.value) is cls
    assert info.value.code == code
    assert info.value.message == "nope"
    assert info.value.request_id == "r-1"
    assert info.value.status == status


async def test_malformed_success_is_decode_error(mocked: aioresponses) -> None:
    """A 200 whose body is not an EventSourceConfiguration raises DecodeError."""
    mocked.post(ENDPOINT, status=200, body="<html>oops</html>")
    async with _client() as client:
        with pytest.raises(lambda_es.DecodeError, match="oops"):
            await client.add_event_source(
                event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN
            )
