"""Every operation's request, compared with the one botocore prepares for the same call.

lambda_es sends each call to a FakeLambda that verifies its signature; botocore
(an implementation nobody here wrote) prepares the same call, and a
``before-send`` hook takes its request and answers with a canned response, so
nothing leaves the process. The two requests must agree in method, raw
(percent-encoded) path, query (as a multimap) and JSON body, and in whether
they say ``Content-Type: application/json``.

AddEventSource is compared in ``test_wire_botocore.py``; this module covers
every other operation of both wire versions: the legacy 2014-11-13 API
through botocore's ``api_version="2014-11-11"`` model (which serves the
``/2014-11-13/`` paths) and the current 2015-03-31 API through its default
model. Cases are written out twice, once as lambda_es keywords and once as
botocore's AWS-named parameters, so that neither side is derived from
lambda_es's own tables.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote

import attrs
import boto3
import botocore.awsrequest
import botocore.config
import pytest

import lambda_es
from lambda_es.testing import FakeLambda, RecordedRequest

from ._vendored_model import botocore_session
from .conftest import CREDENTIALS, DYNAMODB_ARN, KINESIS_ARN

SQS_ARN = "arn:aws:sqs:us-east-1:123456789012:orders-queue"
MSK_ARN = (
    "arn:aws:kafka:us-east-1:123456789012:cluster/orders/0123abcd-4567-89ef-0123-456789abcdef-2"
)
MQ_ARN = "arn:aws:mq:us-east-1:123456789012:broker:orders:b-0123abcd-4567-89ef-0123-456789abcdef"
DOCDB_ARN = "arn:aws:rds:us-east-1:123456789012:cluster:orders-docdb"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-kafka-AbCdEf"
DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:orders-dlq"
SNS_ARN = "arn:aws:sns:us-east-1:123456789012:orders-failures"
KMS_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:process-orders"

#: botocore never contacts it (before-send answers); only the path and query are compared.
BOTOCORE_ENDPOINT = "http://127.0.0.1:9"

#: Identifiers whose characters a path segment must percent-encode: space, '/',
#: '?', '#', '%', '+', '&', '=', ':', '@', brackets, and non-ASCII text.
UNUSUAL_LEGACY_UUIDS = [
    "a b/c?d%e+f&g=h~i",
    "#frag[1]:x@y!$'()*,;",
    "é/中/ü",
]
#: The current API fixes UUIDs at 36 characters, so the unusual one is that long.
UNUSUAL_UUID = "a b/c?d%e+f&g=h~i#j[k]l:m@n!o$p'q(r)"
#: A marker no server made: FakeLambda refuses it, after verifying the signature.
UNUSUAL_MARKER = "a b+c/d=e&f?g#h%i~é"

#: A query string that needs no decoding rules beyond %XX: no raw '+', space or reserved text.
_FULLY_ENCODED_QUERY = re.compile(r"[A-Za-z0-9\-._~%=&]*")


@attrs.frozen
class WireRequest:
    """The parts of a request that both implementations must agree on.

    Attributes:
        method: the HTTP method.
        path: the path exactly as sent, still percent-encoded.
        query: the decoded query parameters as a sorted multimap.
        body: the parsed JSON body, or ``None`` for no body.
        json_content_type: whether the request says ``Content-Type: application/json``.
    """

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    body: Any
    json_content_type: bool


def _wire_request(
    method: str, path_and_query: str, body: bytes | None, headers: Mapping[str, Any]
) -> WireRequest:
    path, _, raw_query = path_and_query.partition("?")
    # Both sides must send an unambiguous query: '+' and raw spaces mean
    # different things to different parsers, %XX means one thing to all.
    assert _FULLY_ENCODED_QUERY.fullmatch(raw_query), raw_query
    pairs = []
    for item in raw_query.split("&"):
        if item:
            key, _, value = item.partition("=")
            pairs.append((unquote(key), unquote(value)))
    # botocore keeps some header values as bytes, aiohttp gives str.
    content_type = next(
        (
            value.decode() if isinstance(value, bytes) else str(value)
            for name, value in headers.items()
            if name.lower() == "content-type"
        ),
        None,
    )
    return WireRequest(
        method=method,
        path=path,
        query=tuple(sorted(pairs)),
        body=json.loads(body) if body else None,
        json_content_type=content_type == "application/json",
    )


def ours(recorded: RecordedRequest) -> WireRequest:
    """What FakeLambda received from lambda_es."""
    return _wire_request(recorded.method, recorded.raw_path, recorded.body, recorded.headers)


class _CannedBody:
    """Stands in for urllib3's response, which is all AWSResponse reads a body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class Botocore:
    """A boto3 Lambda client whose requests are captured instead of sent.

    Args:
        api_version: the botocore model to use (``None`` for the current one:
            the vendored 2015-03-31 model lambda_es is generated from, so an
            older botocore still knows every member we send).
    """

    def __init__(self, api_version: str | None = None) -> None:
        session = boto3.session.Session(
            botocore_session=botocore_session(),
            aws_access_key_id=CREDENTIALS.access_key_id,
            aws_secret_access_key=CREDENTIALS.secret_access_key,
            region_name="us-east-1",
        )
        self.client = session.client(
            "lambda",
            api_version=api_version,
            endpoint_url=BOTOCORE_ENDPOINT,
            config=botocore.config.Config(retries={"mode": "standard", "max_attempts": 1}),
        )
        self._status = 200
        self._body = b"{}"
        self._sent: list[botocore.awsrequest.AWSPreparedRequest] = []
        self.client.meta.events.register("before-send", self._before_send)

    def _before_send(
        self, request: botocore.awsrequest.AWSPreparedRequest, **_: Any
    ) -> botocore.awsrequest.AWSResponse:
        self._sent.append(request)
        return botocore.awsrequest.AWSResponse(
            request.url, self._status, {}, _CannedBody(self._body)
        )

    def request(
        self, operation: str, params: Mapping[str, Any], *, status: int = 200, body: bytes = b"{}"
    ) -> WireRequest:
        """Have botocore prepare ``operation`` with ``params`` and return what it would send.

        Args:
            operation: the boto3 method name (``get_event_source``, ...).
            params: the operation's parameters, as boto3 takes them.
            status: the canned response's status (the operation's documented one).
            body: the canned response's body.

        Returns:
            The request botocore prepared.
        """
        self._status, self._body = status, body
        before = len(self._sent)
        getattr(self.client, operation)(**params)
        assert len(self._sent) == before + 1, "botocore should send exactly one request"
        prepared = self._sent[-1]
        url = prepared.url
        assert url.startswith(BOTOCORE_ENDPOINT)
        body_bytes = prepared.body.encode() if isinstance(prepared.body, str) else prepared.body
        return _wire_request(
            prepared.method, url[len(BOTOCORE_ENDPOINT) :], body_bytes, prepared.headers
        )


