"""lambda_es._ensure: its decisions alone, and ensure_event_source_mapping against FakeLambda."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest

import lambda_es
from lambda_es import DestinationConfig, OnFailure
from lambda_es._clock import installed
from lambda_es._ensure import (
    changed_settings,
    is_mapping_uuid,
    unchangeable_differences,
    uuid_from_conflict,
)
from lambda_es._service_model import EventSourceMapping
from lambda_es._settings import encode_settings
from lambda_es.testing import FakeLambda

from ._clock import FakeClock
from ._clocked import clock_fixture, clocked_client_fixture  # noqa: F401 (fixtures)
from .conftest import CREDENTIALS, KINESIS_ARN


def _methods(fake: FakeLambda, since: int = 0) -> list[str]:
    return [f"{r.method} {r.path.rsplit('/', 1)[-1] or 'mappings'}" for r in fake.requests[since:]]


async def _settled(client: lambda_es.AsyncClient, uuid: str | None) -> None:
    assert uuid is not None
    await client.wait_for_event_source_mapping(uuid)


UUID = "a1b2c3d4-0000-4000-8000-00000000abcd"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:dlq"


def _existing(**members: Any) -> EventSourceMapping:
    return attrs.evolve(EventSourceMapping(uuid=UUID, state="Enabled"), **members)


def test_uuid_from_conflict_takes_the_uuid_lambda_names() -> None:
    """The UUID in Lambda's conflict message is found; the last one when several appear."""
    message = (
        'The event source arn (" arn:aws:kinesis:us-east-1:123456789012:stream/s ") and function '
        '(" f ") provided mapping already exists. Please update or delete the existing mapping '
        f"with UUID {UUID}"
    )
    assert uuid_from_conflict(message) == UUID
    other = "00000000-1111-4222-8333-444444444444"
    assert uuid_from_conflict(f"{other} conflicts with {UUID}") == UUID
    assert uuid_from_conflict("a mapping already exists") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (UUID, True),
        (UUID.upper(), True),
        ("../../functions/f", False),
        (UUID + "/..", False),
        ("\ud800" * 36, False),
        (None, False),
        (1234, False),
    ],
)
def test_is_mapping_uuid_accepts_only_a_plain_uuid(value: object, expected: bool) -> None:
    """Only a 36-character hexadecimal UUID may become a path segment of the next call."""
    assert is_mapping_uuid(value) is expected


def test_changed_settings_is_empty_when_everything_wanted_is_there() -> None:
    """Members Lambda reports beyond those wanted, and empty-for-absent, are no change."""
    existing = _existing(batch_size=100, function_arn="arn:aws:lambda:us-east-1:1:function:f")
    wanted = encode_settings({"batch_size": 100, "function_response_types": []}, create=True)
    assert changed_settings(existing, wanted) == {}


def test_changed_settings_names_only_what_differs() -> None:
    """A differing member is sent; create-only members and tags are never part of an update."""
    existing = _existing(batch_size=100, maximum_retry_attempts=2, starting_position="LATEST")
    wanted = encode_settings(
        {
            "batch_size": 10,
            "maximum_retry_attempts": 2,
            "starting_position": "TRIM_HORIZON",
            "tags": {"team": "a"},
        },
        create=True,
    )
    assert changed_settings(existing, wanted) == {"BatchSize": 10}


def test_changed_settings_compares_nested_structures_by_what_is_wanted() -> None:
    """A nested structure matches when everything it states is there, and differs otherwise."""
    existing = _existing(
        destination_config=DestinationConfig(on_failure=OnFailure(destination=QUEUE_ARN))
    )
    same = encode_settings(
        {"destination_config": DestinationConfig(on_failure=OnFailure(destination=QUEUE_ARN))},
        create=False,
    )
    assert changed_settings(existing, same) == {}
    moved = encode_settings(
        {
            "destination_config": DestinationConfig(
                on_failure=OnFailure(destination=QUEUE_ARN + "2")
            )
        },
        create=False,
    )
    assert changed_settings(existing, moved) == {
        "DestinationConfig": {"OnFailure": {"Destination": QUEUE_ARN + "2"}}
    }


@pytest.mark.parametrize(
    ("state", "enabled", "expected"),
    [
        ("Enabled", False, {"Enabled": False}),
        ("Disabled", True, {"Enabled": True}),
        ("Enabled", True, {}),
        ("Disabled", False, {}),
    ],
)
def test_changed_settings_reads_enabled_from_the_state(
    state: str, enabled: bool, expected: dict[str, object]
) -> None:
    """``enabled`` is compared with the mapping's state, not with a member."""
    existing = EventSourceMapping(uuid=UUID, state=state)
    assert changed_settings(existing, {"Enabled": enabled}) == expected


def test_unchangeable_differences_names_create_only_members_that_differ() -> None:
    """A create-only member that differs is named; one equal, or not reported, is not."""
    existing = _existing(starting_position="LATEST", topics=("orders",))
    assert unchangeable_differences(
        existing, {"StartingPosition": "TRIM_HORIZON", "Topics": ["payments"]}
    ) == ["StartingPosition", "Topics"]
    assert unchangeable_differences(existing, {"StartingPosition": "LATEST"}) == []
    assert unchangeable_differences(existing, {"Queues": ["q"]}) == []
    assert unchangeable_differences(existing, {"Tags": {"team": "a"}}) == []


async def test_ensure_creates_when_absent(client: lambda_es.AsyncClient, fake: FakeLambda) -> None:
    """With no mapping yet, ensure is one create."""
    mapping = await client.ensure_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST", batch_size=50
    )
    assert mapping.state == "Creating"
    assert len(fake.requests) == 1
    assert fake.requests[0].method == "POST"


