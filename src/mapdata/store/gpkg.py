"""The embedded store: one GeoPackage file (SQLite) that QGIS and GDAL open.

The file is a real GeoPackage 1.3: ``application_id`` 'GPKG', the
``gpkg_spatial_ref_sys`` / ``gpkg_contents`` / ``gpkg_geometry_columns`` tables,
``places`` as a feature table whose ``geom`` column holds GeoPackage geometry
blobs (GP header + WKB) in EPSG:4326, and every other table registered as
'attributes'. Writers are serialised with ``BEGIN IMMEDIATE``; a read-only store
opens the file with SQLite's ``mode=ro``.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import struct
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from mapdata.store import schema
from mapdata.store.base import Cursor, Store, _State
from mapdata.store.errors import StoreError, StoreFullError, StoreNotWritableError, StoreWriteError

GPKG_APPLICATION_ID = 0x47504B47  # 'GPKG'
GPKG_USER_VERSION = 10300  # GeoPackage 1.3.0
SQLITE_MAGIC = b"SQLite format 3\x00"
SRS_ID = schema.SRID

WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
    'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],'
    'UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],'
    'AUTHORITY["EPSG","4326"]]'
)

_GPKG_CORE = (
    """CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
        srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)""",
    """CREATE TABLE IF NOT EXISTS gpkg_contents (
        table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
        description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
        CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))""",
    """CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
        CONSTRAINT uk_gc_table_name UNIQUE (table_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))""",
)
_SRS_ROWS = (
    ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
    ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
    (
        "WGS 84 geodetic",
        SRS_ID,
        "EPSG",
        SRS_ID,
        WGS84_WKT,
        "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid",
    ),
)
_DESCRIPTIONS = {
    "forces": "the forces",
    "places": "the places (who holds them is in control_periods)",
    "sources": "the reports, with their full text",
    "events": "dated, sourced events",
    "control_periods": "who controls / contests / is present where, from when to when",
    "audit": "every change: who, when, before and after (JSON)",
    "meta": "schema version and scenario metadata",
    "basemap": "reference boundary layers (GeoJSON)",
}
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def gpkg_geometry(geometry: BaseGeometry, srs_id: int = SRS_ID) -> bytes:
    """A GeoPackage geometry blob: 'GP', version 0, flags, srs_id, xy envelope, ISO WKB (little-endian)."""
    if geometry.is_empty:
        flags = 0b00010001  # empty, no envelope, little-endian
        return b"GP" + bytes((0, flags)) + struct.pack("<i", srs_id) + shapely.to_wkb(geometry, byte_order=1)
    minx, miny, maxx, maxy = geometry.bounds
    flags = 0b00000011  # envelope [minx, maxx, miny, maxy], little-endian
    header = b"GP" + bytes((0, flags)) + struct.pack("<i", srs_id) + struct.pack("<4d", minx, maxx, miny, maxy)
    return header + shapely.to_wkb(geometry, byte_order=1, flavor="iso", output_dimension=2)


def read_gpkg_geometry(blob: bytes) -> BaseGeometry:
    """Decode a GeoPackage geometry blob (any envelope, either byte order)."""
    data = bytes(blob)
    if data[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry (no 'GP' header)")
    flags = data[3]
    envelope = (flags >> 1) & 0b111
    if envelope not in _ENVELOPE_BYTES:
        raise ValueError(f"bad GeoPackage envelope indicator {envelope}")
    return shapely.from_wkb(data[8 + _ENVELOPE_BYTES[envelope] :])


def _envelope(blob: Any) -> tuple[float, float, float, float] | None:
    """(minx, maxx, miny, maxy) of a GeoPackage geometry blob; None when empty or NULL."""
    if blob is None:
        return None
    data = bytes(blob)
    flags = data[3]
    if flags & 0b00010000:
        return None
    indicator = (flags >> 1) & 0b111
    if indicator >= 1:
        minx, maxx, miny, maxy = struct.unpack(("<" if flags & 1 else ">") + "4d", data[8:40])
        return (minx, maxx, miny, maxy)
    geometry = read_gpkg_geometry(data)
    if geometry.is_empty:
        return None
    bounds = geometry.bounds
    return (bounds[0], bounds[2], bounds[1], bounds[3])


def _envelope_part(index: int) -> Any:
    def part(blob: Any) -> float | None:
        envelope = _envelope(blob)
        return None if envelope is None else envelope[index]

    return part


def _register_functions(conn: sqlite3.Connection) -> None:
    """The SQL functions GDAL's and QGIS's R-tree triggers call, should a tool add a spatial index."""
    for index, name in enumerate(("ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY")):
        conn.create_function(name, 1, _envelope_part(index), deterministic=True)
    conn.create_function(
        "ST_IsEmpty", 1, lambda blob: None if blob is None else int(_envelope(blob) is None), deterministic=True
    )


def _timestamp(value: dt.datetime) -> str:
    value = value.astimezone(dt.UTC)
    return f"{value:%Y-%m-%dT%H:%M:%S}.{value.microsecond // 1000:03d}Z"


STREAM_ROWS = 2000  # rows fetched at a time by a large read (Cursor.stream)


class _SqliteCursor(Cursor):
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, tuple(params)).fetchall()

    def stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[tuple[Any, ...]]:
        cursor = self.conn.execute(sql, tuple(params))
        cursor.arraysize = STREAM_ROWS
        while rows := cursor.fetchmany():
            yield from rows

    def executemany(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, params)


class GeoPackageStore(Store):
    backend = "GeoPackage"
    dialect = "gpkg"

    def __init__(self, path: Path, *, read_only: bool = False, max_version: int = schema.LATEST) -> None:
        self.path = Path(path)
        super().__init__(str(self.path), read_only=read_only, max_version=max_version)
        self._conn = self._connect()

    def describe(self) -> str:
        return str(self.path)

    def _connect(self) -> sqlite3.Connection:
        path = self.path
        if path.exists():
            if path.is_dir():
                raise StoreError(f"{path} is a folder, not a GeoPackage file")
            with path.open("rb") as handle:
                head = handle.read(len(SQLITE_MAGIC))
            if head and head != SQLITE_MAGIC:
                raise StoreError(f"{path} is not a GeoPackage (not an SQLite database)")
        elif self.read_only:
            raise StoreError(
                f"{path} does not exist (a read-only store is never created; create it with `mapdata store init --store PATH`)"
            )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if self.read_only:
                conn = sqlite3.connect(
                    path.resolve().as_uri() + "?mode=ro",
                    uri=True,
                    isolation_level=None,
                    timeout=30,
                    check_same_thread=False,
                )
            else:
                conn = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
            _register_functions(conn)
            try:
                application_id = conn.execute("PRAGMA application_id").fetchone()[0]
            except sqlite3.OperationalError as exc:
                if not (self.read_only and _needs_recovery(exc)):
                    raise
                self._recover()
                application_id = conn.execute("PRAGMA application_id").fetchone()[0]
            tables = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path} cannot be opened as a GeoPackage: {exc}") from None
        if tables and application_id != GPKG_APPLICATION_ID:
            conn.close()
            raise StoreError(
                f"{path} is an SQLite database but not a GeoPackage (application_id is {application_id:#x})"
            )
        return conn

    def _recover(self) -> None:
        """Roll back what a writer that stopped mid-transaction left behind (a hot journal).

        A read-only connection may not do it, so every read would fail with "attempt to write a
        readonly database" until someone opened the file read-write. This does what that opener would:
        a read-write connection reads once (SQLite then restores the last committed state from the
        journal, whoever wrote it) and closes. No data is changed."""
        journal = self.path.with_name(self.path.name + "-journal")
        try:
            conn = sqlite3.connect(self.path, timeout=30)
            try:
                conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            finally:
                conn.close()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path}: a writer stopped in the middle of a change (its journal {journal.name} is still there) "
                f"and this process may not write the file to roll it back ({exc}). Run any mapdata command on it "
                f"as a user who may write the file and its folder (for example `mapdata store migrate --store "
                f"{self.path}`): that restores the last saved state."
            ) from None

    def _begin(self, write: bool) -> None:
        """Begin a transaction; a read one takes its snapshot at once (recovering a stopped writer's journal first)."""
        try:
            self._conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            if write:
                return
            try:
                self._conn.execute("PRAGMA schema_version").fetchone()
            except sqlite3.OperationalError as exc:
                self._rollback()
                if not (self.read_only and _needs_recovery(exc)):
                    raise
                self._recover()
                self._conn.execute("BEGIN")
                self._conn.execute("PRAGMA schema_version").fetchone()
        except sqlite3.OperationalError as exc:
            self._rollback()
            if _error_code(exc) in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY) and not self.read_only:
                raise _write_error(self.path, exc) from None
            raise StoreError(f"{self.path}: cannot start a transaction: {exc}") from None

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _transaction(self, *, write: bool) -> Iterator[Cursor]:
        with self._lock:
            self._begin(write)
            try:
                yield _SqliteCursor(self._conn)
                self._conn.execute("COMMIT")
            except BaseException as exc:
                self._rollback()
                if isinstance(exc, sqlite3.Error):
                    if write:
                        raise _write_error(self.path, exc) from None
                    raise StoreError(f"{self.path} cannot be read: {exc}") from None
                raise

    def _rollback(self) -> None:
        """Roll back what is open: SQLite has already rolled back after e.g. a full disk ("cannot rollback")."""
        if self._conn.in_transaction:
            try:
                self._conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    def _table_exists(self, cur: Cursor, name: str) -> bool:
        return cur.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)) is not None

    def _prepare_new(self, cur: Cursor) -> None:
        cur.execute(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
        cur.execute(f"PRAGMA user_version = {GPKG_USER_VERSION}")
        for statement in _GPKG_CORE:
            cur.execute(statement)
        for row in _SRS_ROWS:
            cur.execute("INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", row)

    def _after_migration(self, cur: Cursor) -> None:
        now = _timestamp(self._now())
        for table in schema.STORE_TABLES:
            if cur.one("SELECT 1 FROM gpkg_contents WHERE table_name = ?", (table,)) is not None:
                continue
            features = table == "places"
            cur.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    table,
                    "features" if features else "attributes",
                    table,
                    _DESCRIPTIONS.get(table, ""),
                    now,
                    SRS_ID if features else None,
                ),
            )
            if features:
                cur.execute(
                    "INSERT INTO gpkg_geometry_columns VALUES (?, ?, ?, ?, 0, 0)", (table, "geom", "GEOMETRY", SRS_ID)
                )

    def _after_write(self, cur: Cursor, state: _State, tables: set[str], now: dt.datetime) -> None:
        stamp = _timestamp(now)
        for table in tables:
            cur.execute("UPDATE gpkg_contents SET last_change = ? WHERE table_name = ?", (stamp, table))
        if "places" in tables:
            geometries = [row.record.geometry for row in state.rows["place"].values()]  # type: ignore[union-attr]
            extent = tuple(float(v) for v in shapely.total_bounds(geometries)) if geometries else (None,) * 4
            cur.execute(
                "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = 'places'",
                extent,
            )

    def _encode(self, type_: str, value: Any) -> Any:
        if value is None:
            return None
        if type_ == "list":
            return json.dumps(list(value), ensure_ascii=False)
        if type_ == "date":
            return value.isoformat()
        if type_ == "geometry":
            return gpkg_geometry(value)
        if type_ == "timestamp":
            return _timestamp(value)
        if type_ == "json":
            return json.dumps(value, ensure_ascii=False)
        return value

    def _decode(self, type_: str, value: Any) -> Any:
        if value is None:
            return None
        if type_ == "list":
            items = _json_list(value) if isinstance(value, str) else value
            if not isinstance(items, list):
                raise ValueError(f"{value!r} is not a JSON list")
            return items
        if type_ == "date":
            return dt.date.fromisoformat(value) if isinstance(value, str) else value
        if type_ == "geometry":
            return read_gpkg_geometry(value)
        if type_ == "timestamp":
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else value
        if type_ == "json":
            return json.loads(value) if isinstance(value, str) else value
        return value


