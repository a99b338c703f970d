"""A hostile server: whatever it sends ends in a typed, bounded error, in bounded time and memory.

Every scenario runs against the raw fault server of ``tests/_faults.py`` on
127.0.0.1: deeply nested JSON, members of the wrong JSON type (every member of
every response model, nested ones included), endless or looping pagination,
multi-megabyte messages, and UUIDs or markers that would steer the next request.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import threading
import time
import tracemalloc
import typing
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

import lambda_es
from lambda_es._client import _follow
from lambda_es._service_model import (
    EventSourceConfiguration,
    EventSourceMapping,
    EventSourceMappingPage,
    EventSourcePage,
)
from lambda_es.cli import main

from ._faults import (
    CREDENTIALS,
    FaultServer,
    SeenRequest,
    aws_error,
    make_client,
    respond,
    stall_body,
)

UUID = "6d9b1c2e-0000-4000-8000-000000000001"
SOURCE = "arn:aws:sqs:us-east-1:123456789012:q"
#: The longest message any error may carry in its str().
BOUND = 2_000
DEEP = b"[" * 200_000
DEEPER_OBJECT = b'{"a":' * 100_000 + b"1" + b"}" * 100_000


def _bounded(exc: BaseException) -> None:
    assert len(str(exc)) < BOUND
    assert len(repr(exc)) < BOUND


# -- deep nesting --------------------------------------------------------------


@pytest.mark.parametrize("body", [DEEP, DEEPER_OBJECT, b'{"UUID": ' + DEEP + b"}"])
async def test_deeply_nested_2xx_bodies_are_decode_errors(body: bytes) -> None:
    """JSON nested 100,000 deep is a DecodeError from every operation, never a RecursionError."""
    async with FaultServer(respond(200, body)) as server, make_client(server.url) as client:
        calls = [
            client.get_event_source_mapping(UUID),
            client.get_event_source("u"),
            client.list_event_source_mappings(),
            client.list_event_sources(),
            client.delete_event_source_mapping(UUID),
        ]
        for call in calls:
            with pytest.raises(lambda_es.DecodeError) as info:
                await call
            _bounded(info.value)
            assert info.value.__cause__ is None


async def test_a_deeply_nested_error_body_is_an_api_error() -> None:
    """An error response nested 200,000 deep is an APIError with a short excerpt."""
    async with FaultServer(respond(400, DEEP)) as server, make_client(server.url) as client:
        with pytest.raises(lambda_es.APIError) as info:
            await client.get_event_source_mapping(UUID)
    assert info.value.status == 400
    _bounded(info.value)


async def test_nesting_within_the_parser_limit_is_a_decode_error_too() -> None:
    """Nesting deep enough to pass json.loads but not the converter ends as DecodeError."""
    nested: Any = "x"
    for _ in range(700):
        nested = [nested]
    body = json.dumps({"FilterCriteria": {"Filters": [{"Pattern": nested}]}}).encode()
    async with FaultServer(respond(200, body)) as server, make_client(server.url) as client:
        with pytest.raises(lambda_es.DecodeError) as info:
            await client.get_event_source_mapping(UUID)
    _bounded(info.value)


def test_the_cli_prints_one_line_for_a_deeply_nested_response(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line reports a deep-nesting response in one line, exit 1, no traceback."""
    with _server_in_thread(respond(200, DEEP)) as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", url)
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDCLI")
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "cli-secret")
        code = main(["get-event-source-mapping", UUID])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(
        "lambda-es: error (the service's answer was not understood): DecodeError:"
    )
    assert "Traceback" not in err


def test_the_sync_client_raises_decode_error_for_deep_nesting() -> None:
    """The blocking Client ends a deep-nesting response with DecodeError too."""
    with (
        _server_in_thread(respond(200, DEEP)) as url,
        lambda_es.Client(region="us-east-1", endpoint_url=url, credentials=CREDENTIALS) as client,
        pytest.raises(lambda_es.DecodeError),
    ):
        client.get_event_source_mapping(UUID)


