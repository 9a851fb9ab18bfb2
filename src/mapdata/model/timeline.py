"""Who holds each place on a given day, derived from control periods.

The rules (``docs/data-format.md``, "The state of a place on a date"): a holding
period (control or contested) covering the day decides status and force; otherwise
presence periods make the status ``presence``; otherwise it is ``unknown``.

As of a day, evidence is what was reported by then (:meth:`Timeline.evidence`, the one
place that rule lives; the browser-side map gets its two dates from
:func:`evidence_dates`): an event dated after the day is not yet evidence and is left
out; an event dated on or before it whose source was published later is shown, marked
"reported later (date)".

For a whole map at once, :class:`ControlIndex` holds the periods as numpy arrays and answers
a day for every place with a few vectorised comparisons (:attr:`Timeline.index`; what changed
between two days is :meth:`Timeline.changed_between`). ``tests/unit/test_controlindex.py``
checks the arrays against :meth:`Timeline.state` on random period sets.

ControlIndex in detail:
Who holds each place on a day, for every place at once (numpy).

:class:`mapdata.model.timeline.Timeline` answers for one place at a time in Python; with
10,000 places and 100,000 periods a whole-map answer takes a noticeable fraction of a
second. :class:`ControlIndex` turns the periods into arrays once per scenario and then
answers a day for every place with a few vectorised comparisons::

    index = ControlIndex(scenario)
    status, holder, presence = index.states_on(dt.date(2018, 6, 4))
    # status[i]   : STATUS_CODE of place i (scenario.places order): 0 unknown, 1 control, 2 contested, 3 presence
    # holder[i]   : index into scenario.forces of the holding force, -1 when nobody holds it
    # presence[i] : bit j set when force j has a presence period covering the day
    changed = index.changed_between(dt.date(2018, 6, 3), dt.date(2018, 6, 4))   # place indices

The rules are Timeline.state's (``docs/data-format.md``, "The state of a place on a
date"): start and end are inclusive, an empty start or end is open, a holding period
(control or contested) covering the day decides status and holder, otherwise presence
periods make the status ``presence``, otherwise it is ``unknown``. ``presence`` has only
the forces with a *presence* period covering the day; the forces Timeline lists as
present are the holder plus those (:meth:`ControlIndex.forces_present`).

With more than 64 forces ``presence`` has one row of 64-bit words per place (shape
``(places, words)``; force j is bit ``j % 64`` of word ``j // 64``); otherwise it is one
``uint64`` per place.

Scenarios that break the consistency rules (which validation refuses: two holding
periods of one place on the same day) still get Timeline's answer: the places concerned
are found when the index is built and answered by a :class:`Timeline` (the force of a
holding period Timeline does not pick then counts as present, as in Timeline's
``forces_present``).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from mapdata.model.models import ControlPeriod, Event, Role, Scenario, Source, Status

#: A status in words (the legend, cards, tables and exports say the same).
STATUS_LABELS = {
    Status.CONTROL: "in control",
    Status.CONTESTED: "holds it, contested",
    Status.PRESENCE: "present, no force reported in control",
    Status.UNKNOWN: "no control reported",
}
#: How a card's control history names each period's role (mapdata.js gets these words from the bundle).
ROLE_WORDS = {Role.CONTROL: "in control", Role.CONTESTED: "holding it, contested", Role.PRESENCE: "present"}
HISTORY_HEADING = "Control history to {day}"
NO_REPORT_YET = "no report dated by then"
#: How a card marks evidence as of its day (mapdata.js gets these words from the page).
NO_EVIDENCE_YET = "Nothing dated by {day} supports this yet: it rests on reports dated later."
REPORTED_LATER = "reported later ({date})"


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
            place_id: sorted(periods, key=lambda p: (p.start or dt.date.min, p.id))
            for place_id, periods in by_place.items()
        }

    def periods_of(self, place_id: str) -> tuple[ControlPeriod, ...]:
        """The place's control periods, by start (open start first), then id."""
        return tuple(self._by_place.get(place_id, ()))

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

    @cached_property
    def index(self) -> ControlIndex:
        """The periods as arrays: every place's state on a day at once (built on first use)."""
        return ControlIndex(self.scenario, timeline=self)

    def states(self, day: dt.date) -> dict[str, PlaceState]:
        """The state of every place on ``day``, in the scenario's place order. (Per place: answering the
        places no period covers from :attr:`index` measured no faster, 1.57 s against 1.37 s for 50,000
        places; the cost is building the states.)"""
        return {place.id: self.state(place.id, day) for place in self.scenario.places}

    def changed_between(self, day_a: dt.date, day_b: dt.date) -> tuple[str, ...]:
        """The places whose status, holder or forces present differ between the two days (scenario order)."""
        return tuple(self.index.place_ids[i] for i in self.index.changed_between(day_a, day_b))

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
        event_ids: list[str] = []
        for period in state.periods:
            event_ids += [e for e in period.event_ids if e not in event_ids]
        if not event_ids:
            event_ids = [e.id for e in self.scenario.events_at(state.place_id, until=state.day)]
        return self.evidence_of(event_ids, state.day)

    def evidence_of(self, event_ids: Iterable[str], day: dt.date) -> tuple[Evidence, ...]:
        """The events ``event_ids`` (with their sources) as evidence on ``day``, oldest first: one dated after it
        is left out; one published after it is kept with ``later`` set."""
        scenario = self.scenario
        out = []
        for event_id in event_ids:
            event = scenario.event_by_id[event_id]
            source = scenario.source_by_id[event.source_id]
            dated, reported = evidence_dates(event, source)
            if dated > day:
                continue
            out.append(Evidence(event=event, source=source, reported=reported, later=reported > day))
        return tuple(sorted(out, key=lambda ev: (ev.event.date, ev.event.id)))

    def as_of_note(self, event: Event, day: dt.date) -> str:
        """How ``event`` stands as evidence on ``day``, in words: "" (known by then), "reported later (...)",
        or "dated after <day>: not yet evidence" (what exports write beside each piece of evidence)."""
        source = self.scenario.source_by_id[event.source_id]
        dated, reported = evidence_dates(event, source)
        if dated > day:
            return f"dated after {day.isoformat()}: not yet evidence on that day"
        if reported > day:
            return REPORTED_LATER.format(date=reported_label(event, source))
        return ""


