"""SigV4 signing and verification (lambda_es._signing) against AWS's vectors, botocore and itself.

The vectors are the two AWS suites in tests/sigv4-testsuite (a byte-for-byte
copy of the data files, with their LICENSE and NOTICE; see its README):
botocore's ``aws4_testsuite/`` and aws-c-auth's ``aws-c-auth-v4/``, all with
key ``AKIDEXAMPLE``, time 2015-08-30T12:36:00Z, region us-east-1 and service
"service". lambda_es builds the canonical request itself (any set of signed
headers, the non-S3 path normalisation) and gets its HMACs from the
INSTALLED aws-requests-auth's public ``getSignatureKey`` and ``sign``, so a
change upstream fails these tests. For every vector that is run, the
canonical request, the signature from the vector's own string to sign, the
Authorization header and the server-side :func:`verify` are checked.

Skipped, each for the one reason in :data:`SKIPPED` (a test checks it holds):
the seven ``aws-c-auth-v4/*-unnormalized`` vectors, whose context says
``normalize: false``: that is S3's canonical URI (the path signed as is, no
dot-segment removal), which Lambda and every other non-S3 service never
use. Their normalised twins are run.

post-sts-header-after (both suites) is run: its token is added after signing
and is not signed, so it is signed without a token, as its README prescribes
(no ``x-amz-security-token`` line in the .creq, or ``omit_session_token``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import uuid
from pathlib import Path
from types import FrameType
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import lambda_es
from lambda_es import Credentials
from lambda_es._codec import encode_body
from lambda_es._endpoints import Endpoint, parse_endpoint_url
from lambda_es._signing import (
    KEY_CACHE,
    SigningError,
    authorization,
    build_url,
    canonical_query,
    canonical_request,
    quote_component,
    sign,
)
from lambda_es.testing import FakeLambda
from lambda_es.testing._signature import SignatureRejected, verify

from ._core_botocore import botocore_authorization

# AWS's vectors (Apache-2.0 data files) travel with the tests, so every checkout runs them.
SUITE = Path(__file__).parent / "sigv4-testsuite"
SIGNABLE = frozenset({"host", "x-amz-date", "x-amz-security-token"})
VECTOR_KEY = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
VECTOR_TIME = dt.datetime(2015, 8, 30, 12, 36, tzinfo=dt.timezone.utc)

_S3_STYLE = "S3-style canonical URI (normalize=false), which Lambda never uses"

SKIPPED: dict[str, str] = {
    f"aws-c-auth-v4/{name}-unnormalized": _S3_STYLE
    for name in (
        "get-relative",
        "get-relative-relative",
        "get-slash",
        "get-slash-dot-slash",
        "get-slash-pointless-dot",
        "get-slashes",
        "get-space",
    )
}

Headers = tuple[tuple[str, str], ...]

#: The one vector whose signed request (.sreq) disagrees with its .authz.
_SREQ_SLIP = "aws4_testsuite/get-vanilla-with-session-token"


@attrs.frozen
class Vector:
    """One signing vector, parsed from either suite's files."""

    name: str
    method: str
    path: str  # the raw request-target's path: not percent-encoded
    query: str  # the raw request-target's query, without "?"
    headers: Headers  # the request before signing, repeats and folded lines kept
    signed_request: Headers  # the request after signing, Authorization included
    body: bytes
    credentials: Credentials  # with a token only when the token is signed
    when: dt.datetime
    region: str
    service: str
    sign_body: bool  # x-amz-content-sha256 is added and signed (aws-c-auth)
    normalize: bool
    canonical_request: str
    string_to_sign: str
    authorization: str

    @property
    def payload_hash(self) -> str:
        """The payload hash the vector's canonical request ends with."""
        return self.canonical_request.rsplit("\n", 1)[1]

    @property
    def signed_headers(self) -> tuple[str, ...]:
        """The SignedHeaders the vector's canonical request names."""
        return tuple(self.canonical_request.split("\n")[-2].split(";"))

    @property
    def signature(self) -> str:
        """The vector's signature (hex)."""
        return self.authorization.rsplit("Signature=", 1)[1]


def _parse_request(text: str) -> tuple[str, str, str, Headers, bytes]:
    lines = text.split("\n")
    method, rest = lines[0].split(" ", 1)
    # The target may hold a literal space (get-space): the version follows the last one.
    target = rest.rsplit(" ", 1)[0]
    path, _, query = target.partition("?")
    headers: list[tuple[str, str]] = []
    index = 1
    while index < len(lines) and lines[index] != "":
        line = lines[index]
        if line[0].isspace():
            # A folded (obsolete multi-line) value continues the previous header.
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
        else:
            name, _, value = line.partition(":")
            headers.append((name, value))
        index += 1
    body = "\n".join(lines[index + 1 :]).encode("utf-8")
    return method, path, query, tuple(headers), body


def _token_of(canonical: str) -> str | None:
    return next(
        (
            line.partition(":")[2]
            for line in canonical.split("\n")
            if line.startswith("x-amz-security-token:")
        ),
        None,
    )


def _botocore_vector(folder: Path, name: str) -> Vector:
    stem = folder / folder.name
    method, path, query, headers, body = _parse_request(stem.with_suffix(".req").read_text("utf-8"))
    signed_request = _parse_request(stem.with_suffix(".sreq").read_text("utf-8"))[3]
    authz = stem.with_suffix(".authz").read_text("utf-8").strip()
    if name == _SREQ_SLIP:
        # This .sreq carries get-vanilla's Authorization, not its own .authz:
        # the signed request is the .sreq with the vector's own header.
        signed_request = tuple(
            (k, authz if k.lower() == "authorization" else v) for k, v in signed_request
        )
    creq = stem.with_suffix(".creq").read_text("utf-8")
    amz_date = next(v for k, v in headers if k.lower() == "x-amz-date")
    return Vector(
        name=name,
        method=method,
        path=path,
        query=query,
        headers=headers,
        signed_request=signed_request,
        body=body,
        # The token is signed exactly when the canonical request holds it.
        credentials=attrs.evolve(VECTOR_KEY, session_token=_token_of(creq)),
        when=dt.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc),
        region="us-east-1",
        service="service",
        sign_body=False,
        # botocore's copy is the service (non-S3) suite: paths are normalised.
        normalize=True,
        canonical_request=creq,
        string_to_sign=stem.with_suffix(".sts").read_text("utf-8"),
        authorization=authz,
    )


