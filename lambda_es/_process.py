"""``credential_process``: a command that prints credentials as JSON.

The command line is split as the AWS CLI splits it (``shlex``, POSIX rules)
and run without a shell through ``asyncio.create_subprocess_exec``, so the
event loop never waits for it. Its output must be the JSON of version 1:
``{"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?,
"Expiration"?}``. What it writes to stderr is never shown: helpers that fail
often print the secret they could not use.
"""

from __future__ import annotations

import asyncio
import json
import shlex
from collections.abc import Mapping

from ._credentials import Credentials, Issued, SourceError, parse_expiry

__all__ = ["DEFAULT_TIMEOUT", "run_credential_process"]

#: How long the command may run, in seconds.
DEFAULT_TIMEOUT = 60.0
#: The most output read from the command.
_MAX_OUTPUT = 1024 * 1024


def _decode(stdout: bytes, where: str) -> Issued:
    problem: str | None = None
    try:
        payload = json.loads(stdout)
    except ValueError as exc:
        # Only the error's type: the parser quotes the text, which may be a key.
        problem = type(exc).__name__
    if problem is not None:
        raise SourceError(f"{where}: the output is not JSON ({problem})")
    if not isinstance(payload, dict):
        raise SourceError(f"{where}: the output is not a JSON object")
    if payload.get("Version") != 1:
        raise SourceError(f"{where}: the output's Version must be 1")
    key, secret = payload.get("AccessKeyId"), payload.get("SecretAccessKey")
    token, expiration = payload.get("SessionToken"), payload.get("Expiration")
    if not isinstance(key, str) or not key:
        raise SourceError(f"{where}: the output has no AccessKeyId string")
    if not isinstance(secret, str) or not secret:
        raise SourceError(f"{where}: the output has no SecretAccessKey string")
    if token is not None and not isinstance(token, str):
        raise SourceError(f"{where}: the output's SessionToken is not a string")
    expires: float | None = None
    if expiration is not None:
        try:
            expires = parse_expiry(expiration)
        except ValueError:
            raise SourceError(f"{where}: the output's Expiration is not an ISO 8601 time") from None
    return Issued(Credentials(key, secret, token or None), expires)


async def run_credential_process(
    command: str,
    *,
    where: str,
    environ: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Issued:
    """Run a ``credential_process`` command and read its credentials.

    Args:
        command: the command line from the profile.
        where: the source's description, for messages.
        environ: the environment to run it in (the process's own when None).
        timeout: how long it may run, in seconds; it is killed after.

    Returns:
        The credentials it printed and their expiry.

    Raises:
        SourceError: it cannot be started, runs too long, exits with a
            status other than 0, or prints something that is not version 1
            credentials. The message never includes its output or stderr.
    """
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise SourceError(f"{where}: the command line cannot be split: {exc}") from None
    if not argv:
        raise SourceError(f"{where}: the command is empty")
    failure: str | None = None
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=None if environ is None else dict(environ),
            limit=_MAX_OUTPUT,
        )
    except OSError as exc:
        failure = f"{argv[0]!r} cannot be started: {type(exc).__name__}: {exc.strerror}"
    if failure is not None:
        raise SourceError(f"{where}: {failure}")
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), timeout)
    except asyncio.TimeoutError:
        failure = f"{argv[0]!r} did not finish within {timeout:g}s and was killed"
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    if failure is not None:
        raise SourceError(f"{where}: {failure}")
    if process.returncode != 0:
        raise SourceError(
            f"{where}: {argv[0]!r} exited with status {process.returncode} "
            f"(its stderr, {len(stderr)} bytes, is not shown: it may hold secrets)"
        )
    if len(stdout) > _MAX_OUTPUT:
        raise SourceError(f"{where}: the output is larger than {_MAX_OUTPUT} bytes")
    return _decode(stdout, where)
