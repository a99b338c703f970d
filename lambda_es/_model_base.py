"""What every generated shape is built from: :class:`WireModel`, :func:`member`, :func:`items`, :class:`Setting`.

The shapes themselves are generated into ``_service_model`` from the service models
(``tools/generate_models.py``); this module holds only the hand-written parts
they share. No I/O, no knowledge of the wire beyond the ``wire`` metadata.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._codec import unstructure_dict

__all__ = ["Setting", "WireModel", "items", "member"]


def member(wire: str, **rules: Any) -> Any:
    """Declare an optional model field with its AWS name and the model's rules.

    Args:
        wire: the member's AWS (PascalCase) name.
        **rules: constraints from the service model, checked on requests only
            (responses decode leniently): ``range=(lo, hi)`` for integers,
            ``length=(lo, hi)`` for strings and lists, ``pattern=`` (a compiled
            regex the whole string must match), ``enum=`` (allowed strings), and
            ``items=`` (a dict of these rules for each element of a list), ``keys=``
            and ``values=`` (the same for the keys and values of a mapping).

    Returns:
        An attrs field defaulting to ``None``.
    """
    return attrs.field(default=None, metadata={"wire": wire, **rules})


def items(wire: str) -> Any:
    """Declare a page's list of items: never ``None``, as an absent list is empty.

    Args:
        wire: the list member's AWS name (``EventSources``, ``EventSourceMappings``).

    Returns:
        An attrs field defaulting to ``()``.
    """
    return attrs.field(default=(), metadata={"wire": wire})


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
        result: dict[str, Any] = unstructure_dict(self)
        return result


@attrs.frozen
class Setting:
    """How one ``**settings`` keyword travels and what the service model allows.

    Attributes:
        wire: the AWS member name.
        kind: ``"bool"``, ``"int"``, ``"str"``, ``"timestamp"``, ``"strings"`` (a
            list of strings), ``"map"`` (str to str), ``"model"`` or ``"models"``.
        rules: the service model's constraints (see :func:`member`).
        model: the attrs class for ``"model"`` and ``"models"``.
        create_only: whether only CreateEventSourceMapping takes it.
        doc: what it means: the first sentence of the model's documentation.
    """

    wire: str
    kind: str
    rules: Mapping[str, Any] = attrs.field(factory=dict)
    model: type[Any] | None = None
    create_only: bool = False
    doc: str = ""
