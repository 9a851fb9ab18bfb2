"""Consistency rules across records (``docs/data-format.md``, "Consistency rules").

Works on any :class:`Scenario`, whether read from files or built in memory; a
``locate`` callback turns a record kind and id into the file and record label that
problems are reported against.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from itertools import combinations

from mapdata.model.errors import Problem
from mapdata.model.models import ControlPeriod, Scenario

Locator = Callable[[str, str], tuple[str, str]]


def _default_locate(kind: str, ident: str) -> tuple[str, str]:
    return (kind, f"id '{ident}'")


def _span(period: ControlPeriod) -> str:
    start = period.start.isoformat() if period.start else "(open start)"
    end = period.end.isoformat() if period.end else "(open end)"
    return f"{start} to {end}"


def check_consistency(scenario: Scenario, *, locate: Locator = _default_locate) -> list[Problem]:
    """Every broken reference, bad quote offset, reversed or overlapping period."""
    problems: list[Problem] = []

    def report(kind: str, ident: str, field: str, message: str) -> None:
        file, record = locate(kind, ident)
        problems.append(Problem(file, record, field, message))

    forces, places = scenario.force_by_id, scenario.place_by_id
    sources, events = scenario.source_by_id, scenario.event_by_id

    for event in scenario.events:
        for place_id in event.place_ids:
            if place_id not in places:
                report("event", event.id, "place_ids", f"unknown place id {place_id!r}")
        for force_id in event.force_ids:
            if force_id not in forces:
                report("event", event.id, "force_ids", f"unknown force id {force_id!r}")
        source = sources.get(event.source_id)
        if source is None:
            report("event", event.id, "source_id", f"unknown source id {event.source_id!r}")
            continue
        start, end = event.quote_start, event.quote_end
        if not 0 <= start < end <= len(source.text):
            report(
                "event",
                event.id,
                "quote_start",
                f"offsets {start}..{end} are outside the text of source {source.id!r} ({len(source.text)} characters)",
            )
        elif source.text[start:end] != event.quote:
            found = source.text.find(event.quote)
            hint = (
                f" (the quote is at {found}..{found + len(event.quote)})"
                if found >= 0
                else " (the quote is not in the text)"
            )
            report("event", event.id, "quote", f"does not match the source text at {start}..{end}{hint}")

    for period in scenario.periods:
        if period.place_id not in places:
            report("period", period.id, "place_id", f"unknown place id {period.place_id!r}")
        if period.force_id not in forces:
            report("period", period.id, "force_id", f"unknown force id {period.force_id!r}")
        for event_id in period.event_ids:
            if event_id not in events:
                report("period", period.id, "event_ids", f"unknown event id {event_id!r}")
        for source_id in period.source_ids:
            if source_id not in sources:
                report("period", period.id, "source_ids", f"unknown source id {source_id!r}")
        if period.start and period.end and period.end < period.start:
            report("period", period.id, "end", f"{period.end.isoformat()} is before start {period.start.isoformat()}")

    _check_overlaps(scenario.periods, report, scenario=scenario)
    return problems


def _described(period: ControlPeriod, scenario: Scenario | None) -> tuple[str, str, str]:
    """(force, place, reports) of a period as people read them: names, not ids (ids when unknown)."""
    if scenario is None:
        return repr(period.force_id), repr(period.place_id), ""
    force = scenario.force_by_id.get(period.force_id)
    place = scenario.place_by_id.get(period.place_id)
    titles = []
    for source_id in period.source_ids:
        source = scenario.source_by_id.get(source_id)
        if source is not None:
            titles.append(f"“{source.title}” ({source.publisher})" if source.publisher else f"“{source.title}”")
    reports = f", from {' and '.join(titles)}" if titles else ""
    return (
        (force.name if force else repr(period.force_id)),
        (place.name_en if place else repr(period.place_id)),
        reports,
    )


def _check_overlaps(
    periods: tuple[ControlPeriod, ...],
    report: Callable[[str, str, str, str], None],
    *,
    scenario: Scenario | None = None,
) -> None:
    """Holding periods of a place, and one force's presence periods there, must not overlap. The message says
    which place, which forces, which dates and which reports, in words (the period ids at its end)."""
    groups: dict[tuple[str, ...], list[ControlPeriod]] = defaultdict(list)
    for period in periods:
        if period.start and period.end and period.end < period.start:
            continue  # reported above; its overlaps would only be noise
        key = (period.place_id, "holds") if period.role.holds else (period.place_id, "presence", period.force_id)
        groups[key].append(period)
    for members in groups.values():
        for first, second in combinations(members, 2):
            if first.overlaps(second):
                force2, place, reports2 = _described(second, scenario)
                force1, _, reports1 = _described(first, scenario)
                report(
                    "period",
                    second.id,
                    "start",
                    f"{second.role.value} of {force2} at {place} ({_span(second)}{reports2}) overlaps "
                    f"{first.role.value} of {force1} there ({_span(first)}{reports1}); "
                    + ("a place has one holder at a time" if second.role.holds else "a force is present there once")
                    + f": end the earlier period or correct the dates (periods {first.id!r} and {second.id!r})",
                )
