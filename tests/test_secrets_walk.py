"""Secrets: a raised error, walked through everything reachable from it, holds no secret.

For every error path the tests can produce (API error responses, transport
errors after the response started, malformed responses, URL user info,
malformed credentials files, failing providers), the raised exception's whole
object graph is walked: ``args``, ``__dict__``, ``__slots__``, ``__cause__``,
``__context__``, aiohttp's ``RequestInfo`` and headers, containers, and the
``str``/``repr`` of every object met. Tracebacks and frames are not walked:
they hold the caller's own locals. Neither the secret key, nor the session
token, nor any request's signature may appear anywhere.
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import lambda_es
from lambda_es._errors import redact_url

from ._clock import FakeClock
from ._faults import (
    CREDENTIALS,
    FaultServer,
    SeenRequest,
    Wire,
    aws_error,
    make_client,
    reset_mid_body,
    respond,
    short_body,
)

UUID = "6d9b1c2e-0000-4000-8000-000000000001"
assert CREDENTIALS.session_token is not None
SECRETS: tuple[str, ...] = (CREDENTIALS.secret_access_key, CREDENTIALS.session_token)
_SKIP = (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type, types.FrameType)


def _reachable(root: object) -> Iterator[object]:
    """Every object reachable from ``root`` through attributes, args, chains and containers."""
    seen: set[int] = set()
    stack: list[object] = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (*_SKIP, types.TracebackType)):
            continue
        seen.add(id(obj))
        yield obj
        if isinstance(obj, (str, bytes, int, float, bool)) or obj is None:
            continue
        if isinstance(obj, BaseException):
            stack.extend([obj.args, obj.__cause__, obj.__context__])
        if isinstance(obj, Mapping):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        attributes = getattr(obj, "__dict__", None)
        if isinstance(attributes, dict):
            stack.extend(attributes.values())
        for klass in type(obj).__mro__:
            for slot in getattr(klass, "__slots__", ()):
                if isinstance(slot, str) and hasattr(obj, slot):
                    stack.append(getattr(obj, slot))
        # aiohttp's RequestInfo and the multidicts keep their data off __dict__.
        for name in ("request_info", "headers", "url", "real_url", "history"):
            if hasattr(type(obj), name) and not callable(getattr(type(obj), name, None)):
                try:
                    stack.append(getattr(obj, name))
                except Exception:
                    continue


def _texts(obj: object) -> Iterator[str]:
    if isinstance(obj, bytes):
        yield obj.decode("utf-8", "replace")
        return
    if isinstance(obj, str):
        yield obj
        return
    for render in (str, repr):
        try:
            yield render(obj)
        except Exception:
            continue


def assert_no_secret(error: BaseException, *extra: str) -> None:
    """Fail if a secret, token or signature occurs anywhere reachable from ``error``."""
    needles = [s for s in (*SECRETS, *extra) if s]
    for obj in _reachable(error):
        for text in _texts(obj):
            for needle in needles:
                assert needle not in text, f"secret found in {type(obj).__name__}: {text[:200]!r}"


def _signatures(server: FaultServer) -> list[str]:
    found = []
    for request in server.requests:
        match = re.search(r"Signature=([0-9a-f]{64})", request.headers.get("authorization", ""))
        if match:
            found.append(match.group(1))
    assert found, "the server saw no signed request"
    return found


async def _bad_header(request: SeenRequest, wire: Wire) -> bool:
    await wire.send(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nBad Header\x01: x\r\n\r\n{}")
    return True


async def _bad_status(request: SeenRequest, wire: Wire) -> bool:
    await wire.send(b"HTTP/1.1 abc OK\r\n\r\n")
    return True


async def _bad_chunk(request: SeenRequest, wire: Wire) -> bool:
    await wire.send(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n")
    return True


@pytest.mark.parametrize(
    "behaviour",
    [
        aws_error(400, "InvalidParameterValueException", "bad"),
        aws_error(500, "ServiceException"),
        aws_error(429, "TooManyRequestsException", headers=[("Retry-After", "0")]),
        respond(403, b"<html>denied</html>"),
        respond(200, b"[" * 100_000),
        respond(200, b'{"UUID": 5}'),
        _bad_header,
        _bad_status,
        _bad_chunk,
        short_body,
        reset_mid_body,
    ],
    ids=[
        "400",
        "500",
        "429",
        "html-403",
        "deep-json",
        "wrong-type",
        "bad-header",
        "bad-status",
        "bad-chunk",
        "short-body",
        "reset-mid-body",
    ],
)
async def test_response_error_paths_hold_no_secret(behaviour: Any) -> None:
    """API errors, decode errors and transport errors after the response began carry no secret."""
    async with FaultServer(behaviour) as server:
        async with make_client(
            server.url, clock=FakeClock(), retry=lambda_es.Retry(max_attempts=2)
        ) as client:
            with pytest.raises(lambda_es.LambdaESError) as info:
                await client.get_event_source_mapping(UUID)
        assert_no_secret(info.value, *_signatures(server))


async def test_the_walker_finds_a_secret_where_one_is() -> None:
    """The walk is not vacuous: a secret hidden in a cause's args, a dict or a slot is found."""

    class Slotted:
        __slots__ = ("value",)

        def __init__(self, value: object) -> None:
            self.value = value

    inner = RuntimeError({"nested": [Slotted(("x", SECRETS[1]))]})
    outer = lambda_es.ConnectError("no secret here")
    outer.__cause__ = inner
    with pytest.raises(AssertionError, match="secret found"):
        assert_no_secret(outer)


