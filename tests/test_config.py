"""Configuration (lambda_es._config): every setting, from every source, in order.

Each setting comes from the first of the argument, the environment, the
profile in the shared config file, the default; every value records its
source. The files are temporary and the environment is a dict (or the
scrubbed process environment for the end-to-end tests): the machine's own
~/.aws is never read.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

import lambda_es
from lambda_es._clock import installed
from lambda_es._config import (
    ClientSettings,
    Config,
    Proxy,
    Source,
    mask,
    resolve_config,
    resolve_service_endpoint,
)
from lambda_es._endpoints import Endpoint
from lambda_es._shared_files import load
from lambda_es.testing import FakeLambda

from ._clock import FakeClock
from .conftest import CREDENTIALS, KINESIS_ARN, ROLE_ARN

Env = dict[str, str]


@pytest.fixture
def files(tmp_path: Path) -> Callable[..., Env]:
    """Write a config (and credentials) file; return an environment pointing at both."""

    def write(config: str = "", credentials: str = "", **env: str) -> Env:
        (tmp_path / "config").write_text(config, encoding="utf-8")
        (tmp_path / "credentials").write_text(credentials, encoding="utf-8")
        return {
            "AWS_CONFIG_FILE": str(tmp_path / "config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
            "AWS_ACCESS_KEY_ID": "AKIDENV0000000001234",
            "AWS_SECRET_ACCESS_KEY": "env-secret-key-9876",
            **env,
        }

    return write


def _resolve(env: Env, **arguments: object) -> Config:
    return resolve_config(ClientSettings(**arguments), env)  # type: ignore[arg-type]


# -- profile and region ------------------------------------------------------------------


def test_profile_order(files: Callable[..., Env]) -> None:
    """profile= beats AWS_PROFILE, which beats AWS_DEFAULT_PROFILE, which beats 'default'."""
    config = "[default]\nregion = us-east-1\n[profile a]\nregion = eu-west-1\n[profile b]\n"
    env = files(config, AWS_PROFILE="a", AWS_DEFAULT_PROFILE="b")
    got = _resolve(env, profile="b")
    assert (got.profile.value, got.profile.source) == ("b", Source("argument"))
    got = _resolve(env)
    assert (got.profile.value, got.profile.source) == ("a", Source("env", "AWS_PROFILE"))
    assert got.region is not None
    assert got.region.value == "eu-west-1"
    del env["AWS_PROFILE"]
    assert _resolve(env).profile.source == Source("env", "AWS_DEFAULT_PROFILE")
    del env["AWS_DEFAULT_PROFILE"]
    got = _resolve(env)
    assert (got.profile.value, got.profile.source) == ("default", Source("default"))
    assert got.region is not None
    assert got.region.value == "us-east-1"


def test_a_named_profile_that_does_not_exist(files: Callable[..., Env]) -> None:
    """A profile named by argument or environment that neither file has is a ConfigurationError."""
    env = files("[default]\n")
    with pytest.raises(lambda_es.ConfigurationError, match=r"'nope'.*argument"):
        _resolve(env, profile="nope")
    with pytest.raises(lambda_es.ConfigurationError, match=r"'gone'.*AWS_PROFILE"):
        _resolve({**env, "AWS_PROFILE": "gone"})


def test_region_order_and_sources(files: Callable[..., Env]) -> None:
    """region= beats AWS_REGION, which beats AWS_DEFAULT_REGION, which beats the profile's region."""
    env = files(
        "[default]\nregion = ap-south-1\n",
        AWS_REGION="eu-west-1",
        AWS_DEFAULT_REGION="eu-central-1",
    )
    got = _resolve(env, region="us-west-2").region
    assert got is not None
    assert (got.value, got.source) == ("us-west-2", Source("argument"))
    got = _resolve(env).region
    assert got is not None
    assert (got.value, got.source) == ("eu-west-1", Source("env", "AWS_REGION"))
    del env["AWS_REGION"]
    got = _resolve(env).region
    assert got is not None
    assert got.source == Source("env", "AWS_DEFAULT_REGION")
    del env["AWS_DEFAULT_REGION"]
    got = _resolve(env).region
    assert got is not None
    assert got.value == "ap-south-1"
    assert got.source.kind == "config-file"
    assert got.source.location == f"{env['AWS_CONFIG_FILE']} [default] region"


