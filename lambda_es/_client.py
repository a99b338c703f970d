"""AsyncClient: one coroutine per operation. The source of truth.

``tools/generate_sync.py`` writes the blocking ``Client`` in ``_sync.py`` from
this file, so every public coroutine here needs complete type hints and a
docstring, and keyword-only parameters where the API has them.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import sys
import weakref
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Generic, Literal, TypeVar

import aiohttp
import attrs

from ._client_arguments import check_client_arguments
from ._clock import current as current_clock
from ._codec import decode, encode_body
from ._config import ClientSettings
from ._credentials import Credentials, CredentialsProvider
from ._ensure import (
    changed_settings,
    is_mapping_uuid,
    unchangeable_differences,
    uuid_from_conflict,
)
from ._errors import (
    DecodeError,
    LambdaESError,
    PaginationError,
    ParamTypeError,
    ResourceConflictError,
    ResourceInUseError,
    ResourceNotFoundError,
    TimeoutError,
    WaiterError,
    quote_value,
)
from ._http import HTTP
from ._queries import MAX_EMPTY_PAGES, IterQuery, ListQuery, MappingFilters, check_query
from ._retry import Retry
from ._service_model import (
    EventSourceConfiguration,
    EventSourceMapping,
    EventSourceMappingPage,
    EventSourcePage,
)
from ._settings import CreateMappingSettings, MappingSettings, encode_settings
from ._transport import DEFAULT_MAX_RESPONSE_SIZE, Timeout, Transport
from ._validate import (
    check_add_event_source,
    check_arn,
    check_enum,
    check_function_name,
    check_int,
    check_list_filters,
    check_mapping_uuid,
    check_seconds,
    check_uuid,
)
from ._waiter import TRANSITIONAL, WAIT_TARGETS, wait_outcome

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - exercised on 3.10 only
    from typing_extensions import Unpack

__all__ = ["AsyncClient"]

logger = logging.getLogger("lambda_es")

LEGACY = "2014-11-13"
CURRENT = "2015-03-31"
MAPPINGS = "event-source-mappings"

#: How often ensure_event_source_mapping retries an update that met ResourceInUseException.
ENSURE_IN_USE_RETRIES = 3
#: How long ensure_event_source_mapping waits for a changing mapping to settle.
ENSURE_SETTLE_TIMEOUT = 120.0
#: The waiter's first and largest pause between polls, in seconds.
WAIT_FIRST_DELAY = 1.0
WAIT_MAX_DELAY = 10.0

#: How many recent page markers an iterator remembers to detect a loop.
RECENT_MARKERS = 16

PageT = TypeVar("PageT", EventSourcePage, EventSourceMappingPage)


@attrs.frozen
class _Listing(Generic[PageT]):
    """What tells the two wire versions' List operations apart."""

    operation: str
    segments: tuple[str, ...]
    #: The query parameter that filters by source: the legacy API calls it EventSource.
    source_filter: str
    page: type[PageT]
    items: Callable[[PageT], Sequence[object]]
    legacy: bool
    #: The public methods, for the errors that name them.
    methods: tuple[str, str]


_LEGACY_LISTING = _Listing(
    "ListEventSources",
    (LEGACY, MAPPINGS, ""),
    "EventSource",
    EventSourcePage,
    lambda page: page.event_sources,
    legacy=True,
    methods=("list_event_sources", "iter_event_sources"),
)
_CURRENT_LISTING = _Listing(
    "ListEventSourceMappings",
    (CURRENT, MAPPINGS),
    "EventSourceArn",
    EventSourceMappingPage,
    lambda page: page.event_source_mappings,
    legacy=False,
    methods=("list_event_source_mappings", "iter_event_source_mappings"),
)
ItemT = TypeVar("ItemT")


def _query(**members: object) -> list[tuple[str, str]]:
    return [(name, str(value)) for name, value in members.items() if value is not None]


def _mapping_body(
    settings: Mapping[str, object], *, create: bool, **members: str | None
) -> dict[str, object]:
    # A create's or an update's body: the members given (None left out), then
    # the settings, checked and in their wire form.
    body: dict[str, object] = {wire: value for wire, value in members.items() if value is not None}
    body.update(encode_settings(settings, create=create))
    return body


