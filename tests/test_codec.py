"""The converter both ways (lambda_es._codec): responses into models, requests out of them.

Decoding is lenient exactly where AWS has been inconsistent (LastModified,
IsActive), ignores unknown members, and turns anything else malformed in a
2xx body into a DecodeError that quotes a short excerpt. Request arguments are
structured strictly, once, from a model or a dict with AWS names; requests and
``to_dict()`` unstructure through the same converter.
"""

from __future__ import annotations

import datetime as dt
import json
import types
import typing
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lambda_es
from lambda_es import DecodeError, EventSourceConfiguration, EventSourcePage, ParamValidationError
from lambda_es._codec import (
    decode,
    encode_body,
    epoch_seconds,
    structure_param,
    unstructure_dict,
    unstructure_request,
)

UTC = dt.timezone.utc

FULL = {
    "UUID": "a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
    "BatchSize": 100,
    "EventSource": "arn:aws:kinesis:us-east-1:123456789012:stream/orders",
    "FunctionName": "process-orders",
    "Parameters": {"InitialPositionInStream": "TRIM_HORIZON"},
    "Role": "arn:aws:iam::123456789012:role/invoke-process-orders",
    "LastModified": "2014-11-13T19:07:20.006+0000",
    "IsActive": True,
    "Status": "PENDING",
}


def _decode(payload: Any) -> EventSourceConfiguration:
    return decode(EventSourceConfiguration, json.dumps(payload).encode())


def test_all_nine_fields_decode() -> None:
    """Every member of EventSourceConfiguration lands in its snake_case field."""
    cfg = _decode(FULL)
    assert cfg == EventSourceConfiguration(
        uuid="a1b2c3d4-5678-90ab-cdef-EXAMPLE11111",
        batch_size=100,
        event_source="arn:aws:kinesis:us-east-1:123456789012:stream/orders",
        function_name="process-orders",
        parameters={"InitialPositionInStream": "TRIM_HORIZON"},
        role="arn:aws:iam::123456789012:role/invoke-process-orders",
        last_modified=dt.datetime(2014, 11, 13, 19, 7, 20, 6000, tzinfo=UTC),
        is_active=True,
        status="PENDING",
    )


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("2014-11-13T19:07:20.006+0000", dt.datetime(2014, 11, 13, 19, 7, 20, 6000, tzinfo=UTC)),
        ("2014-11-13T19:07:20.006Z", dt.datetime(2014, 11, 13, 19, 7, 20, 6000, tzinfo=UTC)),
        ("2014-11-13T19:07:20Z", dt.datetime(2014, 11, 13, 19, 7, 20, tzinfo=UTC)),
        ("2014-11-13T19:07:20.006+00:00", dt.datetime(2014, 11, 13, 19, 7, 20, 6000, tzinfo=UTC)),
        ("2014-11-14T00:37:20.006+05:30", dt.datetime(2014, 11, 13, 19, 7, 20, 6000, tzinfo=UTC)),
        ("2014-11-13T11:07:20.006-0800", dt.datetime(2014, 11, 13, 19, 7, 20, 6000, tzinfo=UTC)),
        (
            "2014-11-13T19:07:20.123456789Z",
            dt.datetime(2014, 11, 13, 19, 7, 20, 123456, tzinfo=UTC),
        ),
        (1415905640, dt.datetime(2014, 11, 13, 19, 7, 20, tzinfo=UTC)),
        (1415905640.5, dt.datetime(2014, 11, 13, 19, 7, 20, 500000, tzinfo=UTC)),
    ],
)
def test_last_modified_forms(wire: object, expected: dt.datetime) -> None:
    """LastModified as ISO-8601 (+0000, Z, +00:00, other offsets) or epoch is one aware UTC instant."""
    value = _decode({"LastModified": wire}).last_modified
    assert value == expected
    assert value is not None
    assert value.tzinfo is UTC


