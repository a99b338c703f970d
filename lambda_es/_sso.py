"""IAM Identity Center (SSO) profiles: the token ``aws sso login`` cached, traded for role credentials.

A profile names an ``sso_session`` (whose ``[sso-session NAME]`` section
has ``sso_start_url`` and ``sso_region``) or, in the legacy form, has
``sso_start_url`` and ``sso_region`` itself; both have ``sso_account_id``
and ``sso_role_name``. The token is in ``~/.aws/sso/cache/<sha1>.json``,
named by the SHA-1 of the session name (of the start URL for legacy
profiles). GetRoleCredentials trades it for the role's credentials. A token
of an ``sso_session`` that is about to expire is refreshed through SSO OIDC
CreateToken when the cache holds a refresh token and a live client
registration, and the cache is written back as the AWS CLI does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from ._credentials import Absent, Credentials, Issued, SourceError, parse_expiry
from ._errors import ConfigurationError
from ._fetch import FetchRequest, FetchResponse, HTTPFetch, exchange
from ._service_endpoints import service_endpoint
from ._shared_files import SharedFiles

__all__ = ["SSO_TOKEN_REFRESH_WINDOW", "cache_path", "fetch_sso"]

logger = logging.getLogger("lambda_es")

#: Seconds before its expiry when a refreshable token is refreshed.
SSO_TOKEN_REFRESH_WINDOW = 10 * 60.0
_TIMEOUT = 10.0


def cache_path(environ: Mapping[str, str], key: str) -> Path:
    """Locate the cached token of a session name or start URL.

    Args:
        environ: the environment (``HOME`` locates ``~``).
        key: the ``sso_session`` name, or the legacy profile's start URL.

    Returns:
        ``~/.aws/sso/cache/<sha1 hex of key>.json``.
    """
    home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
    digest = hashlib.sha1(key.encode("utf-8")).hexdigest()  # a file name, as the CLI's
    return home / ".aws" / "sso" / "cache" / f"{digest}.json"


def _read_cache(path: Path, where: str) -> dict[str, Any] | None:
    problem: str | None = None
    payload: Any = None
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        problem = type(exc).__name__
    if problem is not None:
        raise SourceError(f"{where}: the cached SSO token {path} cannot be read ({problem})")
    return payload if isinstance(payload, dict) else None


def _write_cache(path: Path, payload: Mapping[str, Any]) -> None:
    # Atomic and private, as the token is a secret: a temporary file in the
    # same directory, readable by the owner only, renamed over the old one.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".lambda-es-", suffix=".json")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(payload, stream)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _iso(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _error_code(response: FetchResponse) -> str:
    code = response.headers.get("x-amzn-errortype", "").split(":")[0]
    if not code:
        try:
            payload = json.loads(response.body)
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            code = str(payload.get("__type") or payload.get("error") or "").rsplit("#", 1)[-1]
    return code or "(no error code)"


async def _refresh_token(
    http: HTTPFetch,
    cached: dict[str, Any],
    path: Path,
    *,
    oidc: str,
    where: str,
    login: str,
) -> str:
    body = json.dumps(
        {
            "grantType": "refresh_token",
            "clientId": cached["clientId"],
            "clientSecret": cached["clientSecret"],
            "refreshToken": cached["refreshToken"],
        }
    ).encode()
    request = FetchRequest(
        "POST",
        oidc + "/token",
        headers={"Content-Type": "application/json"},
        body=body,
        timeout=_TIMEOUT,
    )
    response = await exchange(
        http,
        request,
        failure=f"{where}: refreshing the SSO token failed: no answer from SSO OIDC at {oidc}",
    )
    if response.status != 200:
        raise Absent(
            f"{where}: SSO OIDC refused to refresh the token (HTTP {response.status} "
            f"{_error_code(response)}): {login}"
        )
    payload: Any = None
    token: Any = None
    expires_in = 0
    try:
        payload = json.loads(response.body)
        token = payload["accessToken"]
        expires_in = int(payload["expiresIn"])
    except (ValueError, KeyError, TypeError):
        token = None  # raised below, outside this block: the parser's error may quote the body
    if not isinstance(token, str) or not token:
        raise SourceError(f"{where}: SSO OIDC answered without accessToken and expiresIn")
    updated = dict(cached, accessToken=token, expiresAt=_iso(time.time() + expires_in))
    if isinstance(payload.get("refreshToken"), str):
        updated["refreshToken"] = payload["refreshToken"]
    problem: str | None = None
    try:
        _write_cache(path, updated)
    except OSError as exc:
        problem = type(exc).__name__
    if problem is not None:
        # The refreshed token still works for this process; the next login fixes the file.
        logger.warning(
            "%s: the refreshed SSO token could not be written to %s (%s)", where, path, problem
        )
    return token


def _refreshable(cached: Mapping[str, Any], now: float) -> bool:
    if not all(
        isinstance(cached.get(k), str) and cached[k]
        for k in ("clientId", "clientSecret", "refreshToken")
    ):
        return False
    try:
        return parse_expiry(cached.get("registrationExpiresAt")) > now
    except ValueError:
        return False


async def fetch_sso(
    http: HTTPFetch,
    *,
    files: SharedFiles,
    profile: str,
    values: Mapping[str, str],
    environ: Mapping[str, str],
    where: str,
) -> Issued:
    """Get a profile's role credentials with the cached SSO token.

    Args:
        http: how to send the requests.
        files: the shared files (for the ``[sso-session]`` section and ``services``).
        profile: the profile's name.
        values: the profile's keys.
        environ: the environment (``HOME``, endpoint overrides).
        where: the source's description, for messages.

    Returns:
        The role's credentials and their expiry.

    Raises:
        Absent: there is no usable token; the message says to run
            ``aws sso login --profile NAME``.
        SourceError: the profile is incomplete, or SSO answered with an error.
    """
    login = f"run aws sso login --profile {profile}"
    session_name = values.get("sso_session")
    if session_name:
        section = files.sso_session(session_name)
        if section is None:
            raise SourceError(
                f"{where}: sso_session {session_name!r} has no [sso-session {session_name}] "
                f"section in {files.config_path}"
            )
        start_url, region = section.get("sso_start_url"), section.get("sso_region")
        key, what = session_name, f"sso_session {session_name!r}"
    else:
        start_url, region = values.get("sso_start_url"), values.get("sso_region")
        key, what = start_url or "", f"sso_start_url {start_url}"
    account, role = values.get("sso_account_id"), values.get("sso_role_name")
    missing = [
        name
        for name, value in (
            ("sso_start_url", start_url),
            ("sso_region", region),
            ("sso_account_id", account),
            ("sso_role_name", role),
        )
        if not value
    ]
    if missing or start_url is None or region is None or account is None or role is None:
        raise SourceError(f"{where}: the SSO configuration lacks {', '.join(missing)}")
    path = cache_path(environ, key)
    cached = _read_cache(path, where)
    token = cached.get("accessToken") if cached is not None else None
    if cached is None or not isinstance(token, str) or not token:
        raise Absent(f"profile {profile!r}: {what} has no cached token: {login}")
    try:
        expires = parse_expiry(cached.get("expiresAt"))
    except ValueError:
        raise SourceError(f"{where}: the cached SSO token {path} has no valid expiresAt") from None
    now = time.time()
    if expires - now <= SSO_TOKEN_REFRESH_WINDOW and session_name and _refreshable(cached, now):
        oidc = service_endpoint(
            "sso-oidc", region=region, environ=environ, files=files, profile=profile
        )
        try:
            token = await _refresh_token(http, cached, path, oidc=oidc, where=where, login=login)
        except SourceError:
            if expires <= now:
                raise
            # Not expired yet: this token serves; the next refresh tries again.
    elif expires <= now:
        raise Absent(f"profile {profile!r}: the cached token of {what} expired: {login}")
    portal = service_endpoint("sso", region=region, environ=environ, files=files, profile=profile)
    query = urlencode({"account_id": account, "role_name": role})
    url = f"{portal}/federation/credentials?{query}"
    request = FetchRequest("GET", url, headers={"x-amz-sso_bearer_token": token}, timeout=_TIMEOUT)
    response = await exchange(http, request, failure=f"{where}: no answer from SSO at {portal}")
    if response.status in (401, 403):
        raise SourceError(
            f"{where}: SSO refused the cached token (HTTP {response.status} "
            f"{_error_code(response)}): {login}"
        )
    if response.status != 200:
        raise SourceError(
            f"{where}: SSO GetRoleCredentials answered HTTP {response.status} "
            f"{_error_code(response)}"
        )
    issued: Issued | None = None
    try:
        creds = json.loads(response.body)["roleCredentials"]
        issued = Issued(
            Credentials(
                creds["accessKeyId"], creds["secretAccessKey"], creds.get("sessionToken") or None
            ),
            int(creds["expiration"]) / 1000.0,
        )
    except (ValueError, KeyError, TypeError, AttributeError, ConfigurationError):
        pass  # raised below, outside this block: the parser's error may quote the body
    if issued is None:
        raise SourceError(f"{where}: SSO's answer has no complete roleCredentials")
    return issued
