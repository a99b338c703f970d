"""Error responses become typed exceptions (lambda_es._errors), unit and end to end.

The code comes from x-amzn-ErrorType (cut at ':', the part after '#'), else
the body's code/__type/Type; the message from message/Message; the request id
from x-amzn-RequestId. Known codes map to their classes, unknown ones to
APIError, and a body that is not JSON still gives an APIError with an excerpt.
"""

from __future__ import annotations

import builtins
import json
import re
from collections.abc import AsyncIterator

import pytest
from multidict import CIMultiDict

import lambda_es
from lambda_es._errors import EXCERPT_LENGTH, error_from_response, excerpt
from lambda_es.testing import FakeLambda

from .conftest import CREDENTIALS, KINESIS_ARN, ROLE_ARN

CODES: list[tuple[str, type[lambda_es.APIError], int]] = [
    ("ServiceException", lambda_es.ServiceError, 500),
    ("InvalidParameterValueException", lambda_es.InvalidParameterValueError, 400),
    ("ResourceNotFoundException", lambda_es.ResourceNotFoundError, 404),
    ("ResourceConflictException", lambda_es.ResourceConflictError, 409),
    ("ResourceInUseException", lambda_es.ResourceInUseError, 400),
    ("TooManyRequestsException", lambda_es.TooManyRequestsError, 429),
]

HTML_502 = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n"
    + "<!-- padding -->\r\n" * 100
    + "</body></html>"
)


def _error(
    status: int, headers: dict[str, str] | None = None, body: object = b""
) -> lambda_es.APIError:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return error_from_response(status, CIMultiDict(headers or {}), raw)


# -- the hierarchy ------------------------------------------------------------------


def test_exception_tree() -> None:
    """The classes form the documented tree, with the documented builtin bases."""
    for _, api_class, _ in CODES:
        assert issubclass(api_class, lambda_es.APIError)
    for cls in (
        lambda_es.ParamValidationError,
        lambda_es.ConfigurationError,
        lambda_es.TransportError,
        lambda_es.DecodeError,
        lambda_es.APIError,
    ):
        assert issubclass(cls, lambda_es.LambdaESError)
    assert issubclass(lambda_es.ParamValidationError, ValueError)
    assert issubclass(lambda_es.ConnectError, lambda_es.TransportError)
    assert issubclass(lambda_es.TimeoutError, lambda_es.TransportError)
    assert issubclass(lambda_es.TimeoutError, builtins.TimeoutError)


# -- where the code comes from ---------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("ResourceNotFoundException", "ResourceNotFoundException"),
        (
            "ResourceNotFoundException:http://internal.amazon.com/coral/",
            "ResourceNotFoundException",
        ),
        ("com.amazonaws.lambda#ResourceConflictException", "ResourceConflictException"),
        (
            "aws.protocoltests.restjson#ResourceInUseException:http://internal.amazon.com/",
            "ResourceInUseException",
        ),
        (" TooManyRequestsException ", "TooManyRequestsException"),
    ],
)
def test_code_from_error_type_header(header: str, code: str) -> None:
    """x-amzn-ErrorType is cut at the first ':' and keeps what follows a '#'."""
    error = _error(400, {"x-amzn-ErrorType": header}, {"Type": "User", "Message": "m"})
    assert error.code == code
    assert type(error).__name__ != "APIError"


def test_header_wins_over_body_and_is_case_insensitive() -> None:
    """The header's code beats the body's, whatever the header name's case."""
    error = _error(
        404,
        {"X-AMZN-ERRORTYPE": "ResourceNotFoundException:http://x/"},
        {"code": "ServiceException", "__type": "x#ServiceException", "message": "m"},
    )
    assert type(error) is lambda_es.ResourceNotFoundError


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"code": "ResourceConflictException"}, "ResourceConflictException"),
        ({"__type": "com.amazon.coral.service#ServiceException"}, "ServiceException"),
        ({"Type": "TooManyRequestsException"}, "TooManyRequestsException"),
        (
            {"code": "ServiceException", "__type": "InvalidParameterValueException"},
            "ServiceException",
        ),
        ({"__type": "ResourceInUseException", "Type": "User"}, "ResourceInUseException"),
        ({"code": "", "Type": "ResourceNotFoundException"}, "ResourceNotFoundException"),
    ],
)
def test_code_from_body_when_no_header(body: dict[str, str], code: str) -> None:
    """Without the header the code is the body's code, then __type (after '#'), then Type."""
    assert _error(400, {}, body).code == code


