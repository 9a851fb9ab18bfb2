"""What is particular to each backend: a real GeoPackage, PostGIS columns, store locations."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable
from pathlib import Path

import psycopg
import pyogrio
import pytest
import shapely

from mapdata.config import settings
from mapdata.model.load import DEFAULT_DATA_DIR
from mapdata.model.models import Scenario
from mapdata.store import DEFAULT_STORE_PATH, Store, StoreError, open_store
from mapdata.store.gpkg import GPKG_APPLICATION_ID, gpkg_geometry, read_gpkg_geometry


def test_the_embedded_store_is_a_geopackage_gdal_reads(
    tmp_path: Path, folder_scenario: Scenario, opener: Callable[..., Store]
) -> None:
    path = tmp_path / "team.gpkg"
    opener(path, seed_from=DEFAULT_DATA_DIR).close()

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == GPKG_APPLICATION_ID
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 10300
        contents = dict(conn.execute("SELECT table_name, data_type FROM gpkg_contents"))
        geometry_columns = conn.execute(
            "SELECT table_name, column_name, geometry_type_name, srs_id FROM gpkg_geometry_columns"
        ).fetchall()
        srs = {r[0] for r in conn.execute("SELECT srs_id FROM gpkg_spatial_ref_sys")}
        blob = conn.execute("SELECT geom FROM places ORDER BY fid LIMIT 1").fetchone()[0]
    assert contents == {
        "places": "features",
        "forces": "attributes",
        "sources": "attributes",
        "events": "attributes",
        "control_periods": "attributes",
        "audit": "attributes",
        "meta": "attributes",
        "basemap": "attributes",
    }
    assert geometry_columns == [("places", "geom", "GEOMETRY", 4326)]
    assert {-1, 0, 4326} <= srs
    assert blob[:2] == b"GP" and int.from_bytes(blob[4:8], "little") == 4326

    layers = {str(name): kind for name, kind in pyogrio.list_layers(path)}
    assert layers["places"] == "Unknown"  # mixed points, lines and polygons
    assert {"forces", "sources", "events", "control_periods", "audit", "meta", "basemap"} <= set(layers)
    places = pyogrio.read_dataframe(path, layer="places")
    assert places.crs.to_epsg() == 4326
    assert list(places["id"]) == [p.id for p in folder_scenario.places]
    for place_id, geometry in zip(places["id"], places.geometry, strict=True):
        assert shapely.equals_exact(geometry, folder_scenario.place_by_id[place_id].geometry, 0)
    periods = pyogrio.read_dataframe(path, layer="control_periods")
    assert len(periods) == len(folder_scenario.periods) and set(periods["version"]) == {1}
    sources = pyogrio.read_dataframe(path, layer="sources")
    assert list(sources["text"]) == [s.text for s in folder_scenario.sources]


def test_geopackage_with_a_spatial_index_added_by_gis_tools(tmp_path: Path, opener: Callable[..., Store]) -> None:
    """QGIS / GDAL add an R-tree whose triggers call ST_MinX & co.; the store keeps it up to date."""
    path = tmp_path / "indexed.gpkg"
    opener(path, seed_from=DEFAULT_DATA_DIR).close()
    with sqlite3.connect(path) as conn:  # the GeoPackage spec's R-tree extension, as GDAL writes it
        conn.executescript("""
            CREATE VIRTUAL TABLE rtree_places_geom USING rtree(id, minx, maxx, miny, maxy);
            INSERT INTO rtree_places_geom SELECT fid, 0, 0, 0, 0 FROM places;
            CREATE TRIGGER rtree_places_geom_insert AFTER INSERT ON places
              WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))
              BEGIN INSERT OR REPLACE INTO rtree_places_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom),
                ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
            CREATE TRIGGER rtree_places_geom_update1 AFTER UPDATE OF geom ON places
              WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))
              BEGIN INSERT OR REPLACE INTO rtree_places_geom VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom),
                ST_MinY(NEW.geom), ST_MaxY(NEW.geom)); END;
            CREATE TRIGGER rtree_places_geom_delete AFTER DELETE ON places WHEN old.geom NOT NULL
              BEGIN DELETE FROM rtree_places_geom WHERE id = OLD.fid; END;
        """)
    store = opener(path)
    homs = store.get("place", "homs")
    store.update(dataclasses.replace(homs.record, geometry=shapely.Point(36.71, 34.73)), expected_version=1, user="x")
    store.add(dataclasses.replace(homs.record, id="homs_copy", geometry=shapely.box(36.0, 34.0, 36.5, 34.25)), user="x")
    store.delete("place", "homs_copy", expected_version=1, user="x")
    store.close()
    with sqlite3.connect(path) as conn:
        fid = conn.execute("SELECT fid FROM places WHERE id = 'homs'").fetchone()[0]
        box = conn.execute("SELECT minx, maxx, miny, maxy FROM rtree_places_geom WHERE id = ?", (fid,)).fetchone()
        indexed = conn.execute("SELECT count(*) FROM rtree_places_geom").fetchone()[0]
        places = conn.execute("SELECT count(*) FROM places").fetchone()[0]
    assert box == pytest.approx((36.71, 36.71, 34.73, 34.73), abs=1e-5)  # R-tree boxes are 32-bit floats
    assert indexed == places  # the copy's entry went with it


def test_geopackage_geometry_blobs_round_trip() -> None:
    for wkt in (
        "POINT (36.5 34.5)",
        "LINESTRING (36 34, 37 35)",
        "POLYGON ((36 34, 37 34, 37 35, 36 34))",
        "MULTIPOLYGON (((36 34, 37 34, 37 35, 36 34)))",
        "POINT EMPTY",
    ):
        geometry = shapely.from_wkt(wkt)
        assert shapely.equals_exact(read_gpkg_geometry(gpkg_geometry(geometry)), geometry, 0) or geometry.is_empty


def test_postgres_store_creates_postgis_and_a_geometry_column(
    make_pg_database: Callable[..., str], folder_scenario: Scenario
) -> None:
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
