"""FakeLambda(credentials=...) verifies SigV4 as AWS does, for boto3 and for lambda_es.

boto3 is an independent signer: it signs ``content-type`` and more besides
``host`` and ``x-amz-date``, so FakeLambda must recompute the signature over
the ``SignedHeaders`` each request names. Every operation of both wire
versions is sent correctly signed and accepted; then a wrong secret, a body
changed after signing, a date 20 minutes off and a session token removed
after signing are each refused with 403 and AWS's error code.

The legacy 2014-11-13 API is loaded into botocore from
``/work/shared/reference/lambda-2014-11-13.normal.json`` (or the copy given
by ``LAMBDA_ES_LEGACY_MODEL``), placed in a temporary data directory as
``lambda/2014-11-13/service-2.json``. aiobotocore is not tested here: it
cannot be installed beside the botocore the rest of the suite needs.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import attrs
import boto3
import botocore
import botocore.config
import botocore.exceptions
import botocore.session
import pytest

import lambda_es
from lambda_es._signing import sign
from lambda_es.testing import FakeLambda

from .conftest import KINESIS_ARN, ROLE_ARN

KEY = lambda_es.Credentials("ASIAFAKESIGNATURE01", "fake/signature+Secret0123456789", "TOKEN/abc+=")
REGION = "eu-west-1"
STREAM = KINESIS_ARN.replace("us-east-1", REGION)
LEGACY_MODEL = Path(
    os.environ.get("LAMBDA_ES_LEGACY_MODEL", "/work/shared/reference/lambda-2014-11-13.normal.json")
)
_NO_RETRY = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})


@pytest.fixture
def fake() -> Iterator[FakeLambda]:
    """A threaded FakeLambda verifying signatures made with KEY."""
    with FakeLambda(region=REGION, credentials=KEY) as server:
        server.settle_after = 0  # no transitional state blocks the next operation
        yield server


def _boto3(fake: FakeLambda, credentials: lambda_es.Credentials = KEY) -> Any:
    return boto3.session.Session().client(
        "lambda",
        region_name=REGION,
        endpoint_url=fake.endpoint_url,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=_NO_RETRY,
    )


@pytest.fixture
def legacy_session(tmp_path: Path) -> botocore.session.Session:
    """A botocore session that also knows the 2014-11-13 model, from the reference copy."""
    if not LEGACY_MODEL.is_file():  # pragma: no cover - the reference ships with the workspace
        pytest.fail(f"the 2014-11-13 model is missing: {LEGACY_MODEL}")
    target = tmp_path / "models" / "lambda" / "2014-11-13"
    target.mkdir(parents=True)
    shutil.copyfile(LEGACY_MODEL, target / "service-2.json")
    # botocore also wants an endpoint rule set for the version; the current
    # API's own is the one Lambda uses for both (the endpoint is given anyway).
    rules = Path(botocore.__file__).parent / "data/lambda/2015-03-31/endpoint-rule-set-1.json.gz"
    shutil.copyfile(rules, target / rules.name)
    session = botocore.session.Session()
    session.get_component("data_loader").search_paths.append(str(tmp_path / "models"))
    return session


def _legacy(
    session: botocore.session.Session,
    fake: FakeLambda,
    credentials: lambda_es.Credentials = KEY,
) -> Any:
    return session.create_client(
        "lambda",
        api_version="2014-11-13",
        region_name=REGION,
        endpoint_url=fake.endpoint_url,
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        config=_NO_RETRY,
    )


def _refused(call: Callable[[], object], code: str) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    response: dict[str, Any] = info.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert response["Error"]["Code"] == code
    message: str = response["Error"]["Message"]
    return message


def _signed_headers(fake: FakeLambda) -> str:
    authorization = fake.requests[-1].headers["Authorization"]
    return authorization.split("SignedHeaders=", 1)[1].split(",", 1)[0]


# -- boto3, the current API ------------------------------------------------------------


def test_boto3_every_current_operation_is_accepted(fake: FakeLambda) -> None:
    """create, get, list, update and delete, signed by boto3, all verify."""
    client = _boto3(fake)
    try:
        created = client.create_event_source_mapping(
            EventSourceArn=STREAM, FunctionName="fn", StartingPosition="LATEST", BatchSize=10
        )
        # boto3 signs more than host and x-amz-date: the fake used its list.
        assert "content-type" in _signed_headers(fake).split(";")
        assert "x-amz-security-token" in _signed_headers(fake).split(";")
        mapping_id = created["UUID"]
        assert client.get_event_source_mapping(UUID=mapping_id)["UUID"] == mapping_id
        listed = client.list_event_source_mappings(FunctionName="fn", MaxItems=5)
        assert [m["UUID"] for m in listed["EventSourceMappings"]] == [mapping_id]
        updated = client.update_event_source_mapping(UUID=mapping_id, BatchSize=20)
        assert updated["BatchSize"] == 20
        # Read once so the update settles; a mapping in Updating cannot be deleted.
        assert client.get_event_source_mapping(UUID=mapping_id)["State"] == "Enabled"
        assert client.delete_event_source_mapping(UUID=mapping_id)["UUID"] == mapping_id
    finally:
        client.close()
    assert [r.method for r in fake.requests] == ["POST", "GET", "GET", "PUT", "GET", "DELETE"]


def test_boto3_wrong_secret_is_refused(fake: FakeLambda) -> None:
    """A boto3 client with another secret gets 403 InvalidSignatureException."""
    client = _boto3(fake, attrs.evolve(KEY, secret_access_key="not-the-secret"))
    try:
        message = _refused(lambda: client.list_event_source_mappings(), "InvalidSignatureException")
    finally:
        client.close()
    assert message.startswith("The request signature we calculated does not match")


def test_boto3_wrong_token_or_key_is_refused(fake: FakeLambda) -> None:
    """Another session token or access key id is 403 UnrecognizedClientException."""
    for credentials in (
        attrs.evolve(KEY, session_token="another-token"),
        attrs.evolve(KEY, access_key_id="ASIAOTHERKEY0000001"),
    ):
        client = _boto3(fake, credentials)
        try:
            _refused(client.list_event_source_mappings, "UnrecognizedClientException")
        finally:
            client.close()


def _tamper(client: Any, event: str, change: Callable[[Any], None]) -> None:
    def before_send(request: Any, **_: object) -> None:
        change(request)

    client.meta.events.register(f"before-send.lambda.{event}", before_send)


def test_boto3_body_changed_after_signing_is_refused(fake: FakeLambda) -> None:
    """A create whose body is altered after signing (same length) is refused; nothing is made."""
    client = _boto3(fake)

    def change(request: Any) -> None:
        request.body = request.body.replace(b'"BatchSize": 10', b'"BatchSize": 90')

    _tamper(client, "CreateEventSourceMapping", change)
    try:
        _refused(
            lambda: client.create_event_source_mapping(
                EventSourceArn=STREAM, FunctionName="fn", StartingPosition="LATEST", BatchSize=10
            ),
            "InvalidSignatureException",
        )
    finally:
        client.close()
    assert b'"BatchSize": 90' in fake.requests[-1].body
    assert fake.mappings == {}


def test_boto3_session_token_removed_after_signing_is_refused(fake: FakeLambda) -> None:
    """Dropping X-Amz-Security-Token after signing gets 403; the token is required."""
    client = _boto3(fake)

    def change(request: Any) -> None:
        del request.headers["X-Amz-Security-Token"]

    _tamper(client, "ListEventSourceMappings", change)
    try:
        _refused(lambda: client.list_event_source_mappings(), "UnrecognizedClientException")
    finally:
        client.close()
    assert "X-Amz-Security-Token" not in fake.requests[-1].headers


@pytest.mark.parametrize("minutes", [-20, 20])
def test_boto3_clock_20_minutes_off_is_refused(fake: FakeLambda, minutes: int) -> None:
    """With the server's clock 20 minutes from boto3's, the signature is out of its window."""
    fake.clock = lambda: time.time() + minutes * 60
    client = _boto3(fake)
    try:
        message = _refused(lambda: client.list_event_source_mappings(), "InvalidSignatureException")
    finally:
        client.close()
    expected = "Signature expired: " if minutes > 0 else "Signature not yet current: "
    assert message.startswith(expected)
    fake.clock = lambda: time.time() + minutes * 60 * 0.7  # 14 minutes: accepted
    client = _boto3(fake)
    try:
        assert client.list_event_source_mappings()["EventSourceMappings"] == []
    finally:
        client.close()


def test_hand_signed_request_dated_20_minutes_ago_is_refused(fake: FakeLambda) -> None:
    """A request signed by lambda_es's sign() with a time 20 minutes old is refused as expired."""
    import http.client

    url = fake.endpoint_url + "/2015-03-31/event-source-mappings/"
    host = url.split("/")[2]

    def send(now: dt.datetime) -> tuple[int, str, bytes]:
        headers = sign("GET", url, b"", credentials=KEY, region=REGION, now=now, host=host)
        # http.client, not urllib: no proxy from the environment can step in.
        connection = http.client.HTTPConnection(host, timeout=10)
        try:
            connection.request("GET", "/2015-03-31/event-source-mappings/", headers=headers)
            response = connection.getresponse()
            error_type = response.getheader("x-amzn-ErrorType", "")
            return response.status, error_type.split(":", 1)[0], response.read()
        finally:
            connection.close()

    current = dt.datetime.now(dt.timezone.utc)
    assert send(current)[0] == 200
    status, code, body = send(current - dt.timedelta(minutes=20))
    assert (status, code) == (403, "InvalidSignatureException")
    assert b"Signature expired: " in body


