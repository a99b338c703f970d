"""``lambda-es serve``: run a FakeLambda until interrupted.

Signatures are verified against the credentials given by
``--access-key-id``/``--secret-access-key`` (and ``--session-token``) or, failing
those, by ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` (``AWS_SESSION_TOKEN``);
``--no-verify``, or no credentials at all, accepts any well-formed signature.
The banner says which, and never shows a secret.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import sys
from collections.abc import Callable

from lambda_es._credentials import Credentials

from ._server import FakeLambda
from ._state import StateFileError

__all__ = ["run"]

_PROG = "lambda-es serve"


class _UsageError(Exception):
    """A bad combination of options (exit status 2)."""


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _credentials(args: argparse.Namespace) -> tuple[Credentials | None, str]:
    """The credentials to verify with, and where they came from (for the banner)."""
    given = (args.access_key_id, args.secret_access_key)
    if args.no_verify:
        if any(given) or args.session_token:
            raise _UsageError("--no-verify cannot be combined with credentials")
        return None, "--no-verify"
    if any(given) or args.session_token:
        if not all(given):
            raise _UsageError("--access-key-id and --secret-access-key go together")
        return Credentials(*given, args.session_token or None), "--access-key-id"
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if key and secret:
        token = os.environ.get("AWS_SESSION_TOKEN") or None
        return Credentials(key, secret, token), "AWS_ACCESS_KEY_ID"
    return None, ""


def _masked(key: str) -> str:
    # As `aws configure list` shows keys: enough to recognise, not to use.
    return "*" * max(len(key) - 4, 4) + key[-4:]


def _banner(
    fake: FakeLambda, credentials: Credentials | None, source: str, state: str | None
) -> str:
    if credentials is not None:
        token = ", with its session token" if credentials.session_token else ""
        signatures = (
            f"checked (access key {_masked(credentials.access_key_id)}{token}, from {source})"
        )
    elif source == "--no-verify":
        signatures = "not checked (--no-verify): any well-formed signature is accepted"
    else:
        signatures = (
            "not checked (no credentials: give --access-key-id/--secret-access-key or set "
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY to check them)"
        )
    functions = ", ".join(sorted(fake.functions)) or "any (none registered)"
    return "\n".join(
        (
            f"FakeLambda listening on {fake.endpoint_url} (Ctrl-C to stop)",
            f"  region: {fake.region}, account: {fake.account_id}",
            f"  signatures: {signatures}",
            f"  functions: {functions}",
            f"  state: {state or 'in memory only'}",
        )
    )


async def _serve(fake: FakeLambda, banner: Callable[[FakeLambda], str]) -> None:
    async with fake:
        print(banner(fake), flush=True)
        await asyncio.Event().wait()


def run(args: argparse.Namespace) -> int:
    """Run ``lambda-es serve`` with its parsed arguments.

    Args:
        args: ``host``, ``port``, ``account_id``, ``access_key_id``,
            ``secret_access_key``, ``session_token``, ``no_verify``, ``state``,
            ``functions`` and the global ``region``.

    Returns:
        The exit status: 130 after Ctrl-C, 1 when the fake cannot start (the
        state file, the address), 2 for bad options.
    """
    try:
        credentials, source = _credentials(args)
        if not 0 <= args.port <= 65535:
            raise _UsageError(f"--port must be 0 to 65535, not {args.port}")
        # Clients sign for a region; the fake must be in the same one.
        region = (
            args.region
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or "us-east-1"
        )
        fake = FakeLambda(
            host=args.host,
            port=args.port,
            region=region,
            account_id=args.account_id,
            credentials=credentials,
            state_path=args.state,
        )
        fake.add_function(*args.functions)
    except (_UsageError, ValueError) as exc:
        print(f"{_PROG}: error: {exc}", file=sys.stderr)
        return 2
    if not _is_loopback(args.host):
        print(
            f"{_PROG}: warning: listening on {args.host}, not loopback: anyone who can reach "
            "this machine can use the fake and change its state",
            file=sys.stderr,
            flush=True,
        )
    try:
        asyncio.run(_serve(fake, lambda f: _banner(f, credentials, source, args.state)))
    except KeyboardInterrupt:
        # Ctrl-C is how serve stops; it ends as every lambda-es command does on
        # Ctrl-C: one line and 130, the shell's status for SIGINT.
        print("lambda-es: interrupted", file=sys.stderr)
        return 130
    except StateFileError as exc:
        print(f"{_PROG}: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"{_PROG}: error: cannot listen on {args.host} port {args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 1
    return 0
