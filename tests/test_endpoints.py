"""Region and endpoint resolution (lambda_es._endpoints), unit and end to end.

Region: region= > AWS_REGION > AWS_DEFAULT_REGION > the profile's region.
Endpoint: endpoint_url= > AWS_ENDPOINT_URL_LAMBDA > AWS_ENDPOINT_URL > the
partition's default. Plain http is refused except to loopback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import lambda_es
from lambda_es._endpoints import Endpoint, is_loopback, resolve_endpoint, resolve_region
from lambda_es.testing import FakeLambda

from .conftest import CREDENTIALS, KINESIS_ARN, ROLE_ARN

# -- region --------------------------------------------------------------------------


def test_region_order() -> None:
    """The argument beats AWS_REGION, which beats AWS_DEFAULT_REGION, which beats the profile."""
    profile = {"region": "ap-south-1"}
    env = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-central-1"}
    assert resolve_region("us-west-2", profile, env) == "us-west-2"
    assert resolve_region(None, profile, env) == "eu-west-1"
    assert resolve_region(None, profile, {"AWS_DEFAULT_REGION": "eu-central-1"}) == "eu-central-1"
    assert resolve_region(None, profile, {}) == "ap-south-1"


def test_empty_environment_values_are_skipped() -> None:
    """An empty AWS_REGION does not hide AWS_DEFAULT_REGION."""
    env = {"AWS_REGION": "", "AWS_DEFAULT_REGION": "sa-east-1"}
    assert resolve_region(None, {}, env) == "sa-east-1"


def test_no_region_says_where_it_looked() -> None:
    """Without a region anywhere, ConfigurationError names every place it looked."""
    with pytest.raises(lambda_es.ConfigurationError) as info:
        resolve_region(None, {}, {})
    for looked in ("region=", "AWS_REGION", "AWS_DEFAULT_REGION", "profile"):
        assert looked in str(info.value)


@pytest.mark.parametrize(
    "region", ["us_east_1", "US-EAST-1", "lambda.us-east-1.amazonaws.com", "us-east", "us-east-1 "]
)
def test_bad_region_names(region: str) -> None:
    """Something that is not a region name is a ConfigurationError, not a bad host name later."""
    with pytest.raises(lambda_es.ConfigurationError, match="region"):
        resolve_region(region, {}, {})


@pytest.mark.parametrize(
    "region", ["us-east-1", "cn-northwest-1", "us-gov-west-1", "ap-southeast-3"]
)
def test_good_region_names(region: str) -> None:
    """Region names of every partition are accepted as given."""
    assert resolve_region(region, {}, {}) == region


# -- endpoint --------------------------------------------------------------------------


def test_endpoint_order() -> None:
    """endpoint_url beats AWS_ENDPOINT_URL_LAMBDA, which beats AWS_ENDPOINT_URL."""
    env = {
        "AWS_ENDPOINT_URL_LAMBDA": "https://lambda.example:1",
        "AWS_ENDPOINT_URL": "https://all.example:2",
    }
    assert resolve_endpoint("https://arg.example:3", "us-east-1", env).host == "arg.example"
    assert resolve_endpoint(None, "us-east-1", env).host == "lambda.example"
    assert resolve_endpoint(None, "us-east-1", {"AWS_ENDPOINT_URL": env["AWS_ENDPOINT_URL"]}) == (
        Endpoint("https", "all.example", 2)
    )


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("us-east-1", "lambda.us-east-1.amazonaws.com"),
        ("eu-west-3", "lambda.eu-west-3.amazonaws.com"),
        ("us-gov-west-1", "lambda.us-gov-west-1.amazonaws.com"),
        ("cn-north-1", "lambda.cn-north-1.amazonaws.com.cn"),
        ("cn-northwest-1", "lambda.cn-northwest-1.amazonaws.com.cn"),
    ],
)
def test_partition_default(region: str, host: str) -> None:
    """Without a URL the endpoint is the partition's Lambda host over https."""
    endpoint = resolve_endpoint(None, region, {})
    assert endpoint == Endpoint("https", host, 443)
    assert endpoint.origin == f"https://{host}"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://proxy.example", Endpoint("https", "proxy.example", 443)),
        ("HTTPS://Proxy.Example:8443/", Endpoint("https", "proxy.example", 8443)),
        ("http://127.0.0.1:9000", Endpoint("http", "127.0.0.1", 9000)),
        ("http://127.1.2.3", Endpoint("http", "127.1.2.3", 80)),
        ("http://localhost:9000/prefix/", Endpoint("http", "localhost", 9000, "/prefix")),
        ("http://[::1]:9000", Endpoint("http", "::1", 9000)),
        ("https://[2001:db8::1]", Endpoint("https", "2001:db8::1", 443)),
    ],
)
def test_endpoint_urls(url: str, expected: Endpoint) -> None:
    """Scheme, host (lower-cased, IPv6 unbracketed), port (or its default) and base path are parsed."""
    assert resolve_endpoint(url, "us-east-1", {}) == expected


