"""Import and export scenario data as files other tools open (``docs/import-format.md``).

Import reads GeoJSON, CSV and GeoPackage files of *rows*: each row (feature) names
a place and may add a control period of a force there and an event backed by a
quote from a source. :func:`read_import` turns a file into :class:`Additions`,
having validated everything (problems name the row or feature and the field);
:func:`import_file` adds them to a store in one transaction, so the store is
unchanged on any error.

Export writes the same rows (GeoJSON, CSV, GeoPackage) — so an export imports back
into an empty store with the same state on every date — or KML for viewing, one
placemark per place. Exports can be limited to one date and to some forces.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import html
import io
import json
import math
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from xml.sax.saxutils import escape

import shapely
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry

from mapdata.errors import Problem, ScenarioError
from mapdata.load import JsonTooDeep, parse_json
from mapdata.models import (
    ControlPeriod,
    DatePrecision,
    Event,
    Force,
    Place,
    PlaceKind,
    Role,
    Scenario,
    Source,
    Verification,
)
from mapdata.review import slug
from mapdata.snapshot import csv_text, csv_text_read
from mapdata.store.records import (
    COLOUR_PATTERN,
    ID_PATTERN,
    MAX_GPKG_BYTES,
    MAX_IMPORT_ROWS,
    MAX_LIST_ITEMS,
    MAX_SOURCE_TEXT_CHARS,
    MAX_TEXT_BYTES,
    MAX_TEXT_CHARS,
    MAX_UNCERTAINTY_M,
    _geometry_problem,
    date_problem,
    field_of,
    number_problem,
    record_problems,
    text_problem,
)
from mapdata.timeline import Timeline
from mapdata.validate import check_consistency

if TYPE_CHECKING:
    from mapdata.store import Store

E = TypeVar("E", bound=StrEnum)

Format = Literal["geojson", "csv", "kml", "gpkg"]
EXPORT_FORMATS: tuple[str, ...] = ("geojson", "csv", "kml", "gpkg")
IMPORT_FORMAT_VERSION = 1
SNIFF_BYTES = 64 * 1024
SQLITE_MAGIC = b"SQLite format 3\x00"
EXPORT_LAYER = "mapdata"
DEFAULT_GEOMETRY_SOURCE = "import"
DEFAULT_EVENT_KIND = "report"
#: How far (degrees) around the stored places a new point still counts as inside the scenario's region.
REGION_MARGIN_DEG = 0.5
#: Okabe–Ito colours given to new forces in turn (those already used are skipped).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442", "#000000")

PLACE_FIELDS = ("place_id", "name", "name_ar", "aliases", "kind", "uncertainty_m", "location_note", "geometry_source")
FORCE_FIELDS = ("force", "force_name", "force_colour", "force_aliases")
PERIOD_FIELDS = ("role", "start", "end", "period_id", "period_note")
SOURCE_FIELDS = (
    "source", "publisher", "title", "published", "published_inferred", "published_basis", "url", "language",
    "licence", "text_file", "source_text",
)
EVENT_FIELDS = (
    "event_id", "date", "date_precision", "date_as_written", "date_note", "event_kind", "summary", "event_places",
    "event_forces", "quote", "quote_start", "verification", "claimed_by", "verification_note",
)
#: Columns an export adds that import ignores (computed, or the CSV's geometry columns).
OUTPUT_ONLY = ("verification_label", "as_of", "on_date", "status", "holder", "since", "wkt", "lat", "lon")
COLUMNS = PLACE_FIELDS + FORCE_FIELDS + PERIOD_FIELDS + SOURCE_FIELDS + EVENT_FIELDS
#: The record field whose limits a column's text is held to (the others: MAX_TEXT_CHARS).
COLUMN_FIELDS = {
    "name": ("place", "name_en"), "name_ar": ("place", "name_ar"), "location_note": ("place", "location_note"),
    "geometry_source": ("place", "geometry_source"), "force_name": ("force", "name"),
    "period_note": ("period", "note"), "published_basis": ("source", "published_basis"),
    "source_text": ("source", "text"), "date_note": ("event", "date_note"), "summary": ("event", "summary"),
    "quote": ("event", "quote"), "verification_note": ("event", "verification_note"),
}
#: Other spellings accepted on import.
ALIASES = {"id": "place_id", "name_en": "name", "latitude": "lat", "longitude": "lon", "lng": "lon",
           "note": "period_note", "colour": "force_colour", "color": "force_colour", "force_color": "force_colour"}


class ImportRefused(ScenarioError):
    """The file cannot be imported; ``problems`` say where and why. Nothing was changed."""


# -- what an import adds ---------------------------------------------------------------


@dataclass(frozen=True)
class Additions:
    """New records read from an import file, validated against the scenario they are added to."""

    file: str
    forces: tuple[Force, ...] = ()
    places: tuple[Place, ...] = ()
    sources: tuple[Source, ...] = ()
    events: tuple[Event, ...] = ()
    periods: tuple[ControlPeriod, ...] = ()
    warnings: tuple[str, ...] = ()

    def records(self) -> list[Force | Place | Source | Event | ControlPeriod]:
        return [*self.forces, *self.places, *self.sources, *self.events, *self.periods]

    def changes(self) -> list[Any]:
        """Store changes adding every record (for :meth:`mapdata.store.Store.apply`)."""
        from mapdata.store import Add

        return [Add(record) for record in self.records()]

    def apply_to(self, scenario: Scenario) -> Scenario:
        return dataclasses.replace(
            scenario, forces=scenario.forces + self.forces, places=scenario.places + self.places,
            sources=scenario.sources + self.sources, events=scenario.events + self.events,
            periods=scenario.periods + self.periods,
        )

    @property
    def is_empty(self) -> bool:
        return not self.records()

    def summary(self) -> str:
        parts = []
        for name, items in (("force", self.forces), ("place", self.places), ("source", self.sources),
                            ("event", self.events), ("control period", self.periods)):
            if items:
                parts.append(f"{len(items)} {name}{'s' if len(items) != 1 else ''}")
        return ", ".join(parts) or "nothing"


def _empty_scenario() -> Scenario:
    return Scenario(title="", forces=(), places=(), sources=(), events=(), periods=())


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
            raise ImportRefused([Problem(name, "", "", f"is {size / 1e6:.1f} MB; GeoPackage imports are limited to "
                                                        f"{MAX_GPKG_BYTES / 1e6:.0f} MB")])
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
        raise ImportRefused([Problem(name, "", "", "is a JSON list; a GeoJSON import must be a FeatureCollection object")])
    else:
        first = stripped.splitlines()[0] if stripped else ""
        header = {_key(c) for c in next(csv.reader([first]), [])}
        if not header & {"name", "place_id"}:
            raise ImportRefused([Problem(name, "line 1", "", f"{what}: a CSV import needs a header row with a "
                                                              "'name' (or 'place_id') column")])
        kind = "csv"
    if size > MAX_TEXT_BYTES:
        raise ImportRefused([Problem(name, "", "", f"is {size / 1e6:.1f} MB; {kind.upper()} imports are limited to "
                                                    f"{MAX_TEXT_BYTES / 1e6:.0f} MB (split the file)")])
    return kind


def _check_row_count(name: str, count: int, what: str) -> None:
    if count > MAX_IMPORT_ROWS:
        raise ImportRefused([Problem(name, "", "", f"holds more than {MAX_IMPORT_ROWS:,} {what}; "
                                                    "split the file (the limit of one import)")])


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
    message = _geometry_problem(geometry)
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
        raise ImportRefused([Problem(name, f"line {exc.lineno} column {exc.colno}", "", f"is not valid JSON: {exc.msg}")]) from None
    except (JsonTooDeep, ValueError) as exc:  # ValueError: e.g. an integer of more than 4,300 digits
        raise ImportRefused([Problem(name, "", "", f"is not usable JSON: {exc}" if not isinstance(exc, JsonTooDeep)
                                     else str(exc))]) from None
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
            return {str(name): str(type_) for name, type_ in conn.execute(
                "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')")}
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return {}


def _refuse_views(path: Path, names: Iterable[str], objects: Mapping[str, str]) -> None:
    """Views are refused: one can be recursive and never finish, or compute rows no file holds."""
    views = [n for n in names if objects.get(n) == "view"]
    if views:
        raise ImportRefused([Problem(path.name, f"table '{views[0]}'", "", (
            f"is a view, not a table ({', '.join(views)}); mapdata imports tables only. Save the view's rows as a "
            "table (e.g. in QGIS: Export > Save Features As) and import that file"))])


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
            raise ImportRefused([Problem(name, f"layer '{layer}'", "geometry",
                                         f"cannot be converted from {frame.crs} to WGS 84: {exc}")]) from None
    _check_row_count(name, len(frame), f"features in layer '{layer}'")
    rows: list[_InRow] = []
    columns = [c for c in frame.columns if c != frame.geometry.name]
    for index, (values, geometry) in enumerate(zip(frame[columns].itertuples(index=False), frame.geometry, strict=True), start=1):
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


# -- rows into records -----------------------------------------------------------------


class _Fields:
    """Typed access to one row's values; problems are noted, never raised."""

    def __init__(self, importer: _Importer, row: _InRow) -> None:
        self.importer = importer
        self.row = row

    def problem(self, name: str, message: str) -> None:
        self.importer.refused.add((self.row.label, name))
        self.importer.problem(self.row.label, name, message)

    def missing(self, name: str, message: str) -> None:
        """Note that ``name`` is missing, unless its value was given and refused (that problem says it already)."""
        if (self.row.label, name) not in self.importer.refused:
            self.problem(name, message)

    def raw(self, name: str) -> Any:
        value = self.row.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return value  # a NaN (GeoJSON) is refused by number(); a GeoPackage's NULL was made None by _plain()

    def has(self, name: str) -> bool:
        return self.raw(name) is not None

    def _checked(self, name: str, value: str) -> str:
        """The text, if the record rules allow it in the column's field; else "" (and a problem, once)."""
        where = COLUMN_FIELDS.get(name)
        field_ = field_of(*where) if where else None
        message = text_problem(value, max_chars=field_.max_chars if field_ else MAX_TEXT_CHARS)
        if message:
            if (self.row.label, name) not in self.importer.refused:
                self.problem(name, message)
            return ""
        return value

    def text(self, name: str) -> str:
        value = self.raw(name)
        if value is None:
            return ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        if not isinstance(value, str):
            self.problem(name, f"must be text, not {type(value).__name__}")
            return ""
        return self._checked(name, value.strip())

    def long_text(self, name: str) -> str:
        """Text kept exactly as written (source texts and quotes)."""
        value = self.raw(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problem(name, f"must be text, not {type(value).__name__}")
            return ""
        return self._checked(name, value)

    def ident(self, name: str) -> str:
        value = self.text(name)
        if value and not ID_PATTERN.match(value):
            self.problem(name, f"{value!r} is not a valid id (lower-case letters, digits and _)")
            return ""
        return value

    def date(self, name: str) -> dt.date | None:
        value = self.text(name)
        if not value:
            return None
        try:
            day = dt.date.fromisoformat(value[:10] if re.match(r"^\d{4}-\d\d-\d\dT", value) else value)
        except ValueError:
            self.problem(name, f"{value[:40]!r} is not a date (YYYY-MM-DD)")
            return None
        message = date_problem(day)
        if message:
            self.problem(name, message)
            return None
        return day

    def choice(self, name: str, kind: type[E], default: E | None = None) -> E | None:
        value = self.text(name)
        if not value:
            return default
        try:
            return kind(value.lower())
        except ValueError:
            self.problem(name, f"{value!r} is not one of: {', '.join(m.value for m in kind)}")
            return default

    def number(self, name: str, *, high: float) -> float | None:
        """A finite number from 0 to ``high`` (the record rules' range of the field); else a problem."""
        value = self.raw(name)
        if value is None:
            return None
        try:
            number = float(value) if not isinstance(value, bool) else math.nan
        except (TypeError, ValueError, OverflowError):
            number = math.nan
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        if math.isnan(number) or number < 0:
            self.problem(name, f"{shown} is not a non-negative number")
            return None
        message = number_problem(number, high=high)
        if message:
            self.problem(name, message)
            return None
        return number

    def integer(self, name: str, *, high: float) -> int | None:
        number = self.number(name, high=high)
        if number is None:
            return None
        if number != int(number):
            self.problem(name, f"{number!r} is not a whole number")
            return None
        return int(number)

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.raw(name)
        if value is None:
            return ()
        if isinstance(value, str):
            value = value.split(";")
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(name, "must be a list of text values (or text separated by ';')")
            return ()
        if len(value) > MAX_LIST_ITEMS:
            self.problem(name, f"has {len(value):,} values; the limit is {MAX_LIST_ITEMS:,}")
            return ()
        items = tuple(self._checked(name, v.strip()) for v in value if v.strip())
        return items if all(items) else ()


@dataclass
class _Draft:
    """A record being assembled from one or more rows."""

    label: str
    fields: dict[str, Any]
    supports: list[tuple[str, str]] = field(default_factory=list)  # periods: ("event"|"source", id)
    places: list[str] = field(default_factory=list)  # events: places of the rows naming it
    forces: list[str] = field(default_factory=list)
    quotes: list[str] = field(default_factory=list)  # sources given without their text: the quotes are the text


class _Importer:
    def __init__(self, file: str, existing: Scenario) -> None:
        self.file = file
        self.existing = existing
        self.problems: list[Problem] = []
        self.warnings: list[str] = []
        self.forces: dict[str, _Draft] = {}
        self.places: dict[str, _Draft] = {}
        self.place_keys: dict[tuple[str, bytes], str] = {}
        self.sources: dict[str, _Draft] = {}
        self.events: dict[str, _Draft] = {}
        self.periods: dict[str, _Draft] = {}
        self.period_keys: dict[tuple[Any, ...], str] = {}
        self.where: dict[tuple[str, str], str] = {}
        self.used_colours = {f.colour.upper() for f in existing.forces}
        self.refused: set[tuple[str, str]] = set()  # (row, column) with a problem: reported once, never "missing" too
        # Indexes, so that each row costs the same however many rows and stored records there are
        # (import time grows linearly): ids in the store and in the file, and the keys rows are matched by.
        self.stored: dict[str, Mapping[str, Any]] = {
            "force": existing.force_by_id, "place": existing.place_by_id, "source": existing.source_by_id,
            "event": existing.event_by_id, "period": {p.id: p for p in existing.periods},
        }
        self.drafts: dict[str, dict[str, _Draft]] = {
            "force": self.forces, "place": self.places, "source": self.sources, "event": self.events,
            "period": self.periods,
        }
        self.next_suffix: dict[tuple[str, str], int] = {}
        self.stored_places_named: dict[str, list[Place]] = {}
        for place in existing.places:
            for name in dict.fromkeys(n.casefold() for n in (place.name_en, *place.aliases)):
                self.stored_places_named.setdefault(name, []).append(place)
        self.draft_places_named: dict[str, list[str]] = {}
        self.stored_event_keys: dict[tuple[Any, ...], str] = {}
        for event in existing.events:
            self.stored_event_keys.setdefault((event.source_id, event.quote, event.date), event.id)
        self.event_keys: dict[tuple[Any, ...], str] = {}
        self.stored_period_keys: dict[tuple[Any, ...], ControlPeriod] = {}
        for period in existing.periods:
            self.stored_period_keys.setdefault((period.place_id, period.force_id, period.role, period.start,
                                                period.end), period)
        self.stored_sources_by_publisher: dict[str, list[Source]] = {}
        for source in existing.sources:
            self.stored_sources_by_publisher.setdefault(source.publisher.casefold(), []).append(source)
        self.sources_by_publisher: dict[str, list[str]] = {}
        self.quote_offsets: dict[str, dict[str, int]] = {}  # sources made of their quotes: where each quote is
        self.region: tuple[float, float, float, float] | None = None  # see _region()
        self.region_known = False

    def problem(self, label: str, name: str, message: str) -> None:
        self.problems.append(Problem(self.file, label, name, message))

    def _taken(self, kind: str, ident: str) -> bool:
        return ident in self.stored[kind] or ident in self.drafts[kind]

    def _new_id(self, kind: str, base: str) -> str:
        base = slug(base, limit=60)
        if not self._taken(kind, base):
            return base
        n = self.next_suffix.get((kind, base), 2)  # the suffixes below were taken when last asked
        while self._taken(kind, f"{base}_{n}"):
            n += 1
        self.next_suffix[(kind, base)] = n + 1
        return f"{base}_{n}"

    @staticmethod
    def _same(a: Any, b: Any) -> bool:
        if isinstance(a, BaseGeometry) and isinstance(b, BaseGeometry):
            return a.geom_type == b.geom_type and a.equals_exact(b, 1e-9)
        if isinstance(a, float) or isinstance(b, float):
            return a is not None and b is not None and math.isclose(float(a), float(b))
        return bool(a == b)

    def _agree(self, f: _Fields, given: Mapping[str, Any], known: Mapping[str, Any], what: str) -> None:
        """Fields a row repeats for an already known record must match it."""
        for name, value in given.items():
            if name in known and not self._same(value, known[name]):
                f.problem(name, f"{value!r} differs from {known[name]!r} given for {what}")

    # -- forces ------------------------------------------------------------------------
    def declare_forces(self, items: list[Mapping[str, Any]]) -> None:
        for index, item in enumerate(items, start=1):
            row = _InRow(f"forces[{index}]", {
                "force": item.get("id"), "force_name": item.get("name"), "force_colour": item.get("colour"),
                "force_aliases": item.get("aliases"),
            })
            f = _Fields(self, row)
            ident = f.ident("force")
            if not ident:
                f.missing("id", "is missing")
                continue
            self.force(f)

    def force(self, f: _Fields) -> str:
        value = f.text("force")
        given: dict[str, Any] = {k: v for k, v in (
            ("name", f.text("force_name")), ("colour", f.text("force_colour").upper()),
            ("aliases", f.strings("force_aliases"))) if v}
        ident = self._resolve_force(value)
        if ident is not None:
            if ident in self.existing.force_by_id:
                stored = self.existing.force_by_id[ident]
                self._agree(f, {k: v for k, v in given.items() if k != "aliases"},
                            {"name": stored.name, "colour": stored.colour.upper()}, f"force '{ident}' in the store")
            else:
                draft = self.forces[ident]
                self._agree(f, given, draft.fields, f"force '{ident}' ({draft.label})")
                for key, item in given.items():
                    draft.fields.setdefault(key, item)
            return ident
        # Into a store that has forces, an undeclared unknown force is a typo until proven otherwise;
        # into an empty store (a new conflict), forces are created as named.
        if self.existing.forces and not given.get("name") and not given.get("colour"):
            known = ", ".join(sorted(self.existing.force_by_id)) or "none yet"
            f.problem("force", f"unknown force {value!r}: give a known force's id, name or alias (known ids: {known}), "
                               "or declare a new force with force_name (and force_colour)")
            return value
        ident = value if ID_PATTERN.match(value) else self._new_id("force", value)
        colour = str(given.get("colour") or "")
        if colour and not COLOUR_PATTERN.match(colour):
            f.problem("force_colour", f"{colour!r} is not a colour like #0072B2")
        self.forces[ident] = _Draft(f.row.label, {"name_from": value, **given})
        self.where[("force", ident)] = f.row.label
        return ident

    def _resolve_force(self, value: str) -> str | None:
        if value in self.existing.force_by_id or value in self.forces:
            return value
        wanted = value.casefold()
        for force in self.existing.forces:
            if wanted in {force.name.casefold(), *(a.casefold() for a in force.aliases)}:
                return force.id
        for ident, draft in self.forces.items():
            names = {str(draft.fields.get("name", "")).casefold(), str(draft.fields.get("name_from", "")).casefold()}
            if wanted in names | {a.casefold() for a in draft.fields.get("aliases", ())}:
                return ident
        return None

    def _finish_force(self, ident: str, draft: _Draft) -> Force:
        name = draft.fields.get("name") or ""
        raw = draft.fields.get("name_from", ident)
        if not name:
            name = raw.replace("_", " ").title() if ID_PATTERN.match(raw) else raw
        colour = draft.fields.get("colour")
        if not colour:
            colour = next((c for c in PALETTE if c not in self.used_colours), "#999999")
        self.used_colours.add(colour.upper())
        return Force(id=ident, name=name, colour=colour.upper(), aliases=tuple(draft.fields.get("aliases", ())))

    # -- places ------------------------------------------------------------------------
    def place(self, f: _Fields) -> str | None:
        row = f.row
        pid = f.ident("place_id")
        name = f.text("name")
        if row.geometry_problem:
            f.problem("geometry", row.geometry_problem)
        given: dict[str, Any] = {"name_en": name} if name else {}
        kind = f.choice("kind", PlaceKind)
        if kind is not None:
            given["kind"] = kind
        for key in ("name_ar", "location_note", "geometry_source"):
            if f.has(key):
                given[key] = f.text(key)
        if f.has("aliases"):
            given["aliases"] = f.strings("aliases")
        if f.has("uncertainty_m"):
            given["uncertainty_m"] = f.number("uncertainty_m", high=MAX_UNCERTAINTY_M)
        if row.geometry is not None:
            given["geometry"] = row.geometry
        if pid and pid in self.existing.place_by_id:
            stored = dataclasses.asdict(self.existing.place_by_id[pid]) | {"geometry": self.existing.place_by_id[pid].geometry}
            self._agree(f, given, stored, f"place '{pid}' in the store (leave the field empty to refer to it)")
            return pid
        if not pid and name and row.geometry is not None:
            pid = self.place_keys.get((name.casefold(), shapely.to_wkb(row.geometry)), "")
            if not pid:
                named = self.stored_places_named.get(name.casefold(), [])
                same = [p for p in named
                        if p.geometry.geom_type == row.geometry.geom_type and p.geometry.equals_exact(row.geometry, 1e-9)]
                if same:
                    return same[0].id
                namesakes = [p.id for p in named]
                if namesakes:
                    self.warnings.append(f"{self.file}, {row.label}: a place named {name!r} is already in the store "
                                         f"({', '.join(namesakes)}) with another geometry; a new place was added "
                                         "(give place_id to refer to the stored one)")
        if not pid and name and row.geometry is None:
            matches = [p.id for p in self.stored_places_named.get(name.casefold(), [])]
            matches += self.draft_places_named.get(name.casefold(), [])
            if len(matches) == 1:
                return matches[0]
        if pid and pid in self.places:
            draft = self.places[pid]
            self._agree(f, given, draft.fields, f"place '{pid}' ({draft.label})")
            for key, item in given.items():
                draft.fields.setdefault(key, item)
            return pid
        if not name:
            f.missing("name", "is missing (a new place needs a name)")
            return None
        if row.geometry is None:
            if not row.geometry_problem:
                f.missing("geometry", "is missing: a new place needs a geometry (GeoJSON geometry, CSV lat/lon or wkt)")
            return None
        self._check_swapped(row)
        pid = pid or self._new_id("place", name)
        self.places[pid] = _Draft(row.label, given)
        self.draft_places_named.setdefault(name.casefold(), []).append(pid)
        self.place_keys[(name.casefold(), shapely.to_wkb(row.geometry))] = pid
        self.where[("place", pid)] = row.label
        return pid

    def _region(self) -> tuple[float, float, float, float] | None:
        """The scenario's region: the box around the stored places, REGION_MARGIN_DEG wider on every side."""
        if not self.region_known:
            self.region_known = True
            if self.existing.places:
                minx, miny, maxx, maxy = shapely.total_bounds([p.geometry for p in self.existing.places])
                m = REGION_MARGIN_DEG
                self.region = (float(minx) - m, float(miny) - m, float(maxx) + m, float(maxy) + m)
        return self.region

    def _check_swapped(self, row: _InRow) -> None:
        """Warn about a point outside the scenario's region that would be inside it with lat and lon swapped."""
        point = row.geometry
        region = self._region()
        if region is None or point is None or point.geom_type != "Point":
            return
        minx, miny, maxx, maxy = region

        def inside(x: float, y: float) -> bool:
            return minx <= x <= maxx and miny <= y <= maxy

        x, y = point.x, point.y
        if not inside(x, y) and inside(y, x):
            self.warnings.append(
                f"{self.file}, {row.label}: lat {y:g} / lon {x:g} is outside the scenario's region (lat {miny:.1f} "
                f"to {maxy:.1f}, lon {minx:.1f} to {maxx:.1f}), but lat {x:g} / lon {y:g} is inside it: are lat and "
                "lon swapped? (the place was added as given; GeoJSON coordinates are [lon, lat])")

    def _finish_place(self, ident: str, draft: _Draft) -> Place:
        fields = draft.fields
        geometry: BaseGeometry = fields["geometry"]
        default_kind = {"Point": PlaceKind.TOWN, "LineString": PlaceKind.BORDER,
                        "MultiLineString": PlaceKind.BORDER}.get(geometry.geom_type, PlaceKind.AREA)
        return Place(
            id=ident, name_en=fields["name_en"], kind=fields.get("kind") or default_kind, geometry=geometry,
            geometry_source=fields.get("geometry_source") or DEFAULT_GEOMETRY_SOURCE,
            name_ar=fields.get("name_ar", ""), aliases=tuple(fields.get("aliases", ())),
            uncertainty_m=fields.get("uncertainty_m"), location_note=fields.get("location_note", ""),
        )

    # -- sources -----------------------------------------------------------------------
    def source(self, f: _Fields, quote: str) -> str | None:
        value = f.text("source")
        given: dict[str, Any] = {}
        for key in ("publisher", "title", "published_basis", "url", "language", "licence", "text_file"):
            if f.has(key):
                given[key] = f.text(key)
        for key in ("published", "published_inferred"):
            if f.has(key):
                given[key] = f.date(key)
        if f.has("source_text"):
            given["text"] = f.long_text("source_text")
        if not value and not given.get("publisher"):
            if quote:
                f.missing("source", "is missing: a quote needs its source (the publisher, or a source id)")
            return None
        if value in self.existing.source_by_id:
            stored = dataclasses.asdict(self.existing.source_by_id[value])
            self._agree(f, given, stored, f"source '{value}' in the store (leave the field empty to refer to it)")
            return value
        if value not in self.sources and value:
            value = self._source_by_publisher(f, value, given) or value
        if value not in self.sources and (value or given.get("publisher")):
            stored_id = self._stored_source(value, given, quote)
            if stored_id is not None:
                return stored_id
        if value in self.sources:
            draft = self.sources[value]
            self._agree(f, given, draft.fields, f"source '{value}' ({draft.label})")
            for key, item in given.items():
                draft.fields.setdefault(key, item)
            if quote:
                draft.quotes.append(quote)
            return value
        publisher = given.get("publisher") or value
        given["publisher"] = publisher
        when = given.get("published") or given.get("published_inferred")
        if value and ID_PATTERN.match(value) and not self._taken("source", value):
            ident = value
        else:
            ident = self._new_id("source", f"{publisher} {when.isoformat() if when else ''}")
        draft = _Draft(f.row.label, given)
        if quote:
            draft.quotes.append(quote)
        self.sources[ident] = draft
        self.sources_by_publisher.setdefault(str(publisher).casefold(), []).append(ident)
        self.where[("source", ident)] = f.row.label
        return ident

    def _stored_source(self, value: str, given: Mapping[str, Any], quote: str) -> str | None:
        """A stored source this row means: same publisher, same title and dates when given, and the quote in it."""
        publisher = str(given.get("publisher") or value).casefold()
        for source in self.stored_sources_by_publisher.get(publisher, []):
            if any(getattr(source, k) != given[k] for k in ("title", "published", "published_inferred") if k in given):
                continue
            if quote and quote not in source.text:
                continue
            if quote or "title" in given:
                return source.id
        return None

    def _source_by_publisher(self, f: _Fields, value: str, given: Mapping[str, Any]) -> str | None:
        """A source defined earlier in the file whose publisher is ``value`` (and title / date, when given)."""
        found = [
            ident for ident in self.sources_by_publisher.get(value.casefold(), [])
            if all(self.sources[ident].fields.get(k) == given[k] for k in ("title", "published") if k in given)
        ]
        if len(found) > 1:
            f.problem("source", f"several sources from {value!r} earlier in the file ({', '.join(found)}): "
                                "give the source id, or the title")
        return found[0] if found else None

    def _finish_source(self, ident: str, draft: _Draft) -> Source:
        fields = draft.fields
        text = fields.get("text")
        if not text:  # no full text given: the quotes are the text (and we know where each one is)
            quotes = list(dict.fromkeys(draft.quotes))
            text = "\n\n".join(quotes)
            offsets, at = {}, 0
            for quote in quotes:
                offsets[quote] = at
                at += len(quote) + 2
            self.quote_offsets[ident] = offsets
        when = fields.get("published") or fields.get("published_inferred")
        title = fields.get("title") or f"Report by {fields['publisher']}" + (f" of {when.isoformat()}" if when else "")
        return Source(
            id=ident, publisher=fields["publisher"], title=title, text=text,
            text_file=fields.get("text_file") or f"sources/{ident}.txt", published=fields.get("published"),
            published_inferred=fields.get("published_inferred"), published_basis=fields.get("published_basis", ""),
            url=fields.get("url", ""), language=fields.get("language", ""), licence=fields.get("licence", ""),
        )

    # -- events ------------------------------------------------------------------------
    def event(self, f: _Fields, place_id: str | None, force_id: str | None, source_id: str | None,
              start: dt.date | None) -> str | None:
        eid = f.ident("event_id")
        quote = f.long_text("quote")
        if not quote:
            if not eid:
                return None
            if eid in self.existing.event_by_id:
                return eid
            if eid in self.events:
                self._event_links(self.events[eid], place_id, force_id)
                return eid
            f.missing("quote", f"is missing: event '{eid}' is neither in the store nor earlier in the file")
            return None
        given: dict[str, Any] = {"quote": quote}
        if source_id:
            given["source_id"] = source_id
        day = f.date("date")
        if day is not None:
            given["date"] = day
        for key, enum in (("date_precision", DatePrecision), ("verification", Verification)):
            choice = f.choice(key, enum)
            if choice is not None:
                given[key] = choice
        for key, name in (("date_as_written", "date_as_written"), ("date_note", "date_note"), ("kind", "event_kind"),
                          ("summary", "summary"), ("claimed_by", "claimed_by"),
                          ("verification_note", "verification_note")):
            if f.has(name):
                given[key] = f.text(name)
        if f.has("event_places"):
            given["place_ids"] = f.strings("event_places")
        if f.has("event_forces"):
            given["force_ids"] = tuple(self._event_force(f, value) for value in f.strings("event_forces"))
        if f.has("quote_start"):
            given["quote_start"] = f.integer("quote_start", high=MAX_SOURCE_TEXT_CHARS)
        if eid and eid in self.existing.event_by_id:
            stored = dataclasses.asdict(self.existing.event_by_id[eid])
            self._agree(f, given, stored, f"event '{eid}' in the store (use another event_id for a new event)")
            return eid
        when = given.get("date") or start
        if not eid and source_id and when is not None:
            same = (source_id, quote, when)
            known = self.stored_event_keys.get(same)
            if known is not None:
                return known
            eid = self.event_keys.get(same, "")
        if eid and eid in self.events:
            draft = self.events[eid]
            self._agree(f, given, draft.fields, f"event '{eid}' ({draft.label})")
            for key, item in given.items():
                draft.fields.setdefault(key, item)
            self._event_links(draft, place_id, force_id)
            return eid
        if source_id is None:
            return None  # reported by source()
        if when is None:
            f.missing("date", "is missing: an event (a quote) needs its date")
            return None
        given["date"] = when
        eid = eid or self._new_id("event", f"{place_id or source_id}_{given['date'].isoformat()}_"
                                           f"{given.get('kind') or DEFAULT_EVENT_KIND}")
        draft = _Draft(f.row.label, given)
        self._event_links(draft, place_id, force_id)
        self.events[eid] = draft
        self.event_keys.setdefault((given.get("source_id"), quote, given["date"]), eid)
        self.where[("event", eid)] = f.row.label
        return eid

    def _event_force(self, f: _Fields, value: str) -> str:
        """A force an event names: known by id, name or alias, else a new force."""
        ident = self._resolve_force(value)
        if ident is None:
            ident = value if ID_PATTERN.match(value) else self._new_id("force", value)
            self.forces[ident] = _Draft(f.row.label, {"name_from": value})
            self.where[("force", ident)] = f.row.label
        return ident

    @staticmethod
    def _event_links(draft: _Draft, place_id: str | None, force_id: str | None) -> None:
        if place_id and place_id not in draft.places:
            draft.places.append(place_id)
        if force_id and force_id not in draft.forces:
            draft.forces.append(force_id)

    def _finish_event(self, ident: str, draft: _Draft, sources: Mapping[str, Source]) -> Event | None:
        fields = draft.fields
        quote: str = fields["quote"]
        source = sources.get(fields["source_id"]) or self.existing.source_by_id.get(fields["source_id"])
        text = source.text if source else ""
        start = fields.get("quote_start")
        if start is None or text[start:start + len(quote)] != quote:
            found = self.quote_offsets.get(source.id, {}).get(quote, -1) if source is not None else -1
            found = found if found >= 0 else text.find(quote)
            if found < 0:
                if start is not None and source is not None:
                    self.problem(draft.label, "quote_start", f"the quote is not at {start} in the text of source "
                                                             f"'{source.id}', nor anywhere else in it")
                else:
                    self.problem(draft.label, "quote", f"is not in the text of source '{fields['source_id']}'")
                return None
            start = found
        force_ids = tuple(fields.get("force_ids") or draft.forces)
        if not force_ids:
            self.problem(draft.label, "event_forces", "an event needs at least one force: give force or event_forces")
        summary = fields.get("summary") or (quote if len(quote) <= 200 else quote[:197].rstrip() + "…")
        return Event(
            id=ident, date=fields["date"], date_precision=fields.get("date_precision", DatePrecision.DAY),
            place_ids=tuple(fields.get("place_ids") or draft.places), force_ids=force_ids,
            kind=fields.get("kind") or DEFAULT_EVENT_KIND, summary=" ".join(summary.split()),
            source_id=fields["source_id"], quote=quote, quote_start=start, quote_end=start + len(quote),
            verification=fields.get("verification", Verification.REPORTED), claimed_by=fields.get("claimed_by", ""),
            verification_note=fields.get("verification_note", ""), date_as_written=fields.get("date_as_written", ""),
            date_note=fields.get("date_note", ""),
        )

    # -- periods -----------------------------------------------------------------------
    def period(self, f: _Fields, place_id: str, force_id: str, event_id: str | None, source_id: str | None) -> None:
        pid = f.ident("period_id")
        given: dict[str, Any] = {"place_id": place_id, "force_id": force_id,
                                 "role": f.choice("role", Role, Role.CONTROL)}
        start, end = f.date("start"), f.date("end")
        given["start"], given["end"] = start, end
        if f.has("period_note"):
            given["note"] = f.text("period_note")
        support = ("event", event_id) if event_id else ("source", source_id) if source_id else None
        key = (place_id, force_id, given["role"], start, end)
        stored = self.stored["period"].get(pid) if pid else self.stored_period_keys.get(key)
        if stored is not None:  # already in the store: only its evidence could be new, and imports only add
            if pid:
                self._agree(f, given, dataclasses.asdict(stored),
                            f"control period '{pid}' in the store (use another period_id for a new period)")
            kind, ident = support or ("", "")
            if support is not None and ident not in (stored.event_ids if kind == "event" else stored.source_ids):
                self.warnings.append(
                    f"{self.file}, {f.row.label}: control period '{stored.id}' is already in the store; the {kind} "
                    f"'{ident}' on this row was not linked to it (edit the period to add it)")
            return
        if not pid:
            pid = self.period_keys.get(key, "")
        if pid and pid in self.periods:
            draft = self.periods[pid]
            self._agree(f, given, draft.fields, f"control period '{pid}' ({draft.label})")
            for name, item in given.items():
                draft.fields.setdefault(name, item)
        else:
            if support is None:
                f.missing("source", "is missing: a control period needs evidence (a source, and a quote)")
                return
            pid = pid or self._new_id("period", f"{place_id}_{force_id}_{given['role'].value}_"
                                                f"{start.isoformat() if start else 'open'}")
            draft = _Draft(f.row.label, given)
            self.periods[pid] = draft
            self.period_keys[key] = pid
            self.where[("period", pid)] = f.row.label
        if support is not None and support not in draft.supports:
            draft.supports.append(support)

    def _finish_period(self, ident: str, draft: _Draft) -> ControlPeriod:
        fields = draft.fields
        return ControlPeriod(
            id=ident, place_id=fields["place_id"], force_id=fields["force_id"], role=fields["role"],
            start=fields["start"], end=fields["end"],
            event_ids=tuple(i for k, i in draft.supports if k == "event"),
            source_ids=tuple(i for k, i in draft.supports if k == "source"), note=fields.get("note", ""),
        )

    # -- one row -----------------------------------------------------------------------
    def row(self, row: _InRow) -> None:
        f = _Fields(self, row)
        place_id = self.place(f)
        force_id = self.force(f) if f.has("force") else None
        quote = f.long_text("quote")
        source_id = self.source(f, quote)
        start, end = f.date("start"), f.date("end")
        if start and end and end < start:
            f.problem("end", f"{end.isoformat()} is before start {start.isoformat()}")
        if place_id is None:
            return
        event_id = self.event(f, place_id, force_id, source_id, start)
        if force_id is not None:
            if source_id is not None or not quote:  # (a quote without a source is reported already)
                self.period(f, place_id, force_id, event_id, source_id)
        elif any(f.has(k) for k in PERIOD_FIELDS):
            f.missing("force", "is missing: role, start, end and period_id describe a force's control period")

    def finish(self) -> Additions:
        forces = tuple(self._finish_force(i, d) for i, d in self.forces.items())
        places = tuple(self._finish_place(i, d) for i, d in self.places.items())
        sources = tuple(self._finish_source(i, d) for i, d in self.sources.items())
        by_id = {s.id: s for s in sources}
        events = tuple(e for e in (self._finish_event(i, d, by_id) for i, d in self.events.items()) if e is not None)
        periods = tuple(self._finish_period(i, d) for i, d in self.periods.items())
        return Additions(self.file, forces, places, sources, events, periods, tuple(self.warnings))

    def validate(self, additions: Additions) -> None:
        for record in additions.records():
            kind = type(record).__name__.lower().replace("controlperiod", "period")
            label = self.where.get((kind, record.id), f"id '{record.id}'")
            self.problems += record_problems(record, file=self.file, label=f"{label} ({kind} '{record.id}')")
        merged = additions.apply_to(self.existing)

        def locate(kind: str, ident: str) -> tuple[str, str]:
            if (kind, ident) in self.where:
                return (self.file, f"{self.where[(kind, ident)]} ({kind} '{ident}')")
            return ("store", f"{kind} '{ident}'")

        self.problems += check_consistency(merged, locate=locate)


#: Rows between two progress reports of read_import.
PROGRESS_EVERY = 250


def read_import(path: str | Path, *, existing: Scenario | None = None,
                progress: Callable[[int, int], None] | None = None) -> Additions:
    """Read and validate an import file (GeoJSON, CSV or GeoPackage) against ``existing``.

    Raises :class:`ImportRefused` (a ``ScenarioError``) naming every problem with its
    row or feature and field; nothing is returned unless all of it can be added.
    ``progress(rows read, rows)`` is called as the rows are read (for a progress bar).
    """
    path = Path(path)
    existing = existing if existing is not None else _empty_scenario()
    kind = _sniff(path)
    importer = _Importer(path.name, existing)
    if kind == "gpkg" and _is_store(path):
        return _read_store_file(path, existing)
    if kind == "geojson":
        rows, forces, problems = _rows_geojson(path)
        importer.problems += problems
        importer.declare_forces(list(forces))
    elif kind == "csv":
        rows, problems = _rows_csv(path)
        importer.problems += problems
    else:
        rows, notes = _rows_gpkg(path)
        importer.warnings += [str(n) for n in notes]
    known = set(COLUMNS) | set(OUTPUT_ONLY)
    unknown = sorted({k for row in rows for k in row.data} - known)
    if unknown:
        importer.warnings.append(f"{path.name}: ignored column(s) {', '.join(unknown)}")
    if not rows and not importer.problems:
        importer.problems.append(Problem(path.name, "", "", "holds no features / rows"))
    for done, row in enumerate(rows, start=1):
        importer.row(row)
        if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(rows)):
            progress(done, len(rows))
    if importer.problems:
        raise ImportRefused(importer.problems)
    additions = importer.finish()
    if importer.problems:
        raise ImportRefused(importer.problems)
    importer.validate(additions)
    if importer.problems:
        raise ImportRefused(importer.problems)
    return additions


