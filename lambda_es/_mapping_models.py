"""The shapes of the current event-source-mapping API (wire version 2015-03-31).

One frozen attrs class per structure of botocore's
``lambda/2015-03-31/service-2.json`` that an event-source mapping uses. Each
field carries its AWS name and the model's constraints (see
:func:`lambda_es._models.member`); the constraints are checked on requests
by ``_validate`` and ignored when decoding responses. Lists are tuples, so the
models stay immutable.
"""

from __future__ import annotations

import datetime as dt

import attrs

from ._models import WireModel, member

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

# Patterns and ranges as the service model states them.
ARN = (
    r"arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?"
    r"-[a-z]+-\d{1})?:(\d{12})?:(.*)"
)
DESTINATION_ARN = r"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|" + ARN
URI = r"[ a-zA-Z0-9-\/*:_+=.@-]*"
KAFKA_ENDPOINT = (
    r"(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\-]*[a-zA-Z0-9])\.)*"
    r"([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\-]*[A-Za-z0-9]):[0-9]{1,5}"
)
KMS_KEY_ARN = r"(arn:(aws[a-zA-Z-]*)?:[a-z0-9-.]+:.*)|()"
SOURCE_ACCESS_TYPES = (
    "BASIC_AUTH",
    "VPC_SUBNET",
    "VPC_SECURITY_GROUP",
    "SASL_SCRAM_512_AUTH",
    "SASL_SCRAM_256_AUTH",
    "VIRTUAL_HOST",
    "CLIENT_CERTIFICATE_TLS_AUTH",
    "SERVER_ROOT_CA_CERTIFICATE",
    "OAUTHBEARER_AUTH",
    "OAUTHBEARER_SCOPE",
    "OAUTHBEARER_AUDIENCE",
    "OAUTHBEARER_LOGICAL_CLUSTER",
    "OAUTHBEARER_IDENTITY_POOL",
    "IAM_AUTH",
    "IAM_OAUTHBEARER_AUTH",
)
#: The states a mapping goes through, as Lambda reports them.
STATES = (
    "Creating",
    "Enabling",
    "Enabled",
    "Disabling",
    "Disabled",
    "Updating",
    "Deleting",
)


@attrs.frozen(kw_only=True)
class Filter(WireModel):
    """One event filter: a JSON pattern (Filter)."""

    pattern: str | None = member("Pattern", length=(0, 4096))


@attrs.frozen(kw_only=True)
class FilterCriteria(WireModel):
    """Which events reach the function (FilterCriteria)."""

    filters: tuple[Filter, ...] | None = member("Filters")


@attrs.frozen(kw_only=True)
class FilterCriteriaError(WireModel):
    """Why Lambda could not apply the filter criteria (FilterCriteriaError)."""

    error_code: str | None = member("ErrorCode")
    message: str | None = member("Message")


@attrs.frozen(kw_only=True)
class MetricsConfig(WireModel):
    """Which metrics the mapping emits (EventSourceMappingMetricsConfig)."""

    metrics: tuple[str, ...] | None = member(
        "Metrics", length=(0, 3), items={"enum": ("EventCount", "ErrorCount", "KafkaMetrics")}
    )


@attrs.frozen(kw_only=True)
class LoggingConfig(WireModel):
    """The mapping's system log level (EventSourceMappingLoggingConfig)."""

    system_log_level: str | None = member("SystemLogLevel", enum=("DEBUG", "INFO", "WARN"))


@attrs.frozen(kw_only=True)
class ScalingConfig(WireModel):
    """Concurrency limit for SQS sources (ScalingConfig)."""

    maximum_concurrency: int | None = member("MaximumConcurrency", range=(2, 1000))


@attrs.frozen(kw_only=True)
class OnSuccess(WireModel):
    """Where successful records go (OnSuccess)."""

    destination: str | None = member("Destination", length=(0, 350), pattern=DESTINATION_ARN)


@attrs.frozen(kw_only=True)
class OnFailure(WireModel):
    """Where discarded records go (OnFailure)."""

    destination: str | None = member("Destination", length=(0, 350), pattern=DESTINATION_ARN)


