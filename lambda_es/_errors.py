"""The exception tree, and the table that maps AWS error codes onto it.

Every failure a caller can see is a :class:`LambdaESError`. Nothing in this
module knows about HTTP libraries: the transport hands over plain values.
"""

from __future__ import annotations

import asyncio
import builtins
import json
import re
import sys
from collections.abc import Mapping

__all__ = [
    "APIError",
    "ConfigurationError",
    "ConnectError",
    "DecodeError",
    "InvalidParameterValueError",
    "LambdaESError",
    "PaginationError",
    "ParamTypeError",
    "ParamValidationError",
    "ResourceConflictError",
    "ResourceInUseError",
    "ResourceNotFoundError",
    "ResponseTooLargeError",
    "ServiceError",
    "TimeoutError",
    "TooManyRequestsError",
    "TransportError",
    "WaiterError",
    "error_from_response",
    "excerpt",
    "quote_value",
    "redact_url",
]

#: How much of an unexpected body an exception message quotes.
EXCERPT_LENGTH = 200


def excerpt(body: bytes | str, limit: int = EXCERPT_LENGTH) -> str:
    """Return a short, single-line, printable excerpt of a response body.

    Args:
        body: the raw body.
        limit: the most characters to keep.

    Returns:
        The excerpt, with ``...`` appended when it was cut.
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit] + "..."


#: How many characters of a value a message quotes (:func:`quote_value`).
QUOTE_LENGTH = 200
#: The longest ``str()`` of an :class:`APIError`; ``.message`` keeps the whole text.
MESSAGE_LENGTH = 1000


def quote_value(value: object, limit: int = QUOTE_LENGTH) -> str:
    """Quote a value for an error message: its repr, cut to ``limit`` characters.

    A long value is cut and its length given, so a 10 MB argument makes a short
    message. The repr escapes line breaks and lone surrogates, so the quote is
    one printable line that always encodes.

    Args:
        value: anything the caller passed.
        limit: the most characters of the repr to keep.

    Returns:
        ``'abc'``, or ``'abcd...' (12,345,678 characters)`` when cut.
    """
    if isinstance(value, (str, bytes, bytearray)):
        # Slicing first keeps the repr of a huge value cheap.
        shown = repr(value[: limit + 1])
        if len(value) <= limit and len(shown) <= limit:
            return shown
        unit = "characters" if isinstance(value, str) else "bytes"
        return f"{shown[:limit]}... ({len(value):,} {unit})"
    try:
        shown = repr(value)
    except Exception:  # a hostile __repr__ must not replace the real error
        shown = f"<{type(value).__name__} object>"
    if len(shown) <= limit:
        return shown
    return f"{shown[:limit]}... ({type(value).__name__}, repr of {len(shown):,} characters)"


def bounded(text: str, limit: int = MESSAGE_LENGTH) -> str:
    """Cut a message to ``limit`` characters, saying how long it was.

    Args:
        text: the message.
        limit: the most characters to keep.

    Returns:
        The text, or its start followed by ``... (N characters)``.
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


# Everything between "//" and the last "@" before the path is user info: a
# password may hold "/", "?", "#" or "@" itself, so the end of the authority
# cannot be trusted to be the first of those characters. A URL with no "//"
# may still be "user:pass@host" (a proxy given without a scheme).
_AUTHORITY = re.compile(r"(?s)^(?P<scheme>[^:/?#@]*:)?//(?P<rest>.*)$")


