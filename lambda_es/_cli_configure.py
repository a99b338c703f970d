"""``lambda-es configure list``: each setting as the client resolves it, and its source.

As ``aws configure list`` prints them: the name, the value (secrets masked to
their last 4 characters), the kind of source and its location. The
credentials are found by walking the chain as a call would (STS, SSO and
processes included); when nothing is found they show as not set.
"""

from __future__ import annotations

import asyncio
from typing import Any

from ._client import AsyncClient
from ._config import ClientSettings, Config, Source, Sourced, mask, resolve_config
from ._credentials import Credentials
from ._errors import ConfigurationError

__all__ = ["configure_list", "configure_rows"]

Row = tuple[str, str, str, str]


def configure_rows(
    config: Config, credentials: Credentials | None, credential_source: str | None
) -> list[Row]:
    """One row per setting: name, value (secrets masked), source kind, source location.

    Args:
        config: the resolved configuration.
        credentials: the credentials the chain found, or None.
        credential_source: the chain's description of their source (``"kind (where)"``).

    Returns:
        The rows, in ``aws configure list``'s order.
    """

    def row(name: str, value: str, source: Source | None) -> Row:
        if source is None:
            return (name, "<not set>", "None", "None")
        return (name, value, source.kind, source.location or "None")

    def setting(name: str, found: Sourced[Any] | None, shown: str | None = None) -> None:
        if found is None:
            rows.append(row(name, "", None))
        else:
            value = str(found.value).lower() if isinstance(found.value, bool) else str(found.value)
            rows.append(row(name, shown if shown is not None else value, found.source))

    rows: list[Row] = []
    setting("profile", config.profile)
    if credentials is None or credential_source is None:
        rows.append(row("access_key", "", None))
        rows.append(row("secret_key", "", None))
    else:
        # The chain names its source as "kind (where)": "environment
        # (AWS_ACCESS_KEY_ID)", "assume-role (profile 'dev')".
        kind, _, where = credential_source.partition(" (")
        located = (kind.replace(" ", "-"), where.rstrip(")") or "None")
        rows.append(("access_key", mask(credentials.access_key_id), *located))
        rows.append(("secret_key", mask(credentials.secret_access_key), *located))
    setting("region", config.region)
    endpoint = config.endpoint
    setting("endpoint_url", endpoint, endpoint.value.url if endpoint is not None else None)
    setting("ignore_configured_endpoint_urls", config.ignore_configured_endpoint_urls)
    setting("use_fips_endpoint", config.use_fips_endpoint)
    setting("use_dualstack_endpoint", config.use_dualstack_endpoint)
    setting("retry_mode", config.retry_mode)
    setting("max_attempts", config.max_attempts)
    verify = config.verify
    shown = {True: "true (default trust store)", False: "false (not verified)"}
    setting("verify", verify, shown.get(verify.value) if isinstance(verify.value, bool) else None)
    proxy = config.proxy
    setting("proxy", proxy, proxy.value.display if proxy.value is not None else "<none>")
    setting("allow_http", config.allow_http)
    return rows


async def _credentials_in_use(settings: dict[str, Any]) -> tuple[Credentials | None, str | None]:
    async with AsyncClient(**settings) as client:
        try:
            return await client._transport.credentials_in_use()
        except ConfigurationError:
            return None, None


def configure_list(settings: dict[str, Any]) -> int:
    """Resolve the configuration with ``settings`` and print its table.

    Args:
        settings: the client keywords the global options give.

    Returns:
        The exit status, 0.

    Raises:
        ConfigurationError: a setting is invalid.
        ParamValidationError: an argument is invalid.
    """
    config = resolve_config(ClientSettings(**settings))
    credentials, source = asyncio.run(_credentials_in_use(settings))
    rows: list[Row] = [("Name", "Value", "Type", "Location"), ("----", "-----", "----", "--------")]
    rows += configure_rows(config, credentials, source)
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for name, value, kind, location in rows:
        print(
            f"{name:>{widths[0]}}  {value:>{widths[1]}}  {kind:>{widths[2]}}  {location}".rstrip()
        )
    return 0
