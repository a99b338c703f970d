"""``lambda-es``: the command line, one subcommand per operation, and ``serve``.

Each subcommand prints its result with AWS member names (the models'
``to_dict()``), as JSON (the default), a table or tab-separated text
(``--output``), optionally narrowed by a JMESPath ``--query``, as the AWS CLI
does. ``list-*`` print the response shape (``{"EventSourceMappings": [...]}``)
with every page, or one page and its ``NextMarker`` when given ``--max-items``
or ``--starting-token``. Settings of the current API are flags made from the
same table that checks them (see ``_cli_args``).

Global options (``--profile``, ``--region``, ``--endpoint-url``,
``--ca-bundle``, ``--no-verify-ssl``, ``--allow-http``, ``--output``,
``--query``, ``--debug``, ``--version``) go before or after the subcommand.
``lambda-es configure list`` prints every setting as the client resolves it,
where it came from, secrets masked, as ``aws configure list`` does.

Exit status: 0 on success; 1 when the call failed (the one line on stderr
says whether the service answered, with its status, code and request id, or
the connection failed, or a local check refused); 2 for a usage or
validation error (nothing was sent); 130 when interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

from ._cli_args import (
    CliParser,
    add_setting_flags,
    query_argument,
    settings_from,
    string_argument,
)
from ._cli_output import FORMATS, render
from ._client import AsyncClient
from ._config import ClientSettings, Config, Source, Sourced, mask, resolve_config
from ._errors import (
    APIError,
    ConfigurationError,
    DecodeError,
    LambdaESError,
    ParamValidationError,
    ResourceConflictError,
    TransportError,
    WaiterError,
)
from ._mapping_models import EventSourceMapping
from ._models import WireModel
from ._validate import INITIAL_POSITIONS

__all__ = ["main"]

Handler = Callable[[AsyncClient, argparse.Namespace], Awaitable[Any]]


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


def _one_page(a: argparse.Namespace) -> bool:
    return a.max_items is not None or a.starting_token is not None


async def _list_legacy(client: AsyncClient, a: argparse.Namespace) -> Any:
    filters = {"event_source_arn": a.event_source_arn, "function_name": a.function_name}
    if _one_page(a):
        page = await client.list_event_sources(
            **filters, marker=a.starting_token, max_items=a.max_items
        )
        return page.to_dict()
    items = client.iter_event_sources(**filters, page_size=a.page_size)
    return {"EventSources": [item.to_dict() async for item in items]}


async def _list_current(client: AsyncClient, a: argparse.Namespace) -> Any:
    filters = {"event_source_arn": a.event_source_arn, "function_name": a.function_name}
    if _one_page(a):
        page = await client.list_event_source_mappings(
            **filters, marker=a.starting_token, max_items=a.max_items
        )
        return page.to_dict()
    items = client.iter_event_source_mappings(**filters, page_size=a.page_size)
    return {"EventSourceMappings": [item.to_dict() async for item in items]}


async def _create(client: AsyncClient, a: argparse.Namespace) -> Any:
    return await client.create_event_source_mapping(
        function_name=a.function_name,
        event_source_arn=a.event_source_arn,
        **settings_from(a, create=True),
    )


async def _ensure(client: AsyncClient, a: argparse.Namespace) -> Any:
    return await client.ensure_event_source_mapping(
        function_name=a.function_name,
        event_source_arn=a.event_source_arn,
        **settings_from(a, create=True),
    )


async def _update(client: AsyncClient, a: argparse.Namespace) -> Any:
    return await client.update_event_source_mapping(
        a.uuid, function_name=a.function_name, **settings_from(a, create=False)
    )


async def _wait(client: AsyncClient, a: argparse.Namespace) -> Any:
    started = time.monotonic()

    def progress(mapping: EventSourceMapping) -> None:
        # stderr, so that stdout stays the one result a script reads.
        elapsed = time.monotonic() - started
        print(f"lambda-es: mapping {a.uuid} is {mapping.state} ({elapsed:.1f}s)", file=sys.stderr)

    return await client.wait_for_event_source_mapping(
        a.uuid, state=a.state, timeout=a.timeout, on_state=progress
    )


#: The global options: (flag, keywords). Accepted before or after the subcommand.
_GLOBAL_OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "--profile",
        {
            "help": "profile of the shared AWS files (else AWS_PROFILE, AWS_DEFAULT_PROFILE, default)"
        },
    ),
    (
        "--region",
        {"help": "AWS region, e.g. us-east-1 (else AWS_REGION, AWS_DEFAULT_REGION, the profile)"},
    ),
    (
        "--endpoint-url",
        {
            "metavar": "URL",
            "help": "Lambda endpoint (else AWS_ENDPOINT_URL_LAMBDA, AWS_ENDPOINT_URL, the "
            "profile, the region's endpoint)",
        },
    ),
    (
        "--ca-bundle",
        {
            "metavar": "PATH",
            "help": "CA bundle (PEM) to verify TLS with (else AWS_CA_BUNDLE, the profile's "
            "ca_bundle, the default trust store)",
        },
    ),
    (
        "--no-verify-ssl",
        {"action": "store_true", "help": "do not verify TLS certificates (a warning is logged)"},
    ),
    (
        "--allow-http",
        {
            "action": "store_true",
            "help": "allow plain http to a host that is not loopback (else LAMBDA_ES_ALLOW_HTTP=1)",
        },
    ),
    (
        "--output",
        {
            "choices": FORMATS,
            "help": "how to print the result: json (the default), table (boxes, for reading) "
            "or text (tab-separated, as the AWS CLI's)",
        },
    ),
    (
        "--query",
        {
            "metavar": "JMESPATH",
            "type": query_argument,
            "help": "a JMESPath expression applied to the result before printing "
            "(e.g. 'EventSourceMappings[].UUID')",
        },
    ),
    (
        "--debug",
        {
            "action": "store_true",
            "help": "log each HTTP attempt (operation, status, request id, retry decision) "
            "on stderr; credentials and signatures are never logged",
        },
    ),
)


def _global_options() -> CliParser:
    # SUPPRESS as the default: an option left out after the subcommand must
    # not overwrite the same option given before it.
    shared = CliParser(add_help=False)
    for flag, options in _GLOBAL_OPTIONS:
        shared.add_argument(flag, default=argparse.SUPPRESS, **options)
    from . import __version__

    shared.add_argument(
        "--version",
        action="version",
        version=f"lambda-es {__version__}",
        help="print the version of lambda-es and exit",
    )
    return shared


def _global_values(args: argparse.Namespace) -> None:
    for flag, options in _GLOBAL_OPTIONS:
        name = flag[2:].replace("-", "_")
        if not hasattr(args, name):
            setattr(args, name, False if options.get("action") == "store_true" else None)
    if args.output is None:
        args.output = "json"


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


_UUID_HELP = "the mapping's UUID (36 characters)"
_FUNCTION_HELP = "the function's name, ARN or partial ARN (1 to 256 characters; or file://PATH)"
_SOURCE_HELP = (
    "the event source's ARN (Kinesis, DynamoDB, SQS, MQ, MSK, DocumentDB; or file://PATH)"
)


def _add_list_options(sub: argparse.ArgumentParser, *, legacy: bool) -> None:
    sub.add_argument(
        "--event-source-arn",
        type=string_argument,
        help="only the mappings of this source" + (" (sent as EventSource)" if legacy else ""),
    )
    sub.add_argument(
        "--function-name", type=string_argument, help="only the mappings of this function"
    )
    sub.add_argument(
        "--max-items",
        type=int,
        metavar="N",
        help="print one page of at most N mappings (1 to 10000) and its NextMarker, "
        "instead of every page",
    )
    sub.add_argument(
        "--starting-token",
        metavar="MARKER",
        help="print the page that starts at this NextMarker of an earlier page",
    )
    sub.add_argument(
        "--page-size",
        type=int,
        metavar="N",
        help="mappings per request while following every page (1 to 10000; the "
        "service's default if not given); the output is the same",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one subcommand per operation.

    Returns:
        The parser; each subcommand sets ``handler`` (or ``serve``).
    """
    shared = _global_options()
    parser = CliParser(
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
    sub.add_argument(
        "--event-source",
        required=True,
        type=string_argument,
        help="the Kinesis or DynamoDB stream's ARN (or file://PATH)",
    )
    sub.add_argument(
        "--function-name",
        required=True,
        type=string_argument,
        help="the function's name (1 to 64 characters; or file://PATH)",
    )
    sub.add_argument(
        "--role",
        required=True,
        type=string_argument,
        help="the ARN of the IAM role Lambda assumes to read the stream (or file://PATH)",
    )
    sub.add_argument(
        "--batch-size",
        type=int,
        metavar="N",
        help="the most records per batch (1 to 10000; the service's default if not given)",
    )
    sub.add_argument(
        "--initial-position",
        choices=INITIAL_POSITIONS,
        help="where in the stream to start reading (Parameters.InitialPositionInStream)",
    )

    sub = command(
        "get-event-source",
        lambda c, a: c.get_event_source(a.uuid),
        "Describe a legacy mapping (2014-11-13).",
    )
    sub.add_argument("uuid", help="the mapping's UUID")
    sub = command("list-event-sources", _list_legacy, "List every legacy mapping (2014-11-13).")
    _add_list_options(sub, legacy=True)
    sub = command("list-event-source-mappings", _list_current, "List every mapping (2015-03-31).")
    _add_list_options(sub, legacy=False)
    sub = command(
        "remove-event-source",
        lambda c, a: c.remove_event_source(a.uuid),
        "Delete a legacy mapping (2014-11-13).",
    )
    sub.add_argument("uuid", help="the mapping's UUID")

    for name, handler, text in (
        ("create-event-source-mapping", _create, "Create a mapping (2015-03-31)."),
        ("ensure-event-source-mapping", _ensure, "Create the mapping, or update it to match."),
    ):
        sub = command(name, handler, text)
        sub.add_argument(
            "--function-name", required=True, type=string_argument, help=_FUNCTION_HELP
        )
        sub.add_argument(
            "--event-source-arn",
            required=name.startswith("ensure"),
            type=string_argument,
            help=_SOURCE_HELP,
        )
        add_setting_flags(sub, create=True)
    sub = command("update-event-source-mapping", _update, "Change a mapping (2015-03-31).")
    sub.add_argument("uuid", help=_UUID_HELP)
    sub.add_argument(
        "--function-name", type=string_argument, help="move the mapping to this function"
    )
    add_setting_flags(sub, create=False)
    sub = command(
        "get-event-source-mapping",
        lambda c, a: c.get_event_source_mapping(a.uuid),
        "Describe a mapping (2015-03-31).",
    )
    sub.add_argument("uuid", help=_UUID_HELP)
    sub = command(
        "delete-event-source-mapping",
        lambda c, a: c.delete_event_source_mapping(a.uuid),
        "Delete a mapping (2015-03-31).",
    )
    sub.add_argument("uuid", help=_UUID_HELP)
    sub = command(
        "wait-for-event-source-mapping",
        _wait,
        "Wait until a mapping is Enabled, Disabled or Deleted, printing each state on stderr.",
    )
    sub.add_argument("uuid", help=_UUID_HELP)
    sub.add_argument(
        "--state",
        default="Enabled",
        choices=("Enabled", "Disabled", "Deleted"),
        help="the state to wait for (default Enabled; Deleted: until Lambda no longer knows it)",
    )
    sub.add_argument(
        "--timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="the most seconds to wait, more than 0 (default 300); polls back off from 1 s to 10 s",
    )

    sub = command("serve", None, "Run a local Lambda endpoint (FakeLambda) until interrupted.")
    sub.add_argument("--host", default="127.0.0.1")
    sub.add_argument("--port", type=int, default=0, help="0 picks a free port")
    sub.add_argument(
        "--account-id", default="123456789012", help="the account in the ARNs it makes"
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


def _print_result(args: argparse.Namespace, result: Any) -> None:
    data = _jsonable(result)
    if args.query is not None:
        data = args.query.search(data)
    title = "".join(word.capitalize() for word in args.command.split("-"))
    sys.stdout.write(render(data, args.output, title=title))


def _configure_rows(config: Config) -> list[tuple[str, str, str, str]]:
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


def _configure_list(args: argparse.Namespace) -> int:
    config = resolve_config(ClientSettings(**_client_settings(args)))
    rows = [("Name", "Value", "Type", "Location"), ("----", "-----", "----", "--------")]
    rows += _configure_rows(config)
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for name, value, kind, location in rows:
        print(
            f"{name:>{widths[0]}}  {value:>{widths[1]}}  {kind:>{widths[2]}}  {location}".rstrip()
        )
    return 0


async def _serve(host: str, port: int, region: str, account_id: str) -> None:
    from .testing import FakeLambda  # the server side is not needed by other commands

    async with FakeLambda(host=host, port=port, region=region, account_id=account_id) as fake:
        print(f"FakeLambda listening on {fake.endpoint_url} (Ctrl-C to stop)", flush=True)
        await asyncio.Event().wait()


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _error_line(exc: LambdaESError) -> tuple[int, str]:
    """The exit status and the line for an error: what failed, and where it came from."""
    name = type(exc).__name__
    if isinstance(exc, (ParamValidationError, ConfigurationError)):
        return 2, f"error (local check, nothing sent): {name}: {exc}"
    if isinstance(exc, APIError):
        # Every response from Lambda carries x-amzn-RequestId; a conflict
        # without one was raised here, by ensure, comparing settings.
        if isinstance(exc, ResourceConflictError) and exc.request_id is None:
            return 1, f"error (local check): {name}: {exc.message}"
        origin = [f"HTTP {exc.status}"]
        if exc.code:
            origin.append(exc.code)
        origin.append(f"request id {exc.request_id or '(none)'}")
        if exc.attempts > 1:
            origin.append(f"after {exc.attempts} attempts")
        return 1, f"error from the service ({', '.join(origin)}): {name}: {exc.message}"
    if isinstance(exc, TransportError):
        return 1, f"error (no response from the service): {name}: {exc}"
    if isinstance(exc, WaiterError):
        return 1, f"error (waiter, {exc.reason}): {name}: {exc}"
    if isinstance(exc, DecodeError):
        return 1, f"error (the service's answer was not understood): {name}: {exc}"
    return 1, f"error: {name}: {exc}"


@contextlib.contextmanager
def _debug_log(enabled: bool) -> Iterator[None]:
    """With ``--debug``, the ``lambda_es`` logger's DEBUG lines go to stderr."""
    if not enabled:
        yield
        return
    logger = logging.getLogger("lambda_es")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: the arguments (``sys.argv[1:]`` when ``None``).

    Returns:
        The exit status: 0, 1 (the call failed), 2 (usage or validation; nothing
        sent) or 130 (interrupted).
    """
    try:
        return _main(argv)
    except KeyboardInterrupt:
        # Ctrl-C is a request, not a crash: one line, and the shell's status for SIGINT.
        print("lambda-es: interrupted", file=sys.stderr)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    _global_values(args)
    if args.command == "configure":
        try:
            return _configure_list(args)
        except (ParamValidationError, ConfigurationError) as exc:
            status, line = _error_line(exc)
            print(f"lambda-es: {_one_line(line)}", file=sys.stderr)
            return status
    if args.command == "serve":
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C is how serve stops
            # Clients sign for a region; the fake must be in the same one.
            region = args.region or os.environ.get("AWS_REGION") or "us-east-1"
            asyncio.run(_serve(args.host, args.port, region, args.account_id))
        return 0
    try:
        with _debug_log(args.debug):
            result = asyncio.run(_run(args))
    except LambdaESError as exc:
        status, line = _error_line(exc)
        print(f"lambda-es: {_one_line(line)}", file=sys.stderr)
        return status
    if result is not None:
        _print_result(args, result)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
