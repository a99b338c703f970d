"""The installed distribution's version, read once from its metadata.

pyproject.toml is the one place the version is written; this reads it back
from the installed metadata on first use, not at import, so that ``import
lambda_es`` does not pay for :mod:`importlib.metadata`.
"""

from __future__ import annotations

import functools

__all__ = ["version"]

DISTRIBUTION = "lambda-es"


@functools.cache
def version() -> str:
    """Return lambda-es's version.

    Returns:
        The installed distribution's version, or ``"0+unknown"`` when the
        package runs from a source tree that was never installed.
    """
    from importlib import metadata

    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "0+unknown"
