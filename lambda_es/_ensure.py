"""The pure parts of ``ensure_event_source_mapping``: what to create, update or refuse.

No I/O: :meth:`AsyncClient.ensure_event_source_mapping` does the calls, these
functions decide. The states it waits through are the waiter's (``_waiter``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ._codec import unstructure_request
from ._service_model import EventSourceMapping
from ._settings import CREATE_ONLY, SETTINGS

__all__ = [
    "changed_settings",
    "is_mapping_uuid",
    "unchangeable_differences",
    "uuid_from_conflict",
]

_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}", re.ASCII
)

#: Members that CreateEventSourceMapping takes and UpdateEventSourceMapping does not.
CREATE_ONLY_WIRE = frozenset(SETTINGS[name].wire for name in CREATE_ONLY)
#: Tags are managed with TagResource and are not part of the mapping's
#: configuration; Enabled is read from the state.
NOT_COMPARED = frozenset({"Tags", "Enabled"})


def uuid_from_conflict(message: str) -> str | None:
    """Find the existing mapping's UUID in a ResourceConflictException message.

    Lambda says "... Please update or delete the existing mapping with UUID
    <uuid>"; other wordings may come, so any UUID in the text is taken.

    Args:
        message: the error message.

    Returns:
        The UUID, or ``None`` when the message has none.
    """
    found = _UUID.findall(message)
    return found[-1] if found else None


def is_mapping_uuid(value: object) -> bool:
    """Whether a UUID the service sent can be used as a path segment of the next call.

    ``ensure`` and the waiter put UUIDs read from responses into URLs: a
    hostile or broken server must not steer them elsewhere (``../``), nor
    make the next request fail while it is built (a lone surrogate).

    Args:
        value: the ``UUID`` member of a response, as decoded.

    Returns:
        True for a 36-character hexadecimal UUID.
    """
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def _current(mapping: EventSourceMapping) -> dict[str, object]:
    # Requests carry timestamps as epoch seconds, so compare in that form.
    wire: dict[str, object] = unstructure_request(mapping)
    return wire


def _matches(wanted: object, current: object) -> bool:
    # Lambda reports members the caller did not set (defaults, ARNs it
    # resolved) and omits ones that were cleared: so a wanted structure
    # matches when everything it says is there, and an empty value matches
    # an absent one.
    if wanted in ({}, [], "") and current is None:
        return True
    if isinstance(wanted, dict):
        return isinstance(current, dict) and all(
            _matches(value, current.get(key)) for key, value in wanted.items()
        )
    if isinstance(wanted, list):
        return (
            isinstance(current, list)
            and len(wanted) == len(current)
            and all(_matches(w, c) for w, c in zip(wanted, current, strict=True))
        )
    return wanted == current


def changed_settings(
    existing: EventSourceMapping, wanted: Mapping[str, object]
) -> dict[str, object]:
    """The members of ``wanted`` that an update must change.

    Args:
        existing: the mapping as Lambda describes it, in a settled state.
        wanted: the request members the caller asked for (wire names), as
            ``encode_settings`` made them.

    Returns:
        The members to send with UpdateEventSourceMapping (empty when nothing differs).
    """
    current = _current(existing)
    changes = {
        name: value
        for name, value in wanted.items()
        if name not in CREATE_ONLY_WIRE | NOT_COMPARED and not _matches(value, current.get(name))
    }
    enabled = wanted.get("Enabled")
    if enabled is True and existing.state == "Disabled":
        changes["Enabled"] = True
    elif enabled is False and existing.state == "Enabled":
        changes["Enabled"] = False
    return changes


def unchangeable_differences(
    existing: EventSourceMapping, wanted: Mapping[str, object]
) -> list[str]:
    """Create-only members whose wanted value differs from the existing mapping's.

    A member the existing mapping does not report is not counted: Lambda
    omits some of them, and absence is not a difference.

    Args:
        existing: the mapping as Lambda describes it.
        wanted: the request members the caller asked for (wire names).

    Returns:
        The names of the differing members, sorted.
    """
    current = _current(existing)
    return sorted(
        name
        for name in CREATE_ONLY_WIRE - NOT_COMPARED
        if name in wanted
        and current.get(name) is not None
        and not _matches(wanted[name], current[name])
    )
