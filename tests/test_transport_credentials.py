"""The transport's attempt path and credentials: refresh under load, expired tokens, clock skew.

Each test runs a loopback server of its own that judges the credentials or
the signing time as AWS would, and calls it through an AsyncClient.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import format_datetime
from pathlib import Path

import pytest
from aiohttp import web

import lambda_es
from lambda_es._cli_configure import _credentials_in_use
from lambda_es._signing import sign
from lambda_es.testing import FakeLambda

from ._loopback import serve_app
from .conftest import CREDENTIALS

_AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/")


def _error(status: int, code: str, message: str, **headers: str) -> web.Response:
    return web.json_response(
        {"Type": "User", "Message": message},
        status=status,
        headers={"x-amzn-ErrorType": code, **headers},
    )


def _signed_by(request: web.Request, credentials: lambda_es.Credentials, when: dt.datetime) -> bool:
    expected = sign(
        request.method,
        f"http://{request.host}{request.raw_path}",
        b"",
        credentials=credentials,
        region="us-east-1",
        now=when,
        host=request.host,
    )
    return expected["Authorization"] == request.headers.get("Authorization")


def _amz_date(request: web.Request) -> dt.datetime:
    raw = request.headers["X-Amz-Date"]
    return dt.datetime.strptime(raw, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)


@contextmanager
def _expiring_server() -> Iterator[tuple[str, list[str]]]:
    """Run tests/_expiring_server.py in a process of its own; yield its URL and the keys it accepted."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests._expiring_server"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent,
    )
    assert process.stdin is not None
    assert process.stdout is not None
    accepted: list[str] = []
    try:
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), url
        yield url, accepted
    finally:
        process.stdin.close()
        accepted += process.stdout.read().split()
        process.stdout.close()
        process.wait(10)