@pytest.fixture(scope="module")
def legacy_botocore(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Botocore]:
    """botocore with the 2014-11-11 model (the /2014-11-13/ paths), reading no real AWS config."""
    with _isolated_from_aws_config(tmp_path_factory):
        oracle = Botocore(api_version="2014-11-11")
    yield oracle
    oracle.client.close()


@pytest.fixture(scope="module")
def current_botocore(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Botocore]:
    """botocore with the 2015-03-31 model, reading no real AWS config."""
    with _isolated_from_aws_config(tmp_path_factory):
        oracle = Botocore()
    yield oracle
    oracle.client.close()


@contextlib.contextmanager
def _isolated_from_aws_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Hide the developer's AWS settings while a module-scoped client is made.

    conftest's autouse fixture does this for each test, but module-scoped
    fixtures are set up before it runs.
    """
    empty = tmp_path_factory.mktemp("no-aws-config")
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_CONFIG_FILE", str(empty / "config"))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty / "credentials"))
        yield


@pytest.fixture
def settled(fake: FakeLambda) -> FakeLambda:
    """The FakeLambda, with a mapping's transitional state ending at the next read."""
    fake.settle_after = 0
    return fake


def sent_by_lambda_es(fake: FakeLambda, since: int) -> list[WireRequest]:
    """The requests FakeLambda received from index ``since`` on."""
    return [ours(recorded) for recorded in fake.requests[since:]]


def _seed_legacy(fake: FakeLambda, uuid: str, *, event_source: str = KINESIS_ARN) -> None:
    # Unusual identifiers cannot come from AddEventSource (the fake makes
    # uuid4s), so they are put into the fake's table directly.
    fake.legacy[uuid] = {
        "UUID": uuid,
        "EventSource": event_source,
        "FunctionName": "process-orders",
        "Role": "arn:aws:iam::123456789012:role/invoke-process-orders",
        "BatchSize": 100,
        "Parameters": {"InitialPositionInStream": "TRIM_HORIZON"},
        "LastModified": 1_415_000_000.0,
        "IsActive": True,
        "Status": "OK",
    }


# -- legacy, 2014-11-13 -------------------------------------------------------------

#: lambda_es's list keywords and the boto3 parameters they correspond to (both versions).
LIST_NAMES = {
    "event_source_arn": "EventSourceArn",
    "function_name": "FunctionName",
    "marker": "Marker",
    "max_items": "MaxItems",
}