def _aws_c_auth_vector(folder: Path, name: str) -> Vector:
    context = json.loads((folder / "context.json").read_text("utf-8"))
    method, path, query, headers, body = _parse_request((folder / "request.txt").read_text("utf-8"))
    signed_request = _parse_request((folder / "header-signed-request.txt").read_text("utf-8"))[3]
    creds = context["credentials"]
    token = None if context.get("omit_session_token") else creds.get("token")
    return Vector(
        name=name,
        method=method,
        path=path,
        query=query,
        headers=headers,
        signed_request=signed_request,
        body=body,
        credentials=Credentials(creds["access_key_id"], creds["secret_access_key"], token),
        when=dt.datetime.fromisoformat(context["timestamp"].replace("Z", "+00:00")),
        region=context["region"],
        service=context["service"],
        sign_body=bool(context["sign_body"]),
        normalize=bool(context["normalize"]),
        canonical_request=(folder / "header-canonical-request.txt").read_text("utf-8"),
        string_to_sign=(folder / "header-string-to-sign.txt").read_text("utf-8"),
        authorization=next(
            value.strip() for key, value in signed_request if key.lower() == "authorization"
        ),
    )


def _all_vectors() -> dict[str, Vector]:
    vectors: dict[str, Vector] = {}
    for req in sorted((SUITE / "aws4_testsuite").rglob("*.req")):
        name = req.parent.relative_to(SUITE).as_posix()
        vectors[name] = _botocore_vector(req.parent, name)
    for context in sorted((SUITE / "aws-c-auth-v4").glob("*/context.json")):
        name = context.parent.relative_to(SUITE).as_posix()
        vectors[name] = _aws_c_auth_vector(context.parent, name)
    return vectors


ALL_VECTORS = _all_vectors()
SELECTED = sorted(name for name in ALL_VECTORS if name not in SKIPPED)
AMZ_DATE = "20150830T123600Z"


def _request_to_sign(vector: Vector) -> list[tuple[str, str]]:
    """The vector's request with what a signer adds before signing: date, token, body hash."""
    headers = list(vector.headers)
    names = {name.lower() for name, _ in headers}
    if "x-amz-date" not in names:
        headers.append(("X-Amz-Date", AMZ_DATE))
    token = vector.credentials.session_token
    if token is not None and "x-amz-security-token" not in names:
        headers.append(("X-Amz-Security-Token", token))
    if vector.sign_body:
        headers.append(("x-amz-content-sha256", hashlib.sha256(vector.body).hexdigest()))
    return headers


def test_vector_selection_is_explicit_and_complete() -> None:
    """Every vector on disk is run, or skipped because it is S3-style; none is lost or invented."""
    assert len(ALL_VECTORS) == 34 + 38
    assert set(SKIPPED) <= set(ALL_VECTORS)
    assert len(SELECTED) == 65
    for name in SKIPPED:
        assert not ALL_VECTORS[name].normalize, name
    for name in SELECTED:
        assert ALL_VECTORS[name].normalize, name


@pytest.mark.parametrize("name", SELECTED)
def test_aws_vector_canonical_request(name: str) -> None:
    """canonical_request() over the request's own headers is the vector's, byte for byte."""
    vector = ALL_VECTORS[name]
    # Guards the parser: the body read is the body the vector hashed.
    assert hashlib.sha256(vector.body).hexdigest() == vector.payload_hash
    signed = sorted({name.lower() for name, _ in _request_to_sign(vector)})
    assert tuple(signed) == vector.signed_headers
    got = canonical_request(
        vector.method,
        vector.path,
        vector.query,
        _request_to_sign(vector),
        signed,
        hashlib.sha256(vector.body).hexdigest(),
    )
    assert got == vector.canonical_request


@pytest.mark.parametrize("name", SELECTED)
def test_aws_vector_signature_from_installed_aws_requests_auth(name: str) -> None:
    """The installed aws-requests-auth's public getSignatureKey and sign give the vector's signature.

    This pins the upstream functions lambda_es calls, on AWS's own string to
    sign, with no lambda_es code involved.
    """
    from aws_requests_auth import aws_auth

    vector = ALL_VECTORS[name]
    key = aws_auth.getSignatureKey(
        vector.credentials.secret_access_key,
        AMZ_DATE[:8],
        vector.region,
        vector.service,
    )
    assert aws_auth.sign(key, vector.string_to_sign).hex() == vector.signature


@pytest.mark.parametrize("name", SELECTED)
def test_aws_vector(name: str) -> None:
    """authorization() signing every header the request carries gives the vector's header exactly."""
    vector = ALL_VECTORS[name]
    headers = _request_to_sign(vector)
    got = authorization(
        vector.method,
        vector.path,
        vector.query,
        headers,
        [name for name, _ in headers],
        hashlib.sha256(vector.body).hexdigest(),
        credentials=vector.credentials,
        amz_date=AMZ_DATE,
        region=vector.region,
        service=vector.service,
    )
    assert got == vector.authorization


SIGN_SELECTED = [n for n in SELECTED if set(ALL_VECTORS[n].signed_headers) <= SIGNABLE]


def test_sreq_slip_is_the_only_one() -> None:
    """Every botocore .sreq but one carries its .authz; that one is corrected, not skipped."""
    slips = []
    for req in sorted((SUITE / "aws4_testsuite").rglob("*.req")):
        stem = req.with_suffix("")
        authz = stem.with_suffix(".authz").read_text("utf-8").strip()
        sreq = stem.with_suffix(".sreq").read_text("utf-8")
        if authz.partition(" ")[2] not in sreq:
            slips.append(req.parent.relative_to(SUITE).as_posix())
    assert slips == [_SREQ_SLIP]


def test_sign_selection() -> None:
    """sign() (host, x-amz-date, token) covers every run vector that signs no other header."""
    assert len(SIGN_SELECTED) == 49
    assert all(not ALL_VECTORS[n].sign_body for n in SIGN_SELECTED)


