"""Parameter checks that run before any request is built.

Each check raises :class:`ParamValidationError` naming the parameter (as the
caller spelled it) and the rule it broke. The rules are the service model's
(lengths, patterns, ranges, enums), tightened where the model is looser than
the service (``event_source`` must be a stream ARN, not any string).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from ._errors import ParamValidationError

__all__ = [
    "check_add_event_source",
    "check_bool",
    "check_enum",
    "check_int",
    "check_str",
    "check_uuid",
]

# From the 2014-11-13 model: FunctionName and RoleArn.
FUNCTION_NAME = re.compile(r"[a-zA-Z0-9\-_]+")
ROLE_ARN = re.compile(r"arn:aws:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+")

_PARTITION = r"aws(?:-[a-z]+)*"
_REGION = r"[a-z]{2}(?:-[a-z]+)+-\d+"
KINESIS_STREAM_ARN = re.compile(
    rf"arn:{_PARTITION}:kinesis:{_REGION}:\d{{12}}:stream/[a-zA-Z0-9_.\-]{{1,128}}"
)
DYNAMODB_STREAM_ARN = re.compile(
    rf"arn:{_PARTITION}:dynamodb:{_REGION}:\d{{12}}:table/[a-zA-Z0-9_.\-]{{3,255}}"
    r"/stream/[a-zA-Z0-9_.:\-]+"
)

INITIAL_POSITIONS = ("TRIM_HORIZON", "LATEST")


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
        raise ParamValidationError(name, f"must be a str, not {type(value).__name__}")
    if min_len is not None and len(value) < min_len:
        raise ParamValidationError(name, f"must be at least {min_len} characters long")
    if max_len is not None and len(value) > max_len:
        raise ParamValidationError(name, f"must be at most {max_len} characters long")
    if pattern is not None and pattern.fullmatch(value) is None:
        described = pattern_text or f"the pattern {pattern.pattern}"
        raise ParamValidationError(name, f"must match {described}; got {value!r}")


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
        raise ParamValidationError(name, f"must be an int, not {type(value).__name__}")
    if value < low or (high is not None and value > high):
        bound = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise ParamValidationError(name, f"must be {bound}; got {value}")


def check_bool(name: str, value: object) -> None:
    """Check an optional boolean parameter.

    Args:
        name: the parameter's name, for the error.
        value: the value given.

    Raises:
        ParamValidationError: the value is neither ``None`` nor a bool.
    """
    if value is not None and not isinstance(value, bool):
        raise ParamValidationError(name, f"must be a bool, not {type(value).__name__}")


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
        raise ParamValidationError(name, f"must be one of {', '.join(allowed)}; got {value!r}")


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
        raise ParamValidationError(
            "parameters", f"must be a mapping of str to str, not {type(value).__name__}"
        )
    for key, item in value.items():
        if key != "InitialPositionInStream":
            raise ParamValidationError(
                "parameters", f"only the key 'InitialPositionInStream' is supported; got {key!r}"
            )
        check_enum("parameters['InitialPositionInStream']", item, INITIAL_POSITIONS)


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
    if not (
        KINESIS_STREAM_ARN.fullmatch(event_source) or DYNAMODB_STREAM_ARN.fullmatch(event_source)
    ):
        raise ParamValidationError(
            "event_source",
            "must be the ARN of a Kinesis stream (arn:PARTITION:kinesis:REGION:ACCOUNT:stream/NAME) "
            "or of a DynamoDB stream (arn:PARTITION:dynamodb:REGION:ACCOUNT:table/TABLE/stream/LABEL)"
            f"; got {event_source!r}",
        )
    check_str(
        "function_name",
        function_name,
        required=True,
        min_len=1,
        max_len=64,
        pattern=FUNCTION_NAME,
        pattern_text="[a-zA-Z0-9-_]+",
    )
    check_str(
        "role",
        role,
        required=True,
        pattern=ROLE_ARN,
        pattern_text="an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)",
    )
    check_int("batch_size", batch_size, low=1, high=10_000)
    _check_parameters(parameters)
