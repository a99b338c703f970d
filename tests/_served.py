"""``lambda-es serve`` as a subprocess, for the tests that talk to it over HTTP.

:class:`Served` starts ``python -m lambda_es serve ARGS`` with warnings as
errors, reads its banner (the URL is on the first line) and stops it with
SIGINT, as a user's Ctrl-C would, or SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping

__all__ = ["BANNER_LINES", "Served", "scrubbed_environ"]

BANNER_LINES = 5


def scrubbed_environ() -> dict[str, str]:
    """``os.environ`` without any ``AWS_*`` variable or proxy setting.

    For a server started before the per-test environment scrub runs (a
    module-scoped fixture): it must not pick up a developer's credentials,
    region or endpoint.
    """
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_") and not name.lower().endswith("_proxy")
    }


class Served:
    """One ``lambda-es serve`` process, its banner read.

    Args:
        args: the arguments after ``serve``.
        env: variables set on top of ``base_env``.
        base_env: the environment to start from; ``os.environ`` when ``None``.
    """

    def __init__(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        base_env: Mapping[str, str] | None = None,
    ) -> None:
        base = os.environ if base_env is None else base_env
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lambda_es", "serve", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**base, "PYTHONWARNINGS": "error", **(env or {})},
        )
        self.banner = self._read_banner()
        assert self.banner[0].startswith("FakeLambda listening on http://"), self.banner
        self.url = self.banner[0].split()[3]

    def _read_banner(self) -> list[str]:
        # A thread, not select(): the text stream buffers lines select() cannot see.
        stdout = self.process.stdout
        assert stdout is not None
        lines: list[str] = []
        reader = threading.Thread(
            target=lambda: lines.extend(
                stdout.readline().rstrip("\n") for _ in range(BANNER_LINES)
            ),
            daemon=True,
        )
        reader.start()
        reader.join(60)
        if reader.is_alive():  # pragma: no cover - a hang, reported with what it said
            self.process.kill()
            raise AssertionError(f"serve printed no banner in 60 s: {self.process.communicate()}")
        return lines

    def stop(self) -> tuple[int, str, str]:
        """Ctrl-C the server; its exit status and the rest of its output."""
        self.process.send_signal(signal.SIGINT)
        out, err = self.process.communicate(timeout=60)
        return self.process.returncode, out, err

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind."""
        self.process.kill()
        self.process.communicate(timeout=60)
