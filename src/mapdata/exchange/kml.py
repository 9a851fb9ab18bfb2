"""KML for viewing: one placemark per place, styled by who holds it."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from shapely.geometry.base import BaseGeometry

from mapdata.model.models import (
    Scenario,
)
from mapdata.model.timeline import Timeline

if TYPE_CHECKING:
    pass
from mapdata.exchange.columns import places_selected, state_columns

# -- KML -------------------------------------------------------------------------------


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _kml_colour(hex_colour: str, alpha: str) -> str:
    value = hex_colour.lstrip("#")
    return f"{alpha}{value[4:6]}{value[2:4]}{value[0:2]}".lower()


def _kml_coords(coords: Iterable[Sequence[float]]) -> str:
    return " ".join(f"{c[0]!r},{c[1]!r}" for c in coords)


def _kml_geometry(geometry: BaseGeometry) -> str:
    kind = geometry.geom_type
    if kind == "Point":
        return f"<Point><coordinates>{_kml_coords(geometry.coords)}</coordinates></Point>"
    if kind == "LineString":
        return f"<LineString><tessellate>1</tessellate><coordinates>{_kml_coords(geometry.coords)}</coordinates></LineString>"
    if kind == "Polygon":
        inner = "".join(
            f"<innerBoundaryIs><LinearRing><coordinates>{_kml_coords(r.coords)}</coordinates></LinearRing></innerBoundaryIs>"
            for r in geometry.interiors
        )
        return (f"<Polygon><outerBoundaryIs><LinearRing><coordinates>{_kml_coords(geometry.exterior.coords)}"
                f"</coordinates></LinearRing></outerBoundaryIs>{inner}</Polygon>")
    return "<MultiGeometry>" + "".join(_kml_geometry(g) for g in geometry.geoms) + "</MultiGeometry>"


def _export_kml(scenario: Scenario, out: Path, day: dt.date | None, forces: Sequence[str] | None) -> int:
    timeline = Timeline(scenario)
    selection = places_selected(scenario, day, forces)
    title = scenario.title or "mapdata export"
    if day:
        title += f" — {day.isoformat()}"
    parts = ['<?xml version="1.0" encoding="UTF-8"?>', '<kml xmlns="http://www.opengis.net/kml/2.2">', "<Document>",
             f"<name>{escape(title)}</name>"]
    for force in scenario.forces:
        line, fill = _kml_colour(force.colour, "ff"), _kml_colour(force.colour, "66")
        parts.append(f'<Style id="force_{force.id}"><IconStyle><color>{line}</color></IconStyle>'
                     f"<LineStyle><color>{line}</color><width>3</width></LineStyle>"
                     f"<PolyStyle><color>{fill}</color></PolyStyle></Style>")
    parts.append('<Style id="none"><IconStyle><color>ff999999</color></IconStyle><LineStyle><color>ff999999</color>'
                 "<width>2</width></LineStyle><PolyStyle><color>33999999</color></PolyStyle></Style>")
    for place, periods in selection:
        data: dict[str, Any] = {"place_id": place.id, "name_ar": place.name_ar, "kind": place.kind.value}
        lines = []
        style = "none"
        if day is not None:
            state = timeline.state(place.id, day)
            evidence = timeline.evidence(state)
            holder = scenario.force_by_id[state.force].name if state.force else "nobody reported"
            data |= {name: ";".join(value) if isinstance(value, list) else "" if value is None else value
                     for name, value in state_columns(state).items()}  # the state, as export and snapshot name it
            lines.append(f"<p><b>{html.escape(day.isoformat())}</b>: {html.escape(state.status.value)} — "
                         f"{html.escape(holder)}" + (f" since {state.since.isoformat()}" if state.since else "") + "</p>")
            if state.force:
                style = f"force_{state.force}"
            events = [ev.event for ev in evidence]
        else:
            holders = [p for p in periods if p.role.holds]
            if holders:
                style = f"force_{max(holders, key=lambda p: p.start or dt.date.min).force_id}"
            events = list(scenario.events_at(place.id))
        if periods:
            lines.append("<ul>" + "".join(
                f"<li>{html.escape(scenario.force_by_id[p.force_id].name)}: {p.role.value}, "
                f"{p.start.isoformat() if p.start else '…'} to {p.end.isoformat() if p.end else '…'}</li>"
                for p in periods) + "</ul>")
        for event in sorted(events, key=lambda e: (e.date, e.id)):
            source = scenario.source_by_id[event.source_id]
            lines.append(f"<p>{html.escape(event.date_label)} — {html.escape(source.publisher)}, "
                         f"<i>{html.escape(source.title)}</i> ({html.escape(event.verification_label)}):"
                         f"<br/>“{html.escape(event.quote)}”</p>")
        extended = "".join(f'<Data name="{escape(k)}"><value>{escape(str(v))}</value></Data>' for k, v in data.items())
        parts.append(
            f"<Placemark><name>{escape(place.label)}</name><description><![CDATA[{''.join(lines).replace(']]>', ']] >')}]]>"
            f"</description><styleUrl>#{style}</styleUrl><ExtendedData>{extended}</ExtendedData>"
            f"{_kml_geometry(place.geometry)}</Placemark>"
        )
    parts += ["</Document>", "</kml>"]
    # XML 1.0 cannot hold most control characters, escaped or not (nor in CDATA): drop them, so the file is
    # well-formed whatever a stored text holds (the record rules refuse them in new data).
    out.write_text(_XML_INVALID.sub("", "\n".join(parts)) + "\n", encoding="utf-8")
    return len(selection)
