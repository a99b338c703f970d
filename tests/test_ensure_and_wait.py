"""ensure_event_source_mapping and wait_for_event_source_mapping against FakeLambda."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest

import lambda_es
from lambda_es._clock import installed
from lambda_es.testing import FakeLambda

from ._clock import FakeClock
from .conftest import CREDENTIALS, KINESIS_ARN


@pytest.fixture
def clock() -> FakeClock:
    """The fake clock the module's client sleeps on (polls cost no real time)."""
    return FakeClock()


@pytest.fixture
async def client(fake: FakeLambda, clock: FakeClock) -> AsyncIterator[lambda_es.AsyncClient]:
    """A client of the FakeLambda, on the fake clock."""
    with installed(clock):
        made = lambda_es.AsyncClient(
            region="us-east-1", endpoint_url=fake.endpoint_url, credentials=CREDENTIALS
        )
    async with made:
        yield made


def _methods(fake: FakeLambda, since: int = 0) -> list[str]:
    return [f"{r.method} {r.path.rsplit('/', 1)[-1] or 'mappings'}" for r in fake.requests[since:]]


async def _settled(client: lambda_es.AsyncClient, uuid: str | None) -> None:
    assert uuid is not None
    await client.wait_for_event_source_mapping(uuid)


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


async def test_wait_polls_until_enabled_with_backoff(
    client: lambda_es.AsyncClient, fake: FakeLambda, clock: FakeClock
) -> None:
    """The waiter polls through Creating with doubling pauses until Enabled."""
    fake.settle_after = 3
    created = await client.create_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST"
    )
    assert created.uuid is not None
    ready = await client.wait_for_event_source_mapping(created.uuid)
    assert ready.state == "Enabled"
    assert clock.sleeps == [1.0, 2.0, 4.0]


async def test_wait_gives_up_on_an_unreachable_state(client: lambda_es.AsyncClient) -> None:
    """Waiting for Enabled on a mapping created disabled fails at once, saying why."""
    created = await client.create_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST", enabled=False
    )
    assert created.uuid is not None
    await client.wait_for_event_source_mapping(created.uuid, state="Disabled")
    with pytest.raises(lambda_es.WaiterError, match="cannot become Enabled") as caught:
        await client.wait_for_event_source_mapping(created.uuid)
    assert caught.value.reason == "unreachable"
    assert caught.value.last_state == "Disabled"


async def test_wait_times_out(
    client: lambda_es.AsyncClient, fake: FakeLambda, clock: FakeClock
) -> None:
    """A mapping that never settles ends in WaiterError(reason='timeout') at the deadline."""
    fake.settle_after = 10_000
    created = await client.create_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST"
    )
    assert created.uuid is not None
    with pytest.raises(lambda_es.WaiterError) as caught:
        await client.wait_for_event_source_mapping(created.uuid, timeout=30.0)
    assert caught.value.reason == "timeout"
    assert caught.value.last_state == "Creating"
    assert sum(clock.sleeps) == pytest.approx(30.0)
    assert max(clock.sleeps) <= 10.0


async def test_wait_reports_a_mapping_that_vanishes(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """A mapping deleted while waiting for Enabled is WaiterError(reason='gone')."""
    created = await client.create_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST"
    )
    assert created.uuid is not None
    fake.mappings.clear()
    with pytest.raises(lambda_es.WaiterError) as caught:
        await client.wait_for_event_source_mapping(created.uuid)
    assert caught.value.reason == "gone"
    assert isinstance(caught.value.__cause__, lambda_es.ResourceNotFoundError)


async def test_wait_for_deleted(client: lambda_es.AsyncClient) -> None:
    """state='Deleted' waits through Deleting until Lambda no longer knows the mapping."""
    created = await client.create_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST"
    )
    assert created.uuid is not None
    await client.wait_for_event_source_mapping(created.uuid)
    await client.delete_event_source_mapping(created.uuid)
    last = await client.wait_for_event_source_mapping(created.uuid, state="Deleted")
    assert last.uuid == created.uuid
    with pytest.raises(lambda_es.ResourceNotFoundError):
        await client.get_event_source_mapping(created.uuid)


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [({"state": "Running"}, "state"), ({"timeout": 0}, "timeout"), ({"timeout": True}, "timeout")],
)
async def test_wait_checks_its_arguments(
    client: lambda_es.AsyncClient, fake: FakeLambda, kwargs: dict[str, object], param: str
) -> None:
    """Bad waiter arguments are ParamValidationError before any poll."""
    with pytest.raises(lambda_es.ParamValidationError) as caught:
        await client.wait_for_event_source_mapping("0" * 36, **kwargs)  # type: ignore[arg-type]
    assert caught.value.param == param
    assert fake.requests == []


async def test_wait_timeout_also_bounds_a_slow_poll(fake: FakeLambda) -> None:
    """A GET that hangs past the waiter's timeout ends the wait (reason 'timeout')."""
    async with lambda_es.AsyncClient(
        region="us-east-1", endpoint_url=fake.endpoint_url, credentials=CREDENTIALS
    ) as client:
        created = await client.create_event_source_mapping(
            function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST"
        )
        assert created.uuid is not None
        fake.delay_next(1.0)  # longer than the whole wait below
        with pytest.raises(lambda_es.WaiterError) as caught:
            await client.wait_for_event_source_mapping(created.uuid, timeout=0.3)
    assert caught.value.reason == "timeout"
    assert isinstance(caught.value.__cause__, lambda_es.TimeoutError)


@pytest.mark.parametrize("timeout", [float("nan"), float("inf"), -1.0])
async def test_wait_refuses_a_timeout_that_is_not_finite_and_positive(
    client: lambda_es.AsyncClient, fake: FakeLambda, timeout: float
) -> None:
    """NaN would never time out and infinity is no bound: both are refused before polling."""
    with pytest.raises(lambda_es.ParamValidationError, match="finite"):
        await client.wait_for_event_source_mapping("0" * 36, timeout=timeout)
    assert fake.requests == []


async def test_wait_reports_each_state_change_to_on_state(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """on_state gets the mapping after the first poll and after each poll whose state changed."""
    fake.settle_after = 3
    created = await client.create_event_source_mapping(
        function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST"
    )
    assert created.uuid is not None
    seen: list[str | None] = []
    ready = await client.wait_for_event_source_mapping(
        created.uuid, on_state=lambda mapping: seen.append(mapping.state)
    )
    assert ready.state == "Enabled"
    assert len([r for r in fake.requests if r.method == "GET"]) == 4  # three Creating, one Enabled
    assert seen == ["Creating", "Enabled"]


async def test_wait_timeout_names_the_last_state_seen(fake: FakeLambda) -> None:
    """When the deadline passes after answered polls, the message names the last state seen,
    not "no answer", even when the final poll (given only the time left) timed out."""
    fake.settle_after = 10_000
    async with lambda_es.AsyncClient(
        region="us-east-1", endpoint_url=fake.endpoint_url, credentials=CREDENTIALS
    ) as client:
        created = await client.create_event_source_mapping(
            function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST"
        )
        assert created.uuid is not None
        with pytest.raises(lambda_es.WaiterError) as caught:
            await client.wait_for_event_source_mapping(created.uuid, timeout=0.2)
    assert caught.value.reason == "timeout"
    assert caught.value.last_state == "Creating"
    assert "still 'Creating'" in str(caught.value)
    assert "no answer" not in str(caught.value)
