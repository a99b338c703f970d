"""``lambda-es configure list``: each setting as the client resolves it, and its source.

As ``aws configure list`` prints them: the name, the value (secrets masked to
their last 4 characters), the kind of source and its location.
"""

from __future__ import annotations

from typing import Any

from ._config import ClientSettings, Config, Source, Sourced, mask, resolve_config

__all__ = ["configure_list", "configure_rows"]


def configure_rows(config: Config) -> list[tuple[str, str, str, str]]:
    """One row per setting: name, value (secrets masked), source kind, source location."""

    def row(name: str, value: str, source: Source | None) -> tuple[str, str, str, str]:
        if source is None:
            return (name, "<not set>", "None", "None")
        return (name, value, source.kind, source.location or "None")

    def setting(name: str, found: Sourced[Any] | None, shown: str | None = None) -> None:
        if found is None:
            rows.append(row(name, "", None))
        else:
            value = str(found.value).lower() if isinstance(found.value, bool) else str(found.value)
            rows.append(row(name, shown if shown is not None else value, found.source))

    rows: list[tuple[str, str, str, str]] = []
    setting("profile", config.profile)
    static = config.static_credentials
    if config.credentials is None:
        rows.append(row("access_key", "", None))
        rows.append(row("secret_key", "", None))
    elif static is None:
        rows.append(row("access_key", "<from a provider>", config.credentials_source))
        rows.append(row("secret_key", "<from a provider>", config.credentials_source))
    else:
        rows.append(row("access_key", mask(static.access_key_id), config.credentials_source))
        # The secret sits next to the key id: same file and section, or the
        # environment's partner variable.
        source = config.credentials_source
        secret_source = Source(
            source.kind,
            source.location.replace("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY").replace(
                "aws_access_key_id", "aws_secret_access_key"
            ),
        )
        rows.append(row("secret_key", mask(static.secret_access_key), secret_source))
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
    rows = [("Name", "Value", "Type", "Location"), ("----", "-----", "----", "--------")]
    rows += configure_rows(config)
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for name, value, kind, location in rows:
        print(
            f"{name:>{widths[0]}}  {value:>{widths[1]}}  {kind:>{widths[2]}}  {location}".rstrip()
        )
    return 0
