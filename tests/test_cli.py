"""The lambda-es command line, run in-process against a FakeLambda thread and as a process."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys

import pytest

from lambda_es.cli import main
from lambda_es.testing import FakeLambda

from .conftest import KINESIS_ARN, ROLE_ARN


@pytest.fixture
def cli_env(fake_lambda_sync: FakeLambda, monkeypatch: pytest.MonkeyPatch) -> FakeLambda:
    """Point the CLI at the fake through the environment, as a user would."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", fake_lambda_sync.endpoint_url)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDCLI")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "cli-secret")
    return fake_lambda_sync


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, object, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip() else None), err


def test_add_get_list_remove(cli_env: FakeLambda, capsys: pytest.CaptureFixture[str]) -> None:
    """The legacy subcommands print the AWS-shaped JSON of each result."""
    code, added, _ = _run(
        capsys,
        "add-event-source",
        "--event-source", KINESIS_ARN,
        "--function-name", "f",
        "--role", ROLE_ARN,
        "--batch-size", "10",
        "--initial-position", "LATEST",
    )  # fmt: skip
    assert code == 0
    assert isinstance(added, dict)
    assert added["BatchSize"] == 10
    assert added["Parameters"] == {"InitialPositionInStream": "LATEST"}
    code, got, _ = _run(capsys, "get-event-source", added["UUID"])
    assert code == 0
    assert got["UUID"] == added["UUID"]  # type: ignore[index]
    code, listed, _ = _run(capsys, "list-event-sources", "--function-name", "f")
    assert [m["UUID"] for m in listed] == [added["UUID"]]  # type: ignore[union-attr]
    code, removed, _ = _run(capsys, "remove-event-source", added["UUID"])
    assert (code, removed) == (0, None)
    assert cli_env.legacy == {}


def test_current_api_with_setting_flags(
    cli_env: FakeLambda, capsys: pytest.CaptureFixture[str]
) -> None:
    """Settings flags are built from the settings table: ints, booleans, JSON structures."""
    cli_env.settle_after = 0
    code, created, _ = _run(
        capsys,
        "create-event-source-mapping",
        "--function-name", "f",
        "--event-source-arn", KINESIS_ARN,
        "--starting-position", "LATEST",
        "--batch-size", "25",
        "--no-enabled",
        "--filter-criteria", '{"Filters": [{"Pattern": "{}"}]}',
        "--starting-position-timestamp", "2024-01-01T00:00:00Z",
    )  # fmt: skip
    assert code == 0
    assert isinstance(created, dict)
    body = json.loads(cli_env.requests[-1].body)
    assert body["Enabled"] is False
    assert body["FilterCriteria"] == {"Filters": [{"Pattern": "{}"}]}
    assert body["StartingPositionTimestamp"] == 1704067200
    uuid = created["UUID"]
    code, waited, _ = _run(capsys, "wait-for-event-source-mapping", uuid, "--state", "Disabled")
    assert waited["State"] == "Disabled"  # type: ignore[index]
    code, updated, _ = _run(capsys, "update-event-source-mapping", uuid, "--batch-size", "30")
    assert updated["BatchSize"] == 30  # type: ignore[index]
    code, listed, _ = _run(capsys, "list-event-source-mappings", "--event-source-arn", KINESIS_ARN)
    assert [m["UUID"] for m in listed] == [uuid]  # type: ignore[union-attr]
    _run(capsys, "get-event-source-mapping", uuid)
    code, deleted, _ = _run(capsys, "delete-event-source-mapping", uuid)
    assert deleted["State"] == "Deleting"  # type: ignore[index]


def test_ensure_subcommand_is_idempotent(
    cli_env: FakeLambda, capsys: pytest.CaptureFixture[str]
) -> None:
    """Running ensure twice leaves one mapping."""
    cli_env.settle_after = 0
    args = ("ensure-event-source-mapping", "--function-name", "f")
    args += ("--event-source-arn", KINESIS_ARN, "--starting-position", "LATEST")
    first = _run(capsys, *args)[1]
    second = _run(capsys, *args)[1]
    assert first["UUID"] == second["UUID"]  # type: ignore[index]
    assert len(cli_env.mappings) == 1


def test_validation_error_exits_2_and_sends_nothing(
    cli_env: FakeLambda, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad argument is reported on stderr with status 2, before any request."""
    code, out, err = _run(
        capsys, "create-event-source-mapping", "--function-name", "f", "--batch-size", "0"
    )
    assert code == 2
    assert out is None
    assert "batch_size" in err
    assert cli_env.requests == []


def test_service_error_exits_1_without_secrets(
    cli_env: FakeLambda, capsys: pytest.CaptureFixture[str]
) -> None:
    """A service error is one line on stderr, status 1, and no secret in it."""
    code, _, err = _run(capsys, "get-event-source-mapping", "0" * 36)
    assert code == 1
    assert "ResourceNotFoundError" in err
    assert "cli-secret" not in err


def test_missing_configuration_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No region anywhere is a ConfigurationError saying where it looked."""
    code, _, err = _run(capsys, "get-event-source-mapping", "0" * 36)
    assert code == 2
    assert "AWS_REGION" in err


def test_bad_json_flag_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """A structure flag that is not JSON is rejected by the parser."""
    with pytest.raises(SystemExit) as caught:
        main(["create-event-source-mapping", "--function-name", "f", "--filter-criteria", "{"])
    assert caught.value.code == 2
    assert "not valid JSON" in capsys.readouterr().err


def test_serve_runs_a_local_endpoint_as_a_process() -> None:
    """`python -m lambda_es --region R serve` prints its URL and answers R's clients until stopped."""
    env = {**os.environ, "PYTHONWARNINGS": "error"}
    with subprocess.Popen(
        [sys.executable, "-m", "lambda_es", "--region", "eu-west-1", "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as server:
        try:
            assert server.stdout is not None
            ready, _, _ = select.select([server.stdout], [], [], 60)
            assert ready, "serve printed nothing within 60 s"
            line = server.stdout.readline()
            assert "listening on http://127.0.0.1:" in line
            url = line.split()[3]
            client = subprocess.run(
                [sys.executable, "-m", "lambda_es", "--endpoint-url", url, "--region", "eu-west-1",
                 "list-event-source-mappings"],
                capture_output=True, text=True, timeout=60,
                env={**env, "AWS_ACCESS_KEY_ID": "AKIDCLI", "AWS_SECRET_ACCESS_KEY": "s"},
            )  # fmt: skip
            assert client.returncode == 0, client.stderr
            assert json.loads(client.stdout) == []
        finally:
            server.terminate()
            server.wait(timeout=30)
