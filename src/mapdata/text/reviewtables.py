"""The review tables of an extracted report, read back as the analyst's decisions.

The "Add a report" page shows what the pipeline found as three tables — the place
mentions (:data:`PLACE_COLUMNS`), the proposed events (:data:`EVENT_COLUMNS`) and the
proposed control periods (:data:`PERIOD_COLUMNS`) — whose cells carry what people read:
place labels (:func:`place_labels`), force names (:func:`force_names`) and event labels
("Event 3", :func:`event_labels`), never raw ids. :func:`decisions_from_tables` turns the
rows as the analyst left them into the :class:`~mapdata.text.review.EventDecision`,
:class:`~mapdata.text.review.PeriodDecision` and :class:`~mapdata.text.review.NewPlace` records that
:func:`~mapdata.text.review.apply_report` takes.

A row is a plain mapping, column -> cell (e.g. ``DataFrame.to_dict("records")``), so
nothing here needs Streamlit or pandas. Cells are read as a table gives them: a date as
a :class:`datetime.date`, a :class:`datetime.datetime` (a pandas ``Timestamp`` is one)
or an ISO string; a missing value as ``None``, NaN or NaT; a list as a list, a tuple or
an array (anything with ``tolist()``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shapely.geometry.base import BaseGeometry

from mapdata.model.models import DatePrecision, PlaceKind, Role, Scenario, Verification
from mapdata.text.mentions import PlaceMention, ProposedEvent
from mapdata.text.normalise import is_arabic
from mapdata.text.review import EventDecision, NewPlace, PeriodDecision, ReviewError, reviewed_summary

if TYPE_CHECKING:
    from mapdata.text.geoparse import Geoparser
    from mapdata.text.mentions import Extraction

PLACE_COLUMNS = (
    "use",
    "mention",
    "at",
    "resolved as",
    "lat",
    "lon",
    "kind",
    "confidence",
    "why",
    "other readings",
    "key",
    "index",
)
"""The places table: ``use`` (false: not a place), ``resolved as`` (a label of :func:`place_labels`), ``lat`` and
``lon`` (as corrected), ``key`` (:func:`mention_key` of the mention) and ``index`` (its position in the extraction);
the other columns are for reading (``why``: why the parser chose that reading, or that it is approximate)."""
EVENT_COLUMNS = (
    "accept",
    "event",
    "date",
    "precision",
    "places",
    "forces",
    "kind",
    "summary",
    "verification",
    "claimed by",
    "confidence",
    "quote",
    "warnings",
    "id",
)
"""The events table: one row a proposal, ``id`` its id, ``event`` its label, ``places`` place labels and ``forces``
force names; ``confidence``, ``quote`` and ``warnings`` are for reading."""
PERIOD_COLUMNS = ("accept", "event", "place", "force", "role", "start", "end")
"""The control periods table: ``event`` an event label, ``place`` a place label, ``force`` a force name."""
CORRECTED_FIELDS = ("date", "precision", "places", "forces", "kind")
"""Corrections that make the parser's summary stale (a new one is written from the corrected fields)."""
PLACE_KINDS = {
    "town": PlaceKind.TOWN,
    "military_site": PlaceKind.MILITARY_SITE,
    "area": PlaceKind.AREA,
    "border": PlaceKind.BORDER,
    "region": PlaceKind.REGION,
}
"""A gazetteer kind -> the kind of the new place made from it (another kind: a town for a point, an area else)."""
COUNTRIES = {
    "SY": "Syria",
    "LB": "Lebanon",
    "IL": "Israel",
    "PS": "Palestine",
    "JO": "Jordan",
    "IQ": "Iraq",
    "TR": "Turkey",
    "IR": "Iran",
    "RU": "Russia",
    "US": "United States",
    "EG": "Egypt",
    "SA": "Saudi Arabia",
}

Row = Mapping[str, Any]
"""One row of a review table: column -> cell."""


@dataclass(frozen=True)
class Reading:
    """A place a mention can be resolved to: a scenario place, or a gazetteer entry (chosen or a candidate)."""

    key: str  # a scenario place id, or "gaz:<entry id>"
    label: str  # what the tables show
    name: str
    lat: float
    lon: float
    kind: str
    source: str  # "scenario", "gazetteer:<entry id>" or "approximate" (a place the gazetteer lacks)
    geometry: BaseGeometry | None = None  # an area or a line; None: the point
    name_ar: str = ""
    uncertainty_m: float | None = None  # the radius the place lies within, when known
    note: str = ""  # how it was placed (an approximate reading says so)


