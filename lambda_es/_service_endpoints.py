"""Where the credential chain's AWS services are: STS, SSO and SSO OIDC.

A configured URL is found exactly as the Lambda endpoint's is
(:func:`lambda_es._config.resolve_service_endpoint`: ``AWS_ENDPOINT_URL_<SERVICE>``,
``AWS_ENDPOINT_URL``, the profile's ``services`` section, the profile's
``endpoint_url``, unless configured endpoints are ignored) and checked the
same way; otherwise the region's default host, with the DNS suffix of its
partition (:data:`lambda_es._endpoints.PARTITIONS`).
"""

from __future__ import annotations

from collections.abc import Mapping

from ._config import describe_source, resolve_service_endpoint
from ._endpoints import parse_endpoint_url, partition_of
from ._shared_files import SharedFiles, profile_name

__all__ = ["service_endpoint"]

#: The first label of each service's default host name.
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


def service_endpoint(
    service: str,
    *,
    region: str,
    environ: Mapping[str, str],
    files: SharedFiles,
    profile: str | None,
) -> str:
    """Resolve the endpoint of STS, SSO or SSO OIDC.

    Args:
        service: ``"sts"``, ``"sso"`` or ``"sso-oidc"``.
        region: the region to call it in.
        environ: the environment.
        files: the shared files, for the profile's keys and ``services`` section.
        profile: the profile's name (None: ``AWS_PROFILE`` or ``default``).

    Returns:
        The endpoint's URL, without a trailing slash.

    Raises:
        ConfigurationError: a configured URL cannot be used (plain http is
            accepted only for loopback: credentials would travel in the clear).
    """
    name = profile_name(profile, environ)
    configured = resolve_service_endpoint(
        service, endpoint_url=None, environ=environ, files=files, profile=name
    )
    if configured is not None:
        endpoint = parse_endpoint_url(
            configured.value, where=describe_source(configured.source), allow_http=False
        )
        return endpoint.url
    if service == "sts":
        values = files.profile(name)
        mode = environ.get("AWS_STS_REGIONAL_ENDPOINTS") or values.get("sts_regional_endpoints")
        legacy = (mode or "").lower() == "legacy" and region in _LEGACY_GLOBAL_STS
        if legacy or region == "aws-global":
            return "https://sts.amazonaws.com"
    return f"https://{_HOSTS[service]}.{region}.{partition_of(region).dns_suffix}"
