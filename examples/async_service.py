"""An asyncio service: several event sources added concurrently with one AsyncClient.

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
STREAMS = ["orders", "payments", "refunds", "shipments"]
ROLE = f"arn:aws:iam::{ACCOUNT}:role/invoke-process-orders"


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


async def add_stream(
    client: lambda_es.AsyncClient, stream: str
) -> lambda_es.EventSourceConfiguration:
    """Map one Kinesis stream to the function that processes it.

    Args:
        client: the shared client.
        stream: the stream's name.

    Returns:
        The new mapping's configuration.
    """
    return await client.add_event_source(
        event_source=f"arn:aws:kinesis:us-east-1:{ACCOUNT}:stream/{stream}",
        function_name=f"process-{stream}",
        role=ROLE,
        batch_size=100,
        parameters={"InitialPositionInStream": "LATEST"},
    )


async def main() -> None:
    """Add one event source per stream, all at once, and print what Lambda returned."""
    async with make_client() as client:
        configs = await asyncio.gather(*(add_stream(client, stream) for stream in STREAMS))
    for cfg in configs:
        print(f"{cfg.function_name}: {cfg.uuid} {cfg.status}")
    print(f"added {len(configs)} event sources concurrently")


if __name__ == "__main__":
    asyncio.run(main())
