# Generated from lambda_es/_client.py by tools/generate_sync.py. Do not edit: change lambda_es/_client.py and run `python tools/generate_sync.py`.
"""Client: the blocking facade over AsyncClient, one method per coroutine.

Each method hands the coroutine of the same name to the client's own event loop
(see ``_runner.py``) and waits for it; iterators pull one item per round trip.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Literal

import aiohttp

from ._client import AsyncClient
from ._credentials import Credentials, CredentialsProvider
from ._errors import ParamValidationError
from ._queries import IterQuery, ListQuery
from ._retry import Retry
from ._runner import Runner
from ._service_model import (
    EventSourceConfiguration,
    EventSourceMapping,
    EventSourceMappingPage,
    EventSourcePage,
)
from ._settings import CreateMappingSettings, MappingSettings
from ._transport import DEFAULT_MAX_RESPONSE_SIZE, Timeout

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - exercised on 3.10 only
    from typing_extensions import Unpack

__all__ = ["Client"]


class Client:
    """A blocking client for Lambda event-source mappings.

    The same operations as :class:`AsyncClient`, without ``await``: each call runs the
    AsyncClient's coroutine on an event loop that this client owns, in a daemon thread
    started by the first call and stopped by :meth:`close` (or ``with``), so connections
    are pooled across calls. One client may be shared by many threads, and called from
    code that runs an event loop of its own. A client that is never closed is closed
    when it is garbage-collected, or at interpreter exit.

    The constructor checks its arguments, as the async client's does, and does nothing
    else: the loop, its thread and the connections start with the first call.
    ``session`` is refused: it belongs to another event loop (share it with an
    AsyncClient instead).

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
        session: refused unless None (see above).
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
        if session is not None:
            raise ParamValidationError(
                "session",
                "the blocking Client runs its own event loop and an aiohttp.ClientSession "
                "belongs to the loop that made it; share a session with AsyncClient instead",
            )
        self._runner: Runner[AsyncClient] = Runner(
            self,
            functools.partial(
                AsyncClient,
                region=region,
                endpoint_url=endpoint_url,
                credentials=credentials,
                profile=profile,
                retry=retry,
                timeout=timeout,
                session=session,
                max_connections=max_connections,
                user_agent_extra=user_agent_extra,
                max_response_size=max_response_size,
                verify=verify,
                proxy=proxy,
                allow_http=allow_http,
                use_fips_endpoint=use_fips_endpoint,
                use_dualstack_endpoint=use_dualstack_endpoint,
            ),
            AsyncClient.aclose,
            name="lambda_es.Client",
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._runner.state}>"

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the client's connections. Safe to call more than once.

        A session passed as ``session=`` is left open: its owner closes it.
        """
        self._runner.close()

    def add_event_source(
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
        return self._runner.run(
            AsyncClient.add_event_source,
            event_source=event_source,
            function_name=function_name,
            role=role,
            batch_size=batch_size,
            parameters=parameters,
        )

    def get_event_source(self, uuid: str) -> EventSourceConfiguration:
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
        return self._runner.run(AsyncClient.get_event_source, uuid)

    def list_event_sources(self, **query: Unpack[ListQuery]) -> EventSourcePage:
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
        return self._runner.run(AsyncClient.list_event_sources, **query)

    def iter_event_sources(self, **query: Unpack[IterQuery]) -> Iterator[EventSourceConfiguration]:
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
        yield from self._runner.iterate(AsyncClient.iter_event_sources, **query)

    def remove_event_source(self, uuid: str) -> None:
        """Delete a legacy mapping (RemoveEventSource, 2014-11-13; HTTP 204).

        Args:
            uuid: the mapping's identifier.

        Raises:
            ParamValidationError: ``uuid`` is empty or not a str; nothing was sent.
            ResourceNotFoundError: there is no such mapping.
            APIError: another error response.
            TransportError: no complete response arrived.
        """
        return self._runner.run(AsyncClient.remove_event_source, uuid)

    def create_event_source_mapping(
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
        return self._runner.run(
            AsyncClient.create_event_source_mapping,
            function_name=function_name,
            event_source_arn=event_source_arn,
            **settings,
        )

    def get_event_source_mapping(self, uuid: str) -> EventSourceMapping:
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
        return self._runner.run(AsyncClient.get_event_source_mapping, uuid)

    def list_event_source_mappings(self, **query: Unpack[ListQuery]) -> EventSourceMappingPage:
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
        return self._runner.run(AsyncClient.list_event_source_mappings, **query)

    def iter_event_source_mappings(
        self, **query: Unpack[IterQuery]
    ) -> Iterator[EventSourceMapping]:
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
        yield from self._runner.iterate(AsyncClient.iter_event_source_mappings, **query)

    def update_event_source_mapping(
        self, uuid: str, *, function_name: str | None = None, **settings: Unpack[MappingSettings]
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
        return self._runner.run(
            AsyncClient.update_event_source_mapping, uuid, function_name=function_name, **settings
        )

    def delete_event_source_mapping(self, uuid: str) -> EventSourceMapping:
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
        return self._runner.run(AsyncClient.delete_event_source_mapping, uuid)

    def ensure_event_source_mapping(
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
        return self._runner.run(
            AsyncClient.ensure_event_source_mapping,
            function_name=function_name,
            event_source_arn=event_source_arn,
            **settings,
        )

    def wait_for_event_source_mapping(
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
        return self._runner.run(
            AsyncClient.wait_for_event_source_mapping,
            uuid,
            state=state,
            timeout=timeout,
            on_state=on_state,
        )