# -- boto3, the legacy 2014-11-13 API --------------------------------------------------------


def test_boto3_every_legacy_operation_is_accepted(
    fake: FakeLambda, legacy_session: botocore.session.Session
) -> None:
    """AddEventSource, GetEventSource, ListEventSources, RemoveEventSource, signed by botocore, verify."""
    client = _legacy(legacy_session, fake)
    try:
        added = client.add_event_source(
            EventSource=STREAM, FunctionName="fn", Role=ROLE_ARN, BatchSize=50
        )
        assert "x-amz-security-token" in _signed_headers(fake).split(";")
        mapping_id = added["UUID"]
        assert client.get_event_source(UUID=mapping_id)["BatchSize"] == 50
        listed = client.list_event_sources(EventSourceArn=STREAM, FunctionName="fn")
        assert [m["UUID"] for m in listed["EventSources"]] == [mapping_id]
        client.remove_event_source(UUID=mapping_id)
    finally:
        client.close()
    assert [r.path.split("/")[1] for r in fake.requests] == ["2014-11-13"] * 4
    assert fake.legacy == {}


def test_boto3_legacy_wrong_secret_body_and_token_are_refused(
    fake: FakeLambda, legacy_session: botocore.session.Session
) -> None:
    """The legacy client with a wrong secret, a tampered body or a dropped token gets 403."""
    add = {"EventSource": STREAM, "FunctionName": "fn", "Role": ROLE_ARN, "BatchSize": 50}
    wrong = _legacy(legacy_session, fake, attrs.evolve(KEY, secret_access_key="wrong"))
    try:
        _refused(lambda: wrong.add_event_source(**add), "InvalidSignatureException")
    finally:
        wrong.close()

    tampered = _legacy(legacy_session, fake)

    def change_body(request: Any) -> None:
        request.body = request.body.replace(b'"BatchSize": 50', b'"BatchSize": 99')

    _tamper(tampered, "AddEventSource", change_body)
    try:
        _refused(lambda: tampered.add_event_source(**add), "InvalidSignatureException")
    finally:
        tampered.close()

    tokenless = _legacy(legacy_session, fake)

    def drop_token(request: Any) -> None:
        del request.headers["X-Amz-Security-Token"]

    _tamper(tokenless, "ListEventSources", drop_token)
    try:
        _refused(
            lambda: tokenless.list_event_sources(EventSourceArn=STREAM),
            "UnrecognizedClientException",
        )
    finally:
        tokenless.close()
    assert fake.legacy == {}