# -- wrong JSON types in every member -------------------------------------------

#: JSON values of every type, and the awkward ones of each.
WRONG_VALUES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    10**40,
    1.5,
    1e308,
    "",
    "x" * 300,
    "\ud800",
    [],
    [1, "a", None],
    {},
    {"k": [1]},
)


def _model_fields(cls: type[Any]) -> Iterator[tuple[str, Any]]:
    hints = typing.get_type_hints(cls)
    for field in attrs.fields(cls):
        yield field.metadata["wire"], hints[field.name]


def _inner_model(type_: Any) -> type[Any] | None:
    for candidate in (type_, *typing.get_args(type_)):
        if attrs.has(candidate):
            return typing.cast("type[Any]", candidate)
        for inner in typing.get_args(candidate):
            if attrs.has(inner):
                return typing.cast("type[Any]", inner)
    return None


def _hostile_bodies(cls: type[Any], depth: int = 0) -> Iterator[Any]:
    """Objects of ``cls``'s shape with one member, at any depth, of each wrong type."""
    for name, type_ in _model_fields(cls):
        for value in WRONG_VALUES:
            yield {name: value}
        inner = _inner_model(type_)
        if inner is not None and depth < 3:
            wraps_list = typing.get_origin(type_) is tuple or any(
                typing.get_origin(a) is tuple for a in typing.get_args(type_)
            )
            for nested in _hostile_bodies(inner, depth + 1):
                yield {name: [nested] if wraps_list else nested}


@pytest.mark.parametrize(
    ("operation", "model"),
    [
        ("get_event_source_mapping", EventSourceMapping),
        ("get_event_source", EventSourceConfiguration),
        ("list_event_source_mappings", EventSourceMappingPage),
        ("list_event_sources", EventSourcePage),
    ],
)
async def test_wrong_json_types_in_every_member_end_typed(operation: str, model: type[Any]) -> None:
    """Each member (nested ones too) of each wrong JSON type: a model or a DecodeError, nothing else."""
    bodies = [json.dumps(b).encode() for b in _hostile_bodies(model)]
    assert len(bodies) > 50

    def script(request: SeenRequest) -> Any:
        return respond(200, bodies[request.number])

    outcomes: dict[str, int] = {"ok": 0, "decode": 0}
    async with FaultServer(script=script) as server, make_client(server.url) as client:
        call = getattr(client, operation)
        for _ in bodies:
            try:
                if operation.startswith("list"):
                    await call()
                else:
                    await call(UUID if "mapping" in operation else "u")
                outcomes["ok"] += 1
            except lambda_es.DecodeError as exc:
                _bounded(exc)
                outcomes["decode"] += 1
    assert outcomes["decode"] > len(bodies) // 2
    assert sum(outcomes.values()) == len(bodies)


async def test_a_page_marker_that_cannot_be_sent_back_is_a_decode_error() -> None:
    """A NextMarker holding a lone surrogate ends the iteration with DecodeError, not UnicodeError."""
    body = b'{"EventSourceMappings": [], "NextMarker": "\\ud800"}'
    async with FaultServer(respond(200, body)) as server, make_client(server.url) as client:
        with pytest.raises(lambda_es.DecodeError):
            async for _ in client.iter_event_source_mappings():
                pass
        assert len(server.requests) == 1


# -- pagination -----------------------------------------------------------------


def _endless_empty_pages(request: SeenRequest) -> Any:
    return respond(
        200, json.dumps({"EventSourceMappings": [], "NextMarker": f"m{request.number}"}).encode()
    )


