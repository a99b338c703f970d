"""The default credential chain, in the order the AWS SDKs use.

1. ``credentials=`` (a :class:`Credentials`, or a provider used as it is);
2. ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` / ``AWS_SESSION_TOKEN``
   (skipped when ``profile=`` is given, as botocore does);
3. web identity: ``AWS_WEB_IDENTITY_TOKEN_FILE`` + ``AWS_ROLE_ARN``, or the
   profile's ``web_identity_token_file`` + ``role_arn`` (STS AssumeRoleWithWebIdentity);
4. the profile: ``role_arn`` with ``source_profile`` or ``credential_source``
   (STS AssumeRole), ``sso_session`` or legacy ``sso_start_url``, static keys,
   ``credential_process``;
5. the container endpoint (ECS, EKS Pod Identity);
6. EC2 instance metadata (IMDSv2).

The chain is walked on the first call, never in a constructor. The first
source that is there wins and is kept, refreshed by
:class:`lambda_es._refresh.Refreshing`. A source that is not there says why;
when none is, the :class:`ConfigurationError` lists every reason in order. A
source that is there but fails raises at once, naming itself.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

from ._credentials import Absent, Credentials, CredentialsProvider, Issued, SourceError
from ._errors import ConfigurationError
from ._fetch import HTTPFetch
from ._metadata import container_configured, fetch_container, fetch_imds, imds_endpoint
from ._process import run_credential_process
from ._refresh import Refreshing, RefreshPolicy
from ._service_endpoints import service_endpoint
from ._shared_files import SharedFiles, load, profile_name
from ._sso import fetch_sso
from ._sts import STS, RoleSession

__all__ = ["Chain", "default_chain"]

Fetch = Callable[[], Awaitable[Issued]]
_CREDENTIAL_SOURCES = ("Environment", "EcsContainer", "Ec2InstanceMetadata")


def _duration(values: Mapping[str, str], where: str) -> int | None:
    raw = values.get("duration_seconds")
    if not raw:
        return None
    try:
        seconds = int(raw)
    except ValueError:
        seconds = 0
    if not 900 <= seconds <= 43200:
        raise SourceError(f"{where}: duration_seconds must be a whole number from 900 to 43200")
    return seconds


def _read_token(token_file: str, where: str) -> str:
    # A small file, read once per refresh: not worth a thread.
    problem: str | None = None
    token = ""
    try:
        token = Path(token_file).expanduser().read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        problem = type(exc).__name__
    if problem is not None or not token:
        raise SourceError(
            f"{where}: the token file {token_file} cannot be read ({problem or 'empty'})"
        )
    return token


class _Walk:
    """What the sources of one resolution share: the environment, the files, the network."""

    def __init__(
        self,
        *,
        profile: str | None,
        environ: Mapping[str, str],
        files: SharedFiles | None,
        http: HTTPFetch,
        region: str,
        policy: RefreshPolicy,
    ) -> None:
        self.explicit_profile = profile is not None
        self.profile = profile_name(profile, environ)
        self.environ = environ
        self._files = files
        self.http = http
        self.region = region
        self.policy = policy

    @property
    def files(self) -> SharedFiles:
        if self._files is None:
            self._files = load(self.environ)
        return self._files

    def refreshing(self, fetch: Fetch, source: str, first: Issued) -> Refreshing:
        return Refreshing(fetch, source=source, first=first, policy=self.policy)

    def sts(self) -> STS:
        endpoint = service_endpoint(
            "sts", region=self.region, environ=self.environ, files=self.files, profile=self.profile
        )
        return STS(self.http, endpoint, self.region)

    # -- 2. the environment ---------------------------------------------------

    def environment(self, where: str = "environment") -> tuple[str, Fetch]:
        env = self.environ
        if not (env.get("AWS_ACCESS_KEY_ID") and env.get("AWS_SECRET_ACCESS_KEY")):
            if env.get("AWS_ACCESS_KEY_ID") or env.get("AWS_SECRET_ACCESS_KEY"):
                raise Absent(
                    f"{where}: only one of AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY is set"
                )
            raise Absent(f"{where}: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set")

        async def fetch() -> Issued:
            key, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
            if not (key and secret):
                raise SourceError(f"{where}: AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY was unset")
            return Issued(Credentials(key, secret, env.get("AWS_SESSION_TOKEN") or None))

        return "environment (AWS_ACCESS_KEY_ID)", fetch

    # -- 3. web identity ----------------------------------------------------------

    def web_identity(self) -> tuple[str, Fetch]:
        env = self.environ
        token_file, role_arn = env.get("AWS_WEB_IDENTITY_TOKEN_FILE"), env.get("AWS_ROLE_ARN")
        session = env.get("AWS_ROLE_SESSION_NAME")
        where = "web identity (AWS_WEB_IDENTITY_TOKEN_FILE)"
        values: Mapping[str, str] = {}
        if not (token_file and role_arn):
            values = self.files.profile(self.profile)
            token_file, role_arn = values.get("web_identity_token_file"), values.get("role_arn")
            session = values.get("role_session_name")
            where = f"web identity (profile {self.profile!r})"
            if not (token_file and role_arn):
                raise Absent(
                    "web identity: AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN are not both set, "
                    f"and profile {self.profile!r} has no web_identity_token_file with role_arn"
                )
        return where, self._web_identity_fetch(token_file, role_arn, session, values, where)

    def _web_identity_fetch(
        self,
        token_file: str,
        role_arn: str,
        session: str | None,
        values: Mapping[str, str],
        where: str,
    ) -> Fetch:
        role = RoleSession(role_arn, where, session or None, _duration(values, where))
        sts = self.sts()

        async def fetch() -> Issued:
            # Read on every refresh: EKS rotates the projected token.
            return await sts.assume_role_with_web_identity(role, _read_token(token_file, where))

        return fetch

    # -- 4. the profile ------------------------------------------------------------

    def profile_source(self) -> tuple[str, Fetch]:
        files, name = self.files, self.profile
        if not files.has_profile(name):
            message = (
                f"profile {name!r} was not found in {files.credentials_path} or {files.config_path}"
            )
            if self.explicit_profile or self.environ.get("AWS_PROFILE"):
                raise ConfigurationError(message)
            raise Absent(message)
        found = self._from_profile(name, visited=())
        if found is None:
            values = files.profile(name)
            if values.get("aws_access_key_id") and not values.get("aws_secret_access_key"):
                raise Absent(f"profile {name!r}: aws_access_key_id without aws_secret_access_key")
            raise Absent(
                f"profile {name!r} (in {files.credentials_path} and {files.config_path}) has no "
                "aws_access_key_id/aws_secret_access_key, credential_process, sso_session, "
                "sso_start_url or role_arn"
            )
        return found

    def _from_profile(
        self, name: str, visited: tuple[str, ...], *, as_source: bool = False
    ) -> tuple[str, Fetch] | None:
        values = self.files.profile(name)
        role_arn = values.get("role_arn")
        # A profile that is its own source_profile uses its static keys as the source.
        self_sourced = values.get("source_profile") == name and values.get("aws_access_key_id")
        if (
            role_arn
            and not values.get("web_identity_token_file")
            and not (as_source and self_sourced)
        ):
            return self._assume_role(name, values, role_arn, visited)
        if role_arn and values.get("web_identity_token_file") and as_source:
            where = f"web identity (profile {name!r})"
            return where, self._web_identity_fetch(
                values["web_identity_token_file"],
                role_arn,
                values.get("role_session_name"),
                values,
                where,
            )
        if values.get("sso_session") or values.get("sso_start_url"):
            where = f"sso (profile {name!r})"
            files, environ, http = self.files, self.environ, self.http

            async def sso() -> Issued:
                return await fetch_sso(
                    http, files=files, profile=name, values=values, environ=environ, where=where
                )

            return where, sso
        key, secret = values.get("aws_access_key_id"), values.get("aws_secret_access_key")
        if key and secret:
            issued = Issued(Credentials(key, secret, values.get("aws_session_token") or None))

            async def static() -> Issued:
                return issued

            files = self.files
            if files.in_credentials_file(name, "aws_access_key_id"):
                where = f"shared-credentials-file ({files.credentials_path} [{name}])"
            else:
                section = name if name == "default" else f"profile {name}"
                where = f"config-file ({files.config_path} [{section}])"
            return where, static
        command = values.get("credential_process")
        if command:
            where = f"credential_process (profile {name!r})"
            environ = self.environ

            async def process() -> Issued:
                return await run_credential_process(command, where=where, environ=environ)

            return where, process
        return None

    def _assume_role(
        self, name: str, values: Mapping[str, str], role_arn: str, visited: tuple[str, ...]
    ) -> tuple[str, Fetch]:
        where = f"assume-role (profile {name!r})"
        if values.get("mfa_serial"):
            raise SourceError(
                f"{where}: the role needs an MFA code (mfa_serial), and lambda_es cannot prompt "
                "for one; use credentials that were already obtained with MFA (aws sts "
                "get-session-token, or a credential_process that prompts)"
            )
        source_profile, credential_source = (
            values.get("source_profile"),
            values.get("credential_source"),
        )
        if bool(source_profile) == bool(credential_source):
            raise SourceError(
                f"{where}: role_arn needs exactly one of source_profile and credential_source"
            )
        base: tuple[str, Fetch] | None
        if source_profile:
            chain = (*visited, name)
            # Only a profile that names itself and has keys of its own is no loop.
            own_keys = source_profile == name and values.get("aws_access_key_id")
            if source_profile in chain and not own_keys:
                raise SourceError(
                    f"{where}: source_profile loops: {' -> '.join((*chain, source_profile))}"
                )
            if not self.files.has_profile(source_profile):
                raise SourceError(f"{where}: source_profile {source_profile!r} does not exist")
            base = self._from_profile(source_profile, chain, as_source=True)
            if base is None:
                raise SourceError(f"{where}: source_profile {source_profile!r} has no credentials")
        else:
            base = self._credential_source(credential_source or "", where)
        role = RoleSession(
            role_arn, where, values.get("role_session_name") or None, _duration(values, where)
        )
        external_id = values.get("external_id") or None
        sts = self.sts()
        base_where, base_fetch = base
        source: Refreshing | None = None

        async def from_base() -> Issued:
            try:
                return await base_fetch()
            except Absent as exc:
                # The source of a role is configured: its absence is an error, not a skip.
                message = str(exc)
            raise SourceError(f"{where}: {message}")

        async def fetch() -> Issued:
            nonlocal source
            if source is None:
                source = self.refreshing(from_base, base_where, await from_base())
            credentials = await source()
            return await sts.assume_role(
                role, credentials, external_id=external_id, now=dt.datetime.now(dt.timezone.utc)
            )

        return where, fetch

    def _credential_source(self, kind: str, where: str) -> tuple[str, Fetch]:
        if kind == "Environment":
            try:
                return self.environment(f"{where}: credential_source Environment")
            except Absent as exc:
                raise SourceError(str(exc)) from None
        if kind == "EcsContainer":
            if not container_configured(self.environ):
                raise SourceError(
                    f"{where}: credential_source EcsContainer, but neither "
                    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor _FULL_URI is set"
                )
            return self.container()
        if kind == "Ec2InstanceMetadata":
            return self.imds(required=True)
        raise SourceError(
            f"{where}: credential_source {kind!r} is not one of {', '.join(_CREDENTIAL_SOURCES)}"
        )

    # -- 5. the container ----------------------------------------------------------

    def container(self) -> tuple[str, Fetch]:
        env = self.environ
        if not container_configured(env):
            raise Absent(
                "container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and "
                "AWS_CONTAINER_CREDENTIALS_FULL_URI are not set"
            )
        which = "RELATIVE_URI" if env.get("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") else "FULL_URI"
        where = f"container (AWS_CONTAINER_CREDENTIALS_{which})"
        http = self.http

        async def fetch() -> Issued:
            return await fetch_container(http, env, where=where)

        return where, fetch

    # -- 6. instance metadata --------------------------------------------------------

    def imds(self, *, required: bool = False) -> tuple[str, Fetch]:
        env = self.environ
        if (env.get("AWS_EC2_METADATA_DISABLED") or "").strip().lower() == "true":
            message = "instance metadata: AWS_EC2_METADATA_DISABLED is true"
            if required:
                raise SourceError(f"credential_source Ec2InstanceMetadata, but {message}")
            raise Absent(message)
        endpoint = imds_endpoint(env, self.files.profile(self.profile))
        where = "instance metadata (IMDSv2)"
        http = self.http

        async def fetch() -> Issued:
            return await fetch_imds(http, endpoint, where=where)

        return where, fetch


class _Fixed:
    """The ``credentials=`` argument's Credentials, served as they are."""

    source = "credentials= argument"

    def __init__(self, credentials: Credentials) -> None:
        self._credentials = credentials

    def __repr__(self) -> str:
        return f"<credentials from the credentials= argument: {self._credentials!r}>"

    async def __call__(self) -> Credentials:
        return self._credentials

    async def refresh_after_rejection(self, access_key_id: str) -> bool:
        """Nothing to refresh: the same credentials would be refused again.

        Args:
            access_key_id: the key id of the rejected credentials.

        Returns:
            False: a retry would not help.
        """
        return False


