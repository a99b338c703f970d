"""lambda_es: an async-first client for AWS Lambda event-source mappings.

Everything public is importable from here; the modules behind it are private.
"""

from ._client import AsyncClient
from ._credentials import Credentials
from ._errors import (
    APIError,
    ConfigurationError,
    ConnectError,
    DecodeError,
    InvalidParameterValueError,
    LambdaESError,
    ParamValidationError,
    ResourceConflictError,
    ResourceInUseError,
    ResourceNotFoundError,
    ResponseTooLargeError,
    ServiceError,
    TimeoutError,
    TooManyRequestsError,
    TransportError,
)
from ._models import EventSourceConfiguration, EventSourcePage
from ._retry import Retry
from ._transport import VERSION as __version__
from ._transport import Timeout

__all__ = [
    "APIError",
    "AsyncClient",
    "ConfigurationError",
    "ConnectError",
    "Credentials",
    "DecodeError",
    "EventSourceConfiguration",
    "EventSourcePage",
    "InvalidParameterValueError",
    "LambdaESError",
    "ParamValidationError",
    "ResourceConflictError",
    "ResourceInUseError",
    "ResourceNotFoundError",
    "ResponseTooLargeError",
    "Retry",
    "ServiceError",
    "Timeout",
    "TimeoutError",
    "TooManyRequestsError",
    "TransportError",
    "__version__",
]
