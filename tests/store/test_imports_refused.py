"""Bad input is refused with a message naming file, record and field, and nothing is stored (both backends).

Issue 8 items 17 and 18, issue 9 item 5: numbers, dates, text and files from outside are held to the
limits of the record rules (``mapdata.model.records``); an import that breaks one never crashes.
"""

from __future__ import annotations

import dataclasses
import json
import math
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import Point

from mapdata.exchange import ImportRefused, export, import_file, read_import
from mapdata.model.errors import ScenarioError
from mapdata.model.models import Place, PlaceKind
from mapdata.model.records import MAX_TEXT_CHARS
from mapdata.store import Store

TAL_KALAKH = [36.2597, 34.6687]  # [lon, lat]


def _feature(**props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"name": "Tal Kalakh", **props},
        "geometry": {"type": "Point", "coordinates": TAL_KALAKH},
    }


def _geojson(path: Path, *features: dict[str, Any]) -> Path:
    # json.dumps writes float('inf') / float('nan') as Infinity / NaN, as a hostile file would
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}), encoding="utf-8")
    return path


def _text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _evidence(**props: Any) -> dict[str, Any]:
    return _feature(
        **{
            "force": "russia",
            "start": "2018-06-20",
            "source": "Example News Agency",
            "quote": "Russian units entered Tal Kalakh.",
            **props,
        }
    )


def _refused(store: Store, path: Path) -> list[str]:
    """Import ``path``; it must be refused with nothing changed. Returns the problems as text."""
    before = store.revision()
    places = len(store.scenario().places)
    with pytest.raises(ImportRefused) as caught:
        import_file(store, path, user="tester")
    assert store.revision() == before and len(store.scenario().places) == places
    return [str(p) for p in caught.value.problems]