def test_naive_iso_timestamp_is_taken_as_utc() -> None:
    """A timestamp without an offset is read as UTC, never as the machine's local time."""
    value = _decode({"LastModified": "2014-11-13T19:07:20"}).last_modified
    assert value == dt.datetime(2014, 11, 13, 19, 7, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("wire", "expected"),
    [(True, True), (False, False), ("true", True), ("false", False), (None, None)],
)
def test_is_active_bool_or_string(wire: object, expected: bool | None) -> None:
    """IsActive is a bool, the strings "true"/"false", or absent (null)."""
    assert _decode({"IsActive": wire}).is_active is expected


def test_unknown_members_are_ignored() -> None:
    """A member this client does not know (a newer API) does not break decoding."""
    cfg = _decode({**FULL, "StateTransitionReason": "User action", "Nested": {"x": [1]}})
    assert cfg == _decode(FULL)


@pytest.mark.parametrize("body", [b"", b"   ", b"\r\n"])
def test_empty_body_is_an_empty_object(body: bytes) -> None:
    """An empty 2xx body decodes to a model whose fields are all None."""
    cfg = decode(EventSourceConfiguration, body)
    assert cfg == EventSourceConfiguration()
    assert all(value is None for value in attrs.asdict(cfg).values())
    page = decode(EventSourcePage, body)
    assert page.event_sources == ()
    assert page.next_marker is None


def test_missing_members_are_none() -> None:
    """A partial response leaves the absent fields None."""
    cfg = _decode({"UUID": "u-1", "Status": "OK"})
    assert cfg.uuid == "u-1"
    assert cfg.status == "OK"
    assert cfg.batch_size is None
    assert cfg.last_modified is None


def test_page_decodes_its_configurations() -> None:
    """EventSourcePage holds a tuple of configurations and the next marker."""
    body = json.dumps({"EventSources": [FULL, {"UUID": "u-2"}], "NextMarker": "m-2"}).encode()
    page = decode(EventSourcePage, body)
    assert page.event_sources == (_decode(FULL), EventSourceConfiguration(uuid="u-2"))
    assert page.next_marker == "m-2"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"<html><body>Bad gateway</body></html>", "<html><body>Bad gateway"),
        (b'{"UUID": "abc', '{"UUID": "abc'),
        (b'[{"UUID": "abc"}]', '[{"UUID": "abc"}]'),
        (b"null", "null"),
        (b'"a string"', '"a string"'),
        (b"\xff\xfe garbage", "garbage"),
    ],
)
def test_malformed_bodies_raise_decode_error(body: bytes, fragment: str) -> None:
    """A body that is not a JSON object raises DecodeError quoting the body."""
    with pytest.raises(DecodeError) as info:
        decode(EventSourceConfiguration, body)
    assert fragment in str(info.value)


@pytest.mark.parametrize(
    ("member", "value"),
    [
        ("UUID", 5),
        ("BatchSize", "100"),
        ("BatchSize", 100.5),
        ("BatchSize", True),
        ("FunctionName", ["f"]),
        ("Parameters", "InitialPositionInStream=LATEST"),
        ("Parameters", {"InitialPositionInStream": 1}),
        ("IsActive", "yes"),
        ("IsActive", 1),
        ("Status", {"nested": True}),
        ("LastModified", "yesterday"),
        ("LastModified", "2014-13-45T19:07:20Z"),
        ("LastModified", True),
        ("LastModified", [2014, 11, 13]),
        ("LastModified", 1e20),
    ],
)
def test_wrong_member_types_raise_decode_error(member: str, value: object) -> None:
    """A member of the wrong type, or a timestamp that is not one, is a DecodeError naming the model."""
    body = json.dumps({**FULL, member: value})
    with pytest.raises(DecodeError) as info:
        decode(EventSourceConfiguration, body.encode())
    message = str(info.value)
    assert "EventSourceConfiguration" in message
    assert body[:60] in message  # the excerpt of the body


def test_page_with_a_bad_item_raises_decode_error() -> None:
    """One malformed configuration inside a page fails the page."""
    body = json.dumps({"EventSources": [FULL, {"BatchSize": "x"}]}).encode()
    with pytest.raises(DecodeError, match="EventSourcePage"):
        decode(EventSourcePage, body)
    with pytest.raises(DecodeError, match="EventSourcePage"):
        decode(EventSourcePage, b'{"EventSources": {"UUID": "u"}}')


