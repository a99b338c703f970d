"""AsyncClient.add_event_source end to end against FakeLambda on loopback."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import lambda_es
from lambda_es.testing import FakeLambda

from .conftest import KINESIS_ARN, ROLE_ARN


async def test_add_event_source_round_trip(client: lambda_es.AsyncClient, fake: FakeLambda) -> None:
    """A valid call POSTs the documented body and decodes the configuration."""
    cfg = await client.add_event_source(
        event_source=KINESIS_ARN,
        function_name="process-orders",
        role=ROLE_ARN,
        batch_size=100,
        parameters={"InitialPositionInStream": "LATEST"},
    )
    assert cfg.uuid is not None
    assert cfg.event_source == KINESIS_ARN
    assert cfg.function_name == "process-orders"
    assert cfg.batch_size == 100
    assert cfg.parameters == {"InitialPositionInStream": "LATEST"}
    assert cfg.status == "PENDING"
    assert cfg.is_active is True
    assert isinstance(cfg.last_modified, dt.datetime)
    assert cfg.last_modified.tzinfo is dt.timezone.utc
    (request,) = fake.requests
    assert request.method == "POST"
    assert request.raw_path == "/2014-11-13/event-source-mappings/"
    assert json.loads(request.body) == {
        "EventSource": KINESIS_ARN,
        "FunctionName": "process-orders",
        "Role": ROLE_ARN,
        "BatchSize": 100,
        "Parameters": {"InitialPositionInStream": "LATEST"},
    }


async def test_optional_members_are_left_out(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """BatchSize and Parameters travel only when given."""
    await client.add_event_source(event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN)
    assert set(json.loads(fake.requests[0].body)) == {"EventSource", "FunctionName", "Role"}


async def test_invalid_argument_sends_nothing(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """A ParamValidationError is raised before any request reaches the server."""
    with pytest.raises(lambda_es.ParamValidationError, match="batch_size"):
        await client.add_event_source(
            event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN, batch_size=0
        )
    assert fake.requests == []
