"""What is particular to each backend: a real GeoPackage, PostGIS columns, store locations."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Callable

import psycopg
import pyogrio
import pytest
import shapely

from mapdata.config import settings
from mapdata.load import DEFAULT_DATA_DIR
from mapdata.models import Scenario
from mapdata.store import DEFAULT_STORE_PATH, Store, StoreError, open_store
from mapdata.store.gpkg import GPKG_APPLICATION_ID, gpkg_geometry, read_gpkg_geometry


def test_the_embedded_store_is_a_geopackage_gdal_reads(tmp_path: Path, folder_scenario: Scenario,
                                                       opener: Callable[..., Store]) -> None:
    path = tmp_path / "team.gpkg"
    opener(path, seed_from=DEFAULT_DATA_DIR).close()

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == GPKG_APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 10300
        contents = dict(conn.execute("SELECT table_name, data_type FROM gpkg_contents"))
        geometry_columns = conn.execute("SELECT table_name, column_name, geometry_type_name, srs_id "
                                        "FROM gpkg_geometry_columns").fetchall()
        srs = {r[0] for r in conn.execute("SELECT srs_id FROM gpkg_spatial_ref_sys")}
        blob = conn.execute("SELECT geom FROM places ORDER BY fid LIMIT 1").fetchone()[0]
    assert contents == {"places": "features", "forces": "attributes", "sources": "attributes",
                        "events": "attributes", "control_periods": "attributes", "audit": "attributes",
                        "meta": "attributes", "basemap": "attributes"}
    assert geometry_columns == [("places", "geom", "GEOMETRY", 4326)]
    assert {-1, 0, 4326} <= srs
    assert blob[:2] == b"GP" and int.from_bytes(blob[4:8], "little") == 4326

    layers = {str(name): kind for name, kind in pyogrio.list_layers(path)}
    assert layers["places"] == "Unknown"  # mixed points, lines and polygons
    assert {"forces", "sources", "events", "control_periods", "audit", "meta", "basemap"} <= set(layers)
    places = pyogrio.read_dataframe(path, layer="places")
    assert places.crs.to_epsg() == 4326
    assert list(places["id"]) == [p.id for p in folder_scenario.places]
    for place_id, geometry in zip(places["id"], places.geometry):
        assert shapely.equals_exact(geometry, folder_scenario.place_by_id[place_id].geometry, 0)
    periods = pyogrio.read_dataframe(path, layer="control_periods")
    assert len(periods) == len(folder_scenario.periods) and set(periods["version"]) == {1}
    sources = pyogrio.read_dataframe(path, layer="sources")
    assert list(sources["text"]) == [s.text for s in folder_scenario.sources]


def test_geopackage_geometry_blobs_round_trip() -> None:
    for wkt in ("POINT (36.5 34.5)", "LINESTRING (36 34, 37 35)", "POLYGON ((36 34, 37 34, 37 35, 36 34))",
                "MULTIPOLYGON (((36 34, 37 34, 37 35, 36 34)))", "POINT EMPTY"):
        geometry = shapely.from_wkt(wkt)
        assert shapely.equals_exact(read_gpkg_geometry(gpkg_geometry(geometry)), geometry, 0) or geometry.is_empty


def test_postgres_store_creates_postgis_and_a_geometry_column(make_pg_database: Callable[..., str],
                                                              folder_scenario: Scenario) -> None:
    url = make_pg_database(postgis=False)
    with open_store(url, seed_from=DEFAULT_DATA_DIR) as store:
        assert store.scenario() == folder_scenario
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone()
        column = conn.execute("SELECT type, srid FROM geometry_columns WHERE f_table_name = 'places'").fetchone()
        invalid = conn.execute("SELECT count(*) FROM places WHERE NOT ST_IsValid(geom)").fetchone()
    assert column == ("GEOMETRY", 4326) and invalid == (0,)
    with pytest.raises(StoreError, match=r"cannot connect to postgresql://postgres:\*\*\*@"):
        open_store(url.replace("postgres@", "postgres:secret@") + "_missing")


def test_store_locations(tmp_path: Path, opener: Callable[..., Store]) -> None:
    assert opener(f"gpkg://{tmp_path / 'a.gpkg'}").backend == "GeoPackage"
    assert opener(tmp_path / "b.gpkg").describe() == str(tmp_path / "b.gpkg")
    with pytest.raises(StoreError, match="unknown store location"):
        open_store("mysql://somewhere/db")
    text = tmp_path / "notes.gpkg"
    text.write_text("not a database", encoding="utf-8")
    with pytest.raises(StoreError, match="not a GeoPackage"):
        open_store(text)
    foreign = tmp_path / "foreign.gpkg"
    with sqlite3.connect(foreign) as conn:
        conn.execute(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
        conn.execute("CREATE TABLE places (fid INTEGER PRIMARY KEY, name TEXT)")
    with pytest.raises(StoreError, match="not a mapdata store"):
        open_store(foreign)
    with pytest.raises(StoreError, match="does not exist"):
        open_store(tmp_path / "missing.gpkg", read_only=True)
    assert not (tmp_path / "missing.gpkg").exists()


def test_store_setting() -> None:
    assert settings({}).store is None
    assert settings({"MAPDATA_STORE": " postgresql://db/x "}).store == "postgresql://db/x"
    assert DEFAULT_STORE_PATH.name == "mapdata.gpkg" and DEFAULT_STORE_PATH.parent.name == "data"
