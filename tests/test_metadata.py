"""Container credentials and IMDSv2 (lambda_es._metadata), against loopback servers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import pytest
from aiohttp import web

from lambda_es._credentials import Absent, SourceError
from lambda_es._fetch import FetchRequest, FetchResponse
from lambda_es._http import CredentialFetch
from lambda_es._metadata import fetch_container, fetch_imds, imds_endpoint

from ._fake_aws import fake_aws
from ._loopback import serve_app
from ._sessions import credential_fetch


@asynccontextmanager
async def _http() -> AsyncIterator[CredentialFetch]:
    async with credential_fetch() as fetch:
        yield fetch


async def test_imds_v1_is_never_used() -> None:
    """Every IMDS read carries the token of the PUT: the fake refuses v1 and still answers."""
    async with fake_aws() as aws, _http() as http:
        issued = await fetch_imds(http, aws.url, where="imds")
    assert issued.credentials.access_key_id == "ASIAROLEKEY"
    assert aws.requests[0][2]["X-aws-ec2-metadata-token-ttl-seconds"] == "21600"


async def test_imds_without_a_token_is_not_there() -> None:
    """A service that refuses the token PUT (v1 only) is not a source."""

    async def refuse(request: web.Request) -> web.Response:
        return web.Response(status=403)

    app = web.Application()
    app.router.add_put("/latest/api/token", refuse)
    async with serve_app(app) as url, _http() as http:
        with pytest.raises(Absent, match="gave no IMDSv2 token"):
            await fetch_imds(http, url, where="imds")


async def test_imds_that_hangs_costs_one_second() -> None:
    """A service that accepts but never answers gives up after the 1 s deadline, once."""
    calls = 0

    async def hang(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        await asyncio.sleep(5)
        return web.Response(text="late")

    app = web.Application()
    app.router.add_put("/latest/api/token", hang)
    async with serve_app(app) as url, _http() as http:
        loop = asyncio.get_running_loop()
        started = loop.time()
        with pytest.raises(Absent, match="no answer within 1s"):
            await fetch_imds(http, url, where="imds")
        assert loop.time() - started < 2.5
    assert calls == 1


def test_imds_endpoint_settings() -> None:
    """The endpoint: the variable, the profile, the IPv6 mode, else the IPv4 address."""
    assert imds_endpoint({}, {}) == "http://169.254.169.254"
    assert (
        imds_endpoint({"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE": "IPv6"}, {})
        == "http://[fd00:ec2::254]"
    )
    assert (
        imds_endpoint({}, {"ec2_metadata_service_endpoint": "http://127.0.0.1:9/"})
        == "http://127.0.0.1:9"
    )
    assert (
        imds_endpoint({"AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:8"}, {})
        == "http://127.0.0.1:8"
    )


async def test_container_server_errors_are_retried() -> None:
    """A 5xx from the container endpoint is tried three times in all, then reported."""
    calls = 0

    async def failing(request: web.Request) -> web.Response:
        nonlocal calls
        calls += 1
        return web.Response(status=500)

    app = web.Application()
    app.router.add_get("/creds", failing)
    async with serve_app(app) as url, _http() as http:
        with pytest.raises(SourceError, match=r"answered HTTP 500 \(3 attempts\)"):
            await fetch_container(
                http, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": url + "/creds"}, where="c"
            )
    assert calls == 3


async def test_container_refusal_is_not_retried() -> None:
    """A 401 (a wrong token) is reported at once."""
    async with fake_aws(container_token="container-auth-token-value") as aws, _http() as http:
        env = {
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": aws.url + "/container/creds",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "wrong-token",
        }
        with pytest.raises(SourceError, match="answered HTTP 401") as info:
            await fetch_container(http, env, where="c")
    assert len(aws.requests) == 1
    assert "wrong-token" not in repr(info.value)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AWS_CONTAINER_AUTHORIZATION_TOKEN": "a\r\nX-Injected: 1"}, "line break"),
        ({"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": "/nonexistent/token"}, "cannot be read (FileNotFoundError)"),
    ],
)  # fmt: skip
async def test_container_token_problems(env: Mapping[str, str], message: str) -> None:
    """A token with a line break, or a token file that cannot be read, is refused before sending."""

    async def http(request: FetchRequest) -> FetchResponse:
        raise AssertionError("nothing may be sent")

    full = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:1/creds", **env}
    with pytest.raises(SourceError) as info:
        await fetch_container(http, full, where="c")
    assert message in str(info.value)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.2:1/c", "http://localhost:1/c", "http://169.254.170.23/c", "http://[fd00:ec2::23]/c", "http://[::1]:1/c"],
)  # fmt: skip
async def test_container_hosts_that_are_allowed(url: str) -> None:
    """Loopback and the ECS/EKS link-local hosts are accepted (the request is then made)."""
    asked: list[str] = []

    async def http(request: FetchRequest) -> FetchResponse:
        asked.append(request.url)
        return FetchResponse(200, {}, b'{"AccessKeyId": "A", "SecretAccessKey": "s"}')

    await fetch_container(http, {"AWS_CONTAINER_CREDENTIALS_FULL_URI": url}, where="c")
    assert asked == [url]
