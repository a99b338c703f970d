"""Hostile input: every public method, any value of any type, ends in a typed, bounded error.

A Hypothesis property over every public method of ``AsyncClient`` (found by
introspection, so a new method is covered or fails loudly) and a sample
through the blocking ``Client``, plus the constructors: arguments of the
wrong types, sizes and characters (lone surrogates, non-ASCII digits, huge
strings, datetime extremes, bytes, None, nested junk) raise only
``LambdaESError`` subclasses; a ``ParamValidationError`` is raised before
anything reaches the local server (its request count does not move); and
every message stays under :data:`BOUND` characters.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import json
import os
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lambda_es
from lambda_es._clock import installed
from lambda_es._settings import CREATE_ONLY, SETTINGS

from ._clock import FakeClock
from ._faults import CREDENTIALS, FaultServer, respond

BOUND = 2_000
UUID = "6d9b1c2e-0000-4000-8000-000000000001"
KINESIS = "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
ROLE = "arn:aws:iam::123456789012:role/r"
SQS = "arn:aws:sqs:us-east-1:123456789012:q"
#: One body that decodes as every response model (unknown keys are ignored).
BODY = json.dumps(
    {
        "UUID": UUID,
        "State": "Enabled",
        "Status": "OK",
        "EventSourceMappings": [],
        "EventSources": [],
    }
).encode()

#: A valid value for each parameter name, so that one junk value at a time is tried.
VALID: dict[str, Any] = {
    "uuid": UUID,
    "function_name": "f",
    "event_source_arn": SQS,
    "event_source": KINESIS,
    "role": ROLE,
    "batch_size": 10,
    "parameters": None,
    "marker": None,
    "max_items": 10,
    "page_size": 10,
    "max_empty_pages": 5,
    "state": "Enabled",
    "on_state": None,
    "timeout": 1.0,
}
LEGACY_UUID = "u"
#: The ``**query`` types of the list and iter methods, by their annotation.
QUERIES: dict[str, type] = {
    "Unpack[ListQuery]": lambda_es.ListQuery,
    "Unpack[IterQuery]": lambda_es.IterQuery,
}

_UTC14 = dt.timezone(dt.timedelta(hours=14))
_MINUS14 = dt.timezone(dt.timedelta(hours=-14))

# Characters of every category, lone surrogates included.
_any_text = st.text(st.characters(blacklist_categories=()), max_size=40)
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**30, max_value=10**60),
    # Too long for str(): mapped, so that Hypothesis never has to print it.
    st.sampled_from([1, -1]).map(lambda sign: sign * 10**5000),
    st.floats(allow_nan=True, allow_infinity=True),
    _any_text,
    st.binary(max_size=20),
    st.sampled_from(
        [
            "\ud800",
            "arn:aws:sqs:us-east-1:12345678901\ud800:q",
            "us-east-\u0661",
            "\u0661" * 12,
            "arn:aws:kinesis:us-east-1:\u0661\u0662\u0663456789012:stream/s",
            "x" * 1_000_000,
            "6d9b1c2e-0000-4000-8000-00000000000\ud800",
            "../../x",
            ".",
            "a\r\nb",
            "",
            dt.datetime.max.replace(tzinfo=_MINUS14),
            dt.datetime.min.replace(tzinfo=_UTC14),
            dt.datetime.max,
            dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc),
            dt.date(2024, 1, 1),
            object(),
            b"\xff" * 1000,
            [None] * 5,
            {"\ud800": "x"},
        ]
    ),
)
junk = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(_any_text, st.integers(), st.none()), inner, max_size=4),
        st.tuples(inner, inner),
    ),
    max_leaves=8,
)


def _public_methods() -> Iterator[str]:
    for name, member in inspect.getmembers(lambda_es.AsyncClient):
        if name.startswith("_") or name == "aclose" or not callable(member):
            continue
        yield name


METHODS = sorted(_public_methods())


def _arguments(method: str) -> tuple[list[str], dict[str, Any], bool]:
    """The method's named parameters, a valid value for each, and whether it takes settings."""
    signature = inspect.signature(getattr(lambda_es.AsyncClient, method))
    names: list[str] = []
    values: dict[str, Any] = {}
    takes_settings = False
    parameters: list[str] = []
    for parameter in list(signature.parameters.values())[1:]:
        if parameter.kind is not inspect.Parameter.VAR_KEYWORD:
            parameters.append(parameter.name)
        elif (query := QUERIES.get(str(parameter.annotation))) is not None:
            # **query: Unpack[ListQuery]: its keywords are the method's parameters.
            parameters += query.__annotations__
        else:
            takes_settings = True
    for name in parameters:
        if name not in VALID:
            raise AssertionError(f"{method}: no valid value known for {name!r}")
        names.append(name)
        value = VALID[name]
        if name == "uuid" and method in ("get_event_source", "remove_event_source"):
            value = LEGACY_UUID
        values[name] = value
    return names, values, takes_settings


