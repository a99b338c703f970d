"""Development sessions: one per concern. ``nox -l`` lists them.

The Pythons come from the classifiers in pyproject.toml, so adding a version
there is the one place to change.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests", "lint", "typecheck", "generate_check", "demo"]

ROOT = Path(__file__).parent
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
PYTHONS = re.findall(r'"Programming Language :: Python :: (3\.\d+)"', PYPROJECT)


def _expose_pyenv_pythons() -> None:
    # pyenv's shims answer only for the versions it has activated, so a
    # machine with 3.10-3.13 installed but one global version would have nox
    # skip the others. Activating every installed version that we support
    # (the global one first) lets `python3.X` resolve for each.
    if os.environ.get("PYENV_VERSION"):
        return
    try:
        listing = subprocess.run(
            ["pyenv", "versions", "--bare"], capture_output=True, text=True, check=True
        ).stdout.split()
        current = subprocess.run(
            ["pyenv", "version-name"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return
    wanted = [v for v in listing if any(v.startswith(p + ".") for p in PYTHONS)]
    os.environ["PYENV_VERSION"] = ":".join(dict.fromkeys([current, *wanted]))


_expose_pyenv_pythons()


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite (warnings are errors) on every supported Python."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHONS[-1])
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHONS[0])
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package, tools, examples, benchmarks and every test."""
    session.install("-e", ".[test]", "mypy")
    session.run("mypy")


@nox.session(python=PYTHONS[-1])
def generate(session: nox.Session) -> None:
    """Regenerate lambda_es/_service_model.py (from tools/models/) and lambda_es/_sync.py."""
    # The models generator formats its output with ruff.
    session.install("-e", ".", "ruff")
    session.run("python", "tools/generate_models.py")
    session.run("python", "tools/generate_sync.py")


@nox.session(python=PYTHONS[-1])
def generate_check(session: nox.Session) -> None:
    """Fail when the committed lambda_es/_service_model.py or lambda_es/_sync.py is stale."""
    session.install("-e", ".", "ruff")
    session.run("python", "tools/generate_models.py", "--check")
    session.run("python", "tools/generate_sync.py", "--check")


@nox.session(python=PYTHONS[-1])
def demo(session: nox.Session) -> None:
    """Run every example against the local endpoint (FakeLambda)."""
    session.install("-e", ".")
    for example in sorted((ROOT / "examples").glob("*.py")):
        session.run("python", "-W", "error", str(example.relative_to(ROOT)))


@nox.session(python=PYTHONS[-1])
def bench(session: nox.Session) -> None:
    """Benchmarks against aiohttp, boto3 and aiobotocore, on loopback only."""
    # uvloop (the raw server's loop and the clients' second loop) and matplotlib
    # (the chart) are for the benchmark only, never dependencies of lambda_es.
    # Not the test extra: aiobotocore pins an older botocore than the tests
    # need, so boto3 and botocore are left for aiobotocore to choose.
    session.install("-e", ".", "boto3", "aiobotocore", "uvloop", "matplotlib")
    session.run("python", "benchmarks/run.py", *session.posargs)
