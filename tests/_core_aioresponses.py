"""aioresponses on aiohttp 3.14+: a response class that fills in ``stream_writer``.

aiohttp 3.14 made ``stream_writer`` a required argument of ClientResponse,
and aioresponses 0.7.9 does not pass it (pnuckowski/aioresponses#289, open;
fix proposed in #288). Passing :data:`RESPONSE_CLASS` as ``response_class=``
to each mocked URL bridges the gap; it is ``None`` (aioresponses' default)
on an aiohttp that does not need it, so the shim retires itself.
"""

from __future__ import annotations

import inspect
from types import SimpleNamespace
from typing import Any

import aiohttp
from yarl import URL

__all__ = ["RESPONSE_CLASS"]


class _CompatResponse(aiohttp.ClientResponse):
    """A ClientResponse for an already-sent request, as aioresponses builds them."""

    def __init__(self, method: str, url: URL, **kwargs: Any) -> None:
        # aioresponses passes writer=None ("request already sent"), for which
        # aiohttp reads only the writer's output_size.
        kwargs.setdefault("stream_writer", SimpleNamespace(output_size=0))
        super().__init__(method, url, **kwargs)


_NEEDS_SHIM = "stream_writer" in inspect.signature(aiohttp.ClientResponse.__init__).parameters

#: The ``response_class=`` to give aioresponses' ``add``/``post``/``get``.
RESPONSE_CLASS: type[aiohttp.ClientResponse] | None = _CompatResponse if _NEEDS_SHIM else None
