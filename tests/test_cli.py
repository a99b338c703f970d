"""The lambda-es command line, run in-process against a FakeLambda thread and as a process."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from collections.abc import Iterator

import pytest

import lambda_es
from lambda_es.cli import main
from lambda_es.testing import FakeLambda

from .conftest import KINESIS_ARN, ROLE_ARN

#: What the CLI tests sign with; the fake verifies every signature with them.
CLI_CREDENTIALS = lambda_es.Credentials("AKIDCLI", "cli-secret")


@pytest.fixture
def fake_lambda() -> Iterator[FakeLambda]:
    """A FakeLambda in a thread of its own, verifying signatures with CLI_CREDENTIALS."""
    with FakeLambda(credentials=CLI_CREDENTIALS) as fake:
        yield fake


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
    assert [m["UUID"] for m in listed["EventSources"]] == [added["UUID"]]  # type: ignore[index]
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
    assert [m["UUID"] for m in listed["EventSourceMappings"]] == [uuid]  # type: ignore[index]
    _run(capsys, "get-event-source-mapping", uuid)
    code, deleted, _ = _run(capsys, "delete-event-source-mapping", uuid)
    assert deleted["State"] == "Deleting"  # type: ignore[index]


def test_ensure_subcommand_is_idempotent(
    cli_env: FakeLambda, capsys: pytest.CaptureFixture[str]
) -> None:
    """Running ensure twice leaves one mapping."""
    cli_env.settle_after = 0
    args: tuple[str, ...] = ("ensure-event-source-mapping", "--function-name", "f")
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
    """A structure flag that is not JSON is one line naming the option, not the usage block."""
    with pytest.raises(SystemExit) as caught:
        main(["create-event-source-mapping", "--function-name", "f", "--filter-criteria", "{"])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert err.startswith(
        "lambda-es create-event-source-mapping: error: argument --filter-criteria: not valid JSON"
    )


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
            assert json.loads(client.stdout) == {"EventSourceMappings": []}
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
    assert (code, listed, err) == (0, {"EventSourceMappings": []}, "")
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
    assert "[StartingPosition; one of TRIM_HORIZON, LATEST, AT_TIMESTAMP; or file://PATH]" in text
    assert (
        "[FunctionResponseTypes; 0 to 1 items; one of ReportBatchItemFailures; words, or a JSON "
        "array; or file://PATH]" in text
    )
    assert "[Topics; 1 to 1 items; 1 to 249 characters each; words, or a JSON array" in text
    with pytest.raises(SystemExit):
        main(["update-event-source-mapping", "--help"])
    update = " ".join(capsys.readouterr().out.split())
    assert "[ParallelizationFactor; 1 to 10]" in update
    assert "StartingPosition" not in update


def test_every_bound_in_the_help_comes_from_the_service_model(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """UUID, function-name, MaxItems and batch-size bounds in the help are the models' own."""
    from lambda_es._service_model import CURRENT_PARAMETERS, LEGACY_PARAMETERS, SETTINGS

    def help_of(command: str) -> str:
        with pytest.raises(SystemExit):
            main([command, "--help"])
        return " ".join(capsys.readouterr().out.split())

    low, high = CURRENT_PARAMETERS["MaxItems"]["range"]
    listing = help_of("list-event-source-mappings")
    assert f"at most N mappings ({low} to {high})" in listing
    assert f"every page ({low} to {high};" in listing
    uuid_length = CURRENT_PARAMETERS["UUID"]["length"][0]
    assert f"UUID ({uuid_length} characters)" in help_of("get-event-source-mapping")
    low, high = CURRENT_PARAMETERS["FunctionName"]["length"]
    assert f"partial ARN ({low} to {high} characters" in help_of("create-event-source-mapping")
    add = help_of("add-event-source")
    low, high = LEGACY_PARAMETERS["FunctionName"]["length"]
    assert f"the function's name ({low} to {high} characters" in add
    low, high = SETTINGS["batch_size"].rules["range"]
    assert f"records per batch ({low} to {high};" in add


