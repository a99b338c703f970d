"""Credentials from the machine: the container endpoint (ECS, EKS Pod Identity) and IMDSv2 (EC2).

Container credentials come from ``AWS_CONTAINER_CREDENTIALS_RELATIVE_URI``
(a path on ``169.254.170.2``) or ``AWS_CONTAINER_CREDENTIALS_FULL_URI``,
which the AWS SDKs accept only towards loopback or the ECS and EKS
link-local hosts, with the token of ``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE``
(read on every fetch: EKS rotates it) or ``AWS_CONTAINER_AUTHORIZATION_TOKEN``.

Instance metadata is asked with IMDSv2 only: a token PUT, then the role's
name, then its credentials, each one attempt with a 1 s deadline, so that a
machine that is not on EC2 loses at most a second finding out.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote, urlsplit

from ._credentials import Absent, Issued, SourceError, issued_from_json
from ._endpoints import is_loopback
from ._fetch import FetchError, FetchRequest, FetchResponse, HTTPFetch, exchange

__all__ = [
    "CONTAINER_HOST",
    "container_configured",
    "fetch_container",
    "fetch_imds",
    "imds_endpoint",
]

#: Where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI points (ECS).
CONTAINER_HOST = "169.254.170.2"
#: The hosts a full URI may name besides loopback: ECS, and EKS Pod Identity (IPv4, IPv6).
_CONTAINER_HOSTS = frozenset(
    {ipaddress.ip_address(a) for a in (CONTAINER_HOST, "169.254.170.23", "fd00:ec2::23")}
)
_CONTAINER_TIMEOUT = 2.0
_CONTAINER_ATTEMPTS = 3
_IMDS_TIMEOUT = 1.0
_IMDS_TOKEN_TTL = "21600"
_IMDS_ROLE_PATH = "/latest/meta-data/iam/security-credentials/"


def container_configured(environ: Mapping[str, str]) -> bool:
    """Tell whether the environment asks for container credentials.

    Args:
        environ: the environment.

    Returns:
        True when one of the two URI variables is set.
    """
    return bool(
        environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        or environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI")
    )


def _allowed_host(host: str) -> bool:
    if is_loopback(host):
        return True
    try:
        return ipaddress.ip_address(host) in _CONTAINER_HOSTS
    except ValueError:
        return False


def _container_url(environ: Mapping[str, str], where: str) -> str:
    relative = environ.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
    if relative:
        if not relative.startswith("/"):
            relative = "/" + relative
        return f"http://{CONTAINER_HOST}{relative}"
    full = environ.get("AWS_CONTAINER_CREDENTIALS_FULL_URI", "")
    parts = urlsplit(full)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceError(f"{where}: AWS_CONTAINER_CREDENTIALS_FULL_URI is not an http(s) URL")
    if not _allowed_host(parts.hostname):
        raise SourceError(
            f"{where}: AWS_CONTAINER_CREDENTIALS_FULL_URI names {parts.hostname}; only loopback, "
            "169.254.170.2, 169.254.170.23 and fd00:ec2::23 are allowed"
        )
    return full


def _container_token(environ: Mapping[str, str], where: str) -> str | None:
    path = environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
    token: str | None
    if path:
        problem: str | None = None
        try:
            token = Path(path).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            problem = type(exc).__name__
        if problem is not None:
            raise SourceError(
                f"{where}: AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {path} cannot be read ({problem})"
            )
    else:
        token = environ.get("AWS_CONTAINER_AUTHORIZATION_TOKEN") or None
    if token is not None and ("\r" in token or "\n" in token):
        raise SourceError(f"{where}: the container authorization token holds a line break")
    return token


async def fetch_container(http: HTTPFetch, environ: Mapping[str, str], *, where: str) -> Issued:
    """Fetch credentials from the container credentials endpoint.

    Args:
        http: how to send the request.
        environ: the environment with the URI and token variables.
        where: the source's description, for messages.

    Returns:
        The credentials and their expiry.

    Raises:
        SourceError: the URI is not allowed, the token file cannot be read,
            or the endpoint does not answer with credentials.
    """
    url = _container_url(environ, where)
    token = _container_token(environ, where)
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["Authorization"] = token
    failure = ""
    for _ in range(_CONTAINER_ATTEMPTS):
        try:
            response = await http(
                FetchRequest("GET", url, headers=headers, timeout=_CONTAINER_TIMEOUT)
            )
        except FetchError as exc:
            failure = f"no answer from {url}: {exc}"
            continue
        if response.status >= 500:
            failure = f"{url} answered HTTP {response.status}"
            continue
        if response.status != 200:
            raise SourceError(f"{where}: {url} answered HTTP {response.status}")
        return issued_from_json(response.body, where=where, what="the answer", token_key="Token")
    raise SourceError(f"{where}: {failure} ({_CONTAINER_ATTEMPTS} attempts)")


def imds_endpoint(environ: Mapping[str, str], profile: Mapping[str, str]) -> str:
    """Where the instance metadata service is.

    Args:
        environ: the environment (``AWS_EC2_METADATA_SERVICE_ENDPOINT``,
            ``AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE``).
        profile: the profile (``ec2_metadata_service_endpoint``, ``..._mode``).

    Returns:
        The service's origin, without a trailing slash.
    """
    configured = environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT") or profile.get(
        "ec2_metadata_service_endpoint"
    )
    if configured:
        return configured.rstrip("/")
    mode = (
        environ.get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE")
        or profile.get("ec2_metadata_service_endpoint_mode")
        or "IPv4"
    )
    return "http://[fd00:ec2::254]" if mode.lower() == "ipv6" else "http://169.254.169.254"


async def _imds_step(
    http: HTTPFetch, method: str, url: str, headers: Mapping[str, str]
) -> FetchResponse:
    # Silence means no metadata service (not on EC2): the chain moves on.
    return await exchange(
        http,
        FetchRequest(method, url, headers=headers, timeout=_IMDS_TIMEOUT),
        failure=f"no instance metadata service answered at {url}",
        error=Absent,
    )


async def fetch_imds(http: HTTPFetch, endpoint: str, *, where: str) -> Issued:
    """Fetch the instance role's credentials with IMDSv2.

    Args:
        http: how to send the requests.
        endpoint: the metadata service (see :func:`imds_endpoint`).
        where: the source's description, for messages.

    Returns:
        The credentials and their expiry.

    Raises:
        Absent: no metadata service answered, it refused a token, or the
            instance has no role.
        SourceError: the service answered the credentials request with
            something other than credentials.
    """
    response = await _imds_step(
        http,
        "PUT",
        endpoint + "/latest/api/token",
        {"X-aws-ec2-metadata-token-ttl-seconds": _IMDS_TOKEN_TTL},
    )
    if response.status != 200 or not response.body.strip():
        raise Absent(
            f"the instance metadata service at {endpoint} gave no IMDSv2 token "
            f"(HTTP {response.status})"
        )
    token = {"X-aws-ec2-metadata-token": response.body.decode("ascii", "replace").strip()}
    response = await _imds_step(http, "GET", endpoint + _IMDS_ROLE_PATH, token)
    role = response.body.decode("utf-8", "replace").strip().splitlines()[:1]
    if response.status == 404 or (response.status == 200 and not role):
        raise Absent(f"the instance at {endpoint} has no IAM role")
    if response.status != 200:
        raise SourceError(f"{where}: listing the instance's role answered HTTP {response.status}")
    url = endpoint + _IMDS_ROLE_PATH + quote(role[0].strip(), safe="")
    response = await _imds_step(http, "GET", url, token)
    if response.status != 200:
        raise SourceError(
            f"{where}: the credentials of role {role[0].strip()!r} answered HTTP {response.status}"
        )
    return issued_from_json(response.body, where=where, what="the answer", token_key="Token")
