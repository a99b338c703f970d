"""FakeLambda's current event-source-mapping API (wire version 2015-03-31).

Behaves as Lambda does where a client can tell: create, update and delete
answer 202 with a transitional state (Creating, Updating/Enabling/Disabling,
Deleting) that settles after a number of reads; a second mapping of the same
source and function is a 409 ResourceConflictException naming the existing
UUID; changing a mapping that is still changing is a ResourceInUseException;
lists page with Marker/MaxItems.
"""

from __future__ import annotations

import uuid as uuid_module
from typing import Any

from aiohttp import web

from lambda_es._service_model import ARN, CURRENT_PARAMETERS, SETTINGS

from ._common import AWSError, MappingTable, invalid, page, read_json

__all__ = ["CurrentMappings"]

PREFIX = "/2015-03-31/event-source-mappings"
TRANSITIONAL = frozenset({"Creating", "Enabling", "Disabling", "Updating", "Deleting"})
_STREAM_SERVICES = ("kinesis", "dynamodb", "kafka")
_FUNCTION = CURRENT_PARAMETERS["FunctionName"]

# Members a create may carry and the fake stores as given: every setting but
# Enabled (it drives the state) and Tags (not part of the configuration).
_PASSED_THROUGH = tuple(
    setting.wire for setting in SETTINGS.values() if setting.wire not in ("Enabled", "Tags")
)
_CREATE_ONLY = frozenset(setting.wire for setting in SETTINGS.values() if setting.create_only)
# The integer members and the model's range of each.
_RANGES = tuple(
    (setting.wire, *setting.rules["range"])
    for setting in SETTINGS.values()
    if setting.kind == "int"
)


