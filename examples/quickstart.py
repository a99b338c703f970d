"""Quick start: add an event source and print the configuration Lambda returns.

Then, on the same endpoint, the current API's upsert: ensure that a queue is
mapped to the function with the given settings (create it, or update the
existing mapping to match; calling it again changes nothing).

With no endpoint configured (no ``AWS_ENDPOINT_URL_LAMBDA`` or
``AWS_ENDPOINT_URL``), it starts :class:`lambda_es.testing.FakeLambda` on
127.0.0.1 and talks to that, so it runs with no AWS account. With one, it uses
your region and credentials as boto3 would.

    python examples/quickstart.py
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
from collections.abc import AsyncIterator

import lambda_es
from lambda_es.testing import FakeLambda

STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
ROLE = "arn:aws:iam::123456789012:role/invoke-process-orders"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:orders"


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


async def main() -> None:
    """Add one event source (2014-11-13), ensure one mapping (2015-03-31), print both."""
    async with make_client() as client:
        cfg = await client.add_event_source(
            event_source=STREAM,
            function_name="process-orders",
            role=ROLE,
            batch_size=100,
            parameters={"InitialPositionInStream": "TRIM_HORIZON"},
        )
        print("added event source:")
        print(json.dumps(cfg.to_dict(), indent=2))

        mapping = await client.ensure_event_source_mapping(
            function_name="process-orders", event_source_arn=QUEUE, batch_size=10
        )
        print("ensured event source mapping:")
        print(json.dumps(mapping.to_dict(), indent=2))


if __name__ == "__main__":
    asyncio.run(main())
