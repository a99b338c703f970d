"""The current (2015-03-31) mapping API end to end against FakeLambda on loopback."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import lambda_es
from lambda_es.testing import FakeLambda

from .conftest import KINESIS_ARN

QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:orders"
MISSING_UUID = "00000000-0000-0000-0000-000000000000"


async def _create(
    client: lambda_es.AsyncClient, **settings: object
) -> lambda_es.EventSourceMapping:
    mapping = await client.create_event_source_mapping(
        function_name="process-orders",
        event_source_arn=KINESIS_ARN,
        starting_position="LATEST",
        **settings,  # type: ignore[arg-type]
    )
    assert mapping.uuid is not None
    return mapping


async def test_create_sends_typed_settings_and_decodes_202(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """Typed keywords become the model's JSON members; the 202 decodes into EventSourceMapping."""
    when = dt.datetime(2024, 5, 1, 12, 0, 30, tzinfo=dt.timezone.utc)
    mapping = await client.create_event_source_mapping(
        function_name="process-orders",
        event_source_arn=KINESIS_ARN,
        enabled=True,
        batch_size=500,
        maximum_batching_window_in_seconds=5,
        parallelization_factor=2,
        starting_position="AT_TIMESTAMP",
        starting_position_timestamp=when,
        filter_criteria=lambda_es.FilterCriteria(
            filters=(lambda_es.Filter(pattern='{"data": {"kind": ["order"]}}'),)
        ),
        destination_config={"OnFailure": {"Destination": QUEUE_ARN}},
        maximum_record_age_in_seconds=3600,
        bisect_batch_on_function_error=True,
        maximum_retry_attempts=2,
        tumbling_window_in_seconds=60,
        function_response_types=["ReportBatchItemFailures"],
        tags={"team": "orders"},
    )
    request = fake.requests[-1]
    assert (request.method, request.raw_path) == ("POST", "/2015-03-31/event-source-mappings")
    assert json.loads(request.body) == {
        "FunctionName": "process-orders",
        "EventSourceArn": KINESIS_ARN,
        "Enabled": True,
        "BatchSize": 500,
        "MaximumBatchingWindowInSeconds": 5,
        "ParallelizationFactor": 2,
        "StartingPosition": "AT_TIMESTAMP",
        "StartingPositionTimestamp": 1714564830,
        "FilterCriteria": {"Filters": [{"Pattern": '{"data": {"kind": ["order"]}}'}]},
        "DestinationConfig": {"OnFailure": {"Destination": QUEUE_ARN}},
        "MaximumRecordAgeInSeconds": 3600,
        "BisectBatchOnFunctionError": True,
        "MaximumRetryAttempts": 2,
        "TumblingWindowInSeconds": 60,
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "Tags": {"team": "orders"},
    }
    assert mapping.state == "Creating"
    assert mapping.batch_size == 500
    assert mapping.function_arn == "arn:aws:lambda:us-east-1:123456789012:function:process-orders"
    assert mapping.starting_position_timestamp == when
    assert mapping.filter_criteria == lambda_es.FilterCriteria(
        filters=(lambda_es.Filter(pattern='{"data": {"kind": ["order"]}}'),)
    )
    assert mapping.destination_config == lambda_es.DestinationConfig(
        on_failure=lambda_es.OnFailure(destination=QUEUE_ARN)
    )
    assert mapping.function_response_types == ("ReportBatchItemFailures",)
    assert isinstance(mapping.last_modified, dt.datetime)
    assert mapping.last_modified.tzinfo is dt.timezone.utc
    assert mapping.to_dict()["UUID"] == mapping.uuid


