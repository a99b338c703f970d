"""What the two generators share: formatting their output, and writing or checking it.

The generators (``generate_sync.py``, ``generate_models.py``) write plain,
correct code and leave layout to ruff: imports sorted by ``ruff check
--select I --fix``, then ``ruff format``, both with the project's
``pyproject.toml``. ruff is a dev and test dependency, so it is there
wherever the generators run. :func:`write_or_check` then writes the module,
or, with ``--check``, compares it with the committed one and shows the diff.
"""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

__all__ = ["RuffError", "format_source", "write_or_check"]

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pyproject.toml"


class RuffError(RuntimeError):
    """ruff is missing or refused the generated text."""


def _ruff(args: list[str], text: str, filename: Path) -> str:
    command = [
        sys.executable,
        "-m",
        "ruff",
        *args,
        "--config",
        str(CONFIG),
        "--stdin-filename",
        str(filename),
        "-",
    ]
    try:
        result = subprocess.run(
            command, input=text, capture_output=True, text=True, check=False, cwd=ROOT
        )
    except OSError as exc:  # pragma: no cover - the interpreter itself is missing
        raise RuffError(f"cannot run ruff: {exc}") from exc
    if result.returncode != 0:
        raise RuffError(
            f"`ruff {' '.join(args)}` failed on the generated {filename.name} "
            f"(is ruff installed? `pip install -e '.[dev]'`):\n{result.stderr.strip()}"
        )
    return result.stdout


def format_source(text: str, filename: Path) -> str:
    """Sort the imports of generated source and format it.

    Args:
        text: the generated module's text.
        filename: where it will be written (ruff reads its sections and
            first-party packages from the path).

    Returns:
        The text as ``ruff check --select I --fix`` and ``ruff format`` leave it.

    Raises:
        RuffError: ruff is not installed, or the text is not valid Python.
    """
    # --exit-zero: other rules' findings are for `ruff check` in CI to report;
    # here only the import order is fixed.
    sorted_imports = _ruff(
        ["check", "--select", "I", "--fix", "--exit-zero", "--quiet"], text, filename
    )
    return _ruff(["format", "--quiet"], sorted_imports, filename)


def write_or_check(output: Path, text: str, *, check: bool, tool: str) -> int:
    """Write a generated module, or check that the committed one is current.

    Args:
        output: the module's path.
        text: what the generator produced.
        check: only compare; print a unified diff when they differ.
        tool: the generator's name, for messages (``generate_sync``).

    Returns:
        0 when written or current; 1 when ``check`` finds the committed file stale.
    """
    current = output.read_text(encoding="utf-8") if output.exists() else ""
    if check:
        if current == text:
            return 0
        sys.stdout.writelines(
            difflib.unified_diff(
                current.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"{output} (committed)",
                tofile=f"{output} (generated)",
            )
        )
        print(f"{tool}: {output} is stale; run `python tools/{tool}.py`", file=sys.stderr)
        return 1
    if current != text:
        output.write_text(text, encoding="utf-8")
        print(f"{tool}: wrote {output}")
    return 0
