"""Turn an analyst's decisions on an extracted report into scenario records.

The "Add a report" page (and ``scripts/seed_scenario.py``) collect decisions — which
proposed events to accept, with which corrections, which control periods follow,
which new places to add — and :func:`apply_report` returns the new scenario. Nothing
is written here: the page writes the difference to the store (``store.changes_between`` and
``Store.apply``: validated, all or nothing, audited).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from mapdata.map.colours import MIN_DELTA_E, clashes
from mapdata.model.errors import MapdataError
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
from mapdata.model.records import colour_problem, slug, unique_id
from mapdata.text.events import describe_event
from mapdata.text.lexicon import Lexicon


class ReviewError(MapdataError, ValueError):
    """A decision that cannot become a record; the message names the record and field."""


@dataclass(frozen=True)
class ReportMeta:
    publisher: str
    title: str
    published: dt.date | None = None
    published_inferred: dt.date | None = None
    published_basis: str = ""
    url: str = ""
    language: str = "en"
    licence: str = ""


@dataclass(frozen=True)
class NewPlace:
    """A place the report names that the scenario lacks (from the gazetteer or a point picked on the map)."""

    key: str  # how decisions refer to it (e.g. the gazetteer entry id)
    name_en: str
    kind: PlaceKind
    geometry: BaseGeometry
    geometry_source: str
    name_ar: str = ""
    aliases: tuple[str, ...] = ()
    uncertainty_m: float | None = None
    location_note: str = ""

    @classmethod
    def point(
        cls,
        key: str,
        name: str,
        lat: float,
        lon: float,
        *,
        kind: PlaceKind = PlaceKind.TOWN,
        source: str = "analyst",
        name_ar: str = "",
        note: str = "",
        uncertainty_m: float | None = None,
    ) -> NewPlace:
        return cls(
            key=key,
            name_en=name,
            kind=kind,
            geometry=Point(lon, lat),
            geometry_source=source,
            name_ar=name_ar,
            location_note=note,
            uncertainty_m=uncertainty_m,
        )


@dataclass(frozen=True)
class EventDecision:
    key: str  # the proposal's id (e.g. "cand_4"), used by period decisions
    quote_start: int
    quote_end: int
    date: dt.date
    date_precision: DatePrecision
    place_keys: tuple[str, ...]  # scenario place ids or NewPlace keys
    force_ids: tuple[str, ...]
    kind: str
    summary: str  # empty: written from the decision's fields (forces, places, date, kind) by describe_event
    verification: Verification
    claimed_by: str = ""
    verification_note: str = ""
    date_as_written: str = ""
    date_note: str = ""
    event_id: str = ""  # chosen id; derived from the source id and key when empty


@dataclass(frozen=True)
class PeriodDecision:
    event_key: str
    place_key: str
    force_id: str
    role: Role
    start: dt.date | None
    end: dt.date | None = None
    note: str = ""
    period_id: str = ""


@dataclass(frozen=True)
class ReportResult:
    scenario: Scenario
    source_id: str
    event_ids: tuple[str, ...]
    period_ids: tuple[str, ...]
    place_ids: tuple[str, ...]
    closed_periods: tuple[str, ...]  # open-ended holding periods ended by the new ones


def _unique(base: str, taken: set[str]) -> str:
    """A new id (model.records.unique_id), counted as taken from now on."""
    candidate = unique_id(base, taken)
    taken.add(candidate)
    return candidate


def new_force(scenario: Scenario, *, name: str, colour: str, aliases: Iterable[str] = ()) -> Force:
    """A force a report names and the scenario lacks, checked before it is added: a name, a colour like #0072B2 that
    every reader can tell from the other forces' (colour-blind simulation, :data:`~mapdata.map.colours.MIN_DELTA_E`),
    and aliases (English or Arabic) that no other force already has. Raises :class:`ReviewError` saying what to fix."""
    name = " ".join(name.split())
    if not name:
        raise ReviewError("the new force needs a name")
    if any(" ".join(f.name.split()).casefold() == name.casefold() for f in scenario.forces):
        raise ReviewError(f"a force named {name!r} is already in the scenario")
    if problem := colour_problem(colour):
        raise ReviewError(f"colour: {problem}")
    colour = colour.upper()
    close = [c for c in clashes([("new", colour), *((f.name, f.colour) for f in scenario.forces)]) if c.first == "new"]
    if close:
        worst = min(close, key=lambda c: c.delta_e)
        raise ReviewError(
            f"colour {colour} is too close to {worst.second} ({worst.vision} vision: ΔE {worst.delta_e}, at least "
            f"{MIN_DELTA_E:g} needed); pick another"
        )
    names = [" ".join(a.split()) for a in aliases if a and a.strip()]
    aliases_kept = tuple(dict.fromkeys(a for a in names if a.casefold() != name.casefold()))
    force = Force(
        id=unique_id(slug(name), {f.id for f in scenario.forces}), name=name, colour=colour, aliases=aliases_kept
    )
    taken = Lexicon.from_forces(scenario.forces)
    for alias in (name, *aliases_kept):
        found = taken.find_forces(alias)
        if found and found[0].start == 0 and found[0].end == len(alias):
            other = next(f.name for f in scenario.forces if f.id == found[0].force)
            raise ReviewError(f"{alias!r} already names {other}: leave it out, or correct that force instead")
    return force


def reviewed_summary(*, proposed: str, summary: str, corrected: bool) -> str:
    """The summary to save for a reviewed proposal: the analyst's own text, or ``""`` (written afresh from the
    corrected fields by :func:`apply_report`) when they kept the parser's summary but corrected the force,
    place, date or kind it describes."""
    return "" if corrected and " ".join(summary.split()) == " ".join(proposed.split()) else summary


def apply_report(
    scenario: Scenario,
    *,
    meta: ReportMeta,
    text: str,
    events: Iterable[EventDecision],
    periods: Iterable[PeriodDecision] = (),
    new_places: Iterable[NewPlace] = (),
    source_id: str = "",
    text_file: str = "",
    close_open_periods: bool = True,
) -> ReportResult:
    """The scenario with the report, its accepted events and periods and new places added.

    With ``close_open_periods``, an open-ended control/contested period at a place is
    ended the day before a new holding period there starts (the report says the place
    changed hands); otherwise such overlaps are left for validation to refuse.
    """
    if not meta.publisher.strip():
        raise ReviewError("report: field 'publisher' is empty")
    if not meta.title.strip():
        raise ReviewError("report: field 'title' is empty")
    if not text.strip():
        raise ReviewError("report: the text is empty")

    source_ids = {s.id for s in scenario.sources}
    if source_id:
        if source_id in source_ids:
            raise ReviewError(f"report: source id {source_id!r} already exists")
    else:
        when = meta.published or meta.published_inferred
        source_id = _unique(
            slug(f"{meta.publisher} {when.isoformat() if when else ''} {meta.title}", limit=60), source_ids
        )
    text_file = text_file or f"sources/{source_id}.txt"
    source = Source(
        id=source_id,
        publisher=meta.publisher.strip(),
        title=meta.title.strip(),
        text=text,
        text_file=text_file,
        published=meta.published,
        published_inferred=meta.published_inferred,
        published_basis=meta.published_basis,
        url=meta.url.strip(),
        language=meta.language,
        licence=meta.licence,
    )

    place_ids = {p.id for p in scenario.places}
    place_for_key: dict[str, str] = {pid: pid for pid in place_ids}
    added_places: list[Place] = []
    for new in new_places:
        if new.key in place_for_key:
            continue
        pid = _unique(slug(new.name_en), place_ids)
        place_for_key[new.key] = pid
        added_places.append(
            Place(
                id=pid,
                name_en=new.name_en,
                kind=new.kind,
                geometry=new.geometry,
                geometry_source=new.geometry_source,
                name_ar=new.name_ar,
                aliases=new.aliases,
                uncertainty_m=new.uncertainty_m,
                location_note=new.location_note,
            )
        )

    def place(key: str, where: str) -> str:
        if key not in place_for_key:
            raise ReviewError(f"{where}: field 'place': {key!r} is neither a place of the scenario nor a new place")
        return place_for_key[key]

    force_names = {f.id: f.name for f in scenario.forces}
    place_names = {p.id: p.name_en for p in (*scenario.places, *added_places)}
    event_ids = {e.id for e in scenario.events}
    event_for_key: dict[str, str] = {}
    added_events: list[Event] = []
    for decision in events:
        where = f"event {decision.key}"
        if not 0 <= decision.quote_start < decision.quote_end <= len(text):
            raise ReviewError(
                f"{where}: field 'quote': offsets {decision.quote_start}..{decision.quote_end} are outside the text"
            )
        if not decision.place_keys:
            raise ReviewError(f"{where}: field 'places': name at least one place")
        eid = decision.event_id or f"{source_id}_{slug(decision.key)}"
        if eid in event_ids:
            raise ReviewError(f"{where}: field 'id': event id {eid!r} already exists")
        event_ids.add(eid)
        event_for_key[decision.key] = eid
        event_places = tuple(dict.fromkeys(place(k, where) for k in decision.place_keys))
        event_forces = tuple(dict.fromkeys(decision.force_ids))
        summary = (
            decision.summary
            if decision.summary.strip()
            else describe_event(
                kind=decision.kind,
                forces=[force_names.get(f, f) for f in event_forces],
                places=[place_names.get(p, p) for p in event_places],
                date=decision.date,
                precision=decision.date_precision,
            )
        )
        added_events.append(
            Event(
                id=eid,
                date=decision.date,
                date_precision=decision.date_precision,
                place_ids=event_places,
                force_ids=event_forces,
                kind=decision.kind,
                summary=summary,
                source_id=source_id,
                quote=text[decision.quote_start : decision.quote_end],
                quote_start=decision.quote_start,
                quote_end=decision.quote_end,
                verification=decision.verification,
                claimed_by=decision.claimed_by,
                verification_note=decision.verification_note,
                date_as_written=decision.date_as_written,
                date_note=decision.date_note,
            )
        )

    period_ids = {p.id for p in scenario.periods}
    added_periods: list[ControlPeriod] = []
    for period in periods:
        where = f"period for event {period.event_key}"
        if period.event_key not in event_for_key:
            raise ReviewError(f"{where}: field 'event': that event is not accepted")
        if period.start and period.end and period.end < period.start:
            raise ReviewError(f"{where}: field 'end': {period.end} is before start {period.start}")
        pid = place(period.place_key, where)
        period_id = period.period_id or _unique(
            f"{event_for_key[period.event_key]}_{slug(period.force_id, limit=20)}_{period.role.value}", period_ids
        )
        added_periods.append(
            ControlPeriod(
                id=period_id,
                place_id=pid,
                force_id=period.force_id,
                role=period.role,
                start=period.start,
                end=period.end,
                event_ids=(event_for_key[period.event_key],),
                note=period.note,
            )
        )

    existing = list(scenario.periods)
    closed: list[str] = []
    if close_open_periods:
        for added in added_periods:
            if not added.role.holds or added.start is None:
                continue
            for index, old in enumerate(existing):
                if (
                    old.place_id == added.place_id
                    and old.role.holds
                    and old.end is None
                    and (old.start is None or old.start < added.start)
                ):
                    existing[index] = dataclasses.replace(old, end=added.start - dt.timedelta(days=1))
                    closed.append(old.id)

    updated = dataclasses.replace(
        scenario,
        places=scenario.places + tuple(added_places),
        sources=scenario.sources + (source,),
        events=scenario.events + tuple(added_events),
        periods=tuple(existing) + tuple(added_periods),
    )
    return ReportResult(
        scenario=updated,
        source_id=source_id,
        event_ids=tuple(e.id for e in added_events),
        period_ids=tuple(p.id for p in added_periods),
        place_ids=tuple(p.id for p in added_places),
        closed_periods=tuple(closed),
    )