def test_every_public_method_is_covered() -> None:
    """The property below knows a valid value for every parameter of every public method."""
    assert len(METHODS) >= 13
    for method in METHODS:
        _arguments(method)


async def _call(client: lambda_es.AsyncClient, method: str, kwargs: dict[str, Any]) -> None:
    fn = getattr(client, method)
    positional = {k: v for k, v in kwargs.items() if k == "uuid"}
    keywords = {k: v for k, v in kwargs.items() if k != "uuid"}
    if method.startswith("iter_"):
        async for _ in fn(**keywords):
            pass
    else:
        await fn(*positional.values(), **keywords)


def _check_outcome(exc: BaseException | None, sent_before: int, sent_after: int) -> None:
    if exc is None:
        return
    assert isinstance(exc, lambda_es.LambdaESError), f"{type(exc).__name__} escaped: {exc!r:.300}"
    assert len(str(exc)) < BOUND
    assert len(repr(exc)) < BOUND + 200
    if isinstance(exc, lambda_es.ParamValidationError):
        assert sent_after == sent_before, "a ParamValidationError after a request was sent"


@pytest.mark.parametrize("method", METHODS)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_argument_to_any_method_ends_typed_and_bounded(
    method: str, data: st.DataObject, server: FaultServer
) -> None:
    """One junk argument (or setting): only LambdaESError, nothing sent on a ParamValidationError."""
    names, kwargs, takes_settings = _arguments(method)
    choices = list(names)
    if takes_settings:
        allowed = list(SETTINGS)
        if method.startswith("update"):
            allowed = [n for n in allowed if n not in CREATE_ONLY]
        choices += [f"setting:{n}" for n in allowed] + ["setting:no_such_setting"]
    if method.startswith(("list_", "iter_")):
        choices.append("no_such_keyword")
    target = data.draw(st.sampled_from(choices), label="parameter")
    value = data.draw(junk, label="value")
    name = target.removeprefix("setting:")
    kwargs[name] = value

    async def run() -> tuple[BaseException | None, int, int]:
        with installed(FakeClock()):  # the waiter's back-off costs no time
            client = lambda_es.AsyncClient(
                region="us-east-1", endpoint_url=server.url, credentials=CREDENTIALS
            )
        before = len(server.requests)
        try:
            await _call(client, method, kwargs)
        except BaseException as exc:
            return exc, before, len(server.requests)
        finally:
            await client.aclose()
        return None, before, len(server.requests)

    exc, before, after = asyncio.run(run())
    _check_outcome(exc, before, after)


@pytest.fixture(scope="module")
def server() -> Iterator[FaultServer]:
    """A fault server on its own loop in a thread, shared by every example of the module."""
    import threading

    loop = asyncio.new_event_loop()
    fault = FaultServer(respond(200, BODY))
    ready = threading.Event()
    stop: list[asyncio.Event] = []

    async def serve() -> None:
        stop.append(asyncio.Event())
        async with fault:
            ready.set()
            await stop[0].wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield fault
    finally:
        loop.call_soon_threadsafe(stop[0].set)
        thread.join(10)
        loop.close()


SYNC_SAMPLE = [
    "get_event_source_mapping",
    "list_event_sources",
    "create_event_source_mapping",
    "iter_event_source_mappings",
    "wait_for_event_source_mapping",
]


