"""AsyncClient: one coroutine per operation. The source of truth.

``tools/generate_sync.py`` writes the blocking ``Client`` in ``_sync.py`` from
this file, so every public coroutine here needs complete type hints and a
docstring, and keyword-only parameters where the API has them.
"""

from __future__ import annotations

from types import TracebackType

import aiohttp

from ._codec import decode, encode_body
from ._credentials import Credentials
from ._errors import ParamValidationError
from ._models import EventSourceConfiguration
from ._retry import Retry
from ._transport import DEFAULT_MAX_RESPONSE_SIZE, Timeout, Transport
from ._validate import check_add_event_source, check_int

__all__ = ["AsyncClient"]

LEGACY = "2014-11-13"
MAPPINGS = "event-source-mappings"


class AsyncClient:
    """An asyncio client for Lambda event-source mappings.

    Nothing happens in the constructor: credentials, region and endpoint are
    resolved, and the aiohttp session made, on the first call.

    Args:
        region: the AWS region; else ``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile.
        endpoint_url: where to send requests; else ``AWS_ENDPOINT_URL_LAMBDA``,
            ``AWS_ENDPOINT_URL``, else the region's Lambda endpoint. Plain http is
            accepted only for loopback.
        credentials: credentials to use; else the environment, else the shared files.
        profile: the profile of the shared files to read.
        retry: the retry policy (default: standard mode, 3 attempts).
        timeout: connect, read and total deadlines.
        session: an ``aiohttp.ClientSession`` to use; the client never closes it.
        max_connections: the size of the client's own connection pool.
        user_agent_extra: text appended to the User-Agent header.
        max_response_size: the largest response body accepted, in bytes.
    """

    def __init__(
        self,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        credentials: Credentials | None = None,
        profile: str | None = None,
        retry: Retry | None = None,
        timeout: Timeout | None = None,
        session: aiohttp.ClientSession | None = None,
        max_connections: int = 100,
        user_agent_extra: str | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
    ) -> None:
        if credentials is not None and not isinstance(credentials, Credentials):
            raise ParamValidationError("credentials", "must be a lambda_es.Credentials")
        check_int("max_connections", max_connections, low=1, high=None)
        check_int("max_response_size", max_response_size, low=1, high=None)
        self._transport = Transport(
            region=region,
            endpoint_url=endpoint_url,
            credentials=credentials,
            profile=profile,
            retry=retry if retry is not None else Retry(),
            timeout=timeout if timeout is not None else Timeout(),
            session=session,
            max_connections=max_connections,
            user_agent_extra=user_agent_extra,
            max_response_size=max_response_size,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} region={self._transport._region_arg!r}>"

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the client's connections. Safe to call more than once.

        A session passed as ``session=`` is left open: its owner closes it.
        """
        await self._transport.aclose()

    async def add_event_source(
        self,
        *,
        event_source: str,
        function_name: str,
        role: str,
        batch_size: int | None = None,
        parameters: dict[str, str] | None = None,
    ) -> EventSourceConfiguration:
        """Map a Kinesis or DynamoDB stream to a function (AddEventSource, 2014-11-13).

        If the stream is already mapped to another function, Lambda moves the
        mapping to this one.

        Args:
            event_source: the ARN of the Kinesis stream or DynamoDB stream.
            function_name: the function to invoke (1 to 64 of ``[a-zA-Z0-9-_]``).
            role: the ARN of the IAM role Lambda assumes to read the stream.
            batch_size: the most records per invocation, 1 to 10,000 (Lambda's default: 100).
            parameters: ``{"InitialPositionInStream": "TRIM_HORIZON" | "LATEST"}``.

        Returns:
            The new mapping's configuration.

        Raises:
            ParamValidationError: an argument breaks the API's rules; nothing was sent.
            InvalidParameterValueError: the service rejected an argument.
            ServiceError: Lambda failed internally.
            APIError: another error response.
            TransportError: no complete response arrived.
            DecodeError: the response is not an EventSourceConfiguration.
        """
        check_add_event_source(
            event_source=event_source,
            function_name=function_name,
            role=role,
            batch_size=batch_size,
            parameters=parameters,
        )
        payload: dict[str, object] = {
            "EventSource": event_source,
            "FunctionName": function_name,
            "Role": role,
        }
        if batch_size is not None:
            payload["BatchSize"] = batch_size
        if parameters is not None:
            payload["Parameters"] = dict(parameters)
        response = await self._transport.request(
            "AddEventSource", "POST", (LEGACY, MAPPINGS, ""), body=encode_body(payload)
        )
        return decode(EventSourceConfiguration, response.body)
