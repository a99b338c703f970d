"""FakeLambda under hostile input, its bounded request log, function registry and legacy dates.

Hostile requests are sent raw with aiohttp's client, signed by botocore's
signer (not lambda_es's), so they pass the signature check and reach the
handlers; each must get an AWS-style 4xx (``x-amzn-ErrorType`` and a JSON
body with a message), never a 500.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import boto3
import pytest

import lambda_es
from lambda_es.testing import FakeLambda

from ._core_botocore import botocore_authorization
from .conftest import CREDENTIALS, KINESIS_ARN, ROLE_ARN

CURRENT = "/2015-03-31/event-source-mappings"
LEGACY = "/2014-11-13/event-source-mappings/"


def _signed(fake: FakeLambda, method: str, path: str, body: bytes) -> dict[str, str]:
    host = f"127.0.0.1:{fake.port}"
    when = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return {
        "X-Amz-Date": when.strftime("%Y%m%dT%H%M%SZ"),
        "Authorization": botocore_authorization(
            method=method,
            url=f"http://{host}{path}",
            body=body,
            host=host,
            when=when,
            access_key_id=CREDENTIALS.access_key_id,
            secret_access_key=CREDENTIALS.secret_access_key,
            session_token=None,
            region=fake.region,
        ),
    }


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """A raw aiohttp session (no lambda_es in the way)."""
    async with aiohttp.ClientSession() as session:
        yield session


async def _send(
    http: aiohttp.ClientSession,
    fake: FakeLambda,
    method: str,
    path: str,
    body: bytes = b"",
    **replace: str,
) -> tuple[int, dict[str, Any], str]:
    headers = {**_signed(fake, method, path, body), **replace}
    # aiohttp warns about large raw bytes bodies; a stream is how it wants them.
    data = io.BytesIO(body) if len(body) > 1024 * 1024 else body
    async with http.request(
        method,
        fake.endpoint_url + path,
        data=data,
        headers=headers,
        skip_auto_headers=["Content-Type"],
    ) as response:
        text = await response.text()
        return response.status, json.loads(text), response.headers.get("x-amzn-ErrorType", "")


HOSTILE: dict[str, tuple[str, str, bytes, dict[str, str]]] = {
    "deeply nested JSON (current)": ("POST", CURRENT, b"[" * 200_000, {}),
    "deeply nested JSON (legacy)": ("POST", LEGACY, b"[" * 200_000, {}),
    "deeply nested object": ("POST", CURRENT, b'{"a":' * 100_000, {}),
    "a JSON array": ("POST", CURRENT, b"[1, 2]", {}),
    "a JSON string": ("POST", LEGACY, b'"FunctionName"', {}),
    "JSON null": ("POST", CURRENT, b"null", {}),
    "not UTF-8": ("POST", CURRENT, b"\xff\xfe{", {}),
    "EventSourceArn arn:": (
        "POST",
        CURRENT,
        json.dumps({"FunctionName": "f", "EventSourceArn": "arn:"}).encode(),
        {},
    ),
    "EventSourceArn a number": (
        "POST",
        CURRENT,
        json.dumps({"FunctionName": "f", "EventSourceArn": 7}).encode(),
        {},
    ),
    "FunctionName an object": (
        "POST",
        CURRENT,
        json.dumps({"FunctionName": {}, "EventSourceArn": KINESIS_ARN}).encode(),
        {},
    ),
    "FunctionName a number on update": (
        "PUT",
        CURRENT + "/00000000-0000-0000-0000-000000000000",
        json.dumps({"FunctionName": 3}).encode(),
        {},
    ),
    "5,000-digit Marker (current)": ("GET", CURRENT + "?Marker=offset-" + "9" * 5000, b"", {}),
    "5,000-digit Marker (legacy)": ("GET", LEGACY + "?Marker=" + "9" * 5000, b"", {}),
    "5,000-digit MaxItems": ("GET", CURRENT + "?MaxItems=" + "1" * 5000, b"", {}),
    "superscript digit MaxItems": ("GET", CURRENT + "?MaxItems=%C2%B2", b"", {}),
    "superscript digit Marker": ("GET", LEGACY + "?Marker=offset-%C2%B2", b"", {}),
    "malformed X-Amz-Date": ("GET", CURRENT, b"", {"X-Amz-Date": "yesterday"}),
    "impossible X-Amz-Date": ("GET", CURRENT, b"", {"X-Amz-Date": "20261399T999999Z"}),
    "unknown path": ("GET", "/2099-01-01/functions", b"", {}),
    "method not allowed": ("PATCH", CURRENT, b"", {}),
    "body over 1 MiB": ("POST", CURRENT, b" " * (2 * 1024 * 1024), {}),
}


@pytest.mark.parametrize("case", list(HOSTILE))
async def test_hostile_requests_get_an_aws_style_4xx(
    case: str, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    """Each malformed request is answered 4xx with an AWS error header and JSON body, never 500."""
    method, path, body, replace = HOSTILE[case]
    async with FakeLambda(credentials=CREDENTIALS) as fake:
        status, payload, error_type = await _send(http, fake, method, path, body, **replace)
    assert 400 <= status < 500, (status, payload)
    assert error_type, "no x-amzn-ErrorType header"
    assert isinstance(payload.get("message", payload.get("Message")), str)
    # The last-resort handler (a 500 ServiceException) was not what answered.
    assert not [r for r in caplog.records if r.name == "lambda_es.testing"]


async def test_a_bug_in_a_handler_is_a_500_service_exception(
    http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The last resort: an unexpected exception is 500 ServiceException, logged, and serving goes on."""
    async with FakeLambda(credentials=CREDENTIALS) as fake:

        def broken(request: object, body: bytes) -> None:
            raise KeyError("a bug")

        with monkeypatch.context() as patch, caplog.at_level(logging.ERROR):
            patch.setattr(fake, "_check_signature", broken)
            status, payload, error_type = await _send(http, fake, "GET", CURRENT)
        assert (status, error_type.split(":")[0], payload["Type"]) == (
            500,
            "ServiceException",
            "Service",
        )
        assert [r.name for r in caplog.records] == ["lambda_es.testing"]
        status, payload, _ = await _send(http, fake, "GET", CURRENT)
        assert (status, payload) == (200, {"EventSourceMappings": []})


