"""Write lambda_es/_service_model.py, the models and rules of both wire versions, from the service models.

    python tools/generate_models.py            # (re)write lambda_es/_service_model.py
    python tools/generate_models.py --check    # exit 1 with a diff if it is stale
    python tools/generate_models.py --vendor   # refresh tools/models/ from the installed botocore

The inputs are the trimmed service models in ``tools/models/``: the
event-source-mapping operations of botocore's ``lambda/2015-03-31`` model (the
botocore version is recorded in the file) and of the 2014-11-13 model. From
them the generator writes one module holding:

* a frozen attrs class per structure (the public model classes), each field
  with its AWS name and, for structures a request can carry, the model's rules
  (ranges, lengths, patterns, enums; see :func:`lambda_es._model_base.member`);
* the settings ``TypedDict``s (``MappingSettings``, ``CreateMappingSettings``),
  the settings table ``SETTINGS`` and the ``CREATE_ONLY`` set;
* the rules of the operations' other parameters (``CURRENT_PARAMETERS``,
  ``LEGACY_PARAMETERS``).

What the model does not say (public class names, their docstrings, which
members are settings) is in the tables below. A shape it cannot map (a type
with no Python counterpart here, a pattern Python's ``re`` cannot compile, a
half-open bound, a structure without a class name) stops it with exit status 2
and a message: a silently wrong model is worse than none. The output is
formatted by ``ruff format`` and ``ruff check --select I --fix``, through
``tools/generated.py`` as ``generate_sync.py`` does (ruff is a test and dev
dependency).
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from generated import RuffError, format_source, write_or_check

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tools" / "models"
CURRENT_MODEL = MODELS / "lambda-2015-03-31.json"
LEGACY_MODEL = MODELS / "lambda-2014-11-13.json"
LEGACY_REFERENCE = Path("/work/shared/reference/lambda-2014-11-13.normal.json")
OUTPUT = ROOT / "lambda_es" / "_service_model.py"

CURRENT_OPERATIONS = (
    "CreateEventSourceMapping",
    "GetEventSourceMapping",
    "ListEventSourceMappings",
    "UpdateEventSourceMapping",
    "DeleteEventSourceMapping",
)
LEGACY_OPERATIONS = ("AddEventSource", "GetEventSource", "ListEventSources", "RemoveEventSource")

#: Python's ``re`` has no ``\p{...}`` classes: these shapes' patterns are not
#: checked client-side (their lengths still are); the service checks them.
UNCHECKED_PATTERNS = frozenset({"TagKey", "TagValue"})

#: Shape -> (public class name, docstring). Every structure a response or a
#: request holds needs an entry; the model's own documentation is HTML.
CLASSES: Mapping[str, tuple[str, str]] = {
    # 2015-03-31
    "Filter": ("Filter", "One event filter: a JSON pattern (Filter)."),
    "FilterCriteria": ("FilterCriteria", "Which events reach the function (FilterCriteria)."),
    "FilterCriteriaError": (
        "FilterCriteriaError",
        "Why Lambda could not apply the filter criteria (FilterCriteriaError).",
    ),
    "EventSourceMappingMetricsConfig": (
        "MetricsConfig",
        "Which metrics the mapping emits (EventSourceMappingMetricsConfig).",
    ),
    "EventSourceMappingLoggingConfig": (
        "LoggingConfig",
        "The mapping's system log level (EventSourceMappingLoggingConfig).",
    ),
    "ScalingConfig": ("ScalingConfig", "Concurrency limit for SQS sources (ScalingConfig)."),
    "OnSuccess": ("OnSuccess", "Where successful records go (OnSuccess)."),
    "OnFailure": ("OnFailure", "Where discarded records go (OnFailure)."),
    "DestinationConfig": (
        "DestinationConfig",
        "Destinations for processed and discarded batches (DestinationConfig).",
    ),
    "SourceAccessConfiguration": (
        "SourceAccessConfiguration",
        "Authentication or network settings for the source (SourceAccessConfiguration).",
    ),
    "SelfManagedEventSource": (
        "SelfManagedEventSource",
        "A self-managed Kafka cluster (SelfManagedEventSource).",
    ),
    "KafkaSchemaRegistryAccessConfig": (
        "KafkaSchemaRegistryAccessConfig",
        "How to reach a schema registry (KafkaSchemaRegistryAccessConfig).",
    ),
    "KafkaSchemaValidationConfig": (
        "KafkaSchemaValidationConfig",
        "Which part of a Kafka record to validate (KafkaSchemaValidationConfig).",
    ),
    "KafkaSchemaRegistryConfig": (
        "KafkaSchemaRegistryConfig",
        "A Kafka schema registry (KafkaSchemaRegistryConfig).",
    ),
    "AmazonManagedKafkaEventSourceConfig": (
        "AmazonManagedKafkaEventSourceConfig",
        "Settings for an Amazon MSK source (AmazonManagedKafkaEventSourceConfig).",
    ),
    "SelfManagedKafkaEventSourceConfig": (
        "SelfManagedKafkaEventSourceConfig",
        "Settings for a self-managed Kafka source (SelfManagedKafkaEventSourceConfig).",
    ),
    "DocumentDBEventSourceConfig": (
        "DocumentDBEventSourceConfig",
        "Settings for a DocumentDB change stream (DocumentDBEventSourceConfig).",
    ),
    "ProvisionedPollerConfig": (
        "ProvisionedPollerConfig",
        "Provisioned pollers for Kafka and SQS sources (ProvisionedPollerConfig).",
    ),
    "EventSourceMappingConfiguration": (
        "EventSourceMapping",
        "An event-source mapping of the current API (EventSourceMappingConfiguration).\n\n"
        "Every member may be absent from a response, and is then ``None``.\n"
        '``state`` is Lambda\'s word for where it stands (``"Creating"``,\n'
        '``"Enabled"``, ``"Updating"``, ...); ``last_modified`` and\n'
        "``starting_position_timestamp`` are aware UTC datetimes.",
    ),
    "ListEventSourceMappingsResponse": (
        "EventSourceMappingPage",
        "One page of :meth:`AsyncClient.list_event_source_mappings`.\n\n"
        "Attributes:\n"
        "    event_source_mappings: the mappings on this page.\n"
        "    next_marker: pass as ``marker`` to get the next page; ``None`` on the last.",
    ),
    # 2014-11-13
    "EventSourceConfiguration": (
        "EventSourceConfiguration",
        "A legacy (2014-11-13) mapping between a stream and a function.\n\n"
        "Every field may be missing from a response, and is then ``None``.\n\n"
        "Attributes:\n"
        "    uuid: Lambda's opaque identifier for the mapping.\n"
        "    batch_size: the most records given to the function in one event.\n"
        "    event_source: the ARN of the Kinesis or DynamoDB stream.\n"
        "    function_name: the function Lambda invokes.\n"
        '    parameters: reader settings, e.g. ``{"InitialPositionInStream": "LATEST"}``.\n'
        "    role: the ARN of the invocation role.\n"
        "    last_modified: when the mapping last changed, an aware UTC datetime.\n"
        "    is_active: whether Lambda honours the mapping.\n"
        '    status: ``"PENDING"``, ``"OK"`` or ``"PROBLEM: ..."``.',
    ),
    "ListEventSourcesResponse": (
        "EventSourcePage",
        "One page of :meth:`AsyncClient.list_event_sources`.\n\n"
        "Attributes:\n"
        "    event_sources: the legacy configurations on this page.\n"
        "    next_marker: pass as ``marker`` to get the next page; ``None`` on the last.",
    ),
}

#: Page shapes: their list member is never ``None`` (an absent list is empty).
PAGES = frozenset({"ListEventSourceMappingsResponse", "ListEventSourcesResponse"})

#: Response shapes whose members the service does not take in this request come
#: first: what Lambda reports about the mapping, before its settings.
REPORTED_FIRST = {"EventSourceMappingConfiguration": "CreateEventSourceMappingRequest"}

#: Request members that are parameters of their own, not ``**settings``.
NOT_SETTINGS = frozenset({"FunctionName", "EventSourceArn", "UUID"})

_SCALARS = {
    "string": "str",
    "integer": "int",
    "long": "int",
    "boolean": "bool",
    "timestamp": "datetime",
}


class GenerateError(Exception):
    """The model holds something the generator cannot map."""


# -- vendoring -------------------------------------------------------------------


def _reachable(shapes: Mapping[str, Any], roots: Iterable[str]) -> list[str]:
    seen: list[str] = []
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        if name not in shapes:
            raise GenerateError(f"shape {name} is referenced but not defined")
        seen.append(name)
        shape = shapes[name]
        stack.extend(shape[k]["shape"] for k in ("member", "key", "value") if k in shape)
        stack.extend(m["shape"] for m in shape.get("members", {}).values())
    return sorted(seen)


def trim(model: Mapping[str, Any], operations: Sequence[str]) -> dict[str, Any]:
    """Keep only ``operations`` and the shapes they reach (inputs, outputs, errors).

    Args:
        model: a whole service model.
        operations: the operations to keep.

    Returns:
        The trimmed model, with the same metadata.

    Raises:
        GenerateError: an operation or a referenced shape is missing.
    """
    kept_operations: dict[str, Any] = {}
    roots: list[str] = []
    for name in operations:
        if name not in model["operations"]:
            raise GenerateError(f"operation {name} is not in the model")
        operation = model["operations"][name]
        kept_operations[name] = operation
        roots.extend(operation[k]["shape"] for k in ("input", "output") if k in operation)
        roots.extend(error["shape"] for error in operation.get("errors", ()))
    shapes = model["shapes"]
    return {
        "version": model.get("version", "2.0"),
        "metadata": model["metadata"],
        "operations": kept_operations,
        "shapes": {name: shapes[name] for name in _reachable(shapes, roots)},
    }


def vendor(legacy_source: Path = LEGACY_REFERENCE) -> list[Path]:
    """Refresh ``tools/models/`` from the installed botocore and the 2014-11-13 reference.

    botocore no longer ships the 2014-11-13 model, so it is read from a copy
    of the whole model (``--legacy-source``).

    Args:
        legacy_source: the whole 2014-11-13 model (a ``*.normal.json``).

    Returns:
        The files written.
    """
    import botocore  # only the vendoring step needs botocore
    from botocore.loaders import Loader

    current = trim(
        Loader().load_service_model("lambda", "service-2", "2015-03-31"), CURRENT_OPERATIONS
    )
    current["vendored"] = {
        "from": "botocore/data/lambda/2015-03-31/service-2.json",
        "botocore": botocore.__version__,
        "license": "Apache-2.0 (see NOTICE in this directory)",
    }
    legacy = trim(json.loads(legacy_source.read_text(encoding="utf-8")), LEGACY_OPERATIONS)
    legacy["vendored"] = {
        "from": "lambda-2014-11-13.normal.json (the project's shared reference copy)",
        "license": "Apache-2.0 (see NOTICE in this directory)",
    }
    written = []
    for path, model in ((CURRENT_MODEL, current), (LEGACY_MODEL, legacy)):
        path.write_text(json.dumps(model, indent=1, sort_keys=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


# -- reading the model ---------------------------------------------------------------


def snake(name: str) -> str:
    """``KMSKeyArn`` -> ``kms_key_arn``, ``DocumentDBEventSourceConfig`` -> ``document_db_...``."""
    name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).lower()


def constant(shape_name: str) -> str:
    """The Python name of a shape's pattern: ``DestinationArn`` -> ``DESTINATION_ARN``."""
    return snake(shape_name).upper()