@pytest.mark.parametrize(("code", "cls", "status"), CODES)
def test_each_code_maps_to_its_class(code: str, cls: type[lambda_es.APIError], status: int) -> None:
    """Each documented code gives its own subclass, carrying code and status."""
    error = _error(status, {"x-amzn-ErrorType": code}, {"message": "m"})
    assert type(error) is cls
    assert error.code == code
    assert error.status == status


def test_unknown_code_is_plain_api_error() -> None:
    """A code lambda_es does not know is a plain APIError that still names it."""
    error = _error(403, {"x-amzn-ErrorType": "AccessDeniedException"}, {"Message": "no"})
    assert type(error) is lambda_es.APIError
    assert error.code == "AccessDeniedException"


# -- message and request id ---------------------------------------------------------------


def test_message_from_either_spelling() -> None:
    """The message is the body's 'message', else its 'Message'."""
    assert _error(400, {}, {"message": "lower"}).message == "lower"
    assert _error(400, {}, {"Message": "upper"}).message == "upper"
    assert _error(400, {}, {"message": "lower", "Message": "upper"}).message == "lower"


def test_request_id_and_retry_details() -> None:
    """request_id is x-amzn-RequestId; retry_after and attempts are carried as given."""
    error = error_from_response(
        429,
        CIMultiDict(
            {"X-Amzn-RequestId": "c0ffee-1", "x-amzn-ErrorType": "TooManyRequestsException"}
        ),
        b'{"message": "slow down"}',
        retry_after=2.5,
        attempts=3,
    )
    assert error.request_id == "c0ffee-1"
    assert error.retry_after == 2.5
    assert error.attempts == 3
    assert str(error) == (
        "TooManyRequestsException (HTTP 429): slow down; request id c0ffee-1; after 3 attempts"
    )
    assert _error(500, {}, {"message": "m"}).request_id is None


def test_html_body_gives_status_and_short_excerpt() -> None:
    """An HTML page from a proxy is an APIError with the status and a short, one-line excerpt."""
    error = _error(502, {"Content-Type": "text/html"}, HTML_502.encode())
    assert type(error) is lambda_es.APIError
    assert error.code is None
    assert error.status == 502
    assert "502 Bad Gateway" in error.message
    assert "\n" not in error.message
    assert len(error.message) < EXCERPT_LENGTH + 50
    assert "HTTP 502" in str(error)


@pytest.mark.parametrize(
    ("body", "expected"),
    [(b"", "(empty body)"), (b"  ", "(empty body)"), (b"[1, 2]", "[1, 2]"), (b'"oops"', '"oops"')],
)
def test_bodies_without_a_message(body: bytes, expected: str) -> None:
    """An empty body or a JSON body that is not an object still gives a readable message."""
    error = _error(500, {}, body)
    assert type(error) is lambda_es.APIError
    assert expected in error.message


def test_excerpt() -> None:
    """excerpt() collapses whitespace, survives bad UTF-8 and cuts long text with '...'."""
    assert excerpt(b"a\r\n  b\tc") == "a b c"
    assert excerpt(b"\xffok") == "\ufffdok"
    assert excerpt("x" * 10, limit=4) == "xxxx..."
    assert excerpt("x" * 4, limit=4) == "xxxx"


# -- end to end through FakeLambda ---------------------------------------------------------


@pytest.fixture
async def no_retry_client(fake: FakeLambda) -> AsyncIterator[lambda_es.AsyncClient]:
    """A client that makes one attempt per call, so error tests never wait for back-off."""
    async with lambda_es.AsyncClient(
        region="us-east-1",
        endpoint_url=fake.endpoint_url,
        credentials=CREDENTIALS,
        retry=lambda_es.Retry(mode="off"),
    ) as client:
        yield client


