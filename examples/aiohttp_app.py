"""An aiohttp application whose handler ensures a mapping with the app's AsyncClient.

``lambda_es.aiohttp.setup`` gives the app one client, made on startup and
closed on cleanup; handlers reach it with ``client_from(request)``.

Run as a script, it starts the app on 127.0.0.1 on a free port, PUTs one
request to itself, prints the answer and exits. With no endpoint configured
(no ``AWS_ENDPOINT_URL_LAMBDA`` or ``AWS_ENDPOINT_URL``), the app's client
talks to a :class:`lambda_es.testing.FakeLambda` on 127.0.0.1; with one, it
uses your region and credentials as boto3 would.

    python examples/aiohttp_app.py
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

import aiohttp
from aiohttp import web

import lambda_es
import lambda_es.aiohttp
from lambda_es.testing import FakeLambda

QUEUE = "arn:aws:sqs:us-east-1:123456789012:orders"


async def ensure_mapping(request: web.Request) -> web.Response:
    """``PUT /mappings``: make sure a source is mapped to a function (idempotent).

    The JSON body has ``event_source_arn``, ``function_name`` and optionally
    ``batch_size``.

    Args:
        request: the request.

    Returns:
        200 with the mapping, 400 for a bad request, 502 when Lambda refused.
    """
    try:
        body = await request.json()
        kwargs: dict[str, Any] = {
            "event_source_arn": body["event_source_arn"],
            "function_name": body["function_name"],
        }
        if "batch_size" in body:
            kwargs["batch_size"] = body["batch_size"]
    except (ValueError, KeyError, TypeError):
        return web.json_response(
            {"error": "expected event_source_arn and function_name"}, status=400
        )
    client = lambda_es.aiohttp.client_from(request)
    try:
        mapping = await client.ensure_event_source_mapping(**kwargs)
    except lambda_es.ParamValidationError as exc:
        return web.json_response({"error": str(exc)}, status=400)
    except lambda_es.LambdaESError as exc:
        return web.json_response({"error": str(exc)}, status=502)
    return web.json_response(mapping.to_dict())


def make_app(**client_kwargs: Any) -> web.Application:
    """Build the application.

    Args:
        **client_kwargs: the AsyncClient's keywords (region, endpoint_url, ...).

    Returns:
        The app, with its lambda_es client set up.
    """
    app = web.Application()
    lambda_es.aiohttp.setup(app, **client_kwargs)
    app.router.add_put("/mappings", ensure_mapping)
    return app


async def serve_once(**client_kwargs: Any) -> None:
    """Start the app on a free loopback port, PUT one request to it, print the answer.

    Args:
        **client_kwargs: the AsyncClient's keywords.
    """
    runner = web.AppRunner(make_app(**client_kwargs), access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        async with (
            aiohttp.ClientSession() as session,
            session.put(
                f"http://127.0.0.1:{port}/mappings",
                json={"event_source_arn": QUEUE, "function_name": "process-orders"},
            ) as response,
        ):
            payload = await response.json()
            print(f"PUT /mappings -> HTTP {response.status}")
            print(json.dumps(payload, indent=2))
    finally:
        await runner.cleanup()


async def main() -> None:
    """Serve once against the configured endpoint, or a local FakeLambda."""
    if os.environ.get("AWS_ENDPOINT_URL_LAMBDA") or os.environ.get("AWS_ENDPOINT_URL"):
        await serve_once()
        return
    async with FakeLambda() as fake:
        print(f"using the local endpoint {fake.endpoint_url}")
        await serve_once(
            region=fake.region,
            endpoint_url=fake.endpoint_url,
            credentials=fake.client_credentials,
        )


if __name__ == "__main__":
    asyncio.run(main())