@dataclass(frozen=True)
class EventFilter:
    """Which events a table shows: any of ``forces`` (ids), of ``kinds``, of ``verifications``, dated from ``start``
    to ``end`` (inclusive); an empty choice lets everything through."""

    forces: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    verifications: frozenset[str] = frozenset()
    start: dt.date | None = None
    end: dt.date | None = None

    def __call__(self, events: Iterable[Event]) -> tuple[Event, ...]:
        return tuple(
            e
            for e in events
            if (not self.forces or self.forces.intersection(e.force_ids))
            and (not self.kinds or e.kind in self.kinds)
            and (not self.verifications or e.verification.value in self.verifications)
            and (self.start is None or e.date >= self.start)
            and (self.end is None or e.date <= self.end)
        )


#: Status codes, in code order: ``STATUSES[code]`` is the :class:`Status`.
STATUSES: tuple[Status, ...] = (Status.UNKNOWN, Status.CONTROL, Status.CONTESTED, Status.PRESENCE)
STATUS_CODE: dict[Status, int] = {status: code for code, status in enumerate(STATUSES)}
UNKNOWN, CONTROL, CONTESTED, PRESENCE = range(4)

# Days are proleptic Gregorian ordinals (date.toordinal(): 1 .. 3,652,059); open ends lie beyond them.
_OPEN_START = 0
_OPEN_END = dt.date.max.toordinal() + 1
_DAY_BITS = 22  # 2**22 > _OPEN_END: (place << _DAY_BITS) | day sorts by place, then day


RECENT_DAYS = 8  # days whose state arrays a ControlIndex keeps


def _ordinal(day: dt.date | int) -> int:
    if isinstance(day, dt.datetime):
        day = day.date()
    if isinstance(day, dt.date):
        return day.toordinal()
    if isinstance(day, (int, np.integer)) and not isinstance(day, bool):
        return int(day)
    raise TypeError(f"a day is a datetime.date or a date ordinal, not {type(day).__name__}")


