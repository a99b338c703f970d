"""Embedding in an aiohttp application: one AsyncClient per app, tied to its lifecycle.

    from aiohttp import web
    import lambda_es.aiohttp

    app = web.Application()
    lambda_es.aiohttp.setup(app, region="us-east-1")

    async def handler(request: web.Request) -> web.Response:
        client = lambda_es.aiohttp.client_from(request)
        cfg = await client.get_event_source(request.match_info["uuid"])
        ...

The client is made when the app starts (through ``app.cleanup_ctx``, so in the
app's own event loop) and closed when it cleans up. To share a
``ClientSession`` the app already owns, pass ``session_key=`` (the
``web.AppKey`` it is stored under; set it in an earlier ``cleanup_ctx`` or
before startup) or ``session=``; the client then never closes it.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
from aiohttp import web

from ._client import AsyncClient
from ._errors import ConfigurationError

__all__ = ["CLIENT", "client_from", "setup"]

#: Where :func:`setup` stores the app's client, once the app has started.
CLIENT: web.AppKey[AsyncClient] = web.AppKey("lambda_es.client", AsyncClient)

# Marks an app that setup() was called on, so a second call is refused
# (two clients would race to own one key).
_CONFIGURED: web.AppKey[bool] = web.AppKey("lambda_es.configured", bool)


def setup(
    app: web.Application,
    *,
    session_key: web.AppKey[aiohttp.ClientSession] | None = None,
    **client_kwargs: Any,
) -> None:
    """Give ``app`` one :class:`~lambda_es.AsyncClient`, made on startup and closed on cleanup.

    Call it while building the app, before it starts. The client is stored
    under :data:`CLIENT`; handlers get it with :func:`client_from`.

    Args:
        app: the application.
        session_key: the key of a ``ClientSession`` the app owns, to reuse
            instead of a session of the client's own. It must be in the app when
            the client is made: register the session's ``cleanup_ctx`` first.
            The client never closes it.
        **client_kwargs: the :class:`~lambda_es.AsyncClient` keywords
            (``region``, ``endpoint_url``, ``credentials``, ``retry``,
            ``timeout``, ``session``...).

    Raises:
        TypeError: a keyword that AsyncClient does not take.
        ValueError: both ``session_key`` and ``session`` were given.
        RuntimeError: ``setup`` was already called on this app.
    """
    # A misspelt keyword fails here, where the app is built, not at startup.
    inspect.signature(AsyncClient).bind(**client_kwargs)
    if session_key is not None and client_kwargs.get("session") is not None:
        raise ValueError("pass session_key= or session=, not both")
    if app.get(_CONFIGURED):
        raise RuntimeError("lambda_es.aiohttp.setup() was already called on this app")
    app[_CONFIGURED] = True
    app.cleanup_ctx.append(_client_context(session_key, client_kwargs))


def _client_context(
    session_key: web.AppKey[aiohttp.ClientSession] | None, client_kwargs: dict[str, Any]
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def client_context(app: web.Application) -> AsyncIterator[None]:
        kwargs = dict(client_kwargs)
        if session_key is not None:
            try:
                kwargs["session"] = app[session_key]
            except KeyError:
                raise ConfigurationError(
                    f"lambda_es.aiohttp: the app has no {session_key!r} when its client is "
                    "made; register the session's cleanup_ctx before calling setup()"
                ) from None
        client = AsyncClient(**kwargs)
        app[CLIENT] = client
        try:
            yield
        finally:
            await client.aclose()

    return client_context


def client_from(request: web.Request) -> AsyncClient:
    """Return the app's client, for a request handler.

    Works from a sub-application too: the client is looked up through
    ``request.config_dict``.

    Args:
        request: the request being handled.

    Returns:
        The AsyncClient that :func:`setup` made for the app.

    Raises:
        RuntimeError: :func:`setup` was not called on the app (or a parent app).
    """
    try:
        return request.config_dict[CLIENT]
    except KeyError:
        raise RuntimeError(
            "no lambda_es client in this app: call lambda_es.aiohttp.setup(app) when building it"
        ) from None
