"""The typed, frozen shapes that responses decode into.

Plain attrs classes: no I/O, no knowledge of the wire format beyond the field
names' AWS spelling, which ``_codec`` reads from each field's ``wire`` metadata.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import attrs

__all__ = ["EventSourceConfiguration", "EventSourcePage", "WireModel", "wire_name"]


def _wire(name: str) -> dict[str, str]:
    return {"wire": name}


def wire_name(field: attrs.Attribute[Any]) -> str:
    """Return the AWS member name of a model field.

    Args:
        field: an attrs field of one of this module's classes.

    Returns:
        The PascalCase name the field has on the wire.
    """
    name = field.metadata.get("wire")
    return name if isinstance(name, str) else field.name


def _to_wire(value: object) -> Any:
    if attrs.has(type(value)):
        return {
            wire_name(f): _to_wire(getattr(value, f.name))
            for f in attrs.fields(cast("type[attrs.AttrsInstance]", type(value)))
            if getattr(value, f.name) is not None
        }
    if isinstance(value, (list, tuple)):
        return [_to_wire(item) for item in value]
    if isinstance(value, dict):
        return {key: _to_wire(item) for key, item in value.items()}
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


class WireModel:
    """What every model shares: :meth:`to_dict`."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the model as JSON-ready data with the AWS member names.

        Members that are absent (``None``) are left out; datetimes become
        ISO-8601 strings. Handy for logging and ``json.dumps``.

        Returns:
            A dict such as ``{"UUID": "...", "BatchSize": 100, ...}``.
        """
        result: dict[str, Any] = _to_wire(self)
        return result


@attrs.frozen(kw_only=True)
class EventSourceConfiguration(WireModel):
    """A legacy (2014-11-13) mapping between a stream and a function.

    Every field may be missing from a response, and is then ``None``.

    Attributes:
        uuid: Lambda's opaque identifier for the mapping.
        batch_size: the most records given to the function in one event.
        event_source: the ARN of the Kinesis or DynamoDB stream.
        function_name: the function Lambda invokes.
        parameters: reader settings, e.g. ``{"InitialPositionInStream": "LATEST"}``.
        role: the ARN of the invocation role.
        last_modified: when the mapping last changed, an aware UTC datetime.
        is_active: whether Lambda honours the mapping.
        status: ``"PENDING"``, ``"OK"`` or ``"PROBLEM: ..."``.
    """

    uuid: str | None = attrs.field(default=None, metadata=_wire("UUID"))
    batch_size: int | None = attrs.field(default=None, metadata=_wire("BatchSize"))
    event_source: str | None = attrs.field(default=None, metadata=_wire("EventSource"))
    function_name: str | None = attrs.field(default=None, metadata=_wire("FunctionName"))
    parameters: dict[str, str] | None = attrs.field(default=None, metadata=_wire("Parameters"))
    role: str | None = attrs.field(default=None, metadata=_wire("Role"))
    last_modified: dt.datetime | None = attrs.field(default=None, metadata=_wire("LastModified"))
    is_active: bool | None = attrs.field(default=None, metadata=_wire("IsActive"))
    status: str | None = attrs.field(default=None, metadata=_wire("Status"))


@attrs.frozen(kw_only=True)
class EventSourcePage(WireModel):
    """One page of :meth:`AsyncClient.list_event_sources`.

    Attributes:
        event_sources: the mappings on this page.
        next_marker: pass as ``marker`` to get the next page; ``None`` on the last.
    """

    event_sources: tuple[EventSourceConfiguration, ...] = attrs.field(
        default=(), metadata=_wire("EventSources")
    )
    next_marker: str | None = attrs.field(default=None, metadata=_wire("NextMarker"))
