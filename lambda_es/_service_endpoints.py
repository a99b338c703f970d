"""Where the credential chain's AWS services are: STS, SSO and SSO OIDC.

One function, :func:`service_endpoint`, resolved as the AWS SDKs resolve
service endpoints: ``AWS_ENDPOINT_URL_<SERVICE>``, then ``AWS_ENDPOINT_URL``,
then the profile's ``services`` section, then the profile's ``endpoint_url``,
else the region's default (unless ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` or
the profile's ``ignore_configured_endpoint_urls`` is true).
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from ._endpoints import is_loopback
from ._errors import ConfigurationError
from ._shared_files import SharedFiles

__all__ = ["service_endpoint"]

#: The service's key in AWS_ENDPOINT_URL_<KEY> and in a services section.
_KEYS = {"sts": "STS", "sso": "SSO", "sso-oidc": "SSO_OIDC"}
_HOSTS = {"sts": "sts", "sso": "portal.sso", "sso-oidc": "oidc"}

# The regions whose STS endpoint was the global one before regional
# endpoints became the default (AWS_STS_REGIONAL_ENDPOINTS=legacy keeps it).
_LEGACY_GLOBAL_STS = frozenset(
    {
        "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "aws-global",
        "ca-central-1", "eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3",
        "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    }
)  # fmt: skip


def _true(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def _check(url: str, where: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(f"{where} must be an http(s) URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ConfigurationError(f"{where} must not carry user info, a query or a fragment")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"refusing plain http to {parts.hostname} ({where}): credentials would travel "
            "in the clear; use https (http is allowed only for loopback)"
        )
    return url.rstrip("/")


def service_endpoint(
    service: str,
    *,
    region: str,
    environ: Mapping[str, str],
    files: SharedFiles | None,
    profile: str | None,
) -> str:
    """Resolve the endpoint of STS, SSO or SSO OIDC.

    Args:
        service: ``"sts"``, ``"sso"`` or ``"sso-oidc"``.
        region: the region to call it in.
        environ: the environment.
        files: the shared files, for the profile's ``services`` section.
        profile: the profile's name.

    Returns:
        The endpoint's URL, without a trailing slash.

    Raises:
        ConfigurationError: a configured URL cannot be used.
    """
    key = _KEYS[service]
    values = files.profile(profile) if files is not None and profile is not None else {}
    ignore = _true(environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) or _true(
        values.get("ignore_configured_endpoint_urls")
    )
    if not ignore:
        for name in (f"AWS_ENDPOINT_URL_{key}", "AWS_ENDPOINT_URL"):
            if environ.get(name):
                return _check(environ[name], name)
        section = values.get("services")
        services = files.services(section) if files is not None and section else None
        nested = (services or {}).get(key.lower(), {})
        if nested.get("endpoint_url"):
            return _check(nested["endpoint_url"], f"services {section!r} {key.lower()}")
        if values.get("endpoint_url"):
            return _check(values["endpoint_url"], f"profile {profile!r} endpoint_url")
    suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    if service == "sts":
        legacy = (
            environ.get("AWS_STS_REGIONAL_ENDPOINTS") or values.get("sts_regional_endpoints") or ""
        ).lower() == "legacy"
        if legacy and region in _LEGACY_GLOBAL_STS:
            return "https://sts.amazonaws.com"
    return f"https://{_HOSTS[service]}.{region}.{suffix}"
