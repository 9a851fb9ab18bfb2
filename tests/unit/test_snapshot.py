"""snapshot_geojson / snapshot_csv: the state of every place on one date."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
import shapely
from shapely.geometry import shape

from mapdata.exchange.snapshot import CSV_COLUMNS, snapshot_csv, snapshot_geojson
from mapdata.model.load import load_scenario
from mapdata.model.models import Role, Scenario
from mapdata.model.timeline import Timeline
from mapdata.testing import make_event, make_period, make_place, make_scenario, make_source

SCENARIO: Scenario = load_scenario()
PLACE_IDS = [p.id for p in SCENARIO.places]
POSITIONS = ("qusayr_position_1", "qusayr_position_2", "qusayr_position_3")
DAYS = (dt.date(2018, 6, 3), dt.date(2018, 6, 4), dt.date(2018, 6, 10))
REQUIRED = {"place_id", "name", "holder", "on_date", "status", "forces_present", "since", "sources"}

# (force, status, forces_present, since) of the three positions on each day
EXPECTED = {
    dt.date(2018, 6, 3): ("hezbollah", "control", ["hezbollah", "syrian_regime"], None),
    dt.date(2018, 6, 4): ("russia", "contested", ["russia", "hezbollah", "syrian_regime"], "2018-06-04"),
    dt.date(2018, 6, 10): ("syrian_regime", "control", ["syrian_regime"], "2018-06-08"),
}


def by_place(collection: dict) -> dict[str, dict]:
    return {f["properties"]["place_id"]: f for f in collection["features"]}


@pytest.mark.parametrize("day", DAYS)
def test_one_feature_per_place_with_the_documented_properties(day: dt.date) -> None:
    collection = snapshot_geojson(SCENARIO, day)
    assert collection["type"] == "FeatureCollection"
    assert collection["date"] == day.isoformat()
    features = collection["features"]
    assert [f["properties"]["place_id"] for f in features] == PLACE_IDS
    for feature in features:
        props = feature["properties"]
        assert feature["type"] == "Feature" and feature["id"] == props["place_id"]
        assert REQUIRED <= set(props)
        place = SCENARIO.place_by_id[props["place_id"]]
        assert props["name"] == place.name_en
        assert props["status"] in {"control", "contested", "presence", "unknown"}
        assert isinstance(props["forces_present"], list)
        assert all(f in SCENARIO.force_by_id for f in props["forces_present"])
        if props["holder"] is not None:
            assert props["status"] in {"control", "contested"}
            assert props["forces_present"][0] == props["holder"]
        assert props["since"] is None or dt.date.fromisoformat(props["since"]) <= day
        assert shape(feature["geometry"]).equals(place.geometry)
        for source in props["sources"]:
            assert source["publisher"] == "Enab Baladi"
            assert source["quote"] and isinstance(source["quote"], str)
            event = SCENARIO.event_by_id[source["event_id"]]
            assert source["quote"] == event.quote
            assert source["source_id"] == event.source_id


@pytest.mark.parametrize("day", DAYS)
@pytest.mark.parametrize("place_id", POSITIONS)
def test_positions_force_and_status(day: dt.date, place_id: str) -> None:
    props = by_place(snapshot_geojson(SCENARIO, day))[place_id]["properties"]
    force, status, present, since = EXPECTED[day]
    assert props["holder"] == force
    assert props["status"] == status
    assert props["forces_present"] == present
    assert props["since"] == since
    assert props["on_date"] == day.isoformat()
    # every position's state is backed by a quote, except before the first one is dated (as of the day)
    assert bool(props["sources"]) == (day >= dt.date(2018, 6, 4))
    assert all("Division 11" in s["quote"] or "three positions" in s["quote"] for s in props["sources"])


def test_geojson_is_json_serialisable_and_valid() -> None:
    text = json.dumps(snapshot_geojson(SCENARIO, DAYS[1]), ensure_ascii=False)
    back = json.loads(text)
    assert len(back["features"]) == 11
    for feature in back["features"]:
        geometry = shape(feature["geometry"])
        assert geometry.is_valid and not geometry.is_empty


def test_places_without_periods_are_unknown_with_event_evidence() -> None:
    features = by_place(snapshot_geojson(SCENARIO, dt.date(2018, 6, 10)))
    homs = features["homs"]["properties"]
    assert (homs["holder"], homs["status"], homs["forces_present"], homs["since"]) == (None, "unknown", [], None)
    sochi = features["sochi"]["properties"]
    assert sochi["status"] == "unknown"
    assert [s["event_id"] for s in sochi["sources"]] == ["ev_sochi_meeting"]
    # before the meeting, nothing is known about Sochi yet
    early = by_place(snapshot_geojson(SCENARIO, dt.date(2018, 5, 14)))["sochi"]["properties"]
    assert early["sources"] == []


def test_presence_only_place() -> None:
    props = by_place(snapshot_geojson(SCENARIO, dt.date(2018, 6, 4)))["al_qusayr"]["properties"]
    assert props["holder"] is None and props["status"] == "presence"
    assert props["forces_present"] == ["hezbollah", "russia"]
    assert props["since"] is None  # Hezbollah's presence has no start date


def test_forces_filter() -> None:
    day = dt.date(2018, 6, 4)
    russia = by_place(snapshot_geojson(SCENARIO, day, forces=["russia"]))
    assert set(russia) == {"al_qusayr", *POSITIONS, "lebanese_border"}
    iran = by_place(snapshot_geojson(SCENARIO, day, forces=("iran",)))
    assert set(iran) == {
        "al_dabaa_airport",
        "western_homs_countryside",
        "southwestern_homs_countryside",
        "southern_syria",
    }
    both = by_place(snapshot_geojson(SCENARIO, day, forces={"iran", "russia"}))
    assert set(both) == set(russia) | set(iran)
    assert snapshot_geojson(SCENARIO, day, forces=[])["features"] == []
    assert snapshot_geojson(SCENARIO, day, forces=["israel"])["features"] == []
    # a filter keeps the full state of each place, not only the filtered force
    assert russia["qusayr_position_1"]["properties"]["forces_present"] == ["russia", "hezbollah", "syrian_regime"]


def test_forces_filter_includes_present_not_only_holding() -> None:
    day = dt.date(2018, 6, 3)
    regime = by_place(snapshot_geojson(SCENARIO, day, forces=["syrian_regime"]))
    assert set(regime) == set(POSITIONS)
    assert all(f["properties"]["holder"] == "hezbollah" for f in regime.values())
    # on 2018-06-10 Russia has left everything
    assert snapshot_geojson(SCENARIO, dt.date(2018, 6, 10), forces=["russia"])["features"] == []


# -- CSV -------------------------------------------------------------------------------------------------


def parse_csv(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return list(reader.fieldnames or []), list(reader)


def test_csv_columns_are_documented() -> None:
    assert CSV_COLUMNS == (
        "place_id",
        "name",
        "name_ar",
        "kind",
        "on_date",
        "status",
        "holder",
        "forces_present",
        "since",
        "uncertainty_m",
        "sources",
        "lat",
        "lon",
        "wkt",
    )


def test_snapshot_and_export_share_one_row_schema() -> None:
    """A snapshot row's columns are the export's, under the same names: the place's, then its state on the day."""
    from mapdata.exchange.columns import COLUMNS, OUTPUT_ONLY, STATE_COLUMNS
    from mapdata.exchange.export import export_rows

    assert set(CSV_COLUMNS) - {"sources"} <= set(COLUMNS) | set(OUTPUT_ONLY)
    day = dt.date(2018, 6, 4)
    exported = {props["place_id"]: props for props, _ in export_rows(SCENARIO, day=day)}
    snapshot = {f["properties"]["place_id"]: f["properties"] for f in snapshot_geojson(SCENARIO, day)["features"]}
    for place_id, props in exported.items():
        assert {c: props[c] for c in STATE_COLUMNS} == {c: snapshot[place_id][c] for c in STATE_COLUMNS}, place_id