def test_empty_environment_values_are_skipped(files: Callable[..., Env]) -> None:
    """An empty AWS_REGION does not hide AWS_DEFAULT_REGION."""
    got = _resolve(files(AWS_REGION="", AWS_DEFAULT_REGION="sa-east-1")).region
    assert got is not None
    assert got.value == "sa-east-1"


def test_no_region_is_a_problem_raised_on_use(files: Callable[..., Env]) -> None:
    """Without a region the configuration still resolves (configure list shows it unset), and
    check() raises a ConfigurationError naming every place it looked."""
    got = _resolve(files())
    assert got.region is None
    assert got.endpoint is None
    with pytest.raises(lambda_es.ConfigurationError) as info:
        got.check()
    for looked in ("region=", "AWS_REGION", "AWS_DEFAULT_REGION", "profile"):
        assert looked in str(info.value)


def test_bad_region_names_the_source(files: Callable[..., Env]) -> None:
    """An invalid region is refused, naming the variable or the file and key."""
    with pytest.raises(lambda_es.ConfigurationError, match="AWS_REGION"):
        _resolve(files(AWS_REGION="US-EAST-1"))
    env = files("[default]\nregion = nowhere\n")
    with pytest.raises(lambda_es.ConfigurationError, match=r"config.*\[default\] region"):
        _resolve(env)


# -- retries -----------------------------------------------------------------------------


def test_retry_argument_wins_whole(files: Callable[..., Env]) -> None:
    """retry= is used as given, whatever the environment and the profile say."""
    env = files(
        "[default]\nmax_attempts = 9\nretry_mode = adaptive\n",
        AWS_MAX_ATTEMPTS="7",
        AWS_RETRY_MODE="adaptive",
    )
    given = lambda_es.Retry(mode="off", base_delay=0.5)
    got = _resolve(env, retry=given)
    assert got.retry is given
    assert got.max_attempts.source == Source("argument", "retry=")


def test_retry_environment_beats_profile_beats_default(files: Callable[..., Env]) -> None:
    """AWS_MAX_ATTEMPTS / AWS_RETRY_MODE beat max_attempts / retry_mode, each on its own."""
    env = files(
        "[default]\nmax_attempts = 9\nretry_mode = adaptive\n",
        AWS_MAX_ATTEMPTS="6",
    )
    got = _resolve(env)
    assert got.retry == lambda_es.Retry(mode="adaptive", max_attempts=6)
    assert got.max_attempts.source == Source("env", "AWS_MAX_ATTEMPTS")
    assert got.retry_mode.source.kind == "config-file"
    assert got.retry_mode.source.location.endswith("[default] retry_mode")
    env["AWS_RETRY_MODE"] = "STANDARD"
    assert _resolve(env).retry == lambda_es.Retry(mode="standard", max_attempts=6)
    got = _resolve(files())
    assert got.retry == lambda_es.Retry()
    assert got.max_attempts == got.max_attempts.__class__(3, Source("default"))


def test_legacy_retry_mode_reads_as_standard(files: Callable[..., Env]) -> None:
    """retry_mode = legacy (botocore's old default) is read as standard."""
    got = _resolve(files("[default]\nretry_mode = legacy\n"))
    assert got.retry.mode == "standard"
    assert _resolve(files(AWS_RETRY_MODE="legacy")).retry_mode.value == "standard"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AWS_MAX_ATTEMPTS", "0"),
        ("AWS_MAX_ATTEMPTS", "three"),
        ("AWS_MAX_ATTEMPTS", "-1"),
        ("AWS_RETRY_MODE", "aggressive"),
    ],
)
def test_invalid_retry_environment_names_the_variable(
    files: Callable[..., Env], variable: str, value: str
) -> None:
    """An invalid retry setting in the environment is a ConfigurationError naming the variable."""
    with pytest.raises(lambda_es.ConfigurationError, match=variable):
        _resolve(files(**{variable: value}))


@pytest.mark.parametrize(
    ("key", "value"), [("max_attempts", "0"), ("max_attempts", "2.5"), ("retry_mode", "fast")]
)
def test_invalid_retry_profile_names_the_file_and_key(
    files: Callable[..., Env], key: str, value: str
) -> None:
    """An invalid retry setting in the profile is a ConfigurationError naming the file and key."""
    env = files(f"[profile p]\n{key} = {value}\n", AWS_PROFILE="p")
    with pytest.raises(lambda_es.ConfigurationError) as info:
        _resolve(env)
    assert env["AWS_CONFIG_FILE"] in str(info.value)
    assert f"[profile p] {key}" in str(info.value)


