"""JSON <-> models, through cattrs, both ways.

Only this module knows cattrs. Structuring: responses decode strictly about
types except where AWS has been inconsistent (``LastModified`` and
``IsActive``, see :func:`_structure_datetime` and :func:`_structure_bool`),
and unknown keys are ignored so that a new member in a response never breaks
an old client; request arguments (a model, or a dict with AWS names) are
structured once, strictly. Unstructuring: a model becomes its AWS member
names (from each field's ``wire`` metadata), ``None`` members are left out,
tuples become lists, and datetimes become epoch seconds on a request (as
botocore writes a rest-json timestamp) or ISO-8601 text in ``to_dict()``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import json
import re
import types
import typing
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

import attrs

from ._errors import (
    DecodeError,
    ParamTypeError,
    ParamValidationError,
    bounded,
    excerpt,
    quote_value,
)

__all__ = [
    "decode",
    "encode_body",
    "epoch_seconds",
    "parse_timestamp",
    "structure_param",
    "unstructure_dict",
    "unstructure_request",
    "wire_name",
]

if TYPE_CHECKING:
    # cattrs is imported with the first converter (see _Converters): it
    # costs milliseconds that ``import lambda_es`` need not pay.
    import cattrs

T = TypeVar("T")

_ISO_8601 = re.compile(
    r"""^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?
        (?:([Zz])|([+-])(\d{2}):?(\d{2}))?$""",
    re.VERBOSE,
)


def parse_timestamp(text: str) -> dt.datetime:
    """Parse an ISO-8601 timestamp as Lambda writes them, into an aware UTC datetime.

    A timestamp without an offset is taken as UTC.

    Raises:
        ValueError: the text is not such a timestamp.
    """
    # datetime.fromisoformat on 3.10 rejects both "+0000" and "Z", which is
    # what Lambda has sent over the years, so the forms are parsed here.
    match = _ISO_8601.match(text.strip())
    if match is None:
        raise ValueError(f"not an ISO-8601 timestamp: {quote_value(text, 60)}")
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction = match.group(7) or "0"
    microsecond = int(fraction[:6].ljust(6, "0"))
    offset = dt.timedelta(0)
    if match.group(9):
        sign = 1 if match.group(9) == "+" else -1
        offset = sign * dt.timedelta(hours=int(match.group(10)), minutes=int(match.group(11)))
    parsed = dt.datetime(
        year, month, day, hour, minute, second, microsecond, tzinfo=dt.timezone(offset)
    )
    return parsed.astimezone(dt.timezone.utc)


def wire_name(field: attrs.Attribute[Any]) -> str:
    """Return the AWS member name of a model field.

    Args:
        field: an attrs field of one of the models.

    Returns:
        The PascalCase name the field has on the wire (its ``wire`` metadata).
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


def _structure_datetime(value: object, _: type) -> dt.datetime:
    if isinstance(value, bool):
        raise TypeError(f"expected a timestamp, got {value!r}")
    if isinstance(value, (int, float)):
        # fromtimestamp raises OverflowError, OSError or ValueError on a
        # number past year 9999 or NaN: all are "not a timestamp" here.
        try:
            return dt.datetime.fromtimestamp(value, tz=dt.timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"timestamp out of range: {quote_value(value, 40)}") from None
    if isinstance(value, str):
        return parse_timestamp(value)
    raise TypeError(f"expected a timestamp, got {type(value).__name__}")


def _structure_bool(value: object, _: type) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise TypeError(f"expected a boolean, got {quote_value(value, 60)}")


def _structure_str(value: object, _: type) -> str:
    if isinstance(value, str):
        return value
    raise TypeError(f"expected a string, got {type(value).__name__}")


