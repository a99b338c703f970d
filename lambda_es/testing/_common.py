"""What both wire versions' handlers share: the mapping table, AWS-style errors, JSON bodies, paging."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections.abc import Callable
from typing import Any

from aiohttp import web

from lambda_es._service_model import CURRENT_PARAMETERS

__all__ = [
    "AWSError",
    "MappingTable",
    "function_not_found",
    "invalid",
    "legacy_timestamp",
    "marker_offset",
    "page",
    "page_size",
    "read_json",
]

# Markers and page sizes are small decimal numbers; anything longer is refused
# before int() sees it (int() refuses 4,300+ digits with a ValueError).
_SMALL_NUMBER = re.compile(r"[0-9]{1,9}")

# Lambda spells the message member in lower case for these codes (see the
# service model) and "Message" for the rest; the fake does the same.
_LOWERCASE_MESSAGE = frozenset(
    {
        "InvalidParameterValueException",
        "ResourceConflictException",
        "TooManyRequestsException",
    }
)


class AWSError(Exception):
    """An error answer, rendered as Lambda renders it.

    Args:
        status: the HTTP status.
        code: the error code for ``x-amzn-ErrorType``.
        message: the message.
        kind: the body's ``Type`` (``User`` or ``Service``).
    """

    def __init__(self, status: int, code: str, message: str, kind: str = "User") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.kind = status, code, message, kind

    def response(self) -> web.Response:
        """The HTTP response for this error."""
        key = "message" if self.code in _LOWERCASE_MESSAGE else "Message"
        return web.json_response(
            {"Type": self.kind, key: self.message},
            status=self.status,
            headers={"x-amzn-ErrorType": f"{self.code}:http://internal.amazon.com/coral/"},
        )


def invalid(message: str) -> AWSError:
    """An InvalidParameterValueException (400)."""
    return AWSError(400, "InvalidParameterValueException", message)


def function_not_found(function_arn: str) -> AWSError:
    """The 404 Lambda answers for a mapping to a function that does not exist.

    Args:
        function_arn: the function's unqualified ARN.
    """
    return AWSError(404, "ResourceNotFoundException", f"Function not found: {function_arn}")


def legacy_timestamp(epoch: float) -> str:
    """``LastModified`` as the 2014-11-13 API wrote it: ``2014-11-13T19:07:20.006+0000``.

    That model types the member as a string (botocore's ``Timestamp`` shape is
    ``string`` there), so boto3's legacy client passes it through unparsed.

    Args:
        epoch: seconds since the epoch.
    """
    when = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}+0000"


async def read_json(request: web.Request) -> dict[str, Any]:
    """The request's JSON object body (empty means ``{}``).

    Raises:
        AWSError: the body is not a JSON object.
    """
    try:
        payload = json.loads(await request.read() or b"{}")
    except (ValueError, RecursionError):
        # RecursionError: a body nested deeper than the parser's stack allows.
        raise AWSError(400, "InvalidRequestContentException", "Could not parse JSON") from None
    if not isinstance(payload, dict):
        raise AWSError(400, "InvalidRequestContentException", "Expected a JSON object")
    return payload


# Both wire versions bound MaxItems alike (MaxListItems).
_MAX_ITEMS: tuple[int, int] = CURRENT_PARAMETERS["MaxItems"]["range"]


def page_size(value: str | None, default: int = 100) -> int:
    """Parse ``MaxItems`` (1 to 10,000, the model's MaxListItems).

    Raises:
        AWSError: not an integer in range.
    """
    if value is None:
        return default
    if not _SMALL_NUMBER.fullmatch(value) or not _MAX_ITEMS[0] <= int(value) <= _MAX_ITEMS[1]:
        raise invalid(
            "1 validation error detected: Value at 'maxItems' failed to satisfy constraint"
        )
    return int(value)


def marker_offset(marker: str | None, length: int) -> int:
    """Parse a marker the fake handed out.

    Raises:
        AWSError: a marker it did not make.
    """
    if marker is None:
        return 0
    prefix, _, number = marker.partition("-")
    if prefix != "offset" or not _SMALL_NUMBER.fullmatch(number) or int(number) > length:
        raise invalid("Invalid Marker")
    return int(number)


def page(items: list[dict[str, Any]], query: Any, key: str) -> dict[str, Any]:
    """One page of ``items`` by the request's ``Marker`` and ``MaxItems``.

    Args:
        items: every matching item, in a stable order.
        query: the request's query parameters.
        key: the member that holds the list.

    Returns:
        The response body, with ``NextMarker`` when more items follow.
    """
    size = page_size(query.get("MaxItems"))
    start = marker_offset(query.get("Marker"), len(items))
    body: dict[str, Any] = {key: items[start : start + size]}
    if start + size < len(items):
        body["NextMarker"] = f"offset-{start + size}"
    return body


class MappingTable:
    """One wire version's mappings in a FakeLambda, and what its handlers need.

    Args:
        region: for the ARNs it makes.
        account_id: for the ARNs it makes.
        clock: epoch seconds, for ``LastModified``.
        lock: the FakeLambda's lock (its state is read from other threads).
        functions: the registered function names (empty: every function exists).
        on_change: called, with the lock held, after anything may have changed.
    """

    #: The 404 message for an unknown UUID; ``{uuid}`` is filled in.
    not_found_message = "The resource you requested does not exist. (UUID: {uuid})"

    def __init__(
        self,
        region: str,
        account_id: str,
        clock: Callable[[], float],
        lock: threading.Lock,
        *,
        functions: set[str] | None = None,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.region = region
        self.account_id = account_id
        self.clock = clock
        self._lock = lock
        self.functions = functions if functions is not None else set()
        self._on_change = on_change
        #: The mappings by UUID, as stored.
        self.mappings: dict[str, dict[str, Any]] = {}

    def function_arn(self, name: str) -> str:
        """The function ARN Lambda reports for a name, ARN or partial ARN."""
        if name.startswith("arn:"):
            return name
        base = name.rsplit(":function:", 1)[-1]
        return f"arn:aws:lambda:{self.region}:{self.account_id}:function:{base}"

    def require_registered(self, arn: str) -> None:
        """Refuse a function that is not registered, when some are.

        Args:
            arn: the function's ARN (a version or alias is ignored).

        Raises:
            AWSError: 404, as Lambda answers for a function that does not exist.
        """
        base = arn.split(":function:", 1)[1].split(":", 1)[0]
        if self.functions and base not in self.functions:
            raise function_not_found(arn.rsplit(":function:", 1)[0] + ":function:" + base)

    def lookup(self, request: web.Request) -> dict[str, Any]:
        """The mapping the request's path names.

        Raises:
            AWSError: 404 ResourceNotFoundException, no such mapping.
        """
        uuid = request.match_info["uuid"]
        mapping = self.mappings.get(uuid)
        if mapping is None:
            raise AWSError(
                404, "ResourceNotFoundException", self.not_found_message.format(uuid=uuid)
            )
        return mapping