@attrs.frozen(kw_only=True)
class DestinationConfig(WireModel):
    """Destinations for processed and discarded batches (DestinationConfig)."""

    on_success: OnSuccess | None = member("OnSuccess")
    on_failure: OnFailure | None = member("OnFailure")


@attrs.frozen(kw_only=True)
class SourceAccessConfiguration(WireModel):
    """Authentication or network settings for the source (SourceAccessConfiguration)."""

    type: str | None = member("Type", enum=SOURCE_ACCESS_TYPES)
    uri: str | None = member("URI", length=(1, 200), pattern=URI)


@attrs.frozen(kw_only=True)
class SelfManagedEventSource(WireModel):
    """A self-managed Kafka cluster (SelfManagedEventSource)."""

    endpoints: dict[str, tuple[str, ...]] | None = member(
        "Endpoints",
        length=(1, 2),
        keys={"enum": ("KAFKA_BOOTSTRAP_SERVERS",)},
        values={"length": (1, 10), "items": {"length": (1, 300), "pattern": KAFKA_ENDPOINT}},
    )


@attrs.frozen(kw_only=True)
class KafkaSchemaRegistryAccessConfig(WireModel):
    """How to reach a schema registry (KafkaSchemaRegistryAccessConfig)."""

    type: str | None = member(
        "Type",
        enum=(
            "BASIC_AUTH",
            "CLIENT_CERTIFICATE_TLS_AUTH",
            "SERVER_ROOT_CA_CERTIFICATE",
            "OAUTHBEARER_AUTH",
        ),
    )
    uri: str | None = member("URI", length=(0, 10000), pattern=ARN)


@attrs.frozen(kw_only=True)
class KafkaSchemaValidationConfig(WireModel):
    """Which part of a Kafka record to validate (KafkaSchemaValidationConfig)."""

    attribute: str | None = member("Attribute", enum=("KEY", "VALUE"))


@attrs.frozen(kw_only=True)
class KafkaSchemaRegistryConfig(WireModel):
    """A Kafka schema registry (KafkaSchemaRegistryConfig)."""

    schema_registry_uri: str | None = member(
        "SchemaRegistryURI", length=(1, 10000), pattern=r"[a-zA-Z0-9-\/*:_+=.@-]*"
    )
    event_record_format: str | None = member("EventRecordFormat", enum=("JSON", "SOURCE"))
    access_configs: tuple[KafkaSchemaRegistryAccessConfig, ...] | None = member("AccessConfigs")
    schema_validation_configs: tuple[KafkaSchemaValidationConfig, ...] | None = member(
        "SchemaValidationConfigs"
    )


@attrs.frozen(kw_only=True)
class AmazonManagedKafkaEventSourceConfig(WireModel):
    """Settings for an Amazon MSK source (AmazonManagedKafkaEventSourceConfig)."""

    consumer_group_id: str | None = member("ConsumerGroupId", length=(1, 200), pattern=URI)
    schema_registry_config: KafkaSchemaRegistryConfig | None = member("SchemaRegistryConfig")


@attrs.frozen(kw_only=True)
class SelfManagedKafkaEventSourceConfig(WireModel):
    """Settings for a self-managed Kafka source (SelfManagedKafkaEventSourceConfig)."""

    consumer_group_id: str | None = member("ConsumerGroupId", length=(1, 200), pattern=URI)
    schema_registry_config: KafkaSchemaRegistryConfig | None = member("SchemaRegistryConfig")
    consumption_mode: str | None = member("ConsumptionMode", enum=("Stream", "Queue"))


@attrs.frozen(kw_only=True)
class DocumentDBEventSourceConfig(WireModel):
    """Settings for a DocumentDB change stream (DocumentDBEventSourceConfig)."""

    database_name: str | None = member("DatabaseName", length=(1, 63), pattern=r"[^ /\.$\x22]*")
    collection_name: str | None = member(
        "CollectionName", length=(1, 57), pattern=r"(^(?!(system\x2e)))(^[_a-zA-Z0-9])([^$]*)"
    )
    full_document: str | None = member("FullDocument", enum=("UpdateLookup", "Default"))