async def _add(client: lambda_es.AsyncClient) -> lambda_es.EventSourceConfiguration:
    return await client.add_event_source(
        event_source=KINESIS_ARN, function_name="process-orders", role=ROLE_ARN
    )


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.mark.parametrize(("code", "cls", "status"), CODES)
async def test_end_to_end_code_mapping(
    no_retry_client: lambda_es.AsyncClient,
    fake: FakeLambda,
    code: str,
    cls: type[lambda_es.APIError],
    status: int,
) -> None:
    """An error response from the server raises its class with code, message, status and request id."""
    fake.inject_error(status, code, "injected failure")
    with pytest.raises(cls) as info:
        await _add(no_retry_client)
    error = info.value
    assert error.code == code
    assert error.message == "injected failure"
    assert error.status == status
    assert error.request_id is not None
    assert _UUID.fullmatch(error.request_id)
    assert error.attempts == 1
    assert len(fake.requests) == 1


async def test_end_to_end_namespaced_header(
    no_retry_client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """A namespaced x-amzn-ErrorType with a URL suffix still maps to its class."""
    fake.inject_error(409, "com.amazonaws.lambda#ResourceConflictException:http://internal/")
    with pytest.raises(lambda_es.ResourceConflictError) as info:
        await _add(no_retry_client)
    assert info.value.code == "ResourceConflictException"


async def test_end_to_end_unknown_code(
    no_retry_client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """An unknown code from the server is a plain APIError."""
    fake.inject_error(400, "KMSAccessDeniedException", "kms says no")
    with pytest.raises(lambda_es.APIError) as info:
        await _add(no_retry_client)
    assert type(info.value) is lambda_es.APIError
    assert info.value.code == "KMSAccessDeniedException"
    assert info.value.message == "kms says no"


async def test_end_to_end_html_502(
    no_retry_client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """A proxy's HTML 502 is an APIError with status 502 and a short excerpt of the page."""
    fake.inject_error(502, None, HTML_502)
    with pytest.raises(lambda_es.APIError) as info:
        await _add(no_retry_client)
    error = info.value
    assert type(error) is lambda_es.APIError
    assert error.status == 502
    assert error.code is None
    assert "502 Bad Gateway" in error.message
    assert len(error.message) < EXCERPT_LENGTH + 50


async def test_end_to_end_retry_after(
    no_retry_client: lambda_es.AsyncClient, fake: FakeLambda
) -> None:
    """A 429's Retry-After header is parsed into retry_after seconds."""
    fake.inject_error(429, "TooManyRequestsException", "slow", headers={"Retry-After": "7"})
    with pytest.raises(lambda_es.TooManyRequestsError) as info:
        await _add(no_retry_client)
    assert info.value.retry_after == 7.0


async def test_end_to_end_bad_signature_hides_secrets(fake: FakeLambda) -> None:
    """A signature the server rejects is an APIError whose text carries no secret or signature."""
    wrong = lambda_es.Credentials(
        CREDENTIALS.access_key_id, "not-the-right-secret-key", "SESSION-TOKEN-VALUE"
    )
    async with lambda_es.AsyncClient(
        region="us-east-1",
        endpoint_url=fake.endpoint_url,
        credentials=wrong,
        retry=lambda_es.Retry(mode="off"),
    ) as client:
        with pytest.raises(lambda_es.APIError) as info:
            await _add(client)
    error = info.value
    assert error.status == 403
    assert error.code == "InvalidSignatureException"
    signature = fake.requests[0].headers["Authorization"].rsplit("=", 1)[1]
    for text in (str(error), repr(error), repr(error.args)):
        assert "not-the-right-secret-key" not in text
        assert "SESSION-TOKEN-VALUE" not in text
        assert signature not in text


def test_timeout_error_is_caught_as_the_builtin_and_asyncio_timeouts() -> None:
    """lambda_es.TimeoutError is a builtin TimeoutError and an asyncio.TimeoutError on every Python."""
    import asyncio

    assert issubclass(lambda_es.TimeoutError, builtins.TimeoutError)
    assert issubclass(lambda_es.TimeoutError, asyncio.TimeoutError)
    assert issubclass(lambda_es.TimeoutError, lambda_es.TransportError)
