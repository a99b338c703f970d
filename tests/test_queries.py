"""The list and iter methods' keywords (lambda_es._queries): typed once, checked at run time."""

from __future__ import annotations

import typing

import pytest

import lambda_es
from lambda_es._queries import IterQuery, ListQuery, check_query
from lambda_es.testing import FakeLambda

from .conftest import KINESIS_ARN, ROLE_ARN


def test_both_queries_share_the_filters() -> None:
    """ListQuery and IterQuery extend one MappingFilters; every key is optional."""
    filters = set(typing.get_type_hints(lambda_es.MappingFilters))
    assert filters == {"event_source_arn", "function_name"}
    assert set(typing.get_type_hints(ListQuery)) == filters | {"marker", "max_items"}
    assert set(typing.get_type_hints(IterQuery)) == filters | {"page_size", "max_empty_pages"}
    for query in (ListQuery, IterQuery):
        assert query.__required_keys__ == frozenset()


def test_an_unknown_keyword_is_a_type_error_that_names_the_method() -> None:
    """A keyword the query does not name is refused as Python refuses one, with the choices."""
    with pytest.raises(TypeError) as caught:
        check_query("list_event_sources", {"max_item": 5}, ListQuery)
    error = caught.value
    assert isinstance(error, lambda_es.ParamTypeError)
    assert isinstance(error, lambda_es.ParamValidationError)
    assert error.param == "max_item"
    assert "list_event_sources()" in str(error)
    assert "event_source_arn, function_name, marker, max_items" in str(error)
    check_query("iter_event_sources", {"page_size": 5, "max_empty_pages": 2}, IterQuery)


@pytest.mark.parametrize(
    "method",
    [
        "list_event_sources",
        "iter_event_sources",
        "list_event_source_mappings",
        "iter_event_source_mappings",
    ],
)
async def test_a_misspelt_keyword_sends_nothing(
    client: lambda_es.AsyncClient, fake: FakeLambda, method: str
) -> None:
    """Each list and iter method refuses an unknown keyword before any request is made."""
    call = getattr(client, method)

    async def misspelt() -> None:
        if method.startswith("iter_"):
            async for _ in call(page_sise=5):
                pass
        else:
            await call(max_item=5)

    with pytest.raises(lambda_es.ParamTypeError, match=f"not a keyword of {method}"):
        await misspelt()
    assert fake.requests == []


async def test_every_keyword_reaches_the_wire(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """The four ListQuery keywords travel under each wire version's own query names."""
    streams = [f"{KINESIS_ARN}-{n}" for n in range(2)]
    for stream in streams:
        await client.add_event_source(event_source=stream, function_name="f", role=ROLE_ARN)
        await client.create_event_source_mapping(
            function_name="f", event_source_arn=stream, starting_position="LATEST"
        )
    legacy_marker = (await client.list_event_sources(max_items=1)).next_marker
    current_marker = (await client.list_event_source_mappings(max_items=1)).next_marker
    assert legacy_marker is not None
    assert current_marker is not None
    fake.requests.clear()
    await client.list_event_sources(
        event_source_arn=streams[1], function_name="f", marker=legacy_marker, max_items=3
    )
    await client.list_event_source_mappings(
        event_source_arn=streams[1], function_name="f", marker=current_marker, max_items=3
    )
    legacy, current = (dict(request.query) for request in fake.requests)
    common = {"FunctionName": "f", "MaxItems": "3"}
    assert legacy == {**common, "EventSource": streams[1], "Marker": legacy_marker}
    assert current == {**common, "EventSourceArn": streams[1], "Marker": current_marker}


async def test_iteration_keywords_set_the_page_size_and_filters(
    client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """IterQuery's page_size becomes MaxItems of every page; its filters travel on each."""
    for n in range(3):
        await client.add_event_source(
            event_source=f"{KINESIS_ARN}-{n}", function_name="f", role=ROLE_ARN
        )
    await client.add_event_source(event_source=KINESIS_ARN, function_name="other", role=ROLE_ARN)
    fake.requests.clear()
    found = [
        item
        async for item in client.iter_event_sources(
            function_name="f", page_size=2, max_empty_pages=1
        )
    ]
    assert sorted(item.event_source or "" for item in found) == [
        f"{KINESIS_ARN}-{n}" for n in range(3)
    ]
    assert [request.query.get("MaxItems") for request in fake.requests] == ["2", "2"]
    assert all(request.query.get("FunctionName") == "f" for request in fake.requests)