def first_sentence(documentation: str) -> str:
    """The first sentence of a model's HTML documentation, as plain text."""
    text = html.unescape(re.sub(r"<[^>]+>", "", documentation))
    text = " ".join(text.split())
    match = re.search(r"(?<=[a-z0-9)])\.(\s|$)", text)
    return text[: match.start() + 1] if match else text


class Model:
    """One vendored service model, with the mapping from shapes to Python."""

    def __init__(
        self,
        path: Path,
        patterns: dict[str, tuple[str, str]],
        enums: dict[str, tuple[tuple[str, ...], str]],
    ) -> None:
        self.path = path
        self.data = json.loads(path.read_text(encoding="utf-8"))
        self.shapes: dict[str, Any] = self.data["shapes"]
        #: constant name -> (pattern, shape), shared by both models.
        self.patterns = patterns
        #: constant name -> (values, shape), shared by both models.
        self.enums = enums

    def shape(self, name: str) -> dict[str, Any]:
        shape: dict[str, Any] = self.shapes[name]
        return shape

    def input_reachable(self) -> set[str]:
        roots = [op["input"]["shape"] for op in self.data["operations"].values() if "input" in op]
        return set(_reachable(self.shapes, roots))

    def annotation(self, name: str) -> str:
        shape = self.shape(name)
        kind = shape["type"]
        if kind in _SCALARS:
            return _SCALARS[kind]
        if kind == "list":
            return f"tuple[{self.annotation(shape['member']['shape'])}, ...]"
        if kind == "map":
            key = self.annotation(shape["key"]["shape"])
            return f"dict[{key}, {self.annotation(shape['value']['shape'])}]"
        if kind == "structure":
            return self.class_name(name)
        raise GenerateError(f"{self.path.name}: shape {name} has type {kind!r}, not mapped")

    def class_name(self, name: str) -> str:
        if name not in CLASSES:
            raise GenerateError(f"{self.path.name}: structure {name} has no entry in CLASSES")
        return CLASSES[name][0]

    def pattern(self, name: str, pattern: str) -> str:
        try:
            re.compile(pattern, re.ASCII)
        except re.error as exc:
            raise GenerateError(
                f"{self.path.name}: shape {name}'s pattern {pattern!r} is not a Python regex ({exc})"
            ) from None
        const = constant(name)
        known = self.patterns.setdefault(const, (pattern, name))
        if known[0] != pattern:
            raise GenerateError(f"pattern {const} differs between the models ({name})")
        return const

    def enum(self, name: str, values: Sequence[str]) -> str:
        const = constant(name)
        if const in self.patterns:
            raise GenerateError(f"{self.path.name}: {name} names a pattern and an enum")
        known = self.enums.setdefault(const, (tuple(values), name))
        if known[0] != tuple(values):
            raise GenerateError(f"enum {const} differs between the models ({name})")
        return const

    def rules(self, name: str) -> dict[str, str]:
        """The rules of a shape as ``member()`` keyword source text."""
        shape = self.shape(name)
        kind = shape["type"]
        rules: dict[str, str] = {}
        bounds = (shape.get("min"), shape.get("max"))
        if bounds != (None, None):
            if None in bounds:
                raise GenerateError(f"{self.path.name}: shape {name} has a half-open bound")
            if kind in ("integer", "long"):
                rules["range"] = repr(bounds)
            elif kind in ("string", "list", "map"):
                rules["length"] = repr(bounds)
            else:
                raise GenerateError(f"{self.path.name}: shape {name} bounds a {kind}")
        if "pattern" in shape and name not in UNCHECKED_PATTERNS:
            rules["pattern"] = self.pattern(name, shape["pattern"])
        if "enum" in shape:
            rules["enum"] = self.enum(name, shape["enum"])
        for key, rule in (("member", "items"), ("key", "keys"), ("value", "values")):
            if key in shape:
                inner = self.rules(shape[key]["shape"])
                if inner:
                    rules[rule] = "{" + ", ".join(f'"{k}": {v}' for k, v in inner.items()) + "}"
        return rules

    def kind(self, name: str) -> str:
        """The settings table's kind of a member's shape."""
        shape = self.shape(name)
        kind = shape["type"]
        simple = {"boolean": "bool", "integer": "int", "string": "str", "timestamp": "timestamp"}
        if kind in simple:
            return simple[kind]
        if kind == "structure":
            return "model"
        if kind == "list":
            inner = self.shape(shape["member"]["shape"])["type"]
            if inner in ("string", "structure"):
                return "strings" if inner == "string" else "models"
        if kind == "map" and all(
            self.shape(shape[k]["shape"])["type"] == "string" for k in ("key", "value")
        ):
            return "map"
        raise GenerateError(f"{self.path.name}: setting shape {name} ({kind}) is not mapped")


