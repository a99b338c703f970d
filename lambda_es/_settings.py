"""The typed settings of the current API's create and update calls, and their encoding.

``MappingSettings`` (create and update) and ``CreateMappingSettings`` (plus
the members only CreateEventSourceMapping takes) are the types of the
``**settings`` keywords, so type checkers and IDEs know every keyword and its
type. :data:`SETTINGS` says how each keyword travels and what the service
model allows. All three, and :data:`CREATE_ONLY`, are generated from the
vendored service model into ``_service_model``; :func:`encode_settings` structures
each value once, checks it once and unstructures it once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ._codec import structure_param, unstructure_request
from ._errors import ParamValidationError
from ._model_base import Setting
from ._service_model import CREATE_ONLY, SETTINGS, CreateMappingSettings, MappingSettings
from ._validate import check_bool, check_datetime, check_rules, check_str

__all__ = [
    "CREATE_ONLY",
    "SETTINGS",
    "CreateMappingSettings",
    "MappingSettings",
    "Setting",
    "encode_settings",
]


def _structure(name: str, setting: Setting, value: object) -> object:
    # The value in its checked Python form (models, tuples), type errors raised.
    kind = setting.kind
    if kind == "bool":
        check_bool(name, value)
    elif kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ParamValidationError(name, f"must be an int, not {type(value).__name__}")
    elif kind == "str":
        check_str(name, value)
    elif kind == "timestamp":
        check_datetime(name, value)
    elif kind == "map":
        if not isinstance(value, Mapping):
            raise ParamValidationError(
                name, f"must be a dict of str to str, not {type(value).__name__}"
            )
        for key, item in value.items():
            check_str(f"{name} key", key)
            check_str(f"{name}[{key!r}]", item, required=True)
        return dict(value)
    elif kind == "model":
        assert setting.model is not None
        return structure_param(setting.model, value, name)
    else:  # "strings" or "models"
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise ParamValidationError(name, f"must be a list, not {type(value).__name__}")
        if kind == "strings":
            for index, item in enumerate(value):
                check_str(f"{name}[{index}]", item)
            return tuple(value)
        assert setting.model is not None
        return tuple(
            structure_param(setting.model, item, f"{name}[{index}]")
            for index, item in enumerate(value)
        )
    return value


def encode_settings(settings: Mapping[str, object], *, create: bool) -> dict[str, object]:
    """Check keyword settings and return them as JSON members.

    Args:
        settings: the ``**settings`` a caller passed.
        create: whether create-only settings are allowed.

    Returns:
        The members to put in the request body; ``None`` values are left out.

    Raises:
        ParamValidationError: an unknown keyword, a create-only keyword on update,
            or a value that breaks the service model's rules.
    """
    body: dict[str, object] = {}
    for name, value in settings.items():
        setting = SETTINGS.get(name)
        if setting is None:
            raise ParamValidationError(name, "is not a setting of an event-source mapping")
        if not create and setting.create_only:
            raise ParamValidationError(
                name, "can only be set when the mapping is created (not by update)"
            )
        if value is not None:
            structured = _structure(name, setting, value)
            check_rules(name, structured, setting.rules)
            body[setting.wire] = unstructure_request(structured)
    return body
