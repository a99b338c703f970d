"""The command line's output formats: ``json``, ``table`` and ``text``, as the AWS CLI has them.

Each takes JSON-ready data (dicts with AWS member names, lists, scalars) and
returns the text to print. ``text`` follows the AWS CLI's rules, so scripts
written against ``aws --output text`` read it the same way: a dict's scalar
members on one tab-separated line, in the order of their sorted names; each
list or dict member after it, its lines prefixed by the member's name in
upper case; a list of scalars on one line (or one line per value under a
name). ``table`` draws boxes, a section per dict and per list, nested
sections inside their parent's borders, for reading in a terminal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from ._errors import (
    APIError,
    ConfigurationError,
    DecodeError,
    LambdaESError,
    ParamValidationError,
    ResourceConflictError,
    TransportError,
    WaiterError,
)

__all__ = ["FORMATS", "error_line", "one_line", "render"]

#: The values of ``--output``.
FORMATS = ("json", "table", "text")


def render(data: Any, output: str, *, title: str) -> str:
    """Format ``data`` for printing.

    Args:
        data: JSON-ready data.
        output: one of :data:`FORMATS`.
        title: the table's heading (the operation's name).

    Returns:
        The text, ending with a newline (empty for an empty ``text`` result).

    Raises:
        ValueError: ``output`` is not one of :data:`FORMATS`.
    """
    if output == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    if output == "text":
        return "".join(line + "\n" for line in _text(data, None, None))
    if output == "table":
        section = _section(title, data)
        width = _measure(section)
        return "".join(line + "\n" for line in ["-" * width, *_draw(section, width)])
    raise ValueError(f"unknown output format {output!r}")


def _scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _word(value: Any) -> str:
    # One cell or field: never a line break, which would split a row.
    return str(value).replace("\r", "\\r").replace("\n", "\\n")


# -- errors ---------------------------------------------------------------------------


def one_line(text: str) -> str:
    """``text`` on one line: an error must never spill over several."""
    return " ".join(text.split())


def error_line(exc: LambdaESError) -> tuple[int, str]:
    """The exit status and the line for an error: what failed, and where it came from.

    Args:
        exc: the error a command ended with.

    Returns:
        2 for a local check before anything was sent (a usage or validation
        error), else 1; and the line to print after ``lambda-es: ``.
    """
    name = type(exc).__name__
    if isinstance(exc, (ParamValidationError, ConfigurationError)):
        return 2, f"error (local check, nothing sent): {name}: {exc}"
    if isinstance(exc, APIError):
        # Every response from Lambda carries x-amzn-RequestId; a conflict
        # without one was raised here, by ensure, comparing settings.
        if isinstance(exc, ResourceConflictError) and exc.request_id is None:
            return 1, f"error (local check): {name}: {exc.message}"
        origin = [f"HTTP {exc.status}"]
        if exc.code:
            origin.append(exc.code)
        origin.append(f"request id {exc.request_id or '(none)'}")
        if exc.attempts > 1:
            origin.append(f"after {exc.attempts} attempts")
        return 1, f"error from the service ({', '.join(origin)}): {name}: {exc.message}"
    if isinstance(exc, TransportError):
        return 1, f"error (no response from the service): {name}: {exc}"
    if isinstance(exc, WaiterError):
        return 1, f"error (waiter, {exc.reason}): {name}: {exc}"
    if isinstance(exc, DecodeError):
        return 1, f"error (the service's answer was not understood): {name}: {exc}"
    return 1, f"error: {name}: {exc}"


# -- text ------------------------------------------------------------------------------


def _text(data: Any, name: str | None, columns: list[str] | None) -> Iterator[str]:
    if isinstance(data, dict):
        yield from _text_dict(data, name, columns)
    elif isinstance(data, list):
        yield from _text_list(data, name)
    else:
        yield _word(data)


def _text_dict(data: dict[str, Any], name: str | None, columns: list[str] | None) -> Iterator[str]:
    # Within a list of dicts every row has the same columns (a missing one is
    # empty), so that the fields of all rows line up for cut and awk.
    keys = columns if columns is not None else sorted(k for k, v in data.items() if _scalar(v))
    fields = [_word(data[k]) if k in data and _scalar(data[k]) else "" for k in keys]
    if fields:
        yield "\t".join([name.upper(), *fields] if name is not None else fields)
    for key in sorted(k for k, v in data.items() if not _scalar(v)):
        yield from _text(data[key], key, None)


def _text_list(data: list[Any], name: str | None) -> Iterator[str]:
    if not data:
        return
    if any(isinstance(item, dict) for item in data):
        columns = sorted(
            {k for item in data if isinstance(item, dict) for k, v in item.items() if _scalar(v)}
        )
        for item in data:
            yield from _text(item, name, columns if isinstance(item, dict) else None)
        return
    scalars = [item for item in data if _scalar(item)]
    if scalars:
        if name is None:
            yield "\t".join(_word(item) for item in scalars)
        else:
            yield from (f"{name.upper()}\t{_word(item)}" for item in scalars)
    for item in data:
        if not _scalar(item):
            yield from _text(item, name, None)


# -- table -----------------------------------------------------------------------------


class _Section:
    """A box: a title, rows of cells (with headers for a list of dicts) and boxes inside."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.headers: list[str] | None = None
        self.rows: list[list[str]] = []
        self.children: list[_Section] = []


