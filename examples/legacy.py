"""The legacy event-source API (2014-11-13), the one lambda_es is named after.

Add a stream's event source, read it back, list the function's event
sources, add the same stream again (the legacy API re-points its mapping
rather than refusing), and remove it. New code should prefer the current API
(``examples/mappings.py``); this is for code that still speaks the old one.

With no endpoint configured (no ``AWS_ENDPOINT_URL_LAMBDA`` or
``AWS_ENDPOINT_URL``), it starts :class:`lambda_es.testing.FakeLambda` on
127.0.0.1 (in a thread of its own) and talks to that; with one, it uses your
region and credentials as boto3 would.

    python examples/legacy.py
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import lambda_es
from lambda_es.testing import FakeLambda

STREAM = "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
ROLE = "arn:aws:iam::123456789012:role/invoke-process-orders"


@contextlib.contextmanager
def make_client() -> Iterator[lambda_es.Client]:
    """Yield a client for the configured endpoint, or for a local FakeLambda."""
    if os.environ.get("AWS_ENDPOINT_URL_LAMBDA") or os.environ.get("AWS_ENDPOINT_URL"):
        with lambda_es.Client() as client:
            yield client
        return
    with (
        FakeLambda() as fake,
        lambda_es.Client(
            region=fake.region,
            endpoint_url=fake.endpoint_url,
            credentials=fake.client_credentials,
        ) as client,
    ):
        print(f"using the local endpoint {fake.endpoint_url}")
        yield client


def main() -> None:
    """Add, get, list, re-add and remove one event source."""
    with make_client() as client:
        added = client.add_event_source(
            event_source=STREAM,
            function_name="process-orders",
            role=ROLE,
            batch_size=100,
            parameters={"InitialPositionInStream": "LATEST"},
        )
        assert added.uuid is not None
        print(f"added    {added.uuid} {added.status} last modified {added.last_modified}")

        again = client.get_event_source(added.uuid)
        print(f"got      {again.uuid} {again.function_name} batch_size={again.batch_size}")

        for cfg in client.iter_event_sources(function_name="process-orders"):
            print(f"listed   {cfg.uuid} {cfg.event_source}")

        moved = client.add_event_source(
            event_source=STREAM, function_name="process-orders-v2", role=ROLE
        )
        print(f"re-added {moved.uuid} now maps to {moved.function_name} (same UUID)")

        client.remove_event_source(added.uuid)
        left = list(client.iter_event_sources(event_source_arn=STREAM))
        print(f"removed; {len(left)} event sources left for the stream")


if __name__ == "__main__":
    main()
