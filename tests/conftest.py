"""Shared fixtures: a running FakeLambda and a client pointed at it."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

import lambda_es
from lambda_es.testing import FakeLambda

# The aioresponses fixture 'mocked', for single-layer unit tests.
pytest_plugins = ["tests._aioresponses"]

# aiobotocore pins a botocore older than the test extra needs, so it is never in
# the suite's environment: `nox -s aiobotocore` (run by .ci/run) installs it
# alone and runs test_serve_aiobotocore.py there. Wherever it is missing, the
# module is left out of collection, whatever -m/-k a run gives (an -m in
# addopts would be replaced by the user's own), and the summary says so: never
# an ImportError in a whole-suite run, never a skip that reads like a pass.
# Named on the command line, it is collected, and fails to import, loudly.
_AIOBOTOCORE_TESTS = "test_serve_aiobotocore.py"
_AIOBOTOCORE = importlib.util.find_spec("aiobotocore") is not None
_LEFT_OUT = pytest.StashKey[bool]()


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Leave the aiobotocore module out where aiobotocore is not installed."""
    if collection_path.name != _AIOBOTOCORE_TESTS or _AIOBOTOCORE:
        return None
    # pytest walks the directory of a file named on the command line too: only a
    # run given a directory that holds the module would have run it, so only
    # such a run is told it was left out.
    here = config.invocation_params.dir
    config.stash[_LEFT_OUT] = config.stash.get(_LEFT_OUT, False) or any(
        (here / arg.split("::")[0]).is_dir()
        and collection_path.is_relative_to((here / arg.split("::")[0]).resolve())
        for arg in config.args
    )
    return True


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Say that the aiobotocore tests were left out, and where they run."""
    if config.stash.get(_LEFT_OUT, False):
        terminalreporter.write_line(
            f"tests/{_AIOBOTOCORE_TESTS} not collected: aiobotocore is not installed here "
            "(it needs an older botocore than the test extra); `nox -s aiobotocore` runs it"
        )


CREDENTIALS = lambda_es.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

KINESIS_ARN = "arn:aws:kinesis:us-east-1:123456789012:stream/orders"
DYNAMODB_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2015-05-11T21:21:33.291"
ROLE_ARN = "arn:aws:iam::123456789012:role/invoke-process-orders"


@pytest.fixture(autouse=True)
def _clean_aws_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    """No test reads the developer's real AWS settings or files."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_LAMBDA",
        # the credential chain's sources
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
        "AWS_ROLE_SESSION_NAME",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT",
        "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
        "AWS_ENDPOINT_URL_STS",
        "AWS_ENDPOINT_URL_SSO",
        "AWS_ENDPOINT_URL_SSO_OIDC",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "AWS_MAX_ATTEMPTS",
        "AWS_RETRY_MODE",
        "AWS_USE_FIPS_ENDPOINT",
        "AWS_USE_DUALSTACK_ENDPOINT",
        "AWS_CA_BUNDLE",
        "LAMBDA_ES_ALLOW_HTTP",
        "HTTPS_PROXY",
        "https_proxy",
        "HTTP_PROXY",
        "http_proxy",
        "NO_PROXY",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
        "AWS_STS_REGIONAL_ENDPOINTS",
        # lambda_es's own: the blocking client's loop (tests choose it themselves)
        "LAMBDA_ES_LOOP",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path) + "/no-credentials")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path) + "/no-config")
    # Never a real metadata address; a test that wants IMDS points it at its own server.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # The SSO token cache is under ~/.aws/sso/cache: never the developer's.
    monkeypatch.setenv("HOME", str(tmp_path) + "/home")


@pytest.fixture
async def fake() -> AsyncIterator[FakeLambda]:
    """A FakeLambda in the test's own event loop, verifying signatures."""
    async with FakeLambda(credentials=CREDENTIALS) as server:
        yield server


@pytest.fixture
async def client(fake: FakeLambda) -> AsyncIterator[lambda_es.AsyncClient]:
    """An AsyncClient signed with CREDENTIALS and pointed at ``fake``."""
    async with lambda_es.AsyncClient(
        region="us-east-1", endpoint_url=fake.endpoint_url, credentials=CREDENTIALS
    ) as c:
        yield c
