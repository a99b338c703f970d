"""lambda_es: an async-first client for AWS Lambda event-source mappings.

Everything public is importable from here; the modules behind it are private.
"""

from ._client import AsyncClient
from ._credentials import Credentials, CredentialsProvider, botocore_credentials
from ._errors import (
    APIError,
    ConfigurationError,
    ConnectError,
    DecodeError,
    InvalidParameterValueError,
    LambdaESError,
    PaginationError,
    ParamTypeError,
    ParamValidationError,
    ResourceConflictError,
    ResourceInUseError,
    ResourceNotFoundError,
    ResponseTooLargeError,
    ServiceError,
    TimeoutError,
    TooManyRequestsError,
    TransportError,
    WaiterError,
)
from ._public import present_as as _present_as
from ._queries import IterQuery, ListQuery, MappingFilters
from ._retry import Retry
from ._service_model import (
    AmazonManagedKafkaEventSourceConfig,
    DestinationConfig,
    DocumentDBEventSourceConfig,
    EventSourceConfiguration,
    EventSourceMapping,
    EventSourceMappingPage,
    EventSourcePage,
    Filter,
    FilterCriteria,
    FilterCriteriaError,
    KafkaSchemaRegistryAccessConfig,
    KafkaSchemaRegistryConfig,
    KafkaSchemaValidationConfig,
    LoggingConfig,
    MetricsConfig,
    OnFailure,
    OnSuccess,
    ProvisionedPollerConfig,
    ScalingConfig,
    SelfManagedEventSource,
    SelfManagedKafkaEventSourceConfig,
    SourceAccessConfiguration,
)
from ._settings import CreateMappingSettings, MappingSettings
from ._sync import Client
from ._transport import Timeout
from ._version import version as _version


def __getattr__(name: str) -> str:
    # __version__ is read from the installed metadata on first access only.
    if name == "__version__":
        return _version()
    raise AttributeError(f"module 'lambda_es' has no attribute {name!r}")


__all__ = [
    "APIError",
    "AmazonManagedKafkaEventSourceConfig",
    "AsyncClient",
    "Client",
    "ConfigurationError",
    "ConnectError",
    "CreateMappingSettings",
    "Credentials",
    "CredentialsProvider",
    "DecodeError",
    "DestinationConfig",
    "DocumentDBEventSourceConfig",
    "EventSourceConfiguration",
    "EventSourceMapping",
    "EventSourceMappingPage",
    "EventSourcePage",
    "Filter",
    "FilterCriteria",
    "FilterCriteriaError",
    "InvalidParameterValueError",
    "IterQuery",
    "KafkaSchemaRegistryAccessConfig",
    "KafkaSchemaRegistryConfig",
    "KafkaSchemaValidationConfig",
    "LambdaESError",
    "ListQuery",
    "LoggingConfig",
    "MappingFilters",
    "MappingSettings",
    "MetricsConfig",
    "OnFailure",
    "OnSuccess",
    "PaginationError",
    "ParamTypeError",
    "ParamValidationError",
    "ProvisionedPollerConfig",
    "ResourceConflictError",
    "ResourceInUseError",
    "ResourceNotFoundError",
    "ResponseTooLargeError",
    "Retry",
    "ScalingConfig",
    "SelfManagedEventSource",
    "SelfManagedKafkaEventSourceConfig",
    "ServiceError",
    "SourceAccessConfiguration",
    "Timeout",
    "TimeoutError",
    "TooManyRequestsError",
    "TransportError",
    "WaiterError",
    "__version__",
    "botocore_credentials",
]


# Tracebacks and reprs name lambda_es.ResourceConflictError, the path users import.
_present_as(__name__, (globals()[name] for name in __all__ if name != "__version__"))
