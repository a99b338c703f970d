"""moto's server on loopback, furnished with what event-source mappings need.

:func:`moto_world` starts ``moto.server.ThreadedMotoServer`` on 127.0.0.1 (a
free port), creates with boto3 an IAM role, two Lambda functions (from a zip
built in memory: creating a function needs neither Docker nor the network,
only invoking it would), a Kinesis stream and an SQS queue, and on exit
resets moto's state and stops the server.
"""

from __future__ import annotations

import contextlib
import io
import json
import urllib.request
import zipfile
from collections.abc import Iterator
from typing import Any

import attrs
import boto3
import botocore.config
from moto.server import ThreadedMotoServer

__all__ = ["REGION", "MotoWorld", "moto_world"]

REGION = "us-east-1"
#: moto accepts any keys; these are the ones its documentation uses.
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"

_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@attrs.frozen
class MotoWorld:
    """A running moto server and the resources made in it.

    Attributes:
        endpoint_url: ``http://127.0.0.1:PORT``.
        lambda_client: a boto3 Lambda client pointed at the server.
        role_arn: the functions' execution role.
        function_name: the first function's name.
        function_arn: its ARN.
        other_function_name: a second function, to move mappings to.
        other_function_arn: its ARN.
        stream_arn: a Kinesis stream.
        queue_arn: an SQS queue.
    """

    endpoint_url: str
    lambda_client: Any
    role_arn: str
    function_name: str
    function_arn: str
    other_function_name: str
    other_function_arn: str
    stream_arn: str
    queue_arn: str


def _function_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


def _reset(endpoint_url: str) -> None:
    # moto's backends are module globals shared with the rest of the process;
    # leave them empty for whoever uses moto next.
    request = urllib.request.Request(f"{endpoint_url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@contextlib.contextmanager
def moto_world() -> Iterator[MotoWorld]:
    """Start moto's server on loopback and create a role, functions, a stream and a queue.

    Yields:
        The server's URL, a boto3 Lambda client and the resources' names and ARNs.
    """
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    clients: list[Any] = []
    try:
        host, port = server.get_host_and_port()
        endpoint_url = f"http://{host}:{port}"
        session = boto3.session.Session(
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            region_name=REGION,
        )
        config = botocore.config.Config(retries={"mode": "standard", "max_attempts": 1})

        def client(service: str) -> Any:
            made = session.client(service, endpoint_url=endpoint_url, config=config)
            clients.append(made)
            return made

        iam, kinesis, sqs, lambda_client = (client(s) for s in ("iam", "kinesis", "sqs", "lambda"))
        role_arn = iam.create_role(
            RoleName="lambda-es-moto", AssumeRolePolicyDocument=json.dumps(_TRUST_POLICY)
        )["Role"]["Arn"]
        code = _function_zip()
        function_arns = [
            lambda_client.create_function(
                FunctionName=name,
                Runtime="python3.12",
                Role=role_arn,
                Handler="handler.handler",
                Code={"ZipFile": code},
            )["FunctionArn"]
            for name in ("process-orders", "process-orders-v2")
        ]
        kinesis.create_stream(StreamName="orders", ShardCount=1)
        stream_arn = kinesis.describe_stream_summary(StreamName="orders")[
            "StreamDescriptionSummary"
        ]["StreamARN"]
        queue_url = sqs.create_queue(QueueName="orders-queue")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        yield MotoWorld(
            endpoint_url=endpoint_url,
            lambda_client=lambda_client,
            role_arn=role_arn,
            function_name="process-orders",
            function_arn=function_arns[0],
            other_function_name="process-orders-v2",
            other_function_arn=function_arns[1],
            stream_arn=stream_arn,
            queue_arn=queue_arn,
        )
        _reset(endpoint_url)
    finally:
        for made in clients:
            made.close()
        server.stop()
