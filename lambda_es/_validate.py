"""Parameter checks that run before any request is built.

Each check raises :class:`ParamValidationError` naming the parameter (as the
caller spelled it) and the rule it broke. The rules are the service model's
(lengths, patterns, ranges, enums), tightened where the model is looser than
the service (``event_source`` must be a stream ARN, not any string).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection, Mapping
from typing import Any, cast

import attrs

from ._errors import ParamTypeError, ParamValidationError, quote_value
from ._service_model import CURRENT_PARAMETERS, LEGACY_PARAMETERS, SETTINGS

__all__ = [
    "HEADER_TEXT",
    "ROLE_ARN",
    "check_add_event_source",
    "check_arn",
    "check_bool",
    "check_credentials",
    "check_datetime",
    "check_enum",
    "check_function_name",
    "check_int",
    "check_list_filters",
    "is_stream_arn",
    "check_mapping_uuid",
    "check_model",
    "check_rules",
    "check_seconds",
    "check_str",
    "check_uuid",
    "check_wire_text",
]

# From the 2014-11-13 model: FunctionName and Role.
_LEGACY_FUNCTION_NAME = LEGACY_PARAMETERS["FunctionName"]
ROLE_ARN: re.Pattern[str] = LEGACY_PARAMETERS["Role"]["pattern"]
# The 2014-11-13 model leaves BatchSize unbounded; Lambda enforces the
# range the current model states for it, so that range is checked.
_BATCH_SIZE: tuple[int, int] = SETTINGS["batch_size"].rules["range"]

_PARTITION = r"aws(?:-[a-z]+)*"
_REGION = r"(?:eusc-)?[a-z]{2}(?:-[a-z]+)+-\d+"
KINESIS_STREAM_ARN = re.compile(
    rf"arn:{_PARTITION}:kinesis:{_REGION}:\d{{12}}:stream/[a-zA-Z0-9_.\-]{{1,128}}", re.ASCII
)
DYNAMODB_STREAM_ARN = re.compile(
    rf"arn:{_PARTITION}:dynamodb:{_REGION}:\d{{12}}:table/[a-zA-Z0-9_.\-]{{3,255}}"
    r"/stream/[a-zA-Z0-9_.:\-]+",
    re.ASCII,
)


def is_stream_arn(value: object) -> bool:
    """Whether a value is the ARN of a Kinesis or a DynamoDB stream (a legacy event source).

    The client checks it before sending, and FakeLambda refuses what does not
    match, so both hold the same rule.

    Args:
        value: anything.

    Returns:
        True for a str that is a Kinesis stream's or a DynamoDB stream's ARN.
    """
    return isinstance(value, str) and bool(
        KINESIS_STREAM_ARN.fullmatch(value) or DYNAMODB_STREAM_ARN.fullmatch(value)
    )


#: InitialPositionInStream: the 2014-11-13 model names its values only in
#: prose ("TRIM_HORIZON" and "LATEST"): the current model's positions
#: without AT_TIMESTAMP, which came later.
INITIAL_POSITIONS = tuple(
    p for p in SETTINGS["starting_position"].rules["enum"] if p != "AT_TIMESTAMP"
)


def check_str(
    name: str,
    value: object,
    *,
    required: bool = False,
    min_len: int | None = None,
    max_len: int | None = None,
    pattern: re.Pattern[str] | None = None,
    pattern_text: str | None = None,
) -> None:
    """Check a string parameter.

    Args:
        name: the parameter's name, for the error.
        value: the value given.
        required: whether ``None`` is an error.
        min_len: the shortest allowed length.
        max_len: the longest allowed length.
        pattern: a regex the whole value must match.
        pattern_text: how to describe the pattern in the error (defaults to the regex).

    Raises:
        ParamValidationError: the value breaks a rule.
    """
    if value is None:
        if required:
            raise ParamValidationError(name, "is required")
        return
    if not isinstance(value, str):
        raise ParamTypeError(name, f"must be a str, not {type(value).__name__}")
    if min_len is not None and len(value) < min_len:
        raise ParamValidationError(name, f"must be at least {min_len} characters long")
    if max_len is not None and len(value) > max_len:
        raise ParamValidationError(name, f"must be at most {max_len} characters long")
    check_wire_text(name, value)
    if pattern is not None and pattern.fullmatch(value) is None:
        described = pattern_text or f"the pattern {quote_value(pattern.pattern)}"
        raise ParamValidationError(name, f"must match {described}; got {quote_value(value)}")


def check_int(
    name: str, value: object, *, low: int, high: int | None, required: bool = False
) -> None:
    """Check an integer parameter (``bool`` is not an integer here).

    Args:
        name: the parameter's name, for the error.
        value: the value given.
        low: the smallest allowed value.
        high: the largest allowed value, or ``None`` for no bound.
        required: whether ``None`` is an error.

    Raises:
        ParamValidationError: the value is not an int or is out of range.
    """
    if value is None:
        if required:
            raise ParamValidationError(name, "is required")
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise ParamTypeError(name, f"must be an int, not {type(value).__name__}")
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ParamValidationError(name, f"must be {bound}; got {quote_value(value, 60)}")


def check_bool(name: str, value: object) -> None:
    """Check an optional boolean parameter.

    Args:
        name: the parameter's name, for the error.
        value: the value given.

    Raises:
        ParamValidationError: the value is neither ``None`` nor a bool.
    """
    if value is not None and not isinstance(value, bool):
        raise ParamTypeError(name, f"must be a bool, not {type(value).__name__}")


def check_enum(
    name: str, value: object, allowed: Collection[str], *, required: bool = False
) -> None:
    """Check that a string parameter is one of a fixed set.

    Args:
        name: the parameter's name, for the error.
        value: the value given.
        allowed: the accepted values.
        required: whether ``None`` is an error.

    Raises:
        ParamValidationError: the value is not one of ``allowed``.
    """
    check_str(name, value, required=required)
    if value is not None and value not in allowed:
        raise ParamValidationError(
            name, f"must be one of {', '.join(allowed)}; got {quote_value(value)}"
        )


def check_uuid(name: str, value: object) -> None:
    """Check a mapping identifier that will travel as a path segment.

    Args:
        name: the parameter's name, for the error.
        value: the value given.

    Raises:
        ParamValidationError: the value is not a non-empty str, or is a dot segment
            (which URL normalisation would swallow).
    """
    check_str(name, value, required=True, min_len=1)
    if value in (".", ".."):
        raise ParamValidationError(name, "must not be '.' or '..'")


def _check_parameters(value: object) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping):
        raise ParamTypeError(
            "parameters", f"must be a mapping of str to str, not {type(value).__name__}"
        )
    for key, item in value.items():
        if key != "InitialPositionInStream":
            raise ParamValidationError(
                "parameters",
                f"only the key 'InitialPositionInStream' is supported; got {quote_value(key)}",
            )
        check_enum("parameters['InitialPositionInStream']", item, INITIAL_POSITIONS, required=True)


def check_add_event_source(
    *,
    event_source: Any,
    function_name: Any,
    role: Any,
    batch_size: Any,
    parameters: Any,
) -> None:
    """Check the arguments of AddEventSource (2014-11-13).

    Raises:
        ParamValidationError: the first rule broken, in the order of the signature.
    """
    check_str("event_source", event_source, required=True)
    if not is_stream_arn(event_source):
        raise ParamValidationError(
            "event_source",
            "must be the ARN of a Kinesis stream (arn:PARTITION:kinesis:REGION:ACCOUNT:stream/NAME) "
            "or of a DynamoDB stream (arn:PARTITION:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL)"
            f"; got {quote_value(event_source)}",
        )
    check_str(
        "function_name",
        function_name,
        required=True,
        min_len=_LEGACY_FUNCTION_NAME["length"][0],
        max_len=_LEGACY_FUNCTION_NAME["length"][1],
        pattern=_LEGACY_FUNCTION_NAME["pattern"],
        pattern_text=_LEGACY_FUNCTION_NAME["pattern"].pattern,
    )
    check_str(
        "role",
        role,
        required=True,
        pattern=ROLE_ARN,
        pattern_text="an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
    )
    check_int("batch_size", batch_size, low=_BATCH_SIZE[0], high=_BATCH_SIZE[1])
    _check_parameters(parameters)


def check_rules(name: str, value: object, rules: Mapping[str, Any]) -> None:
    """Check a value against service-model rules (see :func:`lambda_es._model_base.member`).

    Types are not checked here (the codec does that); ranges, lengths,
    patterns and enums are, and so are the elements of lists and nested models.

    Args:
        name: the parameter's path for the error, e.g. ``scaling_config.MaximumConcurrency``.
        value: the value, already of the right type.
        rules: ``range``, ``length``, ``pattern``, ``enum``, ``items`` (for list
            elements), ``keys`` and ``values`` (for mapping keys and values).

    Raises:
        ParamValidationError: a rule is broken.
    """
    if value is None:
        return
    if "range" in rules and isinstance(value, int):
        low, high = rules["range"]
        check_int(name, value, low=low, high=high)
    if "length" in rules and isinstance(value, (str, tuple, list, Mapping)):
        low, high = rules["length"]
        what = "characters" if isinstance(value, str) else "items"
        if not low <= len(value) <= high:
            raise ParamValidationError(name, f"must have {low} to {high} {what}; got {len(value)}")
    if "pattern" in rules and isinstance(value, str):
        check_str(name, value, pattern=rules["pattern"])
    if "enum" in rules:
        check_enum(name, value, rules["enum"])
    if isinstance(value, (tuple, list)):
        for index, item in enumerate(value):
            check_rules(f"{name}[{index}]", item, rules.get("items", {}))
    if isinstance(value, Mapping):
        for key, item in value.items():
            check_rules(f"{name} key", key, rules.get("keys", {}))
            check_rules(f"{name}[{quote_value(key, 60)}]", item, rules.get("values", {}))
    if attrs.has(type(value)):
        check_model(name, value)


def check_model(name: str, model: object) -> None:
    """Check every field of a request model against the rules in its metadata.

    Args:
        name: the parameter's name, for errors.
        model: an instance of one of the models.

    Raises:
        ParamValidationError: a rule is broken; the error names the path.
    """
    for field in attrs.fields(cast("type[attrs.AttrsInstance]", type(model))):
        rules = {k: v for k, v in field.metadata.items() if k != "wire"}
        check_rules(
            f"{name}.{field.metadata.get('wire', field.name)}", getattr(model, field.name), rules
        )


# From the 2015-03-31 model: NamespacedFunctionName, Arn, UUIDString and MaxListItems.
_FUNCTION_NAME = CURRENT_PARAMETERS["FunctionName"]
_ARN = CURRENT_PARAMETERS["EventSourceArn"]
_UUID_LENGTH: tuple[int, int] = CURRENT_PARAMETERS["UUID"]["length"]
_MAX_ITEMS: tuple[int, int] = CURRENT_PARAMETERS["MaxItems"]["range"]


def check_function_name(name: str, value: object, *, required: bool) -> None:
    """Check a function name, ARN or partial ARN of the current API (1 to 256 characters).

    Raises:
        ParamValidationError: the value is not a function name or function ARN.
    """
    check_str(
        name,
        value,
        required=required,
        min_len=_FUNCTION_NAME["length"][0],
        max_len=_FUNCTION_NAME["length"][1],
        pattern=_FUNCTION_NAME["pattern"],
        pattern_text="a function name, a function ARN or a partial ARN",
    )


def check_arn(name: str, value: object, *, required: bool) -> None:
    """Check an event source ARN of the current API.

    Raises:
        ParamValidationError: the value is not an ARN.
    """
    check_str(
        name,
        value,
        required=required,
        max_len=_ARN["length"][1],
        pattern=_ARN["pattern"],
        pattern_text="an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)",
    )


def check_mapping_uuid(name: str, value: object) -> None:
    """Check the UUID of a current-API mapping (the model fixes it at 36 characters).

    Raises:
        ParamValidationError: the value is not a 36-character string.
    """
    check_uuid(name, value)
    check_str(name, value, min_len=_UUID_LENGTH[0], max_len=_UUID_LENGTH[1])


def check_list_filters(
    *,
    event_source_arn: object,
    function_name: object,
    marker: object,
    max_items: object,
    legacy: bool,
) -> None:
    """Check the filters and paging arguments of a list call.

    Raises:
        ParamValidationError: an argument breaks the model's rules.
    """
    if legacy:
        check_str("event_source_arn", event_source_arn)
        check_str(
            "function_name",
            function_name,
            min_len=_LEGACY_FUNCTION_NAME["length"][0],
            max_len=_LEGACY_FUNCTION_NAME["length"][1],
            pattern=_LEGACY_FUNCTION_NAME["pattern"],
            pattern_text=_LEGACY_FUNCTION_NAME["pattern"].pattern,
        )
    else:
        check_arn("event_source_arn", event_source_arn, required=False)
        check_function_name("function_name", function_name, required=False)
    check_str("marker", marker)
    check_int("max_items", max_items, low=_MAX_ITEMS[0], high=_MAX_ITEMS[1])


def check_wire_text(name: str, value: str) -> None:
    """Check that a string can travel: it must encode as UTF-8.

    A lone surrogate (``"\\ud800"``) is a valid ``str`` that no encoder
    accepts; it would fail while the request is built, or worse, half-way.

    Args:
        name: the parameter's name, for the error.
        value: the string.

    Raises:
        ParamValidationError: the string holds a lone surrogate.
    """
    if value.isascii():
        return  # a flag CPython keeps on every str: no encoding needed to know
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ParamValidationError(
            name,
            f"must be valid Unicode text (it holds a lone surrogate at index {exc.start}); "
            f"got {quote_value(value)}",
        ) from None


def check_datetime(name: str, value: object) -> None:
    """Check a timestamp parameter: an aware ``datetime`` that has a place on the epoch scale.

    Args:
        name: the parameter's name, for the error.
        value: the value given.

    Raises:
        ParamValidationError: not an aware datetime, or too close to ``datetime.min``
            or ``datetime.max`` to be turned into UTC.
    """
    if not isinstance(value, dt.datetime):
        raise ParamTypeError(
            name, f"must be a timezone-aware datetime.datetime, not {type(value).__name__}"
        )
    if value.utcoffset() is None:
        raise ParamValidationError(name, "must be a timezone-aware datetime.datetime")
    try:
        value.astimezone(dt.timezone.utc).timestamp()
    except (OverflowError, ValueError, OSError):
        raise ParamValidationError(
            name, f"is out of the range of UTC timestamps; got {quote_value(value)}"
        ) from None


def check_seconds(name: str, value: object, *, required: bool = False) -> None:
    """Check a positive, finite number of seconds.

    Raises:
        ParamValidationError: the value is not a positive, finite int or float.
    """
    if value is None and not required:
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParamTypeError(
            name, f"must be a positive, finite number of seconds, not {type(value).__name__}"
        )
    try:
        # An int too large for a float would overflow later, in the clock arithmetic.
        seconds = float(value)
    except OverflowError:
        seconds = math.inf
    if not 0 < seconds < math.inf:
        raise ParamValidationError(
            name, f"must be a positive, finite number of seconds; got {quote_value(value, 60)}"
        )


#: Printable ASCII: what a header value (and a credential, signed into one) may hold.
HEADER_TEXT = re.compile(r"[\x20-\x7e]*", re.ASCII)


def check_credentials(credentials: Any) -> None:
    """Check that credentials can be signed with and sent as headers.

    Args:
        credentials: a :class:`lambda_es.Credentials`.

    Raises:
        ParamValidationError: a field is not non-empty printable ASCII text; the
            message names the field and never quotes it (it is a secret).
    """
    for field in ("access_key_id", "secret_access_key", "session_token"):
        value = getattr(credentials, field)
        if value is None and field == "session_token":
            continue
        if not isinstance(value, str):
            raise ParamTypeError(
                f"credentials.{field}", f"must be a str, not {type(value).__name__}"
            )
        if not value or HEADER_TEXT.fullmatch(value) is None:
            raise ParamValidationError(
                f"credentials.{field}",
                f"must be non-empty printable ASCII text (a value of {len(value)} characters "
                "is not; it is not shown, being a secret)",
            )
