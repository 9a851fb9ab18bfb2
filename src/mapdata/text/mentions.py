"""What the text pipeline finds in a report: mentions with character offsets.

Every mention carries ``text``, ``start`` and ``end`` with ``source[start:end] == text``,
so each can be highlighted and quoted exactly. The finders live in
:mod:`mapdata.text.geoparse` (places), :mod:`mapdata.text.dates` (dates), :mod:`mapdata.text.lexicon`
(forces and actions) and :mod:`mapdata.text.events` (proposed events); :mod:`mapdata.text.extract`
runs them all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry

from mapdata.model.models import DatePrecision, PlaceKind, Role, Verification


@dataclass(frozen=True)
class Candidate:
    """One gazetteer entry a place mention could refer to, with its score."""

    entry_id: str
    name: str
    lat: float
    lon: float
    kind: str
    country: str
    score: float


@dataclass(frozen=True)
class PlaceMention:
    text: str
    start: int
    end: int
    entry_id: str  # gazetteer id of the chosen reading
    name: str
    lat: float
    lon: float
    kind: str  # a PlaceKind value, or "country" / "admin1" / "admin2" / "admin3"
    confidence: float  # 0..1
    place_id: str | None = None  # the scenario place it resolves to, when there is one
    geometry: BaseGeometry | None = None  # area or line for spatial phrases; None = the point
    country: str = ""
    candidates: tuple[Candidate, ...] = ()  # alternatives, best first (for the analyst to pick)
    phrase: str = ""  # e.g. "western countryside of" for spatial phrases
    reason: str = ""  # why the chosen reading won over the other candidates
    approximate: bool = False  # not in the gazetteer: placed at the place it is said to be in
    uncertainty_m: float | None = None  # radius the place lies within, when known

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "place_id": self.place_id or self.entry_id,
            "entry_id": self.entry_id,
            "name": self.name,
            "lat": round(self.lat, 6),
            "lon": round(self.lon, 6),
            "kind": self.kind,
            "confidence": round(self.confidence, 3),
            "country": self.country,
            "phrase": self.phrase,
            "reason": self.reason,
            "approximate": self.approximate,
            "uncertainty_m": self.uncertainty_m,
            "candidates": [
                {
                    "entry_id": c.entry_id,
                    "name": c.name,
                    "lat": c.lat,
                    "lon": c.lon,
                    "kind": c.kind,
                    "country": c.country,
                    "score": round(c.score, 3),
                }
                for c in self.candidates
            ],
        }


@dataclass(frozen=True)
class DateMention:
    text: str
    start: int
    end: int
    date: dt.date | None  # None when it could not be resolved
    precision: DatePrecision
    warning: str = ""  # e.g. weekday contradicts the date
    basis: str = ""  # how it was resolved (publication date, inferred year, ...)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "date": self.date.isoformat() if self.date else None,
            "precision": self.precision.value,
            "warning": self.warning or None,
            "basis": self.basis,
        }


@dataclass(frozen=True)
class ForceMention:
    text: str
    start: int
    end: int
    force: str

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end, "force": self.force}


@dataclass(frozen=True)
class ActionMention:
    text: str
    start: int
    end: int
    action: str  # e.g. "take_over", "deploy", "refuse_withdrawal", "withdraw", "object"
    role: Role | None  # what it implies for control: control, presence, contested; None = ends one
    negated: bool = False
    implies: bool = True  # False: a strike, a shelling: no period for the attacker


@dataclass(frozen=True)
class ProposedPeriod:
    place_id: str
    force: str
    role: Role
    start: dt.date | None
    end: dt.date | None = None


@dataclass(frozen=True)
class ProposedEvent:
    """A sentence-level event candidate for the analyst to accept, correct or reject."""

    id: str
    quote: str
    start: int
    end: int
    date: dt.date | None
    date_precision: DatePrecision
    place_mentions: tuple[PlaceMention, ...]
    forces: tuple[str, ...]
    kind: str
    summary: str
    verification: Verification
    confidence: float
    periods: tuple[ProposedPeriod, ...] = ()
    claimed_by: str = ""
    verification_note: str = ""
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "quote": self.quote,
            "quote_start": self.start,
            "quote_end": self.end,
            "date": self.date.isoformat() if self.date else None,
            "date_precision": self.date_precision.value,
            "place_ids": [m.place_id or m.entry_id for m in self.place_mentions],
            "forces": list(self.forces),
            "force_ids": list(self.forces),
            "kind": self.kind,
            "summary": self.summary,
            "verification": self.verification.value,
            "claimed_by": self.claimed_by,
            "verification_note": self.verification_note,
            "confidence": round(self.confidence, 3),
            "warnings": list(self.warnings),
            "periods": [
                {
                    "place_id": p.place_id,
                    "force": p.force,
                    "role": p.role.value,
                    "start": p.start.isoformat() if p.start else None,
                    "end": p.end.isoformat() if p.end else None,
                }
                for p in self.periods
            ],
        }


@dataclass(frozen=True)
class Extraction:
    """Everything found in one text."""

    text: str
    published: dt.date | None
    places: tuple[PlaceMention, ...] = ()
    dates: tuple[DateMention, ...] = ()
    forces: tuple[ForceMention, ...] = ()
    actions: tuple[ActionMention, ...] = ()
    events: tuple[ProposedEvent, ...] = ()
    warnings: tuple[str, ...] = ()
    year_basis: str = ""
    stats: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "published": self.published.isoformat() if self.published else None,
            "year_basis": self.year_basis,
            "places": [m.to_json() for m in self.places],
            "dates": [m.to_json() for m in self.dates],
            "forces": [m.to_json() for m in self.forces],
            "events": [e.to_json() for e in self.events],
            "warnings": list(self.warnings),
            "stats": self.stats,
        }


__all__ = [
    "ActionMention",
    "Candidate",
    "DateMention",
    "Extraction",
    "ForceMention",
    "PlaceKind",
    "PlaceMention",
    "ProposedEvent",
    "ProposedPeriod",
]
