"""The pytest plugin lambda_es registers: ``fake_lambda``, ``fake_lambda_sync``, ``fake_lambda_env``.

pytest loads it (entry point ``pytest11``) into every run wherever lambda_es
is installed, so importing it must cost nothing: the fake's server
(:mod:`lambda_es.testing._server`: aiohttp's server, the signer) is imported
when a fixture is first used, and the package's ``__init__`` loads nothing.

* ``fake_lambda``: a running :class:`~lambda_es.testing.FakeLambda` in the
  test's own event loop, for ``async def`` tests under pytest-asyncio (any
  mode; the fixture follows pytest-asyncio's default fixture loop scope).
* ``fake_lambda_sync``: a running FakeLambda in a thread of its own, for
  blocking tests (and async ones run by any other plugin).
* ``fake_lambda_env``: the ``fake_lambda_sync`` fake, made to verify
  signatures with dummy credentials, and the environment pointed at it for
  the test's duration, so code that builds its own ``lambda_es.Client()`` (or
  boto3 client) reaches the fake and never sends a real key.

``fake_lambda`` and ``fake_lambda_sync`` accept any well-formed signature;
sign with ``fake.client_credentials``.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ._server import FakeLambda

__all__ = ["ENV_ACCESS_KEY_ID", "ENV_SECRET_ACCESS_KEY"]

#: The dummy credentials ``fake_lambda_env`` puts in the environment and the fake verifies.
ENV_ACCESS_KEY_ID = "AKIDLAMBDAESTESTING"
ENV_SECRET_ACCESS_KEY = "lambda-es-fake-secret-not-a-real-key"

# Variables that could lead code under test to other credentials or settings.
_UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN")


def _is_async_test(request: pytest.FixtureRequest) -> bool:
    function = getattr(request.node, "function", None)
    marked = request.node.get_closest_marker("asyncio") is not None
    return inspect.iscoroutinefunction(function) or marked


try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - exercised in environments without pytest-asyncio

    @pytest.fixture(name="fake_lambda")
    def _fake_lambda_needs_pytest_asyncio() -> Any:
        """Needs pytest-asyncio; without it, ``fake_lambda_sync`` serves any test."""
        pytest.fail(
            "the fake_lambda fixture needs pytest-asyncio (pip install pytest-asyncio); "
            "use fake_lambda_sync, which needs no event loop of the test's",
            pytrace=False,
        )

else:

    @pytest_asyncio.fixture(name="fake_lambda")
    async def _fake_lambda(request: pytest.FixtureRequest) -> AsyncIterator[FakeLambda]:
        """A running FakeLambda in the test's event loop (``async def`` tests).

        Raises:
            pytest.fail: the test is not a coroutine (use ``fake_lambda_sync``).
        """
        if not _is_async_test(request):
            pytest.fail(
                "fake_lambda serves from the test's event loop, which a blocking test does "
                "not run: use fake_lambda_sync",
                pytrace=False,
            )
        from ._server import FakeLambda

        async with FakeLambda() as fake:
            yield fake


@pytest.fixture
def fake_lambda_sync() -> Iterator[FakeLambda]:
    """A running FakeLambda in a thread of its own (blocking tests, or any test)."""
    from ._server import FakeLambda

    with FakeLambda() as fake:
        yield fake


@pytest.fixture
def fake_lambda_env(
    fake_lambda_sync: FakeLambda,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> FakeLambda:
    """The environment of the AWS tools pointed at a FakeLambda, for the test's duration.

    Sets ``AWS_ENDPOINT_URL_LAMBDA``, ``AWS_REGION`` (and ``AWS_DEFAULT_REGION``)
    and dummy ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` that the fake
    verifies; unsets ``AWS_PROFILE``, ``AWS_DEFAULT_PROFILE`` and
    ``AWS_SESSION_TOKEN``; points ``AWS_CONFIG_FILE`` and
    ``AWS_SHARED_CREDENTIALS_FILE`` at empty files. All is undone after the test.

    Returns:
        The fake (the same one as ``fake_lambda_sync``).
    """
    from lambda_es._credentials import Credentials

    fake = fake_lambda_sync
    monkeypatch.setattr(fake, "credentials", Credentials(ENV_ACCESS_KEY_ID, ENV_SECRET_ACCESS_KEY))
    for name in _UNSET:
        monkeypatch.delenv(name, raising=False)
    files = tmp_path_factory.mktemp("lambda_es_aws_files")
    for variable, file_name in (
        ("AWS_CONFIG_FILE", "config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    ):
        path = files / file_name
        path.write_text("")
        monkeypatch.setenv(variable, str(path))
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", fake.endpoint_url)
    monkeypatch.setenv("AWS_REGION", fake.region)
    monkeypatch.setenv("AWS_DEFAULT_REGION", fake.region)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ENV_ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", ENV_SECRET_ACCESS_KEY)
    return fake
