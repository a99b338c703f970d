"""The default credential chain (lambda_es._chain), source by source, end to end.

Each source is exercised through an AsyncClient against FakeLambda, which
verifies the signature with the credentials the source should have produced;
STS, SSO, SSO OIDC, the container endpoint and IMDSv2 are the loopback fakes of
tests/_fake_aws.py. conftest scrubs the environment, disables instance
metadata and points HOME and the shared files into tmp_path.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import pytest

import lambda_es
from lambda_es import Credentials
from lambda_es._chain import Chain, default_chain
from lambda_es._config import ClientSettings, resolve_config
from lambda_es._credentials import SourceError
from lambda_es.testing import FakeLambda

from ._fake_aws import fake_aws, iso
from ._sessions import credential_fetch

BASE = Credentials("AKIDBASEKEY", "base-secret-value")
ROLE = Credentials("ASIAROLEKEY", "role-secret-value", "role-token-value")
SECRETS = (
    "base-secret-value",
    "role-secret-value",
    "role-token-value",
    "web-identity-token-value",
    "sso-access-token-value",
    "sso-refresh-token-value",
    "client-secret-value",
    "container-auth-token-value",
    "imds-session-token-value",
)


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """The config and credentials files in tmp_path, named by the environment."""
    config, credentials = tmp_path / "config", tmp_path / "credentials"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    return config, credentials


def _walk_secrets(error: BaseException) -> str:
    """Everything an error shows: traceback text, repr, args, causes and contexts, recursively."""
    seen: list[str] = []
    todo: list[BaseException | None] = [error]
    while todo:
        current = todo.pop()
        if current is None:
            continue
        seen.append(repr(current))
        seen.append(repr(current.args))
        seen.append(repr(vars(current)) if hasattr(current, "__dict__") else "")
        todo += [current.__cause__, current.__context__]
    return "".join(traceback.format_exception(error)) + "".join(seen)


def _assert_no_secret(error: BaseException) -> None:
    text = _walk_secrets(error)
    for secret in SECRETS:
        assert secret not in text


async def _call(
    expected: Credentials, *, credentials: Credentials | None = None, profile: str | None = None
) -> tuple[str | None, FakeLambda]:
    """One call through an AsyncClient against a FakeLambda accepting only ``expected``,
    signed by the default chain for ``credentials=`` and ``profile=``.

    The chain is built here, as the client builds it (from the resolved
    configuration's environment and shared files), and handed to the client as
    its provider, so that its ``source`` can be read without a second fetch.
    """
    config = resolve_config(ClientSettings(region="us-east-1", profile=profile))
    async with FakeLambda(credentials=expected) as fake, credential_fetch() as http:
        chain = default_chain(
            given=credentials,
            profile=profile,
            environ=config.environ,
            files=config.files,
            http=http,
            region="us-east-1",
        )
        async with lambda_es.AsyncClient(
            region="us-east-1", endpoint_url=fake.endpoint_url, credentials=chain
        ) as client:
            await client.list_event_source_mappings()
    return getattr(chain, "source", None), fake


async def _fails(**kwargs: Any) -> lambda_es.ConfigurationError:
    async with (
        FakeLambda() as fake,
        lambda_es.AsyncClient(
            region="us-east-1", endpoint_url=fake.endpoint_url, **kwargs
        ) as client,
    ):
        with pytest.raises(lambda_es.ConfigurationError) as info:
            await client.list_event_source_mappings()
        assert fake.requests == []
    _assert_no_secret(info.value)
    return info.value


# -- web identity --------------------------------------------------------------------------


async def test_web_identity_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN: an unsigned AssumeRoleWithWebIdentity, then signing."""
    token = _write(tmp_path / "token", "web-identity-token-value\n")
    async with fake_aws() as sts:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts.url)
        monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token))
        monkeypatch.setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa")
        monkeypatch.setenv("AWS_ROLE_SESSION_NAME", "my-pod")
        source, fake = await _call(ROLE)
    assert source == "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)"
    ((action, form, _),) = sts.requests
    assert action == "sts:AssumeRoleWithWebIdentity"
    assert form["RoleSessionName"] == "my-pod"
    assert form["RoleArn"] == "arn:aws:iam::123456789012:role/irsa"
    assert fake.requests[0].headers["X-Amz-Security-Token"] == "role-token-value"