class AsyncClient:
    """An asyncio client for Lambda event-source mappings.

    Nothing happens in the constructor but checking the arguments: the
    settings are resolved (environment and shared files read, once), and
    the aiohttp session made, on the first call. Each setting not given is
    read as the AWS tools read it: the environment, then the profile in the
    shared config file, then the default (see the README's Configuration
    section).

    Args:
        region: the AWS region; else ``AWS_REGION``, ``AWS_DEFAULT_REGION``, the
            profile's ``region``.
        endpoint_url: where to send requests; else ``AWS_ENDPOINT_URL_LAMBDA``,
            ``AWS_ENDPOINT_URL``, the profile's ``services`` section's ``lambda``
            ``endpoint_url``, the profile's ``endpoint_url`` (none of which count
            when ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` or the profile's
            ``ignore_configured_endpoint_urls`` is true), else the region's
            Lambda endpoint.
        credentials: credentials to use, or a provider (an async callable returning
            them, awaited before each attempt: for credentials that expire, e.g.
            :func:`lambda_es.botocore_credentials`); else the environment, else
            the shared files.
        profile: the profile of the shared files to read (else ``AWS_PROFILE``,
            ``AWS_DEFAULT_PROFILE``, ``default``).
        retry: the retry policy, used whole; else one built from
            ``AWS_RETRY_MODE`` / the profile's ``retry_mode`` (``legacy`` is read as
            ``standard``) and ``AWS_MAX_ATTEMPTS`` / ``max_attempts``; else
            standard mode, 3 attempts.
        timeout: connect, read and total deadlines.
        session: an ``aiohttp.ClientSession`` to use; the client never closes it.
        max_connections: the size of the client's own connection pool.
        user_agent_extra: text appended to the User-Agent header.
        max_response_size: the largest response body accepted, in bytes.
        verify: TLS verification: True (the default trust store), False (none;
            a warning is logged once per client) or the path of a CA bundle;
            else ``AWS_CA_BUNDLE``, the profile's ``ca_bundle``, True.
        proxy: a forward proxy URL (``http://[user:password@]host:port``), or
            False for none; else ``HTTPS_PROXY`` (``HTTP_PROXY`` for an http
            endpoint), either case, unless ``NO_PROXY`` lists the endpoint's host.
        allow_http: allow plain http to a host that is not loopback; else
            ``LAMBDA_ES_ALLOW_HTTP=1``; off by default (requests would travel
            in the clear).
        use_fips_endpoint: use Lambda's FIPS endpoint; else
            ``AWS_USE_FIPS_ENDPOINT``, the profile's ``use_fips_endpoint``.
        use_dualstack_endpoint: use Lambda's dual-stack (IPv6) endpoint; else
            ``AWS_USE_DUALSTACK_ENDPOINT``, the profile's ``use_dualstack_endpoint``.

    Raises:
        ParamValidationError: an argument has the wrong type or value.
    """

    def __init__(
        self,
        *,
        region: str | None = None,
        endpoint_url: str | None = None,
        credentials: Credentials | CredentialsProvider | None = None,
        profile: str | None = None,
        retry: Retry | None = None,
        timeout: Timeout | None = None,
        session: aiohttp.ClientSession | None = None,
        max_connections: int = 100,
        user_agent_extra: str | None = None,
        max_response_size: int = DEFAULT_MAX_RESPONSE_SIZE,
        verify: bool | str | os.PathLike[str] | None = None,
        proxy: str | Literal[False] | None = None,
        allow_http: bool | None = None,
        use_fips_endpoint: bool | None = None,
        use_dualstack_endpoint: bool | None = None,
    ) -> None:
        check_client_arguments(**{k: v for k, v in locals().items() if k != "self"})
        # The repr shows the region= argument without resolving anything.
        self._region_arg = region
        # Time as this client reads it: the system's unless a test installed another.
        self._clock = current_clock()
        self._transport = Transport(
            settings=ClientSettings(
                region=region,
                endpoint_url=endpoint_url,
                credentials=credentials,
                profile=profile,
                retry=retry,
                verify=verify,
                proxy=proxy,
                allow_http=allow_http,
                use_fips_endpoint=use_fips_endpoint,
                use_dualstack_endpoint=use_dualstack_endpoint,
            ),
            timeout=timeout if timeout is not None else Timeout(),
            http=HTTP(
                session=session,
                max_connections=max_connections,
                user_agent_extra=user_agent_extra,
                clock=self._clock,
            ),
            max_response_size=max_response_size,
            clock=self._clock,
            before_call=self._bind_loop,
        )
        self._loop: weakref.ref[asyncio.AbstractEventLoop] | None = None
        self._guard: AsyncGenerator[None, None] | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} region={quote_value(self._region_arg, 60)}>"

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
        guard, self._guard = self._guard, None
        if guard is not None and self._loop is not None and self._loop() is _running_loop():
            await guard.aclose()
        await self._transport.aclose()

    def _forget_connections(self) -> None:
        # Called by the sync facade's runner in a forked child (see _runner.py).
        self._transport.forget_connections()
        self._loop = None
        guard, self._guard = self._guard, None
        if guard is not None:
            # Finished here, without a loop: with the session already dropped
            # its finally awaits nothing, and a finished generator is never
            # handed to the parent's (dead) loop for finalisation.
            closing = guard.aclose()
            with contextlib.suppress(StopIteration, RuntimeError):
                closing.send(None)

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
            DecodeError: the response is not a legacy configuration
                (``EventSourceConfiguration``).
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

    async def get_event_source(self, uuid: str) -> EventSourceConfiguration:
        """Describe one legacy mapping (GetEventSource, 2014-11-13).

        Args:
            uuid: the mapping's identifier.

        Returns:
            The mapping's configuration.

        Raises:
            ParamValidationError: ``uuid`` is empty or not a str; nothing was sent.
            ResourceNotFoundError: there is no such mapping.
            APIError: another error response.
            TransportError: no complete response arrived.
            DecodeError: the response is not a legacy configuration
                (``EventSourceConfiguration``).
        """
        check_uuid("uuid", uuid)
        response = await self._transport.request("GetEventSource", "GET", (LEGACY, MAPPINGS, uuid))
        return decode(EventSourceConfiguration, response.body)

    async def list_event_sources(self, **query: Unpack[ListQuery]) -> EventSourcePage:
        """List legacy mappings, one page at a time (ListEventSources, 2014-11-13).

        Args:
            **query: the :class:`ListQuery` keywords, all optional:
                ``event_source_arn`` (a Kinesis or DynamoDB stream, sent as
                ``EventSource``), ``function_name``, ``marker`` and ``max_items``.

        Returns:
            The page of legacy configurations; ``next_marker`` is ``None`` on the last.

        Raises:
            ParamValidationError: an argument breaks the API's rules, or is not one of
                the keywords above (then also a ``TypeError``); nothing was sent.
            ResourceNotFoundError: the function does not exist.
            InvalidParameterValueError: the service rejected an argument.
            APIError: another error response.
            TransportError: no complete response arrived.
            DecodeError: the response is not a page of mappings (``EventSources``).
        """
        return await self._list(_LEGACY_LISTING, query)

    async def iter_event_sources(
        self, **query: Unpack[IterQuery]
    ) -> AsyncIterator[EventSourceConfiguration]:
        """Iterate over every legacy mapping (ListEventSources, 2014-11-13), page after page.

        Args:
            **query: the :class:`IterQuery` keywords, all optional: the filters
                ``event_source_arn`` and ``function_name``, and ``page_size`` and
                ``max_empty_pages`` (default 100) for the pages.

        Yields:
            Each configuration, page after page.

        Raises:
            ParamValidationError: an argument breaks the API's rules, or is not one of
                the keywords above (then also a ``TypeError``); nothing was sent.
            APIError: an error response (as :meth:`list_event_sources` raises them).
            TransportError: no complete response arrived.
            DecodeError: a response is not a page.
            PaginationError: the service repeated a recent marker, or sent
                ``max_empty_pages`` empty pages in a row (memory stays constant either way).
        """
        async for page in self._pages(_LEGACY_LISTING, query):
            for item in page.event_sources:
                yield item

    async def remove_event_source(self, uuid: str) -> None:
        """Delete a legacy mapping (RemoveEventSource, 2014-11-13; HTTP 204).

        Args:
            uuid: the mapping's identifier.

        Raises:
            ParamValidationError: ``uuid`` is empty or not a str; nothing was sent.
            ResourceNotFoundError: there is no such mapping.
            APIError: another error response.
            TransportError: no complete response arrived.
        """
        check_uuid("uuid", uuid)
        await self._transport.request("RemoveEventSource", "DELETE", (LEGACY, MAPPINGS, uuid))

    # -- the current API, 2015-03-31 ----------------------------------------------

    async def create_event_source_mapping(
        self,
        *,
        function_name: str,
        event_source_arn: str | None = None,
        **settings: Unpack[CreateMappingSettings],
    ) -> EventSourceMapping:
        """Create a mapping (CreateEventSourceMapping, 2015-03-31; HTTP 202).

        The mapping starts in state ``Creating``; see
        :meth:`wait_for_event_source_mapping`.

        Args:
            function_name: the function's name, ARN or partial ARN.
            event_source_arn: the source's ARN (none for a self-managed Kafka cluster).
            **settings: the mapping's settings as typed keywords (``batch_size``,
                ``enabled``, ``starting_position``, ``filter_criteria``, ...; see
                ``CreateMappingSettings``). Nested settings take the model class or a
                dict with AWS member names, as boto3 does.

        Returns:
            The new mapping.

        Raises:
            ParamValidationError: an argument breaks the model's rules; nothing was sent.
            ResourceConflictError: a mapping of this source and function exists.
            InvalidParameterValueError: the service rejected an argument.
            ResourceNotFoundError: the function or the source does not exist.
            TooManyRequestsError: throttled after every retry.
            APIError: another error response.
            TransportError: no complete response arrived.
            DecodeError: the response is not a mapping.
        """
        check_function_name("function_name", function_name, required=True)
        check_arn("event_source_arn", event_source_arn, required=False)
        body = _mapping_body(
            settings, create=True, FunctionName=function_name, EventSourceArn=event_source_arn
        )
        return await self._mapping_call("CreateEventSourceMapping", "POST", None, body)

    async def get_event_source_mapping(self, uuid: str) -> EventSourceMapping:
        """Describe a mapping (GetEventSourceMapping, 2015-03-31).

        Args:
            uuid: the mapping's 36-character identifier.

        Returns:
            The mapping.

        Raises:
            ParamValidationError: ``uuid`` is not a 36-character str; nothing was sent.
            ResourceNotFoundError: there is no such mapping.
            TooManyRequestsError: throttled after every retry.
            APIError: another error response.
            TransportError: no complete response arrived.
            DecodeError: the response is not a mapping.
        """
        return await self._mapping_call("GetEventSourceMapping", "GET", uuid)

    async def list_event_source_mappings(
        self, **query: Unpack[ListQuery]
    ) -> EventSourceMappingPage:
        """List mappings, one page at a time (ListEventSourceMappings, 2015-03-31).

        Args:
            **query: the :class:`ListQuery` keywords, all optional: the filters
                ``event_source_arn`` and ``function_name`` (a name, an ARN or a
                partial ARN), and the page's ``marker`` and ``max_items``.

        Returns:
            The page; ``next_marker`` is ``None`` on the last one.

        Raises:
            ParamValidationError: an argument breaks the model's rules, or is not one of
                the keywords above (then also a ``TypeError``); nothing was sent.
            ResourceNotFoundError: the function does not exist.
            InvalidParameterValueError: the service rejected an argument.
            TooManyRequestsError: throttled after every retry.
            APIError: another error response.
            TransportError: no complete response arrived.
            DecodeError: the response is not a page of mappings.
        """
        return await self._list(_CURRENT_LISTING, query)

    async def iter_event_source_mappings(
        self, **query: Unpack[IterQuery]
    ) -> AsyncIterator[EventSourceMapping]:
        """Iterate over every mapping, following ``NextMarker`` to the last page.

        Args:
            **query: the :class:`IterQuery` keywords, all optional:
                ``event_source_arn``, ``function_name``, ``page_size`` (mappings
                per request, 1 to 10,000) and ``max_empty_pages`` (how many empty
                pages that still carry a marker are followed; default 100).

        Yields:
            Each mapping, page after page.

        Raises:
            ParamValidationError: an argument breaks the model's rules, or is not one of
                the keywords above (then also a ``TypeError``); nothing was sent.
            APIError: an error response, as :meth:`list_event_source_mappings` raises.
            TransportError: no complete response arrived.
            DecodeError: a response is not a page.
            PaginationError: a recent marker came again, or ``max_empty_pages``
                empty pages came in a row (memory stays constant either way).
        """
        async for page in self._pages(_CURRENT_LISTING, query):
            for item in page.event_source_mappings:
                yield item

    async def update_event_source_mapping(
        self,
        uuid: str,
        *,
        function_name: str | None = None,
        **settings: Unpack[MappingSettings],
    ) -> EventSourceMapping:
        """Change a mapping (UpdateEventSourceMapping, 2015-03-31; HTTP 202).

        Only the settings given are sent; the others keep their values.

        Args:
            uuid: the mapping's 36-character identifier.
            function_name: move the mapping to this function.
            **settings: the settings to change (see ``MappingSettings``); settings
                fixed at creation (``starting_position``, ``topics``, ...) are refused.

        Returns:
            The mapping, usually in state ``Updating``.

        Raises:
            ParamValidationError: an argument breaks the model's rules; nothing was sent.
            ResourceInUseError: the mapping is being created or changed; try later.
            ResourceNotFoundError: there is no such mapping.
            APIError: another error response.
            TransportError: no complete response arrived.
            DecodeError: the response is not a mapping.
        """
        check_function_name("function_name", function_name, required=False)
        body = _mapping_body(settings, create=False, FunctionName=function_name)
        return await self._mapping_call("UpdateEventSourceMapping", "PUT", uuid, body)

    async def delete_event_source_mapping(self, uuid: str) -> EventSourceMapping:
        """Delete a mapping (DeleteEventSourceMapping, 2015-03-31; HTTP 202).

        Args:
            uuid: the mapping's 36-character identifier.

        Returns:
            The mapping, in state ``Deleting``.

        Raises:
            ParamValidationError: ``uuid`` is not a 36-character str; nothing was sent.
            ResourceNotFoundError: there is no such mapping.
            TooManyRequestsError: throttled after every retry.
            ResourceInUseError: the mapping is being created or changed; try later.
            APIError: another error response.
            TransportError: no complete response arrived.
            DecodeError: the response is not a mapping.
        """
        return await self._mapping_call("DeleteEventSourceMapping", "DELETE", uuid)

    async def ensure_event_source_mapping(
        self,
        *,
        function_name: str,
        event_source_arn: str,
        **settings: Unpack[CreateMappingSettings],
    ) -> EventSourceMapping:
        """Make sure a mapping of this source to this function exists with these settings.

        The seed's AddEventSource upserted; the current API does not. This
        does, safely: it creates the mapping, and when Lambda answers 409
        ResourceConflictException it finds the existing one (by the UUID in
        the message, else by listing the source's mappings of the function)
        and updates only the settings that differ. Calling it again changes
        nothing, and a create that timed out and was retried, meeting the
        mapping it made itself, ends the same way. An update that meets
        ResourceInUseException waits for the mapping to settle and tries again.

        Args:
            function_name: the function's name, ARN or partial ARN.
            event_source_arn: the source's ARN.
            **settings: as for :meth:`create_event_source_mapping`. Tags are
                applied on create only.

        Returns:
            The mapping as created or updated (or as found, when nothing differed).

        Raises:
            ParamValidationError: an argument breaks the model's rules; nothing was sent.
            ResourceConflictError: the existing mapping differs in a setting fixed at
                creation (``starting_position``, ``topics``, ...): only deleting and
                re-creating it can change that, which is left to you.
            APIError: another error response.
            TransportError: no complete response arrived.
            WaiterError: the mapping stayed busy while waiting to update it.
        """
        check_function_name("function_name", function_name, required=True)
        check_arn("event_source_arn", event_source_arn, required=True)
        wanted = encode_settings(settings, create=True)
        body: dict[str, object] = {
            "FunctionName": function_name,
            "EventSourceArn": event_source_arn,
        }
        try:
            return await self._mapping_call(
                "CreateEventSourceMapping", "POST", None, {**body, **wanted}
            )
        except ResourceConflictError as conflict:
            uuid, existing = await self._find_existing(conflict, function_name, event_source_arn)
        for attempt in range(ENSURE_IN_USE_RETRIES + 1):
            if existing.state in TRANSITIONAL:
                # A changing mapping reports neither its final settings nor
                # its final state: compare once it rests.
                existing = await self._poll(uuid, "settled", ENSURE_SETTLE_TIMEOUT)
            fixed = unchangeable_differences(existing, wanted)
            if fixed:
                raise ResourceConflictError(
                    "ResourceConflictException",
                    f"mapping {uuid} exists with different {', '.join(fixed)}; these are "
                    "fixed at creation: delete and re-create the mapping to change them",
                    409,
                )
            changes = changed_settings(existing, wanted)
            if not changes:
                logger.debug("ensure: mapping %s already as wanted", uuid)
                return existing
            try:
                return await self._mapping_call("UpdateEventSourceMapping", "PUT", uuid, changes)
            except ResourceInUseError:
                if attempt == ENSURE_IN_USE_RETRIES:
                    raise
                logger.debug("ensure: mapping %s is busy; waiting to update it", uuid)
                existing = await self._poll(uuid, "settled", ENSURE_SETTLE_TIMEOUT)
        raise AssertionError("unreachable")  # pragma: no cover

    async def wait_for_event_source_mapping(
        self,
        uuid: str,
        *,
        state: str = "Enabled",
        timeout: float = 300.0,
        on_state: Callable[[EventSourceMapping], object] | None = None,
    ) -> EventSourceMapping:
        """Poll a mapping until it reaches ``state``.

        Mappings pass through Creating, Enabling, Updating, Disabling and
        Deleting; this polls with back-off (1 s doubling to 10 s) through
        those that can still lead to ``state``, and gives up early on one
        that cannot (waiting for ``Enabled`` on a ``Disabled`` mapping).

        Args:
            uuid: the mapping's 36-character identifier.
            state: ``"Enabled"``, ``"Disabled"``, or ``"Deleted"`` (until Lambda no
                longer knows the mapping).
            timeout: the most seconds to wait.
            on_state: called with the mapping after each poll whose state differs from
                the previous poll's (so also after the first poll), e.g. to show
                progress; it runs in the client's event loop and must not block.

        Returns:
            The mapping in ``state`` (for ``"Deleted"``, the last description seen).

        Raises:
            ParamValidationError: a bad ``uuid``, ``state`` or ``timeout``; nothing was sent.
            WaiterError: the deadline passed (``reason="timeout"``), the mapping reached a
                state from which ``state`` cannot follow (``"unreachable"``), or it
                disappeared while waiting for Enabled/Disabled (``"gone"``).
            APIError: an error response other than ResourceNotFoundException.
            TransportError: no complete response arrived.
        """
        check_mapping_uuid("uuid", uuid)
        check_enum("state", state, WAIT_TARGETS, required=True)
        check_seconds("timeout", timeout, required=True)
        if on_state is not None and not callable(on_state):
            raise ParamTypeError(
                "on_state", f"must be a callable or None, not {type(on_state).__name__}"
            )
        return await self._poll(uuid, state, timeout, on_state)

    # -- helpers -----------------------------------------------------------------------

    async def _list(self, listing: _Listing[PageT], query: ListQuery) -> PageT:
        check_query(listing.methods[0], query, ListQuery)
        event_source_arn = query.get("event_source_arn")
        function_name = query.get("function_name")
        marker, max_items = query.get("marker"), query.get("max_items")
        check_list_filters(
            event_source_arn=event_source_arn,
            function_name=function_name,
            marker=marker,
            max_items=max_items,
            legacy=listing.legacy,
        )
        wire_query = _query(
            **{listing.source_filter: event_source_arn},
            FunctionName=function_name,
            Marker=marker,
            MaxItems=max_items,
        )
        response = await self._transport.request(
            listing.operation, "GET", listing.segments, query=wire_query
        )
        return decode(listing.page, response.body)

    async def _pages(self, listing: _Listing[PageT], query: IterQuery) -> AsyncIterator[PageT]:
        # Checked before the first page, so bad arguments fail before anything is sent.
        check_query(listing.methods[1], query, IterQuery)
        filters = MappingFilters(
            event_source_arn=query.get("event_source_arn"),
            function_name=query.get("function_name"),
        )
        page_size = query.get("page_size")
        max_empty_pages = query.get("max_empty_pages", MAX_EMPTY_PAGES)
        check_list_filters(**filters, marker=None, max_items=page_size, legacy=listing.legacy)
        check_int("max_empty_pages", max_empty_pages, low=1, high=None, required=True)
        async for page in _follow(
            lambda marker: self._list(
                listing, ListQuery(**filters, marker=marker, max_items=page_size)
            ),
            listing.items,
            max_empty_pages,
        ):
            yield page

    async def _bind_loop(self) -> None:
        """Tie the client to the running loop, or say why it cannot be used from it.

        aiohttp's sessions and connections belong to one event loop. The
        client's own session is closed when its loop shuts down (a guard
        async generator, finalised by ``asyncio.run``'s shutdown_asyncgens), so
        a client used again under a second ``asyncio.run()`` holds no
        connections and rebinds to the new loop. A client whose session is
        still open on another loop (or one passed as ``session=``) refuses.
        """
        loop = asyncio.get_running_loop()
        bound = self._loop() if self._loop is not None else None
        if bound is loop:
            return
        http = self._transport.http
        if self._loop is not None and (not http.owns_session or http.connected):
            raise LambdaESError(
                "this AsyncClient belongs to the event loop that first used it and cannot "
                "be used from another one: make one client per event loop, or close it "
                "(await client.aclose()) before its loop ends"
            )
        self._loop = weakref.ref(loop)
        if http.owns_session:
            guard = _session_guard(self._transport)
            await guard.__anext__()  # registers it with the loop's shutdown_asyncgens
            self._guard = guard

    async def _mapping_call(
        self,
        operation: str,
        method: str,
        uuid: str | None,
        body: dict[str, object] | None = None,
        *,
        timeout: float | None = None,
    ) -> EventSourceMapping:
        # One mapping's calls (all but create) name it in the path: checked
        # here, once for all of them, before anything is sent.
        tail: tuple[str, ...] = ()
        if uuid is not None:
            check_mapping_uuid("uuid", uuid)
            tail = (uuid,)
        response = await self._transport.request(
            operation,
            method,
            (CURRENT, MAPPINGS, *tail),
            body=encode_body(body) if body is not None else b"",
            timeout=timeout,
        )
        return decode(EventSourceMapping, response.body)

    async def _find_existing(
        self, conflict: ResourceConflictError, function_name: str, event_source_arn: str
    ) -> tuple[str, EventSourceMapping]:
        uuid = uuid_from_conflict(conflict.message)
        if uuid is not None:
            try:
                return uuid, await self.get_event_source_mapping(uuid)
            except ResourceNotFoundError:
                logger.debug("ensure: mapping %s from the conflict is gone; listing", uuid)
        async for mapping in self.iter_event_source_mappings(
            event_source_arn=event_source_arn, function_name=function_name
        ):
            if mapping.uuid is not None:
                if not is_mapping_uuid(mapping.uuid):
                    # It would become the path of the next request.
                    raise DecodeError(
                        f"the service listed a mapping whose UUID is not a UUID: "
                        f"{quote_value(mapping.uuid, 60)}"
                    )
                return mapping.uuid, mapping
        # Lambda said it exists but neither lookup found it: report its own words.
        raise conflict

    async def _poll(
        self,
        uuid: str,
        target: str,
        timeout: float,
        on_state: Callable[[EventSourceMapping], object] | None = None,
    ) -> EventSourceMapping:
        """Poll a mapping until ``wait_outcome(target, state)`` says done.

        Each GET is bounded by the time left, so ``timeout`` bounds the whole wait.
        """
        clock = self._clock
        deadline = clock.monotonic() + timeout
        delay = WAIT_FIRST_DELAY
        last: EventSourceMapping | None = None
        previous: EventSourceMapping | None = None
        wanted = "settle" if target == "settled" else f"become {target}"
        while True:
            remaining = deadline - clock.monotonic()
            try:
                last = await self._mapping_call(
                    "GetEventSourceMapping", "GET", uuid, timeout=max(remaining, 0.001)
                )
            except ResourceNotFoundError as gone:
                if target == "Deleted":
                    return last or EventSourceMapping(uuid=uuid, state="Deleted")
                raise WaiterError(
                    f"mapping {uuid} disappeared while waiting for it to {wanted}",
                    reason="gone",
                    last_state=last.state if last else None,
                ) from gone
            except TimeoutError as slow:
                # Each poll gets only the time left, so the poll after the last
                # pause usually times out: the earlier answers still count.
                seen = f"still {quote_value(last.state, 80)}" if last else "no answer"
                raise WaiterError(
                    f"mapping {uuid}: {seen} after the {timeout:g}s wait to {wanted}",
                    reason="timeout",
                    last_state=last.state if last else None,
                ) from slow
            if on_state is not None and (previous is None or previous.state != last.state):
                on_state(last)
            previous = last
            outcome = wait_outcome(target, last.state)
            if outcome == "done":
                return last
            if outcome == "unreachable":
                raise WaiterError(
                    f"mapping {uuid} is {quote_value(last.state, 80)}; it cannot {wanted} by itself",
                    reason="unreachable",
                    last_state=last.state,
                )
            remaining = deadline - clock.monotonic()
            if remaining <= 0:
                raise WaiterError(
                    f"mapping {uuid}: still {quote_value(last.state, 80)} after the "
                    f"{timeout:g}s wait to {wanted}",
                    reason="timeout",
                    last_state=last.state,
                )
            logger.debug(
                "wait: mapping %s is %s; polling again in %.1fs",
                uuid,
                quote_value(last.state, 80),
                delay,
            )
            await clock.sleep(min(delay, remaining))
            delay = min(delay * 2, WAIT_MAX_DELAY)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