def test_excerpt_is_short() -> None:
    """However large the bad body, the message quotes only a short excerpt of it."""
    body = b"<html>" + b"x" * 100_000 + b"</html>"
    with pytest.raises(DecodeError) as info:
        decode(EventSourceConfiguration, body)
    assert len(str(info.value)) < 400
    assert str(info.value).endswith("...")
    wrong = json.dumps({**FULL, "BatchSize": "y" * 100_000}).encode()
    with pytest.raises(DecodeError) as info:
        decode(EventSourceConfiguration, wrong)
    assert len(str(info.value)) < 1000


def test_decode_error_chains_the_cause() -> None:
    """The parser's exception is kept as __cause__ for debugging."""
    with pytest.raises(DecodeError) as info:
        decode(EventSourceConfiguration, b"{oops")
    assert isinstance(info.value.__cause__, ValueError)


def test_to_dict_uses_wire_names_and_omits_none() -> None:
    """to_dict() has the AWS member names, ISO-8601 datetimes, and no absent members."""
    cfg = _decode(FULL)
    assert cfg.to_dict() == {**FULL, "LastModified": "2014-11-13T19:07:20.006000+00:00"}
    assert EventSourceConfiguration(uuid="u").to_dict() == {"UUID": "u"}
    page = EventSourcePage(event_sources=(EventSourceConfiguration(uuid="u"),), next_marker="m")
    assert page.to_dict() == {"EventSources": [{"UUID": "u"}], "NextMarker": "m"}
    json.dumps(page.to_dict())


def test_to_dict_round_trips() -> None:
    """decode(to_dict()) gives back an equal model."""
    cfg = _decode(FULL)
    assert _decode(cfg.to_dict()) == cfg
    page = decode(EventSourcePage, json.dumps({"EventSources": [FULL], "NextMarker": "n"}).encode())
    assert decode(EventSourcePage, json.dumps(page.to_dict()).encode()) == page


_OPTIONAL_TEXT = st.none() | st.text(max_size=30)


@settings(max_examples=100, deadline=None)
@given(
    cfg=st.builds(
        EventSourceConfiguration,
        uuid=_OPTIONAL_TEXT,
        batch_size=st.none() | st.integers(min_value=1, max_value=10_000),
        event_source=_OPTIONAL_TEXT,
        function_name=_OPTIONAL_TEXT,
        parameters=st.none() | st.dictionaries(st.text(max_size=10), st.text(max_size=10)),
        role=_OPTIONAL_TEXT,
        last_modified=st.none()
        | st.datetimes(
            min_value=dt.datetime(1971, 1, 1),
            max_value=dt.datetime(2200, 1, 1),
            timezones=st.just(UTC),
        ),
        is_active=st.none() | st.booleans(),
        status=st.none() | st.sampled_from(["PENDING", "OK", "PROBLEM: no access"]),
    )
)
def test_to_dict_round_trip_property(cfg: EventSourceConfiguration) -> None:
    """Any configuration survives to_dict -> JSON -> decode unchanged."""
    assert decode(EventSourceConfiguration, encode_body(cfg.to_dict())) == cfg


def test_encode_body_is_compact_utf8() -> None:
    """Request bodies are compact JSON in UTF-8, non-ASCII left unescaped, as AWS SDKs send."""
    assert encode_body({"A": 1, "B": "é"}) == '{"A":1,"B":"é"}'.encode()


def test_a_string_where_an_array_belongs_is_a_decode_error() -> None:
    """A response whose list member is a string is malformed, not a tuple of characters."""
    from lambda_es import EventSourceMapping

    with pytest.raises(DecodeError):
        decode(EventSourceMapping, json.dumps({"Topics": "orders"}).encode())
    with pytest.raises(DecodeError):
        decode(EventSourceMapping, json.dumps({"FilterCriteria": "x"}).encode())


