"""boto3, both wire versions, against a ``lambda-es serve`` process that verifies signatures.

boto3 is an independent SigV4 signer. One ``serve`` process per module,
started with ``--access-key-id/--secret-access-key/--session-token``, takes
every operation of the 2015-03-31 API and of the legacy 2014-11-13 API (the
model loaded from the reference copy, see ``tests/_sdk_matrix.py``) correctly
signed, and refuses with 403 and AWS's code each case of the shared matrix:
a wrong secret, key or token, a body changed after signing (a ``before-send``
hook), a date 20 minutes off either way (botocore's clock shifted), a session
token removed after signing. aiobotocore faces the same matrix in
``test_serve_aiobotocore.py``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
import botocore.session
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

_NO_RETRY = botocore.config.Config(retries={"max_attempts": 1, "mode": "standard"})


@pytest.fixture(scope="module")
def server() -> Iterator[Served]:
    """One ``lambda-es serve`` verifying KEY for the whole module."""
    yield from served_with_key()


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A botocore data directory with the 2014-11-13 model."""
    return legacy_models(tmp_path_factory.mktemp("models"))


def _client(
    server: Served,
    models: Path,
    api_version: str,
    credentials: lambda_es.Credentials = KEY,
    recorder: Recorder | None = None,
) -> Any:
    session = botocore.session.Session()
    session.get_component("data_loader").search_paths.append(str(models))
    client = boto3.session.Session(botocore_session=session).client(
        "lambda", config=_NO_RETRY, **client_options(server, api_version, credentials)
    )
    if recorder is not None:
        client.meta.events.register("before-send.lambda", recorder)
    return client


def test_every_current_operation_is_accepted(server: Served, models: Path) -> None:
    """create, get, list, update and delete of the 2015-03-31 API, signed by boto3, verify;
    boto3 signs content-type and the token, and the server checks the list it names."""
    recorder = Recorder()
    client = _client(server, models, CURRENT, recorder=recorder)
    try:
        created = client.create_event_source_mapping(
            EventSourceArn=STREAM, FunctionName="current-ok", StartingPosition="LATEST"
        )
        signed = signed_headers(recorder.sent[-1].headers)
        assert {"content-type", "host", "x-amz-date", "x-amz-security-token"} <= set(signed)
        mapping_id = created["UUID"]
        assert created["State"] == "Creating"
        # The server settles a transition after one more read, as AWS does after a while.
        assert client.get_event_source_mapping(UUID=mapping_id)["State"] == "Creating"
        listing = client.list_event_source_mappings(FunctionName="current-ok", MaxItems=5)
        assert listed(CURRENT, listing) == [mapping_id]
        assert client.get_event_source_mapping(UUID=mapping_id)["State"] == "Enabled"
        updated = client.update_event_source_mapping(UUID=mapping_id, BatchSize=20)
        assert (updated["State"], updated["BatchSize"]) == ("Updating", 20)
        client.get_event_source_mapping(UUID=mapping_id)
        assert client.get_event_source_mapping(UUID=mapping_id)["State"] == "Enabled"
        assert client.delete_event_source_mapping(UUID=mapping_id)["State"] == "Deleting"
        assert client.get_event_source_mapping(UUID=mapping_id)["State"] == "Deleting"
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            client.get_event_source_mapping(UUID=mapping_id)
    finally:
        client.close()
    assert [r.method for r in recorder.sent] == [
        "POST",
        "GET",
        "GET",
        "GET",
        "PUT",
        "GET",
        "GET",
        "DELETE",
        "GET",
        "GET",
    ]
    assert {r.path.split("/")[1] for r in recorder.sent} == {CURRENT}


def test_every_legacy_operation_is_accepted(server: Served, models: Path) -> None:
    """AddEventSource, GetEventSource, ListEventSources and RemoveEventSource of the
    2014-11-13 API, signed by boto3 with the legacy model, verify; LastModified is a
    timestamp botocore can parse, as that model types it."""
    recorder = Recorder()
    client = _client(server, models, LEGACY, recorder=recorder)
    try:
        added = client.add_event_source(
            EventSource=STREAM, FunctionName="legacy-ok", Role=ROLE_ARN, BatchSize=50
        )
        assert "x-amz-security-token" in signed_headers(recorder.sent[-1].headers)
        mapping_id = added["UUID"]
        got = client.get_event_source(UUID=mapping_id)
        assert got["BatchSize"] == 50
        # The model types it as a timestamp: botocore parsed the server's string.
        assert abs(got["LastModified"] - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=1)
        listing = client.list_event_sources(EventSourceArn=STREAM, FunctionName="legacy-ok")
        assert listed(LEGACY, listing) == [mapping_id]
        client.remove_event_source(UUID=mapping_id)
        assert listed(LEGACY, client.list_event_sources(FunctionName="legacy-ok")) == []
    finally:
        client.close()
    assert [r.method for r in recorder.sent] == ["POST", "GET", "GET", "DELETE", "GET"]
    assert {r.path.split("/")[1] for r in recorder.sent} == {LEGACY}


@pytest.mark.parametrize("api_version", [CURRENT, LEGACY])
@pytest.mark.parametrize("case", list(REFUSALS))
def test_refused_with_403(
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
        client = _client(server, models, api_version, refusal.credentials, recorder)
        try:
            with pytest.raises(botocore.exceptions.ClientError) as caught:
                getattr(client, call.method)(**call.params)
        finally:
            client.close()
    assert_refused(caught.value.response, refusal)
    off = recorder.signed_at() - dt.datetime.now(dt.timezone.utc)
    assert abs(off - refusal.skew) < dt.timedelta(minutes=1)

    # Correctly signed, the same call goes through; the refused one made nothing.
    read = read_call(api_version, function)
    good = _client(server, models, api_version)
    try:
        assert listed(api_version, getattr(good, read.method)(**read.params)) == []
        getattr(good, call.method)(**call.params)
    finally:
        good.close()


@pytest.mark.parametrize("minutes", [-14, 14])
def test_a_clock_14_minutes_off_is_accepted(
    server: Served, models: Path, monkeypatch: pytest.MonkeyPatch, minutes: int
) -> None:
    """Inside AWS's 15-minute window a skewed signer is still accepted."""
    shifted_clock(monkeypatch, dt.timedelta(minutes=minutes))
    recorder = Recorder()
    client = _client(server, models, CURRENT, recorder=recorder)
    try:
        assert client.list_event_source_mappings(FunctionName="nobody")["EventSourceMappings"] == []
    finally:
        client.close()
    off = recorder.signed_at() - dt.datetime.now(dt.timezone.utc)
    assert abs(off - dt.timedelta(minutes=minutes)) < dt.timedelta(minutes=1)