# -- endpoint ----------------------------------------------------------------------------

PROFILE_WITH_ENDPOINTS = """\
[default]
region = us-east-1
services = local
endpoint_url = https://profile-global.example

[services local]
lambda =
  endpoint_url = https://profile-lambda.example:4566
sts =
  endpoint_url = https://profile-sts.example
sso_oidc =
  endpoint_url = https://profile-oidc.example
"""


def test_endpoint_order(files: Callable[..., Env]) -> None:
    """endpoint_url= > AWS_ENDPOINT_URL_LAMBDA > AWS_ENDPOINT_URL > services lambda endpoint_url
    > the profile's endpoint_url > the region's default."""
    env = files(
        PROFILE_WITH_ENDPOINTS,
        AWS_ENDPOINT_URL_LAMBDA="https://env-lambda.example",
        AWS_ENDPOINT_URL="https://env-global.example",
    )

    def host() -> tuple[str, Source]:
        got = _resolve(env, **arguments).endpoint
        assert got is not None
        return got.value.host, got.source

    arguments: dict[str, object] = {"endpoint_url": "https://arg.example"}
    assert host() == ("arg.example", Source("argument"))
    arguments = {}
    assert host() == ("env-lambda.example", Source("env", "AWS_ENDPOINT_URL_LAMBDA"))
    del env["AWS_ENDPOINT_URL_LAMBDA"]
    assert host() == ("env-global.example", Source("env", "AWS_ENDPOINT_URL"))
    del env["AWS_ENDPOINT_URL"]
    name, source = host()
    assert name == "profile-lambda.example"
    assert source.location == f"{env['AWS_CONFIG_FILE']} [services local] lambda.endpoint_url"
    env = files(PROFILE_WITH_ENDPOINTS.replace("lambda =", "kinesis ="))
    assert host()[0] == "profile-global.example"
    env = files("[default]\nregion = us-east-1\n")
    assert host() == ("lambda.us-east-1.amazonaws.com", host()[1])
    assert host()[1].kind == "default"


def test_ignore_configured_endpoints_keeps_the_argument(files: Callable[..., Env]) -> None:
    """AWS_IGNORE_CONFIGURED_ENDPOINT_URLS (or the profile key) drops environment and profile
    endpoints, never endpoint_url=; the environment's false beats the profile's true."""
    env = files(PROFILE_WITH_ENDPOINTS, AWS_ENDPOINT_URL="https://env-global.example")
    env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
    got = _resolve(env)
    assert got.endpoint is not None
    assert got.endpoint.value.host == "lambda.us-east-1.amazonaws.com"
    assert got.ignore_configured_endpoint_urls.source == Source(
        "env", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"
    )
    got = _resolve(env, endpoint_url="https://arg.example")
    assert got.endpoint is not None
    assert got.endpoint.value.host == "arg.example"

    env = files(
        PROFILE_WITH_ENDPOINTS.replace(
            "[default]\n", "[default]\nignore_configured_endpoint_urls = true\n"
        )
    )
    got = _resolve(env)
    assert got.endpoint is not None
    assert got.endpoint.value.host == "lambda.us-east-1.amazonaws.com"
    assert got.ignore_configured_endpoint_urls.source.kind == "config-file"
    env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "false"
    got = _resolve(env)
    assert got.endpoint is not None
    assert got.endpoint.value.host == "profile-lambda.example"


def test_service_endpoint_resolver_serves_other_services(files: Callable[..., Env]) -> None:
    """resolve_service_endpoint reads AWS_ENDPOINT_URL_<SERVICE> and the services key of any
    service (spaces and dashes as underscores), for the credential chain's STS and SSO calls."""
    env = files(PROFILE_WITH_ENDPOINTS)
    shared = load(env)

    def url(service: str, **extra: str) -> str | None:
        got = resolve_service_endpoint(
            service, endpoint_url=None, environ={**env, **extra}, files=shared, profile="default"
        )
        return None if got is None else got.value

    assert url("sts") == "https://profile-sts.example"
    assert url("sso-oidc") == "https://profile-oidc.example"
    assert url("sso") == "https://profile-global.example"
    assert url("sso-oidc", AWS_ENDPOINT_URL_SSO_OIDC="https://e.example") == "https://e.example"
    assert url("sts", AWS_ENDPOINT_URL_STS="https://s.example") == "https://s.example"
    assert url("sts", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS="true") is None


