"""Endpoints (lambda_es._endpoints): the partition table, Lambda's host names, URLs.

Lambda's host name for every region of every partition in the installed
botocore, and for the plain, FIPS, dual-stack and FIPS+dual-stack variants,
equals what botocore's own endpoint ruleset resolves, and what a botocore
client really sends to (caught before it leaves). Configured URLs are
parsed and checked; plain http is refused off loopback unless allowed.
Which setting wins over which is tests/test_config.py's.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

import lambda_es
from lambda_es._endpoints import (
    PARTITIONS,
    Endpoint,
    Partition,
    check_region,
    is_loopback,
    lambda_endpoint,
    parse_endpoint_url,
    partition_of,
)
from lambda_es.testing import FakeLambda

from .conftest import CREDENTIALS, KINESIS_ARN, ROLE_ARN

VARIANTS = list(itertools.product((False, True), repeat=2))


def _botocore_data() -> tuple[Any, dict[str, Any], dict[str, Any]]:
    botocore_loaders = pytest.importorskip("botocore.loaders")
    loader = botocore_loaders.create_loader()
    partitions = loader.load_data("partitions")
    endpoints = loader.load_data("endpoints")
    ruleset = loader.load_service_model("lambda", "endpoint-rule-set-1")
    return partitions, endpoints, ruleset


def _every_region() -> list[str]:
    partitions, endpoints, _ = _botocore_data()
    regions = {name for p in partitions["partitions"] for name in p["regions"]}
    regions |= {name for p in endpoints["partitions"] for name in p["regions"]}
    return sorted(regions)


# -- the partition table against botocore's data ------------------------------------------


def test_partition_table_matches_botocore() -> None:
    """Every partition botocore knows is in the table with the same pattern, suffixes and variants."""
    partitions, _, _ = _botocore_data()
    ours = {p.name: p for p in PARTITIONS}
    assert set(ours) == {p["id"] for p in partitions["partitions"]}
    for theirs in partitions["partitions"]:
        mine = ours[theirs["id"]]
        outputs = theirs["outputs"]
        assert mine.dns_suffix == outputs["dnsSuffix"]
        assert mine.dualstack_dns_suffix == outputs["dualStackDnsSuffix"]
        assert mine.supports_fips is outputs["supportsFIPS"]
        assert mine.supports_dualstack is outputs["supportsDualStack"]
        # botocore's patterns are anchored and escape the dashes; ours are fullmatched.
        assert "^" + mine.regions.pattern.replace("-", "\\-") + "$" == theirs["regionRegex"]
        for region in theirs["regions"]:
            assert partition_of(region).name == theirs["id"], region


def test_every_region_and_variant_equals_botocore() -> None:
    """For every region in botocore's data and all four variants, the host equals botocore's."""
    from botocore.endpoint_provider import EndpointProvider

    partitions, _, ruleset = _botocore_data()
    provider = EndpointProvider(ruleset, partitions)
    regions = _every_region()
    compared = 0
    for region, (fips, dualstack) in itertools.product(regions, VARIANTS):
        expected = provider.resolve_endpoint(Region=region, UseFIPS=fips, UseDualStack=dualstack)
        assert check_region(region, "test") == region
        endpoint = lambda_endpoint(region, fips=fips, dualstack=dualstack)
        assert endpoint.url == expected.url, (region, fips, dualstack)
        compared += 1
    assert compared == 4 * len(regions)
    assert len(regions) >= 30  # the loop covered botocore's data, not an empty list


class _Sent(Exception):
    """Raised from botocore's before-send hook, carrying the URL it was about to send to."""


def _stop_before_sending(request: Any, **_: Any) -> None:
    raise _Sent(request.url)


def test_every_region_and_variant_equals_what_botocore_sends() -> None:
    """For every region and variant a botocore client is built with use_fips_endpoint /
    use_dualstack_endpoint, and the URL of the request it is about to send (stopped in its
    before-send hook, nothing leaves the process) starts with our endpoint.

    botocore refuses at client creation some FIPS+dual-stack pairs whose region has explicit
    variants in its older endpoints.json (EndpointVariantError) although its ruleset resolves
    them; for those the ruleset is the reference (the test above), and this test checks they
    are FIPS+dual-stack pairs only.
    """
    from botocore.config import Config as BotocoreConfig
    from botocore.exceptions import EndpointVariantError
    from botocore.session import Session

    session = Session()
    sent = refused = 0
    for region, (fips, dualstack) in itertools.product(_every_region(), VARIANTS):
        try:
            client = session.create_client(
                "lambda",
                region_name=region,
                aws_access_key_id="AKIDEXAMPLE",
                aws_secret_access_key="secret",
                config=BotocoreConfig(
                    use_fips_endpoint=fips,
                    use_dualstack_endpoint=dualstack,
                    retries={"total_max_attempts": 1},
                ),
            )
        except EndpointVariantError:
            assert (fips, dualstack) == (True, True), region
            refused += 1
            continue
        client.meta.events.register("before-send", _stop_before_sending)
        with pytest.raises(_Sent) as info:
            client.list_event_source_mappings()
        client.close()
        url = str(info.value.args[0])
        ours = lambda_endpoint(region, fips=fips, dualstack=dualstack).url
        assert url == ours + "/2015-03-31/event-source-mappings", (region, fips, dualstack)
        sent += 1
    assert sent + refused == 4 * len(_every_region())
    assert sent > 3 * len(_every_region())