# -- lambda_es's own clients -----------------------------------------------------------------


async def test_async_client_every_operation_is_accepted() -> None:
    """AsyncClient's every operation, both wire versions, verifies against the credentials."""
    async with (
        FakeLambda(region=REGION, credentials=KEY) as fake,
        lambda_es.AsyncClient(
            region=REGION, endpoint_url=fake.endpoint_url, credentials=KEY
        ) as client,
    ):
        fake.settle_after = 0
        added = await client.add_event_source(
            event_source=STREAM, function_name="fn", role=ROLE_ARN, batch_size=5
        )
        assert added.uuid is not None
        assert (await client.get_event_source(added.uuid)).batch_size == 5
        assert [
            c.uuid for c in (await client.list_event_sources(event_source_arn=STREAM)).event_sources
        ] == [added.uuid]
        await client.remove_event_source(added.uuid)
        created = await client.create_event_source_mapping(
            event_source_arn=STREAM, function_name="fn", starting_position="LATEST", batch_size=10
        )
        assert created.uuid is not None
        assert (await client.get_event_source_mapping(created.uuid)).uuid == created.uuid
        page = await client.list_event_source_mappings(function_name="fn")
        assert [m.uuid for m in page.event_source_mappings] == [created.uuid]
        updated = await client.update_event_source_mapping(created.uuid, batch_size=20)
        assert updated.batch_size == 20
        await client.get_event_source_mapping(created.uuid)  # the update settles
        await client.delete_event_source_mapping(created.uuid)
    assert len(fake.requests) == 10
    for request in fake.requests:
        assert request.headers["X-Amz-Security-Token"] == KEY.session_token


