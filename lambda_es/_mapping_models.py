"""The shapes of the current event-source-mapping API (wire version 2015-03-31).

One frozen attrs class per structure of botocore's
``lambda/2015-03-31/service-2.json`` that an event-source mapping uses,
generated into ``_shapes`` from the vendored model
(``tools/generate_models.py``). Each field carries its AWS name and the
model's constraints (see :func:`lambda_es._model_base.member`); the
constraints are checked on requests by ``_validate`` and ignored when
decoding responses. Lists are tuples, so the models stay immutable.
"""

from __future__ import annotations

from ._shapes import (
    AmazonManagedKafkaEventSourceConfig,
    DestinationConfig,
    DocumentDBEventSourceConfig,
    EventSourceMapping,
    EventSourceMappingPage,
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

__all__ = [
    "AmazonManagedKafkaEventSourceConfig",
    "DestinationConfig",
    "DocumentDBEventSourceConfig",
    "EventSourceMapping",
    "EventSourceMappingPage",
    "Filter",
    "FilterCriteria",
    "FilterCriteriaError",
    "KafkaSchemaRegistryAccessConfig",
    "KafkaSchemaRegistryConfig",
    "KafkaSchemaValidationConfig",
    "LoggingConfig",
    "MetricsConfig",
    "OnFailure",
    "OnSuccess",
    "ProvisionedPollerConfig",
    "STATES",
    "ScalingConfig",
    "SelfManagedEventSource",
    "SelfManagedKafkaEventSourceConfig",
    "SourceAccessConfiguration",
]

#: The states a mapping goes through, as Lambda reports them. The service
#: model types ``State`` as a plain string, so the list is the library's.
STATES = (
    "Creating",
    "Enabling",
    "Enabled",
    "Disabling",
    "Disabled",
    "Updating",
    "Deleting",
)