@pytest.mark.parametrize("day", DAYS)
def test_csv_parses_back_and_matches_geojson(day: dt.date) -> None:
    header, rows = parse_csv(snapshot_csv(SCENARIO, day))
    assert header == list(CSV_COLUMNS)
    assert [r["place_id"] for r in rows] == PLACE_IDS
    features = by_place(snapshot_geojson(SCENARIO, day))
    for row in rows:
        props = features[row["place_id"]]["properties"]
        place = SCENARIO.place_by_id[row["place_id"]]
        assert row["name"] == place.name_en and row["name_ar"] == place.name_ar
        assert row["kind"] == place.kind.value
        assert row["holder"] == (props["holder"] or "")
        assert row["status"] == props["status"]
        assert row["forces_present"] == ";".join(props["forces_present"])
        assert row["since"] == (props["since"] or "")
        assert json.loads(row["sources"]) == props["sources"]
        assert shapely.from_wkt(row["wkt"]).equals(place.geometry)
        lat, lon = float(row["lat"]), float(row["lon"])
        assert (lat, lon) == pytest.approx(place.anchor, abs=1e-6)
        assert place.geometry.buffer(1e-5).contains(shapely.Point(lon, lat))
        expected_uncertainty = "" if place.uncertainty_m is None else place.uncertainty_m
        assert (float(row["uncertainty_m"]) if row["uncertainty_m"] else "") == expected_uncertainty


@pytest.mark.parametrize("day", DAYS)
def test_csv_positions(day: dt.date) -> None:
    _, rows = parse_csv(snapshot_csv(SCENARIO, day))
    force, status, present, since = EXPECTED[day]
    for row in (r for r in rows if r["place_id"] in POSITIONS):
        assert (row["holder"], row["status"], row["forces_present"], row["since"]) == (
            force,
            status,
            ";".join(present),
            since or "",
        )


def test_csv_forces_filter_and_arabic_names() -> None:
    _, rows = parse_csv(snapshot_csv(SCENARIO, dt.date(2018, 6, 4), forces=["russia"]))
    assert {r["place_id"] for r in rows} == {"al_qusayr", *POSITIONS, "lebanese_border"}
    qusayr = next(r for r in rows if r["place_id"] == "al_qusayr")
    assert qusayr["name_ar"] == "القصير"
    header, empty = parse_csv(snapshot_csv(SCENARIO, dt.date(2018, 6, 4), forces=[]))
    assert header == list(CSV_COLUMNS) and empty == []


def test_csv_survives_commas_quotes_and_line_breaks() -> None:
    source = make_source(text='He said "we hold it, all of it"\nand left.')
    place = make_place("odd", name_en='Odd, "quoted"\nplace', name_ar="مكان")
    scenario = make_scenario(
        [make_period("p", "odd", "red", Role.CONTROL, "2020-01-01", None, event_ids=["e"])],
        places=[place],
        sources=[source],
        events=[make_event("e", "2020-01-01", ["odd"], ["red"], source=source)],
    )
    text = snapshot_csv(scenario, dt.date(2020, 1, 2))
    _, rows = parse_csv(text)
    assert len(rows) == 1
    row = rows[0]
    assert row["name"] == 'Odd, "quoted"\nplace'
    assert row["holder"] == "red" and row["since"] == "2020-01-01"
    assert json.loads(row["sources"])[0]["quote"] == source.text
    # the shared timeline argument gives the same result
    assert snapshot_csv(scenario, dt.date(2020, 1, 2), timeline=Timeline(scenario)) == text