def _read_store_file(path: Path, existing: Scenario) -> Additions:
    """A mapdata store GeoPackage: all of its records are the additions."""
    from mapdata.store import StoreError, open_store

    try:
        with open_store(path, read_only=True) as other:
            scenario = other.scenario()
    except StoreError as exc:
        raise ImportRefused([Problem(path.name, "", "", str(exc))]) from None
    problems: list[Problem] = []
    for kind, records, stored in (
        ("force", scenario.forces, existing.force_by_id), ("place", scenario.places, existing.place_by_id),
        ("source", scenario.sources, existing.source_by_id), ("event", scenario.events, existing.event_by_id),
        ("period", scenario.periods, {p.id: p for p in existing.periods}),
    ):
        for record in records:
            if record.id in stored:
                problems.append(Problem(path.name, f"{kind} '{record.id}'", "id", "already exists in the store"))
    if problems:
        raise ImportRefused(problems)
    additions = Additions(path.name, scenario.forces, scenario.places, scenario.sources, scenario.events,
                          scenario.periods)
    problems = check_consistency(additions.apply_to(existing), locate=lambda k, i: (path.name, f"{k} '{i}'"))
    if problems:
        raise ImportRefused(problems)
    return additions


def import_file(store: Store, path: str | Path, *, user: str) -> Additions:
    """Add what ``path`` holds to ``store`` in one transaction (all or nothing)."""
    current = store.current()
    additions = read_import(path, existing=current.scenario)
    if not additions.is_empty:
        store.apply(additions.changes(), user=user)
    return additions


