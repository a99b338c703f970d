"""The current (2015-03-31) API against moto's server, compared with boto3 on the same server.

moto is a second Lambda implementation that nobody here wrote. Every test
makes or changes mappings through lambda_es and reads them back through boto3
(or the other way round) and requires the two views to be equal member by
member: lambda_es's ``to_dict()`` and boto3's parsed response, timestamps
compared as instants.

moto is not AWS. Where it differs, the tests assert what moto does, and say
what AWS does instead, rather than skip the case:

- create answers 201 (AWS: 202) with the mapping already ``Enabled`` or
  ``Disabled`` (AWS: ``Creating``); updates take effect at once (AWS:
  ``Updating``/``Enabling``/``Disabling`` first);
- a second mapping of the same source and function is created (AWS: 409
  ResourceConflictException naming the existing UUID), so
  ``ensure_event_source_mapping``'s conflict path cannot be exercised here;
- lists ignore ``MaxItems`` and ``Marker`` and never return ``NextMarker``;
- the ``FunctionName`` filter matches only the exact string the mapping was
  created with (AWS: a name, ARN or partial ARN of the function);
- a deleted mapping is gone at once (AWS: ``Deleting`` for a while);
- update and delete of an unknown UUID answer 200 ``{}`` (AWS: 404
  ResourceNotFoundException);
- ``StateTransitionReason`` is ``"User initiated"`` (AWS: ``"USER_INITIATED"``),
  ``LastProcessingResult`` is absent until records flow, and
  ``StartingPositionTimestamp`` is never returned (AWS returns it).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import botocore.exceptions
import pytest

import lambda_es

from ._moto_world import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, MotoWorld, moto_world

pytestmark = pytest.mark.moto

FILTER_PATTERN = json.dumps({"data": {"kind": ["order"]}})
DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:orders-dlq"
_TIMESTAMP_MEMBERS = frozenset({"LastModified", "StartingPositionTimestamp"})


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoWorld]:
    """moto's server on 127.0.0.1 with a role, two functions, a stream and a queue.

    Module-scoped fixtures run before conftest's per-test environment
    cleaning, so the developer's AWS files are hidden here too.
    """
    empty = tmp_path_factory.mktemp("no-aws-config")
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ENDPOINT_URL"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_CONFIG_FILE", str(empty / "config"))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty / "credentials"))
        with moto_world() as running:
            yield running


@pytest.fixture(autouse=True)
def _no_mappings_left(world: MotoWorld) -> Iterator[None]:
    """Each test starts with no mappings and removes those it made."""
    assert world.lambda_client.list_event_source_mappings()["EventSourceMappings"] == []
    yield
    for mapping in world.lambda_client.list_event_source_mappings()["EventSourceMappings"]:
        world.lambda_client.delete_event_source_mapping(UUID=mapping["UUID"])


@pytest.fixture
async def moto_client(world: MotoWorld) -> AsyncIterator[lambda_es.AsyncClient]:
    """A lambda_es AsyncClient pointed at moto's server."""
    async with lambda_es.AsyncClient(
        endpoint_url=world.endpoint_url,
        region=REGION,
        credentials=lambda_es.Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY),
    ) as client:
        yield client


