"""aiobotocore, both wire versions, against a ``lambda-es serve`` process that verifies signatures.

The same matrix as ``test_serve_sdks.py`` (boto3), through aiobotocore's
``get_session().create_client("lambda", ...)``: every operation of the
2015-03-31 and the legacy 2014-11-13 API accepted; a wrong secret, key or
token, a body changed after signing, a date 20 minutes off either way and a
session token removed after signing refused with 403 and AWS's code.

aiobotocore cannot be installed beside the test extra (it pins a botocore
older than ``tests/test_settings_model.py`` needs), so this module runs in
``nox -s aiobotocore``, in an environment of its own; ``tests/conftest.py``
leaves it out of any run where aiobotocore is not installed and says so in
the summary.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiobotocore.config
import aiobotocore.session
import botocore.exceptions
import pytest

import lambda_es

from ._sdk_matrix import (
    CURRENT,
    KEY,
    LEGACY,
    REFUSALS,
    STREAM,
    Recorder,
    assert_refused,
    client_options,
    legacy_models,
    listed,
    read_call,
    served_with_key,
    shifted_clock,
    signed_headers,
    write_call,
)
from ._served import Served
from .conftest import ROLE_ARN

pytestmark = pytest.mark.aiobotocore

_NO_RETRY = aiobotocore.config.AioConfig(retries={"max_attempts": 1, "mode": "standard"})


@pytest.fixture(scope="module")
def server() -> Iterator[Served]:
    """One ``lambda-es serve`` verifying KEY for the whole module."""
    yield from served_with_key()


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A botocore data directory with the 2014-11-13 model."""
    return legacy_models(tmp_path_factory.mktemp("models"))


@asynccontextmanager
async def _client(
    server: Served,
    models: Path,
    api_version: str,
    credentials: lambda_es.Credentials = KEY,
    recorder: Recorder | None = None,
) -> AsyncIterator[Any]:
    session = aiobotocore.session.get_session()
    session.get_component("data_loader").search_paths.append(str(models))
    async with session.create_client(
        "lambda", config=_NO_RETRY, **client_options(server, api_version, credentials)
    ) as client:
        if recorder is not None:
            client.meta.events.register("before-send.lambda", recorder)
        yield client


async def test_every_current_operation_is_accepted(server: Served, models: Path) -> None:
    """create, get, list, update and delete of the 2015-03-31 API, signed by aiobotocore,
    verify; it signs content-type and the token, and the server checks the list it names."""
    recorder = Recorder()
    async with _client(server, models, CURRENT, recorder=recorder) as client:
        created = await client.create_event_source_mapping(
            EventSourceArn=STREAM, FunctionName="current-ok", StartingPosition="LATEST"
        )
        signed = signed_headers(recorder.sent[-1].headers)
        assert {"content-type", "host", "x-amz-date", "x-amz-security-token"} <= set(signed)
        mapping_id = created["UUID"]
        assert created["State"] == "Creating"
        # The server settles a transition after one more read, as AWS does after a while.
        assert (await client.get_event_source_mapping(UUID=mapping_id))["State"] == "Creating"
        listing = await client.list_event_source_mappings(FunctionName="current-ok", MaxItems=5)
        assert listed(CURRENT, listing) == [mapping_id]
        assert (await client.get_event_source_mapping(UUID=mapping_id))["State"] == "Enabled"
        updated = await client.update_event_source_mapping(UUID=mapping_id, BatchSize=20)
        assert (updated["State"], updated["BatchSize"]) == ("Updating", 20)
        await client.get_event_source_mapping(UUID=mapping_id)
        assert (await client.get_event_source_mapping(UUID=mapping_id))["State"] == "Enabled"
        deleted = await client.delete_event_source_mapping(UUID=mapping_id)
        assert deleted["State"] == "Deleting"
        assert (await client.get_event_source_mapping(UUID=mapping_id))["State"] == "Deleting"
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            await client.get_event_source_mapping(UUID=mapping_id)
    methods = ["POST", "GET", "GET", "GET", "PUT", "GET", "GET", "DELETE", "GET", "GET"]
    assert [r.method for r in recorder.sent] == methods
    assert {r.path.split("/")[1] for r in recorder.sent} == {CURRENT}


