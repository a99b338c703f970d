"""lambda_es._waiter: its decisions alone, and wait_for_event_source_mapping against FakeLambda."""

from __future__ import annotations

import pytest

import lambda_es
from lambda_es._waiter import SETTLED, STATES, TRANSITIONAL, WAIT_TARGETS, wait_outcome
from lambda_es.testing import FakeLambda

from ._clock import FakeClock
from ._clocked import clock_fixture, clocked_client_fixture  # noqa: F401 (fixtures)
from .conftest import CREDENTIALS, KINESIS_ARN


def test_every_state_rests_passes_or_is_deleting() -> None:
    """Each known state is settled, transitional or Deleting; each target but Deleted is a state."""
    assert SETTLED | TRANSITIONAL | {"Deleting"} == set(STATES)
    assert not SETTLED & TRANSITIONAL
    assert set(WAIT_TARGETS) - {"Deleted"} <= SETTLED


@pytest.mark.parametrize(
    ("target", "state", "outcome"),
    [
        ("Enabled", "Enabled", "done"),
        ("Enabled", "Creating", "wait"),
        ("Enabled", "Enabling", "wait"),
        ("Enabled", "Updating", "wait"),
        ("Enabled", "Disabling", "unreachable"),
        ("Enabled", "Disabled", "unreachable"),
        ("Enabled", "Deleting", "unreachable"),
        ("Disabled", "Disabled", "done"),
        ("Disabled", "Disabling", "wait"),
        ("Disabled", "Enabling", "unreachable"),
        ("Disabled", "Enabled", "unreachable"),
        ("Deleted", "Deleting", "wait"),
        ("Deleted", "Enabled", "wait"),
        ("settled", "Enabled", "done"),
        ("settled", "Disabled", "done"),
        ("settled", "Updating", "wait"),
        ("settled", "Deleting", "unreachable"),
        ("Enabled", None, "wait"),
        ("Enabled", "Frobnicating", "wait"),
        ("settled", "Frobnicating", "wait"),
    ],
)
def test_wait_outcome(target: str, state: str | None, outcome: str) -> None:
    """A target reached is done; one still reachable, or an unknown state, waits; else unreachable."""
    assert wait_outcome(target, state) == outcome


def test_wait_outcome_refuses_an_unknown_target() -> None:
    """A target that is neither a wait target nor "settled" is a ValueError naming the choices."""
    with pytest.raises(ValueError, match="unknown wait target 'Enabling'"):
        wait_outcome("Enabling", "Enabled")


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
