"""The domain model: forces, places, sources, events and control periods.

Everything here is immutable. A :class:`Scenario` bundles one consistent set of
records (see ``docs/data-format.md`` for the file format and the consistency
rules, and :mod:`mapdata.model.validate` for the checks).
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from shapely.geometry.base import BaseGeometry


class Role(StrEnum):
    """What a control period says about a force at a place."""

    CONTROL = "control"
    CONTESTED = "contested"
    PRESENCE = "presence"

    @property
    def holds(self) -> bool:
        """Control and contested periods say who holds the place."""
        return self is not Role.PRESENCE


class Status(StrEnum):
    """The state of a place on one date."""

    CONTROL = "control"
    CONTESTED = "contested"
    PRESENCE = "presence"
    UNKNOWN = "unknown"


class PlaceKind(StrEnum):
    TOWN = "town"
    MILITARY_SITE = "military_site"
    AREA = "area"
    BORDER = "border"
    REGION = "region"


class DatePrecision(StrEnum):
    DAY = "day"
    REPORTED_BY = "reported_by"
    MONTH = "month"


class Verification(StrEnum):
    CONFIRMED = "confirmed"
    REPORTED = "reported"
    CLAIMED = "claimed"
    UNVERIFIED = "unverified"
    DISPUTED = "disputed"


@dataclass(frozen=True)
class Force:
    id: str
    name: str
    colour: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Place:
    id: str
    name_en: str
    kind: PlaceKind
    geometry: BaseGeometry
    geometry_source: str
    name_ar: str = ""
    aliases: tuple[str, ...] = ()
    uncertainty_m: float | None = None
    location_note: str = ""

    @property
    def label(self) -> str:
        """English and Arabic name, for display."""
        return f"{self.name_en} ({self.name_ar})" if self.name_ar else self.name_en

    @cached_property
    def anchor(self) -> tuple[float, float]:
        """A (lat, lon) inside or on the geometry, for fly-to and labels."""
        point = self.geometry.representative_point()
        return (point.y, point.x)


@dataclass(frozen=True)
class Source:
    id: str
    publisher: str
    title: str
    text: str
    text_file: str
    published: dt.date | None = None
    published_inferred: dt.date | None = None
    published_basis: str = ""
    url: str = ""
    language: str = ""
    licence: str = ""

    @property
    def date(self) -> dt.date | None:
        """Publication date, printed or inferred."""
        return self.published or self.published_inferred

    @property
    def date_label(self) -> str:
        if self.published:
            return self.published.isoformat()
        if self.published_inferred:
            return f"not printed; on or after {self.published_inferred.isoformat()} (inferred)"
        return "unknown"


@dataclass(frozen=True, slots=True, weakref_slot=True)  # slots: a large scenario holds 100,000s of them
class Event:
    id: str
    date: dt.date
    date_precision: DatePrecision
    place_ids: tuple[str, ...]
    force_ids: tuple[str, ...]
    kind: str
    summary: str
    source_id: str
    quote: str
    quote_start: int
    quote_end: int
    verification: Verification
    claimed_by: str = ""
    verification_note: str = ""
    date_as_written: str = ""
    date_note: str = ""

    @property
    def date_label(self) -> str:
        if self.date_precision is DatePrecision.REPORTED_BY:
            return f"by {self.date.isoformat()}"
        if self.date_precision is DatePrecision.MONTH:
            return self.date.strftime("%B %Y")
        return self.date.isoformat()

    @property
    def verification_label(self) -> str:
        label = self.verification.value
        if self.verification is Verification.CLAIMED and self.claimed_by:
            label = f"claimed by {self.claimed_by}"
        if self.verification_note:
            label = f"{label} ({self.verification_note})"
        return label


@dataclass(frozen=True, slots=True, weakref_slot=True)
class ControlPeriod:
    id: str
    place_id: str
    force_id: str
    role: Role
    start: dt.date | None = None
    end: dt.date | None = None
    event_ids: tuple[str, ...] = ()
    source_ids: tuple[str, ...] = ()
    note: str = ""

    def covers(self, day: dt.date) -> bool:
        """Whether the period holds on ``day`` (start and end are inclusive)."""
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def overlaps(self, other: ControlPeriod) -> bool:
        """Whether two periods share at least one day."""
        starts_before_other_ends = self.start is None or other.end is None or self.start <= other.end
        other_starts_before_end = other.start is None or self.end is None or other.start <= self.end
        return starts_before_other_ends and other_starts_before_end


@dataclass(frozen=True)
class Scenario:
    """One consistent set of records, as loaded and validated from a folder."""

    title: str
    forces: tuple[Force, ...]
    places: tuple[Place, ...]
    sources: tuple[Source, ...]
    events: tuple[Event, ...]
    periods: tuple[ControlPeriod, ...]
    description: str = ""
    view_center: tuple[float, float] = (34.6, 36.6)
    view_zoom: int = 9
    date_start: dt.date | None = None
    date_end: dt.date | None = None
    attribution: tuple[str, ...] = ()
    basemap: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def mapped_forces(self) -> tuple[Force, ...]:
        """The forces the map draws: those with at least one control period, in the scenario's order. A force with
        none (named so that reports about it are read, not yet reported anywhere) has no layer, toggle or legend
        entry; it is still in :attr:`forces` for the text parser, the editor and imports."""
        used = {p.force_id for p in self.periods}
        return tuple(f for f in self.forces if f.id in used)

    @cached_property
    def force_by_id(self) -> dict[str, Force]:
        return {force.id: force for force in self.forces}

    @cached_property
    def place_by_id(self) -> dict[str, Place]:
        return {place.id: place for place in self.places}

    @cached_property
    def source_by_id(self) -> dict[str, Source]:
        return {source.id: source for source in self.sources}

    @cached_property
    def event_by_id(self) -> dict[str, Event]:
        return {event.id: event for event in self.events}

    @cached_property
    def date_range(self) -> tuple[dt.date, dt.date]:
        """First and last day of the slider: the declared range, else the data's."""
        days = [event.date for event in self.events]
        days += [d for period in self.periods for d in (period.start, period.end) if d is not None]
        if not days:
            days = [dt.date.today()]
        return (self.date_start or min(days), self.date_end or max(days))

    @cached_property
    def _events_by_date(self) -> tuple[tuple[Event, ...], list[dt.date]]:
        ordered = tuple(sorted(self.events, key=lambda e: (e.date, e.id)))
        return ordered, [e.date for e in ordered]

    def events_until(self, day: dt.date) -> tuple[Event, ...]:
        """Events dated on or before ``day``, oldest first (sorted once, then a binary search)."""
        ordered, dates = self._events_by_date
        return ordered[: bisect.bisect_right(dates, day)]

    @cached_property
    def _events_by_place(self) -> dict[str, tuple[tuple[Event, ...], list[dt.date]]]:
        at: dict[str, list[Event]] = {}
        for event in self._events_by_date[0]:
            for place_id in dict.fromkeys(event.place_ids):
                at.setdefault(place_id, []).append(event)
        return {place_id: (tuple(events), [e.date for e in events]) for place_id, events in at.items()}

    def events_at(self, place_id: str, until: dt.date | None = None) -> tuple[Event, ...]:
        """Events at ``place_id`` (dated on or before ``until``, if given), oldest first (indexed once)."""
        events, dates = self._events_by_place.get(place_id, ((), []))
        return events if until is None else events[: bisect.bisect_right(dates, until)]


#: A place kind in words.
KIND_LABELS = {
    PlaceKind.TOWN: "town",
    PlaceKind.MILITARY_SITE: "military site",
    PlaceKind.AREA: "area",
    PlaceKind.BORDER: "border",
    PlaceKind.REGION: "region",
}
