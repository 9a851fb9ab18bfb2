"""Loading the bundled scenario, and every kind of bad input reported with file, record and field."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from mapdata.model.errors import Problem, ScenarioError
from mapdata.model.load import DEFAULT_DATA_DIR, check_folder, load_scenario
from mapdata.model.models import Role, Scenario, Status, Verification
from mapdata.model.timeline import Timeline
from mapdata.model.validate import check_consistency
from mapdata.testing import (
    DELETE,
    append_csv_row,
    append_json_record,
    assert_problem,
    copy_scenario,
    csv_line_of,
    edit_csv_row,
    edit_json_record,
    find_problems,
    json_index_of,
    make_event,
    make_period,
    make_scenario,
    make_source,
    read_csv_rows,
    read_json,
    write_csv_rows,
    write_json,
)

D = dt.date
CSV = "control_periods.csv"
POSITIONS = ("qusayr_position_1", "qusayr_position_2", "qusayr_position_3")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return copy_scenario(tmp_path)


def problems_in(folder: Path) -> list[Problem]:
    problems = check_folder(folder)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    # load_scenario raises with exactly the problems check_folder finds, and lists each in its message
    assert caught.value.problems == tuple(problems)
    message = str(caught.value)
    assert message.startswith(f"{len(problems)} problem")
    for problem in problems:
        assert f"- {problem}" in message
    return problems


def record(folder: Path, file: str, kind: str, ident: str) -> str:
    """The record label a problem in ``file`` uses for the record with id ``ident``."""
    if file == CSV:
        return f"line {csv_line_of(folder, ident)} (id '{ident}')"
    return f"{kind} {json_index_of(folder, file, ident)} (id '{ident}')"


# -- the bundled scenario -------------------------------------------------------------------------


def test_bundled_scenario_has_no_problems() -> None:
    assert check_folder() == []
    assert check_folder(DEFAULT_DATA_DIR) == []


def test_bundled_scenario_contents(scenario: Scenario) -> None:
    assert len(scenario.places) == 11
    assert [f.id for f in scenario.forces] == [
        "russia",
        "iran",
        "hezbollah",
        "syrian_regime",
        "opposition",
        "israel",
        "turkey",
        "hts",
        "sdf",
        "isis",
        "us_coalition",
    ]
    assert scenario.title
    assert scenario.date_range == (D(2018, 5, 14), D(2018, 6, 30))
    assert set(scenario.basemap) >= {"countries", "syr_adm1", "lbn_adm1"}
    assert all(f.colour.startswith("#") and len(f.colour) == 7 for f in scenario.forces)


def test_every_quote_is_exactly_in_its_source(scenario: Scenario) -> None:
    assert scenario.events
    for event in scenario.events:
        source = scenario.source_by_id[event.source_id]
        assert source.text[event.quote_start : event.quote_end] == event.quote, event.id
        assert event.quote


def test_every_reference_resolves(scenario: Scenario) -> None:
    assert check_consistency(scenario) == []
    for period in scenario.periods:
        assert period.place_id in scenario.place_by_id
        assert period.force_id in scenario.force_by_id
        assert all(e in scenario.event_by_id for e in period.event_ids)


@pytest.mark.parametrize("place_id", POSITIONS)
def test_seed_positions_before_the_russian_deployment(scenario: Scenario, place_id: str) -> None:
    state = Timeline(scenario).state(place_id, D(2018, 6, 3))
    assert state.status is Status.CONTROL
    assert state.force == "hezbollah"
    assert state.forces_present == ("hezbollah", "syrian_regime")
    assert state.since is None  # the source does not date Hezbollah's hold


@pytest.mark.parametrize("place_id", POSITIONS)
def test_seed_positions_taken_by_russia(scenario: Scenario, place_id: str) -> None:
    state = Timeline(scenario).state(place_id, D(2018, 6, 4))
    assert state.status is Status.CONTESTED
    assert state.force == "russia"
    assert "hezbollah" in state.forces_present
    assert state.forces_present[0] == "russia"
    assert state.since == D(2018, 6, 4)
    assert {p.force_id for p in state.presence if p.role is Role.PRESENCE} >= {"hezbollah"}


@pytest.mark.parametrize("place_id", POSITIONS)
def test_seed_positions_handed_to_the_regime(scenario: Scenario, place_id: str) -> None:
    state = Timeline(scenario).state(place_id, D(2018, 6, 10))
    assert state.status is Status.CONTROL
    assert state.force == "syrian_regime"
    assert state.forces_present == ("syrian_regime",)
    assert state.since == D(2018, 6, 8)
    evidence = [ev.event.id for ev in Timeline(scenario).evidence(state)]
    assert "ev_division11_takeover" in evidence


def test_quds_day_date_is_corrected_and_explained(scenario: Scenario) -> None:
    event = scenario.event_by_id["ev_nasrallah_quds_day"]
    assert event.date == D(2018, 6, 8)
    assert event.date_as_written == "Friday June 5"
    assert "Tuesday" in event.date_note
    assert D(2018, 6, 5).strftime("%A") == "Tuesday" and event.date.strftime("%A") == "Friday"
    assert "Friday June 5" in event.quote


def test_sohr_claim_is_marked_unverified_by_enab_baladi(scenario: Scenario) -> None:
    (event,) = [e for e in scenario.events if "SOHR" in e.claimed_by]
    assert event.id == "ev_refuse_dabaa"
    assert event.verification is Verification.CLAIMED
    assert "SOHR" in event.claimed_by
    assert "Enab Baladi" in event.verification_note and "could not verify" in event.verification_note
    assert event.verification_label.startswith("claimed by Syrian Observatory for Human Rights (SOHR)")


# -- Problem and ScenarioError ----------------------------------------------------------------------


def test_problem_str_names_file_record_and_field() -> None:
    problem = Problem(CSV, "line 4 (id 'x')", "force_id", "unknown force id 'wagner'")
    assert str(problem) == "control_periods.csv, line 4 (id 'x'), field 'force_id': unknown force id 'wagner'"
    assert str(Problem("forces.json", "", "", "file is missing")) == "forces.json: file is missing"
    assert str(Problem("a.json", "line 2 column 3", "", "bad")) == "a.json, line 2 column 3: bad"


def test_scenario_error_lists_every_problem() -> None:
    problems = [Problem("a.json", "event 1", "date", "bad"), Problem("b.csv", "line 2", "", "worse")]
    error = ScenarioError(problems)
    assert error.problems == tuple(problems)
    assert (
        str(error) == "2 problems in the scenario data:\n- a.json, event 1, field 'date': bad\n- b.csv, line 2: worse"
    )
    assert str(ScenarioError(problems[:1])).startswith("1 problem in the scenario data:")


def test_untouched_copy_is_valid(folder: Path) -> None:
    assert check_folder(folder) == []
    assert len(load_scenario(folder).places) == 11


def test_missing_folder(tmp_path: Path) -> None:
    problems = problems_in(tmp_path / "nope")
    assert len(problems) == 1 and "does not exist" in problems[0].message


# -- malformed files ----------------------------------------------------------------------------------


def test_bad_json_names_file_line_and_column(folder: Path) -> None:
    (folder / "events.json").write_text('[\n  {\n    "id": "ev_x",\n    "date": 2018-06-01\n  }\n]\n', encoding="utf-8")
    problems = problems_in(folder)
    problem = assert_problem(problems, file="events.json", contains="not valid JSON")
    assert problem.record == "line 4 column 17"
    assert str(problem).startswith("events.json, line 4 column 17: is not valid JSON")


def test_json_of_the_wrong_shape(folder: Path) -> None:
    write_json(folder, "forces.json", {"russia": {}})
    assert_problem(problems_in(folder), file="forces.json", contains="must hold a JSON list")


def test_json_record_that_is_not_an_object(folder: Path) -> None:
    data = read_json(folder, "sources.json")
    write_json(folder, "sources.json", data + ["just a string"])
    problem = assert_problem(problems_in(folder), file="sources.json", contains="must be a JSON object")
    assert problem.record == "source 2"


def test_places_must_be_a_feature_collection(folder: Path) -> None:
    write_json(folder, "places.geojson", {"type": "Feature", "features": []})
    assert_problem(problems_in(folder), file="places.geojson", field="type", contains="FeatureCollection")


@pytest.mark.parametrize(
    ("file", "kind", "ident", "field"),
    [
        ("events.json", "event", "ev_sochi_meeting", "summary"),
        ("events.json", "event", "ev_sochi_meeting", "quote_end"),
        ("forces.json", "force", "israel", "colour"),
        ("sources.json", "source", "enab_baladi_2018_06_russia_iran", "text_file"),
        ("places.geojson", "feature", "homs", "name_en"),
        ("places.geojson", "feature", "homs", "geometry_source"),
    ],
)
def test_missing_required_field(folder: Path, file: str, kind: str, ident: str, field: str) -> None:
    where = record(folder, file, kind, ident)
    edit_json_record(folder, file, ident, **{field: DELETE})
    problems = problems_in(folder)
    problem = assert_problem(problems, file=file, record=where, field=field)
    assert problem.message == "is missing"
    assert str(problem) == f"{file}, {where}, field '{field}': is missing"


def test_empty_required_field(folder: Path) -> None:
    where = record(folder, "forces.json", "force", "israel")
    edit_json_record(folder, "forces.json", "israel", name="  ")
    problem = assert_problem(problems_in(folder), file="forces.json", record=where, field="name")
    assert problem.message == "is empty"


def test_missing_geometry(folder: Path) -> None:
    where = record(folder, "places.geojson", "feature", "homs")
    edit_json_record(folder, "places.geojson", "homs", geometry=None)
    problem = assert_problem(problems_in(folder), file="places.geojson", record=where, field="geometry")
    assert "missing" in problem.message


def test_missing_period_field(folder: Path) -> None:
    line = edit_csv_row(folder, "border_russia_presence", place_id="")
    problem = assert_problem(problems_in(folder), file=CSV, field="place_id")
    assert problem.record == f"line {line} (id 'border_russia_presence')"
    assert problem.message == "is empty"


def test_period_needs_supporting_evidence(folder: Path) -> None:
    line = edit_csv_row(folder, "border_russia_presence", event_ids="", source_ids="")
    problem = assert_problem(problems_in(folder), file=CSV, field="event_ids")
    assert problem.record == f"line {line} (id 'border_russia_presence')"
    assert "at least one" in problem.message


# -- references ------------------------------------------------------------------------------------------


def test_unknown_force_in_a_period(folder: Path) -> None:
    line = edit_csv_row(folder, "pos1_regime_control", force_id="wagner")
    problems = problems_in(folder)
    assert len(problems) == 1
    (problem,) = problems
    assert (problem.file, problem.record, problem.field) == (CSV, f"line {line} (id 'pos1_regime_control')", "force_id")
    assert (
        str(problem)
        == f"control_periods.csv, line {line} (id 'pos1_regime_control'), field 'force_id': unknown force id 'wagner'"
    )


def test_unknown_force_in_an_event(folder: Path) -> None:
    where = record(folder, "events.json", "event", "ev_russia_near_border")
    edit_json_record(folder, "events.json", "ev_russia_near_border", force_ids=["russia", "wagner"])
    problems = problems_in(folder)
    assert len(problems) == 1
    assert str(problems[0]) == f"events.json, {where}, field 'force_ids': unknown force id 'wagner'"


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("place_id", "atlantis", "unknown place id 'atlantis'"),
        ("event_ids", "ev_russia_near_border;ev_missing", "unknown event id 'ev_missing'"),
        ("source_ids", "no_such_source", "unknown source id 'no_such_source'"),
    ],
)
def test_unknown_references_in_a_period(folder: Path, column: str, value: str, expected: str) -> None:
    line = edit_csv_row(folder, "border_russia_presence", **{column: value})
    problem = assert_problem(problems_in(folder), file=CSV, field=column)
    assert problem.record == f"line {line} (id 'border_russia_presence')"
    assert problem.message == expected


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("place_ids", ["sochi", "atlantis"], "unknown place id 'atlantis'"),
        ("source_id", "no_such_source", "unknown source id 'no_such_source'"),
    ],
)
def test_unknown_references_in_an_event(folder: Path, field: str, value: object, expected: str) -> None:
    where = record(folder, "events.json", "event", "ev_sochi_meeting")
    edit_json_record(folder, "events.json", "ev_sochi_meeting", **{field: value})
    problem = assert_problem(problems_in(folder), file="events.json", field=field)
    assert problem.record == where and problem.message == expected


# -- geometry ----------------------------------------------------------------------------------------------


BOWTIE = {"type": "Polygon", "coordinates": [[[36.0, 34.0], [36.5, 34.5], [36.5, 34.0], [36.0, 34.5], [36.0, 34.0]]]}


def test_self_intersecting_polygon(folder: Path) -> None:
    where = record(folder, "places.geojson", "feature", "western_homs_countryside")
    edit_json_record(folder, "places.geojson", "western_homs_countryside", geometry=BOWTIE)
    problems = problems_in(folder)
    problem = assert_problem(problems, file="places.geojson", field="geometry")
    assert "invalid" in problem.message.lower()
    assert "self-intersection" in problem.message.lower()
    assert problem.record == where == "feature 7 (id 'western_homs_countryside')"
    assert "places.geojson" in str(problem) and "western_homs_countryside" in str(problem)
    assert "field 'geometry'" in str(problem)


@pytest.mark.parametrize(
    "geometry",
    [
        # Vladivostok written [lat, lon]: latitude 131.9 is impossible
        {"type": "Point", "coordinates": [43.11, 131.89]},
        {"type": "LineString", "coordinates": [[-33.86, 151.2], [-33.9, 151.3]]},
        {"type": "Polygon", "coordinates": [[[10.0, 100.0], [10.5, 100.0], [10.5, 100.5], [10.0, 100.0]]]},
    ],
)
def test_coordinates_in_lat_lon_order_out_of_range(folder: Path, geometry: dict) -> None:
    where = record(folder, "places.geojson", "feature", "homs")
    edit_json_record(folder, "places.geojson", "homs", geometry=geometry)
    problem = assert_problem(problems_in(folder), file="places.geojson", record=where, field="geometry")
    assert "outside" in problem.message and "[lon, lat]" in problem.message


@pytest.mark.parametrize(
    ("geometry", "contains"),
    [
        ({"type": "GeometryCollection", "geometries": []}, "is not one of"),
        ({"type": "Point", "coordinates": []}, "empty"),
        ({"type": "Polygon", "coordinates": []}, "empty"),
        ({"type": "LineString", "coordinates": [[36.0]]}, "malformed"),
        ("POINT (36 34)", "GeoJSON geometry object"),
    ],
)
def test_other_bad_geometries(folder: Path, geometry: object, contains: str) -> None:
    where = record(folder, "places.geojson", "feature", "homs")
    edit_json_record(folder, "places.geojson", "homs", geometry=geometry)
    problem = assert_problem(problems_in(folder), file="places.geojson", record=where, field="geometry")
    assert contains in problem.message


def test_feature_id_must_match_properties_id(folder: Path) -> None:
    data = read_json(folder, "places.geojson")
    data["features"][5]["id"] = "not_homs"
    write_json(folder, "places.geojson", data)
    problem = assert_problem(problems_in(folder), file="places.geojson", field="id")
    assert problem.record == "feature 6 (id 'homs')"
    assert "not_homs" in problem.message


# -- periods ------------------------------------------------------------------------------------------------


def _row(ident: str, place: str, force: str, role: str, start: str, end: str) -> dict[str, str]:
    return dict(
        id=ident,
        place_id=place,
        force_id=force,
        role=role,
        start=start,
        end=end,
        event_ids="ev_russia_deploys_qusayr",
        source_ids="",
        note="test row",
    )


def test_two_forces_controlling_the_same_place_the_same_day(folder: Path) -> None:
    line = append_csv_row(
        folder, _row("pos1_russia_control", "qusayr_position_1", "russia", "control", "2018-06-01", "2018-06-02")
    )
    problems = problems_in(folder)
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.file, problem.record, problem.field) == (CSV, f"line {line} (id 'pos1_russia_control')", "start")
    assert "overlaps" in problem.message and "pos1_hezbollah_control" in problem.message
    assert "control of Russian forces at Position 1 near al-Qusayr" in problem.message  # in words, not ids
    assert "control of Hezbollah there" in problem.message and "one holder at a time" in problem.message
    assert str(problem).startswith(f"control_periods.csv, line {line} (id 'pos1_russia_control'), field 'start': ")


def test_contested_overlapping_control_is_reported(folder: Path) -> None:
    # contested and control are both "holding": they may not overlap either
    append_csv_row(folder, _row("pos2_iran_contested", "qusayr_position_2", "iran", "contested", "2018-06-09", ""))
    problem = assert_problem(problems_in(folder), file=CSV, field="start", contains="overlaps")
    assert "pos2_iran_contested" in problem.record and "pos2_regime_control" in problem.message


def _earlier(message: str) -> str:
    """The id of the earlier period an overlap message names ("... (periods 'a' and 'b')")."""
    return message.rsplit("(periods ", 1)[1].split(" and ")[0]


def test_overlap_on_a_single_shared_day(folder: Path) -> None:
    # pos3_russia_contested ends 2018-06-07; a control period from that very day overlaps
    append_csv_row(folder, _row("pos3_x", "qusayr_position_3", "iran", "control", "2018-06-07", "2018-06-07"))
    problems = problems_in(folder)
    assert {_earlier(p.message) for p in problems} == {"'pos3_russia_contested'"}


def test_adjacent_holding_periods_do_not_overlap(folder: Path) -> None:
    # the bundled data hands over on consecutive days (06-03 / 06-04, 06-07 / 06-08)
    append_csv_row(folder, _row("homs_a", "homs", "iran", "control", "2018-06-01", "2018-06-05"))
    append_csv_row(folder, _row("homs_b", "homs", "russia", "contested", "2018-06-06", ""))
    append_csv_row(folder, _row("homs_c", "homs", "hezbollah", "presence", "2018-06-01", ""))
    assert check_folder(folder) == []


def test_overlapping_presence_of_the_same_force(folder: Path) -> None:
    line = append_csv_row(
        folder,
        _row("pos1_hezbollah_presence_2", "qusayr_position_1", "hezbollah", "presence", "2018-06-06", "2018-06-20"),
    )
    problems = problems_in(folder)
    assert len(problems) == 1
    problem = problems[0]
    assert problem.record == f"line {line} (id 'pos1_hezbollah_presence_2')"
    assert "presence of Hezbollah at Position 1" in problem.message and "pos1_hezbollah_presence" in problem.message


def test_presence_of_different_forces_may_overlap(folder: Path) -> None:
    append_csv_row(folder, _row("pos1_iran_presence", "qusayr_position_1", "iran", "presence", "", ""))
    assert check_folder(folder) == []


def test_end_before_start(folder: Path) -> None:
    line = edit_csv_row(folder, "pos1_russia_contested", end="2018-06-01")
    problems = problems_in(folder)
    assert len(problems) == 1  # no overlap noise from the reversed period
    assert str(problems[0]) == (
        f"control_periods.csv, line {line} (id 'pos1_russia_contested'), field 'end': 2018-06-01 is before start 2018-06-04"
    )


@pytest.mark.parametrize(
    ("column", "value", "contains"),
    [
        ("start", "4 June 2018", "is not a date"),
        ("end", "2018-06-31", "is not a date"),
        ("role", "owns", "is not one of"),
        ("id", "Pos 1", "not a valid id"),
    ],
)
def test_bad_values_in_a_period(folder: Path, column: str, value: str, contains: str) -> None:
    line = edit_csv_row(folder, "border_russia_presence", **{column: value})
    problem = assert_problem(problems_in(folder), file=CSV, field=column)
    assert problem.record.startswith(f"line {line}")
    assert contains in problem.message


def test_row_with_too_many_values(folder: Path) -> None:
    path = folder / CSV
    path.write_text(
        path.read_text(encoding="utf-8") + "extra,homs,iran,presence,,,ev_refuse_dabaa,,note,surplus\n",
        encoding="utf-8",
    )
    line = len(path.read_text(encoding="utf-8").splitlines())
    problem = assert_problem(problems_in(folder), file=CSV, contains="more values")
    assert problem.record == f"line {line}"


def test_multi_line_note_keeps_its_line_break_and_rows_keep_their_line_numbers(folder: Path) -> None:
    edit_csv_row(folder, "pos1_regime_presence", note="first line\nsecond line")
    assert check_folder(folder) == []
    period = next(p for p in load_scenario(folder).periods if p.id == "pos1_regime_presence")
    assert period.note == "first line\nsecond line"
    # the row after the two-line row starts on line 5 of the file: problems must say so
    edit_csv_row(folder, "pos1_russia_contested", force_id="wagner")
    lines = (folder / CSV).read_text(encoding="utf-8").splitlines()
    assert lines[4].startswith("pos1_russia_contested,")
    problem = assert_problem(problems_in(folder), file=CSV, field="force_id")
    assert problem.record == "line 5 (id 'pos1_russia_contested')"


# -- duplicates, quotes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file", "kind", "ident"),
    [
        ("forces.json", "force", "iran"),
        ("places.geojson", "feature", "homs"),
        ("sources.json", "source", "enab_baladi_2018_06_russia_iran"),
        ("events.json", "event", "ev_sochi_meeting"),
    ],
)
def test_duplicate_ids_in_json(folder: Path, file: str, kind: str, ident: str) -> None:
    data = read_json(folder, file)
    records = data["features"] if file == "places.geojson" else data
    original = next(r for r in records if (r["properties"]["id"] if file == "places.geojson" else r["id"]) == ident)
    position = append_json_record(folder, file, original)
    problems = problems_in(folder)
    assert len(problems) == 1
    assert str(problems[0]) == f"{file}, {kind} {position} (id '{ident}'), field 'id': duplicate id '{ident}'"


def test_duplicate_ids_in_csv(folder: Path) -> None:
    line = append_csv_row(folder, _row("pos1_hezbollah_control", "homs", "iran", "presence", "", ""))
    problems = problems_in(folder)
    assert [str(p) for p in problems] == [
        f"control_periods.csv, line {line} (id 'pos1_hezbollah_control'), field 'id': duplicate id 'pos1_hezbollah_control'"
    ]


def test_quote_offsets_do_not_match(folder: Path) -> None:
    where = record(folder, "events.json", "event", "ev_russia_deploys_qusayr")
    edit_json_record(folder, "events.json", "ev_russia_deploys_qusayr", quote_start=1418, quote_end=1540)
    problems = problems_in(folder)
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.file, problem.record, problem.field) == ("events.json", where, "quote")
    assert "does not match" in problem.message and "1418..1540" in problem.message
    assert "(the quote is at 1417..1539)" in problem.message


def test_quote_not_in_the_text(folder: Path) -> None:
    edit_json_record(
        folder, "events.json", "ev_russia_deploys_qusayr", quote="it spread tanks in the area of al-Qusayr"
    )
    problem = assert_problem(problems_in(folder), file="events.json", field="quote")
    assert "not in the text" in problem.message


@pytest.mark.parametrize(("start", "end"), [(-1, 10), (10, 10), (20, 10), (0, 10**6)])
def test_quote_offsets_out_of_range(folder: Path, start: int, end: int) -> None:
    edit_json_record(folder, "events.json", "ev_sochi_meeting", quote_start=start, quote_end=end)
    problem = assert_problem(problems_in(folder), file="events.json", field="quote_start")
    assert f"{start}..{end}" in problem.message and "outside" in problem.message


def test_quote_offsets_must_be_whole_numbers(folder: Path) -> None:
    edit_json_record(folder, "events.json", "ev_sochi_meeting", quote_start="588")
    problem = assert_problem(problems_in(folder), file="events.json", field="quote_start")
    assert "whole number" in problem.message


def test_claimed_needs_claimed_by(folder: Path) -> None:
    where = record(folder, "events.json", "event", "ev_refuse_dabaa")
    edit_json_record(folder, "events.json", "ev_refuse_dabaa", claimed_by=DELETE)
    assert_problem(problems_in(folder), file="events.json", record=where, field="claimed_by", contains="missing")


# -- encodings and missing files ---------------------------------------------------------------------------


def test_non_utf8_json(folder: Path) -> None:
    path = folder / "forces.json"
    path.write_bytes(path.read_bytes().replace(b"Israel Defense Forces", "Isra\u00ebl".encode("latin-1")))
    offset = path.read_bytes().index(b"\xeb")
    problem = assert_problem(problems_in(folder), file="forces.json", contains="UTF-8")
    assert problem.record == f"byte {offset}"
    assert str(problem) == f"forces.json, byte {offset}: is not UTF-8 text"


def test_non_utf8_csv(folder: Path) -> None:
    path = folder / CSV
    path.write_bytes(path.read_bytes() + "x,homs,iran,presence,,,ev_refuse_dabaa,,caf\u00e9\n".encode("cp1252"))
    assert_problem(problems_in(folder), file=CSV, contains="not UTF-8")


def test_non_utf8_source_text(folder: Path) -> None:
    path = folder / "sources" / "enab_baladi_2018_06_russia_iran.txt"
    path.write_bytes(path.read_bytes() + b"\n\xff\xfe")
    where = record(folder, "sources.json", "source", "enab_baladi_2018_06_russia_iran")
    problem = assert_problem(problems_in(folder), file="sources.json", record=where, field="text_file")
    assert "not UTF-8" in problem.message


@pytest.mark.parametrize("name", ["forces.json", "places.geojson", "sources.json", "events.json", CSV])
def test_missing_file(folder: Path, name: str) -> None:
    (folder / name).unlink()
    problem = assert_problem(problems_in(folder), file=name, contains="file is missing")
    assert str(problem) == f"{name}: file is missing"


def test_scenario_json_is_optional(folder: Path) -> None:
    (folder / "scenario.json").unlink()
    scenario = load_scenario(folder)
    assert scenario.title == folder.name


def test_missing_source_text_file(folder: Path) -> None:
    (folder / "sources" / "enab_baladi_2018_06_russia_iran.txt").unlink()
    problem = assert_problem(problems_in(folder), file="sources.json", field="text_file")
    assert "does not exist" in problem.message


def test_source_text_outside_the_folder(folder: Path) -> None:
    edit_json_record(folder, "sources.json", "enab_baladi_2018_06_russia_iran", text_file="../../etc/passwd")
    problem = assert_problem(problems_in(folder), file="sources.json", field="text_file")
    assert "inside the scenario folder" in problem.message


@pytest.mark.parametrize("column", ["role", "end", "note"])
def test_csv_missing_column(folder: Path, column: str) -> None:
    header, rows = read_csv_rows(folder)
    write_csv_rows(folder, rows, columns=[c for c in header if c != column])
    problems = problems_in(folder)
    problem = assert_problem(problems, file=CSV, contains="column missing")
    assert (problem.record, problem.field) == ("line 1 (header)", column)
    assert str(problem) == f"control_periods.csv, line 1 (header), field '{column}': column missing"


def test_scenario_json_bad_view(folder: Path) -> None:
    data = read_json(folder, "scenario.json")
    data["view"] = {"center": [136.6, 34.6], "zoom": 40}
    write_json(folder, "scenario.json", data)
    problems = problems_in(folder)
    assert_problem(problems, file="scenario.json", field="view.center")
    assert_problem(problems, file="scenario.json", field="view.zoom")


# -- everything at once ------------------------------------------------------------------------------------


def test_several_problems_are_all_reported(folder: Path) -> None:
    edit_json_record(folder, "forces.json", "israel", colour="blue")
    edit_json_record(folder, "events.json", "ev_sochi_meeting", date="17 May 2018")
    edit_json_record(folder, "events.json", "ev_nasrallah_quds_day", force_ids=["hezbollah", "quds_force"])
    edit_json_record(folder, "places.geojson", "southern_syria", geometry=BOWTIE)
    line_role = edit_csv_row(folder, "border_russia_presence", role="owns")
    line_end = edit_csv_row(folder, "pos2_russia_contested", end="2018-06-01")
    line_overlap = append_csv_row(
        folder, _row("pos3_iran_control", "qusayr_position_3", "iran", "control", "2018-06-20", "")
    )

    problems = problems_in(folder)
    expected = [
        ("forces.json", "force 6 (id 'israel')", "colour"),
        ("events.json", "event 1 (id 'ev_sochi_meeting')", "date"),
        ("events.json", "event 7 (id 'ev_nasrallah_quds_day')", "force_ids"),
        ("places.geojson", "feature 10 (id 'southern_syria')", "geometry"),
        (CSV, f"line {line_role} (id 'border_russia_presence')", "role"),
        (CSV, f"line {line_end} (id 'pos2_russia_contested')", "end"),
        (CSV, f"line {line_overlap} (id 'pos3_iran_control')", "start"),
    ]
    for file, where, field in expected:
        assert find_problems(problems, file=file, record=where, field=field), (
            file,
            where,
            field,
            [str(p) for p in problems],
        )
    assert len({p.file for p in problems}) == 4
    with pytest.raises(ScenarioError) as caught:
        load_scenario(folder)
    text = str(caught.value)
    for file, where, field in expected:
        assert f"{file}, {where}, field '{field}'" in text


# -- check_consistency on in-memory scenarios ---------------------------------------------------------------


def test_check_consistency_in_memory_uses_kind_and_id() -> None:
    source = make_source(text="They came.")
    scenario = make_scenario(
        [
            make_period("p1", "town", "red", "control", "2020-01-05", "2020-01-01"),
            make_period("p2", "town", "blue", "control", None, None, source_ids=["nope"]),
        ],
        forces=["red", "blue"],
        places=["town"],
        sources=[source],
        events=[make_event("e1", "2020-01-01", ["town"], ["green"], source=source)],
    )
    problems = {str(p) for p in check_consistency(scenario)}
    assert problems == {
        "event, id 'e1', field 'force_ids': unknown force id 'green'",
        "period, id 'p1', field 'end': 2020-01-01 is before start 2020-01-05",
        "period, id 'p2', field 'source_ids': unknown source id 'nope'",
    }


def test_check_consistency_reports_overlap_once_per_pair() -> None:
    scenario = make_scenario(
        [
            make_period("a", "town", "red", "control", None, None),
            make_period("b", "town", "blue", "contested", "2020-01-01", "2020-01-01"),
            make_period("c", "town", "green", "control", "2020-02-01", None),
        ],
    )
    problems = check_consistency(scenario)
    pairs = sorted((p.record, _earlier(p.message)) for p in problems)
    assert pairs == [("id 'b'", "'a'"), ("id 'c'", "'a'")]
    assert all(p.field == "start" and p.file == "period" for p in problems)


def test_json_files_round_trip_through_helpers(folder: Path) -> None:
    # sanity of the helpers themselves: an edit lands where it is asked to, nowhere else
    before = read_json(folder, "events.json")
    edit_json_record(folder, "events.json", "ev_sochi_meeting", kind="summit")
    after = read_json(folder, "events.json")
    assert after[0]["kind"] == "summit"
    assert after[1:] == before[1:]
    assert json.dumps(after[0] | {"kind": before[0]["kind"]}, sort_keys=True) == json.dumps(before[0], sort_keys=True)


def test_csv_with_windows_line_endings_and_a_bom(folder: Path) -> None:
    path = folder / CSV
    path.write_bytes(b"\xef\xbb\xbf" + path.read_text(encoding="utf-8").replace("\n", "\r\n").encode("utf-8"))
    assert check_folder(folder) == []
    edit_line = csv_line_of(folder, "pos1_russia_contested")
    text = (
        path.read_bytes()
        .decode("utf-8-sig")
        .replace("pos1_russia_contested,qusayr_position_1,russia", "pos1_russia_contested,qusayr_position_1,wagner")
    )
    path.write_bytes(text.encode("utf-8"))
    problem = assert_problem(problems_in(folder), file=CSV, field="force_id")
    assert problem.record == f"line {edit_line} (id 'pos1_russia_contested')" == "line 4 (id 'pos1_russia_contested')"


@pytest.mark.parametrize("separator", ["\u2028", "\x85", "\x0c"])
def test_unusual_line_separators_inside_a_csv_field_do_not_split_the_row(folder: Path, separator: str) -> None:
    # str.splitlines() treats these as line breaks; the csv format does not
    edit_csv_row(folder, "pos1_regime_presence", note=f"before{separator}after")
    assert check_folder(folder) == []
    period = next(p for p in load_scenario(folder).periods if p.id == "pos1_regime_presence")
    assert period.note == f"before{separator}after"


def test_loading_and_the_store_apply_one_set_of_record_rules(folder: Path) -> None:
    """'a period needs an event or a source' and 'claimed needs claimed_by' live in model.records only:
    a scenario folder and a record written to a store get the same words."""
    from mapdata.model.models import ControlPeriod, Event, Role, Verification
    from mapdata.model.records import record_problems

    edit_csv_row(folder, "pos1_regime_presence", event_ids="", source_ids="")
    edit_json_record(folder, "events.json", "ev_sochi_meeting", verification="claimed", claimed_by=DELETE)
    from_folder = {(p.field, p.message) for p in problems_in(folder)}
    period = ControlPeriod(id="p", place_id="x", force_id="y", role=Role.CONTROL)
    event = next(e for e in load_scenario().events if e.id == "ev_sochi_meeting")
    claimed = Event(
        **{
            **{f: getattr(event, f) for f in event.__dataclass_fields__},
            "verification": Verification.CLAIMED,
            "claimed_by": "",
        }
    )
    from_records = {(p.field, p.message) for p in record_problems(period) + record_problems(claimed)}
    assert from_records <= from_folder
    assert {field for field, _ in from_records} == {"event_ids", "claimed_by"}


def test_the_map_draws_only_the_forces_with_periods(scenario: Scenario) -> None:
    """Forces named for the parser but not yet reported anywhere get no layer, toggle or legend entry."""
    assert [f.id for f in scenario.mapped_forces] == [
        "russia",
        "iran",
        "hezbollah",
        "syrian_regime",
        "opposition",
    ]  # Israel is named in the seed but holds nothing there
    turkish = dataclasses.replace(scenario.periods[0], id="p_turkey", force_id="turkey")
    assert "turkey" in {f.id for f in dataclasses.replace(scenario, periods=(*scenario.periods, turkish)).mapped_forces}
