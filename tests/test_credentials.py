"""Where credentials come from (lambda_es._credentials), unit and end to end.

The order is the credentials= argument, then AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, then the shared files (AWS_SHARED_CREDENTIALS_FILE,
AWS_CONFIG_FILE) for profile= or AWS_PROFILE or "default". conftest's autouse
fixture clears the AWS environment and points both files at tmp_path.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import pytest

import lambda_es
from lambda_es._chain import default_chain
from lambda_es._credentials import Credentials
from lambda_es._fetch import FetchRequest, FetchResponse
from lambda_es._shared_files import load
from lambda_es.testing import FakeLambda

from .conftest import CREDENTIALS, KINESIS_ARN, ROLE_ARN


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    """An environment whose shared files are in tmp_path (written by each test)."""
    return {
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
    }


async def _no_network(request: FetchRequest) -> FetchResponse:
    raise AssertionError(f"no source should have reached the network ({request})")


async def resolve_credentials(
    explicit: Credentials | None, profile: str | None, environ: dict[str, str]
) -> Credentials:
    """Walk the default chain with no network (instance metadata disabled)."""
    env = {"AWS_EC2_METADATA_DISABLED": "true", **environ}
    provider = default_chain(
        given=explicit, profile=profile, environ=env, http=_no_network, region="us-east-1"
    )
    return await provider()


def _write_bytes(path: str, data: bytes) -> None:
    Path(path).write_bytes(data)


def _write(path: str, text: str) -> None:
    Path(path).write_text(text, encoding="utf-8")


def _assert_hidden(error: BaseException, *secrets: str) -> None:
    # The printed traceback is what logs get: the message and every shown cause.
    text = "".join(traceback.format_exception(error)) + repr(error)
    for secret in secrets:
        assert secret not in text


# -- the Credentials value -----------------------------------------------------------


def test_repr_hides_secret_and_token() -> None:
    """repr and str show the access key id but never the secret key or the session token."""
    creds = lambda_es.Credentials("AKIDSHOWN", "SECRET-VALUE", "TOKEN-VALUE")
    for text in (repr(creds), str(creds), f"{creds!r}", repr([creds]), repr({"c": creds})):
        assert "AKIDSHOWN" in text
        assert "SECRET-VALUE" not in text
        assert "TOKEN-VALUE" not in text


def test_credentials_are_checked_without_echoing_values() -> None:
    """Empty or non-str parts raise ConfigurationError that does not print any value."""
    with pytest.raises(lambda_es.ConfigurationError, match="secret_access_key"):
        lambda_es.Credentials("AKID", "")
    with pytest.raises(lambda_es.ConfigurationError, match="access_key_id"):
        lambda_es.Credentials("", "SECRET-VALUE")
    with pytest.raises(lambda_es.ConfigurationError) as info:
        lambda_es.Credentials("AKID", "SECRET-VALUE", 12345)  # type: ignore[arg-type]
    assert "SECRET-VALUE" not in repr(info.value)
    assert "12345" not in str(info.value)


# -- the order ----------------------------------------------------------------------------


async def test_argument_wins_over_environment_and_files(files: dict[str, str]) -> None:
    """An explicit Credentials is used as is, whatever the environment and files say."""
    _write(
        files["AWS_SHARED_CREDENTIALS_FILE"],
        "[default]\naws_access_key_id=FILE\naws_secret_access_key=f\n",
    )
    env = {**files, "AWS_ACCESS_KEY_ID": "ENV", "AWS_SECRET_ACCESS_KEY": "e"}
    assert await resolve_credentials(CREDENTIALS, None, env) is CREDENTIALS
    assert await resolve_credentials(CREDENTIALS, "other", env) is CREDENTIALS


async def test_environment_wins_over_files(files: dict[str, str]) -> None:
    """AWS_ACCESS_KEY_ID/SECRET/SESSION_TOKEN beat the default profile and AWS_PROFILE."""
    _write(
        files["AWS_SHARED_CREDENTIALS_FILE"],
        "[default]\naws_access_key_id=FILE\naws_secret_access_key=f\n"
        "[work]\naws_access_key_id=WORK\naws_secret_access_key=w\n",
    )
    env = {
        **files,
        "AWS_ACCESS_KEY_ID": "ENV",
        "AWS_SECRET_ACCESS_KEY": "e",
        "AWS_SESSION_TOKEN": "t",
        "AWS_PROFILE": "work",
    }
    assert await resolve_credentials(None, None, env) == lambda_es.Credentials("ENV", "e", "t")


async def test_incomplete_environment_falls_through_to_files(files: dict[str, str]) -> None:
    """A key id without a secret in the environment is not used; the files are."""
    _write(
        files["AWS_SHARED_CREDENTIALS_FILE"],
        "[default]\naws_access_key_id=FILE\naws_secret_access_key=f\n",
    )
    env = {**files, "AWS_ACCESS_KEY_ID": "ENV"}
    assert await resolve_credentials(None, None, env) == lambda_es.Credentials("FILE", "f")


async def test_empty_session_token_is_none(files: dict[str, str]) -> None:
    """An empty AWS_SESSION_TOKEN means no token."""
    env = {
        **files,
        "AWS_ACCESS_KEY_ID": "ENV",
        "AWS_SECRET_ACCESS_KEY": "e",
        "AWS_SESSION_TOKEN": "",
    }
    assert (await resolve_credentials(None, None, env)).session_token is None


async def test_explicit_profile_skips_the_environment(files: dict[str, str]) -> None:
    """profile= asks for the files: environment credentials are not used then (as botocore)."""
    _write(
        files["AWS_SHARED_CREDENTIALS_FILE"],
        "[work]\naws_access_key_id=WORK\naws_secret_access_key=w\n",
    )
    env = {**files, "AWS_ACCESS_KEY_ID": "ENV", "AWS_SECRET_ACCESS_KEY": "e"}
    assert await resolve_credentials(None, "work", env) == lambda_es.Credentials("WORK", "w")


async def test_aws_profile_selects_the_section(files: dict[str, str]) -> None:
    """AWS_PROFILE picks the credentials file's section, session token included."""
    _write(
        files["AWS_SHARED_CREDENTIALS_FILE"],
        "[default]\naws_access_key_id=DEF\naws_secret_access_key=d\n"
        "[work]\naws_access_key_id = WORK\naws_secret_access_key = w\naws_session_token = wt\n",
    )
    assert await resolve_credentials(None, None, {**files, "AWS_PROFILE": "work"}) == (
        lambda_es.Credentials("WORK", "w", "wt")
    )
    assert await resolve_credentials(None, None, files) == lambda_es.Credentials("DEF", "d")