def _instants(value: Any) -> Any:
    # boto3 gives datetimes in the local zone, lambda_es's to_dict ISO-8601 in
    # UTC: compare the instants.
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {key: _instants(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_instants(item) for item in value]
    return value


def view_of_ours(mapping: lambda_es.EventSourceMapping) -> dict[str, Any]:
    """lambda_es's mapping as AWS-named data, timestamps as epoch seconds."""
    data = mapping.to_dict()
    for name in _TIMESTAMP_MEMBERS & set(data):
        data[name] = dt.datetime.fromisoformat(data[name])
    result: dict[str, Any] = _instants(data)
    return result


def view_of_boto3(response: dict[str, Any]) -> dict[str, Any]:
    """boto3's parsed mapping, without its ResponseMetadata, timestamps as epoch seconds."""
    result: dict[str, Any] = _instants(
        {key: value for key, value in response.items() if key != "ResponseMetadata"}
    )
    return result


def boto3_get(world: MotoWorld, uuid: str | None) -> dict[str, Any]:
    """GetEventSourceMapping through boto3, as comparable data."""
    return view_of_boto3(world.lambda_client.get_event_source_mapping(UUID=uuid))


def boto3_uuids(world: MotoWorld, **params: str) -> list[str]:
    """The UUIDs boto3's ListEventSourceMappings returns, in order."""
    page = world.lambda_client.list_event_source_mappings(**params)
    return [mapping["UUID"] for mapping in page["EventSourceMappings"]]


async def test_a_stream_mapping_made_by_lambda_es_reads_the_same_through_boto3(
    world: MotoWorld, moto_client: lambda_es.AsyncClient
) -> None:
    """Create with many settings through lambda_es; lambda_es and boto3 then see the same mapping."""
    created = await moto_client.create_event_source_mapping(
        function_name=world.function_name,
        event_source_arn=world.stream_arn,
        batch_size=250,
        starting_position="AT_TIMESTAMP",
        starting_position_timestamp=dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone.utc),
        maximum_batching_window_in_seconds=5,
        parallelization_factor=2,
        filter_criteria={"Filters": [{"Pattern": FILTER_PATTERN}]},
        destination_config=lambda_es.DestinationConfig(
            on_failure=lambda_es.OnFailure(destination=DLQ_ARN)
        ),
        maximum_record_age_in_seconds=3600,
        bisect_batch_on_function_error=True,
        maximum_retry_attempts=2,
        tumbling_window_in_seconds=30,
        function_response_types=["ReportBatchItemFailures"],
        tags={"team": "orders"},
    )

    assert created.uuid is not None
    from_boto3 = boto3_get(world, created.uuid)
    assert view_of_ours(created) == from_boto3
    assert view_of_ours(await moto_client.get_event_source_mapping(created.uuid)) == from_boto3
    assert created.function_arn == world.function_arn
    assert created.event_source_arn == world.stream_arn
    assert created.batch_size == 250
    assert created.starting_position == "AT_TIMESTAMP"
    # moto stores StartingPositionTimestamp but leaves it out of every answer
    # (boto3 sees no value either); AWS returns it.
    assert created.starting_position_timestamp is None
    assert "StartingPositionTimestamp" not in from_boto3
    assert created.filter_criteria == lambda_es.FilterCriteria(
        filters=(lambda_es.Filter(pattern=FILTER_PATTERN),)
    )
    assert created.destination_config == lambda_es.DestinationConfig(
        on_failure=lambda_es.OnFailure(destination=DLQ_ARN)
    )
    assert created.function_response_types == ("ReportBatchItemFailures",)
    assert created.event_source_mapping_arn == (
        f"arn:aws:lambda:{REGION}:123456789012:event-source-mapping:{created.uuid}"
    )
    assert created.last_modified is not None
    assert created.last_modified.tzinfo is not None
    # moto: settled at once, in its own words. AWS: State "Creating",
    # StateTransitionReason "USER_INITIATED", LastProcessingResult "No records processed".
    assert created.state == "Enabled"
    assert created.state_transition_reason == "User initiated"
    assert created.last_processing_result is None


