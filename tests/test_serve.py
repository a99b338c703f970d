"""`lambda-es serve` as a process: banner, host warning, credentials, functions, the state file.

Each test starts ``python -m lambda_es serve`` itself on 127.0.0.1 and talks
to it with lambda_es's own clients.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import lambda_es

from ._loopback import has_ipv6_loopback
from ._served import Served
from .conftest import KINESIS_ARN


@pytest.fixture
def serve() -> Iterator[type[Served]]:
    """Start servers with ``serve(*args)``; any still running at the end are killed."""
    started: list[Served] = []

    class Tracked(Served):
        def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
            started.append(self)  # before the banner: a failed start is cleaned up too
            super().__init__(*args, env=env)

    try:
        yield Tracked
    finally:
        for server in started:
            if server.process.poll() is None:
                server.kill()


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A serve that is expected to exit at once."""
    return subprocess.run(
        [sys.executable, "-m", "lambda_es", "serve", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONWARNINGS": "error", **(env or {})},
        check=False,
    )


def _client(url: str, key: str = "AKIDDUMMY", secret: str = "dummy") -> lambda_es.Client:
    return lambda_es.Client(
        region="us-east-1",
        endpoint_url=url,
        credentials=lambda_es.Credentials(key, secret),
        retry=lambda_es.Retry(mode="off"),
    )


def test_default_banner_and_ctrl_c(serve: type[Served]) -> None:
    """Default: loopback, region, signatures not checked and why; Ctrl-C exits 130 with one
    line, as every lambda-es command does."""
    server = serve()
    assert server.url.startswith("http://127.0.0.1:")
    assert server.banner[1] == "  region: us-east-1, account: 123456789012"
    assert server.banner[2].startswith("  signatures: not checked (no credentials")
    assert server.banner[3] == "  functions: any (none registered)"
    assert server.banner[4] == "  state: in memory only"
    with _client(server.url) as client:
        assert client.list_event_source_mappings().event_source_mappings == ()
    assert server.stop() == (130, "", "lambda-es: interrupted\n")


def test_credentials_from_flags_are_verified(serve: type[Served]) -> None:
    """--access-key-id/--secret-access-key: the right secret is accepted, a wrong one 403."""
    server = serve(
        "--access-key-id", "AKIDSERVEFLAG0001", "--secret-access-key", "the-right-secret"
    )
    assert "checked (access key" in server.banner[2]
    assert "0001, from --access-key-id" in server.banner[2]
    with _client(server.url, "AKIDSERVEFLAG0001", "the-right-secret") as client:
        client.list_event_source_mappings()
    for key, secret in (("AKIDSERVEFLAG0001", "a-wrong-secret"), ("AKIDOTHER", "the-right-secret")):
        with (
            _client(server.url, key, secret) as client,
            pytest.raises(lambda_es.APIError) as caught,
        ):
            client.list_event_source_mappings()
        assert caught.value.status == 403
    code, out, err = server.stop()
    assert "the-right-secret" not in "\n".join(server.banner) + out + err
    assert code == 130
    assert err.endswith("lambda-es: interrupted\n")


def test_credentials_from_the_environment(serve: type[Served]) -> None:
    """Without flags, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are what signatures are checked with."""
    env = {"AWS_ACCESS_KEY_ID": "AKIDFROMENV00042", "AWS_SECRET_ACCESS_KEY": "env-secret"}
    server = serve(env=env)
    assert "0042, from AWS_ACCESS_KEY_ID" in server.banner[2]
    assert "env-secret" not in "\n".join(server.banner)
    with _client(server.url, "AKIDFROMENV00042", "env-secret") as client:
        client.list_event_source_mappings()
    with (
        _client(server.url, "AKIDFROMENV00042", "not-it") as client,
        pytest.raises(lambda_es.APIError) as caught,
    ):
        client.list_event_source_mappings()
    assert caught.value.status == 403


def test_no_verify_accepts_any_signature(serve: type[Served]) -> None:
    """--no-verify (even with credentials in the environment) accepts any well-formed signature."""
    server = serve("--no-verify", env={"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "s"})
    assert server.banner[2] == (
        "  signatures: not checked (--no-verify): any well-formed signature is accepted"
    )
    with _client(server.url, "ANYKEY", "any-secret") as client:
        client.list_event_source_mappings()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--no-verify", "--access-key-id", "A", "--secret-access-key", "s"], "--no-verify"),
        (["--access-key-id", "A"], "go together"),
        (["--port", "70000"], "--port must be 0 to 65535"),
        (["--function", "not a name"], "not a function name"),
    ],
)
def test_bad_options_are_one_line_and_status_2(args: list[str], message: str) -> None:
    """Contradictory or invalid options: one line on stderr, exit 2, nothing served."""
    result = _run(*args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert message in result.stderr


def test_a_port_in_use_is_one_line_and_status_1() -> None:
    """A taken port is reported in one line, exit 1, no traceback."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = _run("--port", str(taken.getsockname()[1]))
    assert result.returncode == 1
    assert result.stderr.startswith("lambda-es serve: error: cannot listen on 127.0.0.1 port ")
    assert result.stderr.count("\n") == 1


def test_another_host_warns_and_advertises_a_usable_url(serve: type[Served]) -> None:
    """--host 0.0.0.0 prints a warning on stderr and advertises 127.0.0.1, which works."""
    server = serve("--host", "0.0.0.0")
    assert server.url.startswith("http://127.0.0.1:")
    with _client(server.url) as client:
        client.list_event_source_mappings()
    code, _, err = server.stop()
    assert code == 130
    assert err.startswith("lambda-es serve: warning: listening on 0.0.0.0, not loopback")


@pytest.mark.skipif(not has_ipv6_loopback(), reason="this machine has no IPv6 loopback")
def test_the_ipv6_wildcard_advertises_ipv6_loopback(serve: type[Served]) -> None:
    """--host :: warns and advertises http://[::1]:PORT, which a client can use."""
    server = serve("--host", "::")
    assert server.url.startswith("http://[::1]:")
    with _client(server.url) as client:
        client.list_event_source_mappings()
    code, _, err = server.stop()
    assert code == 130
    assert "warning: listening on ::, not loopback" in err


def test_function_registry(serve: type[Served]) -> None:
    """--function NAME (repeatable): other functions get AWS's 404 on both APIs."""
    server = serve("--function", "process-orders", "--function", "audit")
    assert server.banner[3] == "  functions: audit, process-orders"
    with _client(server.url) as client:
        created = client.create_event_source_mapping(
            function_name="audit", event_source_arn=KINESIS_ARN, starting_position="LATEST"
        )
        assert created.uuid is not None
        with pytest.raises(lambda_es.ResourceNotFoundError) as caught:
            client.create_event_source_mapping(
                function_name="ghost", event_source_arn=KINESIS_ARN, starting_position="LATEST"
            )
    assert caught.value.message == (
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:ghost"
    )


def test_a_bad_state_file_stops_the_start(tmp_path: Path) -> None:
    """An unreadable state file: one line naming it, exit 1, the file left alone."""
    path = tmp_path / "state.json"
    path.write_text('{"format": "lambda_es.testing.FakeLambda/1", "functions": ')
    result = _run("--state", str(path))
    assert result.returncode == 1
    assert result.stderr == f"lambda-es serve: error: the state file {path} is not valid JSON\n"
    assert path.read_text().endswith('"functions": ')


async def _burst(
    url: str, round_number: int, acknowledged: set[str], kill_after: int, kill: Callable[[], None]
) -> list[BaseException]:
    """Create many mappings at once, recording each answered UUID, and ``kill`` the
    server once ``kill_after`` more are answered while others are in flight.

    Returns:
        The failures (the creates the kill cut off).
    """
    wanted = len(acknowledged) + kill_after
    async with lambda_es.AsyncClient(
        region="us-east-1",
        endpoint_url=url,
        credentials=lambda_es.Credentials("AKIDCRASH", "crash-secret"),
        retry=lambda_es.Retry(mode="off"),
        timeout=lambda_es.Timeout(connect=5, read=30, total=60),
    ) as client:

        async def create(i: int) -> None:
            queue = f"arn:aws:sqs:us-east-1:123456789012:round{round_number}-{i}"
            if i % 3:
                mapping = await client.create_event_source_mapping(
                    function_name="f", event_source_arn=queue
                )
                uuid = mapping.uuid
            else:
                stream = f"arn:aws:kinesis:us-east-1:123456789012:stream/r{round_number}-{i}"
                cfg = await client.add_event_source(
                    event_source=stream,
                    function_name="f",
                    role="arn:aws:iam::123456789012:role/r",
                )
                uuid = cfg.uuid
            assert uuid is not None
            acknowledged.add(uuid)
            if len(acknowledged) == wanted:
                kill()

        results = await asyncio.gather(*(create(i) for i in range(60)), return_exceptions=True)
    return [r for r in results if isinstance(r, BaseException)]


def _stored(url: str) -> set[str]:
    with _client(url) as client:
        current = {m.uuid for m in client.iter_event_source_mappings()}
        legacy = {c.uuid for c in client.iter_event_sources()}
    return {u for u in current | legacy if u is not None}


def test_state_survives_sigkill_during_writes(serve: type[Served], tmp_path: Path) -> None:
    """SIGKILL mid-burst, five times: the file always loads and holds every answered create."""
    path = tmp_path / "state.json"
    acknowledged: set[str] = set()
    on_disk: set[str] = set()
    cut_off = 0
    for round_number in range(5):
        server = serve("--state", str(path), "--function", "f")
        assert _stored(server.url) == on_disk  # the file loaded, nothing lost or invented
        before = len(acknowledged)

        failures = asyncio.run(
            _burst(
                server.url, round_number, acknowledged, 5 + 4 * round_number, server.process.kill
            )
        )
        server.kill()
        assert len(acknowledged) > before
        assert all(isinstance(f, lambda_es.LambdaESError) for f in failures), failures
        cut_off += len(failures)
        document = json.loads(path.read_text())  # whole, never torn
        # A create written but killed before its answer may be there too.
        on_disk = set(document["current"]) | set(document["legacy"])
        assert acknowledged <= on_disk
    assert cut_off > 0  # the kills did land while creates were in flight
    final = serve("--state", str(path))
    assert _stored(final.url) == on_disk
    assert final.banner[3] == "  functions: f"
    assert os.listdir(tmp_path) == ["state.json"]  # leftovers cleaned up
