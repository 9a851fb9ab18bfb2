"""Read a scenario folder (``docs/data-format.md``) into a validated :class:`Scenario`.

Every problem is collected, not just the first, and each names its file, record and
field; nothing is returned unless the whole scenario is consistent.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from mapdata.model.errors import MapdataError, Problem, ScenarioError
from mapdata.model.models import (
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
from mapdata.model.records import (
    GEOMETRY_TYPES,
    KINDS,
    MAX_LIST_ITEMS,
    MAX_SOURCE_TEXT_CHARS,
    MAX_TEXT_CHARS,
    colour_problem,
    date_problem,
    field_of,
    geometry_problem,
    id_problem,
    number_problem,
    record_problems,
    records_of,
    text_problem,
)
from mapdata.model.validate import Locator, check_consistency
from mapdata.resources import DATA_DIR

DEFAULT_DATA_DIR = DATA_DIR  # the bundled scenario (mapdata.resources)

SCENARIO_FILE = "scenario.json"
FORCES_FILE = "forces.json"
PLACES_FILE = "places.geojson"
SOURCES_FILE = "sources.json"
EVENTS_FILE = "events.json"
PERIODS_FILE = "control_periods.csv"
PERIOD_COLUMNS = ("id", "place_id", "force_id", "role", "start", "end", "event_ids", "source_ids", "note")
BASEMAP_DIR = "basemap"

E = TypeVar("E", bound=StrEnum)


class _Record:
    """Typed access to one record's fields; every problem is noted, never raised.

    Values are held to the limits of ``mapdata.model.records`` (the record rules every
    store write obeys), looked up by the record ``kind`` and field name.
    """

    def __init__(
        self, problems: list[Problem], file: str, record: str, data: Mapping[str, Any], *, kind: str = ""
    ) -> None:
        self.problems = problems
        self.file = file
        self.record = record
        self.data = data
        self.kind = kind
        self.ok = True

    def problem(self, field: str, message: str) -> None:
        self.ok = False
        self.problems.append(Problem(self.file, self.record, field, message))

    def raw(self, name: str, *, required: bool) -> Any:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(name, "is missing" if name not in self.data else "is empty")
            return None
        return value

    def text(self, name: str, *, required: bool = True) -> str:
        value = self.raw(name, required=required)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problem(name, f"must be text, not {type(value).__name__}")
            return ""
        field = field_of(self.kind, name)
        message = text_problem(value, max_chars=field.max_chars if field else MAX_TEXT_CHARS)
        if message:
            self.problem(name, message)
            return ""
        return value.strip()

    def ident(self, name: str) -> str:
        value = self.text(name)
        message = id_problem(value) if value else None
        if message:
            self.problem(name, message)
        return value

    def date(self, name: str, *, required: bool = True) -> dt.date | None:
        value = self.text(name, required=required)
        if not value:
            return None
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            self.problem(name, f"{value!r} is not a date (YYYY-MM-DD)")
            return None
        message = date_problem(day)
        if message:
            self.problem(name, message)
            return None
        return day

    def choice(self, name: str, kind: type[E]) -> E | None:
        value = self.text(name)
        if not value:
            return None
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            self.problem(name, f"{value!r} is not one of: {allowed}")
            return None

    def number(self, name: str, *, required: bool = False) -> float | None:
        value = self.raw(name, required=required)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            self.problem(name, f"must be a number, not {type(value).__name__}")
            return None
        try:
            number = float(value)
        except ValueError:
            self.problem(name, f"{value!r} is not a number")
            return None
        field = field_of(self.kind, name)
        message = number_problem(number, high=field.high if field else float("inf"))
        if message:
            self.problem(name, message)
            return None
        return number

    def integer(self, name: str) -> int:
        value = self.raw(name, required=True)
        if value is None:
            return -1
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(name, f"must be a whole number, not {value!r}")
            return -1
        return value

    def strings(self, name: str, *, required: bool = False, separator: str | None = None) -> tuple[str, ...]:
        value = self.raw(name, required=required)
        if value is None:
            return ()
        if separator is not None and isinstance(value, str):
            value = value.split(separator)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(name, "must be a list of text values")
            return ()
        items = tuple(v.strip() for v in value if v.strip())
        if required and not items:
            self.problem(name, "must name at least one value")
        if len(items) > MAX_LIST_ITEMS:
            self.problem(name, f"has {len(items):,} values; the limit is {MAX_LIST_ITEMS:,}")
            return ()
        for item in items:
            message = text_problem(item)
            if message:
                self.problem(name, f"value {item[:40]!r} {message}")
                return ()
        return items


def _label(kind: str, index: int, data: Any) -> str:
    if isinstance(data, Mapping) and isinstance(data.get("id"), str) and data["id"]:
        return f"{kind} {index} (id '{data['id']}')"
    return f"{kind} {index}"


def _read_json(path: Path, problems: list[Problem], name: str) -> Any:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(name, "", "", "file is missing"))
        return None
    except OSError as exc:
        problems.append(Problem(name, "", "", f"cannot be read: {exc.strerror}"))
        return None
    try:
        return parse_json(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, f"byte {exc.start}", "", "is not UTF-8 text"))
    except json.JSONDecodeError as exc:
        problems.append(Problem(name, f"line {exc.lineno} column {exc.colno}", "", f"is not valid JSON: {exc.msg}"))
    except JsonTooDeep as exc:
        problems.append(Problem(name, "", "", str(exc)))
    return None


class JsonTooDeep(MapdataError, ValueError):
    """JSON nested so deeply that the parser gives up (it would recurse until RecursionError)."""

    def __init__(self) -> None:
        super().__init__("is not usable JSON: lists and objects are nested too deeply")


def parse_json(text: str) -> Any:
    """``json.loads`` for files from outside: nesting too deep raises :class:`JsonTooDeep`, not RecursionError.

    NaN and Infinity are kept: the record rules refuse non-finite numbers, naming the field.
    """
    try:
        return json.loads(text)
    except RecursionError:
        raise JsonTooDeep() from None


def _records(data: Any, problems: list[Problem], name: str, kind: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    if data is None:
        return
    if not isinstance(data, list):
        problems.append(Problem(name, "", "", f"must hold a JSON list of {kind}s"))
        return
    for index, item in enumerate(data, start=1):
        if not isinstance(item, Mapping):
            problems.append(Problem(name, f"{kind} {index}", "", f"must be a JSON object, not {type(item).__name__}"))
            continue
        yield index, item


class _Loader:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.problems: list[Problem] = []
        self.where: dict[tuple[str, str], tuple[str, str]] = {}

    def _register(self, kind: str, ident: str, file: str, record: str, seen: set[str]) -> bool:
        if not ident:
            return False
        if ident in seen:
            self.problems.append(Problem(file, record, "id", f"duplicate id {ident!r}"))
            return False
        seen.add(ident)
        self.where[(kind, ident)] = (file, record)
        return True

    def locate(self, kind: str, ident: str) -> tuple[str, str]:
        return self.where.get((kind, ident), (kind, f"id '{ident}'"))

    def scenario_meta(self) -> dict[str, Any]:
        path = self.folder / SCENARIO_FILE
        data = _read_json(path, self.problems, SCENARIO_FILE) if path.exists() else {}
        if data is None:
            return {}
        if not isinstance(data, Mapping):
            self.problems.append(Problem(SCENARIO_FILE, "", "", "must hold a JSON object"))
            return {}
        rec = _Record(self.problems, SCENARIO_FILE, "scenario", data, kind="scenario")
        meta: dict[str, Any] = {
            "title": rec.text("title", required=False) or self.folder.name,
            "description": rec.text("description", required=False),
        }
        attribution = rec.strings("attribution")
        if attribution:
            meta["attribution"] = attribution
        view = data.get("view") or {}
        center = view.get("center") if isinstance(view, Mapping) else None
        if center is not None:
            if (
                isinstance(center, list)
                and len(center) == 2
                and all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in center)
                and -90 <= center[0] <= 90
                and -180 <= center[1] <= 180
            ):
                meta["view_center"] = (float(center[0]), float(center[1]))
            else:
                rec.problem("view.center", "must be [latitude, longitude]")
        zoom = view.get("zoom") if isinstance(view, Mapping) else None
        if zoom is not None:
            if isinstance(zoom, int) and not isinstance(zoom, bool) and 1 <= zoom <= 18:
                meta["view_zoom"] = zoom
            else:
                rec.problem("view.zoom", "must be a whole number from 1 to 18")
        dates = data.get("dates") or {}
        if isinstance(dates, Mapping) and dates:
            drec = _Record(self.problems, SCENARIO_FILE, "scenario", dates, kind="scenario")
            meta["date_start"] = drec.date("start", required=False)
            meta["date_end"] = drec.date("end", required=False)
            if meta["date_start"] and meta["date_end"] and meta["date_end"] < meta["date_start"]:
                rec.problem("dates.end", "is before dates.start")
        return meta

    def forces(self) -> list[Force]:
        data = _read_json(self.folder / FORCES_FILE, self.problems, FORCES_FILE)
        out: list[Force] = []
        seen: set[str] = set()
        for index, item in _records(data, self.problems, FORCES_FILE, "force"):
            rec = _Record(self.problems, FORCES_FILE, _label("force", index, item), item, kind="force")
            ident = rec.ident("id")
            name = rec.text("name")
            colour = rec.text("colour")
            if colour and (message := colour_problem(colour)):
                rec.problem("colour", message)
            aliases = rec.strings("aliases")
            if rec.ok and self._register("force", ident, FORCES_FILE, rec.record, seen):
                out.append(Force(id=ident, name=name, colour=colour.upper(), aliases=aliases))
        return out

    def _geometry(self, rec: _Record, value: Any) -> BaseGeometry | None:
        if not isinstance(value, Mapping):
            rec.problem("geometry", "is missing" if value is None else "must be a GeoJSON geometry object")
            return None
        kind = value.get("type")
        if kind not in GEOMETRY_TYPES:
            rec.problem("geometry", f"type {kind!r} is not one of {', '.join(sorted(GEOMETRY_TYPES))}")
            return None
        try:
            geometry = shape(value)
        except Exception as exc:  # shapely raises several types for malformed coordinates
            rec.problem("geometry", f"malformed {kind} coordinates ({exc})")
            return None
        message = geometry_problem(geometry)  # the record rule: empty, 2-D, in range, valid
        if message:
            rec.problem("geometry", message)
            return None
        return geometry

    def places(self) -> list[Place]:
        data = _read_json(self.folder / PLACES_FILE, self.problems, PLACES_FILE)
        if data is None:
            return []
        if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
            self.problems.append(Problem(PLACES_FILE, "", "type", "must be a GeoJSON FeatureCollection"))
            return []
        out: list[Place] = []
        seen: set[str] = set()
        for index, feature in _records(data.get("features"), self.problems, PLACES_FILE, "feature"):
            props = feature.get("properties")
            if not isinstance(props, Mapping):
                self.problems.append(Problem(PLACES_FILE, f"feature {index}", "properties", "must be a JSON object"))
                continue
            rec = _Record(self.problems, PLACES_FILE, _label("feature", index, props), props, kind="place")
            ident = rec.ident("id")
            if feature.get("id") not in (None, ident):
                rec.problem("id", f"feature id {feature.get('id')!r} differs from properties.id {ident!r}")
            name_en = rec.text("name_en")
            kind = rec.choice("kind", PlaceKind)
            geometry_source = rec.text("geometry_source")
            geometry = self._geometry(rec, feature.get("geometry"))
            name_ar = rec.text("name_ar", required=False)
            aliases = rec.strings("aliases")
            uncertainty_m = rec.number("uncertainty_m")
            location_note = rec.text("location_note", required=False)
            if rec.ok and self._register("place", ident, PLACES_FILE, rec.record, seen):
                assert kind is not None and geometry is not None
                out.append(
                    Place(
                        id=ident,
                        name_en=name_en,
                        kind=kind,
                        geometry=geometry,
                        geometry_source=geometry_source,
                        name_ar=name_ar,
                        aliases=aliases,
                        uncertainty_m=uncertainty_m,
                        location_note=location_note,
                    )
                )
        return out

    def sources(self) -> list[Source]:
        data = _read_json(self.folder / SOURCES_FILE, self.problems, SOURCES_FILE)
        out: list[Source] = []
        seen: set[str] = set()
        for index, item in _records(data, self.problems, SOURCES_FILE, "source"):
            rec = _Record(self.problems, SOURCES_FILE, _label("source", index, item), item, kind="source")
            ident = rec.ident("id")
            publisher = rec.text("publisher")
            title = rec.text("title")
            published = rec.date("published", required=False)
            inferred = rec.date("published_inferred", required=False)
            basis = rec.text("published_basis", required=inferred is not None)
            text_file = rec.text("text_file")
            text = self._source_text(rec, text_file) if text_file else ""
            extra = dict(
                url=rec.text("url", required=False),
                language=rec.text("language", required=False),
                licence=rec.text("licence", required=False),
            )
            if rec.ok and self._register("source", ident, SOURCES_FILE, rec.record, seen):
                out.append(
                    Source(
                        id=ident,
                        publisher=publisher,
                        title=title,
                        text=text,
                        text_file=text_file,
                        published=published,
                        published_inferred=inferred,
                        published_basis=basis,
                        **extra,
                    )
                )
        return out

    def _source_text(self, rec: _Record, text_file: str) -> str:
        path = (self.folder / text_file).resolve()
        if self.folder.resolve() not in path.parents:
            rec.problem("text_file", f"{text_file!r} must be inside the scenario folder")
            return ""
        try:
            text = path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            rec.problem("text_file", f"{text_file!r} does not exist")
        except UnicodeDecodeError:
            rec.problem("text_file", f"{text_file!r} is not UTF-8 text")
        except OSError as exc:
            rec.problem("text_file", f"{text_file!r} cannot be read: {exc.strerror}")
        else:
            message = text_problem(text, max_chars=MAX_SOURCE_TEXT_CHARS)
            if message is None:
                return text
            rec.problem("text_file", f"{text_file!r} {message}")
        return ""

    def events(self) -> list[Event]:
        data = _read_json(self.folder / EVENTS_FILE, self.problems, EVENTS_FILE)
        out: list[Event] = []
        seen: set[str] = set()
        for index, item in _records(data, self.problems, EVENTS_FILE, "event"):
            rec = _Record(self.problems, EVENTS_FILE, _label("event", index, item), item, kind="event")
            ident = rec.ident("id")
            day = rec.date("date")
            precision = rec.choice("date_precision", DatePrecision)
            place_ids = rec.strings("place_ids", required=True)
            force_ids = rec.strings("force_ids", required=True)
            verification = rec.choice("verification", Verification)
            claimed_by = rec.text("claimed_by", required=False)  # needed when claimed: model.records says
            kind, summary, source_id = rec.text("kind"), rec.text("summary"), rec.text("source_id")
            quote, quote_start, quote_end = rec.text("quote"), rec.integer("quote_start"), rec.integer("quote_end")
            verification_note = rec.text("verification_note", required=False)
            date_as_written, date_note = (
                rec.text("date_as_written", required=False),
                rec.text("date_note", required=False),
            )
            if rec.ok and self._register("event", ident, EVENTS_FILE, rec.record, seen):
                assert day is not None and precision is not None and verification is not None
                out.append(
                    Event(
                        id=ident,
                        date=day,
                        date_precision=precision,
                        place_ids=place_ids,
                        force_ids=force_ids,
                        verification=verification,
                        claimed_by=claimed_by,
                        kind=kind,
                        summary=summary,
                        source_id=source_id,
                        quote=quote,
                        quote_start=quote_start,
                        quote_end=quote_end,
                        verification_note=verification_note,
                        date_as_written=date_as_written,
                        date_note=date_note,
                    )
                )
        return out

    def periods(self) -> list[ControlPeriod]:
        path = self.folder / PERIODS_FILE
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except FileNotFoundError:
            self.problems.append(Problem(PERIODS_FILE, "", "", "file is missing"))
            return []
        except UnicodeDecodeError as exc:
            self.problems.append(Problem(PERIODS_FILE, f"byte {exc.start}", "", "is not UTF-8 text"))
            return []
        # newline="": line breaks inside quoted fields are kept, and only \r / \n end a row
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = reader.fieldnames or []
        missing = [column for column in PERIOD_COLUMNS if column not in header]
        if missing:
            self.problems.append(Problem(PERIODS_FILE, "line 1 (header)", ", ".join(missing), "column missing"))
            return []
        out: list[ControlPeriod] = []
        seen: set[str] = set()
        for row in reader:
            # line_num is the row's last line; a row with line breaks in quoted fields starts earlier
            line = reader.line_num - sum(v.count("\n") for v in row.values() if isinstance(v, str))
            if None in row:
                self.problems.append(
                    Problem(PERIODS_FILE, f"line {line}", "", "has more values than the header has columns")
                )
                continue
            rec = _Record(self.problems, PERIODS_FILE, _label("line", line, row), row, kind="period")
            ident = rec.ident("id")
            place_id = rec.text("place_id")
            force_id = rec.text("force_id")
            role = rec.choice("role", Role)
            start = rec.date("start", required=False)
            end = rec.date("end", required=False)
            event_ids = rec.strings("event_ids", separator=";")
            source_ids = rec.strings("source_ids", separator=";")
            note = rec.text("note", required=False)
            if rec.ok and self._register("period", ident, PERIODS_FILE, rec.record, seen):
                assert role is not None
                out.append(
                    ControlPeriod(
                        id=ident,
                        place_id=place_id,
                        force_id=force_id,
                        role=role,
                        start=start,
                        end=end,
                        event_ids=event_ids,
                        source_ids=source_ids,
                        note=note,
                    )
                )
        return out

    def basemap(self) -> dict[str, Any]:
        layers: dict[str, Any] = {}
        folder = self.folder / BASEMAP_DIR
        if not folder.is_dir():
            return layers
        for path in sorted(folder.glob("*.geojson")):
            name = f"{BASEMAP_DIR}/{path.name}"
            data = _read_json(path, self.problems, name)
            if data is None:
                continue
            if not isinstance(data, Mapping) or data.get("type") != "FeatureCollection":
                self.problems.append(Problem(name, "", "type", "must be a GeoJSON FeatureCollection"))
                continue
            layers[path.stem] = data
        return layers


def _load(folder: Path) -> tuple[Scenario | None, list[Problem]]:
    loader = _Loader(folder)
    if not folder.is_dir():
        return None, [Problem(str(folder), "", "", "scenario folder does not exist")]
    meta = loader.scenario_meta()
    scenario = Scenario(
        forces=tuple(loader.forces()),
        places=tuple(loader.places()),
        sources=tuple(loader.sources()),
        events=tuple(loader.events()),
        periods=tuple(loader.periods()),
        basemap=loader.basemap(),
        **meta,
    )
    locate: Locator = loader.locate
    problems = loader.problems + check_consistency(scenario, locate=locate)
    # the per-record rules (model.records, as the store and import apply them), one problem per field
    said = {(p.file, p.record, p.field) for p in problems}
    for kind in KINDS:
        for record in records_of(scenario, kind):
            file, label = locate(kind, record.id)
            problems += [
                p for p in record_problems(record, file=file, label=label) if (p.file, p.record, p.field) not in said
            ]
    return scenario, problems


def load_scenario(folder: str | Path | None = None) -> Scenario:
    """Load and validate the scenario in ``folder`` (default: the bundled ``geodata/``).

    Raises :class:`ScenarioError` listing every problem when the data is not usable.
    """
    scenario, problems = _load(Path(folder) if folder is not None else DEFAULT_DATA_DIR)
    if problems or scenario is None:
        raise ScenarioError(problems)
    return scenario


def read_places(path: str | Path) -> tuple[Place, ...]:
    """Only the places of a scenario folder's ``places.geojson`` (raises ScenarioError on problems)."""
    loader = _Loader(Path(path).parent)
    places = tuple(loader.places())
    if loader.problems:
        raise ScenarioError(loader.problems)
    return places


def check_folder(folder: str | Path | None = None) -> list[Problem]:
    """Every problem in the scenario folder; an empty list means it is valid."""
    return _load(Path(folder) if folder is not None else DEFAULT_DATA_DIR)[1]


__all__ = ["DEFAULT_DATA_DIR", "check_folder", "load_scenario", "read_places"]
