"""What changed between two dates: the places whose holder, status or forces present differ, each with the day it
changed and the reports behind it, as known on the later date.

    changes = compare(scenario, since=dt.date(2018, 6, 3), until=dt.date(2018, 6, 10))

One :class:`PlaceChange` per place that changed, in the scenario's place order. Its ``kind`` names the most
significant change (a place taken outranks a force arriving); ``summary`` says every change in words ("Russian
forces → Syrian regime forces (Assad); Hezbollah arrived"). Evidence is as of ``until``: a report dated after it is
left out, and one published after it is kept and marked ``later`` (the rule of
:meth:`mapdata.model.timeline.Timeline.evidence`), so a briefing as of a date carries nothing known only later
without saying so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from mapdata.model.models import ControlPeriod, Scenario, Status
from mapdata.model.timeline import STATUS_LABELS, Evidence, PlaceState, Timeline

#: The kinds of change, most significant first.
CHANGE_KINDS = (
    "taken",  # another force holds it now
    "control reported",  # a force holds it now; none did before
    "control ended",  # a force held it; none does now
    "newly contested",  # the same holder, now contested
    "no longer contested",  # the same holder, no longer contested
    "arrived",  # a force is present that was not
    "left",  # a force that was present is not
)


@dataclass(frozen=True)
class PlaceChange:
    """How one place changed between ``since`` and ``until``."""

    place_id: str
    kind: str
    before: PlaceState
    after: PlaceState
    arrived: tuple[str, ...]
    left: tuple[str, ...]
    day: dt.date | None  # the first day of the new state (None: not dated by the periods)
    evidence: tuple[Evidence, ...]

    def summary(self, names: dict[str, str]) -> str:
        """Every change in words, with force names from ``names`` (id -> name)."""

        def holder(state: PlaceState) -> str:
            if state.force is None:
                return "no force in control"
            word = " (contested)" if state.status is Status.CONTESTED else ""
            return names.get(state.force, state.force) + word

        parts = []
        if (self.before.force, self.before.status) != (self.after.force, self.after.status) and (
            self.before.force or self.after.force
        ):
            parts.append(f"{holder(self.before)} → {holder(self.after)}")
        parts += [f"{names.get(f, f)} arrived" for f in self.arrived]
        parts += [f"{names.get(f, f)} left" for f in self.left]
        return "; ".join(parts)


def _kind(before: PlaceState, after: PlaceState, arrived: tuple[str, ...], left: tuple[str, ...]) -> str | None:
    if before.force != after.force:
        if before.force and after.force:
            return "taken"
        return "control reported" if after.force else "control ended"
    if before.force is not None and before.status != after.status:
        return "newly contested" if after.status is Status.CONTESTED else "no longer contested"
    if arrived:
        return "arrived"
    if left:
        return "left"
    return None


def _changed_periods(before: PlaceState, after: PlaceState, since: dt.date, until: dt.date) -> list[ControlPeriod]:
    """The periods behind the change: those of the new state that began after ``since``, and those of the old state
    that ended before ``until``."""
    began = [p for p in after.periods if p.start is not None and since < p.start <= until]
    ended = [p for p in before.periods if p.end is not None and since <= p.end < until]
    return began + ended


def _day(kind: str, before: PlaceState, after: PlaceState, periods: list[ControlPeriod]) -> dt.date | None:
    """The first day of the new state: the new holder's start, the day after the old holder's end, else the first
    day a presence began or the day after one ended."""
    if kind in ("taken", "control reported", "newly contested", "no longer contested") and after.holding is not None:
        return after.holding.start
    if kind == "control ended" and before.holding is not None and before.holding.end is not None:
        return before.holding.end + dt.timedelta(days=1)
    began = [p.start for p in periods if p in after.periods and p.start is not None]
    ended = [p.end + dt.timedelta(days=1) for p in periods if p in before.periods and p.end is not None]
    return min(began + ended) if began or ended else None


def _evidence(timeline: Timeline, periods: list[ControlPeriod], after: PlaceState) -> tuple[Evidence, ...]:
    """The reports behind the changed periods, as known on ``after.day`` (else what supports the new state)."""
    event_ids: list[str] = []
    for period in periods:
        event_ids += [e for e in period.event_ids if e not in event_ids]
    return timeline.evidence_of(event_ids, after.day) if event_ids else timeline.evidence(after)


def compare(
    scenario: Scenario,
    *,
    since: dt.date,
    until: dt.date,
    timeline: Timeline | None = None,
    place_ids: Iterable[str] | None = None,
) -> tuple[PlaceChange, ...]:
    """The places whose state on ``until`` differs from their state on ``since`` (``since`` before ``until``);
    ``place_ids``: only these of them (a page of the list: ``Timeline.changed_between`` gives them all at once)."""
    if since >= until:
        raise ValueError(f"the 'since' date {since.isoformat()} must be before {until.isoformat()}")
    timeline = timeline or Timeline(scenario)
    out = []
    for place_id in timeline.changed_between(since, until) if place_ids is None else place_ids:
        before, after = timeline.state(place_id, since), timeline.state(place_id, until)
        arrived = tuple(f for f in after.forces_present if f not in before.forces_present and f != after.force)
        left = tuple(f for f in before.forces_present if f not in after.forces_present and f != before.force)
        kind = _kind(before, after, arrived, left)
        if kind is None:
            continue
        periods = _changed_periods(before, after, since, until)
        out.append(
            PlaceChange(
                place_id=place_id,
                kind=kind,
                before=before,
                after=after,
                arrived=arrived,
                left=left,
                day=_day(kind, before, after, periods),
                evidence=_evidence(timeline, periods, after),
            )
        )
    return tuple(out)


def status_words(state: PlaceState, names: dict[str, str]) -> str:
    """A state in words: "Russian forces in control", "no control reported"."""
    label = STATUS_LABELS[state.status]
    return f"{names.get(state.force, state.force)} {label}" if state.force else label


__all__ = ["CHANGE_KINDS", "PlaceChange", "compare", "status_words"]
