"""The lambda-es command as a user runs it: ``python -m lambda_es`` in a process of its own.

Each start of the interpreter costs a few tenths of a second, so the checks
are grouped: one walk through every subcommand, one through the errors, one
for Ctrl-C. The environment is scrubbed of AWS settings and proxies, and the
command is pointed at a FakeLambda (in a thread of this process) that
verifies every signature.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import lambda_es
from lambda_es.testing import FakeLambda

from .conftest import KINESIS_ARN, ROLE_ARN

SECRET = "process-secret-KEEP-OUT-OF-LOGS"
CREDENTIALS = lambda_es.Credentials("AKIDPROCESS", SECRET)
SQS_ARN = "arn:aws:sqs:us-east-1:123456789012:orders"


@pytest.fixture
def fake() -> Iterator[FakeLambda]:
    """A FakeLambda in a thread, verifying signatures with CREDENTIALS."""
    with FakeLambda(credentials=CREDENTIALS) as server:
        yield server


@pytest.fixture
def env(fake: FakeLambda, tmp_path: Path) -> dict[str, str]:
    """The child's environment: nothing of the developer's AWS setup, the fake's endpoint."""
    scrubbed = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("AWS_") and "PROXY" not in key.upper()
    }
    scrubbed.update(
        AWS_CONFIG_FILE=str(tmp_path / "no-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"),
        AWS_ENDPOINT_URL_LAMBDA=fake.endpoint_url,
        AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID=CREDENTIALS.access_key_id,
        AWS_SECRET_ACCESS_KEY=SECRET,
        PYTHONWARNINGS="error",
    )
    return scrubbed


