"""Who holds each place on a given day, derived from control periods.

The rules (``docs/data-format.md``, "The state of a place on a date"): a holding
period (control or contested) covering the day decides status and force; otherwise
presence periods make the status ``presence``; otherwise it is ``unknown``.

As of a day, evidence is what was reported by then (:meth:`Timeline.evidence`, the one
place that rule lives; the browser-side map gets its two dates from
:func:`evidence_dates`): an event dated after the day is not yet evidence and is left
out; an event dated on or before it whose source was published later is shown, marked
"reported later (date)".
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from mapdata.models import ControlPeriod, Event, Role, Scenario, Source, Status


@dataclass(frozen=True)
class PlaceState:
    place_id: str
    day: dt.date
    status: Status
    force: str | None
    forces_present: tuple[str, ...]
    since: dt.date | None
    holding: ControlPeriod | None
    presence: tuple[ControlPeriod, ...]

    @property
    def periods(self) -> tuple[ControlPeriod, ...]:
        return ((self.holding,) if self.holding else ()) + self.presence


@dataclass(frozen=True)
class Evidence:
    """One supporting passage for a place's state, as known on the day asked about.

    ``reported`` is the day it became known (:func:`evidence_dates`); ``later`` says
    that this is after the day of the state it supports.
    """

    event: Event
    source: Source
    reported: dt.date | None = None
    later: bool = False

    @property
    def reported_label(self) -> str:
        """When it was reported: the source's printed date, or "on or after" its inferred one."""
        return reported_label(self.event, self.source)


def evidence_dates(event: Event, source: Source) -> tuple[dt.date, dt.date]:
    """The first day ``event`` is evidence (its date), and the day it became known.

    Known: the source's publication date (printed, else inferred), or the event's own
    date when the source has none; never before the event's date. On day D the event is
    evidence if its date is on or before D, and "reported later" if it became known after D.
    """
    reported = source.date or event.date
    return event.date, max(reported, event.date)


def reported_label(event: Event, source: Source) -> str:
    """The day ``event`` became known, as a card prints it in "reported later (...)"."""
    reported = evidence_dates(event, source)[1]
    if source.published is None and source.published_inferred is not None and reported == source.published_inferred:
        return f"on or after {reported.isoformat()}"
    return reported.isoformat()


class Timeline:
    """Control periods indexed by place, answering "what holds on day D"."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        by_place: dict[str, list[ControlPeriod]] = defaultdict(list)
        for period in scenario.periods:
            by_place[period.place_id].append(period)
        self._by_place = {
            place_id: sorted(periods, key=lambda p: (p.start or dt.date.min, p.id)) for place_id, periods in by_place.items()
        }

    def state(self, place_id: str, day: dt.date) -> PlaceState:
        active = [p for p in self._by_place.get(place_id, ()) if p.covers(day)]
        holding = next((p for p in active if p.role.holds), None)
        presence = tuple(p for p in active if p.role is Role.PRESENCE)
        present = sorted({p.force_id for p in active} - ({holding.force_id} if holding else set()))
        forces_present = ((holding.force_id,) if holding else ()) + tuple(present)
        if holding is not None:
            status = Status.CONTROL if holding.role is Role.CONTROL else Status.CONTESTED
            since = holding.start
        elif presence:
            status = Status.PRESENCE
            starts = [p.start for p in presence]
            since = None if any(s is None for s in starts) else min(s for s in starts if s is not None)
        else:
            status, since = Status.UNKNOWN, None
        return PlaceState(
            place_id=place_id,
            day=day,
            status=status,
            force=holding.force_id if holding else None,
            forces_present=forces_present,
            since=since,
            holding=holding,
            presence=presence,
        )

    def states(self, day: dt.date) -> dict[str, PlaceState]:
        """The state of every place on ``day``, in the scenario's place order."""
        return {place.id: self.state(place.id, day) for place in self.scenario.places}

    def change_days(self) -> tuple[dt.date, ...]:
        """Days on which some place's state changes (a period starts, or the day after one ends)."""
        days = {p.start for p in self.scenario.periods if p.start}
        days |= {p.end + dt.timedelta(days=1) for p in self.scenario.periods if p.end}
        return tuple(sorted(days))

    def evidence(self, state: PlaceState) -> tuple[Evidence, ...]:
        """The events (with their sources) that support the periods behind ``state``, as of its day.

        Falls back to the events dated up to that day at the place, so a place with no
        control claim still shows what the reports say about it. As of the day: an event
        dated after it is not yet evidence (left out); one whose source was published after
        it is kept with ``later`` set (see :func:`evidence_dates`).
        """
        scenario = self.scenario
        event_ids: list[str] = []
        for period in state.periods:
            event_ids += [e for e in period.event_ids if e not in event_ids]
        if not event_ids:
            event_ids = [e.id for e in scenario.events_at(state.place_id, until=state.day)]
        out = []
        for event_id in event_ids:
            event = scenario.event_by_id[event_id]
            source = scenario.source_by_id[event.source_id]
            dated, reported = evidence_dates(event, source)
            if dated > state.day:
                continue
            out.append(Evidence(event=event, source=source, reported=reported, later=reported > state.day))
        return tuple(sorted(out, key=lambda ev: (ev.event.date, ev.event.id)))

    def event_is_evidence(self, event: Event, day: dt.date) -> bool:
        """Whether ``event`` can be evidence on ``day`` at all (it is dated on or before it)."""
        return evidence_dates(event, self.scenario.source_by_id[event.source_id])[0] <= day

    def as_of_note(self, event: Event, day: dt.date) -> str:
        """How ``event`` stands as evidence on ``day``, in words: "" (known by then), "reported later (...)",
        or "dated after <day>: not yet evidence" (what exports write beside each piece of evidence)."""
        source = self.scenario.source_by_id[event.source_id]
        dated, reported = evidence_dates(event, source)
        if dated > day:
            return f"dated after {day.isoformat()}: not yet evidence on that day"
        if reported > day:
            return f"reported later ({reported_label(event, source)})"
        return ""
