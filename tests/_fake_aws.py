"""A loopback stand-in for the AWS endpoints the credential chain calls.

One aiohttp server answers as STS (AssumeRole, signed and checked, and
AssumeRoleWithWebIdentity, in AWS's XML), the SSO portal
(GetRoleCredentials), SSO OIDC (CreateToken with a refresh token), the
container credentials endpoint and IMDSv2 (which refuses v1 requests).
Tests set what each answers and read what each was asked.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl

import attrs
from aiohttp import web

from lambda_es import Credentials
from lambda_es._signing import sign

from ._loopback import serve_app

STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"


def iso(seconds: float) -> str:
    """An ISO 8601 UTC timestamp, as AWS writes them."""
    return dt.datetime.fromtimestamp(seconds, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sts_error(status: int, code: str, message: str) -> web.Response:
    """An STS error in AWS's XML."""
    body = (
        f'<ErrorResponse xmlns="{STS_NS}"><Error><Type>Sender</Type><Code>{code}</Code>'
        f"<Message>{message}</Message></Error><RequestId>req-1</RequestId></ErrorResponse>"
    )
    return web.Response(status=status, text=body, content_type="text/xml")


@attrs.define
class FakeAWS:
    """What the fake answers; ``requests`` records (path, form or query, headers) tuples."""

    issue: Credentials = attrs.field(
        factory=lambda: Credentials("ASIAROLEKEY", "role-secret-value", "role-token-value")
    )
    lifetime: float = 3600.0
    #: The credentials AssumeRole must be signed with (None: not checked).
    sts_source: Credentials | None = None
    #: The web identity token AssumeRoleWithWebIdentity expects.
    web_token: str = "web-identity-token-value"
    #: How far ahead STS's clock is; it refuses signatures more than 5 minutes off.
    sts_ahead: dt.timedelta = attrs.field(factory=dt.timedelta)
    #: When set, STS answers this error (status, code, message).
    sts_fails: tuple[int, str, str] | None = None
    sso_token: str = "sso-access-token-value"
    oidc_refresh: str = "sso-refresh-token-value"
    container_token: str | None = None
    imds_role: str | None = "app-role"
    url: str = ""
    requests: list[tuple[str, dict[str, str], dict[str, str]]] = attrs.field(factory=list)

    def _expiry(self) -> float:
        return time.time() + self.lifetime

    async def sts(self, request: web.Request) -> web.Response:
        body = await request.read()
        form = dict(parse_qsl(body.decode()))
        self.requests.append(("sts:" + form.get("Action", ""), form, dict(request.headers)))
        if self.sts_fails is not None:
            return sts_error(*self.sts_fails)
        action = form.get("Action")
        server_now = dt.datetime.now(dt.timezone.utc) + self.sts_ahead
        if action == "AssumeRole" and "X-Amz-Date" in request.headers:
            signed = dt.datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
            if abs(server_now - signed.replace(tzinfo=dt.timezone.utc)) > dt.timedelta(minutes=5):
                response = sts_error(
                    403,
                    "SignatureDoesNotMatch",
                    "Signature expired: 20260101T000000Z is now earlier than 20260101T000500Z",
                )
                response.headers["Date"] = format_datetime(server_now, usegmt=True)
                return response
        if action == "AssumeRole" and self.sts_source is not None:
            when = dt.datetime.strptime(request.headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
            expected = sign(
                "POST",
                f"http://{request.host}/",
                body,
                credentials=self.sts_source,
                region="us-east-1",
                service="sts",
                now=when.replace(tzinfo=dt.timezone.utc),
                host=request.host,
            )
            if expected["Authorization"] != request.headers.get("Authorization"):
                return sts_error(403, "SignatureDoesNotMatch", "signature does not match")
        elif action == "AssumeRoleWithWebIdentity":
            if "Authorization" in request.headers:
                return sts_error(400, "InvalidRequest", "this call is not signed")
            if form.get("WebIdentityToken") != self.web_token:
                return sts_error(400, "InvalidIdentityToken", "the token is not valid")
        elif action != "AssumeRole":
            return sts_error(400, "InvalidAction", "unknown action")
        creds = self.issue
        return web.Response(
            text=(
                f'<{action}Response xmlns="{STS_NS}"><{action}Result>'
                f"<Credentials><AccessKeyId>{creds.access_key_id}</AccessKeyId>"
                f"<SecretAccessKey>{creds.secret_access_key}</SecretAccessKey>"
                f"<SessionToken>{creds.session_token}</SessionToken>"
                f"<Expiration>{iso(self._expiry())}</Expiration></Credentials>"
                f"<AssumedRoleUser><Arn>{form.get('RoleArn')}</Arn></AssumedRoleUser>"
                f"</{action}Result><ResponseMetadata><RequestId>r</RequestId>"
                f"</ResponseMetadata></{action}Response>"
            ),
            content_type="text/xml",
        )

    async def sso(self, request: web.Request) -> web.Response:
        self.requests.append(("sso", dict(request.query), dict(request.headers)))
        if request.headers.get("x-amz-sso_bearer_token") != self.sso_token:
            return web.json_response(
                {"message": "Session token not found or invalid"},
                status=401,
                headers={"x-amzn-ErrorType": "UnauthorizedException"},
            )
        creds = self.issue
        return web.json_response(
            {
                "roleCredentials": {
                    "accessKeyId": creds.access_key_id,
                    "secretAccessKey": creds.secret_access_key,
                    "sessionToken": creds.session_token,
                    "expiration": int(self._expiry() * 1000),
                }
            }
        )

    async def oidc(self, request: web.Request) -> web.Response:
        payload: dict[str, Any] = await request.json()
        self.requests.append(("oidc", {k: str(v) for k, v in payload.items()}, {}))
        if payload.get("refreshToken") != self.oidc_refresh:
            return web.json_response(
                {"error": "invalid_grant"},
                status=400,
                headers={"x-amzn-ErrorType": "InvalidGrantException"},
            )
        return web.json_response(
            {"accessToken": self.sso_token, "expiresIn": 28800, "tokenType": "Bearer",
             "refreshToken": "sso-refresh-token-rotated"}
        )  # fmt: skip

    async def container(self, request: web.Request) -> web.Response:
        self.requests.append(("container", dict(request.query), dict(request.headers)))
        if self.container_token is not None and (
            request.headers.get("Authorization") != self.container_token
        ):
            return web.json_response({"message": "unauthorized"}, status=401)
        creds = self.issue
        return web.json_response(
            {
                "AccessKeyId": creds.access_key_id,
                "SecretAccessKey": creds.secret_access_key,
                "Token": creds.session_token,
                "Expiration": iso(self._expiry()),
                "RoleArn": "arn:aws:iam::123456789012:role/task",
            }
        )

    async def imds_token(self, request: web.Request) -> web.Response:
        self.requests.append(("imds:token", {}, dict(request.headers)))
        if "X-aws-ec2-metadata-token-ttl-seconds" not in request.headers:
            return web.Response(status=400)
        return web.Response(text="imds-session-token-value")

    async def imds_get(self, request: web.Request) -> web.Response:
        self.requests.append(("imds:" + request.path, {}, dict(request.headers)))
        if request.headers.get("X-aws-ec2-metadata-token") != "imds-session-token-value":
            return web.Response(status=401)  # IMDSv1 is refused
        role = request.match_info.get("role", "")
        if not role:
            if self.imds_role is None:
                return web.Response(status=404)
            return web.Response(text=self.imds_role + "\n")
        if role != self.imds_role:
            return web.Response(status=404)
        creds = self.issue
        return web.json_response(
            {
                "Code": "Success",
                "Type": "AWS-HMAC",
                "AccessKeyId": creds.access_key_id,
                "SecretAccessKey": creds.secret_access_key,
                "Token": creds.session_token,
                "Expiration": iso(self._expiry()),
            }
        )


@asynccontextmanager
async def fake_aws(**settings: Any) -> AsyncIterator[FakeAWS]:
    """Run a :class:`FakeAWS` on 127.0.0.1 for the block; ``.url`` is its origin."""
    state = FakeAWS(**settings)
    app = web.Application()
    app.router.add_post("/", state.sts)
    app.router.add_get("/federation/credentials", state.sso)
    app.router.add_post("/token", state.oidc)
    app.router.add_get("/container/creds", state.container)
    app.router.add_put("/latest/api/token", state.imds_token)
    app.router.add_get("/latest/meta-data/iam/security-credentials/", state.imds_get)
    app.router.add_get("/latest/meta-data/iam/security-credentials/{role}", state.imds_get)
    async with serve_app(app) as url:
        state.url = url
        yield state