async def test_config_file_profile_sections(files: dict[str, str]) -> None:
    """The config file's [profile x] (and plain [default]) sections hold credentials too."""
    _write(
        files["AWS_CONFIG_FILE"],
        "[default]\naws_access_key_id=CDEF\naws_secret_access_key=cd\n"
        "[profile ci]\naws_access_key_id=CI\naws_secret_access_key=c\nregion=eu-west-1\n"
        "[ci]\naws_access_key_id=WRONG\naws_secret_access_key=x\n",
    )
    assert await resolve_credentials(None, "ci", files) == lambda_es.Credentials("CI", "c")
    assert await resolve_credentials(None, None, files) == lambda_es.Credentials("CDEF", "cd")
    assert load(files).profile("ci")["region"] == "eu-west-1"


async def test_credentials_file_wins_over_config_file(files: dict[str, str]) -> None:
    """For the same profile, the credentials file's keys beat the config file's; others merge."""
    _write(
        files["AWS_SHARED_CREDENTIALS_FILE"],
        "[ci]\naws_access_key_id=CRED\naws_secret_access_key=c\n",
    )
    _write(
        files["AWS_CONFIG_FILE"],
        "[profile ci]\naws_access_key_id=CONF\naws_secret_access_key=x\nregion=ap-south-1\n",
    )
    assert await resolve_credentials(None, "ci", files) == lambda_es.Credentials("CRED", "c")
    assert load(files).profile("ci")["region"] == "ap-south-1"