def test_a_missing_services_section_is_an_error(files: Callable[..., Env]) -> None:
    """A profile whose services key names no section is a ConfigurationError naming both."""
    env = files("[default]\nregion = us-east-1\nservices = nothere\n")
    with pytest.raises(lambda_es.ConfigurationError, match="services nothere"):
        _resolve(env)


def test_configured_http_endpoint_off_loopback_needs_allow_http(
    files: Callable[..., Env],
) -> None:
    """Plain http off loopback from any source is refused unless allow_http= or
    LAMBDA_ES_ALLOW_HTTP=1; allow_http=False beats the environment."""
    env = files("[default]\nregion = us-east-1\n", AWS_ENDPOINT_URL="http://localstack:4566")
    with pytest.raises(lambda_es.ConfigurationError) as info:
        _resolve(env)
    assert "AWS_ENDPOINT_URL" in str(info.value)
    assert "allow_http=True" in str(info.value)
    assert "LAMBDA_ES_ALLOW_HTTP=1" in str(info.value)
    got = _resolve(env, allow_http=True)
    assert got.endpoint is not None
    assert got.endpoint.value == Endpoint("http", "localstack", 4566)
    assert got.allow_http.source == Source("argument")
    env["LAMBDA_ES_ALLOW_HTTP"] = "1"
    assert _resolve(env).allow_http.source == Source("env", "LAMBDA_ES_ALLOW_HTTP")
    with pytest.raises(lambda_es.ConfigurationError):
        _resolve(env, allow_http=False)
    env["LAMBDA_ES_ALLOW_HTTP"] = "maybe"
    with pytest.raises(lambda_es.ConfigurationError, match="LAMBDA_ES_ALLOW_HTTP"):
        _resolve(env)


# -- FIPS and dual-stack -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["use_fips_endpoint", "use_dualstack_endpoint"])
def test_variant_order(files: Callable[..., Env], name: str) -> None:
    """The argument beats the environment, which beats the profile, which beats false."""
    variable = f"AWS_{name.upper()}"
    env = files(f"[default]\nregion = us-gov-west-1\n{name} = true\n")
    got = getattr(_resolve(env), name)
    assert got.value is True
    assert got.source.kind == "config-file"
    env[variable] = "false"
    got = getattr(_resolve(env), name)
    assert (got.value, got.source) == (False, Source("env", variable))
    env[variable] = "TRUE"
    got = getattr(_resolve(env, **{name: False}), name)
    assert (got.value, got.source) == (False, Source("argument"))
    assert getattr(_resolve(files("[default]\nregion = us-east-1\n")), name).value is False
    env[variable] = "yes please"
    with pytest.raises(lambda_es.ConfigurationError, match=variable):
        _resolve(env)


@pytest.mark.parametrize(
    ("fips", "dualstack", "host"),
    [
        (False, False, "lambda.us-gov-west-1.amazonaws.com"),
        (True, False, "lambda-fips.us-gov-west-1.amazonaws.com"),
        (False, True, "lambda.us-gov-west-1.api.aws"),
        (True, True, "lambda-fips.us-gov-west-1.api.aws"),
    ],
)
def test_variants_choose_the_host(
    files: Callable[..., Env], fips: bool, dualstack: bool, host: str
) -> None:
    """FIPS and dual-stack, from the environment, choose Lambda's host for the region."""
    env = files(
        "[default]\nregion = us-gov-west-1\n",
        AWS_USE_FIPS_ENDPOINT=str(fips).lower(),
        AWS_USE_DUALSTACK_ENDPOINT=str(dualstack).lower(),
    )
    got = _resolve(env).endpoint
    assert got is not None
    assert got.value == Endpoint("https", host, 443)