# -- writing ---------------------------------------------------------------------------


def _text(text: str) -> str:
    # A double-quoted literal, as ruff writes them (JSON's escapes are Python's).
    return json.dumps(text, ensure_ascii=False)


def _values(values: Sequence[str]) -> str:
    # A tuple's items, with the comma a one-item tuple needs.
    texts = [_text(v) for v in values]
    return f"{texts[0]}," if len(texts) == 1 else ", ".join(texts)


def _literal(text: str) -> str:
    # A raw string reads as the model writes the pattern, where one is possible.
    if '"' not in text and not text.endswith("\\"):
        return f'r"{text}"'
    return repr(text)


def _structures_in_order(model: Model, roots: Iterable[str]) -> list[str]:
    # Dependencies first, so that annotations never name a later class.
    order: list[str] = []

    def visit(name: str) -> None:
        shape = model.shape(name)
        if shape["type"] == "structure" and name in order:
            return
        for key in ("member", "key", "value"):
            if key in shape:
                visit(shape[key]["shape"])
        for member in shape.get("members", {}).values():
            visit(member["shape"])
        if shape["type"] == "structure" and name not in order:
            order.append(name)

    for root in roots:
        visit(root)
    return order


def _attributes(members: Sequence[tuple[str, Mapping[str, Any]]]) -> str:
    # Each member's first sentence from the service model: what IDEs show on hover.
    lines = ["Attributes:"]
    for wire, member in members:
        sentence = first_sentence(member.get("documentation", "")) or f"the {wire} member."
        lines += textwrap.wrap(
            f"{snake(wire)}: {sentence[0].lower()}{sentence[1:]}",
            width=88,
            initial_indent="    ",
            subsequent_indent="        ",
        )
    return "\n".join(lines)


