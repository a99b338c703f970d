"""Fixtures for modules whose client must sleep on a fake clock (the waiter, ensure).

A module imports both functions; they register as its ``clock`` and
``client`` fixtures (named so that the tests' parameters do not shadow an
import), and that ``client`` replaces the conftest's: every poll and back-off
of the module costs no real time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import lambda_es
from lambda_es._clock import installed
from lambda_es.testing import FakeLambda

from ._clock import FakeClock
from .conftest import CREDENTIALS


@pytest.fixture(name="clock")
def clock_fixture() -> FakeClock:
    """The fake clock the module's client sleeps on (polls cost no real time)."""
    return FakeClock()


@pytest.fixture(name="client")
async def clocked_client_fixture(
    fake: FakeLambda, clock: FakeClock
) -> AsyncIterator[lambda_es.AsyncClient]:
    """A client of the FakeLambda, on the fake clock."""
    with installed(clock):
        made = lambda_es.AsyncClient(
            region="us-east-1", endpoint_url=fake.endpoint_url, credentials=CREDENTIALS
        )
    async with made:
        yield made
