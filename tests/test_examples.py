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
    tested = {
        "quickstart.py",
        "mappings.py",
        "legacy.py",
        "async_service.py",
        "sync_script.py",
        "aiohttp_app.py",
    }
    assert {p.name for p in EXAMPLES.glob("*.py")} == tested


def test_quickstart() -> None:
    """quickstart.py adds an event source (legacy) and ensures a mapping (current), printing both."""
    output = _run("quickstart.py")
    legacy, current = output.split("added event source:", 1)[1].split(
        "ensured event source mapping:"
    )
    cfg, mapping = json.loads(legacy), json.loads(current)
    assert re.fullmatch(UUID, str(cfg["UUID"]))
    assert cfg["FunctionName"] == "process-orders"
    assert re.fullmatch(UUID, str(mapping["UUID"]))
    assert mapping["FunctionArn"].endswith(":function:process-orders")
    assert mapping["BatchSize"] == 10


def test_readme_quickstart_runs_the_quickstart_example() -> None:
    """The README's quickstart:run command runs examples/quickstart.py (two commands, two markers)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme.count("<!-- quickstart:run -->") == 1
    assert readme.count("<!-- quickstart:test -->") == 1
    run_block = readme.split("<!-- quickstart:run -->", 1)[1].split("```", 2)[1]
    assert "python examples/quickstart.py" in run_block


def test_mappings_walks_the_current_api() -> None:
    """mappings.py creates, ensures twice (the second changes nothing), waits, lists, updates, deletes."""
    output = _run("mappings.py")
    steps = [line.split()[0] for line in output.splitlines()[1:]]
    assert steps == [
        "create",
        "ensure",
        "ensure",
        "wait",
        "listed",
        "listed",
        "update",
        "wait",
        "delete",
        "delete",
        "deleted;",
    ]
    lines = output.splitlines()
    first, second = (line.split() for line in lines if line.startswith("ensure"))
    assert first[1] == second[1]  # the same mapping
    assert (first[2], second[2]) == ("Updating", "Enabled")  # the second left it alone
    assert lines[-1] == "deleted; 0 mappings left for process-orders"


def test_legacy() -> None:
    """legacy.py adds, gets, lists, re-adds (same UUID, new function) and removes an event source."""
    output = _run("legacy.py")
    uuids = set(re.findall(UUID, output))
    assert len(uuids) == 1
    assert "now maps to process-orders-v2 (same UUID)" in output
    assert output.splitlines()[-1] == "removed; 0 event sources left for the stream"


def test_async_service() -> None:
    """async_service.py ensures four mappings concurrently and reports each Enabled."""
    output = _run("async_service.py")
    for queue in ("orders", "payments", "refunds", "shipments"):
        assert re.search(rf"^process-{queue}: {UUID} Enabled$", output, re.MULTILINE)
    assert "ensured 4 mappings concurrently" in output


def test_sync_script_with_arguments() -> None:
    """sync_script.py ensures the mapping its arguments describe and prints it Enabled."""
    queue = "arn:aws:sqs:us-east-1:123456789012:clicks"
    output = _run(
        "sync_script.py",
        "--function-name",
        "count-clicks",
        "--queue-arn",
        queue,
        "--batch-size",
        "25",
    )
    mapping = _json_after("mapping enabled:", output)
    assert mapping["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:count-clicks"
    assert mapping["EventSourceArn"] == queue
    assert mapping["BatchSize"] == 25
    assert mapping["State"] == "Enabled"


def test_aiohttp_app() -> None:
    """aiohttp_app.py serves on loopback, PUTs to itself, prints the 200 answer and exits."""
    output = _run("aiohttp_app.py")
    mapping = _json_after("PUT /mappings -> HTTP 200", output)
    assert re.fullmatch(UUID, str(mapping["UUID"]))


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.glob("*.py")))
def test_examples_are_documented(name: str) -> None:
    """Each example opens with a docstring saying how to run it."""
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    assert text.startswith('"""')
    assert f"python examples/{name}" in text
