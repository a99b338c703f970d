"""SSO profiles (lambda_es._sso): the token cache's name, its refresh, what is said when it cannot work."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from lambda_es._credentials import Absent, SourceError
from lambda_es._shared_files import load
from lambda_es._sso import cache_path, fetch_sso

from ._fake_aws import fake_aws, iso
from ._sessions import credential_fetch


def test_cache_file_is_named_as_botocore_names_it(tmp_path: Path) -> None:
    """The cache file is named by the session name, or the start URL for legacy profiles, as botocore does."""
    from botocore.utils import SSOTokenLoader

    loader = SSOTokenLoader(cache={})
    cache = tmp_path / ".aws" / "sso" / "cache"
    env = {"HOME": str(tmp_path)}
    named = loader._generate_cache_key("https://x.awsapps.com/start", "my-sso")
    legacy = loader._generate_cache_key("https://x.awsapps.com/start", None)
    assert cache_path(env, "my-sso") == cache / f"{named}.json"
    assert cache_path(env, "https://x.awsapps.com/start") == cache / f"{legacy}.json"


def _setup(tmp_path: Path, cache: dict[str, str] | None, extra: str = "") -> dict[str, str]:
    config = tmp_path / "config"
    config.write_text(
        "[profile dev]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n" + extra
        + "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n",
        encoding="utf-8",
    )  # fmt: skip
    env = {
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "c"),
    }
    if cache is not None:
        path = cache_path(env, "corp")
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(cache), encoding="utf-8")
    return env


def _edit(path: str, old: str, new: str) -> None:
    text = Path(path).read_text(encoding="utf-8")
    Path(path).write_text(text.replace(old, new), encoding="utf-8")


async def _fetch(env: dict[str, str], url: str = "http://127.0.0.1:1") -> object:
    env = {**env, "AWS_ENDPOINT_URL_SSO": url, "AWS_ENDPOINT_URL_SSO_OIDC": url}
    files = load(env)
    async with credential_fetch() as http:
        return await fetch_sso(
            http, files=files, profile="dev",
            values=files.profile("dev"), environ=env, where="sso (profile 'dev')",
        )  # fmt: skip


async def test_registration_expired_says_to_log_in(tmp_path: Path) -> None:
    """An expired token whose client registration expired too cannot be refreshed: log in again."""
    env = _setup(
        tmp_path,
        {"accessToken": "old", "expiresAt": iso(time.time() - 10), "clientId": "c",
         "clientSecret": "client-secret-value", "refreshToken": "r",
         "registrationExpiresAt": iso(time.time() - 5)},
    )  # fmt: skip
    with pytest.raises(Absent, match="run aws sso login --profile dev"):
        await _fetch(env)


async def test_refused_refresh_says_to_log_in(tmp_path: Path) -> None:
    """OIDC refusing the refresh token says to log in again, never quoting the tokens."""
    env = _setup(
        tmp_path,
        {"accessToken": "old", "expiresAt": iso(time.time() - 10), "clientId": "c",
         "clientSecret": "client-secret-value", "refreshToken": "revoked-refresh-token",
         "registrationExpiresAt": iso(time.time() + 3600)},
    )  # fmt: skip
    async with fake_aws() as aws:
        with pytest.raises(Absent, match=r"InvalidGrantException.*run aws sso login") as info:
            await _fetch(env, aws.url)
    assert "revoked-refresh-token" not in repr(info.value)
    assert "client-secret-value" not in repr(info.value)


async def test_incomplete_profile(tmp_path: Path) -> None:
    """A missing sso_role_name is named."""
    env = _setup(tmp_path, None)
    _edit(env["AWS_CONFIG_FILE"], "sso_role_name = R\n", "")
    with pytest.raises(SourceError, match="lacks sso_role_name"):
        await _fetch(env)


async def test_missing_sso_session_section(tmp_path: Path) -> None:
    """An sso_session with no [sso-session] section is named with the file."""
    env = _setup(tmp_path, None)
    _edit(env["AWS_CONFIG_FILE"], "[sso-session corp]", "[sso-session other]")
    with pytest.raises(SourceError, match=r"no \[sso-session corp\] section"):
        await _fetch(env)


async def test_uses_the_sessions_region(tmp_path: Path) -> None:
    """The portal is asked in the sso-session's region."""
    from lambda_es._service_endpoints import service_endpoint

    env = _setup(tmp_path, None)
    files = load(env)
    assert service_endpoint("sso", region="eu-west-1", environ={}, files=files, profile="dev") == (
        "https://portal.sso.eu-west-1.amazonaws.com"
    )
