"""The typed settings and models stay in step with the service models, and botocore with us.

The models, settings and rules are generated from the vendored models in
``tools/models/``; these tests read those files (not the generator's output)
and check what was generated against them. One test then compares the
vendored 2015-03-31 model with the installed botocore's: it fails only when
botocore lacks something lambda_es sends, so an old botocore is reported by
name, not silently mismatched. A newer botocore (with members we do not yet
know) passes; ``python tools/generate_models.py --vendor`` brings them in.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator
from typing import Any

import attrs
import botocore
import pytest
from botocore.loaders import Loader

import lambda_es
from lambda_es._codec import wire_name
from lambda_es._service_model import CURRENT_PARAMETERS, LEGACY_PARAMETERS
from lambda_es._settings import CREATE_ONLY, SETTINGS, CreateMappingSettings, MappingSettings

from ._vendored_model import CURRENT_MODEL, LEGACY_MODEL, load

OPERATIONS = (
    "CreateEventSourceMapping",
    "GetEventSourceMapping",
    "ListEventSourceMappings",
    "UpdateEventSourceMapping",
    "DeleteEventSourceMapping",
)


@pytest.fixture(scope="module")
def model() -> dict[str, Any]:
    """The vendored lambda 2015-03-31 model."""
    return load(CURRENT_MODEL)


@pytest.fixture(scope="module")
def shapes(model: dict[str, Any]) -> dict[str, Any]:
    """The shapes of the vendored lambda 2015-03-31 model."""
    return dict(model["shapes"])


def _members(shapes: dict[str, Any], name: str) -> dict[str, Any]:
    return dict(shapes[name]["members"])


def test_create_settings_cover_every_create_member(shapes: dict[str, Any]) -> None:
    """CreateMappingSettings has one keyword per CreateEventSourceMappingRequest member."""
    members = set(_members(shapes, "CreateEventSourceMappingRequest")) - {
        "FunctionName",
        "EventSourceArn",
    }
    assert {SETTINGS[k].wire for k in CreateMappingSettings.__annotations__} == members


def test_update_settings_cover_every_update_member(shapes: dict[str, Any]) -> None:
    """MappingSettings has one keyword per UpdateEventSourceMappingRequest member."""
    members = set(_members(shapes, "UpdateEventSourceMappingRequest")) - {"UUID", "FunctionName"}
    assert {SETTINGS[k].wire for k in MappingSettings.__annotations__} == members


def test_create_only_is_create_minus_update(shapes: dict[str, Any]) -> None:
    """The keywords refused on update are exactly those the update request lacks."""
    create = set(_members(shapes, "CreateEventSourceMappingRequest"))
    update = set(_members(shapes, "UpdateEventSourceMappingRequest"))
    assert {SETTINGS[k].wire for k in CREATE_ONLY} == create - update - {"EventSourceArn"}
    assert {k for k, s in SETTINGS.items() if s.create_only} == CREATE_ONLY


def test_integer_ranges_match_the_model(shapes: dict[str, Any]) -> None:
    """Every integer setting checks the model's min and max."""
    request = _members(shapes, "CreateEventSourceMappingRequest")
    ints = [(name, s) for name, s in SETTINGS.items() if s.kind == "int"]
    assert len(ints) == 6
    for name, setting in ints:
        shape = shapes[request[setting.wire]["shape"]]
        assert setting.rules["range"] == (shape["min"], shape["max"]), name


def test_string_rules_match_the_model(shapes: dict[str, Any]) -> None:
    """Every string setting's length, pattern and enum are the model's, patterns ASCII-only."""
    request = _members(shapes, "CreateEventSourceMappingRequest")
    for name, setting in SETTINGS.items():
        if setting.kind != "str":
            continue
        shape = shapes[request[setting.wire]["shape"]]
        if "max" in shape:
            assert setting.rules["length"] == (shape["min"], shape["max"]), name
        if "pattern" in shape:
            assert setting.rules["pattern"].pattern == shape["pattern"], name
            assert setting.rules["pattern"].fullmatch("\N{ARABIC-INDIC DIGIT ONE}") is None
        assert setting.rules.get("enum") == (tuple(shape["enum"]) if "enum" in shape else None)


def test_parameter_rules_match_the_models(shapes: dict[str, Any]) -> None:
    """The non-setting parameters' rules are the models' (function names, ARNs, UUIDs, paging)."""
    function = shapes[_members(shapes, "CreateEventSourceMappingRequest")["FunctionName"]["shape"]]
    assert CURRENT_PARAMETERS["FunctionName"]["length"] == (function["min"], function["max"])
    assert CURRENT_PARAMETERS["FunctionName"]["pattern"].pattern == function["pattern"]
    uuid = shapes[_members(shapes, "GetEventSourceMappingRequest")["UUID"]["shape"]]
    assert CURRENT_PARAMETERS["UUID"]["length"] == (uuid["min"], uuid["max"])
    legacy = load(LEGACY_MODEL)["shapes"]
    assert LEGACY_PARAMETERS["Role"]["pattern"].pattern == legacy["RoleArn"]["pattern"]
    assert LEGACY_PARAMETERS["FunctionName"]["length"] == (
        legacy["FunctionName"]["min"],
        legacy["FunctionName"]["max"],
    )


def _models_in(annotation: Any) -> list[type[Any]]:
    if attrs.has(annotation):
        return [annotation]
    return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]


