"""Exports that spreadsheets and XML parsers can open safely, GeoPackage views, and an import that stays linear.

Issue 9 items 6 (CSV formula injection), 7 (linear import) and 9 (KML control characters, views).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mapdata.exchange import ImportRefused, export, importer, read_import
from mapdata.exchange.snapshot import csv_text, csv_text_read, snapshot_csv
from mapdata.model.load import DEFAULT_DATA_DIR, load_scenario
from mapdata.model.models import Scenario
from mapdata.store import open_store

FORMULAS = ('=HYPERLINK("http://evil.example/","x")', "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR", "'=quoted")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(DEFAULT_DATA_DIR)


def _hostile(scenario: Scenario) -> Scenario:
    """The bundled scenario with formula-like text in names, a force name, a note and a summary."""
    places = list(scenario.places)
    for i, text in enumerate(FORMULAS):
        places[i] = dataclasses.replace(places[i], name_en=text, name_ar=text)
    forces = (dataclasses.replace(scenario.forces[0], name="=cmd|' /C calc'!A0"), *scenario.forces[1:])
    periods = (dataclasses.replace(scenario.periods[0], note="@evil"), *scenario.periods[1:])
    events = (dataclasses.replace(scenario.events[0], summary="-10+20"), *scenario.events[1:])
    return dataclasses.replace(scenario, places=tuple(places), forces=forces, periods=periods, events=events)


def _cells(text: str) -> Iterator[tuple[str, str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for row in reader:
        yield from row.items()


def _dangerous(value: str) -> bool:
    return value[:1] in ("=", "+", "-", "@", "\t", "\r")


def test_csv_export_neutralises_formulas_in_text_but_keeps_numbers(scenario: Scenario, tmp_path: Path) -> None:
    hostile = _hostile(scenario)
    out = tmp_path / "all.csv"
    export(hostile, fmt="csv", out=out)
    text = out.read_bytes().decode("utf-8")
    numeric = {"lat", "lon", "uncertainty_m", "quote_start"}
    bad = [(k, v) for k, v in _cells(text) if k not in numeric and _dangerous(v)]
    assert bad == []
    assert "'=HYPERLINK(" in text and "'@evil" in text and "'-10+20" in text and "''=quoted" in text
    # numbers stay numbers: a negative longitude is not text and is written as it is
    west = dataclasses.replace(
        hostile,
        places=(
            dataclasses.replace(hostile.places[0], geometry=hostile.places[0].geometry.__class__(-3.5, 40.4)),
            *hostile.places[1:],
        ),
    )
    export(west, fmt="csv", out=out)
    assert any(k == "lon" and v == "-3.500000" for k, v in _cells(out.read_bytes().decode("utf-8")))


def test_csv_export_imports_back_verbatim_and_geojson_stays_verbatim(scenario: Scenario, tmp_path: Path) -> None:
    hostile = _hostile(scenario)
    export(hostile, fmt="csv", out=tmp_path / "all.csv")
    back = read_import(tmp_path / "all.csv")
    assert {p.name_en for p in back.places} >= {text.strip() for text in FORMULAS}  # import strips names
    assert "=cmd|' /C calc'!A0" in {f.name for f in back.forces}
    assert "@evil" in {p.note for p in back.periods} and "-10+20" in {e.summary for e in back.events}
    export(hostile, fmt="geojson", out=tmp_path / "all.geojson")
    assert '"=HYPERLINK(' in (tmp_path / "all.geojson").read_text(encoding="utf-8")


def test_snapshot_csv_neutralises_formulas(scenario: Scenario) -> None:
    text = snapshot_csv(_hostile(scenario), dt.date(2018, 6, 10))
    assert [(k, v) for k, v in _cells(text) if k not in {"lat", "lon", "uncertainty_m"} and _dangerous(v)] == []
    assert "'=HYPERLINK(" in text


@pytest.mark.parametrize("value", [*FORMULAS, "plain", "'plain", "", "''@x", "-"])
def test_csv_text_round_trips(value: str) -> None:
    assert csv_text_read(csv_text(value)) == value


def test_kml_of_names_with_control_characters_is_well_formed_xml(scenario: Scenario, tmp_path: Path) -> None:
    places = (
        dataclasses.replace(scenario.places[0], name_en="Homs\x0b\x01 city", name_ar="\x0cحمص"),
        *scenario.places[1:],
    )
    source = dataclasses.replace(scenario.sources[0], publisher="Enab\x02 Baladi")
    broken = dataclasses.replace(scenario, places=places, sources=(source,), title="War\x1f map")
    out = tmp_path / "all.kml"
    export(broken, fmt="kml", out=out)
    root = ET.parse(out).getroot()  # raises on a file that is not well-formed
    names = [e.text for e in root.iter("{http://www.opengis.net/kml/2.2}name")]
    assert "Homs city (حمص)" in names and "War map" in names


def _gpkg_with_view(path: Path, table: str) -> Path:
    with open_store(path, seed_from=DEFAULT_DATA_DIR):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute(f"DROP TABLE {table}")
        conn.execute(
            f"CREATE VIEW {table} AS WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
            "SELECT 'f' || n AS id, 'F' AS name, '#000000' AS colour, '[]' AS aliases, n AS fid, 1 AS version,"
            " '' AS updated_at, '' AS updated_by FROM r"
        )
    return path


def test_a_geopackage_whose_table_is_a_recursive_view_is_refused(tmp_path: Path) -> None:
    path = _gpkg_with_view(tmp_path / "trap.gpkg", "forces")
    with pytest.raises(ImportRefused) as caught:
        read_import(path)
    [problem] = caught.value.problems
    assert (problem.file, problem.record) == ("trap.gpkg", "table 'forces'")
    assert "is a view, not a table" in problem.message


def test_a_geopackage_layer_that_is_a_view_is_refused(tmp_path: Path, scenario: Scenario) -> None:
    path = tmp_path / "layer.gpkg"
    export(scenario, fmt="gpkg", out=path)
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE mapdata RENAME TO mapdata_rows")
        conn.execute("CREATE VIEW mapdata AS SELECT * FROM mapdata_rows")
        conn.execute(
            "UPDATE gpkg_contents SET table_name = 'mapdata_rows', identifier = 'mapdata_rows' "
            "WHERE table_name = 'mapdata'"
        )
        conn.execute("UPDATE gpkg_geometry_columns SET table_name = 'mapdata_rows' WHERE table_name = 'mapdata'")
        conn.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
            "VALUES ('mapdata', 'features', 'mapdata', 4326)"
        )
        conn.execute("INSERT INTO gpkg_geometry_columns VALUES ('mapdata', 'geom', 'GEOMETRY', 4326, 0, 0)")
    with pytest.raises(ImportRefused, match="is a view, not a table"):
        read_import(path)


class _Counted(tuple):  # type: ignore[type-arg]
    """A tuple that counts how often it is walked through."""

    walks = 0

    def __iter__(self) -> Iterator[Any]:
        _Counted.walks += 1
        return super().__iter__()


def test_import_work_per_row_does_not_grow_with_the_store_or_the_file(scenario: Scenario, tmp_path: Path) -> None:
    """The stored records are indexed once, not scanned for each row (the quadratic import of issue 9 item 7)."""
    rows = ["place_id,name,lat,lon,force,start,source,quote"]
    for n in range(300):
        rows.append(
            f"p{n},Village {n},34.{n:03d},36.{n:03d},russia,2018-01-{1 + n % 28:02d},Agency {n % 3},"
            f"Report {n} from the village."
        )
    path = tmp_path / "rows.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    counted = dataclasses.replace(
        scenario,
        places=_Counted(scenario.places),
        events=_Counted(scenario.events),
        periods=_Counted(scenario.periods),
        sources=_Counted(scenario.sources),
    )
    _Counted.walks = 0
    additions = read_import(path, existing=counted)
    assert len(additions.places) == 300
    assert _Counted.walks < 40  # a few walks each to index and to validate; was several per row (> 1,000)


def test_new_ids_are_found_without_rebuilding_the_taken_sets(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    rows = ["name,lat,lon"] + [f"Same name,34.{n:03d},36.5" for n in range(200)]
    path = tmp_path / "same.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    checks = 0
    original = importer._Importer._taken

    def counting(self: Any, kind: str, ident: str) -> bool:
        nonlocal checks
        checks += 1
        return bool(original(self, kind, ident))

    monkeypatch.setattr(importer._Importer, "_taken", counting)
    additions = read_import(path)
    assert sorted(p.id for p in additions.places)[:3] == ["same_name", "same_name_10", "same_name_100"]
    assert len({p.id for p in additions.places}) == 200
    assert checks < 3 * 200  # not the 200 * 200 / 2 of trying every suffix again for each new place


def test_a_hand_written_csv_keeps_a_leading_quote(tmp_path: Path) -> None:
    """Only mapdata's own exports had a quote put in front of formula-like text; other files keep theirs."""
    path = tmp_path / "notes.csv"
    path.write_text("name,lat,lon,location_note\nTalbiseh,34.84,36.73,'-- we hold the town\n", encoding="utf-8")
    additions = read_import(path, existing=None)
    assert [p.location_note for p in additions.places] == ["'-- we hold the town"]