async def test_a_queue_mapping_made_by_boto3_reads_the_same_through_lambda_es(
    world: MotoWorld, moto_client: lambda_es.AsyncClient
) -> None:
    """A disabled SQS mapping made by boto3 decodes in lambda_es to what boto3 reads."""
    response = world.lambda_client.create_event_source_mapping(
        FunctionName=world.function_arn,
        EventSourceArn=world.queue_arn,
        Enabled=False,
        BatchSize=5,
        MaximumBatchingWindowInSeconds=10,
        ScalingConfig={"MaximumConcurrency": 3},
        FunctionResponseTypes=["ReportBatchItemFailures"],
    )
    # moto answers 201 Created; AWS answers 202 Accepted. lambda_es takes any 2xx.
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 201

    found = await moto_client.get_event_source_mapping(response["UUID"])

    assert view_of_ours(found) == view_of_boto3(response)
    assert view_of_ours(found) == boto3_get(world, response["UUID"])
    assert found.state == "Disabled"  # AWS: "Creating" first
    assert found.scaling_config == lambda_es.ScalingConfig(maximum_concurrency=3)
    assert found.batch_size == 5
    assert found.starting_position is None  # queues have no position, on AWS as on moto


async def test_sqs_defaults_agree(world: MotoWorld, moto_client: lambda_es.AsyncClient) -> None:
    """With no settings, moto fills in SQS's default batch size of 10, as AWS does."""
    created = await moto_client.create_event_source_mapping(
        function_name=world.function_name, event_source_arn=world.queue_arn
    )

    assert created.batch_size == 10
    assert view_of_ours(created) == boto3_get(world, created.uuid)


async def test_an_unknown_mapping_is_resource_not_found_for_both(
    world: MotoWorld, moto_client: lambda_es.AsyncClient
) -> None:
    """GetEventSourceMapping of an unknown UUID: 404 ResourceNotFoundException, as on AWS."""
    unknown = "00000000-0000-4000-8000-000000000000"

    with pytest.raises(lambda_es.ResourceNotFoundError) as raised:
        await moto_client.get_event_source_mapping(unknown)

    assert raised.value.status == 404
    with pytest.raises(botocore.exceptions.ClientError) as boto3_raised:
        world.lambda_client.get_event_source_mapping(UUID=unknown)
    assert boto3_raised.value.response["Error"]["Code"] == raised.value.code


async def test_an_unknown_function_is_resource_not_found_for_both(
    world: MotoWorld, moto_client: lambda_es.AsyncClient
) -> None:
    """Creating a mapping for a function that does not exist: ResourceNotFoundException."""
    with pytest.raises(lambda_es.ResourceNotFoundError) as raised:
        await moto_client.create_event_source_mapping(
            function_name="no-such-function", event_source_arn=world.queue_arn
        )

    with pytest.raises(botocore.exceptions.ClientError) as boto3_raised:
        world.lambda_client.create_event_source_mapping(
            FunctionName="no-such-function", EventSourceArn=world.queue_arn
        )
    assert boto3_raised.value.response["Error"]["Code"] == raised.value.code
    assert boto3_raised.value.response["Error"]["Message"] == raised.value.message


async def test_a_duplicate_create_is_not_a_conflict_on_moto(
    world: MotoWorld, moto_client: lambda_es.AsyncClient
) -> None:
    """moto makes a second mapping of the same source and function.

    AWS answers 409 ResourceConflictException with the existing UUID in the
    message, which ensure_event_source_mapping relies on; moto cannot test that.
    """
    first = await moto_client.create_event_source_mapping(
        function_name=world.function_name, event_source_arn=world.queue_arn
    )
    second = await moto_client.create_event_source_mapping(
        function_name=world.function_name, event_source_arn=world.queue_arn
    )

    assert first.uuid != second.uuid
    assert sorted(boto3_uuids(world, EventSourceArn=world.queue_arn)) == sorted(
        [str(first.uuid), str(second.uuid)]
    )