def _members(model: Model, name: str) -> list[tuple[str, Mapping[str, Any]]]:
    # A structure's members in the order its class declares them.
    members = list(model.shape(name)["members"].items())
    if name in PAGES:  # the list first, then the marker, as the page is read
        members.sort(key=lambda item: model.shape(item[1]["shape"])["type"] != "list")
    if name in REPORTED_FIRST:
        # What Lambda reports (uuid, state, ...) first, as a repr is read; then
        # the settings, in the order the request takes them.
        taken = list(model.shape(REPORTED_FIRST[name])["members"])
        members.sort(key=lambda item: taken.index(item[0]) + 1 if item[0] in taken else 0)
    return members


def _class_source(model: Model, name: str, with_rules: bool) -> str:
    class_name, doc = CLASSES[name]
    members = _members(model, name)
    if "\n" not in doc:
        # The service model's own description of the shape, after our summary.
        described = first_sentence(model.shape(name).get("documentation", ""))
        if described:
            doc += "\n\n" + "\n".join(textwrap.wrap(described, width=92))
    if "Attributes:" not in doc:
        doc = f"{doc}\n\n{_attributes(members)}"
    doc_text = doc.replace("\n", "\n    ").replace("\n    \n", "\n\n")
    lines = ["@attrs.frozen(kw_only=True)", f"class {class_name}(WireModel):"]
    lines.append(f'    """{doc_text}"""' if "\n" not in doc else f'    """{doc_text}\n    """')
    lines.append("")
    for wire, member in members:
        target = member["shape"]
        annotation = model.annotation(target)
        if name in PAGES and model.shape(target)["type"] == "list":
            lines.append(f'    {snake(wire)}: {annotation} = items("{wire}")')
            continue
        rules = model.rules(target) if with_rules else {}
        args = "".join(f", {k}={v}" for k, v in rules.items())
        lines.append(f'    {snake(wire)}: {annotation} | None = member("{wire}"{args})')
    return "\n".join(lines)