async def test_async_client_wrong_secret_and_token_are_refused() -> None:
    """AsyncClient with a wrong secret or token gets a 403 APIError with AWS's code."""
    async with FakeLambda(region=REGION, credentials=KEY) as fake:
        for credentials, code in (
            (attrs.evolve(KEY, secret_access_key="wrong"), "InvalidSignatureException"),
            (attrs.evolve(KEY, session_token=None), "UnrecognizedClientException"),
        ):
            async with lambda_es.AsyncClient(
                region=REGION,
                endpoint_url=fake.endpoint_url,
                credentials=credentials,
                retry=lambda_es.Retry(mode="off"),
            ) as client:
                with pytest.raises(lambda_es.APIError) as info:
                    await client.get_event_source(str(uuid.uuid4()))
            assert (info.value.status, info.value.code) == (403, code)


async def test_raw_request_tampered_after_lambda_es_signed_it_is_refused() -> None:
    """lambda_es's headers on a changed body, or without the token, are refused over real HTTP."""
    async with (
        FakeLambda(region=REGION, credentials=KEY) as fake,
        aiohttp.ClientSession() as session,
    ):
        url = fake.endpoint_url + "/2015-03-31/event-source-mappings/"
        host = url.split("/")[2]
        body = b'{"EventSourceArn": "%s", "FunctionName": "fn", "StartingPosition": "LATEST"}' % (
            STREAM.encode()
        )
        headers = sign("POST", url, body, credentials=KEY, region=REGION, host=host)
        cases = [
            (body, headers, 202, None),
            (body.replace(b'"fn"', b'"fx"'), headers, 403, "InvalidSignatureException"),
            (
                body,
                {k: v for k, v in headers.items() if k != "X-Amz-Security-Token"},
                403,
                "UnrecognizedClientException",
            ),
        ]
        for data, sent, status, code in cases:
            async with session.post(url, data=data, headers=sent) as response:
                assert response.status == status
                error_type = response.headers.get("x-amzn-ErrorType")
                if code is None:
                    assert error_type is None
                else:
                    assert error_type is not None
                    assert error_type.split(":", 1)[0] == code
        assert len(fake.mappings) == 1


def test_sync_client_is_accepted_and_wrong_secret_refused(fake: FakeLambda) -> None:
    """The blocking Client verifies too; with a wrong secret it gets 403."""
    with lambda_es.Client(region=REGION, endpoint_url=fake.endpoint_url, credentials=KEY) as client:
        created = client.create_event_source_mapping(
            event_source_arn=STREAM, function_name="fn", starting_position="LATEST"
        )
        assert created.uuid is not None
        assert client.get_event_source_mapping(created.uuid).uuid == created.uuid
    with (
        lambda_es.Client(
            region=REGION,
            endpoint_url=fake.endpoint_url,
            credentials=attrs.evolve(KEY, secret_access_key="wrong"),
            retry=lambda_es.Retry(mode="off"),
        ) as client,
        pytest.raises(lambda_es.APIError) as info,
    ):
        client.get_event_source_mapping(created.uuid)
    assert (info.value.status, info.value.code) == (403, "InvalidSignatureException")