class LoopLag:
    """Measures how late the event loop runs a 1 ms timer, every time."""

    def __init__(self) -> None:
        self.lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _probe(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(0.001)
            self.lags.append(time.perf_counter() - started - 0.001)

    @property
    def worst(self) -> float:
        return max(self.lags)

    @property
    def p99(self) -> float:
        return sorted(self.lags)[int(len(self.lags) * 0.99)]

    def __enter__(self) -> LoopLag:
        self._task = asyncio.get_running_loop().create_task(self._probe())
        return self

    def __exit__(self, *_: object) -> None:
        assert self._task is not None
        self._task.cancel()


# -- refresh under load ------------------------------------------------------------------------------

# It takes a quarter of a second, as a real helper might: a chain that ran
# it synchronously would block the loop that long, which the probe would see.
_PROCESS = """\
import datetime as dt, json, sys, time
with open(sys.argv[1], "a") as log:
    log.write("run\\n")
time.sleep(0.25)
expires = time.time() + float(sys.argv[2])
stamp = str(int(expires * 1000))
print(json.dumps({
    "Version": 1,
    "AccessKeyId": "ASIAEXP" + stamp,
    "SecretAccessKey": "secret-" + stamp,
    "SessionToken": "token-" + stamp,
    "Expiration": dt.datetime.fromtimestamp(expires, dt.timezone.utc).isoformat(),
}))
"""


async def test_refresh_under_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """500 concurrent calls across two expiries of 3-second credentials all succeed.

    The credential_process runs a bounded number of times (the windows make
    one refresh per lifetime, never one per call), and the event loop is
    never blocked for more than a few milliseconds while it runs.
    """
    runs = tmp_path / "runs"
    script = tmp_path / "helper.py"
    script.write_text(_PROCESS, encoding="utf-8")
    (tmp_path / "config").write_text(
        f"[profile p]\ncredential_process = {sys.executable} {script} {runs} 3\n", encoding="utf-8"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    with _expiring_server() as (url, served):
        async with lambda_es.AsyncClient(
            region="us-east-1", endpoint_url=url, profile="p"
        ) as client:
            await client.list_event_source_mappings()  # the first fetch and the connection pool
            started = time.monotonic()

            async def one(i: int) -> None:
                await asyncio.sleep(i * 0.015)  # 500 calls spread over 7.5 s: two expiries
                await client.list_event_source_mappings()

            with LoopLag() as lag:
                await asyncio.gather(*(one(i) for i in range(500)))
            elapsed = time.monotonic() - started
    assert len(served) == 501
    assert elapsed > 6.0
    keys = sorted(set(served))
    assert len(keys) >= 3  # two expiries were crossed
    count = runs.read_text().count("run")
    assert 3 <= count <= 8, count
    # The source a client with the same settings signs with (what `configure list` shows).
    _, source = await _credentials_in_use({"region": "us-east-1", "profile": "p"})
    assert source == "credential_process (profile 'p')"
    # Typically a few ms at worst; the bounds leave room for a loaded,
    # shared machine yet catch a 250 ms process run that blocks the loop.
    assert lag.p99 < 0.015, f"1% of the probes were late by over {lag.p99 * 1000:.1f} ms"
    assert lag.worst < 0.1, f"the loop was blocked for {lag.worst * 1000:.1f} ms"


# -- expired credentials: refreshed once, sent once more ----------------------------------------------


async def test_expired_token_refreshes_and_retries_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 403 ExpiredTokenException refreshes (the process runs again) and the call is sent once more."""
    runs = tmp_path / "runs"
    script = tmp_path / "helper.py"
    script.write_text(
        "import json, sys\n"
        f"open({str(runs)!r}, 'a').write('run\\n')\n"
        f"print(json.dumps({{'Version': 1, 'AccessKeyId': {CREDENTIALS.access_key_id!r}, "
        f"'SecretAccessKey': {CREDENTIALS.secret_access_key!r}}}))\n",
        encoding="utf-8",
    )
    (tmp_path / "config").write_text(
        f"[default]\ncredential_process = {sys.executable} {script}\n", encoding="utf-8"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    async with (
        FakeLambda(credentials=CREDENTIALS) as fake,
        lambda_es.AsyncClient(
            region="us-east-1",
            endpoint_url=fake.endpoint_url,
            retry=lambda_es.Retry(max_attempts=1),
        ) as client,
    ):
        fake.inject_error(
            403, "ExpiredTokenException", "The security token included in the request is expired"
        )
        await client.list_event_source_mappings()
        assert len(fake.requests) == 2
        assert runs.read_text().count("run") == 2
        # Twice in a row: one refresh, one more attempt, then the error.
        fake.inject_error(403, "ExpiredToken", "expired", times=2)
        with pytest.raises(lambda_es.APIError) as info:
            await client.list_event_source_mappings()
    assert info.value.code == "ExpiredToken"
    assert runs.read_text().count("run") == 3


@pytest.mark.parametrize("code", ["ExpiredTokenException", "ExpiredToken", "RequestExpired"])
async def test_a_plain_provider_is_asked_again_after_an_expired_token(code: str) -> None:
    """A provider of the caller's own is awaited again for the one retry."""
    served = [lambda_es.Credentials("AKIDSTALE", "stale-secret"), CREDENTIALS]

    async def provider() -> lambda_es.Credentials:
        return served.pop(0) if len(served) > 1 else served[0]

    async with (
        FakeLambda() as fake,
        lambda_es.AsyncClient(
            region="us-east-1", endpoint_url=fake.endpoint_url, credentials=provider
        ) as client,
    ):
        fake.inject_error(403, code, "expired")
        await client.list_event_source_mappings()
    keys = [_AUTH.match(r.headers["Authorization"])["key"] for r in fake.requests]  # type: ignore[index]
    assert keys == ["AKIDSTALE", CREDENTIALS.access_key_id]


# -- clock skew ----------------------------------------------------------------------------------------


def _skewed_app(ahead: dt.timedelta, seen: list[dt.datetime]) -> web.Application:
    """A Lambda stand-in whose clock is ``ahead`` and that refuses signatures over 5 minutes old."""

    async def handle(request: web.Request) -> web.Response:
        now = dt.datetime.now(dt.timezone.utc) + ahead
        signed = _amz_date(request)
        seen.append(signed)
        date = {"Date": format_datetime(now, usegmt=True)}
        if abs(now - signed) > dt.timedelta(minutes=5):
            return web.json_response(
                {"message": f"Signature expired: {signed:%Y%m%dT%H%M%SZ} is now earlier than "
                            f"{now - dt.timedelta(minutes=5):%Y%m%dT%H%M%SZ} "
                            f"({now:%Y%m%dT%H%M%SZ} - 5 min.)"},
                status=403,
                headers={"x-amzn-ErrorType": "InvalidSignatureException", **date},
            )  # fmt: skip
        if not _signed_by(request, CREDENTIALS, signed):
            return _error(403, "InvalidSignatureException", "signature does not match", **date)
        return web.json_response({"EventSourceMappings": []}, headers=date)

    app = web.Application()
    app.router.add_get("/2015-03-31/event-source-mappings", handle)
    app.router.add_get("/2015-03-31/event-source-mappings/", handle)
    return app


async def test_clock_skew_is_corrected_from_the_date_header() -> None:
    """A server 20 minutes ahead refuses the first signature; the second, corrected, succeeds."""
    seen: list[dt.datetime] = []
    async with (
        serve_app(_skewed_app(dt.timedelta(minutes=20), seen)) as url,
        lambda_es.AsyncClient(
            region="us-east-1",
            endpoint_url=url,
            credentials=CREDENTIALS,
            retry=lambda_es.Retry(max_attempts=1),
        ) as client,
    ):
        await client.list_event_source_mappings()
        assert len(seen) == 2
        assert seen[1] - seen[0] > dt.timedelta(minutes=19)
        # The correction stays: the next call is right the first time.
        await client.list_event_source_mappings()
        assert len(seen) == 3


async def test_an_unrelated_signature_error_is_not_retried() -> None:
    """InvalidSignatureException for a wrong key is raised after one attempt."""
    async with (
        FakeLambda(credentials=CREDENTIALS) as fake,
        lambda_es.AsyncClient(
            region="us-east-1",
            endpoint_url=fake.endpoint_url,
            credentials=lambda_es.Credentials(CREDENTIALS.access_key_id, "wrong-secret"),
        ) as client,
    ):
        with pytest.raises(lambda_es.APIError, match="InvalidSignatureException"):
            await client.list_event_source_mappings()
    assert len(fake.requests) == 1


async def test_fixed_credentials_are_not_retried_after_an_expired_token() -> None:
    """credentials=Credentials cannot be refreshed: the expired-token error is raised after one attempt."""
    async with (
        FakeLambda(credentials=CREDENTIALS) as fake,
        lambda_es.AsyncClient(
            region="us-east-1", endpoint_url=fake.endpoint_url, credentials=CREDENTIALS
        ) as client,
    ):
        fake.inject_error(403, "ExpiredTokenException", "expired")
        with pytest.raises(lambda_es.APIError, match="ExpiredTokenException"):
            await client.list_event_source_mappings()
    assert len(fake.requests) == 1


async def test_a_skew_error_without_a_date_is_not_retried() -> None:
    """Without a usable Date header there is nothing to correct: no second attempt."""

    async def handle(request: web.Request) -> web.Response:
        response = _error(403, "InvalidSignatureException", "Signature expired: too old")
        response.headers["Date"] = "not a date"
        return response

    app = web.Application()
    app.router.add_get("/2015-03-31/event-source-mappings", handle)
    calls = 0

    @web.middleware
    async def count(request: web.Request, handler: object) -> web.StreamResponse:
        nonlocal calls
        calls += 1
        return await handler(request)  # type: ignore[operator, no-any-return]

    app.middlewares.append(count)
    async with (
        serve_app(app) as url,
        lambda_es.AsyncClient(
            region="us-east-1", endpoint_url=url, credentials=CREDENTIALS
        ) as client,
    ):
        with pytest.raises(lambda_es.APIError, match="Signature expired"):
            await client.list_event_source_mappings()
    assert calls == 1


async def test_credential_requests_survive_a_closed_pooled_connection() -> None:
    """A credential request that meets a pooled connection the server closed is sent again on a new one."""
    from lambda_es._fetch import FetchRequest

    from ._faults import FaultServer, close_when_reused, ok
    from ._sessions import credential_fetch

    async with FaultServer(close_when_reused(ok())) as server, credential_fetch() as fetch:
        for _ in range(2):
            response = await fetch(
                FetchRequest("GET", server.url + "/creds", headers={}, timeout=2.0)
            )
            assert response.status == 200
        assert [r.on_connection for r in server.requests] == [0, 1, 0]


def test_the_credential_chain_loads_with_the_first_call_not_the_import() -> None:
    """`import lambda_es` loads neither the chain nor its sources (STS, SSO, processes,
    metadata): they cost import time that a client given credentials never needs."""
    import subprocess
    import sys

    chain = ("_chain", "_sts", "_sso", "_process", "_metadata", "_refresh")
    probe = (
        "import sys, lambda_es; "
        f"print(sorted(m for m in sys.modules if m.split('.')[-1] in {chain!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