async def test_list_filters_agree_with_boto3(
    world: MotoWorld, moto_client: lambda_es.AsyncClient
) -> None:
    """list_event_source_mappings returns, filter by filter, what boto3 lists, member by member."""
    stream_first = await moto_client.create_event_source_mapping(
        function_name=world.function_name,
        event_source_arn=world.stream_arn,
        starting_position="LATEST",
    )
    queue_first = await moto_client.create_event_source_mapping(
        function_name=world.function_name, event_source_arn=world.queue_arn
    )
    stream_other = await moto_client.create_event_source_mapping(
        function_name=world.other_function_name,
        event_source_arn=world.stream_arn,
        starting_position="TRIM_HORIZON",
    )
    filters: list[tuple[dict[str, Any], dict[str, str], set[str | None]]] = [
        ({}, {}, {stream_first.uuid, queue_first.uuid, stream_other.uuid}),
        (
            {"event_source_arn": world.stream_arn},
            {"EventSourceArn": world.stream_arn},
            {stream_first.uuid, stream_other.uuid},
        ),
        (
            {"function_name": world.function_name},
            {"FunctionName": world.function_name},
            {stream_first.uuid, queue_first.uuid},
        ),
        (
            {"event_source_arn": world.stream_arn, "function_name": world.other_function_name},
            {"EventSourceArn": world.stream_arn, "FunctionName": world.other_function_name},
            {stream_other.uuid},
        ),
    ]

    for ours_kwargs, boto3_params, expected in filters:
        page = await moto_client.list_event_source_mappings(**ours_kwargs)
        theirs = world.lambda_client.list_event_source_mappings(**boto3_params)
        assert {m.uuid for m in page.event_source_mappings} == expected, ours_kwargs
        assert [view_of_ours(m) for m in page.event_source_mappings] == [
            view_of_boto3(m) for m in theirs["EventSourceMappings"]
        ]
        assert page.next_marker is None
        assert "NextMarker" not in theirs


async def test_the_function_filter_matches_only_the_name_as_created_on_moto(
    world: MotoWorld, moto_client: lambda_es.AsyncClient
) -> None:
    """moto's FunctionName filter compares the string given at create; ARN and name do not meet.

    AWS matches a mapping whatever form of the function's name the filter
    uses. lambda_es sends the filter unchanged, and sees what boto3 sees.
    """
    by_name = await moto_client.create_event_source_mapping(
        function_name=world.function_name, event_source_arn=world.queue_arn
    )

    page = await moto_client.list_event_source_mappings(function_name=world.function_arn)

    assert page.event_source_mappings == ()
    assert boto3_uuids(world, FunctionName=world.function_arn) == []
    listed = await moto_client.list_event_source_mappings(function_name=world.function_name)
    assert [m.uuid for m in listed.event_source_mappings] == [by_name.uuid]


async def test_moto_does_not_page_and_iteration_still_sees_everything(
    world: MotoWorld, moto_client: lambda_es.AsyncClient
) -> None:
    """moto ignores MaxItems: one page, no NextMarker; the iterator yields every mapping once.

    AWS returns at most MaxItems mappings and a NextMarker; the paging
    itself is compared with botocore's requests in test_wire_all_operations.
    """
    made = set()
    for _ in range(3):
        created = await moto_client.create_event_source_mapping(
            function_name=world.function_name, event_source_arn=world.queue_arn
        )
        made.add(created.uuid)

    page = await moto_client.list_event_source_mappings(max_items=1)
    iterated = [m.uuid async for m in moto_client.iter_event_source_mappings(page_size=1)]

    assert {m.uuid for m in page.event_source_mappings} == made
    assert page.next_marker is None
    assert "NextMarker" not in world.lambda_client.list_event_source_mappings(MaxItems=1)
    assert sorted(map(str, iterated)) == sorted(boto3_uuids(world))
    assert set(iterated) == made