@pytest.mark.parametrize("name", SIGN_SELECTED)
def test_aws_vector_through_sign(name: str) -> None:
    """sign() over the raw request line gives the vector's Authorization header exactly."""
    vector = ALL_VECTORS[name]
    host = next(v for k, v in vector.headers if k.lower() == "host")
    query = f"?{vector.query}" if vector.query else ""
    headers = sign(
        vector.method,
        f"https://{host}{vector.path}{query}",
        vector.body,
        credentials=vector.credentials,
        region=vector.region,
        service=vector.service,
        now=vector.when,
        host=host,
    )
    assert headers["Authorization"] == vector.authorization
    assert headers["x-amz-date"] == AMZ_DATE
    assert headers["x-amz-content-sha256"] == vector.payload_hash
    if vector.credentials.session_token is None:
        assert "X-Amz-Security-Token" not in headers
    else:
        assert headers["X-Amz-Security-Token"] == vector.credentials.session_token


def _verify_vector(
    vector: Vector,
    headers: Headers | list[tuple[str, str]] | None = None,
    *,
    body: bytes | None = None,
    credentials: Credentials | None = None,
    now: dt.datetime | None = None,
    path: str | None = None,
) -> None:
    verify(
        vector.method,
        vector.path if path is None else path,
        vector.query,
        vector.signed_request if headers is None else headers,
        vector.body if body is None else body,
        credentials=vector.credentials if credentials is None else credentials,
        region=vector.region,
        service=vector.service,
        now=vector.when if now is None else now,
    )


@pytest.mark.parametrize("name", SELECTED)
def test_aws_vector_verifies(name: str) -> None:
    """verify() accepts the vector's signed request, and refuses it with a changed body or path."""
    vector = ALL_VECTORS[name]
    _verify_vector(vector)
    with pytest.raises(SignatureRejected) as info:
        _verify_vector(vector, body=vector.body + b"x")
    assert (info.value.code, info.value.status) == ("InvalidSignatureException", 403)
    with pytest.raises(SignatureRejected) as info:
        _verify_vector(vector, path=vector.path + "x")
    assert info.value.code == "InvalidSignatureException"


@pytest.mark.parametrize("name", [n for n in SELECTED if len(ALL_VECTORS[n].signed_headers) > 2])
def test_aws_vector_with_a_changed_signed_header_is_refused(name: str) -> None:
    """Changing the value of any header the request signed (beyond host and date) breaks it."""
    vector = ALL_VECTORS[name]
    extra = [n for n in vector.signed_headers if n not in ("host", "x-amz-date")]
    for target in extra:
        if target in ("x-amz-security-token", "x-amz-content-sha256"):
            continue  # each refused earlier, with a code of its own (tested below)
        headers = [(k, v + "x" if k.lower() == target else v) for k, v in vector.signed_request]
        with pytest.raises(SignatureRejected) as info:
            _verify_vector(vector, headers)
        assert info.value.code == "InvalidSignatureException", target


def test_unsigned_session_token_is_refused_when_the_server_expects_one() -> None:
    """post-sts-header-after verifies without a token configured, and fails when one is."""
    for name in (
        "aws4_testsuite/post-sts-token/post-sts-header-after",
        "aws-c-auth-v4/post-sts-header-after",
    ):
        vector = ALL_VECTORS[name]
        token = next(v for k, v in vector.signed_request if k.lower() == "x-amz-security-token")
        _verify_vector(vector)
        with pytest.raises(SignatureRejected) as info:
            _verify_vector(vector, credentials=attrs.evolve(VECTOR_KEY, session_token=token))
        assert info.value.code == "IncompleteSignatureException"
        assert "x-amz-security-token" in info.value.message


# -- the clock ----------------------------------------------------------------


def _sign_vanilla(now: dt.datetime | None) -> dict[str, str]:
    return sign(
        "GET",
        "https://example.amazonaws.com/",
        b"",
        credentials=VECTOR_KEY,
        region="us-east-1",
        service="service",
        now=now,
    )


def test_now_sets_the_signing_time() -> None:
    """The injected time, converted to UTC, is the X-Amz-Date and the scope date."""
    paris_summer = dt.timezone(dt.timedelta(hours=2))
    headers = _sign_vanilla(dt.datetime(2015, 8, 30, 14, 36, tzinfo=paris_summer))
    assert headers == _sign_vanilla(VECTOR_TIME)
    assert headers["x-amz-date"] == "20150830T123600Z"
    assert "/20150830/us-east-1/service/aws4_request" in headers["Authorization"]
    later = _sign_vanilla(dt.datetime(2031, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc))
    assert later["x-amz-date"] == "20310102T030405Z"
    assert "/20310102/" in later["Authorization"]


def test_default_clock_is_the_current_utc_time() -> None:
    """Without now=, the signing time is the wall clock in UTC (no local-time offset)."""
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    stamp = _sign_vanilla(None)["x-amz-date"]
    after = dt.datetime.now(dt.timezone.utc)
    signed_at = dt.datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
    assert before <= signed_at <= after


def test_signing_never_calls_datetime_utcnow() -> None:
    """sign() never reaches datetime.utcnow, which warns from Python 3.12 on.

    The suite turns warnings into errors, so on 3.12+ the call itself would
    fail; the profiler hook catches it on every Python version.
    """
    called: list[str] = []

    def profile(frame: FrameType, event: str, arg: Any) -> None:
        if event == "c_call" and getattr(arg, "__name__", "") == "utcnow":
            called.append(repr(arg))

    sys.setprofile(profile)
    try:
        _sign_vanilla(None)
        _sign_vanilla(VECTOR_TIME)
    finally:
        sys.setprofile(None)
    assert called == []


def test_installed_signer_module_is_left_untouched() -> None:
    """Signing patches nothing in aws_requests_auth: its globals and class are as installed."""
    import datetime

    from aws_requests_auth import aws_auth

    before = dict(vars(aws_auth))
    query_method = aws_auth.AWSRequestsAuth.__dict__["get_canonical_querystring"]
    _sign_vanilla(VECTOR_TIME)
    assert aws_auth.datetime is datetime
    assert dict(vars(aws_auth)) == before
    assert aws_auth.AWSRequestsAuth.__dict__["get_canonical_querystring"] is query_method
    assert sys.modules["aws_requests_auth.aws_auth"] is aws_auth