async def test_endless_empty_pages_end_with_pagination_error_at_the_default() -> None:
    """Empty pages with ever-new markers stop after 100 in a row with PaginationError."""
    async with (
        FaultServer(script=_endless_empty_pages) as server,
        make_client(server.url) as client,
    ):
        with pytest.raises(lambda_es.PaginationError, match="100 empty pages") as info:
            async for _ in client.iter_event_source_mappings():
                pass
        assert len(server.requests) == 100
    assert isinstance(info.value, lambda_es.DecodeError)


async def test_max_empty_pages_is_configurable_and_checked() -> None:
    """max_empty_pages=3 stops after 3 empty pages; a bad value is refused before sending."""
    async with (
        FaultServer(script=_endless_empty_pages) as server,
        make_client(server.url) as client,
    ):
        with pytest.raises(lambda_es.PaginationError):
            async for _ in client.iter_event_sources(max_empty_pages=3):
                pass
        assert len(server.requests) == 3
        for bad in (0, -1, "3", None, 1.5):
            with pytest.raises(lambda_es.ParamValidationError):
                async for _ in client.iter_event_sources(max_empty_pages=bad):  # type: ignore[arg-type]
                    pass
        assert len(server.requests) == 3


async def test_empty_pages_between_full_ones_do_not_count_as_a_run() -> None:
    """The empty-page count is of consecutive pages: an item resets it."""

    def script(request: SeenRequest) -> Any:
        items = [{"UUID": UUID}] if request.number % 3 == 2 else []
        last = request.number == 20
        page: dict[str, Any] = {"EventSourceMappings": items}
        if not last:
            page["NextMarker"] = f"m{request.number}"
        return respond(200, json.dumps(page).encode())

    async with FaultServer(script=script) as server, make_client(server.url) as client:
        found = [m async for m in client.iter_event_source_mappings(max_empty_pages=3)]
    assert len(found) == 7


@pytest.mark.parametrize("markers", [["a", "a"], ["a", "b", "a"], ["a", "b", "c", "d", "b"]])
async def test_a_repeated_recent_marker_is_a_pagination_error(markers: list[str]) -> None:
    """A service handing back a marker it gave lately is stopped at the repeat."""

    def script(request: SeenRequest) -> Any:
        marker = markers[min(request.number, len(markers) - 1)]
        page = {"EventSourceMappings": [{"UUID": UUID}], "NextMarker": marker}
        return respond(200, json.dumps(page).encode())

    async with FaultServer(script=script) as server, make_client(server.url) as client:
        with pytest.raises(lambda_es.PaginationError, match="repeated"):
            async for _ in client.iter_event_source_mappings():
                pass
        assert len(server.requests) == len(markers)


async def test_pagination_memory_is_constant_however_many_pages() -> None:
    """50,000 pages with distinct 1 KB markers: memory does not grow with the page count."""
    count = 0

    async def fetch(marker: str | None) -> EventSourceMappingPage:
        nonlocal count
        count += 1
        next_marker = None if count == 50_000 else f"{count:08d}" + "m" * 1024
        return EventSourceMappingPage(
            event_source_mappings=(EventSourceMapping(uuid=UUID),), next_marker=next_marker
        )

    tracemalloc.start()
    try:
        pages = _follow(fetch, lambda p: p.event_source_mappings, 100)
        async for _ in pages:
            if count == 1_000:
                tracemalloc.reset_peak()
                base = tracemalloc.get_traced_memory()[0]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 50_000
    # A set of every marker would hold about 50 MB.
    assert peak - base < 1_000_000


async def test_the_total_timeout_bounds_each_page() -> None:
    """A page that never finishes ends the iteration with TimeoutError within the total timeout."""
    first = respond(200, json.dumps({"EventSourceMappings": [], "NextMarker": "m"}).encode())
    async with (
        FaultServer(first, stall_body) as server,
        make_client(
            server.url,
            timeout=lambda_es.Timeout(total=0.5, read=None),
            retry=lambda_es.Retry(mode="off"),
        ) as client,
    ):
        started = time.monotonic()
        with pytest.raises(lambda_es.TimeoutError):
            async for _ in client.iter_event_source_mappings():
                pass
    assert time.monotonic() - started < 5