def test_unstructure_request_writes_wire_names_lists_and_epoch_seconds() -> None:
    """A request value: AWS names, None left out, tuples as lists, datetimes as epoch seconds."""
    config = lambda_es.SelfManagedKafkaEventSourceConfig(
        consumer_group_id="orders",
        schema_registry_config=lambda_es.KafkaSchemaRegistryConfig(
            access_configs=(lambda_es.KafkaSchemaRegistryAccessConfig(type="BASIC_AUTH"),),
        ),
    )
    assert unstructure_request(config) == {
        "ConsumerGroupId": "orders",
        "SchemaRegistryConfig": {"AccessConfigs": [{"Type": "BASIC_AUTH"}]},
    }
    when = dt.datetime(2024, 5, 1, 12, 0, 0, 250_000, tzinfo=UTC)
    assert unstructure_request(when) == 1714564800.25
    assert unstructure_request(dt.datetime(2024, 5, 1, tzinfo=UTC)) == 1714521600
    source = lambda_es.SelfManagedEventSource(endpoints={"KAFKA_BOOTSTRAP_SERVERS": ("b1:9092",)})
    assert unstructure_request(source) == {"Endpoints": {"KAFKA_BOOTSTRAP_SERVERS": ["b1:9092"]}}


def test_epoch_seconds_matches_unstructure_request() -> None:
    """The timestamp hook is epoch_seconds, and an offset is converted to UTC first."""
    when = dt.datetime(2024, 5, 1, 14, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert unstructure_request(when) == epoch_seconds(when) == 1714564800


def test_unstructure_dict_writes_iso_timestamps() -> None:
    """to_dict()'s form differs from a request's only in writing datetimes as ISO-8601."""
    mapping = lambda_es.EventSourceMapping(
        uuid="u", last_modified=dt.datetime(2024, 5, 1, tzinfo=UTC), topics=("t",)
    )
    assert unstructure_dict(mapping) == {
        "UUID": "u",
        "LastModified": "2024-05-01T00:00:00+00:00",
        "Topics": ["t"],
    }
    assert mapping.to_dict() == unstructure_dict(mapping)
    assert unstructure_request(mapping)["LastModified"] == 1714521600


def test_structure_param_takes_a_model_or_a_dict_alike() -> None:
    """A model and the same dict with AWS names structure to equal models."""
    as_dict = {"Filters": [{"Pattern": '{"a": [1]}'}]}
    as_model = lambda_es.FilterCriteria(filters=(lambda_es.Filter(pattern='{"a": [1]}'),))
    assert structure_param(lambda_es.FilterCriteria, as_dict, "f") == as_model
    assert structure_param(lambda_es.FilterCriteria, as_model, "f") == as_model


def test_structure_param_type_checks_a_models_fields() -> None:
    """attrs checks no types, so a model built with a wrong type is refused like a dict."""
    wrong = lambda_es.ScalingConfig(maximum_concurrency="5")  # type: ignore[arg-type]
    with pytest.raises(ParamValidationError, match=r"scaling_config\.MaximumConcurrency"):
        structure_param(lambda_es.ScalingConfig, wrong, "scaling_config")
    nested = lambda_es.DestinationConfig(on_failure=lambda_es.OnFailure(destination=5))  # type: ignore[arg-type]
    with pytest.raises(ParamValidationError, match=r"destination_config\.OnFailure\.Destination"):
        structure_param(lambda_es.DestinationConfig, nested, "destination_config")
    listed = lambda_es.FilterCriteria(filters=[lambda_es.Filter(pattern="{}")])  # type: ignore[arg-type]
    assert structure_param(lambda_es.FilterCriteria, listed, "f").filters == (
        lambda_es.Filter(pattern="{}"),
    )


def test_structure_param_refuses_unknown_members_and_other_types() -> None:
    """A dict with a misspelt member, or a value of another type, is a ParamValidationError."""
    with pytest.raises(ParamValidationError, match="MaximumConcurency"):
        structure_param(lambda_es.ScalingConfig, {"MaximumConcurency": 5}, "scaling_config")
    with pytest.raises(ParamValidationError, match="must be a ScalingConfig or a dict"):
        structure_param(lambda_es.ScalingConfig, [5], "scaling_config")


def _values(annotation: Any) -> st.SearchStrategy[Any]:
    # Any value of a generated model's field type, models nested to any depth.
    if attrs.has(annotation):
        hints = typing.get_type_hints(annotation)
        return st.builds(
            annotation, **{f.name: _values(hints[f.name]) for f in attrs.fields(annotation)}
        )
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (types.UnionType, typing.Union):
        return st.one_of([_values(arg) for arg in args])
    if origin is tuple:
        return st.lists(_values(args[0]), max_size=2).map(tuple)
    if origin is dict:
        return st.dictionaries(_values(args[0]), _values(args[1]), max_size=2)
    simple: dict[Any, st.SearchStrategy[Any]] = {
        type(None): st.none(),
        str: st.text(max_size=8),
        int: st.integers(-(2**31), 2**31),
        bool: st.booleans(),
        dt.datetime: st.datetimes(min_value=dt.datetime(1971, 1, 1), timezones=st.just(UTC)),
    }
    return simple[annotation]


@settings(max_examples=60, deadline=None)
@given(mapping=_values(lambda_es.EventSourceMapping))
def test_every_current_model_round_trips_through_to_dict(
    mapping: lambda_es.EventSourceMapping,
) -> None:
    """decode(to_dict()) gives back an equal EventSourceMapping, nested models included."""
    assert decode(lambda_es.EventSourceMapping, json.dumps(mapping.to_dict()).encode()) == mapping


@settings(max_examples=60, deadline=None)
@given(config=_values(lambda_es.SelfManagedKafkaEventSourceConfig))
def test_a_request_model_round_trips_through_the_wire_form(
    config: lambda_es.SelfManagedKafkaEventSourceConfig,
) -> None:
    """structure_param(unstructure_request(m)) == m, and a model structures to itself."""
    wire = unstructure_request(config)
    assert json.loads(encode_body(wire)) == wire
    assert structure_param(type(config), wire, "c") == config
    assert structure_param(type(config), config, "c") == config


def test_import_does_not_build_converters_or_load_cattrs() -> None:
    """``import lambda_es`` loads no cattrs: the converters are built by the first (de)coding."""
    import subprocess
    import sys

    check = (
        "import sys, lambda_es; "
        "assert 'cattrs' not in sys.modules, sorted(m for m in sys.modules if 'cattrs' in m); "
        "from lambda_es._codec import decode; "
        "assert decode(lambda_es.EventSourceConfiguration, b'{\"BatchSize\": 5}').batch_size == 5; "
        "assert 'cattrs' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", check], check=True, timeout=60)


@pytest.mark.parametrize(
    ("member", "value"),
    [("BatchSize", "5"), ("BatchSize", True), ("FunctionArn", 3), ("State", ["x"])],
)
def test_optional_members_check_their_inner_type(member: str, value: object) -> None:
    """An optional member's value is None or goes through the inner type's own check."""
    model = lambda_es.EventSourceMapping
    field = {"BatchSize": "batch_size", "FunctionArn": "function_arn", "State": "state"}[member]
    assert getattr(decode(model, json.dumps({member: None}).encode()), field) is None
    with pytest.raises(DecodeError, match=member):
        decode(model, json.dumps({member: value}).encode())


def test_optional_nested_models_decode_or_are_none() -> None:
    """An optional nested model decodes through its own structure function, or stays None."""
    body = {"DestinationConfig": {"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:1:q"}}}
    mapping = decode(lambda_es.EventSourceMapping, json.dumps(body).encode())
    assert mapping.destination_config is not None
    assert mapping.destination_config.on_failure is not None
    assert mapping.destination_config.on_failure.destination == "arn:aws:sqs:us-east-1:1:q"
    empty = decode(lambda_es.EventSourceMapping, b'{"DestinationConfig": null}')
    assert empty.destination_config is None
