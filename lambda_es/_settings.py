"""The typed settings of the current API's create and update calls.

``MappingSettings`` (create and update) and ``CreateMappingSettings`` (plus
the members only CreateEventSourceMapping takes) are the types of the
``**settings`` keywords, so type checkers and IDEs know every keyword and its
type. :data:`SETTINGS` says how each keyword travels and what the service
model allows; :func:`encode_settings` checks them all and returns the JSON
members. A test keeps the three in step with botocore's model.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, TypedDict

import attrs

from ._codec import structure_param
from ._errors import ParamValidationError
from ._mapping_models import (
    KMS_KEY_ARN,
    AmazonManagedKafkaEventSourceConfig,
    DestinationConfig,
    DocumentDBEventSourceConfig,
    FilterCriteria,
    LoggingConfig,
    MetricsConfig,
    ProvisionedPollerConfig,
    ScalingConfig,
    SelfManagedEventSource,
    SelfManagedKafkaEventSourceConfig,
    SourceAccessConfiguration,
)
from ._models import epoch_seconds, to_wire
from ._validate import check_bool, check_datetime, check_int, check_model, check_rules, check_str

__all__ = [
    "CREATE_ONLY",
    "SETTINGS",
    "CreateMappingSettings",
    "MappingSettings",
    "Setting",
    "encode_settings",
]


class MappingSettings(TypedDict, total=False):
    """Settings that both create and update accept (all optional)."""

    enabled: bool
    batch_size: int
    filter_criteria: FilterCriteria | Mapping[str, Any]
    kms_key_arn: str
    metrics_config: MetricsConfig | Mapping[str, Any]
    logging_config: LoggingConfig | Mapping[str, Any]
    scaling_config: ScalingConfig | Mapping[str, Any]
    maximum_batching_window_in_seconds: int
    parallelization_factor: int
    destination_config: DestinationConfig | Mapping[str, Any]
    maximum_record_age_in_seconds: int
    bisect_batch_on_function_error: bool
    maximum_retry_attempts: int
    tumbling_window_in_seconds: int
    source_access_configurations: Sequence[SourceAccessConfiguration | Mapping[str, Any]]
    function_response_types: Sequence[str]
    amazon_managed_kafka_event_source_config: (
        AmazonManagedKafkaEventSourceConfig | Mapping[str, Any]
    )
    self_managed_kafka_event_source_config: SelfManagedKafkaEventSourceConfig | Mapping[str, Any]
    document_db_event_source_config: DocumentDBEventSourceConfig | Mapping[str, Any]
    provisioned_poller_config: ProvisionedPollerConfig | Mapping[str, Any]


class CreateMappingSettings(MappingSettings, total=False):
    """Settings of create: the common ones plus those fixed at creation."""

    starting_position: str
    starting_position_timestamp: dt.datetime
    tags: Mapping[str, str]
    topics: Sequence[str]
    queues: Sequence[str]
    self_managed_event_source: SelfManagedEventSource | Mapping[str, Any]


@attrs.frozen
class Setting:
    """How one keyword travels.

    Attributes:
        wire: the AWS member name.
        kind: ``"bool"``, ``"int"``, ``"str"``, ``"strings"``, ``"tags"``,
            ``"timestamp"``, ``"model"`` or ``"models"``.
        rules: the service model's constraints (see :func:`lambda_es._models.member`).
        model: the attrs class for ``"model"`` and ``"models"``.
    """

    wire: str
    kind: str
    rules: Mapping[str, Any] = attrs.field(factory=dict)
    model: type[Any] | None = None


SETTINGS: Mapping[str, Setting] = {
    "enabled": Setting("Enabled", "bool"),
    "batch_size": Setting("BatchSize", "int", {"range": (1, 10_000)}),
    "filter_criteria": Setting("FilterCriteria", "model", model=FilterCriteria),
    "kms_key_arn": Setting("KMSKeyArn", "str", {"length": (0, 10_000), "pattern": KMS_KEY_ARN}),
    "metrics_config": Setting("MetricsConfig", "model", model=MetricsConfig),
    "logging_config": Setting("LoggingConfig", "model", model=LoggingConfig),
    "scaling_config": Setting("ScalingConfig", "model", model=ScalingConfig),
    "maximum_batching_window_in_seconds": Setting(
        "MaximumBatchingWindowInSeconds", "int", {"range": (0, 300)}
    ),
    "parallelization_factor": Setting("ParallelizationFactor", "int", {"range": (1, 10)}),
    "destination_config": Setting("DestinationConfig", "model", model=DestinationConfig),
    "maximum_record_age_in_seconds": Setting(
        "MaximumRecordAgeInSeconds", "int", {"range": (-1, 604_800)}
    ),
    "bisect_batch_on_function_error": Setting("BisectBatchOnFunctionError", "bool"),
    "maximum_retry_attempts": Setting("MaximumRetryAttempts", "int", {"range": (-1, 10_000)}),
    "tumbling_window_in_seconds": Setting("TumblingWindowInSeconds", "int", {"range": (0, 900)}),
    "source_access_configurations": Setting(
        "SourceAccessConfigurations",
        "models",
        {"length": (0, 23)},
        model=SourceAccessConfiguration,
    ),
    "function_response_types": Setting(
        "FunctionResponseTypes",
        "strings",
        {"length": (0, 1), "items": {"enum": ("ReportBatchItemFailures",)}},
    ),
    "amazon_managed_kafka_event_source_config": Setting(
        "AmazonManagedKafkaEventSourceConfig", "model", model=AmazonManagedKafkaEventSourceConfig
    ),
    "self_managed_kafka_event_source_config": Setting(
        "SelfManagedKafkaEventSourceConfig", "model", model=SelfManagedKafkaEventSourceConfig
    ),
    "document_db_event_source_config": Setting(
        "DocumentDBEventSourceConfig", "model", model=DocumentDBEventSourceConfig
    ),
    "provisioned_poller_config": Setting(
        "ProvisionedPollerConfig", "model", model=ProvisionedPollerConfig
    ),
    # Create only: fixed for the life of the mapping.
    "starting_position": Setting(
        "StartingPosition", "str", {"enum": ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")}
    ),
    "starting_position_timestamp": Setting("StartingPositionTimestamp", "timestamp"),
    "tags": Setting("Tags", "tags"),
    "topics": Setting(
        "Topics",
        "strings",
        {"length": (1, 1), "items": {"length": (1, 249), "pattern": r"[^.]([a-zA-Z0-9\-_.]+)"}},
    ),
    "queues": Setting("Queues", "strings", {"length": (1, 1), "items": {"length": (1, 1000)}}),
    "self_managed_event_source": Setting(
        "SelfManagedEventSource", "model", model=SelfManagedEventSource
    ),
}

CREATE_ONLY = frozenset(CreateMappingSettings.__annotations__) - frozenset(
    MappingSettings.__annotations__
)


def _encode_one(name: str, setting: Setting, value: object) -> object:
    kind = setting.kind
    if kind == "bool":
        check_bool(name, value)
        return value
    if kind == "int":
        check_int(name, value, low=setting.rules["range"][0], high=setting.rules["range"][1])
        return value
    if kind == "str":
        check_str(name, value)
    elif kind == "timestamp":
        check_datetime(name, value)
        return epoch_seconds(value)  # type: ignore[arg-type]
    elif kind == "tags":
        _check_tags(name, value)
        return dict(value)  # type: ignore[call-overload]
    elif kind in ("strings", "models"):
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise ParamValidationError(name, f"must be a list, not {type(value).__name__}")
        if kind == "strings":
            for index, item in enumerate(value):
                check_str(f"{name}[{index}]", item)
            value = tuple(value)
        else:
            value = tuple(
                structure_param(setting.model, item, f"{name}[{index}]")  # type: ignore[arg-type]
                for index, item in enumerate(value)
            )
    else:  # "model"
        value = structure_param(setting.model, value, name)  # type: ignore[arg-type]
        check_model(name, value)
        return to_wire(value, epoch_seconds)
    check_rules(name, value, setting.rules)
    return to_wire(value, epoch_seconds)


def _check_tags(name: str, value: object) -> None:
    if not isinstance(value, Mapping):
        raise ParamValidationError(
            name, f"must be a dict of str to str, not {type(value).__name__}"
        )
    for key, item in value.items():
        check_str(f"{name} key", key, min_len=1, max_len=128)
        check_str(f"{name}[{key!r}]", item, required=True, max_len=256)


def encode_settings(settings: Mapping[str, object], *, create: bool) -> dict[str, object]:
    """Check keyword settings and return them as JSON members.

    Args:
        settings: the ``**settings`` a caller passed.
        create: whether create-only settings are allowed.

    Returns:
        The members to put in the request body; ``None`` values are left out.

    Raises:
        ParamValidationError: an unknown keyword, a create-only keyword on update,
            or a value that breaks the service model's rules.
    """
    body: dict[str, object] = {}
    for name, value in settings.items():
        setting = SETTINGS.get(name)
        if setting is None:
            raise ParamValidationError(name, "is not a setting of an event-source mapping")
        if not create and name in CREATE_ONLY:
            raise ParamValidationError(
                name, "can only be set when the mapping is created (not by update)"
            )
        if value is not None:
            body[setting.wire] = _encode_one(name, setting, value)
    return body
