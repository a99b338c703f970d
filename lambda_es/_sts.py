"""STS AssumeRole and AssumeRoleWithWebIdentity, over the Query protocol.

The request is a form-encoded POST; the answer is XML, parsed with
``defusedxml`` so that a hostile or broken endpoint cannot expand entities.
AssumeRole is SigV4-signed (service ``sts``) with the source credentials;
AssumeRoleWithWebIdentity is not signed: the web identity token is the proof.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

import attrs

from ._credentials import Credentials, Issued, SourceError, parse_expiry
from ._errors import excerpt
from ._fetch import FetchRequest, FetchResponse, HTTPFetch, exchange
from ._retry import http_date
from ._signing import sign

__all__ = ["STS", "RoleSession", "check_session_name"]

_VERSION = "2011-06-15"
_TIMEOUT = 10.0
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}", re.ASCII)


def check_session_name(name: str, where: str) -> str:
    """Check a role session name as STS would.

    Args:
        name: the name.
        where: where it came from, for the message.

    Returns:
        The name.

    Raises:
        SourceError: it is not 2 to 64 of the characters STS accepts.
    """
    if not _SESSION_NAME.fullmatch(name):
        raise SourceError(
            f"{where}: role_session_name must be 2-64 characters of letters, digits and +=,.@-"
        )
    return name


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Any, name: str) -> Any:
    for child in element:
        if _local(child.tag) == name:
            return child
    return None


def _text(element: Any, *path: str) -> str | None:
    for name in path:
        if element is None:
            return None
        element = _child(element, name)
    if element is None or element.text is None:
        return None
    return str(element.text).strip()


def _parse(body: bytes, where: str) -> Any:
    # Loaded on first use: only the role sources need it, not ``import lambda_es``.
    import defusedxml.ElementTree as SafeET

    problem: str | None = None
    try:
        return SafeET.fromstring(body)
    except Exception as exc:  # ParseError, or defusedxml refusing entities
        problem = type(exc).__name__
    raise SourceError(f"{where}: STS answered with XML that cannot be read ({problem})")


def _skewed(code: str | None, message: str | None) -> bool:
    text = (message or "").lower()
    return code in ("RequestExpired", "RequestTimeTooSkewed", "RequestInTheFuture") or (
        code in ("SignatureDoesNotMatch", "InvalidSignatureException")
        and ("signature expired" in text or "skew" in text)
    )


@attrs.frozen
class RoleSession:
    """A role a source assumes, as it asks STS for it at every refresh.

    Args:
        role_arn: the role to assume.
        where: the source's description, for messages.
        session_name: the role session name; None gives ``lambda-es-<epoch
            seconds>`` at each call.
        duration_seconds: how long the credentials should last (STS's default,
            one hour, when None).

    Raises:
        SourceError: the session name is not one STS accepts (see
            :func:`check_session_name`).
    """

    role_arn: str
    where: str
    session_name: str | None = None
    duration_seconds: int | None = None

    def __attrs_post_init__(self) -> None:
        if self.session_name is not None:
            check_session_name(self.session_name, self.where)

    def params(self, action: str) -> dict[str, str]:
        """The Query parameters of an assume-role action that name this session.

        Args:
            action: ``AssumeRole`` or ``AssumeRoleWithWebIdentity``.

        Returns:
            Action, RoleArn, RoleSessionName and, when set, DurationSeconds.
        """
        name = self.session_name or f"lambda-es-{int(time.time())}"
        params = {"Action": action, "RoleArn": self.role_arn, "RoleSessionName": name}
        if self.duration_seconds is not None:
            params["DurationSeconds"] = str(self.duration_seconds)
        return params


@attrs.frozen
class STS:
    """One STS endpoint, as the role sources call it.

    Args:
        http: how to send the requests.
        endpoint: the STS endpoint (see :func:`lambda_es._service_endpoints.service_endpoint`).
        region: the signing region.
    """

    http: HTTPFetch = attrs.field(repr=False)
    endpoint: str
    region: str

    async def assume_role(
        self,
        role: RoleSession,
        credentials: Credentials,
        *,
        external_id: str | None = None,
        now: dt.datetime | None = None,
    ) -> Issued:
        """Call STS AssumeRole.

        Args:
            role: the role and its session.
            credentials: the source credentials that sign the request.
            external_id: the external id the role's trust policy asks for.
            now: the signing time (the current time when None).

        Returns:
            The role's credentials and their expiry.

        Raises:
            SourceError: STS did not answer, answered with an error (a refusal of
                the signature's time is retried once, signed with the clock
                corrected from STS's Date), or with something that is not credentials.
        """
        params = role.params("AssumeRole")
        if external_id:
            params["ExternalId"] = external_id
        return await self._call(params, role.where, credentials, now)

    async def assume_role_with_web_identity(self, role: RoleSession, token: str) -> Issued:
        """Call STS AssumeRoleWithWebIdentity (EKS IRSA and other OIDC federation).

        The request is not signed: the token is the proof.

        Args:
            role: the role and its session.
            token: the web identity token (a secret: it never appears in a message).

        Returns:
            The role's credentials and their expiry.

        Raises:
            SourceError: STS did not answer, refused the token or the role (never
                retried: an unsigned request has no clock to correct), or answered
                with something that is not credentials.
        """
        params = role.params("AssumeRoleWithWebIdentity")
        params["WebIdentityToken"] = token
        return await self._call(params, role.where, None, None)

    async def _send(
        self, url: str, body: bytes, credentials: Credentials | None, when: dt.datetime, where: str
    ) -> FetchResponse:
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        if credentials is not None:
            headers.update(
                sign(
                    "POST",
                    url,
                    body,
                    credentials=credentials,
                    region=self.region,
                    service="sts",
                    now=when,
                    host=urlsplit(url).netloc,
                )
            )
        return await exchange(
            self.http,
            FetchRequest("POST", url, headers=headers, body=body, timeout=_TIMEOUT),
            failure=f"{where}: no answer from STS at {self.endpoint}",
        )

    async def _call(
        self,
        params: Mapping[str, str],
        where: str,
        credentials: Credentials | None,
        now: dt.datetime | None,
    ) -> Issued:
        url = self.endpoint + "/"
        body = urlencode({**params, "Version": _VERSION}).encode()
        offset = dt.timedelta(0)
        for attempt in (1, 2):
            when = (now or dt.datetime.now(dt.timezone.utc)) + offset
            response = await self._send(url, body, credentials, when, where)
            root = _parse(response.body, where)
            if response.status == 200:
                break
            error = _child(root, "Error")
            code = _text(error, "Code") if error is not None else None
            message = _text(error, "Message") if error is not None else None
            server = http_date(response.headers.get("date"))
            if (
                attempt == 1
                and credentials is not None
                and server is not None
                and _skewed(code, message)
            ):
                # As for Lambda: the signature was refused for its time; sign once
                # more with the clock corrected from the server's Date.
                offset = server - (now or dt.datetime.now(dt.timezone.utc))
                continue
            raise SourceError(
                f"{where}: STS answered HTTP {response.status} {code or '(no error code)'}"
                + (f": {excerpt(message)}" if message else "")
            )
        return _issued(root, params["Action"], where)


def _issued(root: Any, action: str, where: str) -> Issued:
    result = _child(root, action + "Result")
    creds = _child(result, "Credentials") if result is not None else None
    key = _text(creds, "AccessKeyId")
    secret = _text(creds, "SecretAccessKey")
    token = _text(creds, "SessionToken")
    expiration = _text(creds, "Expiration")
    if not (key and secret and token and expiration):
        raise SourceError(f"{where}: STS's answer has no complete Credentials element")
    try:
        expires = parse_expiry(expiration)
    except ValueError:
        raise SourceError(f"{where}: STS's Expiration is not a timestamp") from None
    return Issued(Credentials(key, secret, token), expires)