async def test_get_list_update_delete(client: lambda_es.AsyncClient, fake: FakeLambda) -> None:
    """Each operation uses its documented method and path and returns the mapping."""
    created = await _create(client, batch_size=10)
    uuid = created.uuid
    assert uuid is not None
    got = await client.get_event_source_mapping(uuid)
    assert got.uuid == uuid
    assert fake.requests[-1].raw_path == f"/2015-03-31/event-source-mappings/{uuid}"

    page = await client.list_event_source_mappings(event_source_arn=KINESIS_ARN)
    assert [m.uuid for m in page.event_source_mappings] == [uuid]
    assert fake.requests[-1].query == {"EventSourceArn": KINESIS_ARN}

    fake.settle_after = 0
    await client.get_event_source_mapping(uuid)  # let Creating settle
    updated = await client.update_event_source_mapping(uuid, batch_size=20, enabled=False)
    assert (fake.requests[-1].method, json.loads(fake.requests[-1].body)) == (
        "PUT",
        {"BatchSize": 20, "Enabled": False},
    )
    assert updated.batch_size == 20
    assert updated.state == "Disabling"

    await client.get_event_source_mapping(uuid)
    deleted = await client.delete_event_source_mapping(uuid)
    assert fake.requests[-1].method == "DELETE"
    assert deleted.state == "Deleting"
    with pytest.raises(lambda_es.ResourceNotFoundError):
        await client.get_event_source_mapping(uuid)


async def test_list_filters_by_function_and_pages(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """FunctionName filters; MaxItems/Marker page; iter_* walks every page."""
    uuids = set()
    for i in range(5):
        mapping = await client.create_event_source_mapping(
            function_name="f" if i < 4 else "g",
            event_source_arn=f"arn:aws:sqs:us-east-1:123456789012:q{i}",
        )
        uuids.add(mapping.uuid)
    first = await client.list_event_source_mappings(function_name="f", max_items=3)
    assert len(first.event_source_mappings) == 3
    assert first.next_marker is not None
    assert fake.requests[-1].query == {"FunctionName": "f", "MaxItems": "3"}
    before = len(fake.requests)
    every = [m.uuid async for m in client.iter_event_source_mappings(page_size=2)]
    assert set(every) == uuids
    assert len(every) == 5
    assert len(fake.requests) - before == 3


async def test_update_refuses_create_only_settings(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """starting_position and friends are create-only: refused before sending."""
    with pytest.raises(
        lambda_es.ParamValidationError, match="only be set when the mapping is created"
    ):
        await client.update_event_source_mapping(MISSING_UUID, starting_position="LATEST")  # type: ignore[call-arg]
    assert fake.requests == []


async def test_update_while_creating_is_resource_in_use(client: lambda_es.AsyncClient) -> None:
    """Changing a mapping that is still Creating raises ResourceInUseError (HTTP 400)."""
    created = await _create(client)
    assert created.uuid is not None
    with pytest.raises(lambda_es.ResourceInUseError) as caught:
        await client.update_event_source_mapping(created.uuid, batch_size=5)
    assert caught.value.status == 400


async def test_duplicate_create_is_a_conflict_naming_the_uuid(
    client: lambda_es.AsyncClient,
) -> None:
    """A second mapping of the same source and function is a 409 naming the first's UUID."""
    created = await _create(client)
    with pytest.raises(lambda_es.ResourceConflictError) as caught:
        await _create(client)
    assert caught.value.status == 409
    assert created.uuid is not None
    assert created.uuid in caught.value.message


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"function_name": ""}, "function_name"),
        ({"function_name": "x" * 257}, "function_name"),
        ({"function_name": "bad name!"}, "function_name"),
        ({"event_source_arn": "not-an-arn"}, "event_source_arn"),
        ({"batch_size": 0}, "batch_size"),
        ({"batch_size": 10_001}, "batch_size"),
        ({"batch_size": True}, "batch_size"),
        ({"enabled": "yes"}, "enabled"),
        ({"maximum_batching_window_in_seconds": 301}, "maximum_batching_window_in_seconds"),
        ({"parallelization_factor": 11}, "parallelization_factor"),
        ({"maximum_record_age_in_seconds": -2}, "maximum_record_age_in_seconds"),
        ({"maximum_retry_attempts": 10_001}, "maximum_retry_attempts"),
        ({"tumbling_window_in_seconds": 901}, "tumbling_window_in_seconds"),
        ({"starting_position": "EARLIEST"}, "starting_position"),
        ({"starting_position_timestamp": dt.datetime(2024, 1, 1)}, "starting_position_timestamp"),
        ({"function_response_types": ["Other"]}, "function_response_types[0]"),
        ({"function_response_types": "ReportBatchItemFailures"}, "function_response_types"),
        ({"scaling_config": {"MaximumConcurrency": 1}}, "scaling_config.MaximumConcurrency"),
        ({"scaling_config": {"MaxConcurrency": 5}}, "scaling_config"),
        ({"filter_criteria": {"Filters": [{"Pattern": 5}]}}, "filter_criteria"),
        ({"topics": ["a", "b"]}, "topics"),
        ({"queues": []}, "queues"),
        ({"tags": {"": "v"}}, "tags key"),
        (
            {"source_access_configurations": [{"Type": "NOPE"}]},
            "source_access_configurations[0].Type",
        ),
        ({"logging_config": {"SystemLogLevel": "TRACE"}}, "logging_config.SystemLogLevel"),
        ({"no_such_setting": 1}, "no_such_setting"),
    ],
)
async def test_settings_are_checked_before_sending(
    client: lambda_es.AsyncClient, fake: FakeLambda, kwargs: dict[str, object], param: str
) -> None:
    """Each model rule raises ParamValidationError naming the parameter; nothing is sent."""
    arguments: dict[str, object] = {"function_name": "f", "event_source_arn": KINESIS_ARN}
    arguments.update(kwargs)
    with pytest.raises(lambda_es.ParamValidationError) as caught:
        await client.create_event_source_mapping(**arguments)  # type: ignore[arg-type]
    assert caught.value.param == param
    assert fake.requests == []


