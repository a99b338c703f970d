"""Every example runs to completion against the local endpoint, with warnings as errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def _run(name: str, *args: str) -> str:
    # No AWS endpoint in the environment (conftest clears it), so each
    # example starts its own FakeLambda on 127.0.0.1.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    result = subprocess.run(
        [sys.executable, "-W", "error", str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    assert "using the local endpoint http://127.0.0.1:" in result.stdout
    return result.stdout


def _json_after(marker: str, output: str) -> dict[str, object]:
    document = output.split(marker, 1)[1]
    parsed = json.loads(document)
    assert isinstance(parsed, dict)
    return parsed


def test_every_example_is_tested() -> None:
    """Each file in examples/ has a test here, so a new example cannot go unrun."""
    tested = {"quickstart.py", "async_service.py", "sync_script.py", "aiohttp_app.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_quickstart() -> None:
    """quickstart.py adds one event source and prints its configuration as JSON."""
    output = _run("quickstart.py")
    cfg = _json_after("added event source:", output)
    assert re.fullmatch(UUID, str(cfg["UUID"]))
    assert cfg["FunctionName"] == "process-orders"


def test_async_service() -> None:
    """async_service.py adds four event sources concurrently and reports each."""
    output = _run("async_service.py")
    for stream in ("orders", "payments", "refunds", "shipments"):
        assert re.search(rf"^process-{stream}: {UUID} PENDING$", output, re.MULTILINE)
    assert "added 4 event sources concurrently" in output


def test_sync_script_with_arguments() -> None:
    """sync_script.py sends its command-line arguments and prints the mapping read back."""
    stream = "arn:aws:kinesis:us-east-1:123456789012:stream/clicks"
    output = _run(
        "sync_script.py",
        "--function-name",
        "count-clicks",
        "--stream-arn",
        stream,
        "--role-arn",
        "arn:aws:iam::123456789012:role/clicks",
        "--batch-size",
        "25",
    )
    cfg = _json_after("added event source:", output)
    assert cfg["FunctionName"] == "count-clicks"
    assert cfg["EventSource"] == stream
    assert cfg["Role"] == "arn:aws:iam::123456789012:role/clicks"
    assert cfg["BatchSize"] == 25


def test_aiohttp_app() -> None:
    """aiohttp_app.py serves on loopback, POSTs to itself, prints the 201 answer and exits."""
    output = _run("aiohttp_app.py")
    assert "POST /event-sources -> HTTP 201" in output
    cfg = _json_after("-> HTTP 201", output)
    assert re.fullmatch(UUID, str(cfg["UUID"]))


@pytest.mark.parametrize("name", ["async_service.py", "sync_script.py", "aiohttp_app.py"])
def test_examples_are_documented(name: str) -> None:
    """Each example opens with a docstring saying how to run it."""
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    assert text.startswith('"""')
    assert f"python examples/{name}" in text