@pytest.mark.parametrize(
    ("endpoint", "header"),
    [
        (Endpoint("https", "h.example", 443), "h.example"),
        (Endpoint("https", "h.example", 80), "h.example:80"),
        (Endpoint("http", "127.0.0.1", 80), "127.0.0.1"),
        (Endpoint("http", "127.0.0.1", 9000), "127.0.0.1:9000"),
        (Endpoint("http", "::1", 9000), "[::1]:9000"),
        (Endpoint("https", "::1", 443), "[::1]"),
    ],
)
def test_host_header(endpoint: Endpoint, header: str) -> None:
    """The Host header carries the port only when it is not the scheme's default, IPv6 bracketed."""
    assert endpoint.host_header == header


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "http://lambda.us-east-1.amazonaws.com",
        "http://10.0.0.1:8080",
        "http://192.168.1.10",
        "http://[fe80::1]:9000",
        "http://localhost.attacker.example",
        "http://127.0.0.1.nip.io",
    ],
)
def test_plain_http_is_refused_off_loopback(url: str) -> None:
    """Signed requests never travel in the clear to a host that is not this machine."""
    with pytest.raises(lambda_es.ConfigurationError, match="http"):
        resolve_endpoint(url, "us-east-1", {})


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.255.0.9", "localhost", "LOCALHOST", "::1", "app.localhost"]
)
def test_loopback_hosts(host: str) -> None:
    """127.0.0.0/8, ::1 and localhost names count as loopback."""
    assert is_loopback(host)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://lambda.example",
        "lambda.example",
        "https://",
        "https://lambda.example?x=1",
        "https://lambda.example#frag",
        "https://lambda.example:99999",
        "https://lambda.example:port",
        "https://[::1",
    ],
)
def test_unusable_endpoint_urls(url: str) -> None:
    """Other schemes, no host, a query, a fragment or a bad port are ConfigurationErrors."""
    with pytest.raises(lambda_es.ConfigurationError):
        resolve_endpoint(url, "us-east-1", {})


@pytest.mark.parametrize(
    "url",
    [
        "https://user:PASS-WORD@lambda.example",
        "ftp://user:PASS-WORD@lambda.example",
        "https://user:PASS-WORD@lambda.example:99999",
        "https://user:PASS-WORD@/path",
        "user:PASS-WORD@lambda.example",
        "http://user:PASS-WORD@example.com",
    ],
)
def test_user_info_is_refused_and_never_echoed(url: str) -> None:
    """A URL with a password is refused, and no message repeats the password."""
    with pytest.raises(lambda_es.ConfigurationError) as info:
        resolve_endpoint(url, "us-east-1", {})
    assert "PASS-WORD" not in str(info.value)


def test_environment_endpoint_obeys_the_same_rules() -> None:
    """AWS_ENDPOINT_URL_LAMBDA is checked like the argument: http off loopback is refused."""
    with pytest.raises(lambda_es.ConfigurationError, match="http"):
        resolve_endpoint(None, "us-east-1", {"AWS_ENDPOINT_URL_LAMBDA": "http://example.com"})


# -- end to end -------------------------------------------------------------------------


async def test_client_reads_region_and_endpoint_from_environment(
    fake: FakeLambda, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With AWS_REGION and AWS_ENDPOINT_URL_LAMBDA set, a bare client reaches the fake, scoped to the region."""
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", fake.endpoint_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://wrong.example")
    async with lambda_es.AsyncClient(credentials=CREDENTIALS) as client:
        await client.add_event_source(event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN)
    assert "/us-east-1/lambda/aws4_request" in fake.requests[0].headers["Authorization"]


async def test_client_region_from_profile(
    fake: FakeLambda, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The profile's region is used when neither region= nor the environment gives one."""
    config = tmp_path / "config"
    config.write_text("[profile ci]\nregion = us-east-1\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "ci")
    async with lambda_es.AsyncClient(
        credentials=CREDENTIALS, endpoint_url=fake.endpoint_url
    ) as client:
        await client.add_event_source(event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN)
    assert "/us-east-1/lambda/aws4_request" in fake.requests[0].headers["Authorization"]


async def test_client_host_header_matches_endpoint(fake: FakeLambda) -> None:
    """The Host header sent (and signed) is the endpoint's host and port."""
    async with lambda_es.AsyncClient(
        region="us-east-1", credentials=CREDENTIALS, endpoint_url=fake.endpoint_url
    ) as client:
        await client.add_event_source(event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN)
    assert fake.requests[0].headers["Host"] == f"127.0.0.1:{fake.port}"


async def test_client_refuses_plain_http_before_sending() -> None:
    """A client pointed at plain http off loopback raises ConfigurationError on the call."""
    async with lambda_es.AsyncClient(
        region="us-east-1", credentials=CREDENTIALS, endpoint_url="http://example.com"
    ) as client:
        with pytest.raises(lambda_es.ConfigurationError, match="http"):
            await client.add_event_source(
                event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN
            )


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("eusc-de-east-1", "lambda.eusc-de-east-1.amazonaws.eu"),
        ("us-iso-east-1", "lambda.us-iso-east-1.c2s.ic.gov"),
        ("us-isob-east-1", "lambda.us-isob-east-1.sc2s.sgov.gov"),
        ("eu-isoe-west-1", "lambda.eu-isoe-west-1.cloud.adc-e.uk"),
        ("us-isof-south-1", "lambda.us-isof-south-1.csp.hci.ic.gov"),
        ("us-gov-west-1", "lambda.us-gov-west-1.amazonaws.com"),
    ],
)
def test_every_partition_has_its_dns_suffix(region: str, host: str) -> None:
    """The default endpoint uses the region's partition suffix, as AWS's partition table says."""
    assert resolve_region(region, {}, {}) == region
    assert resolve_endpoint(None, region, {}).host == host
