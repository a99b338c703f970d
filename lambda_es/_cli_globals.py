"""The command line's global options, accepted before or after the subcommand.

Each is added to the top parser and again to every subcommand's, with
``SUPPRESS`` as the default so that one left out after the subcommand does
not overwrite the same one given before it; :func:`global_values` then fills
in the defaults.
"""

from __future__ import annotations

import argparse
from typing import Any

from ._cli_args import CliParser, query_argument
from ._cli_output import FORMATS

__all__ = ["client_settings", "global_options", "global_values"]


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


def global_options() -> CliParser:
    """A parent parser holding every global option (and ``--version``)."""
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


def global_values(args: argparse.Namespace) -> None:
    """Give each global option left out its default (json for ``--output``)."""
    for flag, options in _GLOBAL_OPTIONS:
        name = flag[2:].replace("-", "_")
        if not hasattr(args, name):
            setattr(args, name, False if options.get("action") == "store_true" else None)
    if args.output is None:
        args.output = "json"


def client_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The client keywords the global options give (``None`` where not given)."""
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
