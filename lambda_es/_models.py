"""The typed, frozen shapes that responses decode into.

Plain attrs classes: no I/O, no knowledge of the wire format beyond the field
names' AWS spelling, which ``_codec`` reads from each field's ``wire`` metadata.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from typing import Any, cast

import attrs

__all__ = [
    "EventSourceConfiguration",
    "EventSourcePage",
    "WireModel",
    "epoch_seconds",
    "member",
    "to_wire",
    "wire_name",
]


def _wire(name: str) -> dict[str, str]:
    return {"wire": name}


def member(wire: str, **rules: Any) -> Any:
    """Declare an optional model field with its AWS name and the model's rules.

    Args:
        wire: the member's AWS (PascalCase) name.
        **rules: constraints from the service model, checked on requests only
            (responses decode leniently): ``range=(lo, hi)`` for integers,
            ``length=(lo, hi)`` for strings and lists, ``pattern=`` (a regex the
            whole string must match), ``enum=`` (allowed strings), and ``items=``
            (a dict of these rules for each element of a list), ``keys=`` and
            ``values=`` (the same for the keys and values of a mapping).

    Returns:
        An attrs field defaulting to ``None``.
    """
    return attrs.field(default=None, metadata={"wire": wire, **rules})


def wire_name(field: attrs.Attribute[Any]) -> str:
    """Return the AWS member name of a model field.

    Args:
        field: an attrs field of one of this module's classes.

    Returns:
        The PascalCase name the field has on the wire.
    """
    name = field.metadata.get("wire")
    return name if isinstance(name, str) else field.name


def epoch_seconds(value: dt.datetime) -> int | float:
    """Epoch seconds, as botocore writes a timestamp in a rest-json body.

    Whole seconds are an int; a fraction is kept to the microsecond (summed
    as integers first, so the float is the nearest to the exact value).

    Args:
        value: an aware datetime.

    Returns:
        Seconds since 1970-01-01 UTC.
    """
    utc = value.astimezone(dt.timezone.utc)
    seconds = calendar.timegm(utc.timetuple())
    if utc.microsecond:
        return (seconds * 10**6 + utc.microsecond) / 10**6
    return seconds


def to_wire(value: object, timestamp: Callable[[dt.datetime], Any] = dt.datetime.isoformat) -> Any:
    """Turn models (and lists, dicts of them) into JSON-ready data with AWS names.

    Args:
        value: a model, or a list, tuple, dict or scalar that may hold models.
        timestamp: how to write a datetime (ISO-8601 by default; requests use epoch seconds).

    Returns:
        Plain dicts, lists and scalars; ``None`` members are left out.
    """
    if attrs.has(type(value)):
        return {
            wire_name(f): to_wire(getattr(value, f.name), timestamp)
            for f in attrs.fields(cast("type[attrs.AttrsInstance]", type(value)))
            if getattr(value, f.name) is not None
        }
    if isinstance(value, (list, tuple)):
        return [to_wire(item, timestamp) for item in value]
    if isinstance(value, dict):
        return {key: to_wire(item, timestamp) for key, item in value.items()}
    if isinstance(value, dt.datetime):
        return timestamp(value)
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
        result: dict[str, Any] = to_wire(self)
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
