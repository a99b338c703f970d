"""Endpoints: the partition table, Lambda's host names, and endpoint URLs.

Pure functions, no environment and no network: :mod:`lambda_es._config`
decides which inputs apply and hands them here. The result is an
:class:`Endpoint` that the signer and the transport share, so both see the
same host and port.

The host names follow Lambda's endpoint rules as every AWS SDK applies them:
``lambda[-fips].{region}.{suffix}``, where the suffix is the partition's DNS
suffix, or its dual-stack suffix when dual-stack is asked for. The partitions
are the small table below (facts from AWS's published partition data); a test
checks every region and variant against botocore's own resolver.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

import attrs

from ._errors import ConfigurationError, redact_url

__all__ = [
    "PARTITIONS",
    "Endpoint",
    "Partition",
    "check_region",
    "is_loopback",
    "lambda_endpoint",
    "parse_endpoint_url",
    "partition_of",
]


@attrs.frozen
class Partition:
    """One AWS partition: which regions it holds and how its host names end.

    Attributes:
        name: the partition's id (``aws``, ``aws-cn``, ...).
        regions: the pattern its region names match.
        dns_suffix: the suffix of its plain (IPv4) host names.
        dualstack_dns_suffix: the suffix of its dual-stack (IPv4 and IPv6) host names.
        supports_fips: whether it offers FIPS endpoints.
        supports_dualstack: whether it offers dual-stack endpoints.
    """

    name: str
    regions: re.Pattern[str]
    dns_suffix: str
    dualstack_dns_suffix: str
    supports_fips: bool = True
    supports_dualstack: bool = True


def _partition(name: str, regions: str, suffix: str, dualstack: str) -> Partition:
    return Partition(name, re.compile(regions, re.ASCII), suffix, dualstack)


#: Order matters only for the fallback: a region no pattern matches is in ``aws``.
PARTITIONS: tuple[Partition, ...] = (
    _partition("aws", r"(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+", "amazonaws.com", "api.aws"),
    _partition("aws-cn", r"cn-\w+-\d+", "amazonaws.com.cn", "api.amazonwebservices.com.cn"),
    _partition("aws-eusc", r"eusc-(de)-\w+-\d+", "amazonaws.eu", "api.amazonwebservices.eu"),
    _partition("aws-iso", r"us-iso-\w+-\d+", "c2s.ic.gov", "api.aws.ic.gov"),
    _partition("aws-iso-b", r"us-isob-\w+-\d+", "sc2s.sgov.gov", "api.aws.scloud"),
    _partition("aws-iso-e", r"eu-isoe-\w+-\d+", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"),
    _partition("aws-iso-f", r"us-isof-\w+-\d+", "csp.hci.ic.gov", "api.aws.hci.ic.gov"),
    _partition("aws-us-gov", r"us-gov-\w+-\d+", "amazonaws.com", "api.aws"),
)

# A region name: letters and digits in dash-separated groups, ending in a
# number (us-east-1, eusc-de-east-1), or a partition's global pseudo-region
# (aws-global, aws-us-gov-global), which AWS's partition data lists too.
_REGION = re.compile(r"[a-z]{2,4}(?:-[a-z]+)+-\d+", re.ASCII)
_GLOBAL = frozenset(f"{p.name}-global" for p in PARTITIONS)
_DEFAULT_PORTS = {"http": 80, "https": 443}


@attrs.frozen
class Endpoint:
    """Where requests go.

    Attributes:
        scheme: ``"https"`` or ``"http"``.
        host: the host name or IP address, without brackets.
        port: the TCP port.
        base_path: a path prefix from ``endpoint_url`` (usually ``""``), without a trailing slash.
    """

    scheme: str
    host: str
    port: int
    base_path: str = ""

    @property
    def host_header(self) -> str:
        """The ``Host`` header: the host, with the port when it is not the scheme's default."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        if _DEFAULT_PORTS.get(self.scheme) == self.port:
            return host
        return f"{host}:{self.port}"

    @property
    def origin(self) -> str:
        """``scheme://host[:port]``, as it goes in front of the path."""
        return f"{self.scheme}://{self.host_header}"

    @property
    def url(self) -> str:
        """The origin and the base path: the endpoint as a URL."""
        return self.origin + self.base_path