def _structure_int(value: object, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise TypeError(f"expected an integer, got {quote_value(value, 60)}")


def _structure_float(value: object, _: type) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise TypeError(f"expected a number, got {quote_value(value, 60)}")


def _structure_wire_str(value: object, _: type) -> str:
    text = _structure_str(value, str)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("expected text that encodes as UTF-8, got a lone surrogate") from None
    return text


def _make_converter(*, forbid_extra_keys: bool) -> cattrs.Converter:
    import cattrs
    from cattrs.gen import make_dict_structure_fn, override

    converter = cattrs.Converter(forbid_extra_keys=forbid_extra_keys)
    converter.register_structure_hook(dt.datetime, _structure_datetime)
    converter.register_structure_hook(bool, _structure_bool)
    # Requests (forbid_extra_keys) must also be sendable: no lone surrogate.
    converter.register_structure_hook(
        str, _structure_wire_str if forbid_extra_keys else _structure_str
    )
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)

    def structure_factory(cls: type[Any]) -> Any:
        renames = {f.name: override(rename=wire_name(f)) for f in attrs.fields(cls)}
        build = make_dict_structure_fn(
            cls,
            converter,
            _cattrs_forbid_extra_keys=forbid_extra_keys,
            **cast(dict[str, Any], renames),
        )
        fields = attrs.fields(attrs.resolve_types(cls))

        def structure(value: Any, type_: type) -> Any:
            if isinstance(value, cls):
                # A model the caller built: attrs checks no types, so every
                # field goes through the same hooks a dict member would.
                return _rebuild(converter, cls, fields, value)
            _expect(value, Mapping, "an object")
            return build(value, type_)

        return structure

    def tuple_factory(type_: Any) -> Any:
        # cattrs turns any iterable into a tuple, so "b1:9092" would become
        # ("b", "1", ...): a JSON array is required instead.
        (item, _) = typing.get_args(type_)

        def structure(value: Any, _: type) -> tuple[Any, ...]:
            _expect(value, (list, tuple), "an array")
            return tuple(converter.structure(v, item) for v in value)

        return structure

    def dict_factory(type_: Any) -> Any:
        key_type, value_type = typing.get_args(type_)

        def structure(value: Any, _: type) -> dict[Any, Any]:
            _expect(value, Mapping, "an object")
            return {
                converter.structure(k, key_type): converter.structure(v, value_type)
                for k, v in value.items()
            }

        return structure

    def optional_factory(type_: Any) -> Any:
        # cattrs's own hook for X | None looks X's hook up on every call;
        # this one looks it up once, when the model's function is generated.
        (inner,) = (arg for arg in typing.get_args(type_) if arg is not type(None))
        hook = converter.get_structure_hook(inner)

        def structure(value: Any, _: type) -> Any:
            return None if value is None else hook(value, inner)

        return structure

    converter.register_structure_hook_factory(attrs.has, structure_factory)
    converter.register_structure_hook_factory(_is_optional, optional_factory)
    converter.register_structure_hook_factory(
        lambda t: _origin(t) is tuple and typing.get_args(t)[1:] == (...,),
        tuple_factory,
    )
    converter.register_structure_hook_factory(lambda t: _origin(t) is dict, dict_factory)
    return converter


def _rebuild(converter: cattrs.Converter, cls: type[Any], fields: Any, value: Any) -> Any:
    from cattrs.errors import AttributeValidationNote, ClassValidationError

    # Errors carry the notes cattrs puts on a dict's, so both read the same.
    members: dict[str, Any] = {}
    errors: list[Exception] = []
    for field in fields:
        try:
            members[field.name] = converter.structure(getattr(value, field.name), field.type)
        except Exception as exc:
            wire = wire_name(field)
            cast(Any, exc).__notes__ = [
                *getattr(exc, "__notes__", []),
                AttributeValidationNote(
                    f"Structuring class {cls.__qualname__} @ attribute {wire}", wire, field.type
                ),
            ]
            errors.append(exc)
    if errors:
        raise ClassValidationError(f"While structuring {cls.__name__}", errors, cls)
    return cls(**members)


def _is_optional(type_: Any) -> bool:
    # X | None, and typing.Optional[X]: a union of exactly one type and None.
    args = typing.get_args(type_)
    return (
        _origin(type_) in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args
    )


def _origin(type_: Any) -> Any:
    return typing.get_origin(type_)


def _expect(value: object, kind: type | tuple[type, ...], what: str) -> None:
    if isinstance(value, (str, bytes)) or not isinstance(value, kind):
        raise TypeError(f"expected {what}, got {type(value).__name__}")


class _Converters:
    """The four converters, built on first use: ``import lambda_es`` need not pay for them.

    Building a cattrs converter and its hooks takes milliseconds; a program
    that imports lambda_es only for its CLI's ``--help``, or only to build
    arguments, should not wait for them.
    """

    @functools.cached_property
    def response(self) -> cattrs.Converter:
        # Responses: unknown members are ignored, so a new AWS field breaks nothing.
        return _make_converter(forbid_extra_keys=False)

    @functools.cached_property
    def strict(self) -> cattrs.Converter:
        # Requests: a misspelt member in a dict the caller wrote must not vanish silently.
        return _make_converter(forbid_extra_keys=True)

    @functools.cached_property
    def request(self) -> cattrs.Converter:
        # Requests: timestamps as epoch seconds, as botocore sends them in rest-json.
        return _make_unstructurer(epoch_seconds)

    @functools.cached_property
    def plain(self) -> cattrs.Converter:
        # to_dict(): ISO-8601 text, readable in a log line and valid JSON.
        return _make_unstructurer(dt.datetime.isoformat)


_CONVERTERS = _Converters()


def _make_unstructurer(timestamp: Callable[[dt.datetime], Any]) -> cattrs.Converter:
    import cattrs

    converter = cattrs.Converter()
    converter.register_unstructure_hook(dt.datetime, timestamp)

    def sequence(value: Any) -> list[Any]:
        return [converter.unstructure(item) for item in value]

    converter.register_unstructure_hook(tuple, sequence)
    converter.register_unstructure_hook(list, sequence)

    def model_factory(cls: type[Any]) -> Any:
        names = [(f.name, wire_name(f)) for f in attrs.fields(cls)]

        def unstructure(value: Any) -> dict[str, Any]:
            result: dict[str, Any] = {}
            for name, wire in names:
                member = getattr(value, name)
                if member is not None:
                    result[wire] = converter.unstructure(member)
            return result

        return unstructure

    converter.register_unstructure_hook_factory(attrs.has, model_factory)
    return converter