async def test_an_update_through_lambda_es_is_what_boto3_reads(
    world: MotoWorld, moto_client: lambda_es.AsyncClient
) -> None:
    """update_event_source_mapping changes settings and the function; boto3 reads the result."""
    made = world.lambda_client.create_event_source_mapping(
        FunctionName=world.function_name,
        EventSourceArn=world.stream_arn,
        StartingPosition="LATEST",
    )

    updated = await moto_client.update_event_source_mapping(
        made["UUID"],
        function_name=world.other_function_name,
        enabled=False,
        batch_size=1000,
        maximum_retry_attempts=0,
        bisect_batch_on_function_error=False,
        maximum_record_age_in_seconds=-1,
        destination_config={"OnFailure": {"Destination": DLQ_ARN}},
        filter_criteria=lambda_es.FilterCriteria(
            filters=(lambda_es.Filter(pattern=FILTER_PATTERN),)
        ),
    )

    assert view_of_ours(updated) == boto3_get(world, made["UUID"])
    assert updated.uuid == made["UUID"]
    assert updated.function_arn == world.other_function_arn
    assert updated.batch_size == 1000
    assert updated.maximum_retry_attempts == 0
    assert updated.bisect_batch_on_function_error is False
    assert updated.maximum_record_age_in_seconds == -1
    assert updated.starting_position == "LATEST"
    # moto: disabled at once. AWS: "Disabling" now, "Disabled" later.
    assert updated.state == "Disabled"


async def test_re_enabling_through_lambda_es_is_what_boto3_reads(
    world: MotoWorld, moto_client: lambda_es.AsyncClient
) -> None:
    """enabled=True on a disabled mapping enables it (AWS passes through "Enabling")."""
    created = await moto_client.create_event_source_mapping(
        function_name=world.function_name, event_source_arn=world.queue_arn, enabled=False
    )
    assert created.uuid is not None
    assert created.state == "Disabled"

    enabled = await moto_client.update_event_source_mapping(created.uuid, enabled=True)

    assert enabled.state == "Enabled"
    assert view_of_ours(enabled) == boto3_get(world, created.uuid)


async def test_a_delete_through_lambda_es_is_final_at_once_on_moto(
    world: MotoWorld, moto_client: lambda_es.AsyncClient
) -> None:
    """delete_event_source_mapping returns the mapping as "Deleting"; moto forgets it at once.

    AWS keeps answering with State "Deleting" for a while before the
    mapping disappears (what wait_for_event_source_mapping(state="Deleted")
    polls through).
    """
    created = await moto_client.create_event_source_mapping(
        function_name=world.function_name, event_source_arn=world.queue_arn
    )
    assert created.uuid is not None
    before = boto3_get(world, created.uuid)

    deleted = await moto_client.delete_event_source_mapping(created.uuid)

    assert deleted.state == "Deleting"
    assert view_of_ours(deleted) == {**before, "State": "Deleting"}
    with pytest.raises(lambda_es.ResourceNotFoundError):
        await moto_client.get_event_source_mapping(created.uuid)
    with pytest.raises(botocore.exceptions.ClientError, match="ResourceNotFoundException"):
        world.lambda_client.get_event_source_mapping(UUID=created.uuid)
    assert boto3_uuids(world) == []


@pytest.mark.parametrize(
    "operation", ["update_event_source_mapping", "delete_event_source_mapping"]
)
async def test_changing_an_unknown_mapping_is_an_empty_success_on_moto(
    world: MotoWorld, moto_client: lambda_es.AsyncClient, operation: str
) -> None:
    """moto answers 200 ``{}`` to update/delete of an unknown UUID; both clients see an empty mapping.

    AWS answers 404 ResourceNotFoundException, which lambda_es raises as
    ResourceNotFoundError (pinned against FakeLambda). An empty 2xx body is an
    empty object by the API contract, so lambda_es returns a mapping with
    every member None rather than failing.
    """
    unknown = "00000000-0000-4000-8000-000000000000"

    ours = await getattr(moto_client, operation)(unknown)
    theirs = getattr(world.lambda_client, operation)(UUID=unknown)

    assert ours == lambda_es.EventSourceMapping()
    assert view_of_boto3(theirs) == {}
    assert theirs["ResponseMetadata"]["HTTPStatusCode"] == 200
