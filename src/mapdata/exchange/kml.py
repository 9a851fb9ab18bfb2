"""KML for viewing: one placemark per place, styled by who holds it, written with an XML writer
(:mod:`xml.etree.ElementTree`), so every name, quote and note is escaped by the writer, not by hand."""

from __future__ import annotations

import datetime as dt
import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry

from mapdata.exchange.columns import flat_cell, places_selected, state_columns
from mapdata.model.models import Scenario
from mapdata.model.timeline import Timeline

KML_NS = "http://www.opengis.net/kml/2.2"
# XML 1.0 cannot hold most control characters, escaped or not: they are dropped, so the file is well-formed
# whatever a stored text holds (the record rules refuse them in new data).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _el(parent: ET.Element, tag: str, text: Any = None, **attrib: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{KML_NS}}}{tag}", {k: _XML_INVALID.sub("", v) for k, v in attrib.items()})
    if text is not None:
        element.text = _XML_INVALID.sub("", str(text))
    return element


def _kml_colour(hex_colour: str, alpha: str) -> str:
    value = hex_colour.lstrip("#")
    return f"{alpha}{value[4:6]}{value[2:4]}{value[0:2]}".lower()


def _kml_coords(coords: Iterable[Sequence[float]]) -> str:
    return " ".join(f"{c[0]!r},{c[1]!r}" for c in coords)


def _ring(parent: ET.Element, boundary: str, coords: Iterable[Sequence[float]]) -> None:
    _el(_el(_el(parent, boundary), "LinearRing"), "coordinates", _kml_coords(coords))


def _kml_geometry(parent: ET.Element, geometry: BaseGeometry) -> None:
    kind = geometry.geom_type
    if kind == "Point":
        _el(_el(parent, "Point"), "coordinates", _kml_coords(geometry.coords))
    elif kind == "LineString":
        line = _el(parent, "LineString")
        _el(line, "tessellate", "1")
        _el(line, "coordinates", _kml_coords(geometry.coords))
    elif kind == "Polygon":
        polygon = _el(parent, "Polygon")
        _ring(polygon, "outerBoundaryIs", geometry.exterior.coords)
        for ring in geometry.interiors:
            _ring(polygon, "innerBoundaryIs", ring.coords)
    else:
        multi = _el(parent, "MultiGeometry")
        for part in geometry.geoms:
            _kml_geometry(multi, part)


def _style(document: ET.Element, ident: str, line: str, fill: str, width: str) -> None:
    style = _el(document, "Style", id=ident)
    _el(_el(style, "IconStyle"), "color", line)
    line_style = _el(style, "LineStyle")
    _el(line_style, "color", line)
    _el(line_style, "width", width)
    _el(_el(style, "PolyStyle"), "color", fill)


def _export_kml(scenario: Scenario, out: Path, day: dt.date | None, forces: Sequence[str] | None) -> int:
    timeline = Timeline(scenario)
    selection = places_selected(scenario, day, forces)
    title = scenario.title or "mapdata export"
    if day:
        title += f" — {day.isoformat()}"
    root = ET.Element(f"{{{KML_NS}}}kml")
    document = _el(root, "Document")
    _el(document, "name", title)
    for force in scenario.forces:
        _style(document, f"force_{force.id}", _kml_colour(force.colour, "ff"), _kml_colour(force.colour, "66"), "3")
    _style(document, "none", "ff999999", "33999999", "2")
    for place, periods in selection:
        data: dict[str, Any] = {"place_id": place.id, "name_ar": place.name_ar, "kind": place.kind.value}
        lines = []
        style = "none"
        if day is not None:
            state = timeline.state(place.id, day)
            evidence = timeline.evidence(state)
            holder = scenario.force_by_id[state.force].name if state.force else "nobody reported"
            data |= {
                name: "" if value is None else flat_cell(value) for name, value in state_columns(state).items()
            }  # the state, as export and snapshot name it
            lines.append(
                f"<p><b>{html.escape(day.isoformat())}</b>: {html.escape(state.status.value)} — "
                f"{html.escape(holder)}" + (f" since {state.since.isoformat()}" if state.since else "") + "</p>"
            )
            if state.force:
                style = f"force_{state.force}"
            events = [ev.event for ev in evidence]
        else:
            holders = [p for p in periods if p.role.holds]
            if holders:
                style = f"force_{max(holders, key=lambda p: p.start or dt.date.min).force_id}"
            events = list(scenario.events_at(place.id))
        if periods:
            lines.append(
                "<ul>"
                + "".join(
                    f"<li>{html.escape(scenario.force_by_id[p.force_id].name)}: {p.role.value}, "
                    f"{p.start.isoformat() if p.start else '…'} to {p.end.isoformat() if p.end else '…'}</li>"
                    for p in periods
                )
                + "</ul>"
            )
        for event in sorted(events, key=lambda e: (e.date, e.id)):
            source = scenario.source_by_id[event.source_id]
            lines.append(
                f"<p>{html.escape(event.date_label)} — {html.escape(source.publisher)}, "
                f"<i>{html.escape(source.title)}</i> ({html.escape(event.verification_label)}):"
                f"<br/>“{html.escape(event.quote)}”</p>"
            )
        placemark = _el(document, "Placemark")
        _el(placemark, "name", place.label)
        _el(placemark, "description", "".join(lines))  # HTML for the viewer's balloon (its values escaped above)
        _el(placemark, "styleUrl", f"#{style}")
        extended = _el(placemark, "ExtendedData")
        for name, value in data.items():
            _el(_el(extended, "Data", name=name), "value", value)
        _kml_geometry(placemark, place.geometry)
    ET.register_namespace("", KML_NS)
    tree = ET.ElementTree(root)
    ET.indent(tree, space="")
    with out.open("wb") as handle:
        tree.write(handle, encoding="UTF-8", xml_declaration=True)
        handle.write(b"\n")
    return len(selection)