def test_import_does_not_load_requests_or_botocore() -> None:
    """`import lambda_es` pulls in neither requests (the signer's dependency) nor botocore."""
    code = (
        "import lambda_es, sys; "
        "assert 'requests' not in sys.modules and 'botocore' not in sys.modules, "
        "sorted(m for m in sys.modules if m.startswith(('requests', 'botocore')))"
    )
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_session_token_is_signed_and_returned() -> None:
    """With a token, x-amz-security-token is a signed header and is returned to send."""
    creds = attrs.evolve(VECTOR_KEY, session_token="TOKEN/with+base64=")
    headers = sign(
        "GET",
        "https://example.amazonaws.com/",
        b"",
        credentials=creds,
        region="us-east-1",
        now=VECTOR_TIME,
    )
    assert "SignedHeaders=host;x-amz-date;x-amz-security-token," in headers["Authorization"]
    assert headers["X-Amz-Security-Token"] == "TOKEN/with+base64="
    assert set(headers) == {
        "Authorization",
        "x-amz-date",
        "x-amz-content-sha256",
        "X-Amz-Security-Token",
    }


# -- URL canonicalisation -------------------------------------------------------

AWS = Endpoint("https", "lambda.us-east-1.amazonaws.com", 443)


def test_quote_component_keeps_only_unreserved() -> None:
    """Letters, digits and -_.~ stay; everything else, '/' included, is UTF-8 percent-encoded."""
    unreserved = "AZaz09-_.~"
    assert quote_component(unreserved) == unreserved
    assert quote_component("a b/c?d#e&f=g+h%i") == "a%20b%2Fc%3Fd%23e%26f%3Dg%2Bh%25i"
    assert quote_component("ሴé") == "%E1%88%B4%C3%A9"


def test_build_url_encodes_each_segment() -> None:
    """Each path segment is encoded on its own, so a '/' inside one cannot split it."""
    url = build_url(AWS, ("2014-11-13", "event-source-mappings", "a b/c?d#é"))
    assert url == (
        "https://lambda.us-east-1.amazonaws.com/2014-11-13/event-source-mappings/"
        "a%20b%2Fc%3Fd%23%C3%A9"
    )


def test_build_url_trailing_empty_segment_and_no_query() -> None:
    """An empty last segment gives the trailing slash; no query means no '?'."""
    url = build_url(AWS, ("2014-11-13", "event-source-mappings", ""))
    assert url == "https://lambda.us-east-1.amazonaws.com/2014-11-13/event-source-mappings/"


def test_build_url_query_is_encoded_and_sorted_by_key_then_value() -> None:
    """Query keys and values are encoded with -_.~ safe and sorted by key, then by value."""
    url = build_url(
        AWS,
        ("2014-11-13", "event-source-mappings", ""),
        [("Marker", "b b"), ("MaxItems", "10"), ("Marker", "a+a"), ("EventSource", "arn:x/y")],
    )
    assert url.endswith("/?EventSource=arn%3Ax%2Fy&Marker=a%2Ba&Marker=b%20b&MaxItems=10")


def test_canonical_query_sorts_by_key_not_by_pair_string() -> None:
    """A key that is a prefix of another sorts first, although '-' < '=' in ASCII."""
    assert canonical_query([("Param-3", "x"), ("Param", "y")]) == "Param=y&Param-3=x"
    assert canonical_query([("k", "b"), ("k", "B"), ("K", "a")]) == "K=a&k=B&k=b"
    assert canonical_query([("k", "")]) == "k="


def test_build_url_keeps_a_non_default_port() -> None:
    """A non-default port is part of the URL; the scheme's default port is left out."""
    segments = ("2014-11-13", "event-source-mappings", "")
    assert build_url(Endpoint("http", "127.0.0.1", 8080), segments).startswith(
        "http://127.0.0.1:8080/2014-11-13/"
    )
    assert build_url(Endpoint("http", "localhost", 80), segments).startswith(
        "http://localhost/2014-11-13/"
    )
    assert build_url(Endpoint("https", "example.com", 8443), segments).startswith(
        "https://example.com:8443/"
    )


def test_build_url_brackets_an_ipv6_host() -> None:
    """An IPv6 literal is bracketed, with or without a port."""
    segments = ("2014-11-13", "event-source-mappings", "")
    assert build_url(Endpoint("http", "::1", 9000), segments) == (
        "http://[::1]:9000/2014-11-13/event-source-mappings/"
    )
    assert build_url(Endpoint("https", "2001:db8::1", 443), segments).startswith(
        "https://[2001:db8::1]/2014-11-13/"
    )


def test_build_url_keeps_the_endpoint_base_path() -> None:
    """A path prefix from endpoint_url goes in front of the API path."""
    url = build_url(Endpoint("https", "proxy.example", 443, "/lambda"), ("2014-11-13", "x"))
    assert url == "https://proxy.example/lambda/2014-11-13/x"


def test_ipv6_host_header_is_signed_as_sent() -> None:
    """sign() takes the host from the URL's netloc when host= is not given, brackets and port included."""
    url = build_url(Endpoint("http", "::1", 9000), ("2014-11-13", "event-source-mappings", ""))
    implicit = sign("GET", url, b"", credentials=VECTOR_KEY, region="us-east-1", now=VECTOR_TIME)
    explicit = sign(
        "GET",
        url,
        b"",
        credentials=VECTOR_KEY,
        region="us-east-1",
        now=VECTOR_TIME,
        host="[::1]:9000",
    )
    assert implicit == explicit
    assert implicit["Authorization"] == botocore_authorization(
        method="GET",
        url=url,
        body=b"",
        host="[::1]:9000",
        when=VECTOR_TIME,
        access_key_id=VECTOR_KEY.access_key_id,
        secret_access_key=VECTOR_KEY.secret_access_key,
        session_token=None,
        region="us-east-1",
    )


# -- property: lambda_es signs what botocore signs -------------------------------