async def test_shared_file_location_from_environment(
    files: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS_SHARED_CREDENTIALS_FILE names the file to read, with ~ expanded."""
    monkeypatch.setenv("HOME", str(tmp_path))
    _write(
        str(tmp_path / "elsewhere"), "[default]\naws_access_key_id=ELSE\naws_secret_access_key=e\n"
    )
    env = {**files, "AWS_SHARED_CREDENTIALS_FILE": "~/elsewhere"}
    assert (await resolve_credentials(None, None, env)).access_key_id == "ELSE"


# -- what is missing ---------------------------------------------------------------------------


async def test_nothing_found_says_where_it_looked(files: dict[str, str]) -> None:
    """With no credentials anywhere the ConfigurationError lists the argument, env and files."""
    with pytest.raises(lambda_es.ConfigurationError) as info:
        await resolve_credentials(None, None, files)
    message = str(info.value)
    for looked in (
        "credentials=",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "'default'",
        files["AWS_SHARED_CREDENTIALS_FILE"],
        files["AWS_CONFIG_FILE"],
    ):
        assert looked in message


@pytest.mark.parametrize("how", ["argument", "AWS_PROFILE"])
async def test_named_profile_that_does_not_exist(files: dict[str, str], how: str) -> None:
    """A profile named by profile= or AWS_PROFILE that is in neither file is an error naming it."""
    _write(
        files["AWS_SHARED_CREDENTIALS_FILE"],
        "[default]\naws_access_key_id=D\naws_secret_access_key=d\n",
    )
    env = {**files, "AWS_PROFILE": "missing"} if how == "AWS_PROFILE" else files
    with pytest.raises(lambda_es.ConfigurationError, match="'missing'") as info:
        await resolve_credentials(None, "missing" if how == "argument" else None, env)
    assert files["AWS_SHARED_CREDENTIALS_FILE"] in str(info.value)


async def test_profile_without_a_secret(files: dict[str, str]) -> None:
    """A profile with a key id but no secret is not credentials."""
    _write(files["AWS_SHARED_CREDENTIALS_FILE"], "[default]\naws_access_key_id=D\n")
    with pytest.raises(lambda_es.ConfigurationError, match="no AWS credentials"):
        await resolve_credentials(None, None, files)


@pytest.mark.parametrize(
    "text",
    [
        "aws_secret_access_key = TOP-SECRET-VALUE\n[default]\n",
        "[default]\naws_access_key_id=AKID\nTOP-SECRET-VALUE\n",
        "[default]\naws_secret_access_key=TOP-SECRET-VALUE\n[default]\naws_secret_access_key=x\n",
        "[default]\naws_secret_access_key=TOP-SECRET-VALUE\naws_secret_access_key=TOP-SECRET-VALUE\n",
    ],
)
async def test_malformed_credentials_file_does_not_leak(files: dict[str, str], text: str) -> None:
    """A credentials file that cannot be parsed is a ConfigurationError naming the file, not a value."""
    _write(files["AWS_SHARED_CREDENTIALS_FILE"], text)
    with pytest.raises(lambda_es.ConfigurationError) as info:
        await resolve_credentials(None, None, files)
    assert files["AWS_SHARED_CREDENTIALS_FILE"] in str(info.value)
    _assert_hidden(info.value, "TOP-SECRET-VALUE")


async def test_non_utf8_credentials_file_is_a_configuration_error(files: dict[str, str]) -> None:
    """A file that is not UTF-8 is a ConfigurationError, not a UnicodeDecodeError with its bytes."""
    _write_bytes(
        files["AWS_SHARED_CREDENTIALS_FILE"],
        b"[default]\naws_access_key_id=AKID\naws_secret_access_key=TOP-\xffSECRET\n",
    )
    with pytest.raises(lambda_es.ConfigurationError) as info:
        await resolve_credentials(None, None, files)
    _assert_hidden(info.value, "TOP-", "SECRET")


# -- end to end: the client signs with what it resolved -----------------------------------


async def _add_with(client: lambda_es.AsyncClient) -> None:
    await client.add_event_source(event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN)


async def test_client_uses_environment_credentials(
    fake: FakeLambda, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client given no credentials signs with the environment's; the server verifies them."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", CREDENTIALS.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS.secret_access_key)
    async with lambda_es.AsyncClient(region="us-east-1", endpoint_url=fake.endpoint_url) as client:
        await _add_with(client)
    assert len(fake.requests) == 1


async def test_client_uses_profile_from_files(
    fake: FakeLambda, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """profile= reads credentials and region from the shared files; a wrong env key is ignored."""
    _write(
        str(tmp_path / "credentials"),
        f"[ci]\naws_access_key_id={CREDENTIALS.access_key_id}\n"
        f"aws_secret_access_key={CREDENTIALS.secret_access_key}\n",
    )
    _write(str(tmp_path / "config"), "[profile ci]\nregion=us-east-1\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDWRONG")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong-secret")
    async with lambda_es.AsyncClient(profile="ci", endpoint_url=fake.endpoint_url) as client:
        await _add_with(client)
    assert "Credential=AKIDEXAMPLE/" in fake.requests[0].headers["Authorization"]


async def test_client_without_credentials_raises_on_first_call(fake: FakeLambda) -> None:
    """No credentials anywhere: the call raises ConfigurationError and sends nothing."""
    async with lambda_es.AsyncClient(region="us-east-1", endpoint_url=fake.endpoint_url) as client:
        with pytest.raises(lambda_es.ConfigurationError, match="no AWS credentials"):
            await _add_with(client)
    assert fake.requests == []


# -- providers: credentials that change -------------------------------------------------


async def test_a_provider_is_awaited_before_each_attempt() -> None:
    """A credentials provider's current answer signs each call: rotation just works."""
    first = lambda_es.Credentials("AKIDFIRST", "first-secret")
    second = lambda_es.Credentials("AKIDSECOND", "second-secret", "second-token")
    current = [first]

    async def provider() -> lambda_es.Credentials:
        return current[0]

    async with (
        FakeLambda(credentials=first) as fake,
        lambda_es.AsyncClient(
            region="us-east-1", endpoint_url=fake.endpoint_url, credentials=provider
        ) as client,
    ):
        await client.list_event_source_mappings()
        fake.credentials = current[0] = second
        await client.list_event_source_mappings()
    keys = [r.headers["Authorization"].split("Credential=")[1].split("/")[0] for r in fake.requests]
    assert keys == ["AKIDFIRST", "AKIDSECOND"]
    assert fake.requests[1].headers["X-Amz-Security-Token"] == "second-token"


async def test_a_failing_provider_is_a_configuration_error() -> None:
    """A provider that raises gives ConfigurationError naming the failure; nothing is sent."""

    async def provider() -> lambda_es.Credentials:
        raise RuntimeError("the vault is sealed")

    async with (
        FakeLambda() as fake,
        lambda_es.AsyncClient(
            region="us-east-1", endpoint_url=fake.endpoint_url, credentials=provider
        ) as client,
    ):
        with pytest.raises(lambda_es.ConfigurationError, match="the vault is sealed"):
            await client.list_event_source_mappings()
    assert fake.requests == []


def test_the_constructor_refuses_what_is_neither_credentials_nor_provider() -> None:
    """credentials= takes Credentials or a callable; a tuple is a ParamValidationError."""
    with pytest.raises(lambda_es.ParamValidationError, match="credentials"):
        lambda_es.AsyncClient(credentials=("AKID", "secret"))  # type: ignore[arg-type]


async def test_botocore_credentials_use_botocores_chain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """botocore_credentials() takes what botocore's chain finds (here, the environment)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDBOTOCORE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "botocore-secret")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never reach for the network
    expected = lambda_es.Credentials("AKIDBOTOCORE", "botocore-secret")
    provider = lambda_es.botocore_credentials()
    assert "secret" not in repr(provider)
    async with (
        FakeLambda(credentials=expected) as fake,
        lambda_es.AsyncClient(
            region="us-east-1", endpoint_url=fake.endpoint_url, credentials=provider
        ) as client,
    ):
        await client.list_event_source_mappings()
    assert len(fake.requests) == 1


async def test_botocore_credentials_follow_a_refresh() -> None:
    """Expired refreshable botocore credentials are refreshed (off the loop) before signing."""
    import datetime as dt

    from botocore.credentials import RefreshableCredentials

    now = dt.datetime.now(dt.timezone.utc)
    expired = {
        "access_key": "AKIDREFRESH1",
        "secret_key": "old-secret",
        "token": "old-token",
        "expiry_time": (now - dt.timedelta(minutes=1)).isoformat(),
    }

    def refresh() -> dict[str, str]:
        return {
            "access_key": "AKIDREFRESH2",
            "secret_key": "refreshed-secret",
            "token": "refreshed-token",
            "expiry_time": (now + dt.timedelta(hours=1)).isoformat(),
        }

    source = RefreshableCredentials.create_from_metadata(
        metadata=expired, refresh_using=refresh, method="test"
    )

    class Session:
        def get_credentials(self) -> RefreshableCredentials:
            return source

    provider = lambda_es.botocore_credentials(session=Session())
    got = await provider()
    assert got.access_key_id == "AKIDREFRESH2"
    assert got.session_token == "refreshed-token"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2030-01-01T00:00:00Z", 1893456000.0),
        ("2030-01-01T00:00:00.5Z", 1893456000.5),
        ("2030-01-01T00:00:00.359Z", 1893456000.359),
        ("2030-01-01T00:00:00.123456789+00:00", 1893456000.123456),
        ("2030-01-01T01:00:00+01:00", 1893456000.0),
        ("2030-01-01T00:00:00", 1893456000.0),
    ],
)
def test_expirations_as_aws_and_helpers_write_them(text: str, seconds: float) -> None:
    """ISO 8601 expirations with Z, an offset, none, and 0 to 9 fraction digits are read alike."""
    from lambda_es._credentials import parse_expiry

    assert parse_expiry(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["soon", "", 1893456000, None])
def test_expirations_that_are_not_timestamps(text: object) -> None:
    """Anything else is a ValueError (which each source turns into its own message)."""
    from lambda_es._credentials import parse_expiry

    with pytest.raises(ValueError):
        parse_expiry(text)


# -- the JSON credential document (container, instance metadata, credential_process) ------------


def test_a_json_credential_document_is_read() -> None:
    """issued_from_json() reads the keys, the session token under the source's own member
    name, and the ISO 8601 Expiration."""
    from lambda_es._credentials import issued_from_json

    issued = issued_from_json(
        b'{"AccessKeyId": "ASIADOC", "SecretAccessKey": "doc-secret", "Token": "doc-token",'
        b' "Expiration": "2030-01-01T00:00:00Z"}',
        where="container (test)",
        what="the answer",
        token_key="Token",
    )
    assert issued.credentials == Credentials("ASIADOC", "doc-secret", "doc-token")
    assert issued.expires == 1893456000.0


@pytest.mark.parametrize(
    ("document", "version", "message"),
    [
        (b"doc-secret", None, "src: the answer is not JSON (JSONDecodeError)"),
        (b'["doc-secret"]', None, "src: the answer is not a JSON object"),
        (b'{"AccessKeyId": "A", "SecretAccessKey": "doc-secret"}', 1, "src: the answer's Version must be 1"),
        (b'{"SecretAccessKey": "doc-secret"}', None, "src: the answer has no AccessKeyId string"),
        (b'{"AccessKeyId": "A", "SecretAccessKey": ""}', None, "src: the answer has no SecretAccessKey string"),
        (b'{"AccessKeyId": "A", "SecretAccessKey": "doc-secret", "Tok": 5}', None, "src: the answer's Tok is not a string"),
        (b'{"AccessKeyId": "A", "SecretAccessKey": "doc-secret", "Expiration": "soon"}', None, "src: the answer's Expiration is not an ISO 8601 time"),
    ],
)  # fmt: skip
def test_a_json_credential_document_that_is_not_credentials(
    document: bytes, version: int | None, message: str
) -> None:
    """Each flaw is one SourceError naming the source and the document, never quoting the
    document (it holds the secret) and with nothing chained that could."""
    from lambda_es._credentials import SourceError, issued_from_json

    with pytest.raises(SourceError) as info:
        issued_from_json(document, where="src", what="the answer", token_key="Tok", version=version)
    assert str(info.value) == message
    assert "doc-secret" not in "".join(traceback.format_exception(info.value))