@dataclass(frozen=True)
class Decisions:
    """What the analyst decided, ready for :func:`~mapdata.text.review.apply_report`."""

    events: tuple[EventDecision, ...]
    periods: tuple[PeriodDecision, ...]
    new_places: tuple[NewPlace, ...]


def mention_key(mention: PlaceMention) -> str:
    """The key of a mention's own reading: its scenario place, else ``gaz:<entry id>``."""
    return mention.place_id or f"gaz:{mention.entry_id}"


def country_name(code: str) -> str:
    """A country's name from its ISO code (the code itself when it is not one of :data:`COUNTRIES`)."""
    return COUNTRIES.get(code, code or "country unknown")


def _arabic(names: Iterable[str]) -> str:
    return next((n for n in names if is_arabic(n)), "")


def _entry_arabic(geoparser: Geoparser | None, entry_id: str) -> str:
    if geoparser is None:
        return ""
    try:
        return _arabic(geoparser.entry(entry_id).names)
    except (KeyError, IndexError, ValueError):
        return ""


def _entry_name(geoparser: Geoparser | None, entry_id: str) -> str:
    if geoparser is None:
        return entry_id
    try:
        return geoparser.entry(entry_id).name
    except (KeyError, IndexError, ValueError):
        return entry_id


def _named(name: str, arabic: str) -> str:
    return f"{name} · {arabic}" if arabic else name


def _mention_label(mention: PlaceMention, geoparser: Geoparser | None) -> tuple[str, str]:
    """(label, Arabic name) of a mention's own reading that is not a scenario place."""
    if mention.entry_id.startswith("derived:"):
        anchor = _entry_name(geoparser, mention.entry_id.split(":", 2)[-1])  # derived:<class>_<bearing>:<anchor id>
        return f"{mention.name} (new area drawn from {anchor})", ""
    kind = mention.kind.replace("_", " ")
    if mention.approximate:  # not in the gazetteer: put at the place the text says it is in
        return f"{mention.name} (new {kind}, approximate: {mention.phrase.removesuffix(', approximate')})", ""
    arabic = _entry_arabic(geoparser, mention.entry_id)
    return f"{_named(mention.name, arabic)} (new {kind}, {country_name(mention.country)})", arabic


def readings(
    scenario: Scenario, mentions: Iterable[PlaceMention], *, geoparser: Geoparser | None = None
) -> dict[str, Reading]:
    """Every reading the review offers, keyed, each with a label people read (names, never raw ids).

    ``geoparser`` gives the gazetteer's Arabic names and the names of the places a derived area is drawn from;
    without it the labels carry the entries' ids there."""
    found = {
        p.id: Reading(
            p.id,
            f"{_named(p.name_en, p.name_ar)} (in the scenario)",
            p.name_en,
            p.anchor[0],
            p.anchor[1],
            p.kind.value,
            "scenario",
            name_ar=p.name_ar,
        )
        for p in scenario.places
    }
    mentions = list(mentions)
    for m in mentions:  # every mention's own reading first: a later mention's candidate is not its label
        key = mention_key(m)
        if key not in found:
            label, arabic = _mention_label(m, geoparser)
            found[key] = Reading(
                key,
                label,
                m.name,
                m.lat,
                m.lon,
                m.kind,
                "approximate" if m.approximate else f"gazetteer:{m.entry_id}",
                m.geometry,
                name_ar=arabic,
                uncertainty_m=m.uncertainty_m,
                note=m.reason if m.approximate else "",
            )
    for m in mentions:
        for c in m.candidates:
            ckey = f"gaz:{c.entry_id}"
            if ckey not in found:
                arabic = _entry_arabic(geoparser, c.entry_id)
                found[ckey] = Reading(
                    ckey,
                    f"{_named(c.name, arabic)} (other reading: {c.kind.replace('_', ' ')}, {country_name(c.country)})",
                    c.name,
                    c.lat,
                    c.lon,
                    c.kind,
                    f"gazetteer:{c.entry_id}",
                    name_ar=arabic,
                )
    return found