async def test_web_identity_from_the_profile(
    tmp_path: Path, aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A profile's web_identity_token_file + role_arn is the same source, named by profile."""
    token = _write(tmp_path / "token", "web-identity-token-value")
    _write(
        aws_files[0],
        f"[profile eks]\nweb_identity_token_file = {token}\n"
        "role_arn = arn:aws:iam::123456789012:role/irsa\n",
    )
    async with fake_aws() as sts:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts.url)
        source, _ = await _call(ROLE, profile="eks")
    assert source == "web identity (profile 'eks')"


async def test_web_identity_refused_token_raises_naming_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """STS refusing the token is an error naming the source and STS's code, never the token."""
    token = _write(tmp_path / "token", "web-identity-token-value")
    async with fake_aws(web_token="another") as sts:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts.url)
        monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token))
        monkeypatch.setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa")
        error = await _fails()
    assert "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)" in str(error)
    assert "InvalidIdentityToken" in str(error)


# -- assume role ---------------------------------------------------------------------------------


async def test_assume_role_with_source_profile(
    aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """role_arn + source_profile: AssumeRole signed with the source's keys, with every option sent."""
    _write(
        aws_files[1],
        f"[base]\naws_access_key_id = {BASE.access_key_id}\n"
        f"aws_secret_access_key = {BASE.secret_access_key}\n",
    )
    _write(
        aws_files[0],
        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = base\n"
        "external_id = ext-1\nrole_session_name = me\nduration_seconds = 1800\n",
    )
    async with fake_aws(sts_source=BASE) as sts:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts.url)
        source, _ = await _call(ROLE, profile="dev")
    assert source == "assume-role (profile 'dev')"
    ((action, form, headers),) = sts.requests
    assert action == "sts:AssumeRole"
    assert form["ExternalId"] == "ext-1"
    assert form["RoleSessionName"] == "me"
    assert form["DurationSeconds"] == "1800"
    assert "/us-east-1/sts/aws4_request" in headers["Authorization"]


async def test_assume_role_chained_through_two_profiles(
    aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """dev -> mid -> base: two AssumeRole calls, the second signed with the first's credentials."""
    _write(
        aws_files[1],
        "[base]\naws_access_key_id = AKIDBASEKEY\naws_secret_access_key = base-secret-value\n",
    )
    _write(
        aws_files[0],
        "[profile mid]\nrole_arn = arn:aws:iam::123456789012:role/mid\nsource_profile = base\n"
        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = mid\n",
    )
    async with fake_aws() as sts:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts.url)
        await _call(ROLE, profile="dev")
    roles = [form["RoleArn"].rsplit("/", 1)[1] for _, form, _ in sts.requests]
    assert roles == ["mid", "dev"]
    assert "Credential=AKIDBASEKEY/" in sts.requests[0][2]["Authorization"]
    assert "Credential=ASIAROLEKEY/" in sts.requests[1][2]["Authorization"]


async def test_source_profile_cycle_is_refused(aws_files: tuple[Path, Path]) -> None:
    """a -> b -> a is a ConfigurationError that shows the loop."""
    _write(
        aws_files[0],
        "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n"
        "[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n",
    )
    error = await _fails(profile="a")
    assert "a -> b -> a" in str(error)


async def test_a_profile_that_is_its_own_source(
    aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """source_profile naming the profile itself uses its own keys; without keys it is a loop."""
    _write(
        aws_files[0],
        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = dev\n"
        f"aws_access_key_id = {BASE.access_key_id}\naws_secret_access_key = {BASE.secret_access_key}\n"
        "[profile bare]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = bare\n",
    )
    async with fake_aws(sts_source=BASE) as sts:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts.url)
        source, _ = await _call(ROLE, profile="dev")
        error = await _fails(profile="bare")
    assert source == "assume-role (profile 'dev')"
    assert "source_profile loops: bare -> bare" in str(error)