@pytest.mark.parametrize("uuid", ["f6e5d4c3-b2a1-4f5e-8d7c-6b5a4f3e2d1c", *UNUSUAL_LEGACY_UUIDS])
async def test_get_event_source_matches_botocore(
    fake: FakeLambda, client: lambda_es.AsyncClient, legacy_botocore: Botocore, uuid: str
) -> None:
    """GetEventSource: GET /2014-11-13/event-source-mappings/{UUID}, the UUID encoded as botocore does."""
    _seed_legacy(fake, uuid)
    since = len(fake.requests)

    found = await client.get_event_source(uuid)

    assert found.uuid == uuid
    [sent] = sent_by_lambda_es(fake, since)
    assert sent == legacy_botocore.request("get_event_source", {"UUID": uuid})
    assert sent.method == "GET"
    assert sent.body is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"event_source_arn": KINESIS_ARN},
        {"function_name": "process-orders", "max_items": 1},
        {"event_source_arn": DYNAMODB_ARN, "function_name": "process-orders", "max_items": 10_000},
        {"marker": "offset-0", "max_items": 2},
    ],
    ids=["no-filters", "source", "function-and-size", "everything", "marker"],
)
async def test_list_event_sources_matches_botocore(
    fake: FakeLambda,
    client: lambda_es.AsyncClient,
    legacy_botocore: Botocore,
    kwargs: dict[str, Any],
) -> None:
    """ListEventSources: the source travels as the EventSource query member, like botocore's."""
    _seed_legacy(fake, "uuid-1")
    since = len(fake.requests)

    await client.list_event_sources(**kwargs)

    [sent] = sent_by_lambda_es(fake, since)
    params = {LIST_NAMES[name]: value for name, value in kwargs.items()}
    assert sent == legacy_botocore.request("list_event_sources", params)
    if "event_source_arn" in kwargs:
        assert ("EventSource", kwargs["event_source_arn"]) in sent.query


async def test_list_event_sources_encodes_an_unusual_marker_like_botocore(
    fake: FakeLambda, client: lambda_es.AsyncClient, legacy_botocore: Botocore
) -> None:
    """A marker with reserved and non-ASCII characters arrives as botocore would send it.

    FakeLambda only knows its own markers, so it answers
    InvalidParameterValueException: proof that the request was signed right
    and parsed, not turned away earlier.
    """
    since = len(fake.requests)

    with pytest.raises(lambda_es.InvalidParameterValueError, match="Invalid Marker"):
        await client.list_event_sources(marker=UNUSUAL_MARKER, max_items=5)

    [sent] = sent_by_lambda_es(fake, since)
    expected = legacy_botocore.request(
        "list_event_sources", {"Marker": UNUSUAL_MARKER, "MaxItems": 5}
    )
    assert sent == expected
    assert ("Marker", UNUSUAL_MARKER) in sent.query


async def test_iter_event_sources_pages_match_botocore(
    fake: FakeLambda, client: lambda_es.AsyncClient, legacy_botocore: Botocore
) -> None:
    """iter_event_sources sends, page after page, the ListEventSources botocore sends for each marker."""
    for index in range(5):
        _seed_legacy(fake, f"uuid-{index}", event_source=f"{KINESIS_ARN}-{index}")
    since = len(fake.requests)

    seen = [
        str(item.uuid)
        async for item in client.iter_event_sources(function_name="process-orders", page_size=2)
    ]

    assert sorted(seen) == [f"uuid-{index}" for index in range(5)]
    sent = sent_by_lambda_es(fake, since)
    markers = [dict(request.query).get("Marker") for request in sent]
    assert markers == [None, "offset-2", "offset-4"]
    for request, marker in zip(sent, markers, strict=True):
        params: dict[str, Any] = {"FunctionName": "process-orders", "MaxItems": 2}
        if marker is not None:
            params["Marker"] = marker
        assert request == legacy_botocore.request("list_event_sources", params)


@pytest.mark.parametrize("uuid", ["f6e5d4c3-b2a1-4f5e-8d7c-6b5a4f3e2d1c", *UNUSUAL_LEGACY_UUIDS])
async def test_remove_event_source_matches_botocore(
    fake: FakeLambda, client: lambda_es.AsyncClient, legacy_botocore: Botocore, uuid: str
) -> None:
    """RemoveEventSource: DELETE /2014-11-13/event-source-mappings/{UUID} with no body, as botocore."""
    _seed_legacy(fake, uuid)
    since = len(fake.requests)

    await client.remove_event_source(uuid)

    assert uuid not in fake.legacy
    [sent] = sent_by_lambda_es(fake, since)
    expected = legacy_botocore.request("remove_event_source", {"UUID": uuid}, status=204, body=b"")
    assert sent == expected
    assert sent.method == "DELETE"
    assert sent.body is None


