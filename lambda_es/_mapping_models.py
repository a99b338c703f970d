"""A mapping of the current API (wire version 2015-03-31), its page, and its states.

The classes, and every nested shape, are generated into ``_shapes`` from the
vendored service model (``tools/generate_models.py``); this module adds what
the model does not state: the states a mapping goes through.
"""

from __future__ import annotations

from ._shapes import EventSourceMapping, EventSourceMappingPage

__all__ = ["STATES", "EventSourceMapping", "EventSourceMappingPage"]

#: The states a mapping goes through, as Lambda reports them. The service
#: model types ``State`` as a plain string, so the list is the library's.
STATES = (
    "Creating",
    "Enabling",
    "Enabled",
    "Disabling",
    "Disabled",
    "Updating",
    "Deleting",
)
