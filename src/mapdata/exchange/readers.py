"""Reading GeoJSON, CSV and GeoPackage files into rows (the first step of an import): sizes, formats and
views are checked before anything is parsed."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from mapdata.exchange.snapshot import csv_text_read
from mapdata.model.errors import Problem
from mapdata.model.load import JsonTooDeep, parse_json
from mapdata.model.records import (
    MAX_GPKG_BYTES,
    MAX_IMPORT_ROWS,
    MAX_TEXT_BYTES,
    geometry_problem,
)

if TYPE_CHECKING:
    pass
from mapdata.exchange.columns import ALIASES, EXPORT_LAYER, SNIFF_BYTES, SQLITE_MAGIC, ImportRefused

# -- reading files into rows -----------------------------------------------------------


@dataclass
class _InRow:
    label: str  # "feature 3", "row 5", ...
    data: dict[str, Any]
    geometry: BaseGeometry | None = None
    geometry_problem: str = ""


def _sniff(path: Path) -> str:
    """'geojson', 'csv' or 'gpkg', from the file's first bytes; refuses anything else quickly."""
    name = path.name
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except FileNotFoundError:
        raise ImportRefused([Problem(name, "", "", "file does not exist")]) from None
    except OSError as exc:
        raise ImportRefused([Problem(name, "", "", f"cannot be read: {exc.strerror}")]) from None
    if size == 0:
        raise ImportRefused([Problem(name, "", "", "file is empty")])
    if head.startswith(SQLITE_MAGIC):
        if size > MAX_GPKG_BYTES:
            raise ImportRefused(
                [
                    Problem(
                        name,
                        "",
                        "",
                        f"is {size / 1e6:.1f} MB; GeoPackage imports are limited to {MAX_GPKG_BYTES / 1e6:.0f} MB",
                    )
                ]
            )
        return "gpkg"
    what = "is not a GeoJSON, CSV or GeoPackage file"
    if b"\x00" in head:
        raise ImportRefused([Problem(name, "", "", f"{what}: it holds binary data (NUL bytes) near the start")])
    try:
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(head, final=size <= SNIFF_BYTES)
    except UnicodeDecodeError as exc:
        raise ImportRefused([Problem(name, f"byte {exc.start}", "", f"{what}: it is not UTF-8 text")]) from None
    stripped = text.lstrip()
    if stripped.startswith("{"):
        kind = "geojson"
    elif stripped.startswith("["):
        raise ImportRefused(
            [Problem(name, "", "", "is a JSON list; a GeoJSON import must be a FeatureCollection object")]
        )
    else:
        first = stripped.splitlines()[0] if stripped else ""
        header = {_key(c) for c in next(csv.reader([first]), [])}
        if not header & {"name", "place_id"}:
            raise ImportRefused(
                [
                    Problem(
                        name,
                        "line 1",
                        "",
                        f"{what}: a CSV import needs a header row with a 'name' (or 'place_id') column",
                    )
                ]
            )
        kind = "csv"
    if size > MAX_TEXT_BYTES:
        raise ImportRefused(
            [
                Problem(
                    name,
                    "",
                    "",
                    f"is {size / 1e6:.1f} MB; {kind.upper()} imports are limited to "
                    f"{MAX_TEXT_BYTES / 1e6:.0f} MB (split the file)",
                )
            ]
        )
    return kind


def _check_row_count(name: str, count: int, what: str) -> None:
    if count > MAX_IMPORT_ROWS:
        raise ImportRefused(
            [
                Problem(
                    name,
                    "",
                    "",
                    f"holds more than {MAX_IMPORT_ROWS:,} {what}; split the file (the limit of one import)",
                )
            ]
        )


def _key(name: Any) -> str:
    key = str(name).strip().lower().lstrip("\ufeff")
    return ALIASES.get(key, key)


