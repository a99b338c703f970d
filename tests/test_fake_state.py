"""FakeLambda(state_path=...): state kept in a JSON file, replaced atomically, loaded on start."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import lambda_es
from lambda_es.testing import FakeLambda, StateFileError
from lambda_es.testing._state import FORMAT, write_state

from .conftest import CREDENTIALS, KINESIS_ARN, ROLE_ARN


def _client(fake: FakeLambda) -> lambda_es.AsyncClient:
    return lambda_es.AsyncClient(
        region="us-east-1", endpoint_url=fake.endpoint_url, credentials=CREDENTIALS
    )


async def test_state_survives_a_restart(tmp_path: Path) -> None:
    """Mappings of both APIs, their transitional states and the functions come back on start."""
    path = tmp_path / "state.json"
    async with FakeLambda(credentials=CREDENTIALS, state_path=path) as fake:
        fake.add_function("f", "g")
        async with _client(fake) as client:
            created = await client.create_event_source_mapping(
                function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST"
            )
            added = await client.add_event_source(
                event_source=KINESIS_ARN, function_name="g", role=ROLE_ARN
            )
        before = (dict(fake.mappings), dict(fake.legacy))
    assert created.uuid is not None
    assert added.uuid is not None
    async with FakeLambda(credentials=CREDENTIALS, state_path=path) as again:
        assert (again.mappings, again.legacy, again.functions) == (*before, {"f", "g"})
        async with _client(again) as client:
            assert (await client.get_event_source(added.uuid)).function_name == "g"
            # The Creating state goes on settling where it stopped.
            assert (await client.get_event_source_mapping(created.uuid)).state == "Creating"
            assert (await client.get_event_source_mapping(created.uuid)).state == "Enabled"
            await client.remove_event_source(added.uuid)
    document = json.loads(path.read_text())
    assert document["format"] == FORMAT
    assert document["legacy"] == {}
    assert document["current"][created.uuid]["State"] == "Enabled"


async def test_a_missing_file_starts_empty_and_is_written_at_once(tmp_path: Path) -> None:
    """No file yet: the fake starts empty and writes one, so an unwritable path fails at start."""
    path = tmp_path / "new.json"
    async with FakeLambda(state_path=path) as fake:
        assert fake.mappings == {}
        assert json.loads(path.read_text())["format"] == FORMAT
    assert os.listdir(tmp_path) == ["new.json"]  # no temporary file left


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"{not json", "is not valid JSON"),
        (b"[" * 100_000, "is not valid JSON"),
        (b"\xff\xfe", "is not valid JSON"),
        (b"[]", "is not a FakeLambda state file"),
        (b'{"format": "something else"}', "is not a FakeLambda state file"),
        (
            json.dumps({"format": FORMAT, "functions": [], "legacy": {}, "current": []}).encode(),
            "'current' is not an object",
        ),
        (
            json.dumps(
                {"format": FORMAT, "functions": [], "legacy": {"u": {"UUID": "v"}}, "current": {}}
            ).encode(),
            "not a mapping with that UUID",
        ),
    ],
)
async def test_a_bad_file_stops_the_start(tmp_path: Path, content: bytes, reason: str) -> None:
    """A state file that cannot be parsed is a one-line StateFileError; nothing listens."""
    path = tmp_path / "state.json"
    path.write_bytes(content)
    fake = FakeLambda(state_path=path)
    with pytest.raises(StateFileError) as caught:
        await fake.start()
    message = str(caught.value)
    assert reason in message
    assert str(path) in message
    assert "\n" not in message
    with pytest.raises(RuntimeError):
        fake.endpoint_url  # noqa: B018 - not running
    assert path.read_bytes() == content  # left as it was, for the user to look at


async def test_an_unreadable_or_unwritable_path_stops_the_start(tmp_path: Path) -> None:
    """A directory as the file, or a file in a missing directory, is a StateFileError."""
    for path, reason in (
        (tmp_path, "cannot read the state file"),
        (tmp_path / "missing" / "state.json", "cannot write the state file"),
    ):
        with pytest.raises(StateFileError, match=reason):
            await FakeLambda(state_path=path).start()


async def test_leftover_temporary_files_are_removed(tmp_path: Path) -> None:
    """A temporary file left by a killed writer is cleaned up on start; the real file is kept."""
    path = tmp_path / "state.json"
    write_state(
        path,
        json.dumps({"format": FORMAT, "functions": ["f"], "legacy": {}, "current": {}}).encode(),
    )
    leftover = tmp_path / ".state.json.abc123.tmp"
    leftover.write_bytes(b"half a fi")
    async with FakeLambda(state_path=path) as fake:
        assert fake.functions == {"f"}
    assert sorted(os.listdir(tmp_path)) == ["state.json"]