async def test_credential_source_environment(
    aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """credential_source = Environment signs AssumeRole with the environment's keys."""
    _write(
        aws_files[0],
        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n"
        "credential_source = Environment\n",
    )
    async with fake_aws(sts_source=BASE) as sts:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts.url)
        monkeypatch.setenv("AWS_ACCESS_KEY_ID", BASE.access_key_id)
        monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", BASE.secret_access_key)
        source, _ = await _call(ROLE, profile="dev")
    assert source == "assume-role (profile 'dev')"


async def test_credential_source_ecs_container(
    aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """credential_source = EcsContainer takes the source credentials from the container endpoint."""
    _write(
        aws_files[0],
        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n"
        "credential_source = EcsContainer\n",
    )
    async with fake_aws(issue=ROLE, sts_source=ROLE) as aws:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", aws.url)
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", aws.url + "/container/creds")
        await _call(ROLE, profile="dev")
    assert [r[0] for r in aws.requests] == ["container", "sts:AssumeRole"]


async def test_credential_source_instance_metadata(
    aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """credential_source = Ec2InstanceMetadata takes the source credentials from IMDSv2."""
    _write(
        aws_files[0],
        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n"
        "credential_source = Ec2InstanceMetadata\n",
    )
    async with fake_aws(issue=ROLE, sts_source=ROLE) as aws:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", aws.url)
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "false")
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", aws.url)
        await _call(ROLE, profile="dev")
    assert [r[0] for r in aws.requests][-1] == "sts:AssumeRole"


async def test_a_role_source_that_is_not_there_is_an_error(
    aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """credential_source = Ec2InstanceMetadata with no metadata service raises, naming the role's profile."""
    import socket

    _write(
        aws_files[0],
        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\n"
        "credential_source = Ec2InstanceMetadata\n",
    )
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "false")
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", f"http://127.0.0.1:{port}")
    error = await _fails(profile="dev")
    assert isinstance(error, SourceError)
    assert str(error).startswith(
        f"assume-role (profile 'dev'): no instance metadata service answered at http://127.0.0.1:{port}"
    )


async def test_mfa_serial_is_refused_clearly(aws_files: tuple[Path, Path]) -> None:
    """A role that needs MFA is refused with a message saying so; nothing is sent."""
    _write(
        aws_files[1],
        "[base]\naws_access_key_id = AKIDBASEKEY\naws_secret_access_key = base-secret-value\n",
    )
    _write(
        aws_files[0],
        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = base\n"
        "mfa_serial = arn:aws:iam::123456789012:mfa/me\n",
    )
    error = await _fails(profile="dev")
    assert "assume-role (profile 'dev')" in str(error)
    assert "MFA" in str(error)


async def test_sts_access_denied_raises_at_once(
    aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """STS AccessDenied stops the chain with the source named; the container after it is not asked."""
    _write(
        aws_files[1],
        "[base]\naws_access_key_id = AKIDBASEKEY\naws_secret_access_key = base-secret-value\n",
    )
    _write(
        aws_files[0],
        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = base\n",
    )
    async with fake_aws(sts_fails=(403, "AccessDenied", "not authorized to assume")) as aws:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", aws.url)
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", aws.url + "/container/creds")
        error = await _fails(profile="dev")
    assert str(error) == (
        "assume-role (profile 'dev'): STS answered HTTP 403 AccessDenied: not authorized to assume"
    )
    assert [r[0] for r in aws.requests] == ["sts:AssumeRole"]


# -- SSO -----------------------------------------------------------------------------------------------


def _sso_config(config: Path) -> None:
    _write(
        config,
        "[profile dev]\nsso_session = corp\nsso_account_id = 111122223333\n"
        "sso_role_name = Dev\n"
        "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\n"
        "sso_region = us-east-1\n",
    )


def _sso_cache(home: Path, key: str, **fields: Any) -> Path:
    name = hashlib.sha1(key.encode()).hexdigest() + ".json"
    return _write(home / ".aws" / "sso" / "cache" / name, json.dumps(fields))


async def test_sso_session_with_a_cached_token(
    aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """sso_session: the token cached under sha1(session name) is traded for role credentials."""
    _sso_config(aws_files[0])
    _sso_cache(
        tmp_path / "home", "corp",
        accessToken="sso-access-token-value", expiresAt=iso(time.time() + 3600),
    )  # fmt: skip
    async with fake_aws() as aws:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", aws.url)
        source, _ = await _call(ROLE, profile="dev")
    assert source == "sso (profile 'dev')"
    ((_, query, _),) = aws.requests
    assert query == {"account_id": "111122223333", "role_name": "Dev"}


async def test_sso_legacy_profile(
    aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A legacy profile's token is cached under sha1(start URL)."""
    _write(
        aws_files[0],
        "[profile old]\nsso_start_url = https://old.awsapps.com/start\nsso_region = us-east-1\n"
        "sso_account_id = 111122223333\nsso_role_name = Dev\n",
    )
    _sso_cache(
        tmp_path / "home", "https://old.awsapps.com/start",
        accessToken="sso-access-token-value", expiresAt=iso(time.time() + 3600),
    )  # fmt: skip
    async with fake_aws() as aws:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", aws.url)
        await _call(ROLE, profile="old")


async def test_sso_expired_token_is_refreshed_through_oidc(
    aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An expired token with a refresh token is refreshed by CreateToken and written back."""
    _sso_config(aws_files[0])
    cache = _sso_cache(
        tmp_path / "home", "corp",
        accessToken="stale", expiresAt=iso(time.time() - 60),
        clientId="client-id", clientSecret="client-secret-value",
        registrationExpiresAt=iso(time.time() + 86400), refreshToken="sso-refresh-token-value",
    )  # fmt: skip
    async with fake_aws() as aws:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", aws.url)
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO_OIDC", aws.url)
        await _call(ROLE, profile="dev")
    assert [r[0] for r in aws.requests] == ["oidc", "sso"]
    assert aws.requests[0][1]["grantType"] == "refresh_token"
    written = json.loads(cache.read_text())
    assert written["accessToken"] == "sso-access-token-value"
    assert written["refreshToken"] == "sso-refresh-token-rotated"


async def test_sso_expired_token_without_refresh_says_to_log_in(
    aws_files: tuple[Path, Path], tmp_path: Path
) -> None:
    """An expired token that cannot be refreshed says to run aws sso login --profile NAME."""
    _sso_config(aws_files[0])
    _sso_cache(tmp_path / "home", "corp", accessToken="stale", expiresAt=iso(time.time() - 60))
    error = await _fails(profile="dev")
    assert "run aws sso login --profile dev" in str(error)


async def test_sso_refused_token_raises_naming_the_source(
    aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """SSO refusing the cached token is an error naming the profile and saying to log in."""
    _sso_config(aws_files[0])
    _sso_cache(
        tmp_path / "home", "corp",
        accessToken="revoked-token", expiresAt=iso(time.time() + 3600),
    )  # fmt: skip
    async with fake_aws() as aws:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSO", aws.url)
        error = await _fails(profile="dev")
    assert "sso (profile 'dev')" in str(error)
    assert "UnauthorizedException" in str(error)
    assert "revoked-token" not in _walk_secrets(error)


# -- credential_process -----------------------------------------------------------------------------


def _script(tmp_path: Path, body: str) -> str:
    path = _write(tmp_path / "helper.py", body)
    return f"{sys.executable} {path}"


async def test_credential_process(aws_files: tuple[Path, Path], tmp_path: Path) -> None:
    """credential_process runs (split like the CLI) and its version 1 JSON signs the call."""
    command = _script(
        tmp_path,
        "import json, sys\n"
        "assert sys.argv[1:] == ['--role', 'two words']\n"
        "print(json.dumps({'Version': 1, 'AccessKeyId': 'ASIAROLEKEY', "
        "'SecretAccessKey': 'role-secret-value', 'SessionToken': 'role-token-value', "
        "'Expiration': '2999-01-01T00:00:00Z'}))\n",
    )
    _write(aws_files[0], f"[profile p]\ncredential_process = {command} --role 'two words'\n")
    source, _ = await _call(ROLE, profile="p")
    assert source == "credential_process (profile 'p')"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "import sys\nsys.stderr.write('role-secret-value')\nsys.exit(1)\n",
            "exited with status 1 (its stderr, 17 bytes, is not shown: it may hold secrets)",
        ),
        ("print('role-secret-value')\n", "the output is not JSON (JSONDecodeError)"),
        (
            "import json\nprint(json.dumps({'Version': 2, 'AccessKeyId': 'A', "
            "'SecretAccessKey': 'role-secret-value'}))\n",
            "Version must be 1",
        ),
    ],
)
async def test_credential_process_failures(
    aws_files: tuple[Path, Path], tmp_path: Path, body: str, message: str
) -> None:
    """A failing process raises at once naming the profile; its output and stderr are never shown."""
    _write(aws_files[0], f"[profile p]\ncredential_process = {_script(tmp_path, body)}\n")
    error = await _fails(profile="p")
    assert str(error).startswith("credential_process (profile 'p'): ")
    assert message in str(error)


async def test_credential_process_timeout(tmp_path: Path) -> None:
    """A process that runs too long is killed and reported."""
    from lambda_es._process import run_credential_process

    command = _script(tmp_path, "import time\ntime.sleep(30)\n")
    started = time.monotonic()
    with pytest.raises(lambda_es.ConfigurationError, match=r"did not finish within 0\.5s"):
        await run_credential_process(command, where="test", timeout=0.5)
    assert time.monotonic() - started < 5


# -- container --------------------------------------------------------------------------------------


async def test_container_full_uri_with_token_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FULL_URI to loopback with AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (EKS Pod Identity)."""
    token = _write(tmp_path / "pod-token", "container-auth-token-value\n")
    async with fake_aws(container_token="container-auth-token-value") as aws:
        monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", aws.url + "/container/creds")
        monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(token))
        monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN", "ignored-when-a-file-is-set")
        source, _ = await _call(ROLE)
    assert source == "container (AWS_CONTAINER_CREDENTIALS_FULL_URI)"


async def test_container_relative_uri_goes_to_the_ecs_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """RELATIVE_URI is a path on 169.254.170.2, asked with the token of AWS_CONTAINER_AUTHORIZATION_TOKEN.

    The request is delivered to the loopback fake by an HTTP function that
    swaps that host for the fake's, after recording what it was given.
    """
    from lambda_es._chain import default_chain
    from lambda_es._fetch import FetchRequest, FetchResponse

    asked: list[tuple[str, dict[str, str]]] = []
    async with fake_aws(container_token="container-auth-token-value") as aws:

        async def http(request: FetchRequest) -> FetchResponse:
            import aiohttp

            asked.append((request.url, dict(request.headers)))
            url = request.url.replace("http://169.254.170.2", aws.url)
            async with (
                aiohttp.ClientSession() as session,
                session.request(request.method, url, headers=request.headers) as resp,
            ):
                return FetchResponse(resp.status, {}, await resp.read())

        env = {
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/container/creds",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": "container-auth-token-value",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": "/nonexistent/config",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/credentials",
        }
        provider = default_chain(
            given=None, profile=None, environ=env, http=http, region="us-east-1"
        )
        assert await provider() == ROLE
    assert asked == [
        ("http://169.254.170.2/container/creds",
         {"Accept": "application/json", "Authorization": "container-auth-token-value"})
    ]  # fmt: skip


@pytest.mark.parametrize(
    "url",
    ["http://169.254.169.254/creds", "http://example.com/creds", "https://10.0.0.1/creds"],
)
async def test_container_full_uri_to_other_hosts_is_refused(
    monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    """A FULL_URI that is neither loopback nor an ECS/EKS host is refused before anything is sent."""
    monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", url)
    error = await _fails()
    assert "only loopback, 169.254.170.2, 169.254.170.23 and fd00:ec2::23" in str(error)


# -- instance metadata ----------------------------------------------------------------------------


async def test_imdsv2(monkeypatch: pytest.MonkeyPatch) -> None:
    """IMDSv2: a token PUT, the role name, then its credentials, each with the token."""
    async with fake_aws() as aws:
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "false")
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", aws.url + "/")
        source, _ = await _call(ROLE)
    assert source == "instance metadata (IMDSv2)"
    kinds = [r[0] for r in aws.requests]
    assert kinds == [
        "imds:token",
        "imds:/latest/meta-data/iam/security-credentials/",
        "imds:/latest/meta-data/iam/security-credentials/app-role",
    ]
    assert all(
        r[2]["X-aws-ec2-metadata-token"] == "imds-session-token-value" for r in aws.requests[1:]
    )


async def test_imds_without_a_role_gives_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """An instance without a role is not a source; the error says so in its line."""
    async with fake_aws(imds_role=None) as aws:
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "false")
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", aws.url)
        error = await _fails()
    assert str(error).splitlines()[-1] == f"  6. the instance at {aws.url} has no IAM role"


async def test_imds_that_does_not_answer_is_skipped_within_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A metadata address where nothing listens costs one attempt and is listed as not there."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "false")
    monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", f"http://127.0.0.1:{port}")
    started = time.monotonic()
    error = await _fails()
    assert time.monotonic() - started < 3
    assert f"no instance metadata service answered at http://127.0.0.1:{port}" in str(error)


# -- the order, and what is said when nothing is found ------------------------------------------------


async def test_nothing_found_lists_every_source_in_order(
    aws_files: tuple[Path, Path],
) -> None:
    """With nothing anywhere, each source has its line, in the chain's order."""
    _sso_config(aws_files[0])
    error = await _fails(profile="dev")
    assert str(error) == (
        "no AWS credentials found; looked at, in order:\n"
        "  1. credentials=: not given\n"
        "  2. environment: skipped, as profile= was given\n"
        "  3. web identity: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not both set, "
        "and profile 'dev' has no web_identity_token_file with role_arn\n"
        "  4. profile 'dev': sso_session 'corp' has no cached token: run aws sso login --profile dev\n"
        "  5. container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
        "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set\n"
        "  6. instance metadata: AWS_EC2_METADATA_DISABLED is true"
    )


async def test_nothing_found_without_a_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default profile missing and half an environment pair are both explained."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDONLY")
    error = await _fails()
    lines = str(error).splitlines()
    assert (
        lines[2]
        == "  2. environment: only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set"
    )
    assert lines[4].startswith("  4. profile 'default' was not found in ")


@pytest.mark.parametrize(
    ("winner", "expected_source"),
    [
        ("environment", "environment (AWS_ACCESS_KEY_ID)"),
        ("web identity", "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)"),
        ("profile", "shared-credentials-file ({credentials} [default])"),
        ("container", "container (AWS_CONTAINER_CREDENTIALS_FULL_URI)"),
        ("imds", "instance metadata (IMDSv2)"),
    ],
)
async def test_the_first_source_that_is_there_wins(
    aws_files: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    winner: str,
    expected_source: str,
) -> None:
    """Every source from the winner down is configured; the winner is used and nothing later is asked."""
    order = ["environment", "web identity", "profile", "container", "imds"]
    present = order[order.index(winner) :]
    async with fake_aws() as aws:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", aws.url)
        if "environment" in present:
            monkeypatch.setenv("AWS_ACCESS_KEY_ID", ROLE.access_key_id)
            monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ROLE.secret_access_key)
            monkeypatch.setenv("AWS_SESSION_TOKEN", "role-token-value")
        if "web identity" in present:
            token = _write(tmp_path / "token", "web-identity-token-value")
            monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(token))
            monkeypatch.setenv("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa")
        if "profile" in present:
            _write(
                aws_files[1],
                f"[default]\naws_access_key_id = {ROLE.access_key_id}\n"
                f"aws_secret_access_key = {ROLE.secret_access_key}\n"
                "aws_session_token = role-token-value\n",
            )
        if "container" in present:
            monkeypatch.setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", aws.url + "/container/creds")
        monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "false")
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", aws.url)
        source, _ = await _call(ROLE)
    assert source == expected_source.format(credentials=aws_files[1])
    asked = {"web identity": "sts:", "container": "container", "imds": "imds:"}
    for later in order[order.index(winner) + 1 :]:
        if later in asked:
            assert not any(r[0].startswith(asked[later]) for r in aws.requests), later


