"""Checks on the shipped geodata/places.geojson (written by scripts/build_geodata.py)."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import Point, shape

GEODATA = pathlib.Path(__file__).resolve().parents[2] / "geodata"

EXPECTED_IDS = {
    "al_qusayr",
    "qusayr_position_1",
    "qusayr_position_2",
    "qusayr_position_3",
    "al_dabaa_airport",
    "homs",
    "western_homs_countryside",
    "southwestern_homs_countryside",
    "lebanese_border",
    "southern_syria",
    "sochi",
}
POINT_KINDS = {"town", "military_site"}
POLYGON_KINDS = {"area", "region"}
LINE_KINDS = {"border"}


@pytest.fixture(scope="module")
def features() -> dict[str, dict[str, Any]]:
    collection = json.loads((GEODATA / "places.geojson").read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    return {f["id"]: f for f in collection["features"]}


def test_ids_are_exactly_the_listed_places(features: dict[str, dict[str, Any]]) -> None:
    assert set(features) == EXPECTED_IDS
    for fid, feat in features.items():
        assert feat["properties"]["id"] == fid


def test_required_properties(features: dict[str, dict[str, Any]]) -> None:
    for feat in features.values():
        props = feat["properties"]
        assert props["name_en"] and props["geometry_source"]
        assert props["kind"] in POINT_KINDS | POLYGON_KINDS | LINE_KINDS
        assert isinstance(props["aliases"], list)
        assert props["uncertainty_m"] is None or props["uncertainty_m"] > 0


def test_geometries_valid(features: dict[str, dict[str, Any]]) -> None:
    for fid, feat in features.items():
        geom = shape(feat["geometry"])
        assert not geom.is_empty, fid
        assert geom.is_valid, (fid, shapely.is_valid_reason(geom))


def test_geometry_types_match_kinds(features: dict[str, dict[str, Any]]) -> None:
    for fid, feat in features.items():
        kind, gtype = feat["properties"]["kind"], feat["geometry"]["type"]
        if kind in POINT_KINDS:
            assert gtype == "Point", fid
        elif kind in POLYGON_KINDS:
            assert gtype in {"Polygon", "MultiPolygon"}, fid
        else:
            assert gtype in {"LineString", "MultiLineString"}, fid
    assert features["sochi"]["geometry"]["type"] == "Point"


def test_al_qusayr_location(features: dict[str, dict[str, Any]]) -> None:
    lon, lat = features["al_qusayr"]["geometry"]["coordinates"]
    distance = Geod(ellps="WGS84").inv(lon, lat, 36.58029, 34.5078)[2]
    assert distance < 1000


def test_al_qusayr_inside_southwestern_countryside(features: dict[str, dict[str, Any]]) -> None:
    town = Point(features["al_qusayr"]["geometry"]["coordinates"])
    assert shape(features["southwestern_homs_countryside"]["geometry"]).contains(town)


def test_countryside_areas_do_not_overlap(features: dict[str, dict[str, Any]]) -> None:
    west = shape(features["western_homs_countryside"]["geometry"])
    south_west = shape(features["southwestern_homs_countryside"]["geometry"])
    assert west.intersection(south_west).area < 1e-9


def test_dabaa_uncertainty_covers_source_disagreement(features: dict[str, dict[str, Any]]) -> None:
    assert features["al_dabaa_airport"]["properties"]["uncertainty_m"] >= 3000


def test_border_covers_qusayr_hermel_stretch(features: dict[str, dict[str, Any]]) -> None:
    border = shape(features["lebanese_border"]["geometry"])
    assert border.intersects(shapely.box(36.15, 34.35, 36.65, 34.70))