# -- current, 2015-03-31 ---------------------------------------------------------------

FILTER_PATTERN = json.dumps({"data": {"kind": ["order"], "total": [{"numeric": [">", 100]}]}})

#: (lambda_es keywords, botocore parameters) for CreateEventSourceMapping, by source kind.
CREATE_CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "kinesis-minimal": (
        {
            "function_name": "process-orders",
            "event_source_arn": KINESIS_ARN,
            "starting_position": "LATEST",
        },
        {
            "FunctionName": "process-orders",
            "EventSourceArn": KINESIS_ARN,
            "StartingPosition": "LATEST",
        },
    ),
    "kinesis-everything": (
        {
            "function_name": "process-orders",
            "event_source_arn": KINESIS_ARN,
            "enabled": False,
            "batch_size": 500,
            "maximum_batching_window_in_seconds": 5,
            "parallelization_factor": 4,
            "starting_position": "AT_TIMESTAMP",
            # Not UTC: both sides must convert to UTC epoch seconds.
            "starting_position_timestamp": dt.datetime(
                2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))
            ),
            "filter_criteria": {"Filters": [{"Pattern": FILTER_PATTERN}]},
            "destination_config": lambda_es.DestinationConfig(
                on_failure=lambda_es.OnFailure(destination=DLQ_ARN)
            ),
            "maximum_record_age_in_seconds": 3600,
            "bisect_batch_on_function_error": True,
            "maximum_retry_attempts": 3,
            "tumbling_window_in_seconds": 60,
            "function_response_types": ["ReportBatchItemFailures"],
            "tags": {"team": "orders", "coût": "élevé"},
            "metrics_config": lambda_es.MetricsConfig(metrics=("EventCount",)),
            "kms_key_arn": KMS_ARN,
        },
        {
            "FunctionName": "process-orders",
            "EventSourceArn": KINESIS_ARN,
            "Enabled": False,
            "BatchSize": 500,
            "MaximumBatchingWindowInSeconds": 5,
            "ParallelizationFactor": 4,
            "StartingPosition": "AT_TIMESTAMP",
            "StartingPositionTimestamp": dt.datetime(2024, 5, 6, 1, 38, 9, tzinfo=dt.timezone.utc),
            "FilterCriteria": {"Filters": [{"Pattern": FILTER_PATTERN}]},
            "DestinationConfig": {"OnFailure": {"Destination": DLQ_ARN}},
            "MaximumRecordAgeInSeconds": 3600,
            "BisectBatchOnFunctionError": True,
            "MaximumRetryAttempts": 3,
            "TumblingWindowInSeconds": 60,
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "Tags": {"team": "orders", "coût": "élevé"},
            "MetricsConfig": {"Metrics": ["EventCount"]},
            "KMSKeyArn": KMS_ARN,
        },
    ),
    "dynamodb-alias-arn": (
        {
            "function_name": FUNCTION_ARN + ":live",
            "event_source_arn": DYNAMODB_ARN,
            "starting_position": "TRIM_HORIZON",
            "destination_config": {"OnFailure": {"Destination": SNS_ARN}},
            "maximum_record_age_in_seconds": -1,
            "maximum_retry_attempts": -1,
            "bisect_batch_on_function_error": False,
            "tumbling_window_in_seconds": 0,
        },
        {
            "FunctionName": FUNCTION_ARN + ":live",
            "EventSourceArn": DYNAMODB_ARN,
            "StartingPosition": "TRIM_HORIZON",
            "DestinationConfig": {"OnFailure": {"Destination": SNS_ARN}},
            "MaximumRecordAgeInSeconds": -1,
            "MaximumRetryAttempts": -1,
            "BisectBatchOnFunctionError": False,
            "TumblingWindowInSeconds": 0,
        },
    ),
    "sqs-partial-arn": (
        {
            "function_name": "123456789012:function:process-orders",
            "event_source_arn": SQS_ARN,
            "batch_size": 10,
            "maximum_batching_window_in_seconds": 20,
            "scaling_config": lambda_es.ScalingConfig(maximum_concurrency=5),
            "function_response_types": ["ReportBatchItemFailures"],
            "filter_criteria": lambda_es.FilterCriteria(
                filters=(lambda_es.Filter(pattern=FILTER_PATTERN),)
            ),
            "logging_config": {"SystemLogLevel": "WARN"},
            "metrics_config": {"Metrics": ["EventCount", "ErrorCount"]},
        },
        {
            "FunctionName": "123456789012:function:process-orders",
            "EventSourceArn": SQS_ARN,
            "BatchSize": 10,
            "MaximumBatchingWindowInSeconds": 20,
            "ScalingConfig": {"MaximumConcurrency": 5},
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "FilterCriteria": {"Filters": [{"Pattern": FILTER_PATTERN}]},
            "LoggingConfig": {"SystemLogLevel": "WARN"},
            "MetricsConfig": {"Metrics": ["EventCount", "ErrorCount"]},
        },
    ),
    "msk": (
        {
            "function_name": "process-orders",
            "event_source_arn": MSK_ARN,
            "topics": ["orders.v1"],
            "starting_position": "LATEST",
            "source_access_configurations": [
                {"Type": "CLIENT_CERTIFICATE_TLS_AUTH", "URI": SECRET_ARN}
            ],
            "amazon_managed_kafka_event_source_config": {
                "ConsumerGroupId": "orders-consumers",
                "SchemaRegistryConfig": {
                    "SchemaRegistryURI": "arn:aws:glue:us-east-1:123456789012:registry/orders",
                    "EventRecordFormat": "JSON",
                    "AccessConfigs": [{"Type": "BASIC_AUTH", "URI": SECRET_ARN}],
                    "SchemaValidationConfigs": [{"Attribute": "VALUE"}],
                },
            },
            "provisioned_poller_config": {"MinimumPollers": 1, "MaximumPollers": 3},
        },
        {
            "FunctionName": "process-orders",
            "EventSourceArn": MSK_ARN,
            "Topics": ["orders.v1"],
            "StartingPosition": "LATEST",
            "SourceAccessConfigurations": [
                {"Type": "CLIENT_CERTIFICATE_TLS_AUTH", "URI": SECRET_ARN}
            ],
            "AmazonManagedKafkaEventSourceConfig": {
                "ConsumerGroupId": "orders-consumers",
                "SchemaRegistryConfig": {
                    "SchemaRegistryURI": "arn:aws:glue:us-east-1:123456789012:registry/orders",
                    "EventRecordFormat": "JSON",
                    "AccessConfigs": [{"Type": "BASIC_AUTH", "URI": SECRET_ARN}],
                    "SchemaValidationConfigs": [{"Attribute": "VALUE"}],
                },
            },
            "ProvisionedPollerConfig": {"MinimumPollers": 1, "MaximumPollers": 3},
        },
    ),
    "self-managed-kafka": (
        {
            "function_name": "process-orders",
            "self_managed_event_source": {
                "Endpoints": {
                    "KAFKA_BOOTSTRAP_SERVERS": ["b-1.example.com:9092", "b-2.example.com:9092"]
                }
            },
            "topics": ["orders"],
            "starting_position": "TRIM_HORIZON",
            "source_access_configurations": [
                lambda_es.SourceAccessConfiguration(type="BASIC_AUTH", uri=SECRET_ARN),
                {"Type": "VPC_SUBNET", "URI": "subnet:subnet-0123456789abcdef0"},
                {"Type": "VPC_SECURITY_GROUP", "URI": "security_group:sg-0123456789abcdef0"},
            ],
            "self_managed_kafka_event_source_config": {
                "ConsumerGroupId": "orders-consumers",
                "ConsumptionMode": "Stream",
            },
        },
        {
            "FunctionName": "process-orders",
            "SelfManagedEventSource": {
                "Endpoints": {
                    "KAFKA_BOOTSTRAP_SERVERS": ["b-1.example.com:9092", "b-2.example.com:9092"]
                }
            },
            "Topics": ["orders"],
            "StartingPosition": "TRIM_HORIZON",
            "SourceAccessConfigurations": [
                {"Type": "BASIC_AUTH", "URI": SECRET_ARN},
                {"Type": "VPC_SUBNET", "URI": "subnet:subnet-0123456789abcdef0"},
                {"Type": "VPC_SECURITY_GROUP", "URI": "security_group:sg-0123456789abcdef0"},
            ],
            "SelfManagedKafkaEventSourceConfig": {
                "ConsumerGroupId": "orders-consumers",
                "ConsumptionMode": "Stream",
            },
        },
    ),
    "amazon-mq": (
        {
            "function_name": "process-orders",
            "event_source_arn": MQ_ARN,
            "queues": ["orders"],
            "batch_size": 100,
            "source_access_configurations": [{"Type": "BASIC_AUTH", "URI": SECRET_ARN}],
        },
        {
            "FunctionName": "process-orders",
            "EventSourceArn": MQ_ARN,
            "Queues": ["orders"],
            "BatchSize": 100,
            "SourceAccessConfigurations": [{"Type": "BASIC_AUTH", "URI": SECRET_ARN}],
        },
    ),
    "documentdb": (
        {
            "function_name": "process-orders",
            "event_source_arn": DOCDB_ARN,
            "starting_position": "LATEST",
            "document_db_event_source_config": lambda_es.DocumentDBEventSourceConfig(
                database_name="shop", collection_name="orders", full_document="UpdateLookup"
            ),
        },
        {
            "FunctionName": "process-orders",
            "EventSourceArn": DOCDB_ARN,
            "StartingPosition": "LATEST",
            "DocumentDBEventSourceConfig": {
                "DatabaseName": "shop",
                "CollectionName": "orders",
                "FullDocument": "UpdateLookup",
            },
        },
    ),
}


