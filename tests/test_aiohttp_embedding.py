"""lambda_es.aiohttp: one AsyncClient per application, through aiohttp's own test client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

import lambda_es
import lambda_es.aiohttp
from lambda_es.testing import FakeLambda

from ._sessions import record_sessions
from .conftest import CREDENTIALS, KINESIS_ARN, ROLE_ARN

SESSION: web.AppKey[aiohttp.ClientSession] = web.AppKey("test.session", aiohttp.ClientSession)


async def add_handler(request: web.Request) -> web.Response:
    """Add an event source with the app's client and answer with its UUID."""
    client = lambda_es.aiohttp.client_from(request)
    cfg = await client.add_event_source(
        event_source=KINESIS_ARN, function_name="process-orders", role=ROLE_ARN
    )
    return web.json_response({"uuid": cfg.uuid, "status": cfg.status})


def _app(fake: FakeLambda, **extra: Any) -> web.Application:
    app = web.Application()
    lambda_es.aiohttp.setup(
        app,
        region="us-east-1",
        endpoint_url=fake.endpoint_url,
        credentials=CREDENTIALS,
        **extra,
    )
    app.router.add_post("/sources", add_handler)
    return app


async def test_handler_uses_the_app_client(fake: FakeLambda) -> None:
    """A handler reaches the app's client with client_from() and calls Lambda through it."""
    app = _app(fake)
    async with TestClient(TestServer(app)) as http:
        response = await http.post("/sources")
        assert response.status == 200
        body = await response.json()
        assert body["status"] == "PENDING"
        assert body["uuid"] in fake.legacy
        assert isinstance(app[lambda_es.aiohttp.CLIENT], lambda_es.AsyncClient)


async def test_one_client_per_app_across_requests(
    fake: FakeLambda, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every request of one app sees the same AsyncClient, which makes one session."""
    sessions = record_sessions(monkeypatch)
    seen: list[int] = []

    async def identify(request: web.Request) -> web.Response:
        client = lambda_es.aiohttp.client_from(request)
        await client.list_event_sources()
        seen.append(id(client))
        return web.Response(text="ok")

    app = _app(fake)
    app.router.add_get("/identify", identify)
    async with TestClient(TestServer(app)) as http:
        for _ in range(3):
            assert (await http.get("/identify")).status == 200
    assert len(set(seen)) == 1
    # The test client's own session, then the lambda_es client's one.
    assert len(sessions) == 2


async def test_client_and_session_are_closed_on_cleanup(
    fake: FakeLambda, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the app cleans up, the client is closed and its own session with it."""
    sessions = record_sessions(monkeypatch)
    app = _app(fake)
    async with TestClient(TestServer(app)) as http:
        assert (await http.post("/sources")).status == 200
        client = app[lambda_es.aiohttp.CLIENT]
        session = sessions[-1]  # the lambda_es client's, made on its first call
        assert not session.closed
    assert session.closed
    with pytest.raises(lambda_es.LambdaESError, match="closed"):
        await client.list_event_sources()


async def test_reuses_a_session_the_app_owns(fake: FakeLambda) -> None:
    """With session_key=, the client uses the app's session and leaves it open on cleanup."""
    states: list[str] = []
    sent: list[str] = []

    async def on_request_start(
        session: aiohttp.ClientSession, context: object, params: aiohttp.TraceRequestStartParams
    ) -> None:
        sent.append(params.url.path)

    tracing = aiohttp.TraceConfig()
    tracing.on_request_start.append(on_request_start)

    async def own_session(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession(trace_configs=[tracing]) as session:
            app[SESSION] = session
            yield
            # Cleanup runs in reverse: lambda_es's client is already closed here.
            states.append("open" if not session.closed else "closed")

    app = web.Application()
    app.cleanup_ctx.append(own_session)
    lambda_es.aiohttp.setup(
        app,
        session_key=SESSION,
        region="us-east-1",
        endpoint_url=fake.endpoint_url,
        credentials=CREDENTIALS,
    )
    app.router.add_post("/sources", add_handler)
    async with TestClient(TestServer(app)) as http:
        assert (await http.post("/sources")).status == 200
        # The call went out through the app's session.
        assert sent == ["/2014-11-13/event-source-mappings/"]
    assert states == ["open"]
    assert app[SESSION].closed


async def test_reuses_a_session_passed_directly(fake: FakeLambda) -> None:
    """With session=, the client uses that session and never closes it."""
    async with aiohttp.ClientSession() as session:
        app = _app(fake, session=session)
        async with TestClient(TestServer(app)) as http:
            assert (await http.post("/sources")).status == 200
        assert not session.closed


async def test_missing_session_key_fails_at_startup(fake: FakeLambda) -> None:
    """session_key= naming nothing in the app stops startup with a ConfigurationError."""
    app = web.Application()
    lambda_es.aiohttp.setup(app, session_key=SESSION, endpoint_url=fake.endpoint_url)
    server = TestServer(app)
    with pytest.raises(lambda_es.ConfigurationError, match=r"test\.session"):
        await server.start_server()
    await server.close()


async def test_client_from_a_sub_application(fake: FakeLambda) -> None:
    """A sub-application's handlers find the parent app's client."""
    parent = _app(fake)
    child = web.Application()
    child.router.add_post("/sources", add_handler)
    parent.add_subapp("/child", child)
    async with TestClient(TestServer(parent)) as http:
        assert (await http.post("/child/sources")).status == 200
    assert len(fake.legacy) == 1


async def test_client_from_without_setup_is_explained() -> None:
    """client_from() in an app without setup() raises a RuntimeError that says what to do."""

    async def handler(request: web.Request) -> web.Response:
        with pytest.raises(RuntimeError, match=r"lambda_es\.aiohttp\.setup\(app\)"):
            lambda_es.aiohttp.client_from(request)
        return web.Response(text="checked")

    app = web.Application()
    app.router.add_get("/", handler)
    async with TestClient(TestServer(app)) as http:
        response = await http.get("/")
        assert await response.text() == "checked"


def test_setup_rejects_bad_arguments() -> None:
    """Misspelt keywords, session together with session_key, and a second setup are refused."""
    app = web.Application()
    with pytest.raises(TypeError):
        lambda_es.aiohttp.setup(app, regoin="us-east-1")
    with pytest.raises(ValueError, match="not both"):
        lambda_es.aiohttp.setup(app, session_key=SESSION, session=object())
    lambda_es.aiohttp.setup(app, region="us-east-1")
    with pytest.raises(RuntimeError, match="already"):
        lambda_es.aiohttp.setup(app, region="us-east-1")
