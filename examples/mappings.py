"""A mapping's whole life on the current API (2015-03-31), step by step.

Create a mapping, ensure it twice (the second call changes nothing), wait for
it to be Enabled, list every mapping of the function, update it, delete it.

With no endpoint configured (no ``AWS_ENDPOINT_URL_LAMBDA`` or
``AWS_ENDPOINT_URL``), it starts :class:`lambda_es.testing.FakeLambda` on
127.0.0.1 and talks to that; with one, it uses your region and credentials as
boto3 would (and really creates and deletes mappings there).

    python examples/mappings.py
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

import lambda_es
from lambda_es.testing import FakeLambda

FUNCTION = "process-orders"
ORDERS = "arn:aws:sqs:us-east-1:123456789012:orders"
REFUNDS = "arn:aws:sqs:us-east-1:123456789012:refunds"


@contextlib.asynccontextmanager
async def make_client() -> AsyncIterator[lambda_es.AsyncClient]:
    """Yield a client for the configured endpoint, or for a local FakeLambda."""
    if os.environ.get("AWS_ENDPOINT_URL_LAMBDA") or os.environ.get("AWS_ENDPOINT_URL"):
        async with lambda_es.AsyncClient() as client:
            yield client
        return
    async with (
        FakeLambda() as fake,
        lambda_es.AsyncClient(
            region=fake.region,
            endpoint_url=fake.endpoint_url,
            credentials=fake.client_credentials,
        ) as client,
    ):
        print(f"using the local endpoint {fake.endpoint_url}")
        yield client


def show(step: str, mapping: lambda_es.EventSourceMapping) -> None:
    """Print one line per step: what was done, and the mapping's state and batch size."""
    print(f"{step:<8} {mapping.uuid} {mapping.state:<9} batch_size={mapping.batch_size}")


async def main() -> None:
    """Walk one mapping through create, ensure, wait, list, update and delete."""
    async with make_client() as client:
        # Create answers 202: the mapping exists, in state Creating.
        created = await client.create_event_source_mapping(
            function_name=FUNCTION, event_source_arn=ORDERS, batch_size=10
        )
        assert created.uuid is not None
        show("create", created)

        # Ensure: this source and function with these settings. The first call
        # meets the existing mapping and updates its batch size (Updating); the
        # second finds nothing to change and leaves it alone (Enabled).
        for step in ("ensure", "ensure"):
            ensured = await client.ensure_event_source_mapping(
                function_name=FUNCTION, event_source_arn=ORDERS, batch_size=5
            )
            show(step, ensured)
            await client.wait_for_event_source_mapping(created.uuid)
        assert ensured.uuid == created.uuid

        # A second mapping, so that the listing has more than one.
        other = await client.ensure_event_source_mapping(
            function_name=FUNCTION, event_source_arn=REFUNDS
        )
        assert other.uuid is not None
        show("wait", await client.wait_for_event_source_mapping(other.uuid))

        # Iterate: every mapping of the function, page after page.
        async for mapping in client.iter_event_source_mappings(function_name=FUNCTION):
            print(f"listed   {mapping.uuid} {mapping.event_source_arn}")

        # Update: disable one; wait until it is Disabled.
        show("update", await client.update_event_source_mapping(other.uuid, enabled=False))
        show("wait", await client.wait_for_event_source_mapping(other.uuid, state="Disabled"))

        # Delete both; wait until Lambda no longer knows them.
        for uuid in (created.uuid, other.uuid):
            show("delete", await client.delete_event_source_mapping(uuid))
            await client.wait_for_event_source_mapping(uuid, state="Deleted")
        remaining = [m async for m in client.iter_event_source_mappings(function_name=FUNCTION)]
        print(f"deleted; {len(remaining)} mappings left for {FUNCTION}")


if __name__ == "__main__":
    asyncio.run(main())