CASES: dict[str, tuple[Callable[[Path], Path], str]] = {
    # name: (write the file, what the one problem says: "file, record, field 'x': ...")
    "deeply nested JSON": (
        lambda d: _text(
            d / "deep.geojson", '{"type": "FeatureCollection", "features": [' + "[" * 100_000 + "]" * 100_000 + "]}"
        ),
        "deep.geojson: is not usable JSON: lists and objects are nested too deeply",
    ),
    "quote_start Infinity": (
        lambda d: _geojson(d / "q.geojson", _evidence(quote_start=math.inf)),
        "q.geojson, feature 1, field 'quote_start': inf is not a finite number",
    ),
    "uncertainty_m Infinity": (
        lambda d: _geojson(d / "u.geojson", _feature(uncertainty_m=math.inf)),
        "u.geojson, feature 1, field 'uncertainty_m': inf is not a finite number",
    ),
    "uncertainty_m NaN": (
        lambda d: _geojson(d / "n.geojson", _feature(uncertainty_m=math.nan)),
        "n.geojson, feature 1, field 'uncertainty_m': nan is not a non-negative number",
    ),
    "uncertainty_m absurd": (
        lambda d: _geojson(d / "a.geojson", _feature(uncertainty_m=1e12)),
        "a.geojson, feature 1, field 'uncertainty_m': 1000000000000.0 must be a non-negative number up to 1,000,000",
    ),
    "uncertainty_m inf in CSV": (
        lambda d: _text(d / "u.csv", "name,lat,lon,uncertainty_m\nTal Kalakh,34.6687,36.2597,inf\n"),
        "u.csv, row 2, field 'uncertainty_m': inf is not a finite number",
    ),
    "NUL in a name": (
        lambda d: _geojson(d / "nul.geojson", _feature(name="Tal\x00Kalakh")),
        "nul.geojson, feature 1, field 'name': holds the control character U+0000 at character 4",
    ),
    "control character in a name": (
        lambda d: _geojson(d / "ctl.geojson", _feature(name="Tal\x01Kalakh")),
        "ctl.geojson, feature 1, field 'name': holds the control character U+0001 at character 4",
    ),
    "lone surrogate in a publisher": (
        lambda d: _text(
            d / "sur.geojson",
            json.dumps({"type": "FeatureCollection", "features": [_evidence()]}).replace(
                "Example News Agency", "Example \\ud800 Agency"
            ),
        ),
        "sur.geojson, feature 1, field 'source': holds the control character U+D800 at character 9",
    ),
    "10 MB name": (
        lambda d: _geojson(d / "big.geojson", _feature(name="x" * 10_000_000)),
        f"big.geojson, feature 1, field 'name': is 10,000,000 characters long; the limit is {MAX_TEXT_CHARS:,}",
    ),
    "year 1": (
        lambda d: _geojson(d / "y1.geojson", _evidence(date="0001-01-01")),
        "y1.geojson, feature 1, field 'date': 0001-01-01 is outside the dates mapdata accepts (1900-01-01 to "
        "2100-12-31)",
    ),
    "year 10000": (
        lambda d: _geojson(d / "y10k.geojson", _evidence(start="10000-01-01")),
        "y10k.geojson, feature 1, field 'start': '10000-01-01' is not a date (YYYY-MM-DD)",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_values_are_refused_naming_file_record_and_field(store: Store, tmp_path: Path, case: str) -> None:
    write, expected = CASES[case]
    problems = _refused(store, write(tmp_path))
    assert any(p.startswith(expected) for p in problems), problems
    assert all(len(p) < 500 for p in problems)  # a message never repeats a 10 MB value


def test_an_edit_is_held_to_the_same_limits(store: Store) -> None:
    """Edits go through the same record rules as imports: no Infinity, NUL or year 1 reaches either backend."""
    homs = store.get("place", "homs")
    before = store.revision()
    for change in (
        {"uncertainty_m": math.inf},
        {"uncertainty_m": math.nan},
        {"uncertainty_m": 5e9},
        {"name_en": "Homs\x00"},
        {"location_note": "n" * 30_000},
    ):
        with pytest.raises(ScenarioError) as caught:
            store.update(dataclasses.replace(homs.record, **change), expected_version=homs.version, user="tester")
        field = next(iter(change))
        assert [(p.file, p.record, p.field) for p in caught.value.problems] == [("places", "id 'homs'", field)]
    new = Place(
        id="far",
        name_en="Far",
        kind=PlaceKind.TOWN,
        geometry=Point(36.0, 34.0),
        geometry_source="test",
        uncertainty_m=math.inf,
    )
    with pytest.raises(ScenarioError, match="uncertainty_m.*finite"):
        store.add(new, user="tester")
    assert store.revision() == before


def test_swapped_lat_lon_in_a_csv_is_warned_about_naming_the_row(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "swapped.csv"
    path.write_text("name,lat,lon\nJusiyah,34.4269,36.5847\nTal Kalakh,36.2597,34.6687\n", encoding="utf-8")
    additions = import_file(store, path, user="tester")
    assert additions.summary() == "2 places"  # a warning, not a refusal: the rows are added as given
    swapped = [w for w in additions.warnings if "swapped" in w]
    assert len(swapped) == 1 and swapped[0].startswith("swapped.csv, row 3: lat 36.2597 / lon 34.6687 is outside")


def test_export_is_valid_json_and_the_map_never_gets_an_infinite_radius(
    store: Store, store_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "all.geojson"
    export(store.scenario(), fmt="geojson", out=out)

    def strict(constant: str) -> None:
        raise AssertionError(f"{constant} in an export")

    json.loads(out.read_text(encoding="utf-8"), parse_constant=strict)
    if store.backend == "GeoPackage":  # a value written behind mapdata's back (SQLite stores 9e999 as Infinity)
        with sqlite3.connect(store_url) as conn:
            conn.execute("UPDATE places SET uncertainty_m = 9e999 WHERE id = 'al_qusayr'")
        with pytest.raises(ScenarioError, match="al_qusayr.*uncertainty_m.*finite"):
            store.scenario()  # so no page (nor the server-side map) draws it


@pytest.mark.parametrize(
    "csv_text,field",
    [
        ("name,lat,lon\n" + "N" * 2_500 + ",34.5,36.5\n", "name"),
        ("name,lat,lon,source,quote,date\nTalbiseh,34.84,36.73,Agency,They hold it.,0001-01-01\n", "date"),
    ],
)
def test_a_refused_value_is_not_also_called_missing(tmp_path: Path, csv_text: str, field: str) -> None:
    path = tmp_path / "rows.csv"
    path.write_text(csv_text, encoding="utf-8")
    with pytest.raises(ImportRefused) as caught:
        read_import(path, existing=None)
    about = [p for p in caught.value.problems if p.field == field]
    assert len(about) == 1 and "is missing" not in about[0].message, [str(p) for p in caught.value.problems]
