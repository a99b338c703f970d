"""FakeLambda's state on disk: one JSON file, replaced atomically after every change.

The file holds both wire versions' mappings (with the fake's bookkeeping of
transitional states) and the registered functions. It is written to a
temporary file in the same directory, flushed to disk, renamed over the old
file and the directory flushed too, so a crash at any moment leaves either
the old file or the new one, never a torn one.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import attrs

from lambda_es._public import present_as

__all__ = [
    "FORMAT",
    "FakeState",
    "StateFileError",
    "read_state",
    "remove_leftovers",
    "write_state",
]

#: The ``format`` member that marks a FakeLambda state file.
FORMAT = "lambda_es.testing.FakeLambda/1"


class StateFileError(Exception):
    """A state file that cannot be read, or is not a FakeLambda state file."""


@attrs.define
class FakeState:
    """What a FakeLambda keeps: registered functions and both APIs' mappings by UUID."""

    functions: set[str] = attrs.field(factory=set)
    legacy: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    current: dict[str, dict[str, Any]] = attrs.field(factory=dict)

    def to_json(self) -> bytes:
        """The file's content."""
        document = {
            "format": FORMAT,
            "functions": sorted(self.functions),
            "legacy": self.legacy,
            "current": self.current,
        }
        return json.dumps(document, indent=1, sort_keys=True).encode()


def _mappings(document: dict[str, Any], key: str, required: tuple[str, ...]) -> dict[str, Any]:
    mappings = document.get(key)
    if not isinstance(mappings, dict):
        raise ValueError(f"'{key}' is not an object")
    for uuid, mapping in mappings.items():
        if not isinstance(mapping, dict) or mapping.get("UUID") != uuid:
            raise ValueError(f"'{key}' mapping {uuid[:64]!r} is not a mapping with that UUID")
        missing = [name for name in required if not isinstance(mapping.get(name), str)]
        if missing:
            raise ValueError(f"'{key}' mapping {uuid} lacks {', '.join(missing)}")
        if mapping.get("_final") is not None and not isinstance(mapping.get("_pending"), int):
            raise ValueError(f"'{key}' mapping {uuid} has a bad transitional state")
    return mappings


def read_state(path: Path) -> FakeState | None:
    """Load a state file.

    Args:
        path: the file.

    Returns:
        The state, or ``None`` when the file does not exist yet.

    Raises:
        StateFileError: the file cannot be read, is not JSON, or is not a
            FakeLambda state file; the message is one line naming the file.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StateFileError(f"cannot read the state file {path}: {exc.strerror or exc}") from None
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        raise StateFileError(f"the state file {path} is not valid JSON") from None
    try:
        if not isinstance(document, dict) or document.get("format") != FORMAT:
            raise ValueError(f"it has no 'format': {FORMAT!r}")
        functions = document.get("functions")
        if not isinstance(functions, list) or not all(isinstance(f, str) for f in functions):
            raise ValueError("'functions' is not a list of names")
        legacy = _mappings(document, "legacy", ("UUID", "EventSource", "FunctionName"))
        current = _mappings(document, "current", ("UUID", "State", "FunctionArn"))
    except ValueError as exc:
        raise StateFileError(
            f"the state file {path} is not a FakeLambda state file: {exc}"
        ) from None
    return FakeState(set(functions), legacy, current)


def _temporary_prefix(path: Path) -> str:
    return f".{path.name}."


def remove_leftovers(path: Path) -> None:
    """Delete temporary files a killed writer left next to ``path``."""
    prefix = _temporary_prefix(path)
    for leftover in path.parent.glob(f"{prefix}*.tmp"):
        leftover.unlink(missing_ok=True)


def write_state(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically and durably.

    Args:
        path: the state file.
        data: its new content.

    Raises:
        OSError: the directory is not writable, the disk is full, ...
    """
    directory = path.parent
    fd, temporary = tempfile.mkstemp(prefix=_temporary_prefix(path), suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    # The rename itself is durable only once the directory entry is on disk.
    if hasattr(os, "O_DIRECTORY"):
        dir_fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


# Reprs and tracebacks name lambda_es.testing.X, the path users import.
present_as("lambda_es.testing", (StateFileError,))
