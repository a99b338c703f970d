"""What credentials are, and what the sources of the chain share.

:class:`Credentials` is the value that signs; :class:`CredentialsProvider` is
what ``credentials=`` takes besides one. The sources of the default chain
(:mod:`lambda_es._chain` and the modules it calls) hand back :class:`Issued`
credentials, with their expiry, and reach the network only through an
:data:`lambda_es._fetch.HTTPFetch` that the transport provides, so that no
module but the transport knows aiohttp's client.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import time
from collections.abc import Awaitable
from typing import Any, Protocol

import attrs

from ._errors import ConfigurationError

__all__ = [
    "Absent",
    "Credentials",
    "CredentialsProvider",
    "Issued",
    "SourceError",
    "botocore_credentials",
    "issued_from_json",
    "parse_expiry",
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


class CredentialsProvider(Protocol):
    """What ``credentials=`` takes besides :class:`Credentials`: a source awaited per attempt.

    Any ``async def provider() -> Credentials`` fits. The client awaits it
    before signing each attempt, so credentials that expire and are
    refreshed (or rotated) are picked up; it should be cheap when nothing
    changed.
    """

    def __call__(self) -> Awaitable[Credentials]:
        """Return (an awaitable of) the credentials to sign the next attempt with."""


@attrs.frozen
class Issued:
    """Credentials as a source handed them out.

    Attributes:
        credentials: the credentials.
        expires: when they expire (seconds since the epoch), None if they do not.
        fetched: when the source handed them out (seconds since the epoch).
    """

    credentials: Credentials
    expires: float | None = None
    fetched: float = attrs.field(factory=time.time)


class Absent(ConfigurationError):
    """A source of the chain is not there; the message says why (the chain tries the next)."""


class SourceError(ConfigurationError):
    """A source of credentials that is configured could not give them.

    The message names the source (``"assume-role (profile 'dev'): STS
    answered AccessDenied: ..."``) and never a secret.
    """


def issued_from_json(
    document: bytes,
    *,
    where: str,
    what: str,
    token_key: str,
    version: int | None = None,
) -> Issued:
    """Read credentials from the JSON document a source hands out.

    The document is an object with ``AccessKeyId``, ``SecretAccessKey``, a
    session token under ``token_key`` and an ISO 8601 ``Expiration`` (the
    last two optional), as the container and instance metadata services
    and ``credential_process`` write it. No message quotes the document: it
    holds the secret key.

    Args:
        document: the JSON text.
        where: the source's description, for messages.
        what: what the document is, for messages (``"the output"``, ``"the answer"``).
        token_key: the session token's member (``"Token"``, ``"SessionToken"``).
        version: the ``Version`` the document must declare (``credential_process``
            writes 1), or None when its format has no version.

    Returns:
        The credentials and their expiry (None without ``Expiration``).

    Raises:
        SourceError: the document is not JSON, not an object, not of ``version``,
            or lacks the keys or has members of the wrong type.
    """
    problem: str | None = None
    try:
        payload = json.loads(document)
    except ValueError as exc:
        # Only the error's type: the parser quotes the text, which may be a key.
        problem = type(exc).__name__
    if problem is not None:
        raise SourceError(f"{where}: {what} is not JSON ({problem})")
    if not isinstance(payload, dict):
        raise SourceError(f"{where}: {what} is not a JSON object")
    if version is not None and payload.get("Version") != version:
        raise SourceError(f"{where}: {what}'s Version must be {version}")
    key, secret = payload.get("AccessKeyId"), payload.get("SecretAccessKey")
    token, expiration = payload.get(token_key), payload.get("Expiration")
    if not isinstance(key, str) or not key:
        raise SourceError(f"{where}: {what} has no AccessKeyId string")
    if not isinstance(secret, str) or not secret:
        raise SourceError(f"{where}: {what} has no SecretAccessKey string")
    if token is not None and not isinstance(token, str):
        raise SourceError(f"{where}: {what}'s {token_key} is not a string")
    expires: float | None = None
    if expiration is not None:
        try:
            expires = parse_expiry(expiration)
        except ValueError:
            raise SourceError(f"{where}: {what}'s Expiration is not an ISO 8601 time") from None
    return Issued(Credentials(key, secret, token or None), expires)


_FRACTION = re.compile(r"\.(\d+)(?=[+-]\d\d:\d\d$|$)")


def parse_expiry(text: object) -> float:
    """Read an ISO 8601 timestamp (``2026-01-02T03:04:05Z``) as seconds since the epoch.

    Args:
        text: the timestamp; one without an offset is UTC.

    Returns:
        The time, in seconds since the epoch.

    Raises:
        ValueError: it is not such a timestamp.
    """
    if not isinstance(text, str):
        raise ValueError("the expiration is not a string")
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    # Python 3.10 reads only 3 or 6 digits of a fraction; AWS and helpers write 0 to 9.
    value = _FRACTION.sub(lambda m: "." + (m.group(1) + "000000")[:6], value, count=1)
    when = dt.datetime.fromisoformat(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return when.timestamp()


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

    lambda_es's own chain covers what the AWS SDKs' default chain does (the
    environment, web identity, the shared files with ``credential_process``,
    SSO and assume-role, the container and instance metadata). For anything
    else botocore knows (its plug-ins, a configured botocore session), install
    the extra (``pip install 'lambda-es[botocore]'``) and pass
    ``credentials=botocore_credentials()``. botocore's blocking lookups and
    refreshes run in a worker thread.

    Args:
        profile: the profile to use (botocore's default chain when ``None``).
        session: a ``botocore.session.Session`` to take credentials from instead.

    Returns:
        A provider to pass as ``credentials=``.

    Raises:
        ConfigurationError: no session was given and botocore is not installed
            (raised here, not on the first call).
    """
    if session is None:
        import importlib.util

        if importlib.util.find_spec("botocore") is None:
            raise ConfigurationError(
                "botocore_credentials() needs botocore: pip install 'lambda-es[botocore]'"
            )
    return _BotocoreCredentials(profile, session)