@pytest.mark.parametrize("method", SYNC_SAMPLE)
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_the_blocking_client_ends_typed_and_bounded_too(
    method: str, data: st.DataObject, server: FaultServer
) -> None:
    """The same property through the generated sync Client, on a sample of methods."""
    names, kwargs, _ = _arguments(method)
    name = data.draw(st.sampled_from(names), label="parameter")
    kwargs[name] = data.draw(junk, label="value")
    with lambda_es.Client(
        region="us-east-1", endpoint_url=server.url, credentials=CREDENTIALS
    ) as client:
        fn = getattr(client, method)
        before = len(server.requests)
        exc: BaseException | None = None
        try:
            uuid = [kwargs.pop("uuid")] if "uuid" in kwargs else []
            result = fn(*uuid, **kwargs)
            if method.startswith("iter_"):
                list(result)
        except BaseException as caught:
            exc = caught
        _check_outcome(exc, before, len(server.requests))


CONSTRUCTOR_VALID: dict[str, Any] = {
    "region": "us-east-1",
    "endpoint_url": None,
    "credentials": CREDENTIALS,
    "profile": None,
    "retry": None,
    "timeout": None,
    "session": None,
    "max_connections": 10,
    "user_agent_extra": None,
    "max_response_size": 1024,
}


def _constructor_keywords() -> list[str]:
    signature = inspect.signature(lambda_es.AsyncClient.__init__)
    return [p for p in signature.parameters if p != "self"]


@settings(max_examples=150, deadline=None)
@given(name=st.sampled_from(_constructor_keywords()), value=junk)
def test_constructors_refuse_wrong_types_with_param_validation_error(name: str, value: Any) -> None:
    """Any junk constructor argument: ParamValidationError at construction, or a typed error at first use."""
    kwargs = {k: v for k, v in CONSTRUCTOR_VALID.items() if k in _constructor_keywords()}
    kwargs[name] = value

    async def run() -> BaseException | None:
        try:
            client = lambda_es.AsyncClient(**kwargs)
        except BaseException as exc:
            return exc
        try:
            await client.get_event_source_mapping(UUID)
        except BaseException as exc:
            return exc
        finally:
            await client.aclose()
        return None

    # Whatever the junk, nothing leaves loopback: an endpoint nobody listens on
    # (for endpoint_url=None too), and one attempt (for retry=None too).
    nowhere = {"AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"}
    with mock.patch.dict(os.environ, nowhere):
        exc = asyncio.run(run())
    assert exc is None or isinstance(exc, lambda_es.LambdaESError), repr(exc)[:300]
    if exc is not None:
        assert len(str(exc)) < BOUND


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("region", 123),
        ("region", "us-east-\u0661"),
        ("endpoint_url", b"http://127.0.0.1"),
        ("timeout", "x"),
        ("session", "x"),
        ("retry", "x"),
        ("profile", 1),
        ("credentials", "key"),
        ("max_connections", "10"),
        ("user_agent_extra", "a\nb"),
        ("timeout", lambda_es.Timeout(total=10**400)),
    ],
)
def test_named_constructor_mistakes_fail_at_construction(name: str, value: Any) -> None:
    """The issue's examples raise ParamValidationError from both constructors, before any call."""
    for cls in (lambda_es.AsyncClient, lambda_es.Client):
        with pytest.raises(lambda_es.ParamValidationError, match=name):
            cls(**{"region": "us-east-1", "credentials": CREDENTIALS, name: value})


def test_wrong_types_are_also_type_errors() -> None:
    """A value of the wrong type is a ParamTypeError: a ParamValidationError and a TypeError."""
    with pytest.raises(TypeError) as info:
        lambda_es.AsyncClient(region=123)  # type: ignore[arg-type]
    assert isinstance(info.value, lambda_es.ParamTypeError)
    assert isinstance(info.value, ValueError)


