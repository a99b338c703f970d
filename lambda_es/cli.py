"""``lambda-es``: the command line, one subcommand per operation, and ``serve``.

Every subcommand prints the result as JSON with AWS member names (the
models' ``to_dict()``), so the output pipes into ``jq``. Settings of the
current API are flags made from the same table that checks them
(``_settings.SETTINGS``): integers and strings as they are, booleans as
``--enabled/--no-enabled``, timestamps as ISO-8601, structures and lists as
JSON in boto3's spelling (``--filter-criteria '{"Filters": [...]}'``).

Global options (``--profile``, ``--region``, ``--endpoint-url``,
``--ca-bundle``, ``--no-verify-ssl``, ``--allow-http``) go before or after
the subcommand. ``lambda-es configure list`` prints every setting as the
client resolves it, where it came from, secrets masked, as ``aws configure
list`` does.

Exit status: 0 on success, 1 when the call failed, 2 for a usage or
validation error (nothing was sent).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from ._client import AsyncClient
from ._codec import parse_timestamp
from ._config import ClientSettings, Config, Source, Sourced, mask, resolve_config
from ._credentials import Credentials
from ._errors import ConfigurationError, LambdaESError, ParamValidationError
from ._models import WireModel
from ._settings import CREATE_ONLY, SETTINGS, Setting
from ._validate import INITIAL_POSITIONS

__all__ = ["main"]

Handler = Callable[[AsyncClient, argparse.Namespace], Awaitable[Any]]


def _json_argument(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not valid JSON: {exc}") from None


def _timestamp_argument(text: str) -> dt.datetime:
    try:
        return parse_timestamp(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _add_setting_flags(parser: argparse.ArgumentParser, *, create: bool) -> None:
    for name, setting in SETTINGS.items():
        if name in CREATE_ONLY and not create:
            continue
        flag = "--" + name.replace("_", "-")
        options: dict[str, Any] = {"dest": name, "default": None}
        if setting.kind == "bool":
            options["action"] = argparse.BooleanOptionalAction
        elif setting.kind == "int":
            options["type"] = int
        elif setting.kind == "str":
            options["type"] = str
        elif setting.kind == "timestamp":
            options.update(type=_timestamp_argument, metavar="ISO-8601")
        else:
            options.update(type=_json_argument, metavar="JSON")
        parser.add_argument(flag, help=_setting_help(setting), **options)


def _setting_help(setting: Setting) -> str:
    # The model's meaning of the member, its AWS name, and what it allows.
    rules = setting.rules
    allowed = []
    if "range" in rules:
        allowed.append("{} to {}".format(*rules["range"]))
    for enum in (rules.get("enum"), rules.get("items", {}).get("enum")):
        if enum:
            allowed.append("one of " + ", ".join(enum))
    if setting.kind in ("model", "models", "strings", "map"):
        allowed.append("JSON with AWS member names")
    details = "; ".join([setting.wire, *allowed])
    # argparse formats help with %: a literal one must be doubled.
    return f"{setting.doc} [{details}]".replace("%", "%%")


def _settings(args: argparse.Namespace, *, create: bool) -> dict[str, Any]:
    return {
        name: getattr(args, name)
        for name in SETTINGS
        if (create or name not in CREATE_ONLY) and getattr(args, name, None) is not None
    }


async def _add(client: AsyncClient, a: argparse.Namespace) -> Any:
    return await client.add_event_source(
        event_source=a.event_source,
        function_name=a.function_name,
        role=a.role,
        batch_size=a.batch_size,
        parameters=(
            {"InitialPositionInStream": a.initial_position} if a.initial_position else None
        ),
    )


async def _list_legacy(client: AsyncClient, a: argparse.Namespace) -> Any:
    return [
        item
        async for item in client.iter_event_sources(
            event_source_arn=a.event_source_arn, function_name=a.function_name
        )
    ]


async def _list_current(client: AsyncClient, a: argparse.Namespace) -> Any:
    return [
        item
        async for item in client.iter_event_source_mappings(
            event_source_arn=a.event_source_arn, function_name=a.function_name
        )
    ]


async def _create(client: AsyncClient, a: argparse.Namespace) -> Any:
    return await client.create_event_source_mapping(
        function_name=a.function_name,
        event_source_arn=a.event_source_arn,
        **_settings(a, create=True),
    )


async def _ensure(client: AsyncClient, a: argparse.Namespace) -> Any:
    return await client.ensure_event_source_mapping(
        function_name=a.function_name,
        event_source_arn=a.event_source_arn,
        **_settings(a, create=True),
    )


async def _update(client: AsyncClient, a: argparse.Namespace) -> Any:
    return await client.update_event_source_mapping(
        a.uuid, function_name=a.function_name, **_settings(a, create=False)
    )


#: The global options: (flag, keywords). Accepted before or after the subcommand.
_GLOBAL_OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("--profile", {"help": "profile of the shared AWS files (else AWS_PROFILE, default)"}),
    ("--region", {"help": "AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the profile)"}),
    (
        "--endpoint-url",
        {"help": "Lambda endpoint (else AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL, the profile)"},
    ),
    (
        "--ca-bundle",
        {"metavar": "PATH", "help": "CA bundle to verify TLS with (else AWS_CA_BUNDLE, ...)"},
    ),
    (
        "--no-verify-ssl",
        {"action": "store_true", "help": "do not verify TLS certificates (a warning is logged)"},
    ),
    (
        "--allow-http",
        {"action": "store_true", "help": "allow plain http to a host that is not loopback"},
    ),
)


def _global_options() -> argparse.ArgumentParser:
    # SUPPRESS as the default: an option left out after the subcommand must
    # not overwrite the same option given before it.
    shared = argparse.ArgumentParser(add_help=False)
    for flag, options in _GLOBAL_OPTIONS:
        shared.add_argument(flag, default=argparse.SUPPRESS, **options)
    return shared


def _global_values(args: argparse.Namespace) -> None:
    for flag, options in _GLOBAL_OPTIONS:
        name = flag[2:].replace("-", "_")
        if not hasattr(args, name):
            setattr(args, name, False if options.get("action") == "store_true" else None)


def _client_settings(args: argparse.Namespace) -> dict[str, Any]:
    verify: str | bool | None = args.ca_bundle
    if args.no_verify_ssl:
        verify = False
    return {
        "region": args.region,
        "endpoint_url": args.endpoint_url,
        "profile": args.profile,
        "verify": verify,
        "allow_http": True if args.allow_http else None,
    }


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one subcommand per operation.

    Returns:
        The parser; each subcommand sets ``handler`` (or ``serve``).
    """
    shared = _global_options()
    parser = argparse.ArgumentParser(
        prog="lambda-es",
        description="Manage AWS Lambda event-source mappings.",
        parents=[shared],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, handler: Handler | None, help_text: str) -> argparse.ArgumentParser:
        # The global options again, so that they may follow the subcommand too.
        sub = commands.add_parser(name, help=help_text, description=help_text, parents=[shared])
        sub.set_defaults(handler=handler)
        return sub

    configure = command("configure", None, "Show the configuration as the client resolves it.")
    actions = configure.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser(
        "list",
        help="Each setting, its value and where it came from.",
        description="Each setting, its value (secrets masked) and where it came from.",
        parents=[shared],
    )

    sub = command("add-event-source", _add, "Map a stream to a function (2014-11-13).")
    sub.add_argument("--event-source", required=True, help="Kinesis or DynamoDB stream ARN")
    sub.add_argument("--function-name", required=True)
    sub.add_argument("--role", required=True, help="invocation role ARN")
    sub.add_argument("--batch-size", type=int)
    sub.add_argument("--initial-position", choices=INITIAL_POSITIONS)

    sub = command(
        "get-event-source",
        lambda c, a: c.get_event_source(a.uuid),
        "Describe a legacy mapping (2014-11-13).",
    )
    sub.add_argument("uuid")
    for name, handler, text in (
        ("list-event-sources", _list_legacy, "List every legacy mapping (2014-11-13)."),
        ("list-event-source-mappings", _list_current, "List every mapping (2015-03-31)."),
    ):
        sub = command(name, handler, text)
        sub.add_argument("--event-source-arn")
        sub.add_argument("--function-name")
    sub = command(
        "remove-event-source",
        lambda c, a: c.remove_event_source(a.uuid),
        "Delete a legacy mapping (2014-11-13).",
    )
    sub.add_argument("uuid")

    for name, handler, text in (
        ("create-event-source-mapping", _create, "Create a mapping (2015-03-31)."),
        ("ensure-event-source-mapping", _ensure, "Create the mapping, or update it to match."),
    ):
        sub = command(name, handler, text)
        sub.add_argument("--function-name", required=True)
        sub.add_argument("--event-source-arn", required=name.startswith("ensure"))
        _add_setting_flags(sub, create=True)
    sub = command("update-event-source-mapping", _update, "Change a mapping (2015-03-31).")
    sub.add_argument("uuid")
    sub.add_argument("--function-name")
    _add_setting_flags(sub, create=False)
    sub = command(
        "get-event-source-mapping",
        lambda c, a: c.get_event_source_mapping(a.uuid),
        "Describe a mapping (2015-03-31).",
    )
    sub.add_argument("uuid")
    sub = command(
        "delete-event-source-mapping",
        lambda c, a: c.delete_event_source_mapping(a.uuid),
        "Delete a mapping (2015-03-31).",
    )
    sub.add_argument("uuid")
    sub = command(
        "wait-for-event-source-mapping",
        lambda c, a: c.wait_for_event_source_mapping(a.uuid, state=a.state, timeout=a.timeout),
        "Wait until a mapping is Enabled, Disabled or Deleted.",
    )
    sub.add_argument("uuid")
    sub.add_argument("--state", default="Enabled", choices=("Enabled", "Disabled", "Deleted"))
    sub.add_argument("--timeout", type=float, default=300.0)

    sub = command("serve", None, "Run a local Lambda endpoint (FakeLambda) until interrupted.")
    sub.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; any other prints a warning)",
    )
    sub.add_argument("--port", type=int, default=0, help="0 to 65535; 0 picks a free port")
    sub.add_argument(
        "--account-id", default="123456789012", help="the account in the ARNs it makes"
    )
    sub.add_argument(
        "--access-key-id",
        help="verify signatures made with this key (else AWS_ACCESS_KEY_ID; "
        "prefer the environment: options show in the process list)",
    )
    sub.add_argument("--secret-access-key", help="the key's secret (else AWS_SECRET_ACCESS_KEY)")
    sub.add_argument("--session-token", help="require this session token (else AWS_SESSION_TOKEN)")
    sub.add_argument(
        "--no-verify",
        action="store_true",
        help="accept any well-formed signature, whatever its key",
    )
    sub.add_argument(
        "--state",
        metavar="FILE",
        help="keep the mappings and functions in this JSON file (loaded on start, "
        "replaced atomically after every change)",
    )
    sub.add_argument(
        "--function",
        dest="functions",
        action="append",
        default=[],
        metavar="NAME",
        help="register a function (repeatable); once any is, mappings for others get 404",
    )
    return parser