def unstructure_request(value: object) -> Any:
    """Turn a checked request value (a model, list, dict or scalar) into JSON-ready data.

    Args:
        value: the value; models may be nested in lists and dicts.

    Returns:
        Plain data with AWS member names; ``None`` members left out; datetimes
        as epoch seconds.
    """
    return _CONVERTERS.request.unstructure(value)


def unstructure_dict(value: object) -> Any:
    """Like :func:`unstructure_request`, with datetimes as ISO-8601 text (for ``to_dict()``).

    Args:
        value: a model, or data that may hold models.

    Returns:
        Plain data with AWS member names.
    """
    return _CONVERTERS.plain.unstructure(value)


def decode(cls: type[T], body: bytes) -> T:
    """Decode a 2xx response body into a model.

    Args:
        cls: the attrs model to build.
        body: the raw body; an empty one is an empty object.

    Returns:
        The model.

    Raises:
        DecodeError: the body is not JSON, not an object, or a member has the wrong type.
    """
    if not body.strip():
        payload: object = {}
    else:
        try:
            payload = json.loads(body)
        except RecursionError:
            # "[" * 200_000: the parser's recursion, not the caller's, ran out.
            # No cause is chained: a RecursionError's traceback is thousands of frames.
            raise DecodeError(
                f"response is nested too deeply to decode ({len(body):,} bytes): {excerpt(body)}"
            ) from None
        except ValueError as exc:
            raise DecodeError(f"response is not JSON: {excerpt(body)}") from exc
    if not isinstance(payload, dict):
        raise DecodeError(f"expected a JSON object, got: {excerpt(body)}")
    try:
        return _response_hook(cls)(payload, cls)
    except Exception as exc:  # cattrs raises ClassValidationError and friends
        raise DecodeError(
            f"response does not match {cls.__name__} ({_details(exc)}): {excerpt(body)}"
        ) from None


def _response_hook(cls: type[T]) -> Callable[[Any, type[T]], T]:
    # The model's structure function, found once: cattrs's dispatch (a
    # cached lookup, then a call through the converter) costs on every call.
    hook = _RESPONSE_HOOKS.get(cls)
    if hook is None:
        hook = _RESPONSE_HOOKS[cls] = _CONVERTERS.response.get_structure_hook(cls)
    return cast("Callable[[Any, type[T]], T]", hook)


_RESPONSE_HOOKS: dict[type[Any], Callable[[Any, Any], Any]] = {}


def _details(exc: Exception, path: str = "$") -> str:
    # transform_error lists every bad member; a hostile body may have
    # thousands, so the message names the first few and says how many.
    try:
        import cattrs  # loaded already: only a converter raises what is read here

        errors = [str(error) for error in cattrs.transform_error(exc, path=path)]
    except RecursionError:
        return "nested too deeply"
    except Exception:  # transform_error itself may choke on odd keys; say what failed
        return f"{type(exc).__name__}: {quote_value(str(exc), 300)}"
    shown = "; ".join(errors[:5])
    if len(errors) > 5:
        shown += f"; and {len(errors) - 5:,} more"
    return bounded(shown, 600)


def structure_param(cls: type[T], value: object, name: str) -> T:
    """Turn a caller's request argument (a model or a dict with AWS names) into a model.

    Both spellings go through the same strict hooks once (a model field by
    field), so the same type checks apply to both.

    Args:
        cls: the model class the parameter takes.
        value: an instance of ``cls``, or a mapping with AWS member names.
        name: the parameter's name, for the error.

    Returns:
        A checked instance of ``cls``.

    Raises:
        ParamValidationError: wrong type, unknown member, or a member of the wrong type.
    """
    if not isinstance(value, (cls, Mapping)):
        raise ParamTypeError(
            name,
            f"must be a {cls.__name__} or a dict with AWS member names, not {type(value).__name__}",
        )
    try:
        given = value if isinstance(value, cls) else dict(cast("Mapping[str, Any]", value))
        return _CONVERTERS.strict.structure(given, cls)
    except Exception as exc:  # RecursionError included: nested junk from the caller
        raise ParamValidationError(name, _details(exc, name)) from None


def encode_body(payload: dict[str, Any]) -> bytes:
    """Serialise a request body the way AWS SDKs do: compact JSON, UTF-8.

    Args:
        payload: the members to send (already in AWS spelling).

    Returns:
        The body bytes.

    Raises:
        ParamValidationError: a string in the payload holds a lone surrogate
            (the checks before should have caught it; this is the last line).
    """
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ParamValidationError(
            "body", f"holds text that does not encode as UTF-8 (at index {exc.start})"
        ) from None
