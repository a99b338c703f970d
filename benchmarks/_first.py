"""First-call costs, each in a fresh interpreter: ``python benchmarks/_first.py MODE ...``.

Run by ``run.py``; not meant to be run by hand. Two modes:

``start NAME URL``
    Import the client's library, open the client, make one AddEventSource
    call, then print ``first`` and flush: the parent times from just before it
    started this interpreter to reading that line ("process start to first
    response"). Only the measured library is imported (``_constants.py``
    imports nothing but the standard library). Closing the client comes after
    the line and is not counted.
``breakdown URL``
    The one-off costs of ``lambda_es.AsyncClient``'s first call, measured
    apart in this order, and printed as one JSON object of seconds:

    - ``import``: ``import lambda_es``;
    - ``signer_import``: importing the signer lambda_es loads on first use
      (``aws_requests_auth.aws_auth``, which imports ``requests``), done here
      explicitly so that the first call below no longer pays for it;
    - ``first_call``: the first call of a new client, the signer already
      imported: the session, the first connection and any other first-use work;
    - ``steady_call``: the median of later calls on that client;
    - ``session``: creating and closing an ``aiohttp.ClientSession`` with a
      ``TCPConnector`` (what a client creates on its first call), median of 20;
    - ``new_client_call``: the first call of a second client in this now warm
      process: its session, its first connection and the call itself;
    - ``connection``: ``new_client_call - steady_call - session``, the first
      connection's share;
    - ``other_first_use``: ``first_call - new_client_call``, what only the
      process's first call pays besides the signer (lazy imports, caches).
"""

from __future__ import annotations

import sys
import time

from _constants import ACCESS_KEY, ADD_BODY, REGION, ROLE_ARN, SECRET_KEY, STREAM_ARN, sdk_options

__all__ = ["main"]


def _lambda_es_kwargs(endpoint: str) -> dict[str, object]:
    import lambda_es

    return {
        "region": REGION,
        "endpoint_url": endpoint,
        "credentials": lambda_es.Credentials(ACCESS_KEY, SECRET_KEY),
    }


def _first(mark: str) -> None:
    print(mark, flush=True)


def _start(name: str, endpoint: str) -> None:
    # Each branch imports only its own library, as a program using it would.
    if name == "aiohttp (raw)":
        import asyncio
        import json

        import aiohttp
        from _constants import placeholder_headers

        async def raw() -> None:
            async with aiohttp.ClientSession() as session:
                async with session.post(
                    f"{endpoint}/2014-11-13/event-source-mappings/",
                    data=json.dumps(ADD_BODY).encode(),
                    headers=placeholder_headers(),
                ) as response:
                    json.loads(await response.read())
                    if response.status != 200:
                        raise SystemExit(f"HTTP {response.status}")
                _first("first")

        asyncio.run(raw())
    elif name == "lambda_es.AsyncClient":
        import asyncio

        import lambda_es

        async def asynchronous() -> None:
            async with lambda_es.AsyncClient(**_lambda_es_kwargs(endpoint)) as client:  # type: ignore[arg-type]
                await client.add_event_source(
                    event_source=STREAM_ARN, function_name="bench", role=ROLE_ARN, batch_size=100
                )
                _first("first")

        asyncio.run(asynchronous())
    elif name == "lambda_es.Client":
        import lambda_es

        with lambda_es.Client(**_lambda_es_kwargs(endpoint)) as client:  # type: ignore[arg-type]
            client.add_event_source(
                event_source=STREAM_ARN, function_name="bench", role=ROLE_ARN, batch_size=100
            )
            _first("first")
    elif name == "aiobotocore":
        import asyncio

        from aiobotocore.session import get_session

        async def aiobotocore() -> None:
            async with get_session().create_client(
                "lambda", **sdk_options(endpoint, "2014-11-11")
            ) as client:
                await client.add_event_source(**ADD_BODY)
                _first("first")

        asyncio.run(aiobotocore())
    elif name == "boto3":
        import boto3

        client = boto3.client("lambda", **sdk_options(endpoint, "2014-11-11"))
        client.add_event_source(**ADD_BODY)
        _first("first")
        client.close()
    else:
        raise SystemExit(f"unknown client: {name!r}")


def _breakdown(endpoint: str) -> None:
    import asyncio
    import json
    import statistics

    began = time.perf_counter()
    import lambda_es

    figures = {"import": time.perf_counter() - began}
    began = time.perf_counter()
    import aiohttp
    import aws_requests_auth.aws_auth  # noqa: F401  (the signer's import, timed)

    figures["signer_import"] = time.perf_counter() - began

    async def measure() -> None:
        kwargs = _lambda_es_kwargs(endpoint)

        async def call(client: lambda_es.AsyncClient) -> float:
            began = time.perf_counter()
            await client.add_event_source(
                event_source=STREAM_ARN, function_name="bench", role=ROLE_ARN, batch_size=100
            )
            return time.perf_counter() - began

        async with lambda_es.AsyncClient(**kwargs) as client:  # type: ignore[arg-type]
            figures["first_call"] = await call(client)
            figures["steady_call"] = statistics.median([await call(client) for _ in range(50)])
        sessions = []
        for _ in range(20):
            began = time.perf_counter()
            session = aiohttp.ClientSession(connector=aiohttp.TCPConnector())
            await session.close()
            sessions.append(time.perf_counter() - began)
        figures["session"] = statistics.median(sessions)
        async with lambda_es.AsyncClient(**kwargs) as second:  # type: ignore[arg-type]
            figures["new_client_call"] = await call(second)

    asyncio.run(measure())
    figures["connection"] = max(
        0.0, figures["new_client_call"] - figures["steady_call"] - figures["session"]
    )
    figures["other_first_use"] = max(0.0, figures["first_call"] - figures["new_client_call"])
    print(json.dumps(figures), flush=True)


def main(argv: list[str]) -> int:
    """Run one mode.

    Args:
        argv: ``start NAME URL`` or ``breakdown URL``.

    Returns:
        The exit status.
    """
    if argv[:1] == ["start"] and len(argv) == 3:
        _start(argv[1], argv[2])
    elif argv[:1] == ["breakdown"] and len(argv) == 2:
        _breakdown(argv[1])
    else:
        raise SystemExit("usage: _first.py start NAME URL | breakdown URL")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