_REGIONS = st.from_regex(
    r"(us|eu|ap|sa|ca|me|af|il|cn|us-gov)-(east|west|north|south|central|northeast|southeast)-[1-9]",
    fullmatch=True,
)
_FUNCTION_NAMES = st.from_regex(r"[a-zA-Z0-9\-_]{1,64}", fullmatch=True)
_ACCOUNTS = st.from_regex(r"\d{12}", fullmatch=True)
_NAMES = st.from_regex(r"[a-zA-Z0-9_.\-]{3,40}", fullmatch=True)
_TOKENS = st.none() | st.from_regex(r"[A-Za-z0-9+/]{16,300}={0,2}", fullmatch=True)


@st.composite
def _stream_arns(draw: st.DrawFn) -> str:
    partition = draw(st.sampled_from(["aws", "aws-cn", "aws-us-gov"]))
    region = draw(_REGIONS)
    account = draw(_ACCOUNTS)
    if draw(st.booleans()):
        return f"arn:{partition}:kinesis:{region}:{account}:stream/{draw(_NAMES)}"
    label = draw(st.from_regex(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}", fullmatch=True))
    return f"arn:{partition}:dynamodb:{region}:{account}:table/{draw(_NAMES)}/stream/{label}"


@st.composite
def _endpoints(draw: st.DrawFn, region: str) -> Endpoint:
    kind = draw(st.sampled_from(["aws", "loopback", "ipv6"]))
    if kind == "aws":
        suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
        return Endpoint("https", f"lambda.{region}.{suffix}", 443)
    port = draw(st.integers(min_value=1, max_value=65535))
    return Endpoint("http", "127.0.0.1" if kind == "loopback" else "::1", port)


@attrs.frozen
class _Call:
    method: str
    segments: tuple[str, ...]
    query: tuple[tuple[str, str], ...]
    body: bytes


@st.composite
def _calls(draw: st.DrawFn) -> _Call:
    version = draw(st.sampled_from(["2014-11-13", "2015-03-31"]))
    kind = draw(st.sampled_from(["add", "list", "get", "delete"]))
    if kind == "add":
        payload: dict[str, Any] = {
            "EventSource": draw(_stream_arns()),
            "FunctionName": draw(_FUNCTION_NAMES),
            "Role": f"arn:aws:iam::{draw(_ACCOUNTS)}:role/{draw(_NAMES)}",
        }
        if draw(st.booleans()):
            payload["BatchSize"] = draw(st.integers(min_value=1, max_value=10_000))
        if draw(st.booleans()):
            payload["Parameters"] = {
                "InitialPositionInStream": draw(st.sampled_from(["TRIM_HORIZON", "LATEST"]))
            }
        if draw(st.booleans()):
            # Free text in the body: the payload hash must cover any UTF-8.
            payload["Description"] = draw(st.text(max_size=40))
        return _Call("POST", (version, "event-source-mappings", ""), (), encode_body(payload))
    if kind == "list":
        optional = {
            "EventSource": _stream_arns(),
            "FunctionName": _FUNCTION_NAMES,
            "Marker": st.text(max_size=60),
            "MaxItems": st.integers(min_value=1, max_value=10_000).map(str),
        }
        query = tuple(
            (key, draw(strategy)) for key, strategy in optional.items() if draw(st.booleans())
        )
        return _Call("GET", (version, "event-source-mappings", ""), query, b"")
    # A mapping id from a hostile server: anything but the dot segments that
    # check_uuid refuses, since URL normalisation would swallow them.
    mapping_id = draw(
        st.one_of(st.uuids().map(str), st.text(min_size=1, max_size=40)).filter(
            lambda s: s not in (".", "..")
        )
    )
    method = "GET" if kind == "get" else "DELETE"
    return _Call(method, (version, "event-source-mappings", mapping_id), (), b"")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    call=_calls(),
    token=_TOKENS,
    access_key=st.from_regex(r"(AKIA|ASIA)[A-Z0-9]{16}", fullmatch=True),
    secret=st.from_regex(r"[A-Za-z0-9+/]{40}", fullmatch=True),
    when=st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2099, 12, 31),
        timezones=st.just(dt.timezone.utc),
    ),
)
def test_signature_matches_botocore(
    data: st.DataObject,
    call: _Call,
    token: str | None,
    access_key: str,
    secret: str,
    when: dt.datetime,
) -> None:
    """For Lambda-shaped requests, sign()'s Authorization equals botocore SigV4Auth's."""
    region = data.draw(_REGIONS, label="region")
    endpoint = data.draw(_endpoints(region), label="endpoint")
    url = build_url(endpoint, call.segments, call.query)
    credentials = Credentials(access_key, secret, token)
    ours = sign(
        call.method,
        url,
        call.body,
        credentials=credentials,
        region=region,
        now=when,
        host=endpoint.host_header,
    )
    theirs = botocore_authorization(
        method=call.method,
        url=url,
        body=call.body,
        host=endpoint.host_header,
        when=when,
        access_key_id=access_key,
        secret_access_key=secret,
        session_token=token,
        region=region,
    )
    assert ours["Authorization"] == theirs


def test_uuid_with_reserved_characters_matches_botocore() -> None:
    """A mapping id with '%', '/', '?', spaces and non-ASCII signs as botocore signs it."""
    mapping_id = f"{uuid.UUID(int=7)}/%2F? ሴ;x"
    endpoint = Endpoint("https", "lambda.eu-west-1.amazonaws.com", 443)
    url = build_url(endpoint, ("2014-11-13", "event-source-mappings", mapping_id))
    ours = sign("DELETE", url, b"", credentials=VECTOR_KEY, region="eu-west-1", now=VECTOR_TIME)
    assert ours["Authorization"] == botocore_authorization(
        method="DELETE",
        url=url,
        body=b"",
        host=endpoint.host_header,
        when=VECTOR_TIME,
        access_key_id=VECTOR_KEY.access_key_id,
        secret_access_key=VECTOR_KEY.secret_access_key,
        session_token=None,
        region="eu-west-1",
    )


# -- the signing key cache ------------------------------------------------------


