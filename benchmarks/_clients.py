"""The clients under test, each reduced to one call: ``call(i)`` makes request number ``i``.

Every client sends the same operation with the same members to the same
server, and every call checks that it succeeded (a failed call must never
count as a fast one):

``get``
    GetEventSourceMapping (2015-03-31) of one settled mapping: a pure read.
``create``
    CreateEventSourceMapping (2015-03-31) of an SQS queue for the function
    ``bench-<i>``: a write, with a fresh function per call so none is a 409.
``add``
    AddEventSource (2014-11-13 on the wire; boto3's ``api_version="2014-11-11"``)
    of one Kinesis stream: a write that the legacy API treats as an upsert.

The credentials are dummies (``_constants.py``): no server verifies a
signature, and the endpoint is always 127.0.0.1.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    contextmanager,
)
from typing import Any, Literal

import aiohttp
from _constants import (
    ACCESS_KEY,
    ADD_BODY,
    QUEUE_ARN,
    REGION,
    ROLE_ARN,
    SECRET_KEY,
    STREAM_ARN,
    placeholder_headers,
    sdk_options,
)

import lambda_es

__all__ = [
    "ACCESS_KEY",
    "ASYNC_CLIENTS",
    "OPERATIONS",
    "QUEUE_ARN",
    "REGION",
    "SECRET_KEY",
    "SYNC_CLIENTS",
    "AsyncCall",
    "AsyncOpener",
    "BenchmarkCallError",
    "Operation",
    "SyncCall",
    "SyncOpener",
    "placeholder_headers",
    "unavailable",
]

Operation = Literal["get", "create", "add"]
OPERATIONS: tuple[Operation, ...] = ("get", "create", "add")

AsyncCall = Callable[[int], Awaitable[object]]
SyncCall = Callable[[int], object]
# An opener takes (endpoint_url, operation, uuid of the mapping to read,
# connection pool size) and opens a client, yielding its call.
AsyncOpener = Callable[[str, Operation, str, int], AbstractAsyncContextManager[AsyncCall]]
SyncOpener = Callable[[str, Operation, str, int], AbstractContextManager[SyncCall]]

# Generous but finite, so a wedged server ends a call instead of the run.
CALL_TIMEOUT = 30.0


class BenchmarkCallError(Exception):
    """A call that did not succeed (the raw clients raise it; the SDKs raise their own)."""


def unavailable() -> dict[str, str]:
    """Clients that cannot run here, with the reason (printed, not fatal).

    Returns:
        Client name to reason.
    """
    missing: dict[str, str] = {}
    if _sync_client_class() is None:
        missing["lambda_es.Client"] = "lambda_es.Client is not in this version of lambda_es"
    for module in ("boto3", "aiobotocore"):
        if importlib.util.find_spec(module) is None:
            missing[module] = f"{module} is not installed"
    return missing


def _sync_client_class() -> type[lambda_es.Client] | None:
    # The sync facade is generated; an older checkout may not have it yet.
    found: type[lambda_es.Client] | None = getattr(lambda_es, "Client", None)
    return found


def _create_body(i: int) -> dict[str, object]:
    return {"FunctionName": f"bench-{i}", "EventSourceArn": QUEUE_ARN, "BatchSize": 10}


# -- (a) raw aiohttp: the floor ------------------------------------------------


@asynccontextmanager
async def raw_aiohttp(
    endpoint: str, operation: Operation, uuid: str, connections: int
) -> AsyncIterator[AsyncCall]:
    """The same request with aiohttp alone: no signing, no validation, no models.

    The Authorization header is a fixed, well-formed placeholder (its
    signature is zeros), because the server only checks the header's shape:
    this is the cost of HTTP and JSON alone, the floor for every client.

    Args:
        endpoint: the server's URL.
        operation: which call to make.
        uuid: the mapping that ``get`` reads.
        connections: the connection pool size.

    Yields:
        The call.
    """
    headers = placeholder_headers()
    timeout = aiohttp.ClientTimeout(total=CALL_TIMEOUT)
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

        async def send(method: str, url: str, body: bytes | None, expected: int) -> object:
            async with session.request(method, url, data=body, headers=headers) as response:
                payload = await response.read()
                if response.status != expected:
                    raise BenchmarkCallError(f"HTTP {response.status}")
            return json.loads(payload)

        if operation == "get":
            get_url = f"{endpoint}/2015-03-31/event-source-mappings/{uuid}"

            async def call(i: int) -> object:
                return await send("GET", get_url, None, 200)

        elif operation == "create":
            create_url = f"{endpoint}/2015-03-31/event-source-mappings/"

            async def call(i: int) -> object:
                return await send("POST", create_url, json.dumps(_create_body(i)).encode(), 202)

        else:
            add_url = f"{endpoint}/2014-11-13/event-source-mappings/"
            add_body = json.dumps(ADD_BODY).encode()

            async def call(i: int) -> object:
                return await send("POST", add_url, add_body, 200)

        yield call


# -- (b) lambda_es.AsyncClient and (c) lambda_es.Client ---------------------------


def _lambda_es_kwargs(endpoint: str, connections: int) -> dict[str, Any]:
    return {
        "region": REGION,
        "endpoint_url": endpoint,
        "credentials": lambda_es.Credentials(ACCESS_KEY, SECRET_KEY),
        "max_connections": connections,
        "timeout": lambda_es.Timeout(total=CALL_TIMEOUT),
    }


@asynccontextmanager
async def lambda_es_async(
    endpoint: str, operation: Operation, uuid: str, connections: int
) -> AsyncIterator[AsyncCall]:
    """``lambda_es.AsyncClient`` with its defaults (standard retries, validation, models).

    Args:
        endpoint: the server's URL.
        operation: which call to make.
        uuid: the mapping that ``get`` reads.
        connections: the connection pool size.

    Yields:
        The call.
    """
    async with lambda_es.AsyncClient(**_lambda_es_kwargs(endpoint, connections)) as client:
        if operation == "get":

            async def call(i: int) -> object:
                return await client.get_event_source_mapping(uuid)

        elif operation == "create":

            async def call(i: int) -> object:
                return await client.create_event_source_mapping(
                    function_name=f"bench-{i}", event_source_arn=QUEUE_ARN, batch_size=10
                )

        else:

            async def call(i: int) -> object:
                return await client.add_event_source(
                    event_source=STREAM_ARN, function_name="bench", role=ROLE_ARN, batch_size=100
                )

        yield call


@contextmanager
def lambda_es_sync(
    endpoint: str, operation: Operation, uuid: str, connections: int
) -> Iterator[SyncCall]:
    """``lambda_es.Client``, the generated blocking facade (one event loop thread per client).

    Args:
        endpoint: the server's URL.
        operation: which call to make.
        uuid: the mapping that ``get`` reads.
        connections: the connection pool size.

    Yields:
        The call.

    Raises:
        RuntimeError: this lambda_es has no ``Client``.
    """
    client_class = _sync_client_class()
    if client_class is None:
        raise RuntimeError("lambda_es.Client is not available")
    with client_class(**_lambda_es_kwargs(endpoint, connections)) as client:
        if operation == "get":

            def call(i: int) -> object:
                return client.get_event_source_mapping(uuid)

        elif operation == "create":

            def call(i: int) -> object:
                return client.create_event_source_mapping(
                    function_name=f"bench-{i}", event_source_arn=QUEUE_ARN, batch_size=10
                )

        else:

            def call(i: int) -> object:
                return client.add_event_source(
                    event_source=STREAM_ARN, function_name="bench", role=ROLE_ARN, batch_size=100
                )

        yield call


# -- (d) boto3 and (e) aiobotocore ------------------------------------------------


def _botocore_api_version(operation: Operation) -> str | None:
    # AddEventSource exists only in botocore's 2014-11-11 model of Lambda.
    return "2014-11-11" if operation == "add" else None


def _botocore_call_kwargs(operation: Operation, uuid: str, i: int) -> tuple[str, dict[str, Any]]:
    if operation == "get":
        return "get_event_source_mapping", {"UUID": uuid}
    if operation == "create":
        return "create_event_source_mapping", _create_body(i)
    return "add_event_source", dict(ADD_BODY)


# One session per process, as boto3.client() uses its default session: the
# service model is loaded once and shared by every client made after it.
@functools.cache
def _boto3_session() -> Any:
    import boto3

    return boto3.session.Session()


@functools.cache
def _aiobotocore_session() -> Any:
    # aiobotocore ships no type information, and the type-checking
    # environment may not have it installed at all.
    from aiobotocore.session import get_session

    return get_session()


@contextmanager
def boto3_client(
    endpoint: str, operation: Operation, uuid: str, connections: int
) -> Iterator[SyncCall]:
    """boto3's Lambda client with its defaults (legacy retries, parameter validation).

    One client is shared by every thread, as boto3 allows.

    Args:
        endpoint: the server's URL.
        operation: which call to make.
        uuid: the mapping that ``get`` reads.
        connections: the connection pool size (``max_pool_connections``).

    Yields:
        The call.
    """
    from botocore.config import Config

    config = Config(
        max_pool_connections=connections,
        connect_timeout=CALL_TIMEOUT,
        read_timeout=CALL_TIMEOUT,
    )
    client = _boto3_session().client(
        "lambda", config=config, **sdk_options(endpoint, _botocore_api_version(operation))
    )
    try:

        def call(i: int) -> object:
            method, kwargs = _botocore_call_kwargs(operation, uuid, i)
            result: object = getattr(client, method)(**kwargs)
            return result

        yield call
    finally:
        client.close()


@asynccontextmanager
async def aiobotocore_client(
    endpoint: str, operation: Operation, uuid: str, connections: int
) -> AsyncIterator[AsyncCall]:
    """aiobotocore's Lambda client with its defaults.

    Args:
        endpoint: the server's URL.
        operation: which call to make.
        uuid: the mapping that ``get`` reads.
        connections: the connection pool size (``max_pool_connections``).

    Yields:
        The call.
    """
    from aiobotocore.config import AioConfig

    config = AioConfig(
        max_pool_connections=connections,
        connect_timeout=CALL_TIMEOUT,
        read_timeout=CALL_TIMEOUT,
    )
    async with _aiobotocore_session().create_client(
        "lambda", config=config, **sdk_options(endpoint, _botocore_api_version(operation))
    ) as client:

        async def call(i: int) -> object:
            method, kwargs = _botocore_call_kwargs(operation, uuid, i)
            result: object = await getattr(client, method)(**kwargs)
            return result

        yield call


#: The async clients, in the order they are reported.
ASYNC_CLIENTS: dict[str, AsyncOpener] = {
    "aiohttp (raw)": raw_aiohttp,
    "lambda_es.AsyncClient": lambda_es_async,
    "aiobotocore": aiobotocore_client,
}
#: The blocking clients, in the order they are reported.
SYNC_CLIENTS: dict[str, SyncOpener] = {
    "lambda_es.Client": lambda_es_sync,
    "boto3": boto3_client,
}