def _parameters_source(model: Model, variable: str, doc: str, *, body_settings: bool) -> str:
    # The rules of every scalar input member that is not a setting.
    merged: dict[str, dict[str, str]] = {}
    for operation in model.data["operations"].values():
        if "input" not in operation:
            continue
        for wire, member in model.shape(operation["input"]["shape"])["members"].items():
            if body_settings and wire not in NOT_SETTINGS and "location" not in member:
                continue  # a body member of the current API: a setting
            rules = model.rules(member["shape"])
            if merged.setdefault(wire, rules) != rules:
                raise GenerateError(f"{model.path.name}: {wire} has different rules by operation")
    entries = ", ".join(
        f'"{wire}": {{' + ", ".join(f'"{k}": {v}' for k, v in rules.items()) + "}"
        for wire, rules in merged.items()
    )
    return f"#: {doc}\n{variable}: Mapping[str, Mapping[str, Any]] = {{{entries}}}"


def _settings_source(model: Model) -> tuple[str, list[str]]:
    create = model.shape("CreateEventSourceMappingRequest")["members"]
    update = model.shape("UpdateEventSourceMappingRequest")["members"]
    common = [wire for wire in update if wire not in NOT_SETTINGS]
    create_only = [wire for wire in create if wire not in NOT_SETTINGS and wire not in update]
    missing = [wire for wire in common if wire not in create]
    if missing:
        raise GenerateError(f"update members not in create: {missing}")

    def typed(wire: str) -> str:
        target = create[wire]["shape"]
        kind = model.kind(target)
        if kind == "model":
            return f"{model.class_name(target)} | Mapping[str, Any]"
        if kind == "models":
            inner = model.class_name(model.shape(target)["member"]["shape"])
            return f"Sequence[{inner} | Mapping[str, Any]]"
        return {
            "bool": "bool",
            "int": "int",
            "str": "str",
            "timestamp": "datetime",
            "strings": "Sequence[str]",
            "map": "Mapping[str, str]",
        }[kind]

    blocks = [
        "class MappingSettings(TypedDict, total=False):",
        '    """Settings that both create and update accept (all optional)."""',
        "",
        *(f"    {snake(wire)}: {typed(wire)}" for wire in common),
        "",
        "",
        "class CreateMappingSettings(MappingSettings, total=False):",
        '    """Settings of create: the common ones plus those fixed at creation."""',
        "",
        *(f"    {snake(wire)}: {typed(wire)}" for wire in create_only),
        "",
        "",
        "#: Every keyword setting: how it travels and what the service model allows.",
        "# fmt: off",
        "# One row per setting, as a table reads (ruff would explode each into seven lines).",
        "SETTINGS: Mapping[str, Setting] = {",
    ]
    for wire in common + create_only:
        target = create[wire]["shape"]
        kind = model.kind(target)
        rules = model.rules(target)
        rules_text = "{" + ", ".join(f'"{k}": {v}' for k, v in rules.items()) + "}"
        shape = model.shape(target)
        class_of = None
        if kind == "model":
            class_of = model.class_name(target)
        elif kind == "models":
            class_of = model.class_name(shape["member"]["shape"])
        doc = first_sentence(create[wire].get("documentation", ""))
        arguments = [f'"{wire}"', f'"{kind}"']
        if rules:
            arguments.append(f"rules={rules_text}")
        if class_of:
            arguments.append(f"model={class_of}")
        if wire in create_only:
            arguments.append("create_only=True")
        arguments.append(f"doc={_text(doc)}")
        blocks.append(f'    "{snake(wire)}": Setting({", ".join(arguments)}),')
    blocks.append("}")
    blocks.append("# fmt: on")
    blocks.append("")
    blocks.append(
        "#: The keywords only CreateEventSourceMapping takes (fixed for a mapping's life)."
    )
    names = ", ".join(f'"{snake(w)}"' for w in create_only)
    blocks.append(f"CREATE_ONLY: frozenset[str] = frozenset({{{names}}})")
    return "\n".join(blocks), [snake(w) for w in create_only]


