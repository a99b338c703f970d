"""Where credentials come from: the argument, the environment, the shared files.

Resolution runs on the first request, never in a constructor, and reads the
files once per client.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Mapping
from typing import Any, Protocol

import attrs

from ._errors import ConfigurationError
from ._shared_files import load, paths, profile_name

__all__ = [
    "Credentials",
    "CredentialsProvider",
    "botocore_credentials",
    "load_profile",
    "resolve_credentials",
]


@attrs.frozen
class Credentials:
    """AWS credentials.

    The repr shows the access key id (it is not a secret, and it tells which
    key is in use) but never the secret key or the session token.

    Args:
        access_key_id: the access key id (``AKIA...`` or ``ASIA...``).
        secret_access_key: the secret key.
        session_token: the session token of temporary credentials, if any.
    """

    access_key_id: str
    secret_access_key: str = attrs.field(repr=False)
    session_token: str | None = attrs.field(default=None, repr=False)

    def __attrs_post_init__(self) -> None:
        for name in ("access_key_id", "secret_access_key"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ConfigurationError(f"Credentials.{name} must be a non-empty str")
        if self.session_token is not None and not isinstance(self.session_token, str):
            raise ConfigurationError("Credentials.session_token must be a str or None")


def load_profile(profile: str | None, environ: Mapping[str, str]) -> dict[str, str]:
    """Read one profile from the shared credentials and config files.

    The credentials file's ``[name]`` section wins over the config file's
    ``[profile name]`` (or ``[default]``) section, as in the AWS CLI.

    Args:
        profile: the profile name, or ``None`` for ``AWS_PROFILE`` or ``default``.
        environ: the environment to read file locations from.

    Returns:
        The profile's keys and values (empty when the profile is nowhere).

    Raises:
        ConfigurationError: a profile was named explicitly and exists in neither file,
            or a file cannot be parsed.
    """
    name = profile_name(profile, environ)
    files = load(environ)
    if not files.has_profile(name) and (profile or environ.get("AWS_PROFILE")):
        raise ConfigurationError(
            f"profile {name!r} was not found in {files.credentials_path} or {files.config_path}"
        )
    return files.profile(name)


def resolve_credentials(
    explicit: Credentials | None,
    profile: str | None,
    environ: Mapping[str, str] | None = None,
) -> Credentials:
    """Find credentials: the argument, then the environment, then the shared files.

    Args:
        explicit: credentials given to the client, used as they are.
        profile: the profile to read from the shared files.
        environ: the environment (``os.environ`` by default).

    Returns:
        The credentials.

    Raises:
        ConfigurationError: none were found; the message lists where it looked.
    """
    if explicit is not None:
        return explicit
    env = os.environ if environ is None else environ
    # An explicit profile= means the caller wants the files, not the environment.
    if profile is None:
        key, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
        if key and secret:
            return Credentials(key, secret, env.get("AWS_SESSION_TOKEN") or None)
    values = load_profile(profile, env)
    key, secret = values.get("aws_access_key_id"), values.get("aws_secret_access_key")
    if key and secret:
        return Credentials(key, secret, values.get("aws_session_token") or None)
    config_path, credentials_path = paths(env)
    raise ConfigurationError(
        "no AWS credentials found: looked at the credentials= argument, "
        "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, and profile "
        f"{profile_name(profile, env)!r} in {credentials_path} and {config_path}"
    )


class CredentialsProvider(Protocol):
    """What ``credentials=`` takes besides :class:`Credentials`: a source awaited per attempt.

    Any ``async def provider() -> Credentials`` fits. The client awaits it
    before signing each attempt, so credentials that expire and are
    refreshed (or rotated) are picked up; it should be cheap when nothing
    changed.
    """

    def __call__(self) -> Awaitable[Credentials]:
        """Return (an awaitable of) the credentials to sign the next attempt with."""


class _BotocoreCredentials:
    """Credentials from botocore's chain, refreshed as botocore decides."""

    def __init__(self, profile: str | None, session: Any) -> None:
        self._profile = profile
        self._session = session
        self._source: Any = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<botocore_credentials profile={self._profile!r}>"

    def _find(self) -> Any:
        session = self._session
        if session is None:
            import botocore.session  # the optional extra: loaded only when asked for

            session = botocore.session.Session(profile=self._profile)
        source = session.get_credentials()
        if source is None:
            raise ConfigurationError(
                "botocore found no credentials (it looked at the environment, the shared "
                "files, SSO, web identity, the container and instance metadata)"
            )
        return source

    async def __call__(self) -> Credentials:
        async with self._lock:
            if self._source is None:
                # botocore's chain may block on the network (instance metadata).
                self._source = await asyncio.to_thread(self._find)
            source = self._source
            refresh_needed = getattr(source, "refresh_needed", None)
            if callable(refresh_needed) and refresh_needed():
                frozen = await asyncio.to_thread(source.get_frozen_credentials)
            else:
                frozen = source.get_frozen_credentials()
        return Credentials(frozen.access_key, frozen.secret_key, frozen.token or None)


def botocore_credentials(*, profile: str | None = None, session: Any = None) -> CredentialsProvider:
    """Use botocore's whole credential chain, with its refresh, as a lambda_es provider.

    lambda_es reads static credentials itself (argument, environment, shared
    files). For everything else botocore knows - SSO, assume-role profiles,
    web identity (EKS), container credentials (ECS), instance metadata (EC2),
    ``credential_process`` - install the extra (``pip install
    'lambda-es[botocore]'``) and pass ``credentials=botocore_credentials()``.
    botocore is imported on the first call, and its blocking lookups and
    refreshes run in a worker thread.

    Args:
        profile: the profile to use (botocore's default chain when ``None``).
        session: a ``botocore.session.Session`` to take credentials from instead.

    Returns:
        A provider to pass as ``credentials=``.
    """
    return _BotocoreCredentials(profile, session)
