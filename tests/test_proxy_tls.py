"""Proxies and TLS end to end, on 127.0.0.1 only.

A forward proxy written here records what it is asked: CONNECT for an
https endpoint, an absolute-form request for an http one. An HTTPS endpoint
with a certificate from a test CA (trustme) fails with the default trust and
works with verify=PATH, AWS_CA_BUNDLE and the profile's ca_bundle.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import ssl
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiohttp import web

import lambda_es
from lambda_es._config import ClientSettings, resolve_config
from lambda_es.testing import FakeLambda

from ._loopback import serve_app
from .conftest import CREDENTIALS

UUID = "14e0db71-5d35-4eb5-b481-8945cf9d10c2"
MAPPING = {"UUID": UUID, "State": "Enabled", "FunctionArn": "arn:aws:lambda:us-east-1:1:function:f"}


@dataclass
class Seen:
    """One request the proxy was asked to forward.

    Attributes:
        method: ``CONNECT`` or the forwarded method.
        target: the request target as received (``host:port`` or an absolute URL).
        headers: the request headers, names lower-cased.
    """

    method: str
    target: str
    headers: dict[str, str] = field(default_factory=dict)


class ForwardProxy:
    """An HTTP forward proxy on 127.0.0.1 that tunnels CONNECT and forwards absolute-form.

    Args:
        require_auth: ``user:password`` the proxy demands (407 otherwise), or None.
        routes: ``{"host:port": port}``: where the proxy really connects for a named
            host (on 127.0.0.1), so tests can use names no DNS knows.
    """

    def __init__(
        self, require_auth: str | None = None, routes: dict[str, int] | None = None
    ) -> None:
        self.seen: list[Seen] = []
        self.require_auth = require_auth
        self.routes = routes or {}
        self.port = 0
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> str:
        """The proxy's URL."""
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> ForwardProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        try:
            while await self._one(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            return False
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        self.seen.append(Seen(method, target, headers))
        if self.require_auth is not None:
            expected = "Basic " + base64.b64encode(self.require_auth.encode()).decode()
            if headers.get("proxy-authorization") != expected:
                writer.write(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b'Proxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n\r\n'
                )
                await writer.drain()
                return method != "CONNECT"
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))
            return False
        # Absolute form: forward this one request in origin form on a new
        # connection that closes after the response, and relay the answer.
        assert target.startswith("http://"), target
        authority, _, path = target[len("http://") :].partition("/")
        host, _, port = authority.rpartition(":")
        if authority in self.routes:
            host, port = "127.0.0.1", str(self.routes[authority])
        length = int(headers.get("content-length", "0"))
        body = await reader.readexactly(length) if length else b""
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
        kept = [line for line in lines[1:] if line and not _hop_by_hop(line)]
        request = "\r\n".join([f"{method} /{path} HTTP/1.1", *kept, "Connection: close", "", ""])
        up_writer.write(request.encode("latin-1") + body)
        await up_writer.drain()
        response = await up_reader.read()
        up_writer.close()
        writer.write(response)
        await writer.drain()
        return False


def _hop_by_hop(line: str) -> bool:
    name = line.partition(":")[0].strip().lower()
    return name in ("connection", "proxy-connection", "proxy-authorization", "keep-alive")


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    """A test certificate authority."""
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    """The test CA's certificate as a PEM bundle."""
    path = tmp_path / "test-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@dataclass
class HttpsEndpoint:
    """A Lambda-shaped HTTPS endpoint on 127.0.0.1 that answers GetEventSourceMapping."""

    url: str
    paths: list[str]


@pytest.fixture
async def https_endpoint(ca: trustme.CA) -> AsyncIterator[HttpsEndpoint]:
    """An HTTPS server with a certificate for 127.0.0.1 issued by the test CA."""
    paths: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        paths.append(request.path)
        return web.json_response(MAPPING, status=200)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    async with serve_app(app, ssl_context=context) as url:
        yield HttpsEndpoint(url, paths)


async def _get(**kwargs: object) -> lambda_es.EventSourceMapping:
    async with lambda_es.AsyncClient(
        region="us-east-1",
        credentials=CREDENTIALS,
        **kwargs,  # type: ignore[arg-type]
    ) as client:
        return await client.get_event_source_mapping(UUID)


# -- TLS -------------------------------------------------------------------------------------