def render(current_path: Path = CURRENT_MODEL, legacy_path: Path = LEGACY_MODEL) -> str:
    """The generated module's source, before formatting.

    Raises:
        GenerateError: a shape cannot be mapped.
    """
    patterns: dict[str, tuple[str, str]] = {}
    enums: dict[str, tuple[tuple[str, ...], str]] = {}
    current = Model(current_path, patterns, enums)
    legacy = Model(legacy_path, patterns, enums)
    classes: list[str] = []
    names: list[str] = []
    for model in (current, legacy):
        with_rules = model.input_reachable()
        operations = model.data["operations"].values()
        inputs = {op["input"]["shape"] for op in operations if "input" in op}
        # Every structure a response or a request holds; a request itself is
        # the client's method signature, not a model.
        roots = [op["output"]["shape"] for op in operations if "output" in op]
        roots += sorted(
            name for name in with_rules - inputs if model.shape(name)["type"] == "structure"
        )
        for name in _structures_in_order(model, roots):
            if name in inputs:
                continue
            class_name = model.class_name(name)
            if class_name in names:
                raise GenerateError(f"{model.path.name}: {name} would be a second {class_name}")
            classes.append(_class_source(model, name, name in with_rules))
            names.append(class_name)
    settings, _ = _settings_source(current)
    parameters = "\n\n".join(
        (
            _parameters_source(
                current,
                "CURRENT_PARAMETERS",
                "2015-03-31: the rules of the parameters that are not settings (by AWS name).",
                body_settings=True,
            ),
            _parameters_source(
                legacy,
                "LEGACY_PARAMETERS",
                "2014-11-13: the rules of every request member (by AWS name).",
                body_settings=False,
            ),
        )
    )
    # Rendered last: rules() registers the patterns it meets.
    pattern_lines = "\n".join(
        [
            "# fmt: off",
            "# One row per pattern, as a table reads (ruff would wrap the long ones).",
            *(
                f"#: The model's {shape} pattern.\n"
                f"{const} = re.compile({_literal(pattern)}, re.ASCII)"
                for const, (pattern, shape) in sorted(patterns.items())
            ),
            "# fmt: on",
        ]
    )
    enum_lines = "\n".join(
        [
            "# fmt: off",
            "# One row per enum, as a table reads (ruff would explode the long ones).",
            *(
                f"#: The model's {shape} values.\n{const}: tuple[str, ...] = ({_values(values)})"
                for const, (values, shape) in sorted(enums.items())
            ),
            "# fmt: on",
        ]
    )
    version = current.data.get("vendored", {}).get("botocore", "unknown")
    tables = ["CREATE_ONLY", "SETTINGS", "CURRENT_PARAMETERS", "LEGACY_PARAMETERS"]
    exported = sorted(
        [*names, *patterns, *enums, *tables, "CreateMappingSettings", "MappingSettings"]
    )
    header = (
        f'"""GENERATED by tools/generate_models.py from tools/models/{current_path.name} '
        f"(botocore {version}) and tools/models/{legacy_path.name}; do not edit.\n\n"
        "The models of both wire versions, with the service model's rules on every\n"
        "structure a request can carry; the settings TypedDicts and table; the\n"
        "rules of the other parameters. Patterns are compiled with ``re.ASCII``: the\n"
        "model's ``\\\\d`` means ASCII digits.\n"
        '"""\n'
    )
    return "\n\n".join(
        [
            header,
            "from __future__ import annotations\n\nimport re\nfrom datetime import datetime\n"
            "from collections.abc import Mapping, Sequence\nfrom typing import Any, TypedDict\n\n"
            "import attrs\n\nfrom ._model_base import Setting, WireModel, items, member",
            "__all__ = [" + ", ".join(f'"{n}"' for n in exported) + "]",
            "# Patterns as the service model states them.\n" + pattern_lines,
            "# The values of the service model's enums.\n" + enum_lines,
            *classes,
            settings,
            parameters,
        ]
    )