async def test_ensure_again_changes_nothing(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """A second ensure with the same settings finds the mapping by the 409's UUID and stops."""
    first = await client.ensure_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST", batch_size=50
    )
    await _settled(client, first.uuid)
    since = len(fake.requests)
    again = await client.ensure_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST", batch_size=50
    )
    assert again.uuid == first.uuid
    assert again.batch_size == 50
    # The create met 409, the UUID in the message was fetched, nothing was updated.
    assert [r.method for r in fake.requests[since:]] == ["POST", "GET"]
    assert len(fake.mappings) == 1


async def test_ensure_updates_only_what_differs(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """Changed settings are sent in one update; unchanged ones are not."""
    first = await client.ensure_event_source_mapping(
        function_name="f",
        event_source_arn=KINESIS_ARN,
        starting_position="LATEST",
        batch_size=50,
        maximum_retry_attempts=3,
    )
    await _settled(client, first.uuid)
    changed = await client.ensure_event_source_mapping(
        function_name="f",
        event_source_arn=KINESIS_ARN,
        starting_position="LATEST",
        batch_size=75,
        maximum_retry_attempts=3,
        enabled=False,
    )
    update = fake.requests[-1]
    assert update.method == "PUT"
    assert json.loads(update.body) == {"BatchSize": 75, "Enabled": False}
    assert changed.uuid == first.uuid
    assert changed.batch_size == 75


async def test_ensure_lets_a_changing_mapping_settle_before_comparing(
    client: lambda_es.AsyncClient, fake: FakeLambda, clock: FakeClock
) -> None:
    """A mapping still Creating is polled until it rests, then updated once."""
    fake.settle_after = 5
    first = await client.ensure_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST", batch_size=50
    )
    changed = await client.ensure_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST", batch_size=60
    )
    assert changed.uuid == first.uuid
    assert changed.batch_size == 60
    assert clock.sleeps  # it waited (on the fake clock)
    assert [r.method for r in fake.requests].count("PUT") == 1


async def test_ensure_retries_an_update_that_meets_resource_in_use(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """An update refused with ResourceInUseException is retried once the mapping rests."""
    first = await client.ensure_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST", batch_size=50
    )
    await _settled(client, first.uuid)
    fake.inject_error(400, "ResourceInUseException", "Cannot update: in use", method="PUT")
    since = len(fake.requests)
    changed = await client.ensure_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST", batch_size=60
    )
    assert changed.batch_size == 60
    assert [r.method for r in fake.requests[since:]].count("PUT") == 2


async def test_ensure_settles_a_mapping_that_will_end_disabled(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """A mapping created disabled and still Creating is waited for, not misjudged as unreachable."""
    fake.settle_after = 3
    await client.create_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST", enabled=False
    )
    mapping = await client.ensure_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST", batch_size=7
    )
    assert mapping.batch_size == 7


async def test_ensure_enabled_false_applies_to_a_creating_mapping(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """ensure(enabled=False) on a mapping still Creating (to end Enabled) disables it."""
    fake.settle_after = 3
    created = await client.create_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST"
    )
    await client.ensure_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST", enabled=False
    )
    assert created.uuid is not None
    final = await client.wait_for_event_source_mapping(created.uuid, state="Disabled")
    assert final.state == "Disabled"


async def test_ensure_refuses_to_change_create_only_settings(
    client: lambda_es.AsyncClient,
) -> None:
    """A differing starting_position cannot be updated: a clear ResourceConflictError says so."""
    first = await client.ensure_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST"
    )
    await _settled(client, first.uuid)
    with pytest.raises(lambda_es.ResourceConflictError, match="StartingPosition"):
        await client.ensure_event_source_mapping(
            function_name="f", event_source_arn=KINESIS_ARN, starting_position="TRIM_HORIZON"
        )


async def test_ensure_finds_by_listing_when_the_message_has_no_uuid(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """A 409 whose message names no UUID falls back to listing the source's mappings."""
    first = await client.ensure_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST"
    )
    await _settled(client, first.uuid)
    fake.inject_error(409, "ResourceConflictException", "The mapping already exists.")
    since = len(fake.requests)
    found = await client.ensure_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST"
    )
    assert found.uuid == first.uuid
    listed = fake.requests[since + 1]
    assert listed.query == {"EventSourceArn": KINESIS_ARN, "FunctionName": "f"}


async def test_ensure_survives_a_lost_create_response(fake: FakeLambda) -> None:
    """A create whose answer is lost is retried, meets its own mapping (409), and succeeds."""
    timeout = lambda_es.Timeout(connect=1.0, read=0.3, total=30.0)
    # No back-off pause between the attempts (jitter 0); the settle poll
    # below sleeps on the fake clock.
    with installed(FakeClock(jitter=0.0)):
        made = lambda_es.AsyncClient(
            region="us-east-1",
            endpoint_url=fake.endpoint_url,
            credentials=CREDENTIALS,
            timeout=timeout,
        )
    async with made as client:
        fake.delay_next(1.0)  # the first create takes effect, but its answer comes too late
        mapping = await client.ensure_event_source_mapping(
            function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST"
        )
    assert len(fake.mappings) == 1
    assert mapping.uuid in fake.mappings
    # Lost create, retried create (409), then the mapping polled until it rests.
    assert [r.method for r in fake.requests] == ["POST", "POST", "GET", "GET"]