async def test_explicit_credentials_win_and_are_named() -> None:
    """credentials=Credentials is used as is; its source says so."""
    source, _ = await _call(ROLE, credentials=ROLE)
    assert source == "credentials= argument"


async def test_chain_source_is_none_until_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    """The chain's source is only known after the first call; find_source() walks it."""
    from lambda_es._chain import default_chain

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")

    async def http(*_: Any, **__: Any) -> Any:
        raise AssertionError("no network")

    chain = default_chain(given=None, profile=None, http=http, region="us-east-1")
    assert isinstance(chain, Chain)
    assert chain.source is None
    assert "env-secret" not in repr(chain)
    assert await chain.find_source() == "environment (AWS_ACCESS_KEY_ID)"


# -- the command line ----------------------------------------------------------------------------


def test_the_cli_uses_the_chain(
    fake_lambda_sync: FakeLambda,
    aws_files: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """lambda-es --profile NAME signs with that profile's credential_process; with nothing, it lists the chain."""
    from lambda_es.cli import main

    command = _script(
        tmp_path,
        "import json\nprint(json.dumps({'Version': 1, 'AccessKeyId': 'ASIAROLEKEY', "
        "'SecretAccessKey': 'role-secret-value', 'SessionToken': 'role-token-value'}))\n",
    )
    _write(aws_files[0], f"[profile p]\nregion = us-east-1\ncredential_process = {command}\n")
    fake_lambda_sync.credentials = ROLE
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", fake_lambda_sync.endpoint_url)
    assert main(["--profile", "p", "list-event-source-mappings"]) == 0
    assert "Credential=ASIAROLEKEY/" in fake_lambda_sync.requests[0].headers["Authorization"]
    capsys.readouterr()
    assert main(["--region", "us-east-1", "list-event-source-mappings"]) == 2
    err = capsys.readouterr().err
    assert "no AWS credentials found; looked at, in order:" in err
    assert "6. instance metadata: AWS_EC2_METADATA_DISABLED is true" in err


# -- secrets in logs ------------------------------------------------------------------------------


async def test_no_secret_in_any_log_line(
    aws_files: tuple[Path, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """At DEBUG, through an assume-role, an expired-token retry and a failing refresh, no secret is logged."""
    _write(
        aws_files[1],
        "[base]\naws_access_key_id = AKIDBASEKEY\naws_secret_access_key = base-secret-value\n",
    )
    _write(
        aws_files[0],
        "[profile dev]\nrole_arn = arn:aws:iam::123456789012:role/dev\nsource_profile = base\n",
    )
    import logging

    caplog.set_level(logging.DEBUG)
    async with fake_aws(sts_source=BASE) as aws:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", aws.url)
        async with (
            FakeLambda(credentials=ROLE) as fake,
            lambda_es.AsyncClient(
                region="us-east-1", endpoint_url=fake.endpoint_url, profile="dev"
            ) as client,
        ):
            await client.list_event_source_mappings()
            fake.inject_error(403, "ExpiredTokenException", "expired")
            await client.list_event_source_mappings()
            aws.sts_fails = (403, "AccessDenied", "no longer allowed")
            fake.inject_error(403, "ExpiredTokenException", "expired")
            with pytest.raises(lambda_es.ConfigurationError, match="AccessDenied") as info:
                await client.list_event_source_mappings()
    _assert_no_secret(info.value)
    assert "ExpiredTokenException" in caplog.text
    for secret in SECRETS:
        assert secret not in caplog.text


# -- botocore ----------------------------------------------------------------------------------------------


def test_botocore_credentials_without_botocore_fail_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without botocore, botocore_credentials() itself raises, with the install hint."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "botocore" else real(name, *a)
    )
    with pytest.raises(lambda_es.ConfigurationError, match=r"pip install 'lambda-es\[botocore\]'"):
        lambda_es.botocore_credentials()


async def test_static_keys_name_the_file_they_come_from(
    aws_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Static keys are named by the file and section they come from: the credentials file
    (which wins) or the config file's profile section."""
    config, credentials = aws_files
    _write(config, f"[profile c]\naws_access_key_id = {BASE.access_key_id}\n"
                   f"aws_secret_access_key = {BASE.secret_access_key}\n")  # fmt: skip
    _write(credentials, f"[f]\naws_access_key_id = {BASE.access_key_id}\n"
                        f"aws_secret_access_key = {BASE.secret_access_key}\n")  # fmt: skip
    monkeypatch.setenv("AWS_PROFILE", "c")
    source, _ = await _call(BASE)
    assert source == f"config-file ({config} [profile c])"
    monkeypatch.setenv("AWS_PROFILE", "f")
    source, _ = await _call(BASE)
    assert source == f"shared-credentials-file ({credentials} [f])"