def _check_model(cls: type[Any], shape_name: str, shapes: dict[str, Any], seen: set[str]) -> None:
    if shape_name in seen:
        return
    seen.add(shape_name)
    members = _members(shapes, shape_name)
    fields = {wire_name(f): f for f in attrs.fields(cls)}
    assert set(fields) == set(members), f"{cls.__name__} vs {shape_name}"
    hints = typing.get_type_hints(cls)
    for wire, spec in members.items():
        target_name = spec["shape"]
        if shapes[target_name]["type"] == "list":
            target_name = shapes[target_name]["member"]["shape"]
        if shapes[target_name]["type"] != "structure":
            continue
        (nested,) = _models_in(hints[fields[wire].name])
        _check_model(nested, target_name, shapes, seen)


def test_event_source_mapping_has_every_member(shapes: dict[str, Any]) -> None:
    """EventSourceMapping and each nested model mirror EventSourceMappingConfiguration."""
    _check_model(lambda_es.EventSourceMapping, "EventSourceMappingConfiguration", shapes, set())


def test_page_model_matches_the_list_response(shapes: dict[str, Any]) -> None:
    """EventSourceMappingPage mirrors ListEventSourceMappingsResponse."""
    fields = {wire_name(f) for f in attrs.fields(lambda_es.EventSourceMappingPage)}
    assert fields == set(_members(shapes, "ListEventSourceMappingsResponse"))


def test_legacy_models_match_the_2014_model() -> None:
    """EventSourceConfiguration and EventSourcePage mirror the 2014-11-13 shapes."""
    legacy = load(LEGACY_MODEL)["shapes"]
    _check_model(lambda_es.EventSourceConfiguration, "EventSourceConfiguration", legacy, set())
    fields = {wire_name(f) for f in attrs.fields(lambda_es.EventSourcePage)}
    assert fields == set(_members(legacy, "ListEventSourcesResponse"))


def test_vendored_model_records_its_source(model: dict[str, Any]) -> None:
    """The vendored model says which botocore it came from, and holds only our operations."""
    assert model["vendored"]["from"] == "botocore/data/lambda/2015-03-31/service-2.json"
    assert model["vendored"]["botocore"].count(".") == 2
    assert tuple(model["operations"]) == OPERATIONS
    assert (CURRENT_MODEL.parent / "NOTICE").read_text(encoding="utf-8").count("Apache") == 1


def _lacking(
    ours: dict[str, Any], theirs: dict[str, Any], name: str, their_name: str, path: str
) -> Iterator[str]:
    # What a request shape of ours holds that botocore's counterpart lacks.
    mine, other = ours[name], theirs[their_name]
    if mine["type"] != other["type"]:
        yield f"{path} is a {other['type']} in botocore, not a {mine['type']}"
        return
    missing = sorted(set(mine.get("enum", ())) - set(other.get("enum", ())))
    if missing:
        yield f"{path} lacks the values {missing}"
    for key in ("member", "key", "value"):
        if key in mine:
            yield from _lacking(
                ours, theirs, mine[key]["shape"], other[key]["shape"], f"{path}.{key}"
            )
    for member, spec in mine.get("members", {}).items():
        if member not in other["members"]:
            yield f"{path} lacks the member {member}"
            continue
        target = other["members"][member]["shape"]
        yield from _lacking(ours, theirs, spec["shape"], target, f"{path}.{member}")


def test_installed_botocore_knows_everything_we_send(model: dict[str, Any]) -> None:
    """botocore's model has every member and enum value our requests can carry.

    Our models come from the vendored model, not from botocore: a botocore
    older than that model would reject (in its parameter validation) a member
    we send, and the tests that compare our requests with botocore's run it
    on the vendored model for that reason. This reports such a botocore.
    """
    installed = Loader().load_service_model("lambda", "service-2", "2015-03-31")
    problems = []
    for operation in OPERATIONS:
        if operation not in installed["operations"]:
            problems.append(f"{operation} is missing")
            continue
        name = model["operations"][operation]["input"]["shape"]
        theirs = installed["operations"][operation]["input"]["shape"]
        problems.extend(_lacking(model["shapes"], installed["shapes"], name, theirs, operation))
    assert not problems, (
        f"the installed botocore {botocore.__version__} is older than the vendored model "
        f"(botocore {model['vendored']['botocore']}): " + "; ".join(problems)
    )


def test_the_comparison_reports_a_missing_member(model: dict[str, Any]) -> None:
    """The botocore comparison names a member that an older model lacks."""
    shapes = model["shapes"]
    older = {
        **shapes,
        "SelfManagedKafkaEventSourceConfig": dict(shapes["SelfManagedKafkaEventSourceConfig"]),
    }
    older["SelfManagedKafkaEventSourceConfig"]["members"] = {
        k: v
        for k, v in shapes["SelfManagedKafkaEventSourceConfig"]["members"].items()
        if k != "ConsumptionMode"
    }
    older["SourceAccessType"] = {"type": "string", "enum": ["BASIC_AUTH"]}
    found = list(
        _lacking(
            shapes,
            older,
            "CreateEventSourceMappingRequest",
            "CreateEventSourceMappingRequest",
            "Create",
        )
    )
    assert "Create.SelfManagedKafkaEventSourceConfig lacks the member ConsumptionMode" in found
    assert any(
        p.startswith("Create.SourceAccessConfigurations.member.Type lacks the values")
        for p in found
    )
    assert (
        list(
            _lacking(
                shapes,
                shapes,
                "CreateEventSourceMappingRequest",
                "CreateEventSourceMappingRequest",
                "C",
            )
        )
        == []
    )
