"""What a FakeLambda received: :class:`RequestLog` of :class:`RecordedRequest`.

The log is bounded (the last ``maxlen`` requests, bodies cut to 64 KiB), so a
long-running fake's memory stays bounded, and its headers print redacted.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from typing import overload

import attrs
from multidict import CIMultiDict, CIMultiDictProxy

from lambda_es._public import present_as
from lambda_es._signing import redacted

__all__ = ["MAX_RECORDED_BODY", "RecordedHeaders", "RecordedRequest", "RequestLog"]

#: Bodies longer than this are cut to this length in the request log.
MAX_RECORDED_BODY = 64 * 1024


class RecordedHeaders(Mapping[str, str]):
    """A request's headers: case-insensitive, read-only, secrets hidden when printed.

    Every way of printing them (``repr``, ``str``, pytest's assertion diffs)
    shows ``<redacted>`` for the Authorization header and the session token;
    reading ``headers["Authorization"]`` still gives the value, for tests that
    check a signature.
    """

    def __init__(self, headers: Mapping[str, str]) -> None:
        self._headers = CIMultiDictProxy(CIMultiDict(headers))

    def __getitem__(self, name: str) -> str:
        return self._headers[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._headers)

    def __len__(self) -> int:
        return len(self._headers)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RecordedHeaders):
            return list(self._headers.items()) == list(other._headers.items())
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RecordedHeaders({dict(redacted(self._headers.items()))!r})"

    __str__ = __repr__


@attrs.frozen
class RecordedRequest:
    """One request the fake received, as it arrived on the wire.

    The log keeps the last ``max_recorded`` requests only, and a body longer
    than 64 KiB is kept as its first 64 KiB (``truncated`` is then true), so
    a long-running fake's memory stays bounded.

    Attributes:
        method: the HTTP method.
        raw_path: the path and query exactly as sent (still percent-encoded).
        path: the decoded path.
        query: the decoded query parameters.
        headers: the request headers (case-insensitive, as HTTP has them).
        body: the raw body, or its first 64 KiB when ``truncated``.
        truncated: whether ``body`` was cut to 64 KiB.
    """

    method: str
    raw_path: str
    path: str
    query: Mapping[str, str]
    headers: RecordedHeaders
    body: bytes
    truncated: bool = False


class RequestLog(Sequence[RecordedRequest]):
    """The requests a FakeLambda received, oldest first: the last ``maxlen`` only.

    A bounded deque behind a read-only sequence (indexing, slicing, ``len``,
    iteration, ``==`` with a list), plus :meth:`clear`. Safe to read from
    another thread while the fake serves.
    """

    def __init__(self, maxlen: int) -> None:
        self._items: deque[RecordedRequest] = deque(maxlen=maxlen)
        self._lock = threading.Lock()

    @property
    def maxlen(self) -> int:
        """How many requests are kept."""
        return self._items.maxlen or 0

    def append(self, request: RecordedRequest) -> None:
        """Record a request, dropping the oldest when full."""
        with self._lock:
            self._items.append(request)

    def clear(self) -> None:
        """Forget every recorded request."""
        with self._lock:
            self._items.clear()

    def _snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    @overload
    def __getitem__(self, index: int) -> RecordedRequest: ...
    @overload
    def __getitem__(self, index: slice) -> list[RecordedRequest]: ...
    def __getitem__(self, index: int | slice) -> RecordedRequest | list[RecordedRequest]:
        return self._snapshot()[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(self._snapshot())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, (RequestLog, list, tuple)):
            return self._snapshot() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RequestLog({self._snapshot()!r})"


# Reprs and tracebacks name lambda_es.testing.X, the path users import.
present_as("lambda_es.testing", (RecordedHeaders, RecordedRequest, RequestLog))
