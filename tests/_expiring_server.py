"""A Lambda stand-in, run as a process of its own, that accepts keys only until they expire.

Keys are named ``ASIAEXP<expiry in ms since the epoch>`` with the secret
``secret-<same>`` (see the credential_process of
tests/test_transport_credentials.py); a key past its expiry gets 403
ExpiredTokenException, a wrong signature 403 InvalidSignatureException. It
runs in its own process so that its work does not compete with the client's
event loop for the GIL while a test measures that loop's lag. It prints its
URL, then one line per accepted request on stdout.

Usage: python -m tests._expiring_server
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sys
import time

from aiohttp import web

from lambda_es import Credentials
from lambda_es._signing import sign

_AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/")


def _error(code: str, message: str) -> web.Response:
    return web.json_response(
        {"Type": "User", "Message": message}, status=403, headers={"x-amzn-ErrorType": code}
    )


async def handle(request: web.Request) -> web.Response:
    """Judge the key's expiry and the signature, then answer an empty list."""
    match = _AUTH.match(request.headers.get("Authorization", ""))
    if match is None or not match["key"].startswith("ASIAEXP"):
        return _error("UnrecognizedClientException", "unknown key")
    stamp = match["key"][len("ASIAEXP") :]
    if time.time() * 1000 > int(stamp):
        return _error(
            "ExpiredTokenException", "The security token included in the request is expired"
        )
    when = dt.datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    expected = sign(
        request.method,
        f"http://{request.host}{request.raw_path}",
        b"",
        credentials=Credentials(match["key"], "secret-" + stamp, "token-" + stamp),
        region="us-east-1",
        now=when.replace(tzinfo=dt.timezone.utc),
        host=request.host,
    )
    if expected["Authorization"] != request.headers["Authorization"]:
        return _error("InvalidSignatureException", "signature does not match")
    print(match["key"], flush=True)
    return web.json_response({"EventSourceMappings": []})


async def main() -> None:
    """Serve until stdin closes."""
    app = web.Application()
    app.router.add_get("/2015-03-31/event-source-mappings", handle)
    app.router.add_get("/2015-03-31/event-source-mappings/", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    print(f"http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
