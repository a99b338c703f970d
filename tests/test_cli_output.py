"""The command line's output formats (``lambda_es._cli_output``), one format at a time."""

from __future__ import annotations

import json

import pytest

from lambda_es._cli_output import render


def test_json_keeps_the_order_and_non_ascii_text() -> None:
    """json is the data as it is, indented, members in their order, text not escaped."""
    assert render({"b": 1, "a": "é"}, "json", title="T") == '{\n  "b": 1,\n  "a": "é"\n}\n'
    assert json.loads(render(None, "json", title="T")) is None


def test_text_follows_the_aws_cli_rules() -> None:
    """text: a dict's scalars on one tab-separated line, sorted by name; each list or dict member
    after it under its name in capitals; records of a list share their columns (a missing one
    empty); a bare list of scalars on one line; None as None."""
    data = {
        "Zed": "last",
        "Alpha": 1,
        "Items": [{"B": 2, "A": 1}, {"A": 3, "C": True}],
        "Tags": ["x", "y"],
        "Nested": {"K": None},
    }
    assert render(data, "text", title="T").splitlines() == [
        "1\tlast",
        "ITEMS\t1\t2\t",
        "ITEMS\t3\t\tTrue",
        "NESTED\tNone",
        "TAGS\tx",
        "TAGS\ty",
    ]
    assert render(["a", 1, None], "text", title="T") == "a\t1\tNone\n"
    assert render([["a", 1], ["b", 2]], "text", title="T") == "a\t1\nb\t2\n"
    assert render({"Empty": []}, "text", title="T") == ""
    assert render("one\nline", "text", title="T") == "one\\nline\n"


def test_table_draws_a_box_per_record_with_nested_boxes_inside() -> None:
    """table: a titled box; a dict's scalars as name/value rows; a list of flat records as one
    table with a column per member; nested members as boxes inside their parent's borders;
    every line the same width."""
    data = {"UUID": "u-1", "BatchSize": 10, "Filters": [{"Pattern": "{}"}, {"Pattern": "[]"}]}
    lines = render(data, "table", title="GetEventSourceMapping").splitlines()
    assert lines == [
        "---------------------------",
        "|  GetEventSourceMapping  |",
        "+-------------+-----------+",
        "|  BatchSize  |  10       |",
        "|  UUID       |  u-1      |",
        "+-------------+-----------+",
        "||        Filters        ||",
        "|+-----------------------+|",
        "||  Pattern              ||",
        "|+-----------------------+|",
        "||  {}                   ||",
        "||  []                   ||",
        "|+-----------------------+|",
    ]
    records = [{"A": 1, "Nested": {"B": 2}}, {"A": 3}]
    lines = render(records, "table", title="T").splitlines()
    assert len({len(line) for line in lines}) == 1
    assert sum(1 for line in lines if line.strip("|").strip() == "T") == 3  # the list, 2 records
    assert any(line.strip("|").strip() == "Nested" for line in lines)


def test_an_unknown_format_is_refused() -> None:
    """Only json, table and text exist."""
    with pytest.raises(ValueError, match="yaml"):
        render({}, "yaml", title="T")
