"""Export: the same rows as import reads (GeoJSON, CSV, GeoPackage), so an export imports back into an
empty store with the same state on every date; KML for viewing (:mod:`mapdata.exchange.kml`). Limited to one
date and some forces on request."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from mapdata.exchange.snapshot import csv_text
from mapdata.model.models import (
    ControlPeriod,
    Event,
    Place,
    Scenario,
    Source,
)
from mapdata.model.timeline import Timeline

if TYPE_CHECKING:
    pass
from mapdata.exchange.columns import (
    COLUMNS,
    EXPORT_FORMATS,
    EXPORT_LAYER,
    IMPORT_FORMAT_VERSION,
    STATE_COLUMNS,
    Format,
    flat_cell,
    places_selected,
    state_columns,
)
from mapdata.exchange.folder import source_record
from mapdata.exchange.kml import _export_kml

# -- export ----------------------------------------------------------------------------


def export_rows(
    scenario: Scenario, *, day: dt.date | None = None, forces: Sequence[str] | None = None
) -> list[tuple[dict[str, Any], BaseGeometry]]:
    """The rows of an export (see ``docs/import-format.md``): properties and geometry.

    Without ``day``, every period and event; with it, the periods covering the day and
    the evidence the map shows for it, as of the day (events dated after it left out;
    events up to the day where no period applies).
    ``forces`` keeps the places where one of them has a (covering) period, with
    everything recorded there.
    """
    selection = places_selected(scenario, day, forces)
    exported = {place.id for place, _ in selection}
    timeline = Timeline(scenario) if day is not None else None
    written_sources: set[str] = set()
    rows: list[tuple[dict[str, Any], BaseGeometry]] = []

    def place_props(place: Place) -> dict[str, Any]:
        return {
            "place_id": place.id,
            "name": place.name_en,
            "name_ar": place.name_ar,
            "aliases": list(place.aliases),
            "kind": place.kind.value,
            "location_note": place.location_note,
            # finite or nothing, so that every export is valid (GeoJSON: strict JSON); the record rules
            # refuse other values on the way in
            "uncertainty_m": place.uncertainty_m if _finite(place.uncertainty_m) else None,
            "geometry_source": place.geometry_source,
        }

    def source_props(source: Source) -> dict[str, Any]:
        record = source_record(source)  # the open file format's fields; the row names the id "source"
        props = {
            "source": record.pop("id"),
            **record,
            "source_text": source.text if source.id not in written_sources else None,
        }
        written_sources.add(source.id)
        return props

    def event_props(event: Event, place: Place) -> dict[str, Any]:
        places = [p for p in event.place_ids if p in exported] or [place.id]
        return {
            **source_props(scenario.source_by_id[event.source_id]),
            "event_id": event.id,
            "date": event.date.isoformat(),
            "date_precision": event.date_precision.value,
            "date_as_written": event.date_as_written,
            "date_note": event.date_note,
            "event_kind": event.kind,
            "summary": event.summary,
            "event_places": places,
            "event_forces": list(event.force_ids),
            "quote": event.quote,
            "quote_start": event.quote_start,
            "verification": event.verification.value,
            "claimed_by": event.claimed_by,
            "verification_note": event.verification_note,
            "verification_label": event.verification_label,
        }

    def period_props(period: ControlPeriod) -> dict[str, Any]:
        force = scenario.force_by_id[period.force_id]
        return {
            "force": force.id,
            "force_name": force.name,
            "force_colour": force.colour,
            "force_aliases": list(force.aliases),
            "role": period.role.value,
            "start": period.start.isoformat() if period.start else None,
            "end": period.end.isoformat() if period.end else None,
            "period_id": period.id,
            "period_note": period.note,
        }

    for place, periods in selection:
        state = state_columns(timeline.state(place.id, day)) if timeline is not None and day is not None else {}
        linked: set[str] = set()
        place_rows: list[dict[str, Any]] = []
        for period in periods:
            for event_id in period.event_ids:
                linked.add(event_id)
                event = scenario.event_by_id[event_id]
                # Every cited event stays (the file must import back), marked by the as-of rule (Timeline.as_of_note).
                as_of = {"as_of": timeline.as_of_note(event, day)} if timeline is not None and day is not None else {}
                place_rows.append({**period_props(period), **event_props(event, place), **as_of})
            for source_id in period.source_ids:
                place_rows.append({**period_props(period), **source_props(scenario.source_by_id[source_id])})
        for event in scenario.events_at(place.id, until=day):
            if event.id not in linked:
                place_rows.append(event_props(event, place))
        for props in place_rows or [{}]:
            rows.append(({**place_props(place), **props, **state}, place.geometry))
    return rows


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _column_order(day: dt.date | None) -> list[str]:
    columns = list(COLUMNS) + ["verification_label"]
    if day is not None:
        columns += ["as_of", *STATE_COLUMNS]
    return columns


def export(
    scenario: Scenario,
    *,
    fmt: Format,
    out: Path,
    day: dt.date | None = None,
    forces: Sequence[str] | None = None,
) -> int:
    """Write ``scenario`` (limited to ``day`` and ``forces`` when given) to ``out``; returns the row count.

    ``geojson``, ``csv`` and ``gpkg`` write the import format's rows (so the file
    imports back); ``kml`` writes one placemark per place, for viewing.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (one of: {', '.join(EXPORT_FORMATS)})")
    if forces is not None:
        unknown = [f for f in forces if f not in scenario.force_by_id]
        if unknown:
            raise ValueError(f"unknown force id(s) {', '.join(unknown)} (known: {', '.join(scenario.force_by_id)})")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "kml":
        return _export_kml(scenario, out, day, forces)
    rows = export_rows(scenario, day=day, forces=forces)
    columns = _column_order(day)
    if fmt == "geojson":
        used = {r[0].get("force") for r in rows} | {f for r in rows for f in r[0].get("event_forces") or ()}
        collection = {
            "type": "FeatureCollection",
            "mapdata": {
                "format": "mapdata import rows",
                "version": IMPORT_FORMAT_VERSION,
                "title": scenario.title,
                "date": day.isoformat() if day else None,
                "forces": list(forces) if forces else None,
            },
            "forces": [
                {"id": f.id, "name": f.name, "colour": f.colour, "aliases": list(f.aliases)}
                for f in scenario.forces
                if f.id in used
            ],
            "features": [
                {"type": "Feature", "properties": {c: props.get(c) for c in columns}, "geometry": mapping(geometry)}
                for props, geometry in rows
            ],
        }
        # allow_nan=False: the file is valid JSON or not written (the record rules keep numbers finite)
        out.write_text(json.dumps(collection, ensure_ascii=False, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180; and a CR in a cell gets quoted
        writer.writerow(columns + ["lat", "lon", "wkt"])
        for props, geometry in rows:
            point = geometry.representative_point()
            writer.writerow(
                [_csv_cell(props.get(c)) for c in columns]
                + [f"{point.y:.6f}", f"{point.x:.6f}", shapely.to_wkt(geometry, rounding_precision=-1)]
            )
        out.write_text(buffer.getvalue(), encoding="utf-8")
    else:
        _export_gpkg(rows, columns, out)
    return len(rows)


def _csv_cell(value: Any) -> str:
    """Numbers as numbers; text (and lists as ';'-separated text) neutralised against formula injection."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return csv_text(str(flat_cell(value)))


def _export_gpkg(rows: list[tuple[dict[str, Any], BaseGeometry]], columns: list[str], out: Path) -> None:
    import geopandas as gpd
    import pyogrio

    data = {c: [flat_cell(props.get(c)) for props, _ in rows] for c in columns}
    for c in ("uncertainty_m", "quote_start"):
        data[c] = [math.nan if v is None else float(v) for v in data[c]]
    for c in columns:
        if c not in ("uncertainty_m", "quote_start"):
            data[c] = ["" if v is None else str(v) for v in data[c]]
    frame = gpd.GeoDataFrame(data, geometry=[g for _, g in rows], crs="EPSG:4326")
    if out.exists():
        out.unlink()
    pyogrio.write_dataframe(
        frame, out, layer=EXPORT_LAYER, driver="GPKG", geometry_type="Unknown", promote_to_multi=False
    )