def _distinct_labels(found: Mapping[str, Reading]) -> dict[str, str]:
    labels: dict[str, str] = {}
    used: set[str] = set()
    for key, reading in found.items():
        label, n = reading.label, 2
        while label in used:
            label, n = f"{reading.label} [{n}]", n + 1
        used.add(label)
        labels[key] = label
    return labels


def place_labels(
    scenario: Scenario, mentions: Iterable[PlaceMention], *, geoparser: Geoparser | None = None
) -> dict[str, str]:
    """Reading key -> label, every label distinct (so a label chosen in a table names one reading)."""
    return _distinct_labels(readings(scenario, mentions, geoparser=geoparser))


def force_names(scenario: Scenario) -> dict[str, str]:
    """Force id -> name, every name distinct."""
    names: dict[str, str] = {}
    for force in scenario.forces:
        names[force.id] = force.name if force.name not in names.values() else f"{force.name} ({force.id})"
    return names


def event_labels(events: Iterable[ProposedEvent]) -> dict[str, str]:
    """Proposal id -> "Event 1", "Event 2"… in the order proposed."""
    return {e.id: f"Event {n}" for n, e in enumerate(events, start=1)}


def _missing(value: Any) -> bool:
    """None, NaN or NaT (a datetime not equal to itself)."""
    return (
        value is None
        or (isinstance(value, float) and math.isnan(value))
        or (isinstance(value, dt.datetime) and value != value)
    )


def _instant(value: dt.date) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.combine(value, dt.time())


def same_cell(a: Any, b: Any) -> bool:
    """Whether two cells of a review table hold the same value: lists by their items, missing values (None, NaN,
    NaT) alike, a date the same as midnight of that day."""
    a, b = (v.tolist() if getattr(v, "ndim", 0) else v for v in (a, b))
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        return list(a if isinstance(a, (list, tuple)) else []) == list(b if isinstance(b, (list, tuple)) else [])
    a_missing, b_missing = _missing(a), _missing(b)
    if a_missing or b_missing:
        return a_missing and b_missing
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        return _instant(a) == _instant(b)
    return bool(a == b)


def _items(cell: Any) -> list[Any]:
    """A list cell's items (none for a missing cell)."""
    if getattr(cell, "ndim", 0):
        return list(cell.tolist())
    if isinstance(cell, (list, tuple)):
        return list(cell)
    return [] if _missing(cell) or cell == "" else [cell]


def _date(cell: Any, *, where: str, field: str) -> dt.date | None:
    """A date cell's date (None when it is empty)."""
    if _missing(cell) or (isinstance(cell, str) and not cell.strip()):
        return None
    if isinstance(cell, dt.datetime):
        return cell.date()
    if isinstance(cell, dt.date):
        return cell
    if isinstance(cell, str):
        try:
            return dt.datetime.fromisoformat(cell.strip()).date()
        except ValueError:
            pass
    raise ReviewError(f"{where}: field {field!r}: {cell!r} is not a date")


@dataclass(frozen=True)
class _Places:
    """The places table as decided."""

    key_for_label: Mapping[str, str]
    resolution: Mapping[str, str]  # a mention's own reading -> the analyst's choice (events follow it)
    unused: frozenset[str]  # readings whose every mention the analyst said is not a place
    new_places: tuple[NewPlace, ...]

    def key(self, label: Any) -> Any:
        """The place key an event or period naming ``label`` gets."""
        key = self.key_for_label.get(label, label)
        return self.resolution.get(key, key)

    def unused_label(self, label: Any) -> bool:
        return self.key_for_label.get(label, label) in self.unused


def _new_place(key: str, reading: Reading, lat: float, lon: float, *, moved: bool) -> NewPlace:
    if reading.geometry is not None and not moved:
        return NewPlace(
            key=key,
            name_en=reading.name,
            kind=PLACE_KINDS.get(reading.kind, PlaceKind.AREA),
            geometry=reading.geometry,
            geometry_source=reading.source,
            name_ar=reading.name_ar,
        )
    return NewPlace.point(
        key,
        reading.name,
        lat,
        lon,
        kind=PLACE_KINDS.get(reading.kind, PlaceKind.TOWN),
        source="analyst" if moved else reading.source,
        name_ar=reading.name_ar,
        note="position set by the analyst" if moved else reading.note,
        uncertainty_m=None if moved else reading.uncertainty_m,
    )