async def test_the_request_log_is_bounded(http: aiohttp.ClientSession) -> None:
    """300 x 1 MB POSTs: the log keeps each body's first 64 KiB, flagged as truncated."""
    megabyte = b"x" * 1_000_000
    async with FakeLambda() as fake:
        for _ in range(300):
            async with http.post(fake.endpoint_url + CURRENT, data=megabyte) as response:
                assert response.status == 403  # unsigned; recorded all the same
        log = list(fake.requests)
    assert len(log) == 300
    assert all(r.truncated and r.body == megabyte[: 64 * 1024] for r in log)
    assert sum(len(r.body) for r in log) == 300 * 64 * 1024  # not 300 MB


async def test_max_recorded_keeps_the_latest_requests(http: aiohttp.ClientSession) -> None:
    """FakeLambda(max_recorded=N) keeps the last N requests, oldest first; clear() empties it."""
    async with FakeLambda(max_recorded=5) as fake:
        for i in range(12):
            async with http.get(f"{fake.endpoint_url}{CURRENT}?n={i}") as response:
                await response.read()
        assert fake.requests.maxlen == 5
        assert [r.query["n"] for r in fake.requests] == ["7", "8", "9", "10", "11"]
        assert fake.requests[-1].query == {"n": "11"}
        assert not fake.requests[0].truncated
        fake.requests.clear()
        assert fake.requests == []


def test_max_recorded_must_not_be_negative() -> None:
    """A negative log size is a ValueError at construction."""
    with pytest.raises(ValueError, match="max_recorded"):
        FakeLambda(max_recorded=-1)


@pytest.fixture
async def registry() -> AsyncIterator[tuple[FakeLambda, lambda_es.AsyncClient]]:
    """A fake with one registered function, and a client for it."""
    async with FakeLambda(credentials=CREDENTIALS) as fake:
        fake.add_function("process-orders")
        async with lambda_es.AsyncClient(
            region="us-east-1", endpoint_url=fake.endpoint_url, credentials=CREDENTIALS
        ) as client:
            yield fake, client