def _plain(value: Any) -> Any:
    """numpy / pandas scalars as Python values; NaN and NaT as None."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict, str, bytes)):
        try:
            value = value.item()
        except (ValueError, AttributeError):
            pass
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__name__ in {"NaTType"}:
        return None
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _geometry(row: _InRow, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, BaseGeometry):
        geometry = value
    else:
        if not isinstance(value, Mapping):
            row.geometry_problem = "must be a GeoJSON geometry object"
            return
        try:
            geometry = shape(value)
        except Exception as exc:  # shapely raises several types for malformed coordinates
            row.geometry_problem = f"malformed {value.get('type')} coordinates ({exc})"
            return
    if geometry.geom_type == "MultiPoint" and len(geometry.geoms) == 1:
        geometry = geometry.geoms[0]
    if geometry.has_z:
        geometry = shapely.force_2d(geometry)
    message = geometry_problem(geometry)
    if message:
        row.geometry_problem = message
    else:
        row.geometry = geometry


def _rows_geojson(path: Path) -> tuple[list[_InRow], list[Mapping[str, Any]], list[Problem]]:
    name = path.name
    try:
        data = parse_json(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ImportRefused([Problem(name, f"byte {exc.start}", "", "is not UTF-8 text")]) from None
    except json.JSONDecodeError as exc:
        raise ImportRefused(
            [Problem(name, f"line {exc.lineno} column {exc.colno}", "", f"is not valid JSON: {exc.msg}")]
        ) from None
    except (JsonTooDeep, ValueError) as exc:  # ValueError: e.g. an integer of more than 4,300 digits
        raise ImportRefused(
            [Problem(name, "", "", f"is not usable JSON: {exc}" if not isinstance(exc, JsonTooDeep) else str(exc))]
        ) from None
    if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
        raise ImportRefused([Problem(name, "", "type", "must be a GeoJSON FeatureCollection")])
    features = data.get("features")
    if not isinstance(features, list):
        raise ImportRefused([Problem(name, "", "features", "must be a list of features")])
    _check_row_count(name, len(features), "features")
    problems: list[Problem] = []
    rows: list[_InRow] = []
    for index, feature in enumerate(features, start=1):
        label = f"feature {index}"
        if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
            problems.append(Problem(name, label, "", "must be a GeoJSON Feature object"))
            continue
        props = feature.get("properties") or {}
        if not isinstance(props, Mapping):
            problems.append(Problem(name, label, "properties", "must be a JSON object"))
            continue
        row = _InRow(label, {_key(k): v for k, v in props.items()})
        _geometry(row, feature.get("geometry"))
        rows.append(row)
    forces = data.get("forces") or []
    if not isinstance(forces, list) or not all(isinstance(f, Mapping) for f in forces):
        problems.append(Problem(name, "", "forces", "must be a list of force objects"))
        forces = []
    return rows, forces, problems


def _rows_csv(path: Path) -> tuple[list[_InRow], list[Problem]]:
    name = path.name
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused([Problem(name, f"byte {exc.start}", "", "is not UTF-8 text")]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [_key(c) for c in next(reader)]
    except StopIteration:
        raise ImportRefused([Problem(name, "line 1", "", "has no header row")]) from None
    except csv.Error as exc:
        raise ImportRefused([Problem(name, "line 1", "", f"is not valid CSV: {exc}")]) from None
    # Only mapdata's own CSV exports (they always carry `verification_label`) had formula-like cells
    # neutralised with a quote (snapshot.csv_text): undo it there, and keep every other file's text as written.
    exported = "verification_label" in header
    problems: list[Problem] = []
    rows: list[_InRow] = []
    line = reader.line_num
    while True:
        start = line + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ImportRefused([Problem(name, f"row {start}", "", f"is not valid CSV: {exc}")]) from None
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        label = f"row {start}"
        _check_row_count(name, len(rows) + len(problems) + 1, "rows")
        if len(values) > len(header):
            problems.append(Problem(name, label, "", "has more values than the header has columns"))
            continue
        data = dict(zip(header, (csv_text_read(v) for v in values) if exported else values, strict=False))
        row = _InRow(label, data)
        wkt = (data.pop("wkt", "") or "").strip()
        lat, lon = (data.pop("lat", "") or "").strip(), (data.pop("lon", "") or "").strip()
        if wkt:
            try:
                row_geometry = shapely.from_wkt(wkt)
            except Exception as exc:  # GEOSException and friends
                row.geometry_problem = f"wkt is not valid WKT ({str(exc).splitlines()[0]})"
            else:
                _geometry(row, row_geometry)
        elif lat or lon:
            try:
                y, x = float(lat), float(lon)
            except ValueError:
                row.geometry_problem = f"lat/lon {lat!r}, {lon!r} are not numbers"
            else:
                if not (-90 <= y <= 90 and -180 <= x <= 180):
                    row.geometry_problem = f"lat {y} / lon {x} are outside -90..90 / -180..180"
                else:
                    row.geometry = Point(x, y)
        rows.append(row)
    return rows, problems


def _sqlite_objects(path: Path) -> dict[str, str]:
    """Tables and views of an SQLite file: name -> 'table' or 'view' (empty when it cannot be read)."""
    import sqlite3

    try:
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            return {
                str(name): str(type_)
                for name, type_ in conn.execute("SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')")
            }
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return {}


def _refuse_views(path: Path, names: Iterable[str], objects: Mapping[str, str]) -> None:
    """Views are refused: one can be recursive and never finish, or compute rows no file holds."""
    views = [n for n in names if objects.get(n) == "view"]
    if views:
        raise ImportRefused(
            [
                Problem(
                    path.name,
                    f"table '{views[0]}'",
                    "",
                    (
                        f"is a view, not a table ({', '.join(views)}); mapdata imports tables only. Save the view's rows as a "
                        "table (e.g. in QGIS: Export > Save Features As) and import that file"
                    ),
                )
            ]
        )


def _is_store(path: Path) -> bool:
    from mapdata.store.schema import STORE_TABLES

    objects = _sqlite_objects(path)
    if not {"meta", "control_periods", "audit"} <= set(objects):
        return False
    _refuse_views(path, STORE_TABLES, objects)
    return True


def _rows_gpkg(path: Path) -> tuple[list[_InRow], list[Problem]]:
    import pyogrio

    name = path.name
    try:
        layers = [(str(n), g) for n, g in pyogrio.list_layers(path)]
    except Exception as exc:  # pyogrio.errors.DataSourceError and friends
        raise ImportRefused([Problem(name, "", "", f"cannot be read as a GeoPackage: {exc}")]) from None
    spatial = [n for n, g in layers if g]
    if not spatial:
        raise ImportRefused([Problem(name, "", "", "has no layer with geometries")])
    layer = EXPORT_LAYER if EXPORT_LAYER in spatial else spatial[0]
    _refuse_views(path, [layer], _sqlite_objects(path))
    try:
        frame = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:
        raise ImportRefused([Problem(name, f"layer '{layer}'", "", f"cannot be read: {exc}")]) from None
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        try:
            frame = frame.to_crs(4326)
        except Exception as exc:
            raise ImportRefused(
                [
                    Problem(
                        name, f"layer '{layer}'", "geometry", f"cannot be converted from {frame.crs} to WGS 84: {exc}"
                    )
                ]
            ) from None
    _check_row_count(name, len(frame), f"features in layer '{layer}'")
    rows: list[_InRow] = []
    columns = [c for c in frame.columns if c != frame.geometry.name]
    for index, (values, geometry) in enumerate(
        zip(frame[columns].itertuples(index=False), frame.geometry, strict=True), start=1
    ):
        data = {_key(c): _plain(v) for c, v in zip(columns, values, strict=True)}
        for dropped in ("wkt", "lat", "lon"):
            data.pop(dropped, None)
        row = _InRow(f"feature {index} of layer '{layer}'", data)
        _geometry(row, geometry if geometry is not None and not geometry.is_empty else None)
        rows.append(row)
    extra = [n for n in spatial if n != layer]
    if extra:
        return rows, [Problem(name, "", "", f"has other layers ({', '.join(extra)}); only '{layer}' is read")]
    return rows, []