def test_signing_key_is_derived_once_and_equals_upstreams() -> None:
    """The first signature derives the key (a miss); the next ones of the scope reuse it (hits)."""
    from aws_requests_auth import aws_auth

    KEY_CACHE.clear()
    first = _sign_vanilla(VECTOR_TIME)
    assert (KEY_CACHE.misses, KEY_CACHE.hits, len(KEY_CACHE)) == (1, 0, 1)
    for _ in range(5):
        assert _sign_vanilla(VECTOR_TIME + dt.timedelta(seconds=1))["x-amz-date"].endswith("01Z")
    assert (KEY_CACHE.misses, KEY_CACHE.hits, len(KEY_CACHE)) == (1, 5, 1)
    assert first == _sign_vanilla(VECTOR_TIME)
    derived = aws_auth.getSignatureKey(
        VECTOR_KEY.secret_access_key, "20150830", "us-east-1", "service"
    )
    assert (
        KEY_CACHE.get(VECTOR_KEY.secret_access_key, "20150830", "us-east-1", "service") == derived
    )


def test_each_secret_date_region_and_service_has_its_own_key() -> None:
    """Changing any part of the scope or the secret gives another key, never a stale one."""
    base = ("secret-one", "20150830", "us-east-1", "lambda")
    variants = [
        base,
        ("secret-two", *base[1:]),
        (base[0], "20150831", *base[2:]),
        (*base[:2], "eu-west-1", base[3]),
        (*base[:3], "sts"),
        # The same characters split differently across the parts.
        ("secret-one2", "0150830", *base[2:]),
    ]
    KEY_CACHE.clear()
    keys = [KEY_CACHE.get(*v) for v in variants]
    assert len(set(keys)) == len(variants)
    assert KEY_CACHE.misses == len(variants)
    assert [KEY_CACHE.get(*v) for v in variants] == keys
    assert KEY_CACHE.hits == len(variants)


def test_key_cache_is_bounded_and_shows_no_secret() -> None:
    """Past its size the oldest key goes; neither repr nor its internals hold the secret."""
    KEY_CACHE.clear()
    secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
    for day in range(1, KEY_CACHE.size + 20):
        KEY_CACHE.get(secret, f"2015{day // 28 + 1:02d}{day % 28 + 1:02d}", "us-east-1", "lambda")
    assert len(KEY_CACHE) == KEY_CACHE.size
    assert KEY_CACHE.misses == KEY_CACHE.size + 19
    # The first dates were evicted: asking again derives them anew.
    KEY_CACHE.get(secret, "20150102", "us-east-1", "lambda")
    assert KEY_CACHE.misses == KEY_CACHE.size + 20
    assert secret not in repr(KEY_CACHE)
    assert secret not in repr(vars(KEY_CACHE))
    assert secret.encode() not in b"".join(vars(KEY_CACHE)["_keys"])


# -- failures inside the signer ---------------------------------------------------------


def test_upstream_attribute_error_is_a_signing_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A function gone from aws-requests-auth is a SigningError naming the step, no bare AttributeError."""
    from aws_requests_auth import aws_auth

    KEY_CACHE.clear()
    monkeypatch.delattr(aws_auth, "getSignatureKey")
    with pytest.raises(SigningError) as info:
        _sign_vanilla(VECTOR_TIME)
    assert isinstance(info.value, lambda_es.ConfigurationError)
    assert isinstance(info.value, lambda_es.LambdaESError)
    assert "getSignatureKey" in str(info.value)
    assert "AttributeError" in str(info.value)
    assert "aws-requests-auth>=0.4.3,<0.5" in str(info.value)
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


def test_upstream_error_quoting_the_secret_is_withheld(monkeypatch: pytest.MonkeyPatch) -> None:
    """An upstream message that quotes the secret is not repeated in the SigningError."""
    from aws_requests_auth import aws_auth

    def leaky(key: str, *_: str) -> bytes:
        raise TypeError(f"bad key {key}")

    KEY_CACHE.clear()
    monkeypatch.setattr(aws_auth, "getSignatureKey", leaky)
    with pytest.raises(SigningError) as info:
        _sign_vanilla(VECTOR_TIME)
    assert VECTOR_KEY.secret_access_key not in str(info.value)
    assert "withheld" in str(info.value)


def test_upstream_changed_return_type_is_a_signing_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """sign() returning hex text instead of the digest fails loudly, not as a wrong signature."""
    from aws_requests_auth import aws_auth

    original = aws_auth.sign
    _sign_vanilla(VECTOR_TIME)  # the key is cached: the final HMAC is the step that changes
    monkeypatch.setattr(aws_auth, "sign", lambda key, msg: original(key, msg).hex())
    with pytest.raises(SigningError, match="returned str, not a 32-byte"):
        _sign_vanilla(VECTOR_TIME)


def test_signer_that_cannot_be_imported_is_a_signing_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """An aws-requests-auth that fails to import is a SigningError, loaded again once it is back."""
    from lambda_es import _signing

    _signing._upstream.cache_clear()
    monkeypatch.setitem(sys.modules, "aws_requests_auth.aws_auth", None)
    try:
        KEY_CACHE.clear()
        with pytest.raises(SigningError, match="cannot import the signer"):
            _sign_vanilla(VECTOR_TIME)
    finally:
        monkeypatch.undo()
        _signing._upstream.cache_clear()
    assert _sign_vanilla(VECTOR_TIME)["x-amz-date"] == AMZ_DATE


async def test_client_call_surfaces_a_signing_error_unretried(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Through AsyncClient, a broken signer raises SigningError at once; nothing is sent or retried."""
    from aws_requests_auth import aws_auth

    KEY_CACHE.clear()
    monkeypatch.delattr(aws_auth, "getSignatureKey")
    async with FakeLambda() as fake:
        async with lambda_es.AsyncClient(
            region=fake.region,
            endpoint_url=fake.endpoint_url,
            credentials=fake.client_credentials,
        ) as client:
            with pytest.raises(SigningError, match="getSignatureKey"):
                await client.get_event_source(str(uuid.UUID(int=1)))
        assert fake.requests == []


# -- verify(): each rule on its own -------------------------------------------------

