"""Type-checked only (mypy --strict), never run: both clients, side by side.

Each ``assert_type`` pins what a caller's type checker sees; each
``# type: ignore[code]`` pins a mistake it must catch (strict mode reports
an ignore that is no longer needed).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from typing_extensions import assert_type

import lambda_es

STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
ROLE = "arn:aws:iam::123456789012:role/invoke-process-orders"


async def async_client_types() -> None:
    """The AsyncClient's operations are awaited and typed."""
    async with lambda_es.AsyncClient(region="us-east-1") as client:
        assert_type(client, lambda_es.AsyncClient)
        cfg = await client.add_event_source(
            event_source=STREAM, function_name="f", role=ROLE, batch_size=10
        )
        assert_type(cfg, lambda_es.EventSourceConfiguration)
        assert_type(await client.list_event_sources(), lambda_es.EventSourcePage)
        assert_type(client.iter_event_sources(), AsyncIterator[lambda_es.EventSourceConfiguration])
        async for item in client.iter_event_sources(page_size=10):
            assert_type(item, lambda_es.EventSourceConfiguration)
        mapping = await client.create_event_source_mapping(
            function_name="f", event_source_arn=STREAM, batch_size=10, enabled=True
        )
        assert_type(mapping, lambda_es.EventSourceMapping)
        assert_type(await client.list_event_source_mappings(), lambda_es.EventSourceMappingPage)
        # The list keywords are typed (Unpack[ListQuery]): a typo and a wrong type are caught.
        page = await client.list_event_source_mappings(
            event_source_arn=STREAM, function_name="f", marker=None, max_items=10
        )
        assert_type(page.next_marker, str | None)
        await client.list_event_sources(max_item=10)  # type: ignore[call-arg]
        await client.list_event_source_mappings(max_items="10")  # type: ignore[arg-type]
        async for found in client.iter_event_source_mappings(function_name="f", max_empty_pages=3):
            assert_type(found, lambda_es.EventSourceMapping)
        assert_type(await client.remove_event_source("uuid"), None)
        # A missing required keyword, and a setting of the wrong type.
        await client.add_event_source(event_source=STREAM)  # type: ignore[call-arg]
        await client.create_event_source_mapping(function_name="f", batch_size="ten")  # type: ignore[arg-type]
    await client.aclose()


def sync_client_types() -> None:
    """The blocking Client has the same operations, without await, and plain iterators."""
    with lambda_es.Client(region="us-east-1") as client:
        assert_type(client, lambda_es.Client)
        cfg = client.add_event_source(
            event_source=STREAM, function_name="f", role=ROLE, batch_size=10
        )
        assert_type(cfg, lambda_es.EventSourceConfiguration)
        assert_type(client.list_event_sources(), lambda_es.EventSourcePage)
        assert_type(client.iter_event_sources(), Iterator[lambda_es.EventSourceConfiguration])
        for item in client.iter_event_sources(page_size=10):
            assert_type(item, lambda_es.EventSourceConfiguration)
        mapping = client.create_event_source_mapping(
            function_name="f", event_source_arn=STREAM, batch_size=10, enabled=True
        )
        assert_type(mapping, lambda_es.EventSourceMapping)
        assert_type(client.list_event_source_mappings(), lambda_es.EventSourceMappingPage)
        client.iter_event_sources(page_sise=10)  # type: ignore[call-arg]
        assert_type(client.remove_event_source("uuid"), None)
        client.add_event_source(event_source=STREAM)  # type: ignore[call-arg]
        client.create_event_source_mapping(function_name="f", batch_size="ten")  # type: ignore[arg-type]
        # Blocking calls return values, not awaitables.
        await_me = client.get_event_source("uuid")
        assert_type(await_me, lambda_es.EventSourceConfiguration)
    client.close()


def same_constructor_keywords(credentials: lambda_es.Credentials) -> None:
    """Both constructors take the same keywords."""
    settings = {"region": "us-east-1", "endpoint_url": "http://127.0.0.1:9000"}
    lambda_es.AsyncClient(
        region=settings["region"],
        endpoint_url=settings["endpoint_url"],
        credentials=credentials,
        retry=lambda_es.Retry(mode="standard", max_attempts=5),
        timeout=lambda_es.Timeout(total=10.0),
        max_connections=10,
    )
    lambda_es.Client(
        region=settings["region"],
        endpoint_url=settings["endpoint_url"],
        credentials=credentials,
        retry=lambda_es.Retry(mode="standard", max_attempts=5),
        timeout=lambda_es.Timeout(total=10.0),
        max_connections=10,
    )
    lambda_es.Client(regoin="us-east-1")  # type: ignore[call-arg]
    for client_class in (lambda_es.AsyncClient, lambda_es.Client):
        client_class(
            verify="/etc/ssl/ca.pem",
            proxy="http://proxy.example:3128",
            allow_http=True,
            use_fips_endpoint=True,
            use_dualstack_endpoint=False,
        )
        client_class(verify=False, proxy=False)
        client_class(proxy=True)  # type: ignore[arg-type]
        client_class(use_fips_endpoint="yes")  # type: ignore[arg-type]
