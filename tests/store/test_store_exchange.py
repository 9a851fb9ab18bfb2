"""Import files (GeoJSON, CSV, GeoPackage) into additions, and exports, without a database."""

from __future__ import annotations

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

from mapdata.exchange import (
    MAX_TEXT_BYTES,
    ImportRefused,
    export,
    export_rows,
    read_import,
)
from mapdata.exchange.columns import COLUMNS
from mapdata.exchange.snapshot import snapshot_geojson
from mapdata.map.colours import suggest_colour
from mapdata.model.load import DEFAULT_DATA_DIR
from mapdata.model.models import Role, Scenario, Verification
from mapdata.store import open_store

DOCS = Path(__file__).resolve().parents[2] / "docs"
EXAMPLE = DOCS / "examples" / "import-example.geojson"
EMPTY = Scenario(title="", forces=(), places=(), sources=(), events=(), periods=())


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _problems(exc: pytest.ExceptionInfo[ImportRefused]) -> list[str]:
    return [str(p) for p in exc.value.problems]


def test_the_documented_example_imports(folder_scenario: Scenario) -> None:
    additions = read_import(EXAMPLE, existing=folder_scenario)
    assert additions.summary() == "2 places, 1 source, 2 events, 2 control periods"
    tal_kalakh, jusiyah = additions.places
    assert (tal_kalakh.id, tal_kalakh.name_ar, jusiyah.aliases) == ("tal_kalakh", "تلكلخ", ("Jousieh", "Joussieh"))
    control, presence = additions.periods
    assert (control.place_id, control.force_id, control.role, control.start) == (
        "tal_kalakh",
        "syrian_regime",
        Role.CONTROL,
        dt.date(2018, 6, 20),
    )  # "Syrian army" is an alias
    assert (presence.place_id, presence.force_id, presence.end) == ("homs", "russia", dt.date(2018, 6, 25))
    source = additions.sources[0]
    assert all(
        e.source_id == source.id and source.text[e.quote_start : e.quote_end] == e.quote for e in additions.events
    )
    assert additions.events[0].verification is Verification.CLAIMED
    merged = additions.apply_to(folder_scenario)
    state = {f["id"]: f["properties"] for f in snapshot_geojson(merged, dt.date(2018, 6, 22))["features"]}
    assert (state["tal_kalakh"]["holder"], state["homs"]["status"]) == ("syrian_regime", "presence")


def test_the_documented_csv_and_every_field_are_in_the_docs(tmp_path: Path, folder_scenario: Scenario) -> None:
    doc = (DOCS / "import-format.md").read_text(encoding="utf-8")
    for column in COLUMNS:
        assert f"`{column}`" in doc, column
    csv_text = re.search(r"```csv\n(.*?)```", doc, re.S).group(1)  # type: ignore[union-attr]
    additions = read_import(_write(tmp_path / "doc.csv", csv_text), existing=folder_scenario)
    assert additions.summary() == "1 place, 1 source, 1 event, 1 control period"


def test_csv_rows_merge_into_periods_events_and_forces(tmp_path: Path, folder_scenario: Scenario) -> None:
    path = _write(
        tmp_path / "reports.csv",
        "\ufeff"
        + "\n".join(
            [
                "Name,lat,lon,wkt,force,force_name,role,start,source,quote,date",
                # a new force is declared once (force_name); later rows name it
                "Rablah,34.45,36.58,,Wagner Group,Wagner Group,control,2018-06-12,Agency A,Wagner fighters took Rablah and Qattinah.,",
                # the same quote at a second place: one event at both places
                'Qattinah,,,"POLYGON ((36.5 34.6, 36.6 34.6, 36.6 34.7, 36.5 34.6))",Wagner Group,,control,2018-06-12,'
                "Agency A,Wagner fighters took Rablah and Qattinah.,2018-06-12",
                # a second report for the same period: one period, two events
                "Rablah,34.45,36.58,,Wagner Group,,control,2018-06-12,Agency B,Rablah is now held by Wagner.,2018-06-13",
                "Rablah,,,,,,,,,,",  # a row about a known place with nothing else
            ]
        )
        + "\n",
    )
    additions = read_import(path, existing=folder_scenario)
    assert additions.summary() == "1 force, 2 places, 2 sources, 2 events, 2 control periods"
    wagner = additions.forces[0]
    used = {f.colour for f in folder_scenario.forces}
    assert (wagner.id, wagner.name) == ("wagner_group", "Wagner Group")
    assert wagner.colour == suggest_colour(used)  # the farthest from the other forces' for every reader
    rablah, qattinah = additions.places
    assert rablah.geometry == Point(36.58, 34.45) and qattinah.geometry.geom_type == "Polygon"
    assert (rablah.kind.value, qattinah.kind.value) == ("town", "area")
    first, second = additions.events
    assert first.place_ids == ("rablah", "qattinah") and first.date == dt.date(2018, 6, 12)
    assert second.date == dt.date(2018, 6, 13)
    rablah_period = next(p for p in additions.periods if p.place_id == "rablah")
    assert rablah_period.event_ids == (first.id, second.id)
    assert additions.sources[0].text == "Wagner fighters took Rablah and Qattinah."