def _resolve_mention(
    row: Row,
    scenario: Scenario,
    found: Mapping[str, Reading],
    key_for_label: Mapping[str, str],
    moves: Mapping[int, tuple[float, float]],
) -> tuple[str, NewPlace | None]:
    """The place key a used mention resolves to, and the new place it needs (None: a scenario place)."""
    index = int(row["index"])
    key = key_for_label.get(row["resolved as"], row["key"])
    reading = found[key]
    if index in moves:
        lat, lon = moves[index]
    elif key != row["key"]:
        lat, lon = reading.lat, reading.lon  # another reading chosen: its own position
    else:
        lat, lon = float(row["lat"]), float(row["lon"])
    moved = (round(lat, 5), round(lon, 5)) != (round(reading.lat, 5), round(reading.lon, 5))
    if key in scenario.place_by_id and not moved:
        return key, None
    if moved:
        key = f"manual:{index}"
    return key, _new_place(key, reading, lat, lon, moved=moved)


def _resolve_places(
    rows: Sequence[Row], scenario: Scenario, found: Mapping[str, Reading], moves: Mapping[int, tuple[float, float]]
) -> _Places:
    key_for_label = {label: key for key, label in _distinct_labels(found).items()}
    used = [row for row in rows if row["use"]]
    new_places: dict[str, NewPlace] = {}
    resolution: dict[str, str] = {}
    for row in used:
        key, new = _resolve_mention(row, scenario, found, key_for_label, moves)
        resolution[row["key"]] = key
        if new is not None:
            new_places[key] = new
    unused = {row["key"] for row in rows if not row["use"]} - {row["key"] for row in used}
    return _Places(key_for_label, resolution, frozenset(unused), tuple(new_places.values()))


def _event_decision(
    row: Row, proposal: ProposedEvent, proposed: Row, places: _Places, force_for_name: Mapping[str, str]
) -> EventDecision:
    date = _date(row["date"], where=str(row["event"]), field="date")
    if date is None:
        raise ReviewError(f"{row['event']}: field 'date' is empty: give a date before saving")
    corrected = any(not same_cell(row[c], proposed[c]) for c in CORRECTED_FIELDS)
    return EventDecision(
        key=proposal.id,
        quote_start=proposal.start,
        quote_end=proposal.end,
        date=date,
        date_precision=DatePrecision(row["precision"]),
        place_keys=tuple(places.key(label) for label in _items(row["places"]) if not places.unused_label(label)),
        force_ids=tuple(_force_id(name, force_for_name, where=str(row["event"])) for name in _items(row["forces"])),
        kind=str(row["kind"] or "report"),
        summary=reviewed_summary(
            proposed=str(proposed["summary"] or ""), summary=str(row["summary"] or ""), corrected=corrected
        ),
        verification=Verification(row["verification"]),
        claimed_by=str(row["claimed by"] or ""),
    )


def _force_id(name: Any, force_for_name: Mapping[str, str], *, where: str) -> str:
    """The id of the force named ``name`` (a name or an id); an unknown one is refused with the way to add it."""
    if name in force_for_name:
        return force_for_name[name]
    if name in force_for_name.values():
        return str(name)
    raise ReviewError(
        f"{where}: the force {str(name)!r} is not in the scenario: add it with 'Add a force' on this page, "
        "or pick one of the scenario's forces"
    )


def _period_decision(row: Row, event_key: str, places: _Places, force_for_name: Mapping[str, str]) -> PeriodDecision:
    where = f"period of {row['event']}"
    return PeriodDecision(
        event_key=event_key,
        place_key=places.key(row["place"]),
        force_id=_force_id(row["force"], force_for_name, where=where),
        role=Role(row["role"]),
        start=_date(row["start"], where=where, field="start"),
        end=_date(row["end"], where=where, field="end"),
    )