_URL = "http://127.0.0.1:9000/2015-03-31/event-source-mappings/"
_HOST = "127.0.0.1:9000"
_BODY = b'{"FunctionName":"f"}'
_TOKEN_KEY = Credentials("ASIAEXAMPLE", "secret/KEY+1", "SESSION+TOKEN/1==")


def _signed(
    credentials: Credentials = VECTOR_KEY,
    *,
    when: dt.datetime = VECTOR_TIME,
    body: bytes = _BODY,
    region: str = "us-east-1",
    service: str = "lambda",
) -> list[tuple[str, str]]:
    headers = sign(
        "POST",
        _URL,
        body,
        credentials=credentials,
        region=region,
        service=service,
        now=when,
        host=_HOST,
    )
    return [("Host", _HOST), ("Content-Type", "application/json"), *headers.items()]


def _check(
    headers: list[tuple[str, str]],
    *,
    credentials: Credentials | None = VECTOR_KEY,
    body: bytes = _BODY,
    now: dt.datetime = VECTOR_TIME,
) -> None:
    verify(
        "POST",
        "/2015-03-31/event-source-mappings/",
        "",
        headers,
        body,
        credentials=credentials,
        region="us-east-1",
        now=now,
    )


def _refusal(headers: list[tuple[str, str]], **kwargs: Any) -> SignatureRejected:
    with pytest.raises(SignatureRejected) as info:
        _check(headers, **kwargs)
    assert info.value.status == 403
    return info.value


def _replace(headers: list[tuple[str, str]], name: str, value: str | None) -> list[tuple[str, str]]:
    kept = [(k, v) for k, v in headers if k.lower() != name.lower()]
    return kept if value is None else [*kept, (name, value)]


def test_verify_accepts_sign_with_and_without_token() -> None:
    """What sign() produces verifies, with long-term and with session credentials."""
    _check(_signed())
    _check(_signed(_TOKEN_KEY), credentials=_TOKEN_KEY)


def test_verify_accepts_any_signed_header_set_with_host_and_date() -> None:
    """A request signing content-type too (as boto3 does) verifies over the set it names."""
    amz = VECTOR_TIME.strftime("%Y%m%dT%H%M%SZ")
    headers = [("Host", _HOST), ("Content-Type", "application/json"), ("X-Amz-Date", amz)]
    value = authorization(
        "POST",
        "/2015-03-31/event-source-mappings/",
        "",
        headers,
        ["content-type", "host", "x-amz-date"],
        hashlib.sha256(_BODY).hexdigest(),
        credentials=VECTOR_KEY,
        amz_date=amz,
        region="us-east-1",
        service="lambda",
    )
    signed = [*headers, ("Authorization", value)]
    _check(signed)
    with pytest.raises(SignatureRejected, match="does not match"):
        _check(_replace(signed, "Content-Type", "text/plain"))


def test_verify_requires_host_and_date_among_signed_headers() -> None:
    """SignedHeaders without host or x-amz-date is an IncompleteSignatureException."""
    headers = _signed()
    auth = dict(headers)["Authorization"]
    for signed in ("x-amz-date", "host"):
        bad = _replace(headers, "Authorization", auth.replace("host;x-amz-date", signed))
        refused = _refusal(bad)
        assert refused.code == "IncompleteSignatureException"
        assert "'host' and 'x-amz-date'" in refused.message


def test_verify_refuses_missing_or_malformed_authorization() -> None:
    """No Authorization is MissingAuthenticationToken; a malformed one or no X-Amz-Date is incomplete."""
    headers = _signed()
    assert _refusal(_replace(headers, "Authorization", None)).code == (
        "MissingAuthenticationTokenException"
    )
    assert _refusal(_replace(headers, "Authorization", "AWS4-HMAC-SHA256 junk")).code == (
        "IncompleteSignatureException"
    )
    assert _refusal(_replace(headers, "x-amz-date", None)).code == "IncompleteSignatureException"
    malformed = _refusal(_replace(headers, "x-amz-date", "2015-08-30T12:36:00Z"))
    assert malformed.code == "IncompleteSignatureException"
    assert "ISO-8601" in malformed.message


def test_verify_refuses_a_wrong_scope() -> None:
    """Another region, service, terminator or a scope date unlike X-Amz-Date is refused."""
    other_region = _refusal(_signed(region="eu-west-1"))
    assert other_region.code == "InvalidSignatureException"
    assert "region 'us-east-1'" in other_region.message
    assert "service 'lambda'" in _refusal(_signed(service="sts")).message
    headers = _signed()
    auth = dict(headers)["Authorization"]
    terminated = _replace(headers, "Authorization", auth.replace("aws4_request", "aws5_request"))
    assert "valid terminator" in _refusal(terminated).message
    shifted = _replace(headers, "Authorization", auth.replace("/20150830/", "/20150831/"))
    refused = _refusal(shifted)
    assert refused.code == "InvalidSignatureException"
    assert refused.message.startswith("Date in Credential scope does not match")


@pytest.mark.parametrize("minutes", [-20, -16, 16, 20, 60 * 24 * 365 * 10])
def test_verify_refuses_a_clock_more_than_15_minutes_off(minutes: int) -> None:
    """A signature dated more than 15 minutes from the server's clock is refused as AWS says."""
    refused = _refusal(_signed(), now=VECTOR_TIME + dt.timedelta(minutes=minutes))
    assert refused.code == "InvalidSignatureException"
    if minutes > 0:
        assert refused.message.startswith(
            "Signature expired: 20150830T123600Z is now earlier than "
        )
        assert refused.message.endswith(" - 15 min.)")
    else:
        assert refused.message.startswith("Signature not yet current: 20150830T123600Z")


@pytest.mark.parametrize("minutes", [-15, -14, 0, 14, 15])
def test_verify_accepts_a_clock_within_15_minutes(minutes: int) -> None:
    """Up to 15 minutes either way is accepted."""
    _check(_signed(), now=VECTOR_TIME + dt.timedelta(minutes=minutes))