def test_variant_with_a_configured_endpoint_is_an_error(files: Callable[..., Env]) -> None:
    """FIPS or dual-stack together with a configured endpoint URL is a ConfigurationError naming
    both sources (as AWS's endpoint rules say), not a silent choice of one."""
    env = files("[default]\nuse_fips_endpoint = true\n", AWS_REGION="us-east-1")
    with pytest.raises(lambda_es.ConfigurationError) as info:
        _resolve(env, endpoint_url="https://arg.example")
    assert "use_fips_endpoint" in str(info.value)
    assert "argument" in str(info.value)
    with pytest.raises(lambda_es.ConfigurationError, match="use_dualstack_endpoint"):
        _resolve(
            files(AWS_REGION="us-east-1"),
            use_dualstack_endpoint=True,
            endpoint_url="https://x.example",
        )


# -- TLS verification ----------------------------------------------------------------------


def test_verify_order(files: Callable[..., Env], tmp_path: Path) -> None:
    """verify= beats AWS_CA_BUNDLE, which beats the profile's ca_bundle, which beats True."""
    env_bundle, profile_bundle = tmp_path / "env.pem", tmp_path / "profile.pem"
    env_bundle.write_text("x", encoding="utf-8")
    profile_bundle.write_text("x", encoding="utf-8")
    env = files(
        f"[default]\nregion = us-east-1\nca_bundle = {profile_bundle}\n",
        AWS_CA_BUNDLE=str(env_bundle),
    )
    assert _resolve(env, verify=False).verify.value is False
    assert _resolve(env, verify=True).verify.value is True
    assert _resolve(env, verify=profile_bundle).verify.value == str(profile_bundle)
    got = _resolve(env).verify
    assert (got.value, got.source) == (str(env_bundle), Source("env", "AWS_CA_BUNDLE"))
    del env["AWS_CA_BUNDLE"]
    got = _resolve(env).verify
    assert got.value == str(profile_bundle)
    assert got.source.kind == "config-file"
    got = _resolve(files("[default]\n")).verify
    assert (got.value, got.source) == (True, Source("default"))


def test_missing_bundle_names_its_source(files: Callable[..., Env], tmp_path: Path) -> None:
    """A CA bundle path that is not a file is a ConfigurationError naming the path and source."""
    missing = tmp_path / "missing.pem"
    with pytest.raises(lambda_es.ConfigurationError, match="AWS_CA_BUNDLE"):
        _resolve(files(AWS_CA_BUNDLE=str(missing)))
    with pytest.raises(lambda_es.ConfigurationError, match="ca_bundle"):
        _resolve(files(f"[default]\nca_bundle = {missing}\n"))
    with pytest.raises(lambda_es.ConfigurationError, match="verify="):
        _resolve(files(), verify=str(missing))


# -- proxy ---------------------------------------------------------------------------------


def test_proxy_order_and_schemes(files: Callable[..., Env]) -> None:
    """proxy= beats the environment; an https endpoint reads HTTPS_PROXY, an http one HTTP_PROXY;
    the lower-case variable beats the upper-case one; proxy=False means none."""
    env = files(
        AWS_REGION="us-east-1",
        HTTPS_PROXY="http://upper.example:3128",
        https_proxy="http://lower.example:3128",
        HTTP_PROXY="http://plain.example:8080",
    )
    got = _resolve(env, proxy="corp.example:8080").proxy
    assert got.value == Proxy("http://corp.example:8080")
    assert got.source == Source("argument")
    got = _resolve(env).proxy
    assert got.value == Proxy("http://lower.example:3128")
    assert got.source == Source("env", "https_proxy")
    del env["https_proxy"]
    assert _resolve(env).proxy.source == Source("env", "HTTPS_PROXY")
    got = _resolve(env, endpoint_url="http://127.0.0.1:9").proxy
    assert got.value == Proxy("http://plain.example:8080")
    assert _resolve(env, proxy=False).proxy.value is None
    assert _resolve(files(AWS_REGION="us-east-1")).proxy.value is None


@pytest.mark.parametrize(
    ("no_proxy", "bypassed"),
    [
        ("*", True),
        ("amazonaws.com", True),
        (".amazonaws.com", True),
        ("other.example,lambda.us-east-1.amazonaws.com", True),
        ("lambda.us-east-1.amazonaws.com:443", True),
        ("lambda.us-east-1.amazonaws.com:8443", False),
        ("zonaws.com", False),
        ("10.0.0.0/8", False),
        ("", False),
    ],
)
def test_no_proxy_host_rules(files: Callable[..., Env], no_proxy: str, bypassed: bool) -> None:
    """NO_PROXY lists domains (with or without a leading dot), host:port, networks, or '*'."""
    env = files(AWS_REGION="us-east-1", HTTPS_PROXY="http://p.example:3128", NO_PROXY=no_proxy)
    got = _resolve(env).proxy
    assert (got.value is None) is bypassed
    if bypassed:
        assert got.source == Source("env", "NO_PROXY bypasses HTTPS_PROXY")


