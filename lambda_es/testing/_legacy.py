"""FakeLambda's legacy event-source API (wire version 2014-11-13).

AddEventSource, GetEventSource, ListEventSources and RemoveEventSource, as
Lambda answered them: one stream maps to one function (adding the stream
again moves its mapping), ``LastModified`` is the model's string form, and
lists page with Marker/MaxItems.
"""

from __future__ import annotations

import re
import uuid as uuid_module
from collections.abc import Mapping
from typing import Any, TypeGuard

from aiohttp import web

from lambda_es._service_model import LEGACY_PARAMETERS, SETTINGS
from lambda_es._validate import INITIAL_POSITIONS, is_stream_arn

from ._common import AWSError, MappingTable, invalid, legacy_timestamp, page, read_json

__all__ = ["LegacyMappings", "is_function_name"]

PREFIX = "/2014-11-13/event-source-mappings"
_ROLE: re.Pattern[str] = LEGACY_PARAMETERS["Role"]["pattern"]
_FUNCTION: Mapping[str, Any] = LEGACY_PARAMETERS["FunctionName"]
# The 2014-11-13 model leaves BatchSize unbounded: the current model's range.
_BATCH_SIZE: tuple[int, int] = SETTINGS["batch_size"].rules["range"]


def is_function_name(name: object) -> TypeGuard[str]:
    """Whether ``name`` is a function name (not an ARN) by the 2014-11-13 model's rules."""
    low, high = _FUNCTION["length"]
    return (
        isinstance(name, str)
        and low <= len(name) <= high
        and _FUNCTION["pattern"].fullmatch(name) is not None
    )


class LegacyMappings(MappingTable):
    """The 2014-11-13 mappings of one FakeLambda (see :class:`MappingTable` for the arguments)."""

    def add_routes(self, app: web.Application) -> None:
        """Register the API's routes on ``app``."""
        app.router.add_post(PREFIX + "/", self.add)
        app.router.add_get(PREFIX + "/", self.list)
        app.router.add_get(PREFIX + "/{uuid}", self.get)
        app.router.add_delete(PREFIX + "/{uuid}", self.remove)

    async def add(self, request: web.Request) -> web.Response:
        """AddEventSource: 200 with Status PENDING; a stream already mapped is moved."""
        payload = await read_json(request)
        source, function, role = (payload.get(k) for k in ("EventSource", "FunctionName", "Role"))
        if not is_stream_arn(source):
            raise AWSError(400, "InvalidParameterValueException", "EventSource is not a stream ARN")
        if not is_function_name(function):
            raise invalid("FunctionName is invalid")
        self.require_registered(self.function_arn(function))
        if not isinstance(role, str) or not _ROLE.fullmatch(role):
            raise invalid("Role is not an IAM role ARN")
        batch = payload.get("BatchSize", 100)
        low, high = _BATCH_SIZE
        if isinstance(batch, bool) or not isinstance(batch, int) or not low <= batch <= high:
            raise invalid(f"BatchSize must be {low} to {high}")
        parameters = payload.get("Parameters") or {"InitialPositionInStream": "TRIM_HORIZON"}
        if not isinstance(parameters, dict) or set(parameters) - {"InitialPositionInStream"}:
            raise invalid("Unsupported Parameters")
        if parameters.get("InitialPositionInStream") not in INITIAL_POSITIONS:
            raise invalid("Bad InitialPositionInStream")
        with self._lock:
            # One stream maps to one function: adding it again moves the mapping.
            existing = next((m for m in self.mappings.values() if m["EventSource"] == source), None)
            mapping = existing or {"UUID": str(uuid_module.uuid4()), "EventSource": source}
            mapping.update(
                FunctionName=function,
                Role=role,
                BatchSize=batch,
                Parameters=dict(parameters),
                LastModified=legacy_timestamp(self.clock()),
                IsActive=True,
                Status="PENDING",
            )
            self.mappings[mapping["UUID"]] = mapping
            self._on_change()
            return web.json_response(dict(mapping))

    async def get(self, request: web.Request) -> web.Response:
        """GetEventSource: 200, or 404 for an unknown UUID."""
        with self._lock:
            return web.json_response(dict(self.lookup(request)))

    async def remove(self, request: web.Request) -> web.Response:
        """RemoveEventSource: 204, or 404 for an unknown UUID."""
        with self._lock:
            mapping = self.lookup(request)
            del self.mappings[mapping["UUID"]]
            self._on_change()
        return web.Response(status=204)

    async def list(self, request: web.Request) -> web.Response:
        """ListEventSources: filtered by EventSource and FunctionName, paged."""
        query = request.query
        with self._lock:
            matches = [
                dict(m)
                for m in self.mappings.values()
                if query.get("EventSource") in (None, m["EventSource"])
                and query.get("FunctionName") in (None, m["FunctionName"])
            ]
        return web.json_response(page(matches, query, "EventSources"))