def redact_url(url: object) -> str:
    """Return a URL with any user info (``user:password@``) replaced by ``***@``.

    Any form is covered: a password holding ``/``, ``?``, ``#`` or ``@``,
    percent-encoded user info, a URL without a scheme. Everything after
    ``//`` up to the last ``@`` of the URL is hidden: a path or query that
    holds an ``@`` is hidden too, erring on the side of hiding.

    Args:
        url: the URL (a str, bytes or any object; it is turned into text first).

    Returns:
        The URL as text, safe to quote in a message or a log line.
    """
    if isinstance(url, (bytes, bytearray)):
        text = bytes(url).decode("utf-8", "replace")
    else:
        text = url if isinstance(url, str) else str(url)
    if "@" not in text:
        return text
    match = _AUTHORITY.match(text)
    if match is not None:
        scheme = match.group("scheme") or ""
        rest = match.group("rest")
        return f"{scheme}//***@{rest.rpartition('@')[2]}"
    return f"***@{text.rpartition('@')[2]}"


class LambdaESError(Exception):
    """The base of every error lambda_es raises.

    Text arguments are cut to :data:`MESSAGE_LENGTH` characters (with the
    length said): a message may quote a value from the caller, the
    environment or a server, and tracebacks, logs and error trackers print it.
    """

    def __init__(self, *args: object) -> None:
        super().__init__(*(bounded(arg) if isinstance(arg, str) else arg for arg in args))


class ParamValidationError(LambdaESError, ValueError):
    """A parameter broke a rule of the API; raised before anything is sent.

    Attributes:
        param: the name of the parameter, as the caller spelled it.
        rule: what the value must satisfy.
    """

    def __init__(self, param: str, rule: str) -> None:
        self.param = bounded(param, QUOTE_LENGTH)
        self.rule = bounded(rule)
        super().__init__(f"invalid parameter {quote_value(param)}: {self.rule}")


class ParamTypeError(ParamValidationError, TypeError):
    """A parameter has the wrong type; also a ``TypeError`` (and a ``ValueError``)."""


class ConfigurationError(LambdaESError):
    """The client lacks credentials, a region or a usable endpoint."""


class TransportError(LambdaESError):
    """The request did not produce a complete HTTP response.

    The original exception is chained as ``__cause__``.

    Attributes:
        attempts: how many attempts were made before giving up.
    """

    def __init__(self, message: str, *, attempts: int = 1) -> None:
        # The text may quote what a server sent (a malformed header line).
        super().__init__(bounded(message))
        self.attempts = attempts


class ConnectError(TransportError):
    """No connection could be made, or it broke before the response ended."""


# asyncio.TimeoutError is the builtin from Python 3.11 on; on 3.10 it is a
# class of its own, and code written for 3.10 catches that one.
if sys.version_info >= (3, 11):
    _TimeoutBase = builtins.TimeoutError
else:  # pragma: no cover - exercised on 3.10 only

    class _TimeoutBase(builtins.TimeoutError, asyncio.TimeoutError):
        pass


class TimeoutError(TransportError, _TimeoutBase):
    """A connect, read or total deadline passed.

    Also a builtin ``TimeoutError`` (and ``asyncio.TimeoutError`` on Python 3.10).
    """


class ResponseTooLargeError(TransportError):
    """The response body was larger than the client's ``max_response_size``."""


class WaiterError(LambdaESError):
    """A waiter gave up: the deadline passed, the state became unreachable, or the mapping vanished.

    Attributes:
        reason: ``"timeout"``, ``"unreachable"`` or ``"gone"``.
        last_state: the last state seen, if any.
    """

    def __init__(self, message: str, *, reason: str, last_state: str | None) -> None:
        super().__init__(bounded(message))
        self.reason = reason
        self.last_state = last_state


class DecodeError(LambdaESError):
    """A successful (2xx) response whose body is not the documented shape."""


