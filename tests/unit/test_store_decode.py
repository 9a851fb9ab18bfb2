"""The store's fast read path gives the same records as the plain one, and refuses what that one refuses."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, strategies as st

from mapdata.model.models import Role
from mapdata.model.records import FIELDS, from_values, record_reader
from mapdata.store.gpkg import _json_list


@given(st.lists(st.text(max_size=12), max_size=6))
def test_stored_lists_decode_as_json_does(items: list[str]) -> None:
    for text in (json.dumps(items, ensure_ascii=False), json.dumps(items), json.dumps(items, separators=(",", ":"))):
        assert _json_list(text) == json.loads(text)


@pytest.mark.parametrize("text", ['["a", "b"]', '["a","b"]', '["a\\", \\"b"]', '["a, b", "c"]', "[1, 2]", "[]", '[""]'])
def test_awkward_lists(text: str) -> None:
    assert _json_list(text) == json.loads(text)


def _decode(type_: str, value: object) -> object:
    import datetime as dt

    if type_ == "list":
        return json.loads(value)  # type: ignore[arg-type]
    if type_ == "date":
        return dt.date.fromisoformat(value)  # type: ignore[arg-type]
    return value


def test_reader_matches_from_values_and_shares_nothing_mutable() -> None:
    read = record_reader("period", _decode)
    columns = ["p1", "russia", "control", "2018-06-04", None, '["e1"]', "[]", None]
    assert [f.name for f in FIELDS["period"]] == [
        "place_id",
        "force_id",
        "role",
        "start",
        "end",
        "event_ids",
        "source_ids",
        "note",
    ]
    record = read("x1", columns)
    plain = {
        f.name: _decode(f.type, v) if v is not None else None for f, v in zip(FIELDS["period"], columns, strict=True)
    }
    assert record == from_values("period", "x1", plain)
    assert record.role is Role.CONTROL and record.event_ids == ("e1",) and record.note == ""
    again = read("x2", columns)
    assert again.event_ids == ("e1",) and again.start == record.start


def test_reader_refuses_an_unknown_role() -> None:
    read = record_reader("period", _decode)
    with pytest.raises((KeyError, ValueError)):
        read("x1", ["p1", "russia", "ruling", "2018-06-04", None, "[]", "[]", None])
