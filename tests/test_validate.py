"""Parameter validation of AsyncClient.add_event_source (lambda_es._validate).

Every rule is exercised through the public method against FakeLambda: a bad
argument raises ParamValidationError (a ValueError naming the parameter) and
the server sees no request; a good one reaches the server.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lambda_es
from lambda_es.testing import FakeLambda

from .conftest import CREDENTIALS, DYNAMODB_ARN, KINESIS_ARN, ROLE_ARN

VALID: dict[str, Any] = {
    "event_source": KINESIS_ARN,
    "function_name": "process-orders",
    "role": ROLE_ARN,
}


async def _rejected(
    client: lambda_es.AsyncClient, fake: FakeLambda, param: str, **overrides: Any
) -> lambda_es.ParamValidationError:
    with pytest.raises(lambda_es.ParamValidationError) as info:
        await client.add_event_source(**{**VALID, **overrides})
    error = info.value
    assert isinstance(error, ValueError)
    assert isinstance(error, lambda_es.LambdaESError)
    assert error.param == param
    assert repr(param) in str(error)
    assert fake.requests == []
    return error


async def _accepted(client: lambda_es.AsyncClient, fake: FakeLambda, **overrides: Any) -> None:
    cfg = await client.add_event_source(**{**VALID, **overrides})
    assert cfg.uuid is not None
    assert len(fake.requests) == 1


# -- the three required arguments ------------------------------------------------


@pytest.mark.parametrize("param", ["event_source", "function_name", "role"])
@pytest.mark.parametrize("value", [None, 123, b"bytes", ["list"]])
async def test_required_arguments_must_be_str(
    client: lambda_es.AsyncClient, fake: FakeLambda, param: str, value: object
) -> None:
    """event_source, function_name and role must be present (not None) and str."""
    error = await _rejected(client, fake, param, **{param: value})
    assert ("is required" if value is None else "must be a str") in error.rule


async def test_required_arguments_are_keyword_only_and_mandatory(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """Leaving a required argument out is a TypeError from Python; nothing is sent."""
    with pytest.raises(TypeError):
        await client.add_event_source(event_source=KINESIS_ARN, function_name="f")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        await client.add_event_source(KINESIS_ARN, "f", ROLE_ARN)  # type: ignore[call-arg]
    assert fake.requests == []


# -- function_name ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "",
        "a" * 65,
        "has space",
        "dot.ted",
        "slash/ed",
        "colon:ed",
        "é",
        "trailing\n",
        "arn:aws:lambda:us-east-1:123456789012:function:f",
    ],
)
async def test_bad_function_names(
    client: lambda_es.AsyncClient, fake: FakeLambda, name: str
) -> None:
    """function_name is 1 to 64 characters of [a-zA-Z0-9-_], matched in full."""
    await _rejected(client, fake, "function_name", function_name=name)


@pytest.mark.parametrize("name", ["f", "a" * 64, "Process-Orders_2", "-", "_", "0"])
async def test_good_function_names(
    client: lambda_es.AsyncClient, fake: FakeLambda, name: str
) -> None:
    """The edges of the function_name rule are accepted and sent."""
    await _accepted(client, fake, function_name=name)


# -- role -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [
        "",
        "invoke-process-orders",
        "arn:aws:iam::12345678901:role/r",
        "arn:aws:iam::1234567890123:role/r",
        "arn:aws:iam::123456789012:user/r",
        "arn:aws:iam::123456789012:role/with space",
        "arn:aws:iam::123456789012:role/r\n",
        "arn:aws:sts::123456789012:assumed-role/r/s",
        "xarn:aws:iam::123456789012:role/r",
    ],
)
async def test_bad_roles(client: lambda_es.AsyncClient, fake: FakeLambda, role: str) -> None:
    """role must match the model's pattern arn:aws:iam::<12 digits>:role/?<name chars>."""
    await _rejected(client, fake, "role", role=role)


