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
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from typing import Any

import attrs

from ._cli_args import CliParser, add_setting_flags, settings_from, string_argument
from ._cli_configure import configure_list
from ._cli_globals import client_settings, global_options, global_values
from ._cli_output import error_line, one_line, render
from ._client import AsyncClient
from ._errors import ConfigurationError, LambdaESError, ParamValidationError
from ._model_base import WireModel
from ._service_model import CURRENT_PARAMETERS, LEGACY_PARAMETERS, SETTINGS, EventSourceMapping
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


async def _list(
    a: argparse.Namespace,
    key: str,
    one_page: Callable[..., Awaitable[WireModel]],
    every_item: Callable[..., AsyncIterator[WireModel]],
) -> Any:
    # One page (and its NextMarker) when asked for, else every page, as the AWS CLI does.
    filters = {"event_source_arn": a.event_source_arn, "function_name": a.function_name}
    if a.max_items is not None or a.starting_token is not None:
        page = await one_page(**filters, marker=a.starting_token, max_items=a.max_items)
        return page.to_dict()
    items = every_item(**filters, page_size=a.page_size)
    return {key: [item.to_dict() async for item in items]}


async def _list_legacy(client: AsyncClient, a: argparse.Namespace) -> Any:
    return await _list(a, "EventSources", client.list_event_sources, client.iter_event_sources)


async def _list_current(client: AsyncClient, a: argparse.Namespace) -> Any:
    return await _list(
        a,
        "EventSourceMappings",
        client.list_event_source_mappings,
        client.iter_event_source_mappings,
    )


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

    mapping = await client.wait_for_event_source_mapping(
        a.uuid, state=a.state, timeout=a.timeout, on_state=progress
    )
    if a.state == "Deleted":
        # Lambda no longer knows it: no poll reported this state, so say it here.
        progress(attrs.evolve(mapping, state="Deleted"))
    return mapping


def _span(bounds: tuple[int, int]) -> str:
    # A range of the service model, as help text reads it.
    low, high = bounds
    return f"{low}" if low == high else f"{low} to {high}"


# Every bound in the help comes from the service model (see _service_model).
_UUID_HELP = f"the mapping's UUID ({_span(CURRENT_PARAMETERS['UUID']['length'])} characters)"
_FUNCTION_HELP = (
    "the function's name, ARN or partial ARN "
    f"({_span(CURRENT_PARAMETERS['FunctionName']['length'])} characters; or file://PATH)"
)
_MAX_ITEMS = _span(CURRENT_PARAMETERS["MaxItems"]["range"])
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
        help=f"print one page of at most N mappings ({_MAX_ITEMS}) and its NextMarker, "
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
        help=f"mappings per request while following every page ({_MAX_ITEMS}; the "
        "service's default if not given); the output is the same",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with one subcommand per operation.

    Returns:
        The parser; each subcommand sets ``handler`` (or ``serve``).
    """
    shared = global_options()
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
        help=f"the function's name ({_span(LEGACY_PARAMETERS['FunctionName']['length'])} "
        "characters; or file://PATH)",
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
        help=f"the most records per batch ({_span(SETTINGS['batch_size'].rules['range'])}; "
        "the service's default if not given)",
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
    async with AsyncClient(**client_settings(args)) as client:
        return await args.handler(client, args)


def _print_result(args: argparse.Namespace, result: Any) -> int:
    data = _jsonable(result)
    if args.query is not None:
        data = args.query.search(data)
    title = "".join(word.capitalize() for word in args.command.split("-"))
    try:
        sys.stdout.write(render(data, args.output, title=title))
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader left (`| head`): stop quietly, and point stdout at
        # /dev/null so that the interpreter's last flush does not fail too.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .testing._serve import run  # the server side is not needed by other commands

    return run(args)


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
    global_values(args)
    if args.command == "configure":
        try:
            return configure_list(client_settings(args))
        except (ParamValidationError, ConfigurationError) as exc:
            status, line = error_line(exc)
            print(f"lambda-es: {one_line(line)}", file=sys.stderr)
            return status
    if args.command == "serve":
        return _serve(args)
    try:
        with _debug_log(args.debug):
            result = asyncio.run(_run(args))
    except LambdaESError as exc:
        status, line = error_line(exc)
        print(f"lambda-es: {one_line(line)}", file=sys.stderr)
        return status
    return _print_result(args, result) if result is not None else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