def _jsonable(result: Any) -> Any:
    if isinstance(result, WireModel):
        return result.to_dict()
    if isinstance(result, list):
        return [_jsonable(item) for item in result]
    return result


async def _run(args: argparse.Namespace) -> Any:
    async with AsyncClient(**_client_settings(args)) as client:
        return await args.handler(client, args)


def _configure_rows(
    config: Config, credentials: Credentials | None, credential_source: str | None
) -> list[tuple[str, str, str, str]]:
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
    # The chain as a call would walk it (STS, SSO and processes included);
    # nothing found shows as not set, as in `aws configure list`.
    async with AsyncClient(**settings) as client:
        try:
            return await client._transport.credentials_in_use()
        except ConfigurationError:
            return None, None


def _configure_list(args: argparse.Namespace) -> int:
    settings = _client_settings(args)
    config = resolve_config(ClientSettings(**settings))
    credentials, source = asyncio.run(_credentials_in_use(settings))
    rows = [("Name", "Value", "Type", "Location"), ("----", "-----", "----", "--------")]
    rows += _configure_rows(config, credentials, source)
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for name, value, kind, location in rows:
        print(
            f"{name:>{widths[0]}}  {value:>{widths[1]}}  {kind:>{widths[2]}}  {location}".rstrip()
        )
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .testing._serve import run  # the server side is not needed by other commands

    return run(args)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: the arguments (``sys.argv[1:]`` when ``None``).

    Returns:
        The exit status.
    """
    args = build_parser().parse_args(argv)
    _global_values(args)
    if args.command == "configure":
        try:
            return _configure_list(args)
        except (ParamValidationError, ConfigurationError) as exc:
            print(f"lambda-es: error: {exc}", file=sys.stderr)
            return 2
    if args.command == "serve":
        return _serve(args)
    try:
        result = asyncio.run(_run(args))
    except (ParamValidationError, ConfigurationError) as exc:
        print(f"lambda-es: error: {exc}", file=sys.stderr)
        return 2
    except LambdaESError as exc:
        print(f"lambda-es: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if result is not None:
        print(json.dumps(_jsonable(result), indent=2, sort_keys=False))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
