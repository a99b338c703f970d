"""An asyncio service: several mappings ensured concurrently with one AsyncClient.

One client is shared by every task, so the calls run side by side over one
connection pool. With no endpoint configured (no ``AWS_ENDPOINT_URL_LAMBDA`` or
``AWS_ENDPOINT_URL``), it starts :class:`lambda_es.testing.FakeLambda` on
127.0.0.1 and talks to that; with one, it uses your region and credentials as
boto3 would.

    python examples/async_service.py
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator

import lambda_es
from lambda_es.testing import FakeLambda

ACCOUNT = "123456789012"
QUEUES = ["orders", "payments", "refunds", "shipments"]


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


async def ensure_queue(client: lambda_es.AsyncClient, queue: str) -> lambda_es.EventSourceMapping:
    """Map one SQS queue to the function that processes it, and wait until it is Enabled.

    Args:
        client: the shared client.
        queue: the queue's name.

    Returns:
        The mapping, Enabled.
    """
    mapping = await client.ensure_event_source_mapping(
        function_name=f"process-{queue}",
        event_source_arn=f"arn:aws:sqs:us-east-1:{ACCOUNT}:{queue}",
        batch_size=10,
    )
    assert mapping.uuid is not None
    return await client.wait_for_event_source_mapping(mapping.uuid)


async def main() -> None:
    """Ensure one mapping per queue, all at once, and print what Lambda returned."""
    async with make_client() as client:
        mappings = await asyncio.gather(*(ensure_queue(client, queue) for queue in QUEUES))
    for mapping in mappings:
        function = (mapping.function_arn or "").rsplit(":", 1)[-1]
        print(f"{function}: {mapping.uuid} {mapping.state}")
    print(f"ensured {len(mappings)} mappings concurrently")


if __name__ == "__main__":
    asyncio.run(main())