class ImportJob:
    """An import run in a background thread, so that a page can show its progress and stay responsive.

    :meth:`check` reads and validates the file against ``existing`` (``state`` "checking", then
    "checked" with ``additions``, or "refused" with ``problems``); :meth:`write` then adds the
    additions to the store ``open_writer()`` opens, in one transaction ("writing", then "done",
    or "failed" with ``problems`` or ``error``). ``fraction`` and ``text`` describe the progress.
    The thread only sets attributes of this object; the caller reads them.
    """

    def __init__(self, path: Path, *, existing: Scenario) -> None:
        self.path = path
        self.existing = existing
        self._owned: Path | None = None  # a folder this job made for an upload, removed once the file is read
        self.state = "new"
        self.fraction = 0.0
        self.text = ""
        self.additions: Additions | None = None
        self.problems: list[Problem] = []
        self.error = ""
        self.revision = 0
        self._thread: threading.Thread | None = None

    @classmethod
    def of_upload(cls, name: str, data: bytes, *, existing: Scenario) -> ImportJob:
        """A job for uploaded bytes: written to a private temporary folder that the check removes when it
        has read the file (whatever the outcome), so nothing is left behind by a finished or abandoned job."""
        folder = Path(tempfile.mkdtemp(prefix="mapdata_import_"))
        path = folder / (Path(name).name or "import")
        path.write_bytes(data)
        job = cls(path, existing=existing)
        job._owned = folder
        return job

    @property
    def running(self) -> bool:
        return self.state in ("checking", "writing")

    def _start(self, state: str, work: Callable[[], None]) -> None:
        self.state, self.fraction, self.text = state, 0.0, f"{state.capitalize()} {self.path.name}…"
        self._thread = threading.Thread(target=work, name=f"mapdata import {self.path.name}", daemon=True)
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def check(self) -> None:
        def progress(done: int, total: int) -> None:
            self.fraction = 0.9 * done / total
            self.text = (f"Checking {self.path.name}: row {done:,} of {total:,}" if done < total else
                         f"Checking {self.path.name}: every row read; checking the scenario with them added")

        def work() -> None:
            try:
                self.additions = read_import(self.path, existing=self.existing, progress=progress)
            except ScenarioError as exc:
                self.problems, self.state = list(exc.problems), "refused"
            except Exception as exc:  # shown to the editor, never a traceback
                self.error, self.state = f"the file could not be read: {exc}", "refused"
            else:
                self.fraction, self.text = 1.0, f"{self.path.name}: {self.additions.summary()} to add"
                self.state = "checked"  # last: a reader seeing the state sees the rest
            finally:
                if self._owned is not None:
                    shutil.rmtree(self._owned, ignore_errors=True)  # read in full: the file is not needed again

        self._start("checking", work)

    def write(self, open_writer: Callable[[], Any], *, user: str) -> None:
        additions = self.additions
        if additions is None or self.state != "checked":
            return  # not checked yet, refused, or already written (a second click): nothing to do

        def work() -> None:
            from mapdata.store import StoreError

            self.text = f"Writing {len(additions.records()):,} records in one transaction…"
            self.fraction = 0.5
            try:
                with open_writer() as store:
                    self.revision = store.apply(additions.changes(), user=user)
            except ScenarioError as exc:
                self.problems, self.state = list(exc.problems), "failed"
            except StoreError as exc:
                self.error, self.state = str(exc), "failed"
            except Exception as exc:  # shown to the editor, never a traceback
                self.error, self.state = f"the store could not be written: {exc}", "failed"
            else:
                self.fraction, self.text = 1.0, f"Imported {self.path.name}: {len(additions.records()):,} records added."
                self.state = "done"

        self._start("writing", work)