def generate(current_path: Path = CURRENT_MODEL, legacy_path: Path = LEGACY_MODEL) -> str:
    """The generated module's source, formatted by ruff.

    Raises:
        GenerateError: a shape cannot be mapped, or ruff failed.
    """
    try:
        return format_source(render(current_path, legacy_path), OUTPUT)
    except RuffError as exc:
        raise GenerateError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the generator from the command line.

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).

    Returns:
        0 on success; 1 when ``--check`` finds the output stale; 2 when a shape
        cannot be mapped.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 with a diff if stale")
    parser.add_argument(
        "--vendor", action="store_true", help="refresh tools/models/ from the installed botocore"
    )
    parser.add_argument(
        "--legacy-source",
        type=Path,
        default=LEGACY_REFERENCE,
        help="with --vendor: the whole 2014-11-13 model to trim",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help="the module to write")
    args = parser.parse_args(argv)
    try:
        if args.vendor:
            for path in vendor(args.legacy_source):
                print(f"generate_models: wrote {path}")
        text = generate(CURRENT_MODEL, LEGACY_MODEL)
    except GenerateError as exc:
        print(f"generate_models: error: {exc}", file=sys.stderr)
        return 2
    return write_or_check(args.output, text, check=args.check, tool="generate_models")


__all__ = ["GenerateError", "generate", "main", "render", "trim", "vendor"]

if __name__ == "__main__":
    sys.exit(main())