@pytest.mark.parametrize(
    ("no_proxy", "bypassed"),
    [("127.0.0.0/8", True), ("127.0.0.1", True), ("[::1]", False), ("127.0.0.1:1", False)],
)
def test_no_proxy_addresses(files: Callable[..., Env], no_proxy: str, bypassed: bool) -> None:
    """NO_PROXY matches an IP endpoint by address, by network and by port."""
    env = files(AWS_REGION="us-east-1", HTTP_PROXY="http://p.example:3128", no_proxy=no_proxy)
    got = _resolve(env, endpoint_url="http://127.0.0.1:9000").proxy
    assert (got.value is None) is bypassed


def test_proxy_credentials_never_shown(files: Callable[..., Env]) -> None:
    """A proxy password is kept apart from the URL: not in the repr, the URL or an error."""
    env = files(AWS_REGION="us-east-1", HTTPS_PROXY="http://me:S3cr%40t-PW@p.example:3128")
    got = _resolve(env)
    proxy = got.proxy.value
    assert proxy is not None
    assert (proxy.url, proxy.username, proxy.password) == (
        "http://p.example:3128",
        "me",
        "S3cr@t-PW",
    )
    assert proxy.display == "http://me:***@p.example:3128"
    for text in (repr(proxy), repr(got), str(got), proxy.url, proxy.display):
        assert "S3cr" not in text
    env["HTTPS_PROXY"] = "ftp://me:S3cr3t-PW@p.example"
    with pytest.raises(lambda_es.ConfigurationError) as info:
        _resolve(env)
    assert "S3cr3t" not in str(info.value)
    assert "HTTPS_PROXY" in str(info.value)
    with pytest.raises(lambda_es.ParamValidationError) as caught:
        lambda_es.AsyncClient(proxy="ftp://me:S3cr3t-PW@p.example")
    assert "S3cr3t" not in str(caught.value)


# -- credentials and masking ---------------------------------------------------------------


def test_mask_keeps_the_last_four() -> None:
    """Secrets are shown as 16 stars and their last 4 characters, as aws configure list does."""
    assert mask("AKIDEXAMPLE12345678") == "****************5678"
    assert mask(None) == "<not set>"
    assert mask("short-pw") == "****************"


# -- constructor arguments ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("verify", 1),
        ("verify", ""),
        ("proxy", True),
        ("proxy", 3128),
        ("allow_http", "yes"),
        ("use_fips_endpoint", 1),
        ("use_dualstack_endpoint", "true"),
        ("retry", 3),
    ],
)
def test_constructor_checks_the_new_keywords(name: str, value: object) -> None:
    """A keyword of the wrong type is a ParamValidationError in the constructor, before any I/O."""
    with pytest.raises(lambda_es.ParamValidationError, match=name):
        lambda_es.AsyncClient(**{name: value})  # type: ignore[arg-type]


def test_sync_client_takes_every_keyword(tmp_path: Path, fake_lambda_sync: FakeLambda) -> None:
    """The blocking Client accepts every configuration keyword and uses them."""
    bundle = tmp_path / "ca.pem"
    bundle.write_text("unused for http", encoding="utf-8")
    with lambda_es.Client(
        region="us-east-1",
        endpoint_url=fake_lambda_sync.endpoint_url,
        credentials=fake_lambda_sync.client_credentials,
        profile=None,
        retry=lambda_es.Retry(max_attempts=2),
        timeout=lambda_es.Timeout(total=10),
        max_connections=4,
        user_agent_extra="cfg-test",
        max_response_size=1 << 20,
        verify=str(bundle),
        proxy=False,
        allow_http=False,
        use_fips_endpoint=False,
        use_dualstack_endpoint=False,
    ) as client:
        page = client.list_event_source_mappings()
    assert page.event_source_mappings == ()
    assert "cfg-test" in fake_lambda_sync.requests[-1].headers["User-Agent"]


# -- end to end ----------------------------------------------------------------------------