# -- export ----------------------------------------------------------------------------


def _selection(scenario: Scenario, day: dt.date | None, forces: Sequence[str] | None
               ) -> list[tuple[Place, list[ControlPeriod]]]:
    by_place: dict[str, list[ControlPeriod]] = {}
    for period in scenario.periods:
        if day is None or period.covers(day):
            by_place.setdefault(period.place_id, []).append(period)
    wanted = set(forces) if forces is not None else None
    out = []
    for place in scenario.places:
        periods = by_place.get(place.id, [])
        if wanted is not None and not wanted & {p.force_id for p in periods}:
            continue
        out.append((place, periods))
    return out


def export_rows(scenario: Scenario, *, day: dt.date | None = None, forces: Sequence[str] | None = None
                ) -> list[tuple[dict[str, Any], BaseGeometry]]:
    """The rows of an export (see ``docs/import-format.md``): properties and geometry.

    Without ``day``, every period and event; with it, the periods covering the day and
    the evidence the map shows for it, as of the day (events dated after it left out;
    events up to the day where no period applies).
    ``forces`` keeps the places where one of them has a (covering) period, with
    everything recorded there.
    """
    selection = _selection(scenario, day, forces)
    exported = {place.id for place, _ in selection}
    timeline = Timeline(scenario) if day is not None else None
    written_sources: set[str] = set()
    rows: list[tuple[dict[str, Any], BaseGeometry]] = []

    def place_props(place: Place) -> dict[str, Any]:
        return {
            "place_id": place.id, "name": place.name_en, "name_ar": place.name_ar, "aliases": list(place.aliases),
            "kind": place.kind.value, "location_note": place.location_note,
            # finite or nothing, so that every export is valid (GeoJSON: strict JSON); the record rules
            # refuse other values on the way in
            "uncertainty_m": place.uncertainty_m if _finite(place.uncertainty_m) else None,
            "geometry_source": place.geometry_source,
        }

    def source_props(source: Source) -> dict[str, Any]:
        props = {
            "source": source.id, "publisher": source.publisher, "title": source.title,
            "published": source.published.isoformat() if source.published else None,
            "published_inferred": source.published_inferred.isoformat() if source.published_inferred else None,
            "published_basis": source.published_basis, "url": source.url, "language": source.language,
            "licence": source.licence, "text_file": source.text_file,
            "source_text": source.text if source.id not in written_sources else None,
        }
        written_sources.add(source.id)
        return props

    def event_props(event: Event, place: Place) -> dict[str, Any]:
        places = [p for p in event.place_ids if p in exported] or [place.id]
        return {
            **source_props(scenario.source_by_id[event.source_id]),
            "event_id": event.id, "date": event.date.isoformat(), "date_precision": event.date_precision.value,
            "date_as_written": event.date_as_written, "date_note": event.date_note, "event_kind": event.kind,
            "summary": event.summary, "event_places": places, "event_forces": list(event.force_ids),
            "quote": event.quote, "quote_start": event.quote_start, "verification": event.verification.value,
            "claimed_by": event.claimed_by, "verification_note": event.verification_note,
            "verification_label": event.verification_label,
        }

    def period_props(period: ControlPeriod) -> dict[str, Any]:
        force = scenario.force_by_id[period.force_id]
        return {
            "force": force.id, "force_name": force.name, "force_colour": force.colour,
            "force_aliases": list(force.aliases), "role": period.role.value,
            "start": period.start.isoformat() if period.start else None,
            "end": period.end.isoformat() if period.end else None, "period_id": period.id, "period_note": period.note,
        }

    for place, periods in selection:
        state = {}
        if timeline is not None and day is not None:
            st = timeline.state(place.id, day)
            state = {"on_date": day.isoformat(), "status": st.status.value, "holder": st.force,
                     "since": st.since.isoformat() if st.since else None}
        linked: set[str] = set()
        place_rows: list[dict[str, Any]] = []
        for period in periods:
            for event_id in period.event_ids:
                linked.add(event_id)
                event = scenario.event_by_id[event_id]
                # Every cited event stays (the file must import back), marked by the as-of rule (Timeline.as_of_note).
                as_of = {"as_of": timeline.as_of_note(event, day)} if timeline is not None and day is not None else {}
                place_rows.append({**period_props(period), **event_props(event, place), **as_of})
            for source_id in period.source_ids:
                place_rows.append({**period_props(period), **source_props(scenario.source_by_id[source_id])})
        for event in scenario.events_at(place.id, until=day):
            if event.id not in linked:
                place_rows.append(event_props(event, place))
        for props in place_rows or [{}]:
            rows.append(({**place_props(place), **props, **state}, place.geometry))
    return rows


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _column_order(day: dt.date | None) -> list[str]:
    columns = list(COLUMNS) + ["verification_label"]
    if day is not None:
        columns += ["as_of", "on_date", "status", "holder", "since"]
    return columns