# -- huge messages --------------------------------------------------------------


async def test_a_3_mb_error_message_has_a_bounded_str_and_the_full_message() -> None:
    """A 3 MB service message: str() and repr() stay short, .message keeps all of it."""
    message = "m" * 3_000_000
    async with (
        FaultServer(aws_error(400, "InvalidParameterValueException", message)) as server,
        make_client(server.url) as client,
    ):
        with pytest.raises(lambda_es.InvalidParameterValueError) as info:
            await client.get_event_source_mapping(UUID)
    assert info.value.message == message
    _bounded(info.value)
    assert "3,000,000 characters" in str(info.value)
    assert all(len(str(arg)) < BOUND for arg in info.value.args)


async def test_a_3_mb_malformed_2xx_body_gives_a_bounded_decode_error() -> None:
    """A 3 MB 2xx body that is not JSON gives a DecodeError quoting an excerpt."""
    async with (
        FaultServer(respond(200, b"<" * 3_000_000)) as server,
        make_client(server.url) as client,
    ):
        with pytest.raises(lambda_es.DecodeError) as info:
            await client.get_event_source_mapping(UUID)
    _bounded(info.value)


async def test_a_huge_state_in_the_waiter_message_is_bounded() -> None:
    """A state of a million characters is quoted short in the WaiterError."""
    body = json.dumps({"UUID": UUID, "State": "S" * 1_000_000}).encode()
    async with FaultServer(respond(200, body)) as server, make_client(server.url) as client:
        with pytest.raises(lambda_es.WaiterError) as info:
            await client.wait_for_event_source_mapping(UUID, timeout=0.05)
    _bounded(info.value)
    assert info.value.last_state == "S" * 1_000_000


# -- values from the server that would steer the next request -------------------


async def test_ensure_refuses_a_listed_uuid_that_is_not_a_uuid() -> None:
    """A listed mapping whose UUID is "../x" is a DecodeError; no request goes to that path."""
    listing = {"EventSourceMappings": [{"UUID": "../../x", "EventSourceArn": SOURCE}]}

    def script(request: SeenRequest) -> Any:
        if request.method == "POST":
            return aws_error(409, "ResourceConflictException", "exists")
        return respond(200, json.dumps(listing).encode())

    async with FaultServer(script=script) as server, make_client(server.url) as client:
        with pytest.raises(lambda_es.DecodeError, match="not a UUID"):
            await client.ensure_event_source_mapping(function_name="f", event_source_arn=SOURCE)
        assert [r.method for r in server.requests] == ["POST", "GET"]
        assert all(".." not in r.target for r in server.requests)


async def test_many_hostile_responses_in_a_row_leave_no_connection_open() -> None:
    """After a run of hostile responses the client closes every connection it opened."""
    bodies = itertools.cycle([DEEP, b"{", b"[]", b'{"UUID": 5}', b"\xff\xfe"])

    def script(request: SeenRequest) -> Any:
        return respond(200, next(bodies))

    async with FaultServer(script=script) as server:
        async with make_client(server.url) as client:
            for _ in range(25):
                with pytest.raises(lambda_es.DecodeError):
                    await client.get_event_source_mapping(UUID)
        await asyncio.wait_for(server.wait_until(lambda s: s.connections_open == 0), 5)


# -- a fault server in a thread, for the blocking client and the CLI -------------


@contextlib.contextmanager
def _server_in_thread(*behaviours: Any) -> Iterator[str]:
    loop = asyncio.new_event_loop()
    server = FaultServer(*behaviours)
    ready = threading.Event()
    stop: asyncio.Event | None = None

    async def serve() -> None:
        nonlocal stop
        stop = asyncio.Event()
        async with server:
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    ready.wait(10)
    try:
        yield server.url
    finally:
        assert stop is not None
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()
