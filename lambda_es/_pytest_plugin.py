"""The pytest plugin that lambda_es registers: the ``fake_lambda`` fixture."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .testing import FakeLambda

__all__ = ["fake_lambda"]


@pytest.fixture
def fake_lambda() -> Iterator[FakeLambda]:
    """A running :class:`~lambda_es.testing.FakeLambda`, in a thread of its own.

    Being synchronous, it serves sync and async tests alike, with or without
    pytest-asyncio.
    """
    with FakeLambda() as fake:
        yield fake