@pytest.mark.parametrize(
    "role",
    [
        ROLE_ARN,
        "arn:aws:iam::123456789012:role/service-role/path/r+=,.@-_",
        "arn:aws:iam::123456789012:roleNoSlash",
    ],
)
async def test_good_roles(client: lambda_es.AsyncClient, fake: FakeLambda, role: str) -> None:
    """Role paths and every character the pattern allows are accepted."""
    await _accepted(client, fake, role=role)


# -- event_source -------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        KINESIS_ARN,
        DYNAMODB_ARN,
        "arn:aws-cn:kinesis:cn-north-1:123456789012:stream/orders",
        "arn:aws-us-gov:kinesis:us-gov-west-1:123456789012:stream/orders",
        "arn:aws-cn:dynamodb:cn-northwest-1:123456789012:table/t.x-1/stream/2015-05-11T21:21:33.291",
        "arn:aws-us-gov:dynamodb:us-gov-east-1:123456789012:table/abc/stream/label",
    ],
)
async def test_stream_arns_in_every_partition(
    client: lambda_es.AsyncClient, fake: FakeLambda, source: str
) -> None:
    """Kinesis and DynamoDB stream ARNs are accepted in aws, aws-cn and aws-us-gov."""
    await _accepted(client, fake, event_source=source)


@pytest.mark.parametrize(
    "source",
    [
        "",
        "orders",
        "arn:aws:sqs:us-east-1:123456789012:queue",
        "arn:aws:kinesis:us-east-1:123456789012:orders",
        "arn:aws:kinesis:us-east-1:123456789012:stream/",
        "arn:aws:kinesis:us-east-1:12345678901:stream/orders",
        "arn:aws:kinesis::123456789012:stream/orders",
        "arn:azure:kinesis:us-east-1:123456789012:stream/orders",
        "arn:aws:dynamodb:us-east-1:123456789012:table/orders",
        "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/",
        "arn:aws:kinesis:us-east-1:123456789012:stream/orders\n",
        "arn:aws:kinesis:us-east-1:123456789012:stream/orders/extra",
    ],
)
async def test_bad_event_sources(
    client: lambda_es.AsyncClient, fake: FakeLambda, source: str
) -> None:
    """event_source must be a whole Kinesis stream or DynamoDB stream ARN."""
    error = await _rejected(client, fake, "event_source", event_source=source)
    assert "Kinesis" in error.rule


# -- batch_size ----------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, -1, 10_001, True, False, 1.0, "10", 10.5])
async def test_bad_batch_sizes(
    client: lambda_es.AsyncClient, fake: FakeLambda, size: object
) -> None:
    """batch_size is an int (bool is not) from 1 to 10,000."""
    await _rejected(client, fake, "batch_size", batch_size=size)


@pytest.mark.parametrize("size", [1, 10_000, None])
async def test_good_batch_sizes(
    client: lambda_es.AsyncClient, fake: FakeLambda, size: int | None
) -> None:
    """The bounds of batch_size, and leaving it out, are accepted."""
    await _accepted(client, fake, batch_size=size)


# -- parameters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parameters", "param"),
    [
        ({"InitialPositionInStream": "AT_TIMESTAMP"}, "parameters['InitialPositionInStream']"),
        ({"InitialPositionInStream": "latest"}, "parameters['InitialPositionInStream']"),
        ({"InitialPositionInStream": 1}, "parameters['InitialPositionInStream']"),
        ({"InitialPositionInStream": None}, "parameters['InitialPositionInStream']"),
        ({"StartingPosition": "LATEST"}, "parameters"),
        ({"InitialPositionInStream": "LATEST", "Extra": "x"}, "parameters"),
        ("InitialPositionInStream=LATEST", "parameters"),
        ([("InitialPositionInStream", "LATEST")], "parameters"),
    ],
)
async def test_bad_parameters(
    client: lambda_es.AsyncClient, fake: FakeLambda, parameters: object, param: str
) -> None:
    """parameters holds only InitialPositionInStream, set to TRIM_HORIZON or LATEST."""
    await _rejected(client, fake, param, parameters=parameters)


