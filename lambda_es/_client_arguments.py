"""The client constructor's arguments: their types, checked before anything is kept.

Values that need the environment (whether a region exists, whether a CA
bundle can be read) are checked when the client resolves its configuration
(:mod:`lambda_es._config`); here only what the arguments themselves say.
"""

from __future__ import annotations

import os

from ._config import Proxy
from ._credentials import Credentials
from ._errors import ConfigurationError, ParamTypeError, ParamValidationError, quote_value
from ._http import Timeout
from ._retry import Retry
from ._validate import (
    HEADER_TEXT,
    check_bool,
    check_credentials,
    check_int,
    check_seconds,
    check_str,
)

__all__ = ["check_client_arguments"]


def _check_instance(name: str, value: object, kind: type, what: str) -> None:
    if value is not None and not isinstance(value, kind):
        raise ParamTypeError(name, f"must be {what} or None, not {type(value).__name__}")


def check_client_arguments(**arguments: object) -> None:
    """Check the types of a client constructor's keywords, before anything is kept.

    The constructor passes every keyword it has; each known one is checked for
    its type (values that need the environment, such as whether a region
    exists, are checked when the client resolves its configuration).

    Args:
        **arguments: the constructor's keywords, by name.

    Raises:
        ParamValidationError: a keyword has the wrong type (a ``ParamTypeError``)
            or text that cannot go on the wire.
    """
    for name, value in arguments.items():
        if name in ("region", "profile", "user_agent_extra"):
            check_str(name, value)
            if name == "region" and isinstance(value, str) and not value.isascii():
                raise ParamValidationError(
                    name, f"must be an AWS region name (ASCII); got {quote_value(value)}"
                )
            if name == "user_agent_extra":
                # It becomes a header: a line break would split the request.
                check_str(name, value, pattern=HEADER_TEXT, pattern_text="printable ASCII text")
        elif name == "endpoint_url":
            check_str(name, value)
        elif name == "proxy":
            if value is not None and value is not False and not isinstance(value, str):
                raise ParamTypeError(
                    name, f"must be a proxy URL, False or None, not {type(value).__name__}"
                )
            if isinstance(value, str):
                check_str(name, value)
                try:
                    Proxy.parse(value, "proxy=")
                except ConfigurationError as exc:
                    raise ParamValidationError(name, str(exc)) from None
        elif name == "credentials":
            if value is not None and not (isinstance(value, Credentials) or callable(value)):
                raise ParamTypeError(
                    name,
                    "must be a lambda_es.Credentials or a provider (an async callable "
                    f"returning one), not {type(value).__name__}",
                )
            if isinstance(value, Credentials):
                check_credentials(value)
        elif name == "retry":
            _check_instance(name, value, Retry, "a lambda_es.Retry")
        elif name == "timeout":
            _check_instance(name, value, Timeout, "a lambda_es.Timeout")
            if isinstance(value, Timeout):
                for part in ("connect", "read", "total"):
                    check_seconds(f"timeout.{part}", getattr(value, part))
        elif name == "session":
            # Duck-typed: only the transport knows aiohttp's client API.
            if value is not None and not (
                callable(getattr(value, "request", None)) and hasattr(value, "closed")
            ):
                raise ParamTypeError(
                    name, f"must be an aiohttp.ClientSession or None, not {type(value).__name__}"
                )
        elif name in ("max_connections", "max_response_size"):
            check_int(name, value, low=1, high=None, required=True)
        elif name in ("allow_http", "use_fips_endpoint", "use_dualstack_endpoint"):
            check_bool(name, value)
        elif name == "verify":
            if value is not None and not isinstance(value, (bool, str, os.PathLike)):
                raise ParamTypeError(
                    name, f"must be True, False or a CA bundle path, not {type(value).__name__}"
                )
            if isinstance(value, str):
                check_str(name, value)
                if not value:
                    raise ParamValidationError(name, "must not be an empty path")
