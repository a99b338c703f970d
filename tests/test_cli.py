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


# -- global options and configure list ----------------------------------------------------


@pytest.mark.parametrize("place", ["before", "after"])
def test_global_options_before_or_after_the_subcommand(
    fake_lambda_sync: FakeLambda,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    place: str,
) -> None:
    """--region, --endpoint-url and --profile work on either side of the subcommand."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDCLI")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "cli-secret")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")  # overridden by --region
    globals_ = ["--region", "us-east-1", "--endpoint-url", fake_lambda_sync.endpoint_url]
    command = ["list-event-source-mappings"]
    argv = globals_ + command if place == "before" else command + globals_
    code, listed, err = _run(capsys, *argv)
    assert (code, listed, err) == (0, [], "")
    assert "/us-east-1/lambda/" in fake_lambda_sync.requests[-1].headers["Authorization"]


def test_an_option_after_the_subcommand_wins(capsys: pytest.CaptureFixture[str]) -> None:
    """Given on both sides, the option after the subcommand is the one used."""
    code = main(["--region", "eu-west-1", "configure", "list", "--region", "ap-south-1"])
    out = capsys.readouterr().out
    assert code == 0
    assert "ap-south-1" in out
    assert "eu-west-1" not in out


def test_allow_http_and_tls_flags(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    """--allow-http lets an http endpoint off loopback through; --ca-bundle and --no-verify-ssl
    set verify; without --allow-http the refusal exits 2 naming the way out."""
    code = main(["list-event-source-mappings", "--endpoint-url", "http://localstack:4566",
                 "--region", "us-east-1"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "allow_http=True" in err
    bundle = f"{tmp_path}/ca.pem"
    with open(bundle, "w", encoding="utf-8") as handle:
        handle.write("x")
    code = main(["configure", "list", "--allow-http", "--ca-bundle", bundle, "--region",
                 "us-east-1", "--endpoint-url", "http://localstack:4566"])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert _row(out, "allow_http")[1:3] == ["true", "argument"]
    assert _row(out, "verify")[1:3] == [bundle, "argument"]
    assert _row(out, "endpoint_url")[1:3] == ["http://localstack:4566", "argument"]
    assert main(["--no-verify-ssl", "configure", "list"]) == 0
    assert _row(capsys.readouterr().out, "verify")[1:4] == ["false", "(not", "verified)"]


def _row(output: str, name: str) -> list[str]:
    for line in output.splitlines():
        fields = line.split()
        if fields and fields[0] == name:
            return fields
    raise AssertionError(f"no {name} row in:\n{output}")


def test_configure_list_shows_each_source(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    """configure list prints every setting with its masked value and its source: argument,
    environment variable, config file with section and key, or default."""
    config = f"{tmp_path}/config"
    with open(config, "w", encoding="utf-8") as handle:
        handle.write(
            "[profile dev]\nregion = eu-west-1\nretry_mode = legacy\nmax_attempts = 5\n"
            "use_dualstack_endpoint = true\n"
        )
    credentials = f"{tmp_path}/credentials"
    with open(credentials, "w", encoding="utf-8") as handle:
        handle.write("[dev]\naws_access_key_id = AKIDPROFILE000012345\n"
                     "aws_secret_access_key = profile-secret-WXYZ\n")  # fmt: skip
    monkeypatch.setenv("AWS_CONFIG_FILE", config)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", credentials)
    monkeypatch.setenv("AWS_PROFILE", "dev")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "7")
    monkeypatch.setenv("HTTPS_PROXY", "http://me:Proxy-PW@proxy.example:3128")
    code = main(["configure", "list"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.splitlines()[0].split() == ["Name", "Value", "Type", "Location"]
    assert _row(out, "profile")[1:] == ["dev", "env", "AWS_PROFILE"]
    assert _row(out, "access_key")[1:] == [
        "****************2345",
        "shared-credentials-file",
        credentials,
        "[dev]",
    ]
    assert _row(out, "secret_key")[1:] == [
        "****************WXYZ",
        "shared-credentials-file",
        credentials,
        "[dev]",
    ]
    assert _row(out, "region")[1:] == ["eu-west-1", "config-file", config, "[profile", "dev]",
                                       "region"]  # fmt: skip
    assert _row(out, "endpoint_url")[1:3] == ["https://lambda.eu-west-1.api.aws", "default"]
    assert _row(out, "use_dualstack_endpoint")[1:3] == ["true", "config-file"]
    assert _row(out, "retry_mode")[1:3] == ["standard", "config-file"]
    assert _row(out, "max_attempts")[1:] == ["7", "env", "AWS_MAX_ATTEMPTS"]
    assert _row(out, "proxy")[1:] == ["http://me:***@proxy.example:3128", "env", "HTTPS_PROXY"]
    assert _row(out, "use_fips_endpoint")[1:] == ["false", "default", "None"]
    assert "Proxy-PW" not in out
    assert "profile-secret" not in out
    assert "AKIDPROFILE" not in out


def test_configure_list_with_nothing_configured(capsys: pytest.CaptureFixture[str]) -> None:
    """With no region and no credentials configure list still prints, showing them not set."""
    assert main(["configure", "list"]) == 0
    out = capsys.readouterr().out
    assert _row(out, "region")[1:] == ["<not", "set>", "None", "None"]
    assert _row(out, "access_key")[1:] == ["<not", "set>", "None", "None"]


def test_configure_list_environment_credentials(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Credentials from the environment show as the environment, with the key's variable."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT0ABCD")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "environment-secret-1234")
    assert main(["configure", "list"]) == 0
    out = capsys.readouterr().out
    expected = ["environment", "AWS_ACCESS_KEY_ID"]
    assert _row(out, "access_key")[1:] == ["****************ABCD", *expected]
    assert _row(out, "secret_key")[1:] == ["****************1234", *expected]


def test_configure_list_bad_setting_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """An invalid setting makes configure list exit 2 with the message naming the variable."""
    monkeypatch.setenv("AWS_RETRY_MODE", "turbo")
    assert main(["configure", "list"]) == 2
    assert "AWS_RETRY_MODE" in capsys.readouterr().err


def test_configure_list_as_a_process(tmp_path: object) -> None:
    """The installed command prints the table too (options after the subcommand)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and "PROXY" not in key.upper()
    }
    env.update(
        AWS_CONFIG_FILE=f"{tmp_path}/none",
        AWS_SHARED_CREDENTIALS_FILE=f"{tmp_path}/none",
        PYTHONWARNINGS="error",
    )
    result = subprocess.run(
        [sys.executable, "-m", "lambda_es", "configure", "list", "--region", "us-gov-west-1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert _row(result.stdout, "region")[1:] == ["us-gov-west-1", "argument", "None"]
    assert _row(result.stdout, "endpoint_url")[1] == "https://lambda.us-gov-west-1.amazonaws.com"


def test_setting_help_comes_from_the_service_model(capsys: pytest.CaptureFixture[str]) -> None:
    """Each setting flag's help gives the model's meaning, AWS name and range or choices."""
    with pytest.raises(SystemExit) as exited:
        main(["create-event-source-mapping", "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "The maximum number of records in each batch" in text
    assert "[BatchSize; 1 to 10000]" in text
    assert "[StartingPosition; one of TRIM_HORIZON, LATEST, AT_TIMESTAMP]" in text
    assert (
        "[FunctionResponseTypes; one of ReportBatchItemFailures; JSON with AWS member names]"
        in text
    )
    with pytest.raises(SystemExit):
        main(["update-event-source-mapping", "--help"])
    update = " ".join(capsys.readouterr().out.split())
    assert "[ParallelizationFactor; 1 to 10]" in update
    assert "StartingPosition" not in update