@pytest.mark.parametrize("position", ["TRIM_HORIZON", "LATEST"])
async def test_good_parameters(
    client: lambda_es.AsyncClient, fake: FakeLambda, position: str
) -> None:
    """Both initial positions are accepted and sent."""
    await _accepted(client, fake, parameters={"InitialPositionInStream": position})


async def test_first_broken_rule_is_reported_in_signature_order(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """With several bad arguments, the error names the first one in the signature's order."""
    await _rejected(
        client, fake, "event_source", event_source="x", function_name="", role="", batch_size=0
    )
    await _rejected(client, fake, "function_name", function_name="", role="", batch_size=0)
    await _rejected(client, fake, "role", role="", batch_size=0)


async def test_error_message_shows_the_rule_without_secrets(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """The message names the parameter and the rule, and never carries the credentials."""
    error = await _rejected(client, fake, "batch_size", batch_size=0)
    assert str(error) == "invalid parameter 'batch_size': must be from 1 to 10000; got 0"
    assert CREDENTIALS.secret_access_key not in str(error)


# -- properties, without a server: validation runs before any I/O ------------------

_NOT_A_FUNCTION_NAME = st.text(max_size=80).filter(
    lambda s: re.fullmatch(r"[a-zA-Z0-9\-_]{1,64}", s) is None
)


def _call(**overrides: Any) -> lambda_es.ParamValidationError | None:
    async def run() -> lambda_es.ParamValidationError | None:
        # Port 9 (discard) on loopback: if validation let a value through, the
        # call fails with a ConnectError instead of ParamValidationError.
        async with lambda_es.AsyncClient(
            region="us-east-1", endpoint_url="http://127.0.0.1:9", credentials=CREDENTIALS
        ) as client:
            try:
                await client.add_event_source(**{**VALID, **overrides})
            except lambda_es.ParamValidationError as error:
                return error
        return None

    return asyncio.run(run())


@settings(max_examples=100, deadline=None)
@given(name=_NOT_A_FUNCTION_NAME)
def test_any_other_function_name_is_rejected(name: str) -> None:
    """Any string outside 1..64 of [a-zA-Z0-9-_] is refused before any connection."""
    error = _call(function_name=name)
    assert error is not None
    assert error.param == "function_name"


@settings(max_examples=100, deadline=None)
@given(size=st.integers().filter(lambda n: not 1 <= n <= 10_000) | st.floats() | st.booleans())
def test_any_out_of_range_batch_size_is_rejected(size: object) -> None:
    """Any int outside 1..10000, any float and any bool is refused before any connection."""
    error = _call(batch_size=size)
    assert error is not None
    assert error.param == "batch_size"


@settings(max_examples=50, deadline=None)
@given(
    partition=st.sampled_from(["aws", "aws-cn", "aws-us-gov"]),
    region=st.from_regex(r"[a-z]{2}-(gov-)?(east|west|north|central)-[1-9]", fullmatch=True),
    account=st.from_regex(r"[0-9]{12}", fullmatch=True),
    stream=st.from_regex(r"[a-zA-Z0-9_.\-]{1,128}", fullmatch=True),
)
def test_any_kinesis_stream_arn_passes_validation(
    partition: str, region: str, account: str, stream: str
) -> None:
    """Every well-formed Kinesis stream ARN passes validation (the call then fails to connect)."""
    source = f"arn:{partition}:kinesis:{region}:{account}:stream/{stream}"

    async def run() -> None:
        async with lambda_es.AsyncClient(
            region="us-east-1",
            endpoint_url="http://127.0.0.1:9",
            credentials=CREDENTIALS,
            retry=lambda_es.Retry(mode="off"),
        ) as client:
            with pytest.raises(lambda_es.ConnectError):
                await client.add_event_source(**{**VALID, "event_source": source})

    asyncio.run(run())
