"""The legacy (2014-11-13) family end to end against FakeLambda on loopback."""

from __future__ import annotations

import re

import pytest
from aioresponses import aioresponses

import lambda_es
from lambda_es.testing import FakeLambda

from .conftest import DYNAMODB_ARN, KINESIS_ARN, ROLE_ARN


async def _add(client: lambda_es.AsyncClient, stream: str, function: str = "f") -> str:
    cfg = await client.add_event_source(event_source=stream, function_name=function, role=ROLE_ARN)
    assert cfg.uuid is not None
    return cfg.uuid


def _stream(i: int) -> str:
    return f"arn:aws:kinesis:us-east-1:123456789012:stream/s{i}"


async def test_get_returns_what_add_made(client: lambda_es.AsyncClient, fake: FakeLambda) -> None:
    """get_event_source GETs /2014-11-13/event-source-mappings/{UUID} and decodes it."""
    uuid = await _add(client, KINESIS_ARN)
    cfg = await client.get_event_source(uuid)
    assert (cfg.uuid, cfg.event_source, cfg.function_name) == (uuid, KINESIS_ARN, "f")
    assert fake.requests[-1].method == "GET"
    assert fake.requests[-1].raw_path == f"/2014-11-13/event-source-mappings/{uuid}"


async def test_adding_a_mapped_stream_moves_it(client: lambda_es.AsyncClient) -> None:
    """As the seed documents, AddEventSource on a mapped stream re-points its mapping."""
    first = await _add(client, DYNAMODB_ARN, "old")
    second = await _add(client, DYNAMODB_ARN, "new")
    assert first == second
    assert (await client.get_event_source(first)).function_name == "new"


async def test_uuid_is_percent_encoded_in_the_path(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """A UUID with reserved characters travels as one encoded segment (and 404s)."""
    with pytest.raises(lambda_es.ResourceNotFoundError) as caught:
        await client.get_event_source("a b/c?d")
    assert fake.requests[-1].raw_path == "/2014-11-13/event-source-mappings/a%20b%2Fc%3Fd"
    assert caught.value.status == 404
    assert caught.value.request_id


async def test_list_pages_and_filters(client: lambda_es.AsyncClient, fake: FakeLambda) -> None:
    """list_event_sources sends EventSource/FunctionName/Marker/MaxItems and returns a page."""
    for i in range(3):
        await _add(client, _stream(i), "f" if i < 2 else "g")
    page = await client.list_event_sources(function_name="f", max_items=1)
    assert len(page.event_sources) == 1
    assert page.next_marker is not None
    assert fake.requests[-1].query == {"FunctionName": "f", "MaxItems": "1"}
    rest = await client.list_event_sources(function_name="f", marker=page.next_marker, max_items=1)
    assert rest.next_marker is None
    assert {c.event_source for c in page.event_sources + rest.event_sources} == {
        _stream(0),
        _stream(1),
    }
    only = await client.list_event_sources(event_source_arn=_stream(2))
    assert [c.function_name for c in only.event_sources] == ["g"]
    assert fake.requests[-1].query == {"EventSource": _stream(2)}


async def test_iter_follows_markers_to_the_end(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """iter_event_sources yields every mapping, one request per page."""
    uuids = {await _add(client, _stream(i)) for i in range(5)}
    before = len(fake.requests)
    seen = [cfg.uuid async for cfg in client.iter_event_sources(page_size=2)]
    assert set(seen) == uuids
    assert len(seen) == 5
    assert len(fake.requests) - before == 3


async def test_remove_then_get_is_not_found(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """remove_event_source DELETEs (204, empty body) and the mapping is gone."""
    uuid = await _add(client, KINESIS_ARN)
    await client.remove_event_source(uuid)
    assert fake.requests[-1].method == "DELETE"
    with pytest.raises(lambda_es.ResourceNotFoundError):
        await client.get_event_source(uuid)
    with pytest.raises(lambda_es.ResourceNotFoundError):
        await client.remove_event_source(uuid)


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (lambda c: c.get_event_source(""), "uuid"),
        (lambda c: c.get_event_source(".."), "uuid"),
        (lambda c: c.remove_event_source(7), "uuid"),
        (lambda c: c.list_event_sources(max_items=0), "max_items"),
        (lambda c: c.list_event_sources(max_items=10_001), "max_items"),
        (lambda c: c.list_event_sources(max_items=True), "max_items"),
        (lambda c: c.list_event_sources(function_name="bad name"), "function_name"),
        (lambda c: c.list_event_sources(marker=5), "marker"),
    ],
)
async def test_bad_arguments_send_nothing(
    client: lambda_es.AsyncClient, fake: FakeLambda, call: object, param: str
) -> None:
    """Legacy arguments are checked before sending, naming the parameter."""
    with pytest.raises(lambda_es.ParamValidationError) as caught:
        await call(client)  # type: ignore[operator]
    assert caught.value.param == param
    assert fake.requests == []


async def test_repeated_marker_is_an_error_not_a_loop(
    client: lambda_es.AsyncClient, fake: FakeLambda, mocked: aioresponses
) -> None:
    """A service that hands back the same marker forever ends in DecodeError."""
    body = {"EventSources": [], "NextMarker": "same"}
    url = re.compile(re.escape(fake.endpoint_url) + ".*")
    mocked.get(url, payload=body, repeat=True)
    with pytest.raises(lambda_es.DecodeError, match="repeated the page marker"):
        async for _ in client.iter_event_sources():
            pass