# -- output, query, paging, arguments, errors (issue 12) ----------------------------------

SQS_ARN = "arn:aws:sqs:us-east-1:123456789012:orders"


def _out(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _create(capsys: pytest.CaptureFixture[str], function: str, *more: str) -> str:
    code, out, err = _out(
        capsys, "create-event-source-mapping", "--function-name", function,
        "--event-source-arn", SQS_ARN, "--query", "UUID", "--output", "text", *more,
    )  # fmt: skip
    assert code == 0, err
    return out.strip()


def test_list_follows_every_page_unless_one_page_is_asked_for(
    cli_env: FakeLambda, capsys: pytest.CaptureFixture[str]
) -> None:
    """list-event-source-mappings prints {"EventSourceMappings": [...]} with every page;
    --max-items/--starting-token print one page and its NextMarker, as the AWS CLI pages."""
    uuids = [_create(capsys, f"f{i}") for i in range(5)]
    since = len(cli_env.requests)
    code, listed, _ = _run(capsys, "list-event-source-mappings", "--page-size", "2")
    assert code == 0
    assert isinstance(listed, dict)
    assert list(listed) == ["EventSourceMappings"]
    assert [m["UUID"] for m in listed["EventSourceMappings"]] == uuids
    assert [r.query.get("MaxItems") for r in cli_env.requests[since:]] == ["2", "2", "2"]
    code, first, _ = _run(capsys, "list-event-source-mappings", "--max-items", "2")
    assert isinstance(first, dict)
    assert [m["UUID"] for m in first["EventSourceMappings"]] == uuids[:2]
    assert first["NextMarker"]
    code, second, _ = _run(
        capsys, "list-event-source-mappings", "--max-items", "2",
        "--starting-token", first["NextMarker"],
    )  # fmt: skip
    assert [m["UUID"] for m in second["EventSourceMappings"]] == uuids[2:4]  # type: ignore[index]
    code, last, _ = _run(
        capsys,
        "list-event-source-mappings",
        "--starting-token",
        second["NextMarker"],  # type: ignore[index]
    )
    assert last == {"EventSourceMappings": listed["EventSourceMappings"][4:]}


def test_legacy_list_has_the_2014_models_shape(
    cli_env: FakeLambda, capsys: pytest.CaptureFixture[str]
) -> None:
    """list-event-sources prints {"EventSources": [...]} (ListEventSourcesResponse), paged alike."""
    for name in ("a", "b", "c"):
        _out(capsys, "add-event-source", "--event-source", f"{KINESIS_ARN}-{name}",
             "--function-name", name, "--role", ROLE_ARN)  # fmt: skip
    code, listed, _ = _run(capsys, "list-event-sources", "--page-size", "1")
    assert code == 0
    assert [m["FunctionName"] for m in listed["EventSources"]] == ["a", "b", "c"]  # type: ignore[index]
    code, page, _ = _run(capsys, "list-event-sources", "--max-items", "2")
    assert isinstance(page, dict)
    assert sorted(page) == ["EventSources", "NextMarker"]
    assert len(page["EventSources"]) == 2


def test_output_formats_and_query(cli_env: FakeLambda, capsys: pytest.CaptureFixture[str]) -> None:
    """--output text is tab-separated as the AWS CLI's, table draws boxes, --query applies
    JMESPath to the result first; both options work before or after the subcommand."""
    cli_env.settle_after = 0
    uuid = _create(capsys, "orders", "--batch-size", "7", "--function-response-types",
                   "ReportBatchItemFailures")  # fmt: skip
    _create(capsys, "refunds", "--batch-size", "3")
    query = "EventSourceMappings[].[FunctionArn, BatchSize]"
    code, out, _ = _out(capsys, "--output", "text", "list-event-source-mappings", "--query", query)
    functions = "arn:aws:lambda:us-east-1:123456789012:function"
    assert (code, out) == (0, f"{functions}:orders\t7\n{functions}:refunds\t3\n")
    code, out, _ = _out(capsys, "get-event-source-mapping", uuid, "--output", "text")
    lines = out.splitlines()
    # The scalar members on one line, in the order of their sorted names; then each list.
    code, shown, _ = _run(capsys, "get-event-source-mapping", uuid)
    assert isinstance(shown, dict)
    scalars = sorted((k, v) for k, v in shown.items() if not isinstance(v, (dict, list)))
    assert lines[0].split("\t") == [str(v) for _, v in scalars]
    assert "FUNCTIONRESPONSETYPES\tReportBatchItemFailures" in lines
    code, out, _ = _out(capsys, "get-event-source-mapping", uuid, "--output", "table")
    lines = out.splitlines()
    assert lines[0] == "-" * len(lines[1])
    assert lines[1].strip("|").strip() == "GetEventSourceMapping"
    assert all(len(line) == len(lines[0]) for line in lines)
    assert any(
        [cell.strip() for cell in line.split("|")[1:3]] == ["BatchSize", "7"] for line in lines
    )
    assert any("FunctionResponseTypes" in line for line in lines)
    assert any("ReportBatchItemFailures" in line for line in lines)
    code, out, _ = _out(
        capsys, "list-event-source-mappings", "--query", "length(EventSourceMappings)"
    )
    assert (code, json.loads(out)) == (0, 2)


def test_file_arguments_and_list_words(
    cli_env: FakeLambda, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    """file://PATH reads JSON and strings from a file (one trailing newline dropped from a
    string); list settings take plain words, or a JSON array; lists of structures take JSON."""
    filters = f"{tmp_path}/filters.json"
    with open(filters, "w", encoding="utf-8") as handle:
        json.dump({"Filters": [{"Pattern": '{"body": {"kind": ["order"]}}'}]}, handle)
    name = f"{tmp_path}/name.txt"
    with open(name, "w", encoding="utf-8") as handle:
        handle.write("from-a-file\n")
    code, _, err = _run(
        capsys, "create-event-source-mapping", "--function-name", f"file://{name}",
        "--event-source-arn", SQS_ARN, "--filter-criteria", f"file://{filters}",
        "--function-response-types", "ReportBatchItemFailures",
        "--source-access-configurations", '{"Type": "VPC_SUBNET", "URI": "subnet:subnet-1"}',
        '{"Type": "VPC_SECURITY_GROUP", "URI": "security_group:sg-1"}',
    )  # fmt: skip
    assert code == 0, err
    body = json.loads(cli_env.requests[-1].body)
    assert body["FunctionName"] == "from-a-file"
    assert body["FilterCriteria"] == {"Filters": [{"Pattern": '{"body": {"kind": ["order"]}}'}]}
    assert body["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert [c["Type"] for c in body["SourceAccessConfigurations"]] == [
        "VPC_SUBNET",
        "VPC_SECURITY_GROUP",
    ]
    code, _, err = _run(
        capsys, "create-event-source-mapping", "--function-name", "kafka",
        "--event-source-arn", "arn:aws:kafka:us-east-1:123456789012:cluster/c/1",
        "--topics", '["orders"]', "--starting-position", "LATEST",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(cli_env.requests[-1].body)["Topics"] == ["orders"]
    code, _, err = _run(
        capsys, "create-event-source-mapping", "--function-name", "mq",
        "--event-source-arn", "arn:aws:mq:us-east-1:123456789012:broker:b:b-1", "--queues", "jobs",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(cli_env.requests[-1].body)["Queues"] == ["jobs"]


def test_bad_arguments_are_one_line_and_exit_2_with_nothing_sent(
    cli_env: FakeLambda, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    """A missing file, a bad JMESPath, an abbreviated option, two topics where the model allows
    one, a bad word in a list: each is one line on stderr, status 2, nothing sent."""
    create = ["create-event-source-mapping", "--function-name", "f"]
    for argv, expected in (
        (
            [*create, "--filter-criteria", f"file://{tmp_path}/missing.json"],
            "argument --filter-criteria: cannot read file://",
        ),
        (["list-event-source-mappings", "--query", "EventSourceMappings[?"], "argument --query"),
        (["list-event-source-mappings", "--func", "f"], "unrecognized arguments: --func"),
        (["--out", "text", "list-event-source-mappings"], "invalid choice: 'text'"),
        (["list-event-source-mappings", "--output", "yaml"], "argument --output: invalid choice"),
        (
            [*create, "--source-access-configurations", "[1]"],
            "argument --source-access-configurations: each item must be a JSON object",
        ),
        ([*create, "--topics", "a", "b"], "ParamValidationError: invalid parameter 'topics'"),
        (
            [*create, "--function-response-types", "Everything"],
            "invalid parameter 'function_response_types[0]'",
        ),
        (["lambda-es-has-no-such-command"], "invalid choice"),
    ):
        try:
            code = main(argv)
        except SystemExit as exited:
            code = exited.code  # type: ignore[assignment]
        err = capsys.readouterr().err
        assert code == 2, argv
        assert len(err.splitlines()) == 1, err
        assert expected in err, err
    assert cli_env.requests == []


def test_errors_say_where_they_came_from(
    cli_env: FakeLambda, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A service error names the HTTP status, code and request id (status 1); ensure's own
    refusal is a local check, not an answer from the service; a waiter's timeout names the
    last state; a connection failure says no response came."""
    code, _, err = _out(capsys, "get-event-source-mapping", "0" * 36)
    assert code == 1
    assert err.startswith(
        "lambda-es: error from the service (HTTP 404, ResourceNotFoundException, request id "
    )
    request_id = err.split("request id ", 1)[1].split(")", 1)[0]
    assert len(request_id) == 36
    assert len(err.splitlines()) == 1
    cli_env.settle_after = 10_000
    uuid = _create(capsys, "f", "--batch-size", "5")
    code, _, err = _out(capsys, "wait-for-event-source-mapping", uuid, "--timeout", "0.2")
    assert code == 1
    progress, final = err.splitlines()
    assert progress.startswith(f"lambda-es: mapping {uuid} is Creating (")
    assert final.startswith("lambda-es: error (waiter, timeout): WaiterError: ")
    assert "still 'Creating'" in final
    cli_env.settle_after = 0
    kinesis = ["--function-name", "g", "--event-source-arn", KINESIS_ARN]
    assert (
        _out(capsys, "create-event-source-mapping", *kinesis, "--starting-position", "LATEST")[0]
        == 0
    )
    code, _, err = _out(
        capsys, "ensure-event-source-mapping", *kinesis, "--starting-position", "TRIM_HORIZON"
    )
    assert code == 1
    assert err.startswith("lambda-es: error (local check): ResourceConflictError: mapping ")
    assert "StartingPosition" in err
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # no back-off before the connection failure
    code, _, err = _out(
        capsys, "list-event-source-mappings", "--endpoint-url", "http://127.0.0.1:9"
    )
    assert code == 1
    assert err.startswith("lambda-es: error (no response from the service): ConnectError: ")


def test_local_checks_exit_2(cli_env: FakeLambda, capsys: pytest.CaptureFixture[str]) -> None:
    """A ParamValidationError or ConfigurationError is labelled a local check, nothing sent."""
    code, _, err = _out(capsys, "get-event-source-mapping", "short")
    assert code == 2
    assert err.startswith("lambda-es: error (local check, nothing sent): ParamValidationError: ")
    code, _, err = _out(capsys, "list-event-source-mappings", "--endpoint-url", "ftp://x")
    assert code == 2
    assert err.startswith("lambda-es: error (local check, nothing sent): ConfigurationError: ")
    assert cli_env.requests == []


def test_ctrl_c_is_one_line_and_status_130(
    cli_env: FakeLambda, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """KeyboardInterrupt anywhere in a command ends it with status 130 and one line."""

    async def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(lambda_es.AsyncClient, "get_event_source_mapping", interrupted)
    code, out, err = _out(capsys, "get-event-source-mapping", "0" * 36)
    assert (code, out, err) == (130, "", "lambda-es: interrupted\n")


def test_debug_logs_each_attempt_without_secrets(
    cli_env: FakeLambda, capsys: pytest.CaptureFixture[str]
) -> None:
    """--debug logs each attempt on stderr (operation, status, request id), never a secret,
    and leaves the logger as it was afterwards."""
    cli_env.inject_error(500, "ServiceException", "try again")
    code, out, err = _out(capsys, "list-event-source-mappings", "--debug")
    assert code == 0
    assert json.loads(out) == {"EventSourceMappings": []}
    assert "ListEventSourceMappings attempt 1/3" in err
    assert "ListEventSourceMappings attempt 2/3" in err
    assert "DEBUG" in err
    for secret in ("cli-secret", "Signature=", "Credential="):
        assert secret not in err
    assert _out(capsys, "list-event-source-mappings")[2] == ""


def _actions(parser: object) -> Iterator[tuple[str, object]]:
    import argparse

    assert isinstance(parser, argparse.ArgumentParser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if name != "serve":  # serve's options belong to the FakeLambda work
                    yield from _actions(sub)
        else:
            yield parser.prog, action


def test_every_option_has_help_and_no_abbreviations() -> None:
    """Every option of every subcommand says what it means; no parser accepts abbreviations."""
    from lambda_es.cli import build_parser

    parser = build_parser()
    missing = [
        f"{prog} {'/'.join(action.option_strings) or action.dest}"  # type: ignore[attr-defined]
        for prog, action in _actions(parser)
        if not getattr(action, "help", None)
    ]
    assert missing == []
    import argparse

    def parsers(p: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
        yield p
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield from parsers(sub)

    assert all(not p.allow_abbrev for p in parsers(parser))


# -- the README's examples, run as printed ------------------------------------------------

README = os.path.join(os.path.dirname(os.path.dirname(__file__)), "README.md")
#: Where the README's examples say the endpoint is (`lambda-es serve --port 4566`).
README_ENDPOINT = "http://127.0.0.1:4566"
#: The README's example credentials; the fake verifies every signature with them.
README_CREDENTIALS = lambda_es.Credentials(
    "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)


def _readme_examples() -> list[tuple[str, str]]:
    """Each `$ command` of the console blocks in the README's "Command line" section, with
    the output printed under it (continuation lines ending in a backslash are joined)."""
    import re

    with open(README, encoding="utf-8") as handle:
        text = handle.read()
    section = text.split("\n## Command line\n", 1)[1].split("\n## ", 1)[0]
    steps: list[tuple[str, str]] = []
    for block in re.findall(r"```console\n(.*?)```", section, re.S):
        lines = block.splitlines()
        while lines:
            line = lines.pop(0)
            assert line.startswith("$ "), f"output with no command in the README: {line!r}"
            command = line[2:]
            while command.endswith("\\"):
                command = command[:-1] + " " + lines.pop(0).strip()
            output = []
            while lines and not lines[0].startswith("$ "):
                output.append(lines.pop(0) + "\n")
            steps.append((command, "".join(output)))
    return steps


def _matches(expected: str, actual: str) -> bool:
    # "..." stands for any text within a line, as in doctest's ELLIPSIS.
    import re

    pattern = ".*?".join(re.escape(part) for part in expected.split("..."))
    return re.fullmatch(pattern, actual) is not None


def test_readme_command_line_examples(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: object,
) -> None:
    """Every command in the README's Command line section runs, in order, against a
    FakeLambda, and prints what the README shows (stderr, then stdout, as a terminal would),
    with the exit status `echo $?` shows. A tiny shell runs them: `export`, `NAME=$(...)`,
    `"$NAME"`, `echo ... > FILE` and `echo $?`."""
    import re
    import shlex

    import lambda_es._client

    monkeypatch.setattr(lambda_es._client, "WAIT_FIRST_DELAY", 0.01)  # a fast waiter
    monkeypatch.chdir(str(tmp_path))
    variables: dict[str, str] = {}
    status = 0

    def expand(word: str) -> str:
        return re.sub(r"\$(\w+)", lambda m: variables[m.group(1)], word)

    def lambda_es_command(words: list[str]) -> tuple[int, str]:
        try:
            code = main(words)
        except SystemExit as exited:
            code = exited.code  # type: ignore[assignment]
        out, err = capsys.readouterr()
        return code, err + out

    examples = _readme_examples()
    assert len(examples) > 15
    with FakeLambda(credentials=README_CREDENTIALS) as fake:
        for command, expected in examples:
            output = ""
            captured = re.fullmatch(r"(\w+)=\$\((lambda-es .*)\)", command)
            words = [expand(w) for w in shlex.split(captured.group(2) if captured else command)]
            if words[0] == "export":
                for assignment in words[1:]:
                    name, value = assignment.split("=", 1)
                    monkeypatch.setenv(name, value.replace(README_ENDPOINT, fake.endpoint_url))
            elif words == ["echo", "$?"] or command == "echo $?":
                output = f"{status}\n"
            elif words[0] == "echo" and words[2:3] == [">"]:
                with open(words[3], "w", encoding="utf-8") as handle:
                    handle.write(words[1] + "\n")
            else:
                assert words[0] == "lambda-es", f"the README runs {command!r}"
                status, output = lambda_es_command(words[1:])
                if captured:
                    assert status == 0, output
                    variables[captured.group(1)] = output.rstrip("\n")
                    output = ""
            assert _matches(expected, output), f"$ {command}\n{output}"


def test_jmespath_is_imported_only_with_query(
    cli_env: FakeLambda, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command without --query never imports jmespath (here any import of it would fail)."""
    monkeypatch.setitem(sys.modules, "jmespath", None)
    code, out, err = _out(capsys, "list-event-source-mappings", "--output", "table")
    assert (code, err) == (0, "")
    assert "ListEventSourceMappings" in out


@pytest.mark.parametrize(
    "argv",
    [["--version"], ["get-event-source-mapping", "--version"], ["configure", "list", "--version"]],
)
def test_version_before_or_after_the_subcommand(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """--version prints "lambda-es X" (lambda_es.__version__) and exits 0, wherever it is given."""
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 0
    assert capsys.readouterr().out == f"lambda-es {lambda_es.__version__}\n"


def test_wait_for_deleted_reports_the_end(
    cli_env: FakeLambda, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Waiting for Deleted shows Deleting, then Deleted once Lambda no longer knows the mapping;
    stdout has the last description seen."""
    import lambda_es._client

    monkeypatch.setattr(lambda_es._client, "WAIT_FIRST_DELAY", 0.01)
    cli_env.settle_after = 0
    uuid = _create(capsys, "f")
    assert _out(capsys, "wait-for-event-source-mapping", uuid)[0] == 0
    cli_env.settle_after = 1  # one read sees Deleting
    assert _out(capsys, "delete-event-source-mapping", uuid)[0] == 0
    code, out, err = _out(capsys, "wait-for-event-source-mapping", uuid, "--state", "Deleted")
    assert code == 0
    assert [line.split(" (")[0] for line in err.splitlines()] == [
        f"lambda-es: mapping {uuid} is Deleting",
        f"lambda-es: mapping {uuid} is Deleted",
    ]
    assert json.loads(out)["UUID"] == uuid