def _needs_recovery(exc: sqlite3.OperationalError) -> bool:
    """Whether a read-only connection failed because a hot journal needs rolling back (SQLITE_READONLY_*)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return (code & 0xFF == sqlite3.SQLITE_READONLY) if isinstance(code, int) else "readonly database" in str(exc)


def _error_code(exc: sqlite3.Error) -> int:
    return int(getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF  # the primary result code


def _write_error(path: Path, exc: sqlite3.Error) -> StoreError:
    """What a failed statement means for the person running mapdata, and what to do (nothing was changed)."""
    code = _error_code(exc)
    if code == sqlite3.SQLITE_FULL:
        return StoreFullError(
            f"{path}: the disk holding the store is full (SQLite: {exc}); nothing was changed. Free some space on "
            "that disk (or move the store to a larger one), then try again."
        )
    if code == sqlite3.SQLITE_READONLY:
        return StoreNotWritableError(
            f"{path} cannot be written: the file or its folder is read-only for this user (SQLite: {exc}); "
            "nothing was changed. Give the user that runs mapdata write access to the file and its folder "
            "(chmod / chown), or open the store read-only to view it."
        )
    return StoreWriteError(f"{path}: the database refused the change (SQLite: {exc}); nothing was changed.")


def _json_list(text: str) -> Any:
    """``json.loads`` for a stored list, with a fast path for what this store writes.

    ``json.dumps`` of plain strings gives ``["a", "b"]``; without a backslash no item can
    hold a quote, so splitting on the separator is exact. Anything else goes to ``json.loads``.
    """
    if text == "[]":
        return []
    if text.startswith('["') and text.endswith('"]') and "\\" not in text:
        items = text[2:-2].split('", "')
        if not any('"' in item for item in items):
            return items
    return json.loads(text)