async def _session_guard(transport: Transport) -> AsyncGenerator[None, None]:
    """Close the client's own session when the loop that made it shuts down.

    ``asyncio.run`` (and every well-behaved loop owner) finalises the async
    generators still open before closing the loop: this one's ``finally``
    then closes the connections cleanly, on their own loop, instead of
    leaving them to fail ("Event loop is closed") or warn on a later loop.
    """
    try:
        yield
    finally:
        await transport.http.drop_session()


async def _follow(
    fetch: Callable[[str | None], Awaitable[PageT]],
    items: Callable[[PageT], Sequence[object]],
    max_empty_pages: int,
) -> AsyncIterator[PageT]:
    """Fetch page after page, passing each page's ``next_marker`` to the next call.

    Memory stays constant however many pages come: only a few recent markers
    are kept, to detect a service that loops, and a run of empty pages is
    counted, to stop one that never ends.
    """
    marker: str | None = None
    recent: collections.deque[str] = collections.deque(maxlen=RECENT_MARKERS)
    empty = 0
    while True:
        page = await fetch(marker)
        yield page
        marker = page.next_marker
        if not marker:
            return
        if not marker.isprintable() or not _encodes(marker):
            raise DecodeError(f"the service sent an unusable page marker {quote_value(marker, 60)}")
        # A service that hands back a marker it gave lately would loop forever.
        if marker in recent:
            raise PaginationError(
                f"the service repeated the page marker {quote_value(marker, 60)}; stopping"
            )
        recent.append(marker)
        empty = empty + 1 if not items(page) else 0
        if empty >= max_empty_pages:
            raise PaginationError(
                f"the service sent {empty} empty pages in a row, each with a new marker; "
                f"stopping (max_empty_pages={max_empty_pages})"
            )


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
