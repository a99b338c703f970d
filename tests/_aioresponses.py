"""aioresponses, made to work with aiohttp 3.14.

aioresponses 0.7.9 (the newest) builds ``ClientResponse`` without the
``stream_writer`` argument that aiohttp 3.14 made required. Until it catches
up, the ``mocked`` fixture swaps in a response class that defaults it; the
swap lives only for the test that uses the fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import aiohttp
import aioresponses.core
import pytest
from aioresponses import aioresponses as _aioresponses


class _CompatResponse(aiohttp.ClientResponse):
    def __init__(self, method: str, url: Any, **kwargs: Any) -> None:
        # With writer=None (request already sent) aiohttp only reads output_size.
        kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)


@pytest.fixture
def mocked(monkeypatch: pytest.MonkeyPatch) -> Iterator[_aioresponses]:
    """An active aioresponses mock (no request reaches the network)."""
    monkeypatch.setattr(aioresponses.core, "ClientResponse", _CompatResponse)
    with _aioresponses() as mock:
        yield mock