@pytest.mark.parametrize(("kwargs", "params"), list(CREATE_CASES.values()), ids=list(CREATE_CASES))
async def test_create_event_source_mapping_matches_botocore(
    fake: FakeLambda,
    client: lambda_es.AsyncClient,
    current_botocore: Botocore,
    kwargs: dict[str, Any],
    params: dict[str, Any],
) -> None:
    """CreateEventSourceMapping: POST /2015-03-31/event-source-mappings with botocore's JSON body.

    Nested settings given as lambda_es models or as AWS-named dicts encode
    alike, and falsy values (False, 0, -1) are sent, not dropped.
    """
    since = len(fake.requests)

    created = await client.create_event_source_mapping(**kwargs)

    assert created.state == "Creating"
    [sent] = sent_by_lambda_es(fake, since)
    expected = current_botocore.request("create_event_source_mapping", params, status=202)
    assert sent == expected
    assert sent.method == "POST"
    assert sent.json_content_type


async def test_create_sends_a_fractional_starting_timestamp_as_botocore_does(
    fake: FakeLambda, client: lambda_es.AsyncClient, current_botocore: Botocore
) -> None:
    """A starting timestamp with microseconds travels with them, as botocore sends it."""
    when = dt.datetime(2024, 5, 7, 0, 8, 9, 123_456, tzinfo=dt.timezone.utc)
    since = len(fake.requests)

    await client.create_event_source_mapping(
        function_name="process-orders",
        event_source_arn=KINESIS_ARN,
        starting_position="AT_TIMESTAMP",
        starting_position_timestamp=when,
    )

    [sent] = sent_by_lambda_es(fake, since)
    expected = current_botocore.request(
        "create_event_source_mapping",
        {
            "FunctionName": "process-orders",
            "EventSourceArn": KINESIS_ARN,
            "StartingPosition": "AT_TIMESTAMP",
            "StartingPositionTimestamp": when,
        },
        status=202,
    )
    assert expected.body["StartingPositionTimestamp"] == 1_715_040_489.123456
    assert sent == expected