async def test_default_trust_rejects_the_test_ca(https_endpoint: HttpsEndpoint) -> None:
    """With the default trust store the test CA's certificate fails: a ConnectError on the first
    attempt (not retried) that says which trust was used."""
    with pytest.raises(lambda_es.ConnectError) as info:
        await _get(endpoint_url=https_endpoint.url, retry=lambda_es.Retry(max_attempts=5))
    assert isinstance(info.value, lambda_es.TransportError)
    assert info.value.attempts == 1
    assert "certificate" in str(info.value).lower()
    assert "default trust store" in str(info.value)
    assert https_endpoint.paths == []


async def test_verify_path_trusts_the_bundle(https_endpoint: HttpsEndpoint, ca_file: Path) -> None:
    """verify=PATH verifies the server against that bundle."""
    mapping = await _get(endpoint_url=https_endpoint.url, verify=str(ca_file))
    assert mapping.uuid == UUID
    assert https_endpoint.paths == [f"/2015-03-31/event-source-mappings/{UUID}"]


async def test_aws_ca_bundle_trusts_the_bundle(
    https_endpoint: HttpsEndpoint, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS_CA_BUNDLE is the bundle when verify= is not given."""
    monkeypatch.setenv("AWS_CA_BUNDLE", str(ca_file))
    assert (await _get(endpoint_url=https_endpoint.url)).uuid == UUID


async def test_profile_ca_bundle_trusts_the_bundle(
    https_endpoint: HttpsEndpoint,
    ca_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """The profile's ca_bundle is the bundle when neither verify= nor AWS_CA_BUNDLE is set."""
    config = tmp_path / "config"
    config.write_text(f"[profile tls]\nca_bundle = {ca_file}\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    assert (await _get(endpoint_url=https_endpoint.url, profile="tls")).uuid == UUID


async def test_a_wrong_bundle_is_named_in_the_error(
    https_endpoint: HttpsEndpoint, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bundle of another CA fails verification, and the error names that bundle and its source."""
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("AWS_CA_BUNDLE", str(other))
    with pytest.raises(lambda_es.ConnectError) as info:
        await _get(endpoint_url=https_endpoint.url)
    assert str(other) in str(info.value)
    assert "AWS_CA_BUNDLE" in str(info.value)
    assert info.value.attempts == 1


async def test_a_bundle_that_is_not_pem_is_a_configuration_error(
    https_endpoint: HttpsEndpoint, tmp_path: Path
) -> None:
    """A CA bundle file without certificates is a ConfigurationError naming it, before sending."""
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate\n", encoding="utf-8")
    with pytest.raises(lambda_es.ConfigurationError, match=r"junk\.pem"):
        await _get(endpoint_url=https_endpoint.url, verify=str(junk))
    assert https_endpoint.paths == []


async def test_verify_false_works_and_warns_once_per_client(
    https_endpoint: HttpsEndpoint, caplog: pytest.LogCaptureFixture
) -> None:
    """verify=False skips verification and logs one warning per client, however many calls."""
    caplog.set_level(logging.WARNING, logger="lambda_es")
    async with lambda_es.AsyncClient(
        region="us-east-1", credentials=CREDENTIALS, endpoint_url=https_endpoint.url, verify=False
    ) as client:
        for _ in range(3):
            await client.get_event_source_mapping(UUID)
    warnings = [r for r in caplog.records if "verification is OFF" in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert len(https_endpoint.paths) == 3


async def test_sync_client_with_a_bundle(https_endpoint: HttpsEndpoint, ca_file: Path) -> None:
    """The blocking Client takes verify= too (run in a thread: the server is on this loop)."""

    def call() -> str | None:
        with lambda_es.Client(
            region="us-east-1",
            credentials=CREDENTIALS,
            endpoint_url=https_endpoint.url,
            verify=str(ca_file),
        ) as client:
            return client.get_event_source_mapping(UUID).uuid

    assert await asyncio.to_thread(call) == UUID


# -- proxies ---------------------------------------------------------------------------------


async def test_https_proxy_tunnels_with_connect(
    https_endpoint: HttpsEndpoint, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With HTTPS_PROXY set, an https call goes through the proxy as a CONNECT tunnel, and TLS
    inside it is verified against the configured bundle."""
    async with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        assert (await _get(endpoint_url=https_endpoint.url, verify=str(ca_file))).uuid == UUID
    host = https_endpoint.url.removeprefix("https://")
    assert [(s.method, s.target) for s in proxy.seen] == [("CONNECT", host)]
    assert len(https_endpoint.paths) == 1


async def test_http_proxy_gets_absolute_form(
    fake: FakeLambda, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With http_proxy set, an http call reaches the proxy as an absolute-form request, and the
    signature (verified by the fake behind it) still holds."""
    async with ForwardProxy() as proxy:
        monkeypatch.setenv("http_proxy", proxy.url)
        async with lambda_es.AsyncClient(
            region="us-east-1", credentials=CREDENTIALS, endpoint_url=fake.endpoint_url
        ) as client:
            page = await client.list_event_source_mappings()
    assert page.event_source_mappings == ()
    assert [(s.method, s.target) for s in proxy.seen] == [
        ("GET", f"{fake.endpoint_url}/2015-03-31/event-source-mappings")
    ]
    assert len(fake.requests) == 1


async def test_no_proxy_goes_around(
    https_endpoint: HttpsEndpoint, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A host NO_PROXY lists is reached directly: the proxy sees nothing."""
    async with ForwardProxy() as proxy:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        monkeypatch.setenv("NO_PROXY", "example.com,127.0.0.1")
        assert (await _get(endpoint_url=https_endpoint.url, verify=str(ca_file))).uuid == UUID
    assert proxy.seen == []
    assert len(https_endpoint.paths) == 1


async def test_proxy_argument_beats_the_environment(
    fake: FakeLambda, monkeypatch: pytest.MonkeyPatch
) -> None:
    """proxy= is used instead of HTTP_PROXY, and proxy=False goes direct despite it."""
    async with ForwardProxy() as env_proxy, ForwardProxy() as arg_proxy:
        monkeypatch.setenv("HTTP_PROXY", env_proxy.url)
        await _get_from(fake, proxy=arg_proxy.url)
        await _get_from(fake, proxy=False)
    assert len(arg_proxy.seen) == 1
    assert env_proxy.seen == []
    assert len(fake.requests) == 2


async def _get_from(fake: FakeLambda, **kwargs: object) -> None:
    async with lambda_es.AsyncClient(
        region="us-east-1",
        credentials=CREDENTIALS,
        endpoint_url=fake.endpoint_url,
        **kwargs,  # type: ignore[arg-type]
    ) as client:
        await client.list_event_source_mappings()


async def test_proxy_credentials_are_sent_and_never_shown(
    fake: FakeLambda, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A proxy URL's user and password authenticate to the proxy (Proxy-Authorization) and never
    appear in the client's repr, a log line, or an error and its causes."""
    caplog.set_level(logging.DEBUG, logger="lambda_es")
    secret = "Pr0xy-S3cret"
    async with ForwardProxy(require_auth=f"me:{secret}") as proxy:
        monkeypatch.setenv("HTTP_PROXY", f"http://me:{secret}@127.0.0.1:{proxy.port}")
        async with lambda_es.AsyncClient(
            region="us-east-1", credentials=CREDENTIALS, endpoint_url=fake.endpoint_url
        ) as client:
            await client.list_event_source_mappings()
            assert secret not in repr(client)
            config = resolve_config(
                ClientSettings(region="us-east-1", endpoint_url=fake.endpoint_url)
            )
            assert config.proxy.value is not None  # the same configuration, with the proxy
            assert secret not in repr(config)
        assert proxy.seen[0].headers["proxy-authorization"].startswith("Basic ")
        # The wrong password: the proxy answers 407, which must not echo the secret.
        wrong = "Wr0ng-S3cret"
        monkeypatch.setenv("HTTP_PROXY", f"http://me:{wrong}@127.0.0.1:{proxy.port}")
        async with lambda_es.AsyncClient(
            region="us-east-1",
            credentials=CREDENTIALS,
            endpoint_url=fake.endpoint_url,
            retry=lambda_es.Retry(mode="off"),
        ) as client:
            with pytest.raises(lambda_es.LambdaESError) as info:
                await client.list_event_source_mappings()
    assert getattr(info.value, "status", None) == 407
    for text in _chain_texts(info.value):
        assert wrong not in text
        assert base64.b64encode(f"me:{wrong}".encode()).decode() not in text
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert wrong not in record.getMessage()


async def test_unreachable_proxy_error_hides_credentials(
    monkeypatch: pytest.MonkeyPatch, fake: FakeLambda
) -> None:
    """A proxy that refuses connections gives a ConnectError whose text and causes hide the
    proxy's password."""
    async with ForwardProxy() as proxy:
        port = proxy.port
    monkeypatch.setenv("HTTP_PROXY", f"http://me:Gone-S3cret@127.0.0.1:{port}")
    async with lambda_es.AsyncClient(
        region="us-east-1",
        credentials=CREDENTIALS,
        endpoint_url=fake.endpoint_url,
        retry=lambda_es.Retry(mode="off"),
    ) as client:
        with pytest.raises(lambda_es.ConnectError) as info:
            await client.list_event_source_mappings()
    for text in _chain_texts(info.value):
        assert "Gone-S3cret" not in text


def _chain_texts(error: BaseException) -> Iterator[str]:
    seen: BaseException | None = error
    while seen is not None:
        yield str(seen)
        yield repr(seen)
        yield json.dumps(getattr(seen, "args", ()), default=repr)
        seen = seen.__cause__ or seen.__context__


async def test_proxy_credentials_open_a_connect_tunnel(
    https_endpoint: HttpsEndpoint, ca_file: Path
) -> None:
    """proxy= with user and password authenticates the CONNECT of an https call; a wrong
    password fails without echoing it."""
    async with ForwardProxy(require_auth="me:Tunnel-S3cret") as proxy:
        url = f"http://me:Tunnel-S3cret@127.0.0.1:{proxy.port}"
        got = await _get(endpoint_url=https_endpoint.url, verify=str(ca_file), proxy=url)
        assert got.uuid == UUID
        assert proxy.seen[0].method == "CONNECT"
        expected = base64.b64encode(b"me:Tunnel-S3cret").decode()
        assert proxy.seen[0].headers["proxy-authorization"] == f"Basic {expected}"
        with pytest.raises(lambda_es.LambdaESError) as info:
            await _get(
                endpoint_url=https_endpoint.url,
                verify=str(ca_file),
                proxy=url.replace("Tunnel", "Wrong"),
                retry=lambda_es.Retry(mode="off"),
            )
    for text in _chain_texts(info.value):
        assert "Wrong-S3cret" not in text
        assert base64.b64encode(b"me:Wrong-S3cret").decode() not in text
    assert len(https_endpoint.paths) == 1


async def test_allow_http_reaches_a_host_that_is_not_loopback(
    fake: FakeLambda, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An http endpoint named like a docker-compose service is refused by default and used with
    LAMBDA_ES_ALLOW_HTTP=1: the signed request reaches the fake (through a proxy that maps the
    name to it on 127.0.0.1, so no DNS is involved) and its signature holds."""
    name = "localstack.internal:4566"
    async with ForwardProxy(routes={name: fake.port}) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.url)
        with pytest.raises(lambda_es.ConfigurationError, match="LAMBDA_ES_ALLOW_HTTP=1"):
            await _get_from_url(f"http://{name}")
        monkeypatch.setenv("LAMBDA_ES_ALLOW_HTTP", "1")
        await _get_from_url(f"http://{name}")
    assert [(s.method, s.target) for s in proxy.seen] == [
        ("GET", f"http://{name}/2015-03-31/event-source-mappings")
    ]
    assert fake.requests[0].headers["Host"] == name


async def _get_from_url(url: str) -> None:
    async with lambda_es.AsyncClient(
        region="us-east-1", credentials=CREDENTIALS, endpoint_url=url
    ) as client:
        await client.list_event_source_mappings()


async def test_one_tls_context_per_client(
    https_endpoint: HttpsEndpoint, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TLS context is built once per client, on first use, and used for every call."""
    made: list[ssl.SSLContext] = []
    create = ssl.create_default_context

    def counted(*args: Any, **kwargs: Any) -> ssl.SSLContext:
        context = create(*args, **kwargs)
        made.append(context)
        return context

    monkeypatch.setattr(ssl, "create_default_context", counted)
    async with (
        lambda_es.AsyncClient(
            region="us-east-1",
            credentials=CREDENTIALS,
            endpoint_url=https_endpoint.url,
            verify=str(ca_file),
        ) as first,
        lambda_es.AsyncClient(
            region="us-east-1",
            credentials=CREDENTIALS,
            endpoint_url=https_endpoint.url,
            verify=str(ca_file),
        ) as second,
    ):
        await first.get_event_source_mapping(UUID)
        assert len(made) == 1
        await first.get_event_source_mapping(UUID)
        assert len(made) == 1
        await second.get_event_source_mapping(UUID)
        assert len(made) == 2


async def test_a_shared_session_follows_the_client_settings(
    https_endpoint: HttpsEndpoint, ca_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With session= the client's CA bundle and proxy still apply: they go with each request."""
    import aiohttp

    async with ForwardProxy() as proxy, aiohttp.ClientSession() as session:
        monkeypatch.setenv("HTTPS_PROXY", proxy.url)
        got = await _get(endpoint_url=https_endpoint.url, verify=str(ca_file), session=session)
        assert got.uuid == UUID
    assert [s.method for s in proxy.seen] == ["CONNECT"]