class Chain:
    """The default chain as a provider: walked on the first call, then refreshed.

    Args:
        walk: what the sources need.
    """

    def __init__(self, walk: _Walk) -> None:
        self._walk = walk
        self._found: Refreshing | None = None
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<default credential chain: {self.source or 'not resolved yet'}>"

    @property
    def source(self) -> str | None:
        """The source in use, without secrets (``"assume-role (profile 'dev')"``), or None before the first call."""
        return None if self._found is None else self._found.source

    @property
    def provider(self) -> Refreshing | None:
        """The refreshing provider of the source in use, once found."""
        return self._found

    async def find_source(self) -> str:
        """Walk the chain if needed and name the source in use.

        Returns:
            The source's description.

        Raises:
            ConfigurationError: no source gave credentials, or one failed.
        """
        await self()
        assert self._found is not None
        return self._found.source

    async def __call__(self) -> Credentials:
        """Return current credentials from the source found on the first call.

        Returns:
            Credentials to sign with.

        Raises:
            ConfigurationError: nothing gave credentials (every source's reason
                listed), or a source that is there failed (named).
        """
        found = self._found
        if found is None:
            async with self._lock:
                if self._found is None:
                    self._found = await self._resolve()
            found = self._found
        assert found is not None
        return await found()

    async def refresh_after_rejection(self, access_key_id: str) -> bool:
        """Refresh because the service said these credentials expired.

        Args:
            access_key_id: the key id of the rejected credentials.

        Returns:
            True when a retry may be signed with other credentials.

        Raises:
            ConfigurationError: the refresh failed.
        """
        if self._found is None:
            return False
        return await self._found.refresh_after_rejection(access_key_id)

    async def _resolve(self) -> Refreshing:
        walk = self._walk
        reasons = ["credentials=: not given"]
        steps: list[Callable[[], tuple[str, Fetch]]] = []
        if walk.explicit_profile:
            reasons.append("environment: skipped, as profile= was given")
        else:
            steps.append(walk.environment)
        steps += [walk.web_identity, walk.profile_source, walk.container, walk.imds]
        for step in steps:
            try:
                where, fetch = step()
                issued = await fetch()
            except Absent as exc:
                reasons.append(str(exc))
                continue
            return walk.refreshing(fetch, where, issued)
        listed = "\n".join(f"  {n}. {reason}" for n, reason in enumerate(reasons, 1))
        raise ConfigurationError(f"no AWS credentials found; looked at, in order:\n{listed}")


def default_chain(
    *,
    given: Credentials | CredentialsProvider | None,
    profile: str | None,
    environ: Mapping[str, str] | None = None,
    files: SharedFiles | None = None,
    http: HTTPFetch,
    region: str,
    policy: RefreshPolicy | None = None,
) -> CredentialsProvider:
    """Build the provider a client signs with; nothing is read or fetched until it is awaited.

    Args:
        given: the ``credentials=`` argument: Credentials serve as they are, a
            provider is used as it is, None walks the chain.
        profile: the ``profile=`` argument.
        environ: the environment (``os.environ`` when None).
        files: the shared files, if already read (read on the first call otherwise).
        http: how the sources reach STS, SSO and the metadata services.
        region: the client's region (STS's region).
        policy: when the source's credentials are refreshed (windows of 15 and
            10 minutes when None).

    Returns:
        The provider. A :class:`Chain` has ``source`` (None until the first call)
        and ``find_source()``.
    """
    if isinstance(given, Credentials):
        return _Fixed(given)
    if given is not None:
        return given
    walk = _Walk(
        profile=profile,
        environ=os.environ if environ is None else environ,
        files=files,
        http=http,
        region=region,
        policy=RefreshPolicy() if policy is None else policy,
    )
    return Chain(walk)
