"""A blocking script: add one event source with lambda_es.Client, no asyncio in sight.

With no endpoint configured (no ``AWS_ENDPOINT_URL_LAMBDA`` or
``AWS_ENDPOINT_URL``), it starts :class:`lambda_es.testing.FakeLambda` on
127.0.0.1 (in a thread of its own) and talks to that; with one, it uses your
region and credentials as boto3 would.

    python examples/sync_script.py --function-name process-orders \\
        --stream-arn arn:aws:kinesis:us-east-1:123456789012:stream/orders \\
        --role-arn arn:aws:iam::123456789012:role/invoke-process-orders --batch-size 50
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from collections.abc import Iterator, Sequence

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


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        The parsed arguments.
    """
    parser = argparse.ArgumentParser(description="Map a Kinesis stream to a Lambda function.")
    parser.add_argument("--function-name", default="process-orders", help="the function")
    parser.add_argument("--stream-arn", default=STREAM, help="the Kinesis stream's ARN")
    parser.add_argument("--role-arn", default=ROLE, help="the role Lambda reads the stream as")
    parser.add_argument("--batch-size", type=int, default=100, help="records per invocation")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Add the event source, read it back, and print it.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0, or 1 when Lambda refused the request.
    """
    args = parse_args(argv)
    with make_client() as client:
        try:
            cfg = client.add_event_source(
                event_source=args.stream_arn,
                function_name=args.function_name,
                role=args.role_arn,
                batch_size=args.batch_size,
            )
        except lambda_es.LambdaESError as exc:
            print(f"failed: {exc}")
            return 1
        assert cfg.uuid is not None
        again = client.get_event_source(cfg.uuid)
    print("added event source:")
    print(json.dumps(again.to_dict(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