@pytest.mark.parametrize("uuid", ["", "short", "x" * 37, 7])
async def test_uuid_must_have_36_characters(
    client: lambda_es.AsyncClient, fake: FakeLambda, uuid: object
) -> None:
    """The current API's UUIDString is exactly 36 characters; others are refused locally."""
    with pytest.raises(lambda_es.ParamValidationError):
        await client.get_event_source_mapping(uuid)  # type: ignore[arg-type]
    assert fake.requests == []


async def test_models_accept_a_dict_or_a_model_alike(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """A nested setting given as a model or as a boto3-style dict sends the same JSON."""
    await client.create_event_source_mapping(
        function_name="f",
        event_source_arn=QUEUE_ARN,
        scaling_config=lambda_es.ScalingConfig(maximum_concurrency=5),
    )
    await client.create_event_source_mapping(
        function_name="g", event_source_arn=QUEUE_ARN, scaling_config={"MaximumConcurrency": 5}
    )
    first, second = (json.loads(r.body)["ScalingConfig"] for r in fake.requests)
    assert first == second == {"MaximumConcurrency": 5}


@pytest.mark.parametrize(
    ("endpoints", "param"),
    [
        ({"KAFKA_BOOTSTRAP_SERVERS": "b1:9092"}, "self_managed_event_source"),
        ({"NOT_A_KEY": ["b1:9092"]}, "self_managed_event_source.Endpoints key"),
        (
            {"KAFKA_BOOTSTRAP_SERVERS": []},
            "self_managed_event_source.Endpoints['KAFKA_BOOTSTRAP_SERVERS']",
        ),
        (
            {"KAFKA_BOOTSTRAP_SERVERS": ["no-port"]},
            "self_managed_event_source.Endpoints['KAFKA_BOOTSTRAP_SERVERS'][0]",
        ),
        ({}, "self_managed_event_source.Endpoints"),
    ],
)
async def test_kafka_endpoints_follow_the_model(
    client: lambda_es.AsyncClient, fake: FakeLambda, endpoints: object, param: str
) -> None:
    """Kafka bootstrap servers: a known key, 1 to 10 host:port strings, and a list, not a str."""
    with pytest.raises(lambda_es.ParamValidationError) as caught:
        await client.create_event_source_mapping(
            function_name="f",
            topics=["orders"],
            starting_position="LATEST",
            self_managed_event_source={"Endpoints": endpoints},
        )
    assert caught.value.param == param
    assert fake.requests == []


async def test_a_string_where_a_list_belongs_is_refused(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """A str is never taken for a list of its characters."""
    with pytest.raises(lambda_es.ParamValidationError, match=r"expected tuple\[.*Filter"):
        await client.create_event_source_mapping(
            function_name="f", event_source_arn=QUEUE_ARN, filter_criteria={"Filters": "x"}
        )
    assert fake.requests == []
