"""Test servers and probes on the machine's loopback interface."""

from __future__ import annotations

import socket
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web


@asynccontextmanager
async def serve_app(
    app: web.Application, *, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[str]:
    """Serve an aiohttp application on 127.0.0.1 (a free port) for the block.

    Args:
        app: the application.
        ssl_context: serve HTTPS with this context; plain HTTP when None.

    Yields:
        The server's origin, ``http://127.0.0.1:PORT`` (``https://`` with a context).
    """
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    scheme = "https" if ssl_context is not None else "http"
    try:
        yield f"{scheme}://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def has_ipv6_loopback() -> bool:
    """Whether this machine can bind ``::1`` (containers often cannot)."""
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True