async def _settled_mapping(client: lambda_es.AsyncClient, source: str = KINESIS_ARN) -> str:
    # With settle_after=0 one read ends Creating; update and delete refuse a busy mapping.
    created = await client.create_event_source_mapping(
        function_name="process-orders", event_source_arn=source, starting_position="LATEST"
    )
    assert created.uuid is not None
    assert (await client.get_event_source_mapping(created.uuid)).state == "Enabled"
    return created.uuid


async def test_get_event_source_mapping_matches_botocore(
    settled: FakeLambda, client: lambda_es.AsyncClient, current_botocore: Botocore
) -> None:
    """GetEventSourceMapping: GET /2015-03-31/event-source-mappings/{UUID}, no body."""
    uuid = await _settled_mapping(client)
    since = len(settled.requests)

    found = await client.get_event_source_mapping(uuid)

    assert found.uuid == uuid
    [sent] = sent_by_lambda_es(settled, since)
    assert sent == current_botocore.request("get_event_source_mapping", {"UUID": uuid})
    assert sent.body is None
    assert not sent.json_content_type


@pytest.mark.parametrize(
    ("method", "operation", "status"),
    [
        ("get_event_source_mapping", "get_event_source_mapping", 200),
        ("update_event_source_mapping", "update_event_source_mapping", 202),
        ("delete_event_source_mapping", "delete_event_source_mapping", 202),
    ],
)
async def test_an_unusual_uuid_is_encoded_like_botocore(
    fake: FakeLambda,
    client: lambda_es.AsyncClient,
    current_botocore: Botocore,
    method: str,
    operation: str,
    status: int,
) -> None:
    """A 36-character UUID full of reserved characters is one encoded path segment, as botocore's.

    FakeLambda answers ResourceNotFoundException: it routed the request to
    the mapping handler, so the encoded '/' and '?' did not split the path.
    """
    assert len(UNUSUAL_UUID) == 36
    since = len(fake.requests)

    with pytest.raises(lambda_es.ResourceNotFoundError):
        await getattr(client, method)(UNUSUAL_UUID)

    [sent] = sent_by_lambda_es(fake, since)
    assert sent == current_botocore.request(operation, {"UUID": UNUSUAL_UUID}, status=status)
    assert sent.path.startswith("/2015-03-31/event-source-mappings/a%20b%2Fc%3Fd%25e%2Bf")


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"event_source_arn": SQS_ARN},
        {"function_name": FUNCTION_ARN + ":live", "max_items": 1},
        {"event_source_arn": KINESIS_ARN, "function_name": "process-orders", "max_items": 10_000},
        {"marker": "offset-0", "max_items": 2},
    ],
    ids=["no-filters", "source", "qualified-arn-and-size", "everything", "marker"],
)
async def test_list_event_source_mappings_matches_botocore(
    fake: FakeLambda,
    client: lambda_es.AsyncClient,
    current_botocore: Botocore,
    kwargs: dict[str, Any],
) -> None:
    """ListEventSourceMappings: GET /2015-03-31/event-source-mappings with botocore's query."""
    since = len(fake.requests)

    await client.list_event_source_mappings(**kwargs)

    [sent] = sent_by_lambda_es(fake, since)
    params = {LIST_NAMES[name]: value for name, value in kwargs.items()}
    assert sent == current_botocore.request("list_event_source_mappings", params)
    assert sent.body is None


