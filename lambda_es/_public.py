"""Public names read as public: ``__module__`` set to the path users import them by.

Tracebacks and reprs then name ``lambda_es.ResourceConflictError`` (or
``lambda_es.testing.FakeLambda``), not the private module a class is defined
in, as httpx does for its exports.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterable

import attrs

__all__ = ["present_as"]


def present_as(module: str, values: Iterable[object]) -> None:
    """Give each class or function ``module`` as its ``__module__``.

    A class's string annotations are read against its module's names, so they
    are resolved first, while that module is still the one they name.

    Args:
        module: the public module's name (``lambda_es``, ``lambda_es.testing``).
        values: the classes and functions it exports.
    """
    for value in values:
        own = inspect.get_annotations(value) if isinstance(value, type) else None
        if isinstance(value, type) and own and any(isinstance(h, str) for h in own.values()):
            hints = typing.get_type_hints(value, include_extras=True)
            value.__annotations__ = {key: hints[key] for key in own}
            if attrs.has(value):
                attrs.resolve_types(value)
        value.__module__ = module
