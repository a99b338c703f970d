"""The pytest plugin, from a throwaway project as a user gets it (entry point ``pytest11``).

The README's example runs exactly as printed (the test reads it from
README.md), and importing the plugin stays free of aiohttp's server and the
signer.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lambda_es.testing.pytest_plugin import ENV_ACCESS_KEY_ID

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parent.parent / "README.md"


def _readme_example() -> str:
    """The fenced python block after the ``fixtures:example`` marker in README.md."""
    text = README.read_text(encoding="utf-8")
    after = text.split("<!-- fixtures:example -->", 1)[1]
    match = re.match(r"\s*```python\n(.*?)\n```", after, re.DOTALL)
    assert match is not None, "README.md has no python block after the fixtures:example marker"
    return match.group(1) + "\n"


def _run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    # A subprocess, so the plugin is loaded by its entry point as in a user's project.
    # pytest-asyncio's own advice (it warns otherwise): name the fixture loop
    # scope. Its mode stays the default, strict, unless a test writes its own ini.
    if not (pytester.path / "tox.ini").exists():  # what makeini() writes
        pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error", *args)


def test_the_readme_example_runs_as_printed(pytester: pytest.Pytester) -> None:
    """README's fixtures example passes, verbatim, in a project with no conftest of its own."""
    pytester.makepyfile(test_readme=_readme_example())
    result = _run(pytester)
    result.assert_outcomes(passed=2)


def test_importing_the_plugin_loads_nothing_heavy() -> None:
    """Importing the plugin loads neither aiohttp's server, the fake's modules nor the signer."""
    probe = (
        "import sys, json; import lambda_es.testing.pytest_plugin; "
        "print(json.dumps(sorted(m for m in ('aiohttp.web', 'lambda_es.testing._server', "
        "'lambda_es.testing._serve', 'lambda_es.testing._signature', 'aws_requests_auth', "
        "'requests', 'botocore') if m in sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert json.loads(result.stdout) == []


def test_a_test_run_that_uses_no_fixture_loads_nothing_heavy(pytester: pytest.Pytester) -> None:
    """With the plugin registered but unused, aiohttp's server and the signer stay unloaded."""
    pytester.makepyfile(
        test_light="""
        import sys

        def test_modules(pytestconfig):
            assert pytestconfig.pluginmanager.hasplugin("lambda_es")
            loaded = {"aiohttp.web", "lambda_es.testing._server", "aws_requests_auth", "requests"}
            assert loaded.isdisjoint(sys.modules), loaded & set(sys.modules)
        """
    )
    _run(pytester).assert_outcomes(passed=1)


def test_fake_lambda_env_sets_and_restores_the_environment(pytester: pytest.Pytester) -> None:
    """fake_lambda_env replaces credentials, profile, region and files, and undoes it all after."""
    pytester.makepyfile(
        test_env=f"""
        import os
        from pathlib import Path

        import lambda_es
        import pytest

        REAL = {{"AWS_PROFILE": "prod", "AWS_DEFAULT_PROFILE": "prod",
                 "AWS_SESSION_TOKEN": "real-token", "AWS_ACCESS_KEY_ID": "AKIAREALKEY",
                 "AWS_SECRET_ACCESS_KEY": "real-secret", "AWS_REGION": "eu-west-1"}}

        @pytest.fixture(autouse=True, scope="module")
        def developer_environment():
            saved = dict(os.environ)
            os.environ.update(REAL)
            yield
            os.environ.clear()
            os.environ.update(saved)

        def test_inside(fake_lambda_env):
            for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
                assert name not in os.environ
            assert os.environ["AWS_ENDPOINT_URL_LAMBDA"] == fake_lambda_env.endpoint_url
            assert os.environ["AWS_REGION"] == "us-east-1"
            assert os.environ["AWS_ACCESS_KEY_ID"] == "{ENV_ACCESS_KEY_ID}"
            for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
                assert Path(os.environ[name]).read_text() == ""
            with lambda_es.Client() as client:
                client.list_event_source_mappings()
            (request,) = fake_lambda_env.requests
            assert "Credential={ENV_ACCESS_KEY_ID}/" in request.headers["Authorization"]
            assert "X-Amz-Security-Token" not in request.headers

        def test_a_real_key_is_refused(fake_lambda_env, monkeypatch):
            monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
            with lambda_es.Client(retry=lambda_es.Retry(mode="off")) as client:
                with pytest.raises(lambda_es.APIError) as caught:
                    client.list_event_source_mappings()
            assert caught.value.status == 403

        def test_after():
            for name, value in REAL.items():
                assert os.environ[name] == value
            assert "AWS_ENDPOINT_URL_LAMBDA" not in os.environ
        """
    )
    _run(pytester).assert_outcomes(passed=3)


def test_fake_lambda_in_a_blocking_test_says_what_to_use(pytester: pytest.Pytester) -> None:
    """Asking for fake_lambda in a blocking test fails at setup, naming fake_lambda_sync."""
    pytester.makepyfile(
        test_blocking="""
        def test_blocking(fake_lambda):
            pass
        """
    )
    result = _run(pytester)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*a blocking test does not run: use fake_lambda_sync*"])


def test_fake_lambda_and_fake_lambda_sync_serve(pytester: pytest.Pytester) -> None:
    """fake_lambda serves an async test from its loop (auto mode); fake_lambda_sync a blocking one."""
    pytester.makeini(
        "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"
    )
    pytester.makepyfile(
        test_both="""
        import lambda_es

        async def test_async(fake_lambda):
            async with lambda_es.AsyncClient(
                region=fake_lambda.region, endpoint_url=fake_lambda.endpoint_url,
                credentials=fake_lambda.client_credentials,
            ) as client:
                page = await client.list_event_source_mappings()
            assert page.event_source_mappings == ()

        def test_sync(fake_lambda_sync):
            with lambda_es.Client(
                region=fake_lambda_sync.region, endpoint_url=fake_lambda_sync.endpoint_url,
                credentials=fake_lambda_sync.client_credentials,
            ) as client:
                assert client.list_event_sources().event_sources == ()
        """
    )
    _run(pytester).assert_outcomes(passed=2)


def test_the_scrubbed_environment_reaches_the_throwaway_project() -> None:
    """This module's pytester runs inherit conftest's scrubbed environment (no real AWS settings)."""
    assert "AWS_PROFILE" not in os.environ
    assert "AWS_ACCESS_KEY_ID" not in os.environ
