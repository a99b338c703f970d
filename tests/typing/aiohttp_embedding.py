"""Type-checked only (mypy --strict), never run: lambda_es.aiohttp is typed end to end."""

from __future__ import annotations

import aiohttp
from aiohttp import web
from typing_extensions import assert_type

import lambda_es
import lambda_es.aiohttp

SESSION = web.AppKey("session", aiohttp.ClientSession)
NUMBER = web.AppKey("number", int)


async def handler(request: web.Request) -> web.Response:
    """client_from() and the CLIENT key both give an AsyncClient."""
    client = lambda_es.aiohttp.client_from(request)
    assert_type(client, lambda_es.AsyncClient)
    assert_type(request.app[lambda_es.aiohttp.CLIENT], lambda_es.AsyncClient)
    cfg = await client.get_event_source(request.match_info["uuid"])
    return web.json_response(cfg.to_dict())


def build() -> web.Application:
    """setup() takes the app, an optional AppKey of a ClientSession, and client keywords."""
    app = web.Application()
    lambda_es.aiohttp.setup(app, session_key=SESSION, region="us-east-1")
    lambda_es.aiohttp.setup(app, session_key=NUMBER)  # type: ignore[arg-type]
    app.router.add_get("/{uuid}", handler)
    return app