class APIError(LambdaESError):
    """The service answered with an error.

    Attributes:
        code: the AWS error code (``ResourceNotFoundException``), or ``None``.
        message: the service's message, or a short excerpt of the body.
        status: the HTTP status.
        request_id: the ``x-amzn-RequestId`` header, for AWS support.
        retry_after: seconds from a ``Retry-After`` header, if any.
        attempts: how many attempts were made before giving up.
    """

    def __init__(
        self,
        code: str | None,
        message: str,
        status: int,
        request_id: str | None = None,
        retry_after: float | None = None,
        attempts: int = 1,
    ) -> None:
        self.code = code
        self.message = message
        self.status = status
        self.request_id = request_id
        self.retry_after = retry_after
        self.attempts = attempts
        # args carry the bounded text: traceback tools and error trackers
        # print them, and a service message may be megabytes long.
        super().__init__(code, bounded(message), status)

    def __str__(self) -> str:
        code = bounded(self.code, QUOTE_LENGTH) if self.code else "HTTP error"
        parts = [f"{code} (HTTP {self.status}): {bounded(self.message)}"]
        if self.request_id:
            parts.append(f"request id {bounded(self.request_id, QUOTE_LENGTH)}")
        if self.attempts > 1:
            parts.append(f"after {self.attempts} attempts")
        return "; ".join(parts)


class PaginationError(DecodeError):
    """An iterator stopped following pages: the service repeated a marker, or sent too many empty pages.

    A :class:`DecodeError`, since the pages themselves are not what the API documents.
    """


class ServiceError(APIError):
    """ServiceException: Lambda failed internally (HTTP 500)."""


class InvalidParameterValueError(APIError):
    """InvalidParameterValueException: the service rejected a parameter."""


class ResourceNotFoundError(APIError):
    """ResourceNotFoundException: the mapping or function does not exist."""


class ResourceConflictError(APIError):
    """ResourceConflictException: the resource already exists (409)."""


class ResourceInUseError(APIError):
    """ResourceInUseException: the mapping is being changed; try again later."""


class TooManyRequestsError(APIError):
    """TooManyRequestsException: throttled (429); see ``retry_after``."""


_CODE_TO_CLASS: Mapping[str, type[APIError]] = {
    "ServiceException": ServiceError,
    "InvalidParameterValueException": InvalidParameterValueError,
    "ResourceNotFoundException": ResourceNotFoundError,
    "ResourceConflictException": ResourceConflictError,
    "ResourceInUseException": ResourceInUseError,
    "TooManyRequestsException": TooManyRequestsError,
}


def _code_from_header(value: str) -> str | None:
    # The header looks like "Namespace#Code:http://internal.amazon.com/...";
    # the part after ':' is a URL, the part before '#' a namespace.
    code = value.split(":", 1)[0].rsplit("#", 1)[-1].strip()
    return code or None


def error_from_response(
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    *,
    retry_after: float | None = None,
    attempts: int = 1,
) -> APIError:
    """Build the typed exception for an error response.

    Args:
        status: the HTTP status (not 2xx).
        headers: the response headers, looked up case-insensitively by the caller's mapping.
        body: the raw body.
        retry_after: the parsed ``Retry-After`` header, if any.
        attempts: how many attempts were made.

    Returns:
        An :class:`APIError`, of the subclass for the code when it is known.
    """
    payload: object = None
    if body.strip():
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):  # deep nesting exhausts the parser's stack
            payload = None
    fields: Mapping[str, object] = payload if isinstance(payload, dict) else {}

    code: str | None = None
    header = headers.get("x-amzn-ErrorType")
    if header:
        code = _code_from_header(header)
    if code is None:
        for key in ("code", "__type", "Type"):
            value = fields.get(key)
            if isinstance(value, str) and value:
                code = _code_from_header(value)
                break

    message_value = fields.get("message", fields.get("Message"))
    if isinstance(message_value, str):
        message = message_value
    elif payload is None and body.strip():
        message = f"non-JSON error body: {excerpt(body)}"
    else:
        message = excerpt(body) or "(empty body)"

    cls = _CODE_TO_CLASS.get(code or "", APIError)
    return cls(
        code,
        message,
        status,
        request_id=headers.get("x-amzn-RequestId"),
        retry_after=retry_after,
        attempts=attempts,
    )