async def test_every_legacy_operation_is_accepted(server: Served, models: Path) -> None:
    """AddEventSource, GetEventSource, ListEventSources and RemoveEventSource of the
    2014-11-13 API, signed by aiobotocore with the legacy model, verify; LastModified is a
    timestamp botocore can parse, as that model types it."""
    recorder = Recorder()
    async with _client(server, models, LEGACY, recorder=recorder) as client:
        added = await client.add_event_source(
            EventSource=STREAM, FunctionName="legacy-ok", Role=ROLE_ARN, BatchSize=50
        )
        assert "x-amz-security-token" in signed_headers(recorder.sent[-1].headers)
        mapping_id = added["UUID"]
        got = await client.get_event_source(UUID=mapping_id)
        assert got["BatchSize"] == 50
        assert abs(got["LastModified"] - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=1)
        listing = await client.list_event_sources(EventSourceArn=STREAM, FunctionName="legacy-ok")
        assert listed(LEGACY, listing) == [mapping_id]
        await client.remove_event_source(UUID=mapping_id)
        assert listed(LEGACY, await client.list_event_sources(FunctionName="legacy-ok")) == []
    assert [r.method for r in recorder.sent] == ["POST", "GET", "GET", "DELETE", "GET"]
    assert {r.path.split("/")[1] for r in recorder.sent} == {LEGACY}


@pytest.mark.parametrize("api_version", [CURRENT, LEGACY])
@pytest.mark.parametrize("case", list(REFUSALS))
async def test_refused_with_403(
    server: Served, models: Path, monkeypatch: pytest.MonkeyPatch, api_version: str, case: str
) -> None:
    """Each case of the matrix gets 403 with AWS's code and message, and changes nothing;
    the same client without the fault is accepted."""
    refusal = REFUSALS[case]
    function = f"refused-{uuid.uuid4().hex[:12]}"
    call = (write_call if refusal.write else read_call)(api_version, function)
    recorder = Recorder(refusal.tamper)
    with monkeypatch.context() as patched:
        shifted_clock(patched, refusal.skew)
        async with _client(server, models, api_version, refusal.credentials, recorder) as client:
            with pytest.raises(botocore.exceptions.ClientError) as caught:
                await getattr(client, call.method)(**call.params)
    assert_refused(caught.value.response, refusal)
    off = recorder.signed_at() - dt.datetime.now(dt.timezone.utc)
    assert abs(off - refusal.skew) < dt.timedelta(minutes=1)

    # Correctly signed, the same call goes through; the refused one made nothing.
    read = read_call(api_version, function)
    async with _client(server, models, api_version) as good:
        assert listed(api_version, await getattr(good, read.method)(**read.params)) == []
        await getattr(good, call.method)(**call.params)


@pytest.mark.parametrize("minutes", [-14, 14])
async def test_a_clock_14_minutes_off_is_accepted(
    server: Served, models: Path, monkeypatch: pytest.MonkeyPatch, minutes: int
) -> None:
    """Inside AWS's 15-minute window a skewed signer is still accepted."""
    shifted_clock(monkeypatch, dt.timedelta(minutes=minutes))
    recorder = Recorder()
    async with _client(server, models, CURRENT, recorder=recorder) as client:
        listing = await client.list_event_source_mappings(FunctionName="nobody")
    assert listing["EventSourceMappings"] == []
    off = recorder.signed_at() - dt.datetime.now(dt.timezone.utc)
    assert abs(off - dt.timedelta(minutes=minutes)) < dt.timedelta(minutes=1)