def _flat(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(value)
    return value


def export(
    scenario: Scenario,
    *,
    fmt: Format,
    out: Path,
    day: dt.date | None = None,
    forces: Sequence[str] | None = None,
) -> int:
    """Write ``scenario`` (limited to ``day`` and ``forces`` when given) to ``out``; returns the row count.

    ``geojson``, ``csv`` and ``gpkg`` write the import format's rows (so the file
    imports back); ``kml`` writes one placemark per place, for viewing.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (one of: {', '.join(EXPORT_FORMATS)})")
    if forces is not None:
        unknown = [f for f in forces if f not in scenario.force_by_id]
        if unknown:
            raise ValueError(f"unknown force id(s) {', '.join(unknown)} (known: {', '.join(scenario.force_by_id)})")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "kml":
        return _export_kml(scenario, out, day, forces)
    rows = export_rows(scenario, day=day, forces=forces)
    columns = _column_order(day)
    if fmt == "geojson":
        used = {r[0].get("force") for r in rows} | {f for r in rows for f in r[0].get("event_forces") or ()}
        collection = {
            "type": "FeatureCollection",
            "mapdata": {"format": "mapdata import rows", "version": IMPORT_FORMAT_VERSION, "title": scenario.title,
                        "date": day.isoformat() if day else None, "forces": list(forces) if forces else None},
            "forces": [{"id": f.id, "name": f.name, "colour": f.colour, "aliases": list(f.aliases)}
                       for f in scenario.forces if f.id in used],
            "features": [
                {"type": "Feature", "properties": {c: props.get(c) for c in columns}, "geometry": mapping(geometry)}
                for props, geometry in rows
            ],
        }
        # allow_nan=False: the file is valid JSON or not written (the record rules keep numbers finite)
        out.write_text(json.dumps(collection, ensure_ascii=False, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180; and a CR in a cell gets quoted
        writer.writerow(columns + ["lat", "lon", "wkt"])
        for props, geometry in rows:
            point = geometry.representative_point()
            writer.writerow([_csv_cell(props.get(c)) for c in columns]
                            + [f"{point.y:.6f}", f"{point.x:.6f}", shapely.to_wkt(geometry, rounding_precision=-1)])
        out.write_text(buffer.getvalue(), encoding="utf-8")
    else:
        _export_gpkg(rows, columns, out)
    return len(rows)


def _csv_cell(value: Any) -> str:
    """Numbers as numbers; text (and lists as ';'-separated text) neutralised against formula injection."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return csv_text(str(_flat(value)))


def _export_gpkg(rows: list[tuple[dict[str, Any], BaseGeometry]], columns: list[str], out: Path) -> None:
    import geopandas as gpd
    import pyogrio

    data = {c: [_flat(props.get(c)) for props, _ in rows] for c in columns}
    for c in ("uncertainty_m", "quote_start"):
        data[c] = [math.nan if v is None else float(v) for v in data[c]]
    for c in columns:
        if c not in ("uncertainty_m", "quote_start"):
            data[c] = ["" if v is None else str(v) for v in data[c]]
    frame = gpd.GeoDataFrame(data, geometry=[g for _, g in rows], crs="EPSG:4326")
    if out.exists():
        out.unlink()
    pyogrio.write_dataframe(frame, out, layer=EXPORT_LAYER, driver="GPKG", geometry_type="Unknown",
                            promote_to_multi=False)


# -- KML -------------------------------------------------------------------------------


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _kml_colour(hex_colour: str, alpha: str) -> str:
    value = hex_colour.lstrip("#")
    return f"{alpha}{value[4:6]}{value[2:4]}{value[0:2]}".lower()


def _kml_coords(coords: Iterable[Sequence[float]]) -> str:
    return " ".join(f"{c[0]!r},{c[1]!r}" for c in coords)


def _kml_geometry(geometry: BaseGeometry) -> str:
    kind = geometry.geom_type
    if kind == "Point":
        return f"<Point><coordinates>{_kml_coords(geometry.coords)}</coordinates></Point>"
    if kind == "LineString":
        return f"<LineString><tessellate>1</tessellate><coordinates>{_kml_coords(geometry.coords)}</coordinates></LineString>"
    if kind == "Polygon":
        inner = "".join(
            f"<innerBoundaryIs><LinearRing><coordinates>{_kml_coords(r.coords)}</coordinates></LinearRing></innerBoundaryIs>"
            for r in geometry.interiors
        )
        return (f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{_kml_coords(geometry.exterior.coords)}"
                f"</coordinates></LinearRing></outerBoundaryIs>{inner}</Polygon>")
    return "<MultiGeometry>" + "".join(_kml_geometry(g) for g in geometry.geoms) + "</MultiGeometry>"


def _export_kml(scenario: Scenario, out: Path, day: dt.date | None, forces: Sequence[str] | None) -> int:
    timeline = Timeline(scenario)
    selection = _selection(scenario, day, forces)
    title = scenario.title or "mapdata export"
    if day:
        title += f" — {day.isoformat()}"
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<kml xmlns="http://www.opengis.net/kml/2.2">', "<Document>",
             f"<name>{escape(title)}</name>"]
    for force in scenario.forces:
        line, fill = _kml_colour(force.colour, "ff"), _kml_colour(force.colour, "66")
        parts.append(f'<Style id="force_{force.id}"><IconStyle><color>{line}</color></IconStyle>'
                     f"<LineStyle><color>{line}</color><width>3</width></LineStyle>"
                     f"<PolyStyle><color>{fill}</color></PolyStyle></Style>")
    parts.append('<Style id="none"><IconStyle><color>ff999999</color></IconStyle><LineStyle><color>ff999999</color>'
                 "<width>2</width></LineStyle><PolyStyle><color>33999999</color></PolyStyle></Style>")
    for place, periods in selection:
        data: dict[str, Any] = {"place_id": place.id, "name_ar": place.name_ar, "kind": place.kind.value}
        lines = []
        style = "none"
        if day is not None:
            state = timeline.state(place.id, day)
            evidence = timeline.evidence(state)
            holder = scenario.force_by_id[state.force].name if state.force else "nobody reported"
            data |= {"date": day.isoformat(), "status": state.status.value, "force": state.force or "",
                     "forces_present": ";".join(state.forces_present),
                     "since": state.since.isoformat() if state.since else ""}
            lines.append(f"<p><b>{html.escape(day.isoformat())}</b>: {html.escape(state.status.value)} — "
                         f"{html.escape(holder)}" + (f" since {state.since.isoformat()}" if state.since else "") + "</p>")
            if state.force:
                style = f"force_{state.force}"
            events = [ev.event for ev in evidence]
        else:
            holders = [p for p in periods if p.role.holds]
            if holders:
                style = f"force_{max(holders, key=lambda p: p.start or dt.date.min).force_id}"
            events = list(scenario.events_at(place.id))
        if periods:
            lines.append("<ul>" + "".join(
                f"<li>{html.escape(scenario.force_by_id[p.force_id].name)}: {p.role.value}, "
                f"{p.start.isoformat() if p.start else '…'} to {p.end.isoformat() if p.end else '…'}</li>"
                for p in periods) + "</ul>")
        for event in sorted(events, key=lambda e: (e.date, e.id)):
            source = scenario.source_by_id[event.source_id]
            lines.append(f"<p>{html.escape(event.date_label)} — {html.escape(source.publisher)}, "
                         f"<i>{html.escape(source.title)}</i> ({html.escape(event.verification_label)}):"
                         f"<br/>“{html.escape(event.quote)}”</p>")
        extended = "".join(f'<Data name="{escape(k)}"><value>{escape(str(v))}</value></Data>' for k, v in data.items())
        parts.append(
            f"<Placemark><name>{escape(place.label)}</name><description><![CDATA[{''.join(lines).replace(']]>', ']] >')}]]>"
            f"</description><styleUrl>#{style}</styleUrl><ExtendedData>{extended}</ExtendedData>"
            f"{_kml_geometry(place.geometry)}</Placemark>"
        )
    parts += ["</Document>", "</kml>"]
    # XML 1.0 cannot hold most control characters, escaped or not (nor in CDATA): drop them, so the file is
    # well-formed whatever a stored text holds (the record rules refuse them in new data).
    out.write_text(_XML_INVALID.sub("", "\n".join(parts)) + "\n", encoding="utf-8")
    return len(selection)


__all__ = [
    "Additions", "EXPORT_FORMATS", "ImportJob", "ImportRefused", "MAX_GPKG_BYTES", "MAX_TEXT_BYTES", "export", "export_rows",
    "import_file", "read_import",
]