def _section(title: str, data: Any) -> _Section:
    section = _Section(title)
    if isinstance(data, dict):
        section.rows = [
            [key, _word(value)] for key, value in sorted(data.items()) if _scalar(value)
        ]
        section.children = [
            child
            for key, value in sorted(data.items())
            if not _scalar(value)
            for child in _member_sections(key, value)
        ]
    elif isinstance(data, list):
        dicts = [item for item in data if isinstance(item, dict)]
        flat = all(_scalar(v) for item in dicts for v in item.values())
        if dicts and flat:
            # A list of flat records: one table, a column per member.
            section.headers = sorted({key for item in dicts for key in item})
            section.rows = [[_word(item.get(k, "")) for k in section.headers] for item in dicts]
        else:
            # Records with nested members: a box per record keeps each one's parts together.
            section.children = [_section(title, item) for item in dicts]
        section.rows += [[_word(item)] for item in data if _scalar(item)]
        section.rows += [[_word(v) for v in item] for item in data if _flat_list(item)]
        section.children += [
            _section(title, item)
            for item in data
            if isinstance(item, list) and not _flat_list(item)
        ]
    else:
        section.rows = [[_word(data)]]
    return section


def _member_sections(name: str, value: Any) -> list[_Section]:
    # A list of records with nested members: a box per record, straight
    # inside the parent, rather than boxes inside one more box of the list.
    records = isinstance(value, list) and value and all(isinstance(i, dict) for i in value)
    if records and not all(_scalar(v) for item in value for v in item.values()):
        return [_section(name, item) for item in value]
    return [_section(name, value)]


def _flat_list(item: Any) -> bool:
    return isinstance(item, list) and all(_scalar(v) for v in item)


def _natural_widths(section: _Section) -> list[int]:
    # Two spaces either side of the longest text of each column.
    table = ([section.headers] if section.headers else []) + section.rows
    count = max((len(row) for row in table), default=0)
    return [max(len(row[i]) for row in table if i < len(row)) + 4 for i in range(count)]


def _measure(section: _Section) -> int:
    widths = _natural_widths(section)
    return max(
        len(section.title) + 6,
        sum(widths) + len(widths) + 1,
        *(_measure(child) + 2 for child in section.children),
    )


def _draw(section: _Section, width: int) -> list[str]:
    widths = _natural_widths(section)
    # The last column takes whatever width the box has to spare.
    if widths:
        widths[-1] += width - (sum(widths) + len(widths) + 1)
    rule = (
        "+" + "+".join("-" * w for w in widths) + "+" if widths else "+" + "-" * (width - 2) + "+"
    )
    lines = ["|" + section.title.center(width - 2) + "|", rule]

    def row(cells: list[str]) -> str:
        # A short row (a list of lists may be ragged) spans the columns it lacks.
        cells = cells + [""] * (len(widths) - len(cells))
        return (
            "|"
            + "|".join(f"  {cell}".ljust(w) for cell, w in zip(cells, widths, strict=True))
            + "|"
        )

    if section.headers:
        lines += [row(section.headers), rule]
    if section.rows:
        lines += [row(cells) for cells in section.rows] + [rule]
    for child in section.children:
        lines += ["|" + line + "|" for line in _draw(child, width - 2)]
    return lines