async def test_list_event_source_mappings_encodes_an_unusual_marker_like_botocore(
    fake: FakeLambda, client: lambda_es.AsyncClient, current_botocore: Botocore
) -> None:
    """A marker with reserved and non-ASCII characters arrives as botocore would send it.

    FakeLambda refuses a marker it did not make with InvalidParameterValueException,
    which it can only do after the signature checked out.
    """
    since = len(fake.requests)

    with pytest.raises(lambda_es.InvalidParameterValueError, match="Invalid Marker"):
        await client.list_event_source_mappings(
            marker=UNUSUAL_MARKER, function_name="process-orders"
        )

    [sent] = sent_by_lambda_es(fake, since)
    expected = current_botocore.request(
        "list_event_source_mappings", {"Marker": UNUSUAL_MARKER, "FunctionName": "process-orders"}
    )
    assert sent == expected
    assert ("Marker", UNUSUAL_MARKER) in sent.query


async def test_iter_event_source_mappings_pages_match_botocore(
    fake: FakeLambda, client: lambda_es.AsyncClient, current_botocore: Botocore
) -> None:
    """iter_event_source_mappings sends, page after page, botocore's ListEventSourceMappings."""
    for index in range(5):
        await client.create_event_source_mapping(
            function_name="process-orders", event_source_arn=f"{SQS_ARN}-{index}"
        )
    since = len(fake.requests)

    seen = [
        str(m.uuid)
        async for m in client.iter_event_source_mappings(
            function_name="process-orders", page_size=2
        )
    ]

    assert sorted(seen) == sorted(fake.mappings)
    sent = sent_by_lambda_es(fake, since)
    markers = [dict(request.query).get("Marker") for request in sent]
    assert markers == [None, "offset-2", "offset-4"]
    for request, marker in zip(sent, markers, strict=True):
        params: dict[str, Any] = {"FunctionName": "process-orders", "MaxItems": 2}
        if marker is not None:
            params["Marker"] = marker
        assert request == current_botocore.request("list_event_source_mappings", params)


