"""The HTTP layer as tests see it: sessions made (via aiohttp's public class), a credential fetch."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from lambda_es._clock import SYSTEM
from lambda_es._http import HTTP, CredentialFetch


def record_sessions(monkeypatch: pytest.MonkeyPatch) -> list[aiohttp.ClientSession]:
    """Return a list that receives every ``aiohttp.ClientSession`` made from now on, in order."""
    made: list[aiohttp.ClientSession] = []
    original = aiohttp.ClientSession.__init__

    def init(self: aiohttp.ClientSession, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        made.append(self)

    monkeypatch.setattr(aiohttp.ClientSession, "__init__", init)
    return made


@contextlib.asynccontextmanager
async def credential_fetch() -> AsyncIterator[CredentialFetch]:
    """The credential chain's HTTP over a fresh HTTP layer of its own, closed afterwards."""
    http = HTTP(session=None, max_connections=10, user_agent_extra=None, clock=SYSTEM)
    try:
        yield CredentialFetch(http)
    finally:
        await http.aclose()