@attrs.frozen(kw_only=True)
class ProvisionedPollerConfig(WireModel):
    """Provisioned pollers for Kafka and SQS sources (ProvisionedPollerConfig)."""

    minimum_pollers: int | None = member("MinimumPollers", range=(1, 200))
    maximum_pollers: int | None = member("MaximumPollers", range=(1, 10000))
    poller_group_name: str | None = member(
        "PollerGroupName", length=(0, 128), pattern=r"[a-zA-Z0-9-_]*"
    )


@attrs.frozen(kw_only=True)
class EventSourceMapping(WireModel):
    """An event-source mapping of the current API (EventSourceMappingConfiguration).

    Every member may be absent from a response, and is then ``None``.
    ``state`` is one of :data:`STATES`; ``last_modified`` and
    ``starting_position_timestamp`` are aware UTC datetimes.
    """

    uuid: str | None = member("UUID")
    starting_position: str | None = member("StartingPosition")
    starting_position_timestamp: dt.datetime | None = member("StartingPositionTimestamp")
    batch_size: int | None = member("BatchSize")
    maximum_batching_window_in_seconds: int | None = member("MaximumBatchingWindowInSeconds")
    parallelization_factor: int | None = member("ParallelizationFactor")
    event_source_arn: str | None = member("EventSourceArn")
    filter_criteria: FilterCriteria | None = member("FilterCriteria")
    filter_criteria_error: FilterCriteriaError | None = member("FilterCriteriaError")
    kms_key_arn: str | None = member("KMSKeyArn")
    metrics_config: MetricsConfig | None = member("MetricsConfig")
    logging_config: LoggingConfig | None = member("LoggingConfig")
    scaling_config: ScalingConfig | None = member("ScalingConfig")
    function_arn: str | None = member("FunctionArn")
    last_modified: dt.datetime | None = member("LastModified")
    last_processing_result: str | None = member("LastProcessingResult")
    state: str | None = member("State")
    state_transition_reason: str | None = member("StateTransitionReason")
    destination_config: DestinationConfig | None = member("DestinationConfig")
    topics: tuple[str, ...] | None = member("Topics")
    queues: tuple[str, ...] | None = member("Queues")
    source_access_configurations: tuple[SourceAccessConfiguration, ...] | None = member(
        "SourceAccessConfigurations"
    )
    self_managed_event_source: SelfManagedEventSource | None = member("SelfManagedEventSource")
    maximum_record_age_in_seconds: int | None = member("MaximumRecordAgeInSeconds")
    bisect_batch_on_function_error: bool | None = member("BisectBatchOnFunctionError")
    maximum_retry_attempts: int | None = member("MaximumRetryAttempts")
    tumbling_window_in_seconds: int | None = member("TumblingWindowInSeconds")
    function_response_types: tuple[str, ...] | None = member("FunctionResponseTypes")
    amazon_managed_kafka_event_source_config: AmazonManagedKafkaEventSourceConfig | None = member(
        "AmazonManagedKafkaEventSourceConfig"
    )
    self_managed_kafka_event_source_config: SelfManagedKafkaEventSourceConfig | None = member(
        "SelfManagedKafkaEventSourceConfig"
    )
    document_db_event_source_config: DocumentDBEventSourceConfig | None = member(
        "DocumentDBEventSourceConfig"
    )
    event_source_mapping_arn: str | None = member("EventSourceMappingArn")
    provisioned_poller_config: ProvisionedPollerConfig | None = member("ProvisionedPollerConfig")


@attrs.frozen(kw_only=True)
class EventSourceMappingPage(WireModel):
    """One page of :meth:`AsyncClient.list_event_source_mappings`.

    Attributes:
        event_source_mappings: the mappings on this page.
        next_marker: pass as ``marker`` to get the next page; ``None`` on the last.
    """

    event_source_mappings: tuple[EventSourceMapping, ...] = attrs.field(
        default=(), metadata={"wire": "EventSourceMappings"}
    )
    next_marker: str | None = member("NextMarker")
