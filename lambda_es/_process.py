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
import shlex
from collections.abc import Mapping

from ._credentials import Issued, SourceError, issued_from_json

__all__ = ["DEFAULT_TIMEOUT", "run_credential_process"]

#: How long the command may run, in seconds.
DEFAULT_TIMEOUT = 60.0
#: The most output read from the command.
_MAX_OUTPUT = 1024 * 1024


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
    return issued_from_json(
        stdout, where=where, what="the output", token_key="SessionToken", version=1
    )