def is_loopback(host: str) -> bool:
    """Tell whether a host name or address is this machine.

    Only ``localhost`` itself counts among names: ``*.localhost`` is resolved
    by some systems to loopback and by others through DNS, so a signed request
    in the clear must not depend on which.

    Args:
        host: a host name or IP address (IPv6 without brackets).

    Returns:
        True for ``localhost``, 127.0.0.0/8 and ::1.
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_region(region: str, where: str) -> str:
    """Check that a region name can go into a host name and a signature.

    Args:
        region: the name.
        where: where it came from, for the message (``"region="``, ``"AWS_REGION"``, ...).

    Returns:
        The name, unchanged.

    Raises:
        ConfigurationError: it is not a region name.
    """
    if not (_REGION.fullmatch(region) or region in _GLOBAL):
        raise ConfigurationError(
            f"{region!r} (from {where}) is not an AWS region name (like 'us-east-1')"
        )
    return region


def partition_of(region: str, partitions: tuple[Partition, ...] = PARTITIONS) -> Partition:
    """Find a region's partition, as AWS's partition function does.

    A partition's global pseudo-region (``aws-global``) is its own; otherwise
    the first partition whose pattern matches; otherwise ``aws``.

    Args:
        region: a region name.
        partitions: the partition table (a test passes a different one).

    Returns:
        The partition.
    """
    for partition in partitions:
        if region == f"{partition.name}-global":
            return partition
    return next((p for p in partitions if p.regions.fullmatch(region)), partitions[0])


def lambda_endpoint(
    region: str,
    *,
    fips: bool = False,
    dualstack: bool = False,
    partitions: tuple[Partition, ...] = PARTITIONS,
) -> Endpoint:
    """Lambda's own endpoint for a region and variant.

    Args:
        region: a checked region name.
        fips: use the FIPS 140 endpoint (``lambda-fips.``).
        dualstack: use the dual-stack (IPv4 and IPv6) endpoint.
        partitions: the partition table (a test passes a different one).

    Returns:
        The https endpoint.

    Raises:
        ConfigurationError: the region's partition does not offer the variant.
    """
    partition = partition_of(region, partitions)
    missing = [
        what
        for what, wanted, offered in (
            ("FIPS", fips, partition.supports_fips),
            ("dual-stack", dualstack, partition.supports_dualstack),
        )
        if wanted and not offered
    ]
    if missing:
        raise ConfigurationError(
            f"the {partition.name} partition (region {region}) has no "
            f"{' and no '.join(missing)} endpoints for lambda: turn off "
            + " and ".join(
                "use_fips_endpoint" if what == "FIPS" else "use_dualstack_endpoint"
                for what in missing
            )
        )
    service = "lambda-fips" if fips else "lambda"
    suffix = partition.dualstack_dns_suffix if dualstack else partition.dns_suffix
    return Endpoint("https", f"{service}.{region}.{suffix}", 443)


def parse_endpoint_url(url: str, *, where: str, allow_http: bool) -> Endpoint:
    """Check and parse a configured endpoint URL.

    Args:
        url: the URL.
        where: where it came from, for messages.
        allow_http: whether plain http to a host that is not loopback is allowed.

    Returns:
        The endpoint.

    Raises:
        ConfigurationError: the URL cannot be used (no host, a query, user info,
            another scheme, or plain http off loopback without ``allow_http``).
            No message repeats user info.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        # ValueError's text quotes the "port", which may be part of a password.
        raise ConfigurationError(
            f"endpoint URL {redact_url(url)!r} (from {where}) has a bad host or port"
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ConfigurationError(
            f"endpoint URL {redact_url(url)!r} (from {where}) must be http(s)://host[:port]"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigurationError(
            f"endpoint URL (from {where}) must not carry a query, a fragment or user info"
        )
    if scheme == "http" and not allow_http and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"refusing plain http to {parts.hostname} (endpoint from {where}): signed requests "
            "would travel in the clear; use https, or allow it with allow_http=True or "
            "LAMBDA_ES_ALLOW_HTTP=1 (plain http is allowed by default only to localhost, "
            "127.0.0.0/8 and ::1)"
        )
    return Endpoint(
        scheme,
        parts.hostname,
        port if port is not None else _DEFAULT_PORTS[scheme],
        parts.path.rstrip("/"),
    )