def test_errors_name_the_row_and_field(tmp_path: Path, folder_scenario: Scenario) -> None:
    path = _write(
        tmp_path / "bad.csv",
        "\n".join(
            [
                "name,lat,lon,force,role,start,end,source,quote,date,force_colour,uncertainty_m",
                "North,95,36.5,,,,,,,,,",
                "East,34.5,36.6,russia,holds,,,Agency,Russians hold East.,2018-06-02,,",
                "West,34.5,36.4,new_force,control,2018-06-10,2018-06-01,Agency,New force takes West.,2018-06-10,red,",
                "South,34.4,36.5,russia,control,2018-06-10,,,A quote without a source.,2018-06-10,,-3",
                "Centre,34.5,36.5,russia,presence,,,,,,,",
                ",34.6,36.6,,,,,,,,,",
                "Up,34.7,36.7,russia,control,,,Agency,Undated quote.,,,",
            ]
        )
        + "\n",
    )
    with pytest.raises(ImportRefused) as refused:
        read_import(path, existing=folder_scenario)
    problems = _problems(refused)
    expected = [
        "bad.csv, row 2, field 'geometry': lat 95.0 / lon 36.5 are outside -90..90 / -180..180",
        "bad.csv, row 3, field 'role': 'holds' is not one of: control, contested, presence",
        "bad.csv, row 4, field 'end': 2018-06-01 is before start 2018-06-10",
        "bad.csv, row 5, field 'uncertainty_m': '-3' is not a non-negative number",
        "bad.csv, row 5, field 'source': is missing: a quote needs its source",
        "bad.csv, row 6, field 'source': is missing: a control period needs evidence",
        "bad.csv, row 7, field 'name': is missing",
        "bad.csv, row 8, field 'date': is missing: an event (a quote) needs its date",
    ]
    for text in expected:
        assert any(p.startswith(text) for p in problems), (text, problems)
    assert any("force_colour" in p and "'RED' is not a colour" in p for p in problems), problems


def test_geojson_problems_and_consistency_against_the_store(tmp_path: Path, folder_scenario: Scenario) -> None:
    bowtie = Polygon([(36.0, 34.0), (36.1, 34.1), (36.1, 34.0), (36.0, 34.1), (36.0, 34.0)])
    path = _write(
        tmp_path / "bad.geojson",
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "geometry": bowtie.__geo_interface__, "properties": {"name": "Bowtie"}},
                    {"type": "Feature", "geometry": None, "properties": {"place_id": "homs", "name": "Not Homs"}},
                    {
                        "type": "Feature",
                        "geometry": None,
                        "properties": {
                            "place_id": "qusayr_position_2",
                            "force": "iran",
                            "start": "2018-06-05",
                            "end": "2018-06-05",
                            "source": "enab_baladi_2018_06_russia_iran",
                            "quote": "not in the article",
                            "date": "2018-06-05",
                        },
                    },
                    {
                        "type": "Feature",
                        "geometry": None,
                        "properties": {
                            "place_id": "qusayr_position_3",
                            "force": "iran",
                            "start": "2018-06-05",
                            "end": "2018-06-05",
                            "source": folder_scenario.sources[0].id,
                        },
                    },
                    "not a feature",
                ],
            }
        ),
    )
    with pytest.raises(ImportRefused) as refused:
        read_import(path, existing=folder_scenario)
    problems = _problems(refused)
    assert any(p.startswith("bad.geojson, feature 1, field 'geometry': invalid Polygon") for p in problems), problems
    assert any(
        p.startswith("bad.geojson, feature 2, field 'name_en': 'Not Homs' differs from 'Homs'") for p in problems
    ), problems
    assert any(p.startswith("bad.geojson, feature 5: must be a GeoJSON Feature object") for p in problems), problems

    # the field checks pass once those rows are gone; then the rules are checked against the store's data
    data = json.loads(path.read_text(encoding="utf-8"))
    data["features"] = data["features"][2:4]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        read_import(path, existing=folder_scenario)
    problems = _problems(refused)
    assert any("feature 1, field 'quote': is not in the text of source" in p for p in problems), problems
    data["features"] = data["features"][1:]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ImportRefused) as refused:
        read_import(path, existing=folder_scenario)
    (problem,) = _problems(refused)
    assert problem.startswith(
        "bad.geojson, feature 1 (period 'qusayr_position_3_iran_control_2018_06_05'), "
        "field 'start': control of Iranian forces at Position 3 near al-Qusayr (unnamed in source) "
        "(2018-06-05 to 2018-06-05, from “Russian–Iranian friction in Syria"
    )
    assert ") overlaps contested of Russian forces there (" in problem  # which report, force, place and dates
    assert problem.endswith("(periods 'pos3_russia_contested' and 'qusayr_position_3_iran_control_2018_06_05')")