async def test_profile_services_endpoint_reaches_the_server(
    fake: FakeLambda, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A profile whose services section points lambda at a local endpoint sends the call there."""
    config = tmp_path / "config"
    config.write_text(
        "[profile local]\nregion = us-east-1\nservices = here\n"
        f"[services here]\nlambda =\n  endpoint_url = {fake.endpoint_url}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    async with lambda_es.AsyncClient(profile="local", credentials=CREDENTIALS) as client:
        await client.add_event_source(event_source=KINESIS_ARN, function_name="f", role=ROLE_ARN)
    assert len(fake.requests) == 1


async def test_configuration_is_read_once(
    fake: FakeLambda, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The environment and files are read on the first call only; later changes do not apply."""
    config = tmp_path / "config"
    config.write_text(f"[default]\nregion = us-east-1\nendpoint_url = {fake.endpoint_url}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    client = lambda_es.AsyncClient(credentials=CREDENTIALS)
    config.unlink()  # nothing was read in the constructor
    config.write_text(f"[default]\nregion = us-east-1\nendpoint_url = {fake.endpoint_url}\n")
    async with client:
        await client.list_event_source_mappings()
        config.write_text("[default]\nregion = eu-west-1\nendpoint_url = https://gone.example\n")
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "not a number")
        await client.list_event_source_mappings()
    assert len(fake.requests) == 2
    assert all("/us-east-1/lambda/" in r.headers["Authorization"] for r in fake.requests)


@pytest.mark.parametrize(
    ("source", "attempts"),
    [
        ({"AWS_MAX_ATTEMPTS": "1"}, 1),
        ({"AWS_MAX_ATTEMPTS": "6"}, 6),
        ({"profile": "max_attempts = 4"}, 4),
        ({"profile": "max_attempts = 5\nretry_mode = legacy"}, 5),
        ({"profile": "max_attempts = 2\nretry_mode = adaptive"}, 2),
        ({"profile": "max_attempts = 5", "AWS_MAX_ATTEMPTS": "3"}, 3),
    ],
)
async def test_retry_settings_count_attempts_on_the_wire(
    fake: FakeLambda,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    source: dict[str, str],
    attempts: int,
) -> None:
    """Against a loopback server answering 500, the number of requests it receives is the
    configured max_attempts, from the environment or the profile. The transport's back-off
    sleep is replaced by a recording fake clock (the fault suite's), so no real time passes;
    the server counts what really arrived."""
    settings = dict(source)
    profile = settings.pop("profile", "")
    config = tmp_path / "config"
    config.write_text(f"[default]\nregion = us-east-1\n{profile}\n", encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    fake.inject_error(500, "ServiceException", times=10)
    with installed(FakeClock()) as clock:
        client = lambda_es.AsyncClient(endpoint_url=fake.endpoint_url, credentials=CREDENTIALS)
    async with client:
        with pytest.raises(lambda_es.ServiceError) as info:
            await client.list_event_source_mappings()
    assert info.value.attempts == attempts
    assert len(fake.requests) == attempts
    assert len(clock.sleeps) == attempts - 1


def test_environment_is_scrubbed() -> None:
    """The suite's autouse fixture removes every variable configuration reads."""
    for name in (
        "AWS_MAX_ATTEMPTS",
        "AWS_RETRY_MODE",
        "AWS_CA_BUNDLE",
        "AWS_USE_FIPS_ENDPOINT",
        "AWS_USE_DUALSTACK_ENDPOINT",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "LAMBDA_ES_ALLOW_HTTP",
        "HTTPS_PROXY",
        "https_proxy",
        "NO_PROXY",
        "no_proxy",
    ):
        assert name not in os.environ


@pytest.mark.parametrize(
    "key", ["use_fips_endpoint", "use_dualstack_endpoint", "ignore_configured_endpoint_urls"]
)
def test_invalid_profile_boolean_names_the_file_and_key(
    files: Callable[..., Env], key: str
) -> None:
    """A profile boolean that is neither true nor false is refused, naming the file and key."""
    env = files(f"[default]\nregion = us-east-1\n{key} = sometimes\n")
    with pytest.raises(lambda_es.ConfigurationError) as info:
        _resolve(env)
    assert f"{env['AWS_CONFIG_FILE']} [default] {key}" in str(info.value)
    assert "sometimes" in str(info.value)
