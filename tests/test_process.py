"""credential_process (lambda_es._process): how the command runs and what its output must be."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lambda_es._credentials import SourceError
from lambda_es._process import run_credential_process


def _script(tmp_path: Path, payload: object) -> str:
    path = tmp_path / "helper.py"
    path.write_text(f"import json\nprint(json.dumps({payload!r}))\n", encoding="utf-8")
    return f"{sys.executable} {path}"


async def test_version_1_with_expiration(tmp_path: Path) -> None:
    """A complete version 1 answer gives the credentials and their expiry."""
    command = _script(
        tmp_path,
        {
            "Version": 1,
            "AccessKeyId": "ASIAK",
            "SecretAccessKey": "process-secret",
            "SessionToken": "process-token",
            "Expiration": "2030-01-01T00:00:00Z",
        },
    )
    issued = await run_credential_process(command, where="p")
    assert issued.credentials.session_token == "process-token"
    assert issued.expires == 1893456000.0


async def test_long_term_keys_do_not_expire(tmp_path: Path) -> None:
    """Without Expiration (and without a token) the credentials are not refreshed."""
    command = _script(tmp_path, {"Version": 1, "AccessKeyId": "AKIA", "SecretAccessKey": "s"})
    issued = await run_credential_process(command, where="p")
    assert issued.expires is None
    assert issued.credentials.session_token is None


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([1, 2], "not a JSON object"),
        ({"Version": 1, "SecretAccessKey": "process-secret"}, "no AccessKeyId"),
        ({"Version": 1, "AccessKeyId": "A"}, "no SecretAccessKey"),
        ({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "process-secret", "SessionToken": 5}, "SessionToken is not a string"),
        ({"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "process-secret", "Expiration": "soon"}, "Expiration is not an ISO 8601 time"),
    ],
)  # fmt: skip
async def test_invalid_output(tmp_path: Path, payload: object, message: str) -> None:
    """Output that is not version 1 credentials is refused, without quoting it."""
    with pytest.raises(SourceError) as info:
        await run_credential_process(_script(tmp_path, payload), where="p")
    assert message in str(info.value)
    assert "process-secret" not in repr(info.value)


async def test_a_command_that_does_not_exist(tmp_path: Path) -> None:
    """A missing program is named; nothing else is."""
    with pytest.raises(SourceError, match=r"'/nonexistent/helper' cannot be started"):
        await run_credential_process("/nonexistent/helper --key x", where="p")


@pytest.mark.parametrize("command", ["", "   ", "unclosed 'quote"])
async def test_unusable_command_lines(command: str) -> None:
    """An empty command, or one shlex cannot split, is refused before anything runs."""
    with pytest.raises(SourceError):
        await run_credential_process(command, where="p")


async def test_runs_with_the_given_environment(tmp_path: Path) -> None:
    """The command sees the environment it is given."""
    path = tmp_path / "helper.py"
    path.write_text(
        "import json, os\nprint(json.dumps({'Version': 1, 'AccessKeyId': os.environ['WHO'], "
        "'SecretAccessKey': 's'}))\n",
        encoding="utf-8",
    )
    issued = await run_credential_process(
        f"{sys.executable} {path}", where="p", environ={"WHO": "AKIDWHO"}
    )
    assert issued.credentials.access_key_id == "AKIDWHO"