class ControlIndex:
    """The control periods of one scenario as arrays, answering "who holds each place on day D"."""

    def __init__(self, scenario: Scenario, *, timeline: Timeline | None = None, recent_days: int = RECENT_DAYS) -> None:
        self.scenario = scenario
        self.recent_days = recent_days  # days whose state arrays are kept (0: none, as the benchmark measures)
        self.place_ids: tuple[str, ...] = tuple(p.id for p in scenario.places)
        self.force_ids: tuple[str, ...] = tuple(f.id for f in scenario.forces)
        place_index = {ident: i for i, ident in enumerate(self.place_ids)}
        force_index = {ident: j for j, ident in enumerate(self.force_ids)}
        self.words = max(1, -(-len(self.force_ids) // 64))

        rows: list[tuple[int, int, int, int, int, int]] = []  # place, force, code, start, end, period index
        for k, period in enumerate(scenario.periods):
            place = place_index.get(period.place_id)
            if place is None:
                continue  # never asked about (Timeline.states only covers the scenario's places)
            force = force_index.get(period.force_id)
            if force is None:
                raise ValueError(f"period {period.id!r} names force {period.force_id!r}, which is not in the scenario")
            start = period.start.toordinal() if period.start else _OPEN_START
            end = period.end.toordinal() if period.end else _OPEN_END
            if end < start:
                continue  # covers no day
            code = {Role.CONTROL: CONTROL, Role.CONTESTED: CONTESTED, Role.PRESENCE: PRESENCE}[period.role]
            rows.append((place, force, code, start, end, k))
        table = np.array(rows, dtype=np.int64).reshape(-1, 6)
        holding = table[table[:, 2] != PRESENCE]
        presence = table[table[:, 2] == PRESENCE]

        # holding periods, sorted by place then start
        order = np.lexsort((holding[:, 3], holding[:, 0]))
        holding = holding[order]
        self._h_place = holding[:, 0].astype(np.int32)
        self._h_force = holding[:, 1].astype(np.int32)
        self._h_code = holding[:, 2].astype(np.int8)
        self._h_start = holding[:, 3].astype(np.int32)
        self._h_end = holding[:, 4].astype(np.int32)
        self._h_period = holding[:, 5].astype(np.int32)

        # presence periods, grouped by force (each force sets its own bit, so duplicates at a place are harmless)
        self._p_place: list[np.ndarray] = []
        self._p_start: list[np.ndarray] = []
        self._p_end: list[np.ndarray] = []
        self._p_bit: list[tuple[int, np.uint64]] = []
        for force in np.unique(presence[:, 1]):
            rows_f = presence[presence[:, 1] == force]
            self._p_place.append(rows_f[:, 0].astype(np.int32))
            self._p_start.append(rows_f[:, 3].astype(np.int32))
            self._p_end.append(rows_f[:, 4].astype(np.int32))
            self._p_bit.append((int(force) // 64, np.uint64(1) << np.uint64(int(force) % 64)))

        self._recent: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        self._recent_lock = threading.Lock()
        # places where two holding periods share a day (inconsistent data): Timeline answers for them
        self.irregular_places = self._overlapping_places()
        self._timeline: Timeline | None = None
        if len(self.irregular_places):
            self._timeline = timeline if timeline is not None else Timeline(scenario)

    def _overlapping_places(self) -> np.ndarray:
        if len(self._h_place) < 2:
            return np.zeros(0, dtype=np.int64)
        base = self._h_place.astype(np.int64) << _DAY_BITS
        starts = base + self._h_start
        reach = np.maximum.accumulate(base + self._h_end)  # latest end so far (earlier places always lower)
        clash = starts[1:] <= reach[:-1]
        return np.unique(self._h_place[1:][clash]).astype(np.int64)

    # -- queries ---------------------------------------------------------------------------

    @property
    def size(self) -> int:
        """Number of places (the length of every array a query returns)."""
        return len(self.place_ids)

    def _holding(self, day: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices into the holding arrays of the periods covering ``day``, and their places."""
        covering = np.flatnonzero((self._h_start <= day) & (self._h_end >= day))
        return covering, self._h_place[covering]

    def states_on(self, day: dt.date | int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(status codes int8, holder force index int32 (-1 none), presence bitmask uint64) per place on ``day``."""
        status, holder, presence, _ = self._states(_ordinal(day))
        return status, holder, presence

    def holding_on(self, day: dt.date | int) -> np.ndarray:
        """Per place, the index in ``scenario.periods`` of the holding period on ``day`` (-1 none)."""
        return self._states(_ordinal(day))[3]

    def _states(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The arrays of ``day``, read-only; the last few days asked are kept (a rerun asks for the same day from
        the caption, the change list and the shares)."""
        with self._recent_lock:  # the index is shared by every session (and the downloads' threads)
            cached = self._recent.get(day)
        if cached is not None:
            return cached
        result = self._compute_states(day)
        for array in result:
            array.setflags(write=False)
        if self.recent_days:
            with self._recent_lock:
                while len(self._recent) >= self.recent_days:
                    self._recent.pop(next(iter(self._recent)))
                self._recent[day] = result
        return result

    def _compute_states(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        n = self.size
        status = np.zeros(n, dtype=np.int8)
        holder = np.full(n, -1, dtype=np.int32)
        period = np.full(n, -1, dtype=np.int32)
        presence = np.zeros((n, self.words) if self.words > 1 else n, dtype=np.uint64)

        for places, starts, ends, (word, bit) in zip(
            self._p_place, self._p_start, self._p_end, self._p_bit, strict=True
        ):
            at = places[(starts <= day) & (ends >= day)]
            if self.words > 1:
                presence[at, word] |= bit
            else:
                presence[at] |= bit
        present = presence.any(axis=1) if self.words > 1 else presence != 0
        status[present] = PRESENCE

        covering, places = self._holding(day)
        status[places] = self._h_code[covering]
        holder[places] = self._h_force[covering]
        period[places] = self._h_period[covering]

        if self._timeline is not None:
            self._patch(day, status, holder, presence, period)
        return status, holder, presence, period

    def _patch(
        self, day: int, status: np.ndarray, holder: np.ndarray, presence: np.ndarray, period: np.ndarray
    ) -> None:
        """Timeline's answer for the places with overlapping holding periods.

        The holding period Timeline does not pick still makes its force present (as in
        Timeline's ``forces_present``), so that force goes into the presence mask.
        """
        assert self._timeline is not None
        when = dt.date.fromordinal(min(max(day, 1), dt.date.max.toordinal()))
        force_index = {ident: j for j, ident in enumerate(self.force_ids)}
        period_index = {id(p): k for k, p in enumerate(self.scenario.periods)}
        for place in self.irregular_places:
            state = self._timeline.state(self.place_ids[place], when)
            held = state.holding
            status[place] = STATUS_CODE[state.status]
            holder[place] = force_index[held.force_id] if held else -1
            period[place] = period_index[id(held)] if held else -1
            others = set(state.forces_present) - ({held.force_id} if held else set())
            words = [0] * self.words
            for force in others | {p.force_id for p in state.presence}:
                j = force_index[force]
                words[j // 64] |= 1 << (j % 64)
            presence[place] = words if self.words > 1 else words[0]

    def changed_between(self, day_a: dt.date | int, day_b: dt.date | int) -> np.ndarray:
        """Indices of the places whose status, holder or presence forces differ between the two days."""
        status_a, holder_a, presence_a = self.states_on(day_a)
        status_b, holder_b, presence_b = self.states_on(day_b)
        differ = (status_a != status_b) | (holder_a != holder_b)
        if self.words > 1:
            differ |= (presence_a != presence_b).any(axis=1)
        else:
            differ |= presence_a != presence_b
        return np.flatnonzero(differ)

    # -- decoding --------------------------------------------------------------------------

    def forces_in(self, mask: int | np.integer | np.ndarray | Sequence[int]) -> tuple[str, ...]:
        """The force ids whose bits are set in one place's presence mask (scenario order)."""
        if isinstance(mask, (int, np.integer)):
            words = [int(mask)]
        else:
            words = [int(w) for w in np.atleast_1d(np.asarray(mask, dtype=np.uint64))]
        return tuple(
            ident for j, ident in enumerate(self.force_ids) if j // 64 < len(words) and (words[j // 64] >> (j % 64)) & 1
        )

    def forces_present(self, holder: int, mask: int | np.integer | np.ndarray | Sequence[int]) -> tuple[str, ...]:
        """Timeline's ``forces_present``: the holder first, then the other forces present, sorted by id."""
        held = (self.force_ids[holder],) if holder >= 0 else ()
        return held + tuple(sorted(set(self.forces_in(mask)) - set(held)))

    def status_of(self, code: int | np.integer) -> Status:
        return STATUSES[int(code)]