async def test_registry_refuses_unknown_functions_on_both_apis(
    registry: tuple[FakeLambda, lambda_es.AsyncClient],
) -> None:
    """With a function registered, a mapping for another function is AWS's 404."""
    fake, client = registry
    expected = "Function not found: arn:aws:lambda:us-east-1:123456789012:function:other"
    with pytest.raises(lambda_es.ResourceNotFoundError) as current:
        await client.create_event_source_mapping(
            function_name="other", event_source_arn=KINESIS_ARN, starting_position="LATEST"
        )
    with pytest.raises(lambda_es.ResourceNotFoundError) as legacy:
        await client.add_event_source(
            event_source=KINESIS_ARN, function_name="other", role=ROLE_ARN
        )
    for caught in (current, legacy):
        assert (caught.value.status, caught.value.message) == (404, expected)
    assert fake.mappings == {}
    assert fake.legacy == {}


async def test_registry_accepts_registered_functions_by_name_or_arn(
    registry: tuple[FakeLambda, lambda_es.AsyncClient],
) -> None:
    """A registered function maps by name, ARN or qualified ARN; an update to an unknown one is 404."""
    fake, client = registry
    fake.settle_after = 0
    arn = "arn:aws:lambda:us-east-1:123456789012:function:process-orders"
    created = await client.create_event_source_mapping(
        function_name=arn + ":live", event_source_arn=KINESIS_ARN, starting_position="LATEST"
    )
    cfg = await client.add_event_source(
        event_source=KINESIS_ARN, function_name="process-orders", role=ROLE_ARN
    )
    assert created.function_arn == arn + ":live"
    assert cfg.function_name == "process-orders"
    assert created.uuid is not None
    await client.wait_for_event_source_mapping(created.uuid)
    with pytest.raises(lambda_es.ResourceNotFoundError, match="function:ghost;"):
        await client.update_event_source_mapping(created.uuid, function_name="ghost")
    assert fake.mappings[created.uuid]["FunctionArn"] == arn + ":live"


def test_add_function_refuses_non_names() -> None:
    """add_function takes plain function names, not ARNs or empty strings."""
    fake = FakeLambda()
    for bad in ("", "arn:aws:lambda:us-east-1:123456789012:function:f", "a b"):
        with pytest.raises(ValueError, match="not a function name"):
            fake.add_function(bad)
    assert fake.functions == set()


async def test_legacy_last_modified_is_the_models_string() -> None:
    """Legacy LastModified is an ISO string as the 2014-11-13 model types it; both clients read it."""
    async with FakeLambda() as fake:
        fake.clock = lambda: 1415905640.006
        async with lambda_es.AsyncClient(
            region="us-east-1", endpoint_url=fake.endpoint_url, credentials=CREDENTIALS
        ) as client:
            cfg = await client.add_event_source(
                event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN
            )
        boto = boto3.client(
            "lambda",
            api_version="2014-11-11",
            region_name="us-east-1",
            endpoint_url=fake.endpoint_url,
            aws_access_key_id="AKIDBOTO",
            aws_secret_access_key="boto-secret",
        )
        # boto3 is blocking; the fake serves from this loop, so run boto3 in a thread.
        listed = await asyncio.to_thread(boto.list_event_sources)
        boto.close()
    assert cfg.last_modified == dt.datetime(2014, 11, 13, 19, 7, 20, 6000, tzinfo=dt.timezone.utc)
    (source,) = listed["EventSources"]
    assert source["LastModified"] == "2014-11-13T19:07:20.006+0000"


@pytest.mark.parametrize(
    "source",
    [
        "arn:aws:kinesis:us-east-1:123456789012:orders",  # no stream/ resource
        "arn:aws:sqs:us-east-1:123456789012:queue",  # not a stream
        "arn:aws:dynamodb:us-east-1:123456789012:table/t/stream",  # no stream label
    ],
)
async def test_the_fake_and_the_client_hold_one_stream_arn_rule(
    source: str, http: aiohttp.ClientSession, fake: FakeLambda
) -> None:
    """AddEventSource: what the client refuses before sending, FakeLambda refuses too (400)."""
    body = json.dumps({"EventSource": source, "FunctionName": "f", "Role": ROLE_ARN}).encode()
    status, payload, kind = await _send(http, fake, "POST", LEGACY, body)
    assert status == 400
    assert kind.startswith("InvalidParameterValueException")
    assert "EventSource" in json.dumps(payload)
    async with lambda_es.AsyncClient(
        region=fake.region, endpoint_url=fake.endpoint_url, credentials=CREDENTIALS
    ) as client:
        fake.requests.clear()
        with pytest.raises(lambda_es.ParamValidationError, match="event_source"):
            await client.add_event_source(event_source=source, function_name="f", role=ROLE_ARN)
    assert fake.requests == []
