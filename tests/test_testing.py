"""lambda_es.testing.FakeLambda itself: lifecycle, recorded requests, scripted failures."""

from __future__ import annotations

import socket
import threading

import pytest

import lambda_es
from lambda_es.testing import FakeLambda, RecordedHeaders

from ._loopback import has_ipv6_loopback
from .conftest import KINESIS_ARN

TOKEN = "THE-SESSION-TOKEN-VALUE"


def _client(fake: FakeLambda, **kwargs: object) -> lambda_es.Client:
    return lambda_es.Client(
        region=fake.region,
        endpoint_url=fake.endpoint_url,
        credentials=lambda_es.Credentials("AKIDTESTING", "secret-key", TOKEN),
        **kwargs,  # type: ignore[arg-type]
    )


def test_recorded_headers_hide_secrets_however_printed(fake_lambda_sync: FakeLambda) -> None:
    """repr, str and == diffs never show the signature or the token; lookups still work."""
    with _client(fake_lambda_sync) as client:
        client.list_event_source_mappings()
    (request,) = fake_lambda_sync.requests
    headers = request.headers
    assert isinstance(headers, RecordedHeaders)
    assert headers["x-amz-security-token"] == TOKEN  # case-insensitive lookup
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 ")
    for shown in (repr(request), str(headers), repr(headers)):
        assert TOKEN not in shown
        assert "Signature=" not in shown
        assert "<redacted>" in shown


def test_stopping_does_not_wait_out_a_delayed_answer() -> None:
    """delay_next() holds an answer, but stopping the fake releases it at once."""
    fake = FakeLambda()
    fake.__enter__()
    fake.delay_next(600.0)
    with (
        _client(fake, retry=lambda_es.Retry(mode="off"), timeout=lambda_es.Timeout(read=0.2)) as c,
        pytest.raises(lambda_es.TimeoutError),
    ):
        c.list_event_source_mappings()
    stopper = threading.Thread(target=fake.__exit__, args=(None, None, None))
    stopper.start()
    stopper.join(timeout=30)  # a bound on a hang, not a speed check
    assert not stopper.is_alive()


def test_a_port_in_use_leaves_no_thread_behind() -> None:
    """When the fake cannot listen, entering it raises and its thread and loop are gone."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        before = {t.ident for t in threading.enumerate()}
        with pytest.raises(OSError), FakeLambda(port=port):
            pass
    leftover = [t for t in threading.enumerate() if t.ident not in before]
    assert leftover == []


@pytest.mark.skipif(not has_ipv6_loopback(), reason="this machine has no IPv6 loopback")
def test_an_ipv6_fake_gives_a_usable_url() -> None:
    """On ::1 the endpoint URL brackets the address, and a client can use it."""
    with FakeLambda(host="::1") as fake:
        assert fake.endpoint_url.startswith("http://[::1]:")
        with _client(fake) as client:
            created = client.create_event_source_mapping(
                function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST"
            )
    assert created.state == "Creating"


def test_inject_error_can_target_one_method(fake_lambda_sync: FakeLambda) -> None:
    """inject_error(method=...) waits for a request of that method, letting others through."""
    fake_lambda_sync.inject_error(500, "ServiceException", method="POST")
    with _client(fake_lambda_sync, retry=lambda_es.Retry(mode="off")) as client:
        assert client.list_event_source_mappings().event_source_mappings == ()
        with pytest.raises(lambda_es.ServiceError):
            client.create_event_source_mapping(
                function_name="f", event_source_arn=KINESIS_ARN, starting_position="LATEST"
            )