async def test_named_call_mistakes_send_nothing() -> None:
    """The issue's call examples: ParamValidationError, and the server sees no request."""
    async with (
        FaultServer(respond(200, BODY)) as server,
        lambda_es.AsyncClient(
            region="us-east-1", endpoint_url=server.url, credentials=CREDENTIALS
        ) as client,
    ):
        calls = [
            client.wait_for_event_source_mapping(UUID, state=None),  # type: ignore[arg-type]
            client.wait_for_event_source_mapping(UUID, timeout=float("nan")),
            client.wait_for_event_source_mapping(UUID, timeout=10**400),
            client.get_event_source_mapping(UUID[:-1] + "\ud800"),
            client.list_event_source_mappings(marker="\ud800"),
            client.create_event_source_mapping(
                function_name="f",
                event_source_arn=SQS,
                tags={"k": "\ud800"},
            ),
            client.create_event_source_mapping(
                function_name="f",
                event_source_arn=SQS,
                filter_criteria={"Filters": [{"Pattern": "\ud800"}]},
            ),
            client.create_event_source_mapping(
                function_name="f",
                event_source_arn=KINESIS,
                starting_position="AT_TIMESTAMP",
                starting_position_timestamp=dt.datetime.max.replace(tzinfo=_MINUS14),
            ),
            client.create_event_source_mapping(
                function_name="f", event_source_arn="arn:aws:sqs:us-east-1:\u0661" * 2
            ),
            client.get_event_source_mapping("x" * 10_000_000),
            client.list_event_sources(function_name="x" * 10_000_000),
        ]
        for call in calls:
            with pytest.raises(lambda_es.ParamValidationError) as info:
                await call
            assert len(str(info.value)) < BOUND
        assert server.requests == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"region": "x" * 1_000_000},
        {"endpoint_url": "http://" + "h" * 1_000_000},
        {"endpoint_url": "ftp://" + "h" * 1_000_000},
        {"profile": "p" * 1_000_000, "credentials": None},
    ],
    ids=["region", "http-host", "scheme", "profile"],
)
async def test_configuration_errors_quoting_huge_values_stay_bounded(
    kwargs: dict[str, Any],
) -> None:
    """A megabyte region, endpoint or profile gives a ConfigurationError of bounded length."""
    arguments: dict[str, Any] = {"region": "us-east-1", "credentials": CREDENTIALS, **kwargs}
    async with lambda_es.AsyncClient(**arguments) as client:
        with pytest.raises(lambda_es.ConfigurationError) as info:
            await client.get_event_source_mapping(UUID)
    assert len(str(info.value)) < BOUND
    assert "1,0" in str(info.value)  # the length of what was cut is said


def test_quote_value_is_short_and_never_raises() -> None:
    """quote_value cuts long values, says their length, and survives a repr that raises."""
    from lambda_es._errors import quote_value

    class Hostile:
        def __repr__(self) -> str:
            raise RuntimeError("no repr for you")

    assert quote_value("abc") == "'abc'"
    long = quote_value("x" * 10_000_000)
    assert len(long) < 300
    assert "10,000,000 characters" in long
    assert quote_value(b"\xff" * 1000).endswith("(1,000 bytes)")
    assert quote_value(Hostile()) == "<Hostile object>"
    assert quote_value("\ud800") == "'\\ud800'"
    quote_value("\ud800").encode("utf-8")  # a lone surrogate is escaped, so it encodes
    assert len(quote_value(list(range(100_000)))) < 300


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("verify", 1),
        ("verify", "\ud800"),
        ("proxy", b"http://proxy"),
        ("allow_http", "yes"),
        ("use_fips_endpoint", 1),
        ("use_dualstack_endpoint", "true"),
    ],
)
def test_the_network_keywords_have_their_type_checks_ready(name: str, value: Any) -> None:
    """check_client_arguments already knows the network and endpoint keywords' types."""
    from lambda_es._client_arguments import check_client_arguments

    with pytest.raises(lambda_es.ParamValidationError, match=name):
        check_client_arguments(**{name: value})
    check_client_arguments(verify=True, proxy=None, allow_http=False, use_fips_endpoint=None)


async def test_a_region_with_non_ascii_digits_from_the_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """AWS_REGION="us-east-\\u0661" is a ConfigurationError, never a host name or a signed header."""
    monkeypatch.setenv("AWS_REGION", "us-east-\u0661")
    async with FaultServer(respond(200, BODY)) as server:
        async with lambda_es.AsyncClient(
            endpoint_url=server.url, credentials=CREDENTIALS
        ) as client:
            with pytest.raises(lambda_es.ConfigurationError):
                await client.get_event_source_mapping(UUID)
        assert server.requests == []
