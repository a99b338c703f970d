"""The typed settings and models stay in step with botocore's 2015-03-31 service model.

botocore ships the official model; these tests read it (never vendored) and
fail when Lambda adds a member our models or settings do not know, or when a
range we check differs from the model's.
"""

from __future__ import annotations

import typing
from typing import Any

import attrs
import pytest
from botocore.loaders import Loader

import lambda_es
from lambda_es._codec import wire_name
from lambda_es._settings import CREATE_ONLY, SETTINGS, CreateMappingSettings, MappingSettings


@pytest.fixture(scope="module")
def shapes() -> dict[str, Any]:
    """The shapes of botocore's lambda 2015-03-31 model."""
    model = Loader().load_service_model("lambda", "service-2", "2015-03-31")
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


def test_integer_ranges_match_the_model(shapes: dict[str, Any]) -> None:
    """Every integer setting checks the model's min and max."""
    request = _members(shapes, "CreateEventSourceMappingRequest")
    for name, setting in SETTINGS.items():
        if setting.kind != "int":
            continue
        shape = shapes[request[setting.wire]["shape"]]
        assert setting.rules["range"] == (shape["min"], shape["max"]), name


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