@pytest.mark.parametrize(
    "url",
    [
        "http://user:pa/ss?#@127.0.0.1:1",
        "scheme://user:pa/ss?#@host",
        "http://user:pa@ss@127.0.0.1:1/",
        "http://user:p%40ss@127.0.0.1:notaport",
        "ftp://u:pass/word@127.0.0.1",
        "http://:pass/word@[::1",
    ],
)
async def test_endpoint_urls_with_user_info_hold_no_password(url: str) -> None:
    """Any form of user info in an endpoint URL stays out of the ConfigurationError."""
    password = url.split(":", 2)[2].rsplit("@", 1)[0]
    client = lambda_es.AsyncClient(region="us-east-1", endpoint_url=url, credentials=CREDENTIALS)
    with pytest.raises(lambda_es.ConfigurationError) as info:
        await client.get_event_source_mapping(UUID)
    await client.aclose()
    assert_no_secret(info.value, password)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("http://user:pa/ss?#@host:8080/p", "http://***@host:8080/p"),
        ("https://u:p@proxy", "https://***@proxy"),
        ("u:p@proxy:3128", "***@proxy:3128"),
        ("http://proxy:3128", "http://proxy:3128"),
        (b"http://u:p@h", "http://***@h"),
    ],
)
def test_redact_url_hides_user_info_of_any_form(url: str | bytes, shown: str) -> None:
    """redact_url keeps scheme, host and path, and hides everything that may be user info."""
    assert redact_url(url) == shown


@pytest.mark.parametrize(
    "content",
    [
        "[default\naws_access_key_id = AKID\naws_secret_access_key = {secret}\n",
        "[default]\naws_access_key_id = AKID\n  aws_secret_access_key = {secret}\n=oops\n",
        "aws_secret_access_key = {secret}\n[default]\n",
        "[default]\naws_secret_access_key\n{secret}\n",
        "[default]\naws_access_key_id = AKID\naws_secret_access_key = {secret}\n"
        "aws_session_token = {token}\n[default]\nx = 1\n",
    ],
)
async def test_a_malformed_credentials_file_leaves_no_secret_in_the_error(
    content: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A credentials file that does not parse gives an error without its secret lines."""
    path = tmp_path / "credentials"
    path.write_text(content.format(secret=SECRETS[0], token=SECRETS[1]))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(path))
    client = lambda_es.AsyncClient(region="us-east-1", endpoint_url="http://127.0.0.1:9")
    try:
        await client.get_event_source_mapping(UUID)
    except lambda_es.LambdaESError as exc:
        assert_no_secret(exc)
    else:  # pragma: no cover - the fixture's port 9 answers nothing
        raise AssertionError("expected an error")
    finally:
        await client.aclose()


async def test_a_failing_provider_leaves_no_secret_in_the_error() -> None:
    """A provider that fails, or returns the wrong type, gives a ConfigurationError without secrets."""
    held = {"secret": SECRETS[0], "token": SECRETS[1]}

    async def failing() -> lambda_es.Credentials:
        raise RuntimeError("the credential endpoint said no")

    async def wrong_type() -> Any:
        return held

    for provider in (failing, wrong_type):
        async with FaultServer(respond(200, b"{}")) as server:
            async with lambda_es.AsyncClient(
                region="us-east-1", endpoint_url=server.url, credentials=provider
            ) as client:
                with pytest.raises(lambda_es.ConfigurationError) as info:
                    await client.get_event_source_mapping(UUID)
            assert server.requests == []
        assert_no_secret(info.value)


async def test_a_logged_api_error_holds_no_signature(caplog: pytest.LogCaptureFixture) -> None:
    """The debug log of a failing call and its error carry neither token nor signature."""
    caplog.set_level("DEBUG", logger="lambda_es")
    async with FaultServer(aws_error(400, "InvalidParameterValueException")) as server:
        async with make_client(server.url) as client:
            with pytest.raises(lambda_es.APIError) as info:
                await client.get_event_source_mapping(UUID)
        signatures = _signatures(server)
    assert_no_secret(info.value, *signatures)
    logged = json.dumps([r.getMessage() for r in caplog.records])
    for needle in (*SECRETS, *signatures):
        assert needle not in logged


@pytest.mark.parametrize(
    "credentials",
    [
        lambda_es.Credentials("AKID", "sec\ud800ret-Secret-Value"),
        lambda_es.Credentials("AKID", "secret", session_token="tok\udfffen-Secret-Value"),
        lambda_es.Credentials("AKID", "line\r\nbreak-Secret-Value"),
        lambda_es.Credentials("AKID", "é-Secret-Value"),
    ],
)
def test_credentials_that_cannot_be_signed_are_refused_without_showing_them(
    credentials: lambda_es.Credentials,
) -> None:
    """A secret holding a surrogate or a line break: ParamValidationError that never quotes it."""
    with pytest.raises(lambda_es.ParamValidationError, match="credentials") as info:
        lambda_es.AsyncClient(region="us-east-1", credentials=credentials)
    assert_no_secret(info.value, "Secret-Value", "\ud800", "\udfff")


async def test_a_provider_returning_unsendable_credentials_is_refused_without_the_secret() -> None:
    """Credentials from a provider holding a lone surrogate or a line break end as a
    ConfigurationError naming the field, before anything is sent, with no secret anywhere."""
    for bad in ("\ud800" + SECRETS[0], SECRETS[0] + "\r\nX-Injected: 1"):

        async def provider(bad: str = bad) -> lambda_es.Credentials:
            return lambda_es.Credentials("AKIDEXAMPLE", bad)

        async with FaultServer(respond(200, b"{}")) as server:
            async with lambda_es.AsyncClient(
                region="us-east-1", endpoint_url=server.url, credentials=provider
            ) as client:
                with pytest.raises(lambda_es.ConfigurationError, match="secret_access_key") as info:
                    await client.get_event_source_mapping(UUID)
            assert server.requests == []
        assert_no_secret(info.value)