def test_verify_refuses_wrong_secret_and_key() -> None:
    """Another secret gives InvalidSignatureException; another access key UnrecognizedClient."""
    wrong_secret = attrs.evolve(VECTOR_KEY, secret_access_key="another-secret")
    assert _refusal(_signed(wrong_secret)).code == "InvalidSignatureException"
    wrong_key = attrs.evolve(VECTOR_KEY, access_key_id="AKIDOTHER")
    assert _refusal(_signed(wrong_key)).code == "UnrecognizedClientException"


def test_verify_refuses_a_tampered_body() -> None:
    """A body changed after signing fails on its declared hash, and on the signature without one."""
    headers = _signed()
    refused = _refusal(headers, body=_BODY + b" ")
    assert refused.code == "InvalidSignatureException"
    assert "x-amz-content-sha256" in refused.message
    refused = _refusal(_replace(headers, "x-amz-content-sha256", None), body=_BODY + b" ")
    assert refused.code == "InvalidSignatureException"
    assert "does not match" in refused.message


def test_verify_requires_the_session_token_signed() -> None:
    """With a token configured: removed, wrong, or present but unsigned, the request is refused."""
    headers = _signed(_TOKEN_KEY)
    removed = _refusal(_replace(headers, "X-Amz-Security-Token", None), credentials=_TOKEN_KEY)
    assert removed.code == "UnrecognizedClientException"
    wrong = _refusal(_replace(headers, "X-Amz-Security-Token", "OTHER"), credentials=_TOKEN_KEY)
    assert wrong.code == "UnrecognizedClientException"
    # Signed without the token, the token added afterwards.
    unsigned = [
        *_signed(attrs.evolve(_TOKEN_KEY, session_token=None)),
        ("X-Amz-Security-Token", _TOKEN_KEY.session_token or ""),
    ]
    refused = _refusal(unsigned, credentials=_TOKEN_KEY)
    assert refused.code == "IncompleteSignatureException"
    assert "x-amz-security-token" in refused.message


def test_verify_refuses_a_signed_header_that_is_absent() -> None:
    """A header named in SignedHeaders but not sent is an IncompleteSignatureException."""
    headers = _signed()
    auth = dict(headers)["Authorization"]
    bad = _replace(
        headers, "Authorization", auth.replace("host;x-amz-date", "host;x-amz-date;x-custom")
    )
    refused = _refusal(bad)
    assert refused.code == "IncompleteSignatureException"
    assert "x-custom" in refused.message


def test_verify_without_credentials_checks_form_and_scope_only() -> None:
    """credentials=None accepts any well-formed signature in scope, whatever its secret or age."""
    stranger = Credentials("AKIDANY", "any-secret")
    _check(_signed(stranger), credentials=None, now=VECTOR_TIME + dt.timedelta(days=400))
    assert _refusal(_signed(region="eu-west-1"), credentials=None).code == (
        "InvalidSignatureException"
    )
    assert _refusal(_replace(_signed(), "Authorization", "x"), credentials=None).code == (
        "IncompleteSignatureException"
    )


def test_refusals_never_quote_a_secret_token_or_signature() -> None:
    """No refusal's code or message repeats the secret, the token or a signature."""
    headers = _signed(_TOKEN_KEY)
    signature = dict(headers)["Authorization"].rsplit("=", 1)[1]
    refusals = [
        _refusal(headers, credentials=attrs.evolve(_TOKEN_KEY, secret_access_key="other")),
        _refusal(_replace(headers, "X-Amz-Security-Token", "x"), credentials=_TOKEN_KEY),
        _refusal(headers, credentials=_TOKEN_KEY, body=b"changed"),
        _refusal(headers, credentials=_TOKEN_KEY, now=VECTOR_TIME + dt.timedelta(hours=1)),
    ]
    for refused in refusals:
        for text in (str(refused), repr(refused), refused.message):
            assert _TOKEN_KEY.secret_access_key not in text
            assert (_TOKEN_KEY.session_token or "") not in text
            assert signature not in text


def test_signing_from_many_threads_agrees() -> None:
    """The shared key cache gives every thread the same signatures as one thread does."""
    from concurrent.futures import ThreadPoolExecutor

    KEY_CACHE.clear()
    days = [VECTOR_TIME + dt.timedelta(days=d, seconds=d) for d in range(40)]
    expected = [_sign_vanilla(when) for when in days]
    KEY_CACHE.clear()
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(_sign_vanilla, days * 5))
    assert got == expected * 5
    assert len(KEY_CACHE) == 40


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.lists(st.text(max_size=12), max_size=4),
    query=st.lists(st.tuples(st.text(max_size=6), st.text(max_size=6)), max_size=3),
    body=st.binary(max_size=64),
    token=st.one_of(st.none(), st.text(min_size=1, max_size=20).filter(str.strip)),
    host=st.sampled_from(["lambda.us-east-1.amazonaws.com", "127.0.0.1:9001", " a  b "]),
)
def test_sign_equals_the_generic_authorization(
    path: list[str], query: list[tuple[str, str]], body: bytes, token: str | None, host: str
) -> None:
    """sign()'s written-out canonical request signs exactly as the generic authorization() does."""
    credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    endpoint = parse_endpoint_url(
        "https://lambda.us-east-1.amazonaws.com", where="test", allow_http=False
    )
    url = build_url(endpoint, path, query)
    headers = sign(
        "POST", url, body, credentials=credentials, region="us-east-1", now=VECTOR_TIME, host=host
    )
    raw_path, _, raw_query = url.split("://", 1)[1].partition("/")[2].partition("?")
    signed = [("host", host), ("x-amz-date", headers["x-amz-date"])]
    if token:
        signed.append(("x-amz-security-token", token))
    expected = authorization(
        "POST",
        "/" + raw_path,
        raw_query,
        signed,
        [name for name, _ in signed],
        hashlib.sha256(body).hexdigest(),
        credentials=credentials,
        amz_date=headers["x-amz-date"],
        region="us-east-1",
        service="lambda",
    )
    assert headers["Authorization"] == expected


def test_quote_component_fast_path_matches_quote() -> None:
    """Text of unreserved characters only comes back as is; anything else is encoded as before."""
    from urllib.parse import quote

    for text in ["2015-03-31", "event-source-mappings", "", "a.b~c_d-e", "a b", "é", "a/b", "%41"]:
        assert quote_component(text) == quote(text, safe="-_.~")