#: (lambda_es keywords, botocore parameters without UUID) for UpdateEventSourceMapping.
UPDATE_CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "nothing": ({}, {}),
    "stream-settings-falsy": (
        {
            "function_name": "process-orders-v2",
            "enabled": False,
            "batch_size": 1,
            "maximum_batching_window_in_seconds": 0,
            "parallelization_factor": 10,
            "destination_config": {"OnFailure": {"Destination": DLQ_ARN}},
            "maximum_record_age_in_seconds": -1,
            "bisect_batch_on_function_error": False,
            "maximum_retry_attempts": 0,
            "tumbling_window_in_seconds": 0,
            "function_response_types": [],
            "filter_criteria": {"Filters": []},
        },
        {
            "FunctionName": "process-orders-v2",
            "Enabled": False,
            "BatchSize": 1,
            "MaximumBatchingWindowInSeconds": 0,
            "ParallelizationFactor": 10,
            "DestinationConfig": {"OnFailure": {"Destination": DLQ_ARN}},
            "MaximumRecordAgeInSeconds": -1,
            "BisectBatchOnFunctionError": False,
            "MaximumRetryAttempts": 0,
            "TumblingWindowInSeconds": 0,
            "FunctionResponseTypes": [],
            "FilterCriteria": {"Filters": []},
        },
    ),
    "queue-settings": (
        {
            "function_name": FUNCTION_ARN,
            "enabled": True,
            "batch_size": 10_000,
            "maximum_batching_window_in_seconds": 300,
            "scaling_config": {"MaximumConcurrency": 1000},
            "metrics_config": lambda_es.MetricsConfig(metrics=("EventCount",)),
            "logging_config": lambda_es.LoggingConfig(system_log_level="DEBUG"),
            "kms_key_arn": KMS_ARN,
            "destination_config": lambda_es.DestinationConfig(
                on_success=lambda_es.OnSuccess(destination=SNS_ARN),
                on_failure=lambda_es.OnFailure(destination=DLQ_ARN),
            ),
        },
        {
            "FunctionName": FUNCTION_ARN,
            "Enabled": True,
            "BatchSize": 10_000,
            "MaximumBatchingWindowInSeconds": 300,
            "ScalingConfig": {"MaximumConcurrency": 1000},
            "MetricsConfig": {"Metrics": ["EventCount"]},
            "LoggingConfig": {"SystemLogLevel": "DEBUG"},
            "KMSKeyArn": KMS_ARN,
            "DestinationConfig": {
                "OnSuccess": {"Destination": SNS_ARN},
                "OnFailure": {"Destination": DLQ_ARN},
            },
        },
    ),
    "kafka-settings": (
        {
            "source_access_configurations": [
                {"Type": "SASL_SCRAM_512_AUTH", "URI": SECRET_ARN},
            ],
            "amazon_managed_kafka_event_source_config": {"ConsumerGroupId": "orders-2"},
            "self_managed_kafka_event_source_config": {"ConsumptionMode": "Queue"},
            "provisioned_poller_config": {
                "MinimumPollers": 2,
                "MaximumPollers": 200,
                "PollerGroupName": "orders-pollers",
            },
            "document_db_event_source_config": {"FullDocument": "Default"},
        },
        {
            "SourceAccessConfigurations": [{"Type": "SASL_SCRAM_512_AUTH", "URI": SECRET_ARN}],
            "AmazonManagedKafkaEventSourceConfig": {"ConsumerGroupId": "orders-2"},
            "SelfManagedKafkaEventSourceConfig": {"ConsumptionMode": "Queue"},
            "ProvisionedPollerConfig": {
                "MinimumPollers": 2,
                "MaximumPollers": 200,
                "PollerGroupName": "orders-pollers",
            },
            "DocumentDBEventSourceConfig": {"FullDocument": "Default"},
        },
    ),
}


@pytest.mark.parametrize(("kwargs", "params"), list(UPDATE_CASES.values()), ids=list(UPDATE_CASES))
async def test_update_event_source_mapping_matches_botocore(
    settled: FakeLambda,
    client: lambda_es.AsyncClient,
    current_botocore: Botocore,
    kwargs: dict[str, Any],
    params: dict[str, Any],
) -> None:
    """UpdateEventSourceMapping: PUT …/{UUID} with botocore's body, ``{}`` when nothing changes."""
    uuid = await _settled_mapping(client)
    since = len(settled.requests)

    await client.update_event_source_mapping(uuid, **kwargs)

    [sent] = sent_by_lambda_es(settled, since)
    expected = current_botocore.request(
        "update_event_source_mapping", {"UUID": uuid, **params}, status=202
    )
    assert sent == expected
    assert sent.method == "PUT"
    assert sent.json_content_type
    assert isinstance(sent.body, dict)


async def test_delete_event_source_mapping_matches_botocore(
    settled: FakeLambda, client: lambda_es.AsyncClient, current_botocore: Botocore
) -> None:
    """DeleteEventSourceMapping: DELETE …/{UUID} with no body, as botocore sends it."""
    uuid = await _settled_mapping(client)
    since = len(settled.requests)

    deleted = await client.delete_event_source_mapping(uuid)

    assert deleted.state == "Deleting"
    [sent] = sent_by_lambda_es(settled, since)
    expected = current_botocore.request("delete_event_source_mapping", {"UUID": uuid}, status=202)
    assert sent == expected
    assert sent.method == "DELETE"
    assert sent.body is None