def test_files_that_are_not_imports_are_refused_quickly(tmp_path: Path) -> None:
    cases = {
        "empty.csv": (b"", "file is empty"),
        "list.json": (b"[1, 2]", "is a JSON list"),
        "table.csv": (b"a,b\n1,2\n", "needs a header row with a 'name'"),
        "nul.geojson": (b'{"type"\x00', "binary data"),
        "latin1.csv": ("name\nHoms é".encode("latin-1"), "not UTF-8"),
        "broken.geojson": (b'{"type": "FeatureCollection", "features": [', "is not valid JSON"),
        "point.geojson": (b'{"type": "Point", "coordinates": [1, 2]}', "must be a GeoJSON FeatureCollection"),
        "none.geojson": (b'{"type": "FeatureCollection", "features": []}', "holds no features"),
        "missing.geojson": (None, "does not exist"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        with pytest.raises(ImportRefused, match=message):
            read_import(path)
    big = tmp_path / "big.csv"
    with big.open("wb") as handle:
        handle.write(b"name,lat,lon\n")
        handle.truncate(MAX_TEXT_BYTES + 1)  # the rest are NUL bytes, past the part that is sniffed...
    with pytest.raises(ImportRefused, match="binary data|limited to"):
        read_import(big)


def test_foreign_geopackage_layer_in_another_crs(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(
        {
            "name": ["Tell Nabi Mando", "Kafr Musa"],
            "force": ["russia", ""],
            "start": ["2018-06-05", ""],
            "source": ["Agency", ""],
            "quote": ["Russian troops at Tell Nabi Mando.", ""],
            "date": ["2018-06-05", ""],
            "extra": [1, 2],
        },
        geometry=[Point(36.52, 34.56), Point(36.6, 34.5)],
        crs="EPSG:4326",
    ).to_crs(3857)
    path = tmp_path / "field.gpkg"
    frame.to_file(path, layer="sites", driver="GPKG")
    additions = read_import(path)
    assert additions.summary() == "1 force, 2 places, 1 source, 1 event, 1 control period"
    assert additions.places[0].geometry.equals_exact(Point(36.52, 34.56), 1e-7)
    assert any("ignored column(s) extra" in w for w in additions.warnings)


def test_a_store_geopackage_imports_whole(tmp_path: Path, folder_scenario: Scenario) -> None:
    with open_store(tmp_path / "other.gpkg", seed_from=DEFAULT_DATA_DIR):
        pass
    additions = read_import(tmp_path / "other.gpkg")
    assert additions.apply_to(EMPTY).places == folder_scenario.places
    with pytest.raises(ImportRefused, match="already exists in the store"):
        read_import(tmp_path / "other.gpkg", existing=folder_scenario)


def test_export_filters_and_kml(tmp_path: Path, folder_scenario: Scenario) -> None:
    day = dt.date(2018, 6, 4)
    every = export_rows(folder_scenario)
    on_day = export_rows(folder_scenario, day=day)
    russia = export_rows(folder_scenario, day=day, forces=["russia"])
    assert len(every) > len(on_day) > len(russia) > 0
    assert {r.get("force") for r, _ in every} == {None} | {p.force_id for p in folder_scenario.periods}
    assert {r["place_id"] for r, _ in russia} == {
        f["id"] for f in snapshot_geojson(folder_scenario, day, forces=["russia"])["features"]
    }
    pos1 = next(r for r, _ in on_day if r["place_id"] == "qusayr_position_1")
    assert (pos1["status"], pos1["holder"], pos1["since"]) == ("contested", "russia", "2018-06-04")
    assert sum(1 for r, _ in every if r.get("source_text")) == len(folder_scenario.sources)
    assert any(r.get("verification_label", "").startswith("claimed by") for r, _ in every)

    kml = tmp_path / "map.kml"
    assert export(folder_scenario, fmt="kml", out=kml, day=day, forces=["russia"]) == len(
        {r["place_id"] for r, _ in russia}
    )
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    root = ET.parse(kml).getroot()
    placemarks = root.findall(".//k:Placemark", ns)
    assert len(placemarks) == len({r["place_id"] for r, _ in russia})
    first = placemarks[1]  # qusayr_position_1
    data = {d.get("name"): d.findtext("k:value", namespaces=ns) for d in first.findall(".//k:Data", ns)}
    assert (data["status"], data["holder"], data["on_date"]) == ("contested", "russia", "2018-06-04")
    assert first.findtext("k:styleUrl", namespaces=ns) == "#force_russia"
    assert "Enab Baladi" in (first.findtext("k:description", namespaces=ns) or "")

    csv_out = tmp_path / "map.csv"
    export(folder_scenario, fmt="csv", out=csv_out, day=day)
    header = csv_out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:2] == ["place_id", "name"] and header[-3:] == ["lat", "lon", "wkt"] and "status" in header
    with pytest.raises(ValueError, match="unknown force id"):
        export(folder_scenario, fmt="csv", out=csv_out, forces=["nobody"])