@dataclass(frozen=True)
class _Correction:
    """How the analyst changed one event's forces, places and date in review: what its periods follow."""

    forces: Mapping[Any, Any | None]  # proposed name -> corrected name (None: removed from the event)
    places: Mapping[Any, Any | None]  # proposed label -> corrected label (None: removed)
    date: tuple[dt.date, dt.date] | None  # (proposed, corrected)

    @classmethod
    def between(cls, proposed: Row, row: Row) -> _Correction:
        old_date = _date(proposed["date"], where=str(row["event"]), field="date")
        new_date = _date(row["date"], where=str(row["event"]), field="date")
        moved = (old_date, new_date) if old_date and new_date and old_date != new_date else None
        return cls(_replaced(proposed["forces"], row["forces"]), _replaced(proposed["places"], row["places"]), moved)

    def period(self, row: Row) -> Row | None:
        """The period row as the event's corrections make it (None when its force or place left the event); a
        period row the analyst changed keeps what they wrote."""
        force = self.forces.get(row["force"], row["force"])
        place = self.places.get(row["place"], row["place"])
        if force is None or place is None:
            return None
        out = dict(row, force=force, place=place)
        if self.date is not None:
            for end in ("start", "end"):
                if same_cell(row[end], self.date[0]):
                    out[end] = self.date[1]
        return out


def _replaced(proposed: Any, corrected: Any) -> dict[Any, Any | None]:
    """What each proposed item became: one item replaced by one is that item; others removed are None."""
    old, new = _items(proposed), _items(corrected)
    removed = [x for x in old if x not in new]
    added = [x for x in new if x not in old]
    if len(removed) == 1 and len(added) == 1:
        return {removed[0]: added[0]}
    return dict.fromkeys(removed)


def decisions_from_tables(
    scenario: Scenario,
    extraction: Extraction,
    *,
    places: Sequence[Row],
    proposed_events: Sequence[Row],
    events: Sequence[Row],
    periods: Sequence[Row],
    moves: Mapping[int, tuple[float, float]] | None = None,
    geoparser: Geoparser | None = None,
) -> Decisions:
    """The decisions the review tables hold, with their labels and names mapped back to keys and ids.

    ``places``, ``events`` and ``periods`` are the tables as the analyst left them; ``proposed_events`` is the events
    table as proposed (a proposal whose date, precision, places, forces or kind were corrected gets a summary written
    afresh unless the analyst rewrote it); ``moves`` maps a place mention's ``index`` to a point picked on the map;
    ``geoparser`` is the one the tables' labels were made with (see :func:`readings`).

    - A mention not used is dropped from the events and periods naming its reading (unless another mention of that
      reading is used); a period on it is left out.
    - A mention resolved to a reading the scenario lacks, or moved (on the map or by its coordinates), becomes a new
      place: the reading's area, or a point (``manual:<index>`` when the analyst set its position).
    - Only accepted events count, and the accepted periods of accepted events.
    - A period follows its event's corrections: a force or place replaced by another in the event is replaced in
      its periods, one removed from the event takes its periods with it, and a start or end on the proposed date
      moves to the corrected date.

    Raises :class:`~mapdata.text.review.ReviewError` naming the event and field, e.g. for an accepted event without a date.
    """
    found = readings(scenario, extraction.places, geoparser=geoparser)
    resolved = _resolve_places(places, scenario, found, moves or {})
    force_for_name = {name: force_id for force_id, name in force_names(scenario).items()}
    by_id = {e.id: e for e in extraction.events}
    proposed = {row["id"]: row for row in proposed_events}
    event_decisions = tuple(
        _event_decision(row, by_id[row["id"]], proposed[row["id"]], resolved, force_for_name)
        for row in events
        if row["accept"]
    )
    accepted = {d.key for d in event_decisions}
    corrections = {row["id"]: _Correction.between(proposed[row["id"]], row) for row in events if row["accept"]}
    event_for_label = {label: event_id for event_id, label in event_labels(extraction.events).items()}
    period_decisions = []
    for row in periods:
        event_key = event_for_label.get(row["event"], row["event"])
        if not row["accept"] or event_key not in accepted:
            continue
        followed = corrections[event_key].period(row)  # the event's corrected force, place and date
        if followed is not None and not resolved.unused_label(followed["place"]):
            period_decisions.append(_period_decision(followed, event_key, resolved, force_for_name))
    return Decisions(events=event_decisions, periods=tuple(period_decisions), new_places=resolved.new_places)
