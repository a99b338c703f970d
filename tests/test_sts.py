"""STS over the Query protocol (lambda_es._sts): requests, AWS's XML, errors, hostile XML."""

from __future__ import annotations

import pytest

from lambda_es import ConfigurationError, Credentials
from lambda_es._credentials import SourceError
from lambda_es._fetch import FetchRequest, FetchResponse, HTTPFetch
from lambda_es._sts import STS, RoleSession, check_session_name

from ._fake_aws import fake_aws
from ._sessions import credential_fetch

BASE = Credentials("AKIDBASEKEY", "base-secret-value")
ROLE = RoleSession("arn:aws:iam::123456789012:role/r", "assume-role (test)", "s1")


def _answer(answer: bytes, status: int = 200) -> HTTPFetch:
    """An HTTPFetch that answers every request with ``answer``."""

    async def http(request: FetchRequest) -> FetchResponse:
        return FetchResponse(status, {}, answer)

    return http


async def _assume(body: bytes, status: int = 200) -> None:
    sts = STS(_answer(body, status), "http://127.0.0.1:1", "us-east-1")
    await sts.assume_role(ROLE, BASE)


async def test_entity_expansion_is_refused() -> None:
    """An answer that declares entities (a billion laughs) is refused, not expanded."""
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<AssumeRoleResponse>&lol2;</AssumeRoleResponse>"
    )
    with pytest.raises(SourceError, match=r"cannot be read \(EntitiesForbidden\)"):
        await _assume(bomb)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not xml", "cannot be read (ParseError)"),
        (
            b"<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>",
            "no complete Credentials",
        ),
    ],
)
async def test_answers_that_are_not_credentials(body: bytes, message: str) -> None:
    """Broken XML or XML without credentials is an error naming the source."""
    with pytest.raises(SourceError) as info:
        await _assume(body)
    assert str(info.value).startswith("assume-role (test): ")
    assert message in str(info.value)


async def test_error_without_a_code() -> None:
    """An error status with an unexpected body says so."""
    with pytest.raises(SourceError, match=r"HTTP 500 \(no error code\)"):
        await _assume(b"<Oops/>", 500)


def test_a_role_session_names_itself_in_the_request() -> None:
    """A RoleSession gives the action, role, session name and duration; without a name it is
    lambda-es-<epoch seconds>, as each call is made."""
    import time

    role = RoleSession("arn:aws:iam::123456789012:role/r", "assume-role (test)", None, 900)
    before = int(time.time())
    params = role.params("AssumeRole")
    assert params.pop("RoleSessionName") in {f"lambda-es-{t}" for t in (before, before + 1)}
    assert params == {
        "Action": "AssumeRole",
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "DurationSeconds": "900",
    }
    assert "DurationSeconds" not in ROLE.params("AssumeRole")
    assert ROLE.params("AssumeRole")["RoleSessionName"] == "s1"


def test_a_role_session_refuses_a_name_sts_would() -> None:
    """A session name STS would refuse is refused when the session is made, naming the source."""
    with pytest.raises(SourceError, match=r"^assume-role \(test\): role_session_name"):
        RoleSession("arn:aws:iam::123456789012:role/r", "assume-role (test)", "has space")


def test_session_names() -> None:
    """Role session names follow STS's rule: 2-64 of letters, digits and +=,.@-."""
    assert check_session_name("a.b@c=d,e+f-g_h", "x") == "a.b@c=d,e+f-g_h"
    for bad in ("a", "x" * 65, "has space", "slash/"):
        with pytest.raises(ConfigurationError, match="role_session_name"):
            check_session_name(bad, "x")


async def test_web_identity_request_is_unsigned_and_carries_the_token() -> None:
    """AssumeRoleWithWebIdentity sends the token in the form, with no Authorization header."""
    async with fake_aws() as sts, credential_fetch() as http:
        role = RoleSession("arn:aws:iam::123456789012:role/irsa", "web identity (test)", "pod", 900)
        issued = await STS(http, sts.url, "us-east-1").assume_role_with_web_identity(
            role, "web-identity-token-value"
        )
    ((_, form, headers),) = sts.requests
    assert "Authorization" not in headers
    assert form["DurationSeconds"] == "900"
    assert form["Version"] == "2011-06-15"
    assert issued.credentials.session_token == "role-token-value"
    assert issued.expires is not None


async def test_assume_role_corrects_a_skewed_clock() -> None:
    """STS refusing the signature's time (its Date 20 minutes ahead) gets one corrected second try."""
    import datetime as dt

    async with (
        fake_aws(sts_source=BASE, sts_ahead=dt.timedelta(minutes=20)) as sts,
        credential_fetch() as http,
    ):
        issued = await STS(http, sts.url, "us-east-1").assume_role(ROLE, BASE)
    assert issued.credentials.access_key_id == "ASIAROLEKEY"
    first, second = ({k.lower(): v for k, v in h.items()}["x-amz-date"] for _, _, h in sts.requests)
    assert first < second
