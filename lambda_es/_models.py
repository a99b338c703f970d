"""The legacy (2014-11-13) models, and what every model shares.

The classes are generated into ``_shapes`` from the vendored service model
(``tools/generate_models.py``); this module is where the rest of the package
finds them, beside :class:`WireModel`, the base that gives every model
``to_dict()``.
"""

from __future__ import annotations

from ._model_base import WireModel
from ._shapes import EventSourceConfiguration, EventSourcePage

__all__ = ["EventSourceConfiguration", "EventSourcePage", "WireModel"]
