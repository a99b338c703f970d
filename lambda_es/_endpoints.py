"""Region and endpoint resolution.

Pure functions over the arguments, the environment and the profile; no
network. The result is an :class:`Endpoint` that the signer and the transport
share, so both see the same host and port.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

import attrs

from ._errors import ConfigurationError, redact_url

__all__ = ["Endpoint", "resolve_endpoint", "resolve_region"]

_REGION = re.compile(r"(?:eusc-)?[a-z]{2}(?:-[a-z]+)+-\d+", re.ASCII)
# The DNS suffix of each partition other than aws (from AWS's partition table).
_DNS_SUFFIXES = (
    (re.compile(r"cn-"), "amazonaws.com.cn"),
    (re.compile(r"eusc-"), "amazonaws.eu"),
    (re.compile(r"us-iso-"), "c2s.ic.gov"),
    (re.compile(r"us-isob-"), "sc2s.sgov.gov"),
    (re.compile(r"eu-isoe-"), "cloud.adc-e.uk"),
    (re.compile(r"us-isof-"), "csp.hci.ic.gov"),
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _redacted(url: str) -> str:
    # User info may hold a password, which must never reach an error message.
    return redact_url(url)


@attrs.frozen
class Endpoint:
    """Where requests go.

    Attributes:
        scheme: ``"https"`` or ``"http"`` (loopback only).
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


def is_loopback(host: str) -> bool:
    """Tell whether a host name or address is this machine.

    Args:
        host: a host name or IP address.

    Returns:
        True for ``localhost``, 127.0.0.0/8 and ::1.
    """
    if host.lower() in ("localhost", "localhost.localdomain") or host.lower().endswith(
        ".localhost"
    ):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_region(
    region: str | None, profile_values: Mapping[str, str], environ: Mapping[str, str] | None = None
) -> str:
    """Pick the region: the argument, ``AWS_REGION``, ``AWS_DEFAULT_REGION``, then the profile.

    Args:
        region: the client's ``region=`` argument.
        profile_values: the profile read from the shared files.
        environ: the environment (``os.environ`` by default).

    Returns:
        The region name.

    Raises:
        ConfigurationError: no region anywhere, or one that is not a region name.
    """
    env = os.environ if environ is None else environ
    chosen = (
        region
        or env.get("AWS_REGION")
        or env.get("AWS_DEFAULT_REGION")
        or profile_values.get("region")
    )
    if not chosen:
        raise ConfigurationError(
            "no AWS region: pass region=, or set AWS_REGION or AWS_DEFAULT_REGION, "
            "or give the profile a region"
        )
    if not _REGION.fullmatch(chosen):
        raise ConfigurationError(f"{chosen!r} is not an AWS region name (like 'us-east-1')")
    return chosen


def resolve_endpoint(
    endpoint_url: str | None, region: str, environ: Mapping[str, str] | None = None
) -> Endpoint:
    """Pick the endpoint: the argument, the environment, else the partition's.

    Args:
        endpoint_url: the client's ``endpoint_url=`` argument.
        region: the resolved region, for the default endpoint.
        environ: the environment (``os.environ`` by default).

    Returns:
        The endpoint.

    Raises:
        ConfigurationError: the URL cannot be used (no host, a query, another scheme,
            or plain http to a host that is not loopback).
    """
    env = os.environ if environ is None else environ
    url = endpoint_url or env.get("AWS_ENDPOINT_URL_LAMBDA") or env.get("AWS_ENDPOINT_URL")
    if not url:
        suffix = next((s for p, s in _DNS_SUFFIXES if p.match(region)), "amazonaws.com")
        return Endpoint("https", f"lambda.{region}.{suffix}", 443)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        # ValueError's text quotes the "port", which may be part of a password.
        raise ConfigurationError(
            f"endpoint URL {_redacted(url)!r} has a bad host or port"
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ConfigurationError(f"endpoint URL {_redacted(url)!r} must be http(s)://host[:port]")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ConfigurationError("endpoint URL must not carry a query, a fragment or user info")
    if scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigurationError(
            f"refusing plain http to {parts.hostname}: signed requests would travel in the "
            "clear; use https (http is allowed only for loopback)"
        )
    return Endpoint(
        scheme,
        parts.hostname,
        port if port is not None else _DEFAULT_PORTS[scheme],
        parts.path.rstrip("/"),
    )