def test_a_variant_a_partition_lacks_is_a_configuration_error() -> None:
    """A partition without FIPS or dual-stack refuses that variant, naming the setting to turn off."""
    plain = Partition("aws-x", PARTITIONS[0].regions, "x.example", "dual.x.example", False, False)
    table = (plain,)
    assert lambda_endpoint("us-east-1", partitions=table).host == "lambda.us-east-1.x.example"
    for fips, dualstack, names in (
        (True, False, ["use_fips_endpoint"]),
        (False, True, ["use_dualstack_endpoint"]),
        (True, True, ["use_fips_endpoint", "use_dualstack_endpoint"]),
    ):
        with pytest.raises(lambda_es.ConfigurationError) as info:
            lambda_endpoint("us-east-1", fips=fips, dualstack=dualstack, partitions=table)
        for name in names:
            assert name in str(info.value)


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("us-east-1", "lambda.us-east-1.amazonaws.com"),
        ("cn-north-1", "lambda.cn-north-1.amazonaws.com.cn"),
        ("eusc-de-east-1", "lambda.eusc-de-east-1.amazonaws.eu"),
        ("us-iso-east-1", "lambda.us-iso-east-1.c2s.ic.gov"),
        ("us-isob-east-1", "lambda.us-isob-east-1.sc2s.sgov.gov"),
        ("eu-isoe-west-1", "lambda.eu-isoe-west-1.cloud.adc-e.uk"),
        ("us-isof-south-1", "lambda.us-isof-south-1.csp.hci.ic.gov"),
        ("us-gov-west-1", "lambda.us-gov-west-1.amazonaws.com"),
        ("xx-future-9", "lambda.xx-future-9.amazonaws.com"),
    ],
)
def test_partition_default(region: str, host: str) -> None:
    """Without a variant the endpoint is the partition's Lambda host over https (unknown: aws)."""
    endpoint = lambda_endpoint(region)
    assert endpoint == Endpoint("https", host, 443)
    assert endpoint.origin == f"https://{host}"


@pytest.mark.parametrize(
    "region", ["us_east_1", "US-EAST-1", "lambda.us-east-1.amazonaws.com", "us-east", "us-east-1 "]
)
def test_bad_region_names(region: str) -> None:
    """Something that is not a region name is a ConfigurationError naming where it came from."""
    with pytest.raises(lambda_es.ConfigurationError, match="AWS_REGION"):
        check_region(region, "AWS_REGION")


# -- configured URLs -------------------------------------------------------------------------


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
    assert parse_endpoint_url(url, where="test", allow_http=False) == expected


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
        "http://app.localhost:9000",
        "http://localstack:4566",
    ],
)
def test_plain_http_is_refused_off_loopback(url: str) -> None:
    """Signed requests never travel in the clear to a host that is not this machine, unless
    allowed; the refusal names both ways to allow it."""
    with pytest.raises(lambda_es.ConfigurationError) as info:
        parse_endpoint_url(url, where="endpoint_url=", allow_http=False)
    assert "allow_http=True" in str(info.value)
    assert "LAMBDA_ES_ALLOW_HTTP=1" in str(info.value)
    assert parse_endpoint_url(url, where="endpoint_url=", allow_http=True).scheme == "http"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.255.0.9", "localhost", "LOCALHOST", "::1"])
def test_loopback_hosts(host: str) -> None:
    """127.0.0.0/8, ::1 and localhost count as loopback."""
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host", ["app.localhost", "localhost.localdomain", "localhost.example", "10.0.0.1", "::2"]
)
def test_not_loopback_hosts(host: str) -> None:
    """Names under .localhost and other hosts are not loopback: DNS may send them anywhere."""
    assert not is_loopback(host)


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
    """Other schemes, no host, a query, a fragment or a bad port are ConfigurationErrors
    naming where the URL came from."""
    with pytest.raises(lambda_es.ConfigurationError, match="AWS_ENDPOINT_URL"):
        parse_endpoint_url(url, where="AWS_ENDPOINT_URL", allow_http=False)


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
        parse_endpoint_url(url, where="endpoint_url=", allow_http=True)
    assert "PASS-WORD" not in str(info.value)


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
    """A client pointed at plain http off loopback raises ConfigurationError on the call,
    naming allow_http=True."""
    async with lambda_es.AsyncClient(
        region="us-east-1", credentials=CREDENTIALS, endpoint_url="http://example.com"
    ) as client:
        with pytest.raises(lambda_es.ConfigurationError, match="allow_http=True"):
            await client.add_event_source(
                event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN
            )