class CurrentMappings(MappingTable):
    """The 2015-03-31 mappings of one FakeLambda (see :class:`MappingTable` for the arguments)."""

    not_found_message = "The resource you requested does not exist. (Service: Lambda, UUID: {uuid})"
    #: How many reads (get or list) a transitional state lasts.
    settle_after = 1

    def add_routes(self, app: web.Application) -> None:
        """Register the API's routes on ``app``."""
        for path in (PREFIX, PREFIX + "/"):
            app.router.add_post(path, self.create)
            app.router.add_get(path, self.list)
        app.router.add_get(PREFIX + "/{uuid}", self.get)
        app.router.add_put(PREFIX + "/{uuid}", self.update)
        app.router.add_delete(PREFIX + "/{uuid}", self.delete)

    # -- helpers ---------------------------------------------------------------

    def existing_function_arn(self, name: object) -> str:
        """The function's ARN, once the name is checked and the function known.

        Raises:
            AWSError: 400 for a malformed name; 404 when functions are
                registered and this is not one of them.
        """
        low, high = _FUNCTION["length"]
        if (
            not isinstance(name, str)
            or not low <= len(name) <= high
            or not _FUNCTION["pattern"].fullmatch(name)
        ):
            raise invalid(
                f"1 validation error detected: Value '{str(name)[:high]}' at 'functionName' "
                "failed to satisfy constraint: Member must satisfy regular expression pattern"
            )
        arn = self.function_arn(name)
        # Lambda names the unqualified function: a version or alias is not looked up.
        self.require_registered(arn)
        return arn

    @staticmethod
    def public(mapping: dict[str, Any]) -> dict[str, Any]:
        """The mapping as the API shows it (the fake's bookkeeping removed)."""
        return {k: v for k, v in mapping.items() if not k.startswith("_")}

    def _transition(self, mapping: dict[str, Any], state: str, final: str) -> None:
        mapping["State"] = state
        mapping["_final"] = final
        mapping["_pending"] = self.settle_after
        mapping["StateTransitionReason"] = "USER_INITIATED"
        mapping["LastModified"] = self.clock()

    def _advance(self, mapping: dict[str, Any]) -> dict[str, Any] | None:
        # One read moves a transitional state one step nearer to its end.
        if mapping["State"] in TRANSITIONAL:
            if mapping["_pending"] > 0:
                mapping["_pending"] -= 1
            else:
                if mapping["_final"] == "Deleted":
                    del self.mappings[mapping["UUID"]]
                    return None
                mapping["State"] = mapping["_final"]
        return mapping

    def _check_settable(self, payload: dict[str, Any]) -> None:
        for name, low, high in _RANGES:
            value = payload.get(name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high
            ):
                raise invalid(
                    f"1 validation error detected: Value '{value}' at '{name}' failed to "
                    f"satisfy constraint: Member must have value between {low} and {high}"
                )
        if "Enabled" in payload and not isinstance(payload["Enabled"], bool):
            raise invalid("Enabled must be a boolean")

    # -- handlers -------------------------------------------------------------------

    async def create(self, request: web.Request) -> web.Response:
        """CreateEventSourceMapping: 202 with State Creating."""
        payload = await read_json(request)
        function = payload.get("FunctionName")
        source = payload.get("EventSourceArn")
        if function is None:
            raise invalid("FunctionName is required")
        if source is None and "SelfManagedEventSource" not in payload:
            raise invalid("EventSourceArn is required")
        if source is not None and (
            not isinstance(source, str) or len(source) > 1024 or not ARN.fullmatch(source)
        ):
            raise invalid(
                f"1 validation error detected: Value '{str(source)[:1024]}' at 'eventSourceArn' "
                "failed to satisfy constraint: Member must satisfy regular expression pattern"
            )
        self._check_settable(payload)
        service = source.split(":")[2] if isinstance(source, str) else "kafka"
        if service in _STREAM_SERVICES and "StartingPosition" not in payload:
            raise invalid("StartingPosition is required for this event source")
        if service == "sqs" and "StartingPosition" in payload:
            raise invalid("StartingPosition is not valid for SQS event sources.")
        with self._lock:
            function_arn = self.existing_function_arn(function)
            for existing in self.mappings.values():
                if (
                    source is not None
                    and existing.get("EventSourceArn") == source
                    and existing["FunctionArn"] == function_arn
                ):
                    raise AWSError(
                        409,
                        "ResourceConflictException",
                        f"The event source arn ( {source} ) and function ( {function} ) provided "
                        "mapping already exists. Please update or delete the existing mapping "
                        f"with UUID {existing['UUID']}",
                    )
            uuid = str(uuid_module.uuid4())
            mapping: dict[str, Any] = {
                "UUID": uuid,
                "BatchSize": 10 if service == "sqs" else 100,
                "MaximumBatchingWindowInSeconds": 0,
                "FunctionArn": function_arn,
                "LastProcessingResult": "No records processed",
                "EventSourceMappingArn": (
                    f"arn:aws:lambda:{self.region}:{self.account_id}:event-source-mapping:{uuid}"
                ),
            }
            if source is not None:
                mapping["EventSourceArn"] = source
            if service in ("kinesis", "dynamodb"):
                mapping.update(
                    ParallelizationFactor=1,
                    MaximumRecordAgeInSeconds=-1,
                    BisectBatchOnFunctionError=False,
                    MaximumRetryAttempts=-1,
                    TumblingWindowInSeconds=0,
                    FunctionResponseTypes=[],
                    DestinationConfig={"OnFailure": {}},
                )
            mapping.update({k: payload[k] for k in _PASSED_THROUGH if k in payload})
            final = "Enabled" if payload.get("Enabled", True) else "Disabled"
            self._transition(mapping, "Creating", final)
            self.mappings[uuid] = mapping
            self._on_change()
            return web.json_response(self.public(mapping), status=202)

    async def get(self, request: web.Request) -> web.Response:
        """GetEventSourceMapping: 200 (a read advances a transitional state)."""
        with self._lock:
            mapping = self._advance(self.lookup(request))
            self._on_change()
            if mapping is None:
                raise AWSError(
                    404, "ResourceNotFoundException", "The resource you requested does not exist."
                )
            return web.json_response(self.public(mapping))

    async def list(self, request: web.Request) -> web.Response:
        """ListEventSourceMappings: filters and Marker/MaxItems paging."""
        query = request.query
        wanted_function = query.get("FunctionName")
        wanted_arn = self.function_arn(wanted_function) if wanted_function else None
        with self._lock:
            items = []
            for mapping in list(self.mappings.values()):
                current = self._advance(mapping)
                if current is None:
                    continue
                if query.get("EventSourceArn") not in (None, current.get("EventSourceArn")):
                    continue
                if wanted_arn is not None and current["FunctionArn"] != wanted_arn:
                    continue
                items.append(self.public(current))
            self._on_change()
        return web.json_response(page(items, query, "EventSourceMappings"))

    async def update(self, request: web.Request) -> web.Response:
        """UpdateEventSourceMapping: 202 with Updating, Enabling or Disabling."""
        payload = await read_json(request)
        self._check_settable(payload)
        refused = sorted(_CREATE_ONLY & set(payload))
        if refused:
            raise invalid(f"Unsupported parameters for update: {', '.join(refused)}")
        with self._lock:
            mapping = self.lookup(request)
            function_arn = (
                self.existing_function_arn(payload["FunctionName"])
                if "FunctionName" in payload
                else None
            )
            if mapping["State"] in TRANSITIONAL:
                raise AWSError(
                    400,
                    "ResourceInUseException",
                    f"Cannot update the event source mapping because it is in use. "
                    f"(State: {mapping['State']})",
                )
            mapping.update({k: payload[k] for k in _PASSED_THROUGH if k in payload})
            if function_arn is not None:
                mapping["FunctionArn"] = function_arn
            enabled = payload.get("Enabled")
            if enabled is True and mapping["State"] == "Disabled":
                self._transition(mapping, "Enabling", "Enabled")
            elif enabled is False and mapping["State"] == "Enabled":
                self._transition(mapping, "Disabling", "Disabled")
            else:
                self._transition(mapping, "Updating", mapping["State"])
            self._on_change()
            return web.json_response(self.public(mapping), status=202)

    async def delete(self, request: web.Request) -> web.Response:
        """DeleteEventSourceMapping: 202 with State Deleting, then gone."""
        with self._lock:
            mapping = self.lookup(request)
            if mapping["State"] in TRANSITIONAL:
                raise AWSError(
                    400,
                    "ResourceInUseException",
                    f"Cannot delete the event source mapping because it is in use. "
                    f"(State: {mapping['State']})",
                )
            self._transition(mapping, "Deleting", "Deleted")
            self._on_change()
            return web.json_response(self.public(mapping), status=202)
