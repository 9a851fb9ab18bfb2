"""The state of every place on one date, as GeoJSON or CSV (``mapdata snapshot``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable
from typing import Any

from shapely.geometry import mapping

from mapdata.exchange.columns import SNAPSHOT_COLUMNS, state_columns
from mapdata.model.compare import PlaceChange, compare, status_words
from mapdata.model.models import Scenario
from mapdata.model.timeline import Evidence, PlaceState, Timeline

#: Text a spreadsheet would run as a formula: it starts with = + - @, a tab or a carriage return (after
#: any quotes that neutralised it before, so that neutralising can be undone exactly).
_FORMULA_START = re.compile(r"^'*[=+\-@\t\r]")


def csv_text(value: str) -> str:
    """A text cell for a CSV file, neutralised against formula injection (OWASP: a leading single quote).

    Only text: numbers (a longitude of -3.5) are written as numbers by the callers and never reach here.
    :func:`csv_text_read` undoes it on import.
    """
    return "'" + value if _FORMULA_START.match(value) else value


def csv_text_read(value: str) -> str:
    """The text :func:`csv_text` was given (a cell it did not change comes back as it is)."""
    return value[1:] if value.startswith("'") and _FORMULA_START.match(value) else value


CSV_COLUMNS = SNAPSHOT_COLUMNS


def place_properties(timeline: Timeline, state: PlaceState) -> dict[str, Any]:
    """Properties of one place's snapshot feature (see the CLI section of the README)."""
    place = timeline.scenario.place_by_id[state.place_id]
    return {
        "place_id": place.id,
        "name": place.name_en,
        "name_ar": place.name_ar,
        "kind": place.kind.value,
        **state_columns(state),
        "uncertainty_m": place.uncertainty_m,
        "sources": [evidence_properties(ev) for ev in timeline.evidence(state)],
    }


def evidence_properties(ev: Evidence) -> dict[str, Any]:
    """One piece of evidence as exports write it (``reported_later``: published after the day shown)."""
    return {
        "source_id": ev.source.id,
        "publisher": ev.source.publisher,
        "title": ev.source.title,
        "event_id": ev.event.id,
        "date": ev.event.date.isoformat(),
        "date_precision": ev.event.date_precision.value,
        "quote": ev.event.quote,
        "verification": ev.event.verification.value,
        "verification_label": ev.event.verification_label,
        "reported": ev.reported.isoformat() if ev.reported else None,
        "reported_later": ev.later,
    }


#: The columns of ``mapdata diff --format csv`` (GeoJSON features carry the same properties).
CHANGE_COLUMNS = (
    "place_id",
    "name",
    "name_ar",
    "change",
    "from",
    "to",
    "summary",
    "changed_on",
    "arrived",
    "left",
    "since",
    "until",
    "sources",
    "lat",
    "lon",
)


def change_properties(scenario: Scenario, change: PlaceChange, *, since: dt.date, until: dt.date) -> dict[str, Any]:
    """One changed place's properties: what it was and is, when it changed, and the reports behind it."""
    names = {f.id: f.name for f in scenario.forces}
    place = scenario.place_by_id[change.place_id]
    lat, lon = place.anchor
    return {
        "place_id": place.id,
        "name": place.name_en,
        "name_ar": place.name_ar,
        "change": change.kind,
        "from": status_words(change.before, names),
        "to": status_words(change.after, names),
        "summary": change.summary(names),
        "changed_on": change.day.isoformat() if change.day else None,
        "arrived": list(change.arrived),
        "left": list(change.left),
        "since": since.isoformat(),
        "until": until.isoformat(),
        "sources": [evidence_properties(ev) for ev in change.evidence],
        "lat": round(lat, 6),
        "lon": round(lon, 6),
    }


def changes_geojson(scenario: Scenario, *, since: dt.date, until: dt.date) -> dict[str, Any]:
    """A FeatureCollection of the places that changed between ``since`` and ``until`` (:func:`compare`)."""
    features = [
        {
            "type": "Feature",
            "id": change.place_id,
            "properties": change_properties(scenario, change, since=since, until=until),
            "geometry": mapping(scenario.place_by_id[change.place_id].geometry),
        }
        for change in compare(scenario, since=since, until=until)
    ]
    return {"type": "FeatureCollection", "since": since.isoformat(), "until": until.isoformat(), "features": features}


def changes_csv(scenario: Scenario, *, since: dt.date, until: dt.date, timeline: Timeline | None = None) -> str:
    """One CSV row per changed place; ``arrived``/``left`` are ;-separated ids, ``sources`` a JSON list
    (``timeline``: the scenario's, when the caller has it)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CHANGE_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for change in compare(scenario, since=since, until=until, timeline=timeline):
        props = change_properties(scenario, change, since=since, until=until)
        row: dict[str, str] = {}
        for key in CHANGE_COLUMNS:
            value = props[key]
            if key in ("arrived", "left"):
                value = ";".join(value)
            elif key == "sources":
                value = json.dumps(value, ensure_ascii=False)
            elif key in ("lat", "lon"):
                row[key] = f"{value:.6f}"  # a number, never a formula
                continue
            row[key] = csv_text("" if value is None else str(value))
        writer.writerow(row)
    return buffer.getvalue()


def _selected(timeline: Timeline, day: dt.date, forces: Iterable[str] | None) -> list[PlaceState]:
    states = list(timeline.states(day).values())
    if forces is None:
        return states
    wanted = set(forces)
    return [s for s in states if wanted & set(s.forces_present)]


def snapshot_geojson(
    scenario: Scenario, day: dt.date, *, forces: Iterable[str] | None = None, timeline: Timeline | None = None
) -> dict[str, Any]:
    """A FeatureCollection with one feature per place (optionally only those where ``forces`` are)."""
    timeline = timeline or Timeline(scenario)
    features = [
        {
            "type": "Feature",
            "id": state.place_id,
            "properties": place_properties(timeline, state),
            "geometry": mapping(scenario.place_by_id[state.place_id].geometry),
        }
        for state in _selected(timeline, day, forces)
    ]
    return {"type": "FeatureCollection", "date": day.isoformat(), "features": features}


def snapshot_csv(
    scenario: Scenario, day: dt.date, *, forces: Iterable[str] | None = None, timeline: Timeline | None = None
) -> str:
    """One CSV row per place; ``sources`` is a JSON list, geometry is WKT plus a representative lat/lon."""
    timeline = timeline or Timeline(scenario)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\r\n")  # RFC 4180; a CR in a cell is quoted
    writer.writeheader()
    for state in _selected(timeline, day, forces):
        place = scenario.place_by_id[state.place_id]
        props = place_properties(timeline, state)
        lat, lon = place.anchor
        writer.writerow(
            {
                **{key: csv_text(props[key]) for key in ("place_id", "name", "name_ar", "kind", "status")},
                "on_date": props["on_date"],
                "holder": csv_text(props["holder"] or ""),
                "since": props["since"] or "",
                "forces_present": csv_text(";".join(props["forces_present"])),
                "lat": f"{lat:.6f}",
                "lon": f"{lon:.6f}",
                "uncertainty_m": "" if place.uncertainty_m is None else f"{place.uncertainty_m:g}",
                "sources": csv_text(json.dumps(props["sources"], ensure_ascii=False)),
                "wkt": place.geometry.wkt,
            }
        )
    return buffer.getvalue()
