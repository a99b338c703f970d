"""A blocking deploy script: ensure one mapping with lambda_es.Client, no asyncio in sight.

It makes sure the queue is mapped to the function with the given batch size
(creating the mapping, or updating the existing one; run it twice and the
second run changes nothing) and waits until the mapping is Enabled.

With no endpoint configured (no ``AWS_ENDPOINT_URL_LAMBDA`` or
``AWS_ENDPOINT_URL``), it starts :class:`lambda_es.testing.FakeLambda` on
127.0.0.1 (in a thread of its own) and talks to that; with one, it uses your
region and credentials as boto3 would.

    python examples/sync_script.py --function-name process-orders \\
        --queue-arn arn:aws:sqs:us-east-1:123456789012:orders --batch-size 50
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from collections.abc import Iterator, Sequence

import lambda_es
from lambda_es.testing import FakeLambda

QUEUE = "arn:aws:sqs:us-east-1:123456789012:orders"


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


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        The parsed arguments.
    """
    parser = argparse.ArgumentParser(description="Map an SQS queue to a Lambda function.")
    parser.add_argument("--function-name", default="process-orders", help="the function")
    parser.add_argument("--queue-arn", default=QUEUE, help="the SQS queue's ARN")
    parser.add_argument("--batch-size", type=int, default=10, help="messages per invocation")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Ensure the mapping, wait until it is Enabled, and print it.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0, or 1 when Lambda refused the request.
    """
    args = parse_args(argv)
    with make_client() as client:
        try:
            mapping = client.ensure_event_source_mapping(
                function_name=args.function_name,
                event_source_arn=args.queue_arn,
                batch_size=args.batch_size,
            )
            assert mapping.uuid is not None
            mapping = client.wait_for_event_source_mapping(mapping.uuid)
        except lambda_es.LambdaESError as exc:
            print(f"failed: {exc}")
            return 1
    print("mapping enabled:")
    print(json.dumps(mapping.to_dict(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
