"""A local Lambda endpoint for tests: :class:`FakeLambda`, and what it records.

FakeLambda is a real HTTP server on 127.0.0.1 that answers both wire versions
of the event-source-mapping API as AWS does and checks SigV4 signatures. Use it
as an async context manager, as a plain one (it then runs in a thread of its
own), through the pytest fixtures ``fake_lambda``, ``fake_lambda_sync`` and
``fake_lambda_env``, or as ``lambda-es serve``.

The package, module by module:

* ``_server``: :class:`FakeLambda` (lifecycle, middleware, injected errors and
  delays, the threaded mode, the state file's use);
* ``_current`` and ``_legacy``: the 2015-03-31 and 2014-11-13 handlers, on the
  mapping table, errors and paging of ``_common``;
* ``_signature``: the server side of SigV4 (``verify``);
* ``_recording``: :class:`RequestLog`, :class:`RecordedRequest`,
  :class:`RecordedHeaders`;
* ``_state``: the JSON state file (:class:`StateFileError`);
* ``_serve``: ``lambda-es serve``;
* ``pytest_plugin``: the fixtures (the ``pytest11`` entry point).

pytest loads the plugin, and so this package, in every run wherever
lambda_es is installed: the names below are therefore imported on first use,
and importing ``lambda_es.testing`` loads neither aiohttp's server nor the
signer.
"""

import importlib as _importlib
import typing as _typing

__all__ = [
    "FakeLambda",
    "RecordedHeaders",
    "RecordedRequest",
    "RequestLog",
    "StateFileError",
]

#: Where each public name is defined.
_HOMES = {
    "FakeLambda": "._server",
    "RecordedHeaders": "._recording",
    "RecordedRequest": "._recording",
    "RequestLog": "._recording",
    "StateFileError": "._state",
}

if _typing.TYPE_CHECKING:
    from ._recording import RecordedHeaders, RecordedRequest, RequestLog
    from ._server import FakeLambda
    from ._state import StateFileError
else:

    def __getattr__(name: str) -> object:
        """Import a public name's module on first use (PEP 562)."""
        home = _HOMES.get(name)
        if home is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(_importlib.import_module(home, __name__), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
