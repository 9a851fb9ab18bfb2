"""Import: rows of a GeoJSON, CSV or GeoPackage file (``docs/import-format.md``) into records.

Each row (feature) names a place and may add a control period of a force there and an event
backed by a quote from a source. :func:`read_import` turns a file into :class:`Additions`, having
validated everything (problems name the row or feature and the field); :func:`import_file` adds
them to a store in one transaction, so the store is unchanged on any error; :class:`ImportJob`
runs a long one in the background for the Edit page, with progress.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely
from shapely.geometry.base import BaseGeometry

from mapdata.map.colours import suggest_colour
from mapdata.model.errors import Problem, ScenarioError
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
    ID_PATTERN,
    MAX_LIST_ITEMS,
    MAX_SOURCE_TEXT_CHARS,
    MAX_TEXT_CHARS,
    MAX_UNCERTAINTY_M,
    IdMaker,
    colour_problem,
    date_problem,
    field_of,
    id_problem,
    number_problem,
    record_problems,
    records_summary,
    slug,
    text_problem,
)
from mapdata.model.validate import check_consistency

if TYPE_CHECKING:
    from mapdata.store import Store
from mapdata.exchange.columns import (
    COLUMN_FIELDS,
    COLUMNS,
    DEFAULT_EVENT_KIND,
    DEFAULT_GEOMETRY_SOURCE,
    OUTPUT_ONLY,
    PERIOD_FIELDS,
    REGION_MARGIN_DEG,
    E,
    ImportRefused,
)
from mapdata.exchange.readers import _InRow, _is_store, _rows_csv, _rows_geojson, _rows_gpkg, _sniff

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
            scenario,
            forces=scenario.forces + self.forces,
            places=scenario.places + self.places,
            sources=scenario.sources + self.sources,
            events=scenario.events + self.events,
            periods=scenario.periods + self.periods,
        )

    @property
    def is_empty(self) -> bool:
        return not self.records()

    def summary(self) -> str:
        return records_summary(self)


def _empty_scenario() -> Scenario:
    return Scenario(title="", forces=(), places=(), sources=(), events=(), periods=())


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
        message = id_problem(value) if value else None
        if message:
            self.problem(name, message)
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
            "force": existing.force_by_id,
            "place": existing.place_by_id,
            "source": existing.source_by_id,
            "event": existing.event_by_id,
            "period": {p.id: p for p in existing.periods},
        }
        self.drafts: dict[str, dict[str, _Draft]] = {
            "force": self.forces,
            "place": self.places,
            "source": self.sources,
            "event": self.events,
            "period": self.periods,
        }
        self.id_makers: dict[str, IdMaker] = {}  # one per kind (model.records: linear over many new ids)
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
            self.stored_period_keys.setdefault(
                (period.place_id, period.force_id, period.role, period.start, period.end), period
            )
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
        if kind not in self.id_makers:
            self.id_makers[kind] = IdMaker(lambda ident: self._taken(kind, ident))
        return self.id_makers[kind](slug(base, limit=60))

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
            row = _InRow(
                f"forces[{index}]",
                {
                    "force": item.get("id"),
                    "force_name": item.get("name"),
                    "force_colour": item.get("colour"),
                    "force_aliases": item.get("aliases"),
                },
            )
            f = _Fields(self, row)
            ident = f.ident("force")
            if not ident:
                f.missing("id", "is missing")
                continue
            self.force(f)

    def force(self, f: _Fields) -> str:
        value = f.text("force")
        given: dict[str, Any] = {
            k: v
            for k, v in (
                ("name", f.text("force_name")),
                ("colour", f.text("force_colour").upper()),
                ("aliases", f.strings("force_aliases")),
            )
            if v
        }
        ident = self._resolve_force(value)
        if ident is not None:
            if ident in self.existing.force_by_id:
                stored = self.existing.force_by_id[ident]
                self._agree(
                    f,
                    {k: v for k, v in given.items() if k != "aliases"},
                    {"name": stored.name, "colour": stored.colour.upper()},
                    f"force '{ident}' in the store",
                )
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
            f.problem(
                "force",
                f"unknown force {value!r}: give a known force's id, name or alias (known ids: {known}), "
                "or declare a new force with force_name (and force_colour)",
            )
            return value
        ident = value if ID_PATTERN.match(value) else self._new_id("force", value)
        colour = str(given.get("colour") or "")
        if colour and (message := colour_problem(colour)):
            f.problem("force_colour", message)
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
            colour = suggest_colour(self.used_colours)  # the farthest from the others for every reader
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
            stored = dataclasses.asdict(self.existing.place_by_id[pid]) | {
                "geometry": self.existing.place_by_id[pid].geometry
            }
            self._agree(f, given, stored, f"place '{pid}' in the store (leave the field empty to refer to it)")
            return pid
        if not pid and name and row.geometry is not None:
            pid = self.place_keys.get((name.casefold(), shapely.to_wkb(row.geometry)), "")
            if not pid:
                named = self.stored_places_named.get(name.casefold(), [])
                same = [
                    p
                    for p in named
                    if p.geometry.geom_type == row.geometry.geom_type and p.geometry.equals_exact(row.geometry, 1e-9)
                ]
                if same:
                    return same[0].id
                namesakes = [p.id for p in named]
                if namesakes:
                    self.warnings.append(
                        f"{self.file}, {row.label}: a place named {name!r} is already in the store "
                        f"({', '.join(namesakes)}) with another geometry; a new place was added "
                        "(give place_id to refer to the stored one)"
                    )
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
                "lon swapped? (the place was added as given; GeoJSON coordinates are [lon, lat])"
            )

    def _finish_place(self, ident: str, draft: _Draft) -> Place:
        fields = draft.fields
        geometry: BaseGeometry = fields["geometry"]
        default_kind = {
            "Point": PlaceKind.TOWN,
            "LineString": PlaceKind.BORDER,
            "MultiLineString": PlaceKind.BORDER,
        }.get(geometry.geom_type, PlaceKind.AREA)
        return Place(
            id=ident,
            name_en=fields["name_en"],
            kind=fields.get("kind") or default_kind,
            geometry=geometry,
            geometry_source=fields.get("geometry_source") or DEFAULT_GEOMETRY_SOURCE,
            name_ar=fields.get("name_ar", ""),
            aliases=tuple(fields.get("aliases", ())),
            uncertainty_m=fields.get("uncertainty_m"),
            location_note=fields.get("location_note", ""),
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
            ident
            for ident in self.sources_by_publisher.get(value.casefold(), [])
            if all(self.sources[ident].fields.get(k) == given[k] for k in ("title", "published") if k in given)
        ]
        if len(found) > 1:
            f.problem(
                "source",
                f"several sources from {value!r} earlier in the file ({', '.join(found)}): "
                "give the source id, or the title",
            )
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
            id=ident,
            publisher=fields["publisher"],
            title=title,
            text=text,
            text_file=fields.get("text_file") or f"sources/{ident}.txt",
            published=fields.get("published"),
            published_inferred=fields.get("published_inferred"),
            published_basis=fields.get("published_basis", ""),
            url=fields.get("url", ""),
            language=fields.get("language", ""),
            licence=fields.get("licence", ""),
        )

    # -- events ------------------------------------------------------------------------
    def event(
        self, f: _Fields, place_id: str | None, force_id: str | None, source_id: str | None, start: dt.date | None
    ) -> str | None:
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
        for key, name in (
            ("date_as_written", "date_as_written"),
            ("date_note", "date_note"),
            ("kind", "event_kind"),
            ("summary", "summary"),
            ("claimed_by", "claimed_by"),
            ("verification_note", "verification_note"),
        ):
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
        eid = eid or self._new_id(
            "event", f"{place_id or source_id}_{given['date'].isoformat()}_{given.get('kind') or DEFAULT_EVENT_KIND}"
        )
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
        if start is None or text[start : start + len(quote)] != quote:
            found = self.quote_offsets.get(source.id, {}).get(quote, -1) if source is not None else -1
            found = found if found >= 0 else text.find(quote)
            if found < 0:
                if start is not None and source is not None:
                    self.problem(
                        draft.label,
                        "quote_start",
                        f"the quote is not at {start} in the text of source '{source.id}', nor anywhere else in it",
                    )
                else:
                    self.problem(draft.label, "quote", f"is not in the text of source '{fields['source_id']}'")
                return None
            start = found
        force_ids = tuple(fields.get("force_ids") or draft.forces)
        if not force_ids:
            self.problem(draft.label, "event_forces", "an event needs at least one force: give force or event_forces")
        summary = fields.get("summary") or (quote if len(quote) <= 200 else quote[:197].rstrip() + "…")
        return Event(
            id=ident,
            date=fields["date"],
            date_precision=fields.get("date_precision", DatePrecision.DAY),
            place_ids=tuple(fields.get("place_ids") or draft.places),
            force_ids=force_ids,
            kind=fields.get("kind") or DEFAULT_EVENT_KIND,
            summary=" ".join(summary.split()),
            source_id=fields["source_id"],
            quote=quote,
            quote_start=start,
            quote_end=start + len(quote),
            verification=fields.get("verification", Verification.REPORTED),
            claimed_by=fields.get("claimed_by", ""),
            verification_note=fields.get("verification_note", ""),
            date_as_written=fields.get("date_as_written", ""),
            date_note=fields.get("date_note", ""),
        )

    # -- periods -----------------------------------------------------------------------
    def period(self, f: _Fields, place_id: str, force_id: str, event_id: str | None, source_id: str | None) -> None:
        pid = f.ident("period_id")
        given: dict[str, Any] = {
            "place_id": place_id,
            "force_id": force_id,
            "role": f.choice("role", Role, Role.CONTROL),
        }
        start, end = f.date("start"), f.date("end")
        given["start"], given["end"] = start, end
        if f.has("period_note"):
            given["note"] = f.text("period_note")
        support = ("event", event_id) if event_id else ("source", source_id) if source_id else None
        key = (place_id, force_id, given["role"], start, end)
        stored = self.stored["period"].get(pid) if pid else self.stored_period_keys.get(key)
        if stored is not None:  # already in the store: only its evidence could be new, and imports only add
            if pid:
                self._agree(
                    f,
                    given,
                    dataclasses.asdict(stored),
                    f"control period '{pid}' in the store (use another period_id for a new period)",
                )
            kind, ident = support or ("", "")
            if support is not None and ident not in (stored.event_ids if kind == "event" else stored.source_ids):
                self.warnings.append(
                    f"{self.file}, {f.row.label}: control period '{stored.id}' is already in the store; the {kind} "
                    f"'{ident}' on this row was not linked to it (edit the period to add it)"
                )
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
            pid = pid or self._new_id(
                "period", f"{place_id}_{force_id}_{given['role'].value}_{start.isoformat() if start else 'open'}"
            )
            draft = _Draft(f.row.label, given)
            self.periods[pid] = draft
            self.period_keys[key] = pid
            self.where[("period", pid)] = f.row.label
        if support is not None and support not in draft.supports:
            draft.supports.append(support)

    def _finish_period(self, ident: str, draft: _Draft) -> ControlPeriod:
        fields = draft.fields
        return ControlPeriod(
            id=ident,
            place_id=fields["place_id"],
            force_id=fields["force_id"],
            role=fields["role"],
            start=fields["start"],
            end=fields["end"],
            event_ids=tuple(i for k, i in draft.supports if k == "event"),
            source_ids=tuple(i for k, i in draft.supports if k == "source"),
            note=fields.get("note", ""),
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


def read_import(
    path: str | Path, *, existing: Scenario | None = None, progress: Callable[[int, int], None] | None = None
) -> Additions:
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
        ("force", scenario.forces, existing.force_by_id),
        ("place", scenario.places, existing.place_by_id),
        ("source", scenario.sources, existing.source_by_id),
        ("event", scenario.events, existing.event_by_id),
        ("period", scenario.periods, {p.id: p for p in existing.periods}),
    ):
        for record in records:
            if record.id in stored:
                problems.append(Problem(path.name, f"{kind} '{record.id}'", "id", "already exists in the store"))
    if problems:
        raise ImportRefused(problems)
    additions = Additions(
        path.name, scenario.forces, scenario.places, scenario.sources, scenario.events, scenario.periods
    )
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
            self.text = (
                f"Checking {self.path.name}: row {done:,} of {total:,}"
                if done < total
                else f"Checking {self.path.name}: every row read; checking the scenario with them added"
            )

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
                self.fraction, self.text = (
                    1.0,
                    f"Imported {self.path.name}: {len(additions.records()):,} records added.",
                )
                self.state = "done"

        self._start("writing", work)