def _cli(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lambda_es", *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _ok(env: dict[str, str], *argv: str) -> str:
    result = _cli(env, *argv)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return result.stdout


def test_every_subcommand(fake: FakeLambda, env: dict[str, str], tmp_path: Path) -> None:
    """Every subcommand works as a process, with each output format, --query and file://;
    --debug logs the attempts on stderr and no secret; the waiter shows its progress."""
    assert _ok(env, "--version") == f"lambda-es {lambda_es.__version__}\n"

    # The legacy API: text, table, --query.
    uuid = _ok(
        env, "add-event-source", "--event-source", KINESIS_ARN, "--function-name", "legacy",
        "--role", ROLE_ARN, "--batch-size", "10", "--output", "text", "--query", "UUID",
    ).strip()  # fmt: skip
    assert uuid in fake.legacy
    table = _ok(env, "get-event-source", uuid, "--output", "table").splitlines()
    assert table[1].strip("|").strip() == "GetEventSource"
    assert any([c.strip() for c in line.split("|")[1:3]] == ["UUID", uuid] for line in table)
    listed = json.loads(_ok(env, "list-event-sources", "--query", "EventSources[].FunctionName"))
    assert listed == ["legacy"]
    assert _ok(env, "remove-event-source", uuid) == ""
    assert fake.legacy == {}

    # The current API, the settings read from a file and as words, with --debug.
    filters = tmp_path / "filters.json"
    filters.write_text(json.dumps({"Filters": [{"Pattern": '{"body": {"kind": ["order"]}}'}]}))
    fake.settle_after = 1
    created = _cli(
        env, "--debug", "create-event-source-mapping", "--function-name", "orders",
        "--event-source-arn", SQS_ARN, "--filter-criteria", f"file://{filters}",
        "--function-response-types", "ReportBatchItemFailures", "--batch-size", "5",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    mapping = json.loads(created.stdout)
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["FilterCriteria"] == json.loads(filters.read_text())
    assert "lambda_es DEBUG CreateEventSourceMapping attempt 1/3: HTTP 202" in created.stderr
    for secret in (SECRET, "Signature=", "Authorization"):
        assert secret not in created.stderr
    uuid = mapping["UUID"]

    waited = _cli(env, "wait-for-event-source-mapping", uuid, "--query", "State")
    assert waited.returncode == 0, waited.stderr
    assert json.loads(waited.stdout) == "Enabled"
    progress = waited.stderr.splitlines()
    assert [line.split(" (")[0] for line in progress] == [
        f"lambda-es: mapping {uuid} is Creating",
        f"lambda-es: mapping {uuid} is Enabled",
    ]

    fake.settle_after = 0
    assert _ok(env, "update-event-source-mapping", uuid, "--batch-size", "30",
               "--query", "BatchSize", "--output", "text") == "30\n"  # fmt: skip
    ensured = _ok(
        env, "ensure-event-source-mapping", "--function-name", "orders",
        "--event-source-arn", SQS_ARN, "--batch-size", "30", "--query", "UUID", "--output", "text",
    )  # fmt: skip
    assert ensured == f"{uuid}\n"
    page = json.loads(_ok(env, "list-event-source-mappings", "--max-items", "1"))
    assert [m["UUID"] for m in page["EventSourceMappings"]] == [uuid]
    assert "NextMarker" not in page  # the only mapping: no next page
    text = _ok(env, "get-event-source-mapping", uuid, "--output", "text").splitlines()
    assert "FUNCTIONRESPONSETYPES\tReportBatchItemFailures" in text
    assert _ok(env, "delete-event-source-mapping", uuid, "--query", "State") == '"Deleting"\n'


def test_errors_and_exit_codes(fake: FakeLambda, env: dict[str, str]) -> None:
    """Usage errors exit 2 with one line and send nothing; a service error exits 1 with one
    line giving the status, code and the request id the service sent."""
    bad_json = _cli(env, "create-event-source-mapping", "--function-name", "f",
                    "--filter-criteria", "{")  # fmt: skip
    assert bad_json.returncode == 2
    assert bad_json.stderr.startswith(
        "lambda-es create-event-source-mapping: error: argument --filter-criteria: not valid JSON"
    )
    assert len(bad_json.stderr.splitlines()) == 1
    invalid = _cli(env, "update-event-source-mapping", "0" * 36, "--batch-size", "0")
    assert invalid.returncode == 2
    assert invalid.stderr.startswith("lambda-es: error (local check, nothing sent): ")
    assert fake.requests == []

    missing = _cli(env, "--debug", "get-event-source-mapping", "0" * 36)
    assert missing.returncode == 1
    *debug, line = missing.stderr.splitlines()
    assert line.startswith(
        "lambda-es: error from the service (HTTP 404, ResourceNotFoundException, request id "
    )
    request_id = line.split("request id ", 1)[1].split(")", 1)[0]
    # The request id is the one the service sent, as the attempt's log line shows it.
    assert any(f"HTTP 404 ResourceNotFoundException, request id {request_id}" in e for e in debug)
    assert "Traceback" not in missing.stderr

    # A reader that leaves early (`| head`) ends the command quietly, with status 1.
    reader_gone = _start(env, "list-event-source-mappings", "--output", "table")
    with reader_gone:
        assert reader_gone.stdout is not None
        assert reader_gone.stderr is not None
        reader_gone.stdout.close()
        assert reader_gone.wait(timeout=60) == 1
        assert reader_gone.stderr.read() == ""


def _start(env: dict[str, str], *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "lambda_es", *argv],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _interrupt(child: subprocess.Popen[str]) -> tuple[int, str, str]:
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=30)
    return child.returncode, out, err


def test_ctrl_c_exits_130_with_one_line(fake: FakeLambda, env: dict[str, str]) -> None:
    """SIGINT during a wait, or during a call, ends the command with status 130 and the one
    line "lambda-es: interrupted": no traceback, no unclosed-session warning."""
    fake.settle_after = 10_000
    with lambda_es.Client(endpoint_url=fake.endpoint_url, region="us-east-1",
                          credentials=CREDENTIALS) as client:  # fmt: skip
        uuid = client.create_event_source_mapping(function_name="f", event_source_arn=SQS_ARN).uuid
    assert uuid is not None

    waiter = _start(env, "wait-for-event-source-mapping", uuid, "--timeout", "120")
    with waiter:
        assert waiter.stderr is not None
        # The first progress line proves the waiter is polling.
        ready, _, _ = select.select([waiter.stderr], [], [], 30)
        assert ready, "the waiter printed no progress within 30 s"
        first = waiter.stderr.readline()
        assert first.startswith(f"lambda-es: mapping {uuid} is Creating")
        code, out, err = _interrupt(waiter)
    assert (code, out, err) == (130, "", "lambda-es: interrupted\n")

    since = len(fake.requests)
    fake.delay_next(30.0)  # the answer to the next call is held back
    caller = _start(env, "get-event-source-mapping", uuid)
    with caller:
        deadline = time.monotonic() + 30
        while len(fake.requests) == since and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(fake.requests) > since, "the call never arrived"
        code, out, err = _interrupt(caller)
    assert (code, out, err) == (130, "", "lambda-es: interrupted\n")
