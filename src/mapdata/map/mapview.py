"""The Folium map: a fixed base map plus one layer per force for the chosen day.

The base map (offline boundaries, legend, "as of" box, fly-to buttons, base layers)
never changes while the app runs, so streamlit-folium keeps the same map frame and
the user's pan and zoom. What changes with the date or the layer toggles is passed
as feature groups (``force_layers``), which streamlit-folium swaps in place.

Every element here follows folium's pattern: a class with a template that calls a
function of ``static/mapdata/mapdata.js`` with JSON data, and declares the JS and
CSS it needs. Leaflet and that file are served by the app itself (no CDN).
Strings from the data reach the page either escaped here (popups and tooltips) or
through ``textContent`` in the browser (legend, labels, buttons).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import threading
from collections.abc import Callable, Collection, Iterable, Mapping
from functools import cached_property
from typing import Any

import folium
from branca.element import MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template
from shapely.geometry import shape

from mapdata.config import TileConfig
from mapdata.map.areas import ControlAreas, control_areas
from mapdata.map.clientmap import CacheSpace, publish_json, publish_later
from mapdata.map.colours import marker_shapes
from mapdata.map.labels import label_ranks, label_settings
from mapdata.model.geometry import geometry_json
from mapdata.model.models import KIND_LABELS, Place, Scenario, Status
from mapdata.model.timeline import (
    HISTORY_HEADING,
    NO_EVIDENCE_YET,
    NO_REPORT_YET,
    REPORTED_LATER,
    ROLE_WORDS,
    STATUS_LABELS,
    Evidence,
    PlaceState,
    Timeline,
)

# Relative to the streamlit-folium frame (<base>/component/streamlit_folium.st_folium/),
# so it works with and without server.baseUrlPath behind a proxy.
ASSETS_URL = "../../app/static/"
UNKNOWN_LAYER = "unknown"
CLIENT_THRESHOLD = 2000  # more places than this: the browser applies the timeline (mapdata.map.clientmap)
UNKNOWN_COLOUR = "#595959"
CHANGE_COLOUR = "#111111"  # the dashed ring around a place that changed since the compared date
AREA_OPACITY = 0.45  # a control area's fill (a contested one: lighter, hatched)
AREA_CONTESTED_OPACITY = 0.8  # of the hatch pattern (itself half transparent)
AREA_NOTE = "Shaded area: derived from place control; approximate"
AREA_LOOK = {"opacity": AREA_OPACITY, "contested": AREA_CONTESTED_OPACITY}  # mapdata.js areaStyle
MAX_CHANGE_MARKS = 2000  # rings drawn in compare mode (the change list and `mapdata diff` have them all)
HIGHLIGHT_COLOUR = "#000000"


COUNTRIES_LAYER = "countries"  # the basemap layer of country outlines (geodata/basemap/countries.geojson)
COUNTRIES_STYLE = {"color": "#8C8C8C", "weight": 1.2, "fillColor": "#F3F0E8", "fillOpacity": 1}
ADMIN_STYLE = {"color": "#A3A3A3", "weight": 0.8, "dashArray": "4 3", "fill": False}
CONTESTED_DASH = "12 6"  # long square-ended dashes
PRESENCE_DOTS = "0 12"  # zero-length dashes with round caps: a row of round dots, never a dash
PRESENCE_DOT_STEP = 12  # the dots' period (px): forces present on one outline shift their dots within it


def style_for(
    status: Status, colour: str, *, geometry: str, presence_of_other: bool = False, shape: str = "circle"
) -> dict[str, Any]:
    """Leaflet path options for a place drawn in ``colour`` with ``status``.

    Control: solid outline and fill. Contested: thick outline of long square dashes, lighter
    fill. Presence: an outline of round dots (zero-length dashes, round caps), no fill (points:
    a larger hollow marker, so a holder's marker and other forces' show together); dots and
    dashes differ in shape, not only in length. Unknown: thin grey. Points are drawn as
    ``shape`` (the force's marker shape, :func:`mapdata.map.colours.marker_shapes`).
    """
    point, line = geometry == "point", geometry == "line"
    if status is Status.CONTROL:
        style = {"color": colour, "weight": 3 if line else 2, "fillColor": colour, "fillOpacity": 0.45, "radius": 8}
    elif status is Status.CONTESTED:
        style = {
            "color": colour,
            "weight": 4 if line else 3,
            "dashArray": CONTESTED_DASH,
            "lineCap": "butt",
            "fillColor": colour,
            "fillOpacity": 0.2,
            "radius": 9,
        }
    elif status is Status.PRESENCE:
        style = {
            "color": colour,
            "weight": 4.5 if line else 4,
            "dashArray": PRESENCE_DOTS,
            "lineCap": "round",
            "fill": not line and not point,
            "fillColor": colour,
            "fillOpacity": 0.06,
            "radius": 13 if presence_of_other else 11,
        }
    else:
        style = {
            "color": UNKNOWN_COLOUR,
            "weight": 2 if line else 1.5,
            "fillColor": "#BDBDBD",
            "fillOpacity": 0.2,
            "radius": 6,
        }
    style["opacity"] = 1.0
    if point:
        style["shape"] = shape if status is not Status.UNKNOWN else "circle"
        if status is Status.PRESENCE:
            style["weight"] = 3
        style["fill"] = status is not Status.PRESENCE
        style.setdefault("fillOpacity", 0.45)
        if status is Status.CONTROL:
            style["fillOpacity"] = 0.85
        if status is Status.CONTESTED:
            style["fillOpacity"] = 0.35
    else:
        style.pop("radius")
    if line:
        style["fill"] = False
    return style


LEGEND_STYLES: tuple[tuple[str, Status, str], ...] = (
    ("Controls (solid)", Status.CONTROL, "rect"),
    ("Holds, contested (long dashes)", Status.CONTESTED, "rect"),
    ("Present, not in control (round dots)", Status.PRESENCE, "rect"),
    ("No control reported (grey)", Status.UNKNOWN, "circle"),
)


def _js(value: Any) -> str:
    """JSON for embedding in a script: no raw <, >, & that could close or open a tag."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _geometry_kind(place: Place) -> str:
    kind = place.geometry.geom_type
    return "point" if kind == "Point" else "line" if "Line" in kind else "area"


class _Call(JSCSSMixin, MacroElement):
    """Calls ``mapdata.<function>(<target>, <data>)``; target is the parent layer, or the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        mapdata.{{ this.function }}({{ this.target() }}, {{ this.payload }});
        {% endmacro %}
        """
    )

    def __init__(self, function: str, data: Any, *, on_map: bool, assets_url: str = ASSETS_URL) -> None:
        super().__init__()
        self._name = f"Mapdata_{function}"
        self.function = function
        self.payload = _js(data)
        self.on_map = on_map
        self.default_js = [("mapdata_js", assets_url + "mapdata/mapdata.js")]
        self.default_css = [("mapdata_css", assets_url + "mapdata/mapdata.css")]

    def target(self) -> str:
        parent = self._parent
        if self.on_map:
            while parent is not None and not isinstance(parent, folium.Map):
                parent = parent._parent
        return parent.get_name() if parent is not None else "window.map"


class MapBuilder:
    """Everything about one scenario that the map needs, prepared once and reused per step."""

    def __init__(
        self,
        scenario: Scenario,
        *,
        tiles: TileConfig | None = None,
        assets_url: str = ASSETS_URL,
        client: bool | None = None,
        cache: CacheSpace | None = None,
    ) -> None:
        self.scenario = scenario
        self.tiles = tiles
        self.assets_url = assets_url
        # Browser-side map: with a folder for this version of the store's data, its files go there and
        # the popups' evidence files are written in the background (mapdata.map.clientmap.publish_evidence).
        self.cache = cache
        self.evidence_writer: threading.Thread | None = None
        self._published: dict[str, Callable[[], Any]] = {}  # prefix -> what makes the file (ensure_published)
        self._publishing: dict[str, threading.Thread] = {}  # prefix -> the thread writing it
        self._areas: ControlAreas | None = None
        self._areas_lock = threading.Lock()
        self.timeline = Timeline(scenario)
        self.shapes = marker_shapes([(f.id, f.colour) for f in scenario.mapped_forces])
        # Large scenarios: geometry and timeline go to the browser once (mapdata.map.clientmap).
        self.client = len(scenario.places) > CLIENT_THRESHOLD if client is None else client

    def prepare(self, *, wait: bool = True) -> MapBuilder:
        """Do now the one-off work of the first map (the files the browser fetches, or the geometries, and
        the timeline's whole-map index the page's "changed since the day before" reads), so that it is done
        once per revision (and at start-up, in ``mapdata serve``'s warm-up), not in a viewer's first step.

        ``wait=False`` (the app): the browser's files are written in the background; the first page loads
        meanwhile, and its map waits only for them (see :func:`mapdata.map.clientmap.publish_later`)."""
        if self.client:
            _ = self._client_urls
        else:
            _ = self._geometries, self._basemap_payload
        _ = self.timeline.index
        if wait:
            self.wait_published()
        return self

    def wait_published(self, timeout: float | None = None) -> None:
        """Until the files being published in the background are written (or ``timeout`` seconds)."""
        for thread in list(self._publishing.values()):
            thread.join(timeout)

    def ensure_published(self) -> None:
        """Publish again any file of this builder that is missing (the cache was cleaned while the server ran):
        cheap when they are all there (a stat each); called on every page run."""
        if self.cache is None:
            return
        for prefix, make in list(self._published.items()):
            running = self._publishing.get(prefix)
            if running is not None and running.is_alive():
                continue
            _, thread = publish_later(make, prefix=prefix, space=self.cache)
            if thread is not None:
                self._publishing[prefix] = thread

    def _publish(self, make: Callable[[], Any], *, prefix: str) -> str:
        """A file for the browser: in the background into this version's folder (known name), else now."""
        if self.cache is None:
            return self.assets_url + publish_json(make(), prefix=prefix)
        name, thread = publish_later(make, prefix=prefix, space=self.cache)
        self._published[prefix] = make
        if thread is not None:
            self._publishing[prefix] = thread
        return self.assets_url + name

    @cached_property
    def _client_urls(self) -> dict[str, str]:
        from mapdata.map.clientmap import EVIDENCE_CHUNK, client_bundle, publish_evidence

        styles = {
            kind: {
                status.value: {
                    **{
                        f.id: style_for(
                            status, f.colour, geometry=kind, presence_of_other=False, shape=self.shapes[f.id]
                        )
                        for f in self.scenario.mapped_forces
                    },
                    UNKNOWN_LAYER: style_for(status, UNKNOWN_COLOUR, geometry=kind),
                }
                for status in Status
            }
            for kind in ("point", "line", "area")
        }
        evidence, self.evidence_writer = publish_evidence(self.scenario, space=self.cache)

        def bundle() -> dict[str, Any]:
            made = client_bundle(self.scenario, styles)
            made["evidence"] = {
                "places_per_file": EVIDENCE_CHUNK,
                "urls": [self.assets_url + path for path in evidence],
            }
            return made

        return {
            "basemap": self._publish(lambda: self._basemap_payload, prefix="basemap"),
            "scenario": self._publish(bundle, prefix="scenario"),
        }

    @property
    def areas(self) -> ControlAreas:
        """The scenario's control areas (:mod:`mapdata.map.areas`): built on first use, once per builder (which
        the app keeps per store revision), by whichever thread asks first while the others wait for it."""
        with self._areas_lock:
            if self._areas is None:
                self._areas = control_areas(self.scenario)
            return self._areas

    @cached_property
    def _geometries(self) -> dict[str, dict[str, Any]]:
        return {place.id: geometry_json(place.geometry) for place in self.scenario.places}

    @cached_property
    def _basemap_payload(self) -> dict[str, Any]:
        # Any scenario's basemap: the countries layer filled underneath, every other layer (administrative
        # areas) as dashed lines over it, in name order.
        layers, labels = [], []
        for name in sorted(self.scenario.basemap, key=lambda n: (n != COUNTRIES_LAYER, n)):
            geojson = self.scenario.basemap[name]
            layers.append(
                {"name": name, "geojson": geojson, "style": COUNTRIES_STYLE if name == COUNTRIES_LAYER else ADMIN_STYLE}
            )
            level, min_zoom = ("country", 5) if name == COUNTRIES_LAYER else ("admin1", 8)
            for feature in geojson.get("features", []):
                props = feature.get("properties") or {}
                text = props.get("name_en") or props.get("name")
                if not text or not feature.get("geometry"):
                    continue
                point = shape(feature["geometry"]).representative_point()
                labels.append(
                    {
                        "text": str(text),
                        "at": [round(point.y, 5), round(point.x, 5)],
                        "level": level,
                        "min_zoom": min_zoom,
                    }
                )
        attribution = [html.escape(text) for text in self.scenario.attribution]
        return {"layers": layers, "labels": labels, "attribution": attribution}

    def _chrome_payload(self, panels: Mapping[str, Any] | None = None) -> dict[str, Any]:
        scenario = self.scenario
        center, zoom = scenario.view_center, scenario.view_zoom
        flyto = [
            {
                "id": "theatre",
                "label": "Theatre",
                "title": "Back to the scenario's default view",
                "center": list(center),
                "zoom": zoom,
            }
        ]
        for place in self.outside_places:
            flyto.append(
                {
                    "id": place.id,
                    "label": f"{place.name_en} ↗",
                    "title": f"Fly to {place.name_en} (outside the theatre)",
                    "center": list(place.anchor),
                    "zoom": 10,
                }
            )
        names = None
        if not self.client:  # the browser-side map names places from its bundle
            names = {
                "ids": [p.id for p in scenario.places],
                "en": [p.name_en for p in scenario.places],
                "ar": [p.name_ar for p in scenario.places],
                "at": [[round(p.anchor[0], 5), round(p.anchor[1], 5)] for p in scenario.places],
                "kind": [p.kind.value for p in scenario.places],
                "rank": label_ranks(scenario),
                "settings": label_settings(),
            }
        return {
            "names": names,
            "title": scenario.title,
            "offline_label": "Offline basemap (boundaries)",
            "tiles": None
            if self.tiles is None
            else {
                "url": self.tiles.url,
                "attribution": html.escape(self.tiles.attribution),
                "label": self.tiles.label,
            },
            "panels": {key: (panels or {}).get(key) for key in ("legend", "layerctl", "basemap")},
            "flyto": flyto,
            "legend": {
                "forces": [
                    {"name": f.name, "colour": f.colour, "shape": self.shapes[f.id]} for f in scenario.mapped_forces
                ],
                "styles": [
                    {"label": label, "shape": shape_, "style": style_for(status, "#555555", geometry="area")}
                    for label, status, shape_ in LEGEND_STYLES
                ]
                + [
                    {
                        "label": "Position uncertainty (dotted circle)",
                        "shape": "circle",
                        "style": {
                            "color": "#555555",
                            "weight": 1,
                            "dashArray": "1 3",
                            "fillOpacity": 0.05,
                            "fillColor": "#555555",
                        },
                    },
                    {
                        "label": "Selected event's place",
                        "shape": "rect",
                        "style": {"color": HIGHLIGHT_COLOUR, "weight": 3, "fill": False},
                    },
                    {
                        "label": "Changed since the compared date (dashed ring); the rest faded",
                        "shape": "circle",
                        "style": {"color": CHANGE_COLOUR, "weight": 2, "dashArray": "4 3", "fill": False},
                        "only": "compare",
                    },
                    {
                        "label": "Control area of the force holding the nearest place: derived from place control; "
                        "approximate",
                        "shape": "rect",
                        "style": {"color": "#555555", "weight": 0, "fillColor": "#555555", "fillOpacity": AREA_OPACITY},
                        "only": "areas",
                    },
                    {
                        "label": "Contested control area (hatched)",
                        "shape": "rect",
                        "style": {
                            "color": "#555555",
                            "weight": 1,
                            "dashArray": "2 2",
                            "fillColor": "#555555",
                            "fillOpacity": AREA_CONTESTED_OPACITY,
                        },
                        "only": "areas",
                    },
                ],
            },
        }

    @cached_property
    def outside_places(self) -> tuple[Place, ...]:
        """Places far from the theatre (more than 500 km from the default view's centre)."""
        lat0, lon0 = self.scenario.view_center
        out = []
        for place in self.scenario.places:
            lat, lon = place.anchor
            if ((lat - lat0) * 111) ** 2 + ((lon - lon0) * 91) ** 2 > 500**2:
                out.append(place)
        return tuple(out)

    def base_map(self, *, panels: Mapping[str, Any] | None = None) -> folium.Map:
        """A new base map; its generated script is the same on every call with the same ``panels``.

        ``panels``: how the link opens the legend and the layer control (``legend``, ``layerctl``:
        True, False, or None for the map's default for its width) and the base layer (``basemap``:
        ``"tiles"`` or None). Pass the session's first view, so the map frame is kept afterwards.
        """
        scenario = self.scenario
        m = folium.Map(
            location=list(scenario.view_center),
            zoom_start=scenario.view_zoom,
            tiles=None,
            control_scale=True,
            min_zoom=3,
            max_zoom=18,
            prefer_canvas=False,
        )
        leaflet = self.assets_url + "vendor/leaflet/"
        m.default_js = [("leaflet", leaflet + "leaflet.js")]
        m.default_css = [("leaflet_css", leaflet + "leaflet.css")]
        if self.client:
            urls = self._client_urls
            _Call("loadBasemap", {"url": urls["basemap"]}, on_map=True, assets_url=self.assets_url).add_to(m)
        else:
            _Call("basemap", self._basemap_payload, on_map=True, assets_url=self.assets_url).add_to(m)
        _Call("chrome", self._chrome_payload(panels), on_map=True, assets_url=self.assets_url).add_to(m)
        if self.client:
            layers = [{"id": f.id, "label": f.name, "colour": f.colour} for f in self.scenario.mapped_forces]
            layers.append({"id": UNKNOWN_LAYER, "label": "No control reported", "colour": UNKNOWN_COLOUR})
            _Call(
                "clientLoad", {"url": urls["scenario"], "layers": layers}, on_map=True, assets_url=self.assets_url
            ).add_to(m)
        return m

    # -- per step ---------------------------------------------------------------

    def popup_html(self, state: PlaceState) -> str:
        """The place's card: names, state, forces present and the supporting quotes (escaped)."""
        scenario = self.scenario
        place = scenario.place_by_id[state.place_id]
        e = html.escape
        parts = [f'<div class="mapdata-popup" data-place="{e(place.id)}"><h4>{e(place.name_en)}</h4>']
        if place.name_ar:
            parts.append(f'<div class="mapdata-ar" lang="ar" dir="rtl">{e(place.name_ar)}</div>')
        meta = KIND_LABELS[place.kind]
        if place.uncertainty_m:
            meta += f"; position uncertain by about {place.uncertainty_m / 1000:.1f} km"
        parts.append(f'<div class="mapdata-meta">{e(meta)}</div>')
        if state.force:
            force = scenario.force_by_id[state.force]
            since = state.since.isoformat() if state.since else "before the first report"
            parts.append(
                f'<div class="mapdata-state"><span class="mapdata-dot" style="background:{e(force.colour)}"></span>'
                f"<b>{e(force.name)}</b>: {e(STATUS_LABELS[state.status])}, since {e(since)}</div>"
            )
        else:
            parts.append(f'<div class="mapdata-state">{e(STATUS_LABELS[state.status].capitalize())}</div>')
        if state.forces_present:
            names = ", ".join(scenario.force_by_id[f].name for f in state.forces_present)
            parts.append(f'<div class="mapdata-meta">Forces present: {e(names)}</div>')
        if place.location_note:
            parts.append(f"<details><summary>Location: how it was placed</summary>{e(place.location_note)}</details>")
        parts += evidence_html(self.timeline.evidence(state), state)
        parts += self.history_html(place.id, state.day)
        parts.append("</div>")
        return "".join(parts)

    def history_html(self, place_id: str, day: dt.date) -> list[str]:
        """A card's control history up to ``day`` (nothing later: a card as of a date shows only what was known):
        a strip of the holding periods across the scenario's first day to ``day``, and each period with the latest
        report behind it (mapdata.js's ``historyHtml`` writes the same)."""
        first = self.scenario.date_range[0]
        periods = [p for p in self.timeline.periods_of(place_id) if (p.start or first) <= day]
        if not periods or day < first:
            return []
        e = html.escape
        span = (day - first).days + 1
        strip, items = [], []
        for period in periods:
            force = self.scenario.force_by_id[period.force_id]
            words = ROLE_WORDS[period.role]
            start, end = period.start, period.end if period.end and period.end < day else None
            if period.role.holds:
                a, b = max(start or first, first), min(period.end or day, day)
                if a <= b:
                    left = (a - first).days * 1000 // span
                    width = max(((b - a).days + 1) * 1000 // span, 6)
                    strip.append(
                        f'<span class="mapdata-seg mapdata-seg-{period.role.value}" style="left:calc({left} * 0.1%);'
                        f'width:calc({width} * 0.1%);background:{e(force.colour)}" '
                        f'title="{e(force.name)} {e(words)}, {a.isoformat()} to {b.isoformat()}"></span>'
                    )
            when = f"from {start.isoformat() if start else 'before the first report'}" + (
                f" to {end.isoformat()}" if end else " on"
            )
            evidence = self.timeline.evidence_of(period.event_ids, day)
            if evidence:
                latest = evidence[-1]
                report = f"{latest.source.publisher}, {latest.event.date_label}" + (
                    f" · {REPORTED_LATER.format(date=latest.reported_label)}" if latest.later else ""
                )
            else:
                report = NO_REPORT_YET
            items.append(
                f'<li><span class="mapdata-dot" style="background:{e(force.colour)}"></span>'
                f"<b>{e(force.name)}</b> {e(words)}, {e(when)} · {e(report)}</li>"
            )
        return [  # one line (the heading and the strip) until opened: the card stays short
            '<details class="mapdata-history"><summary><span class="mapdata-meta">'
            f"{e(HISTORY_HEADING.format(day=day.isoformat()))}</span>"
            f'<span class="mapdata-strip">{"".join(strip)}</span></summary><ul>{"".join(items)}</ul></details>'
        ]

    def tooltip_html(self, state: PlaceState) -> str:
        place = self.scenario.place_by_id[state.place_id]
        e = html.escape
        name = e(place.name_en) + (f' · <span lang="ar" dir="rtl">{e(place.name_ar)}</span>' if place.name_ar else "")
        if state.force:
            what = f"{self.scenario.force_by_id[state.force].name}: {STATUS_LABELS[state.status]}"
        elif state.forces_present:
            what = "present: " + ", ".join(self.scenario.force_by_id[f].name for f in state.forces_present)
        else:
            what = STATUS_LABELS[state.status]
        return f"<b>{name}</b><br>{e(what)}"

    def _feature(
        self, state: PlaceState, layer_force: str | None, status: Status, *, presence_of_other: bool
    ) -> dict[str, Any]:
        place = self.scenario.place_by_id[state.place_id]
        geometry = _geometry_kind(place)
        colour = self.scenario.force_by_id[layer_force].colour if layer_force else UNKNOWN_COLOUR
        style = style_for(
            status,
            colour,
            geometry=geometry,
            presence_of_other=presence_of_other,
            shape=self.shapes.get(layer_force or "", "circle"),
        )
        present = [f for f in state.forces_present if f != state.force]
        if status is Status.PRESENCE and layer_force in present and len(present) > 1:
            # Several forces present along one outline: their dots take turns, so every colour shows.
            style["dashOffset"] = str(present.index(layer_force) * PRESENCE_DOT_STEP // len(present))
        return {
            "place_id": place.id,
            "geometry": self._geometries[place.id],
            "kind": geometry,
            "style": style,
            "className": f"mapdata-place mapdata-place-{place.id} mapdata-force-{layer_force or UNKNOWN_LAYER} mapdata-status-{status.value}",
            "uncertainty_m": place.uncertainty_m,
            "tooltip": self.tooltip_html(state),
            "popup": self.popup_html(state),
        }

    def _client_step(
        self,
        day: dt.date,
        *,
        visible: Collection[str],
        highlight: Iterable[str],
        layers_gen: int = 0,
        areas: bool = False,
        open_card: tuple[str, int] | None = None,
        since: dt.date | None = None,
        names: str = "en",
        follow: str | None = None,
    ) -> list[folium.FeatureGroup]:
        """One small group whose script sends the day: the browser restyles the places it already has."""
        group = folium.FeatureGroup(name="step", control=False)
        payload = _client_step_payload(self, day, visible=visible, highlight=highlight, layers_gen=layers_gen)
        payload["areas"] = {"url": self._areas_url, "look": AREA_LOOK, "note": AREA_NOTE} if areas else None
        payload["open"] = _open_payload(open_card)
        payload["since"] = since.toordinal() if since else None
        payload["names"] = names
        payload["follow"] = follow
        _Call("clientShow", payload, on_map=True, assets_url=self.assets_url).add_to(group)
        return [group]

    def _changes_group(self, changes: Mapping[str, str]) -> folium.FeatureGroup:
        """Compare mode: a ring around each changed place (tooltip: how it changed), and the map told which places
        changed, so the others fade (``mapdata.markChanges``; no places: compare mode off)."""
        features = []
        for place_id, tooltip in list(changes.items())[:MAX_CHANGE_MARKS]:
            place = self.scenario.place_by_id.get(place_id)
            if place is None:
                continue
            features.append(
                {
                    "place_id": place_id,
                    "geometry": self._geometries[place_id],
                    "kind": _geometry_kind(place),
                    "style": {
                        "color": CHANGE_COLOUR,
                        "weight": 3,
                        "opacity": 0.95,
                        "dashArray": "5 4",
                        "fill": False,
                        "radius": 14,
                        "pane": "mapdata-highlight",
                    },
                    "className": f"mapdata-change-mark mapdata-change-mark-{place_id}",
                    "uncertainty_m": None,
                    "tooltip": html.escape(tooltip),
                    "popup": None,
                }
            )
        group = folium.FeatureGroup(name="Changes", control=False)
        _Call("addPlaces", {"features": features}, on_map=False, assets_url=self.assets_url).add_to(group)
        _Call(
            "markChanges", {"places": [f["place_id"] for f in features]}, on_map=True, assets_url=self.assets_url
        ).add_to(group)
        return group

    @cached_property
    def _areas_url(self) -> str:
        """The control areas' cells, published once (the browser-side map fetches them when areas are first shown)."""
        return self._publish(lambda: self.areas.geojson(self.scenario), prefix="areas")

    def area_features(self, day: dt.date, *, visible: Collection[str]) -> list[dict[str, Any]]:
        """The control areas on ``day`` (server-rendered map): each cell of a place a shown force holds, in its
        colour; contested ones hatched (``mapdata.addAreas``)."""
        scenario, areas = self.scenario, self.areas
        shown = set(visible)
        out = []
        for row, cell in zip(areas.rows, areas.cells, strict=True):
            place = scenario.places[int(row)]
            state = self.timeline.state(place.id, day)
            if cell.is_empty or state.force is None or state.force not in shown:
                continue
            force = scenario.force_by_id[state.force]
            contested = state.status is Status.CONTESTED
            words = "holds it, contested" if contested else "holds it"
            out.append(
                {
                    "place_id": place.id,
                    "geometry": geometry_json(cell),
                    "force": force.id,
                    "colour": force.colour,
                    "contested": contested,
                    "tooltip": f"<b>{html.escape(place.name_en)}</b><br>{html.escape(force.name)} {words}"
                    f"<br><i>{html.escape(AREA_NOTE)}</i>",
                }
            )
        return out

    def layer_features(self, day: dt.date) -> dict[str, list[dict[str, Any]]]:
        """Features per layer (force id, or ``unknown``) on ``day``.

        The holding force's layer draws the place in its control or contested style; every
        other force present draws it in its presence style, so each layer shows everything
        that force holds, contests or is present at.
        """
        layers: dict[str, list[dict[str, Any]]] = {f.id: [] for f in self.scenario.mapped_forces}
        layers[UNKNOWN_LAYER] = []
        drawn: set[str] = set()
        for state in self.timeline.states(day).values():
            if state.status is Status.UNKNOWN:
                layers[UNKNOWN_LAYER].append(self._feature(state, None, Status.UNKNOWN, presence_of_other=False))
                continue
            if state.force:
                layers[state.force].append(self._feature(state, state.force, state.status, presence_of_other=False))
            for force in state.forces_present:
                if force != state.force:
                    layers[force].append(
                        self._feature(state, force, Status.PRESENCE, presence_of_other=state.force is not None)
                    )
        for features in layers.values():  # one uncertainty circle per place, in its first layer
            for feature in features:
                feature["draw_uncertainty"] = feature["place_id"] not in drawn
                drawn.add(feature["place_id"])
        return layers

    def force_layers(
        self,
        day: dt.date,
        *,
        visible: Collection[str],
        highlight: Iterable[str] = (),
        layers_gen: int = 0,
        changes: Mapping[str, str] | None = None,
        areas: bool = False,
        open_card: tuple[str, int] | None = None,
        since: dt.date | None = None,
        names: str = "en",
        follow: str | None = None,
    ) -> list[folium.FeatureGroup]:
        """The feature groups for ``day``: the control areas, one per force, the unknown layer, the highlight, and a
        sync step.

        Pass them to ``st_folium(feature_group_to_add=...)``. Forces not in ``visible``
        are still sent (so the map's layer control can show them) but start hidden.
        ``layers_gen`` numbers the server's choice of layers: the map reports it back with the layers
        it shows, so that a report sent before a later choice (Show all, say) can be told apart.
        ``changes`` (compare mode): the places that changed since the earlier date, each with the tooltip that
        says how; they are ringed, and the places that did not change fade. ``areas``: shade each shown force's
        control areas (:mod:`mapdata.map.areas`) under the places; on the browser-side map they replace the markers.
        ``open_card`` (place id, generation): open that place's card, once per generation (a place found by name).
        ``since``: compare mode on the browser-side map, which rings and fades by itself (``changes`` is for the
        server-rendered one). ``names``: the language of the place names written on the map, "en" or "ar".
        ``follow`` (browser-side map): a CSS selector of the host page's date slider (its range input); while it
        moves, the map shows each day it passes without waiting for the server.
        """
        scenario = self.scenario
        if self.client:
            # compare mode: the browser finds the changes itself from the timeline it has (only ``since`` is sent)
            return self._client_step(
                day,
                visible=visible,
                highlight=highlight,
                layers_gen=layers_gen,
                areas=areas,
                open_card=open_card,
                since=since,
                names=names,
                follow=follow,
            )
        groups = []
        cells = folium.FeatureGroup(name="Control areas", control=False)
        payload = {"cells": self.area_features(day, visible=visible) if areas else [], "look": AREA_LOOK}
        _Call("addAreas", payload, on_map=False, assets_url=self.assets_url).add_to(cells)
        groups.append(cells)
        for layer_id, features in self.layer_features(day).items():
            if layer_id == UNKNOWN_LAYER:
                label, colour = "No control reported", UNKNOWN_COLOUR
            else:
                force = scenario.force_by_id[layer_id]
                label, colour = force.name, force.colour
            group = folium.FeatureGroup(name=label, control=False)
            swatch = f'<span class="mapdata-layer-swatch" style="background:{html.escape(colour)}"></span>'
            payload = {"force": layer_id, "label": swatch + html.escape(label), "features": features}
            _Call("addPlaces", payload, on_map=False, assets_url=self.assets_url).add_to(group)
            groups.append(group)

        highlight_ids = [p for p in highlight if p in scenario.place_by_id]
        fit = None
        if highlight_ids:
            features = []
            for place_id in highlight_ids:
                place = scenario.place_by_id[place_id]
                kind = _geometry_kind(place)
                style = {
                    "color": HIGHLIGHT_COLOUR,
                    "weight": 5,
                    "opacity": 0.9,
                    "fill": False,
                    "radius": 16,
                    "interactive": False,
                    "pane": "mapdata-highlight",
                }
                features.append(
                    {
                        "place_id": place_id,
                        "geometry": self._geometries[place_id],
                        "kind": kind,
                        "style": style,
                        "className": f"mapdata-highlight mapdata-highlight-{place_id}",
                        "uncertainty_m": None,
                        "tooltip": None,
                        "popup": None,
                    }
                )
            minx, miny, maxx, maxy = _bounds(scenario.place_by_id[p] for p in highlight_ids)
            fit = [[miny, minx], [maxy, maxx]]
            group = folium.FeatureGroup(name="Selected", control=False)
            _Call("addPlaces", {"features": features}, on_map=False, assets_url=self.assets_url).add_to(group)
            groups.append(group)

        groups.append(self._changes_group(changes or {}))
        hidden = [f.id for f in scenario.mapped_forces if f.id not in set(visible)]
        sync = folium.FeatureGroup(name="sync", control=False)
        _Call(
            "sync",
            {
                "hidden": hidden,
                "date": day.isoformat(),
                "asof": f"As of {day.day} {day:%B %Y}",
                "fit": fit,
                "gen": layers_gen,
                "areas": areas,
                "open": _open_payload(open_card),
                "names": names,
            },
            on_map=True,
            assets_url=self.assets_url,
        ).add_to(sync)
        groups.append(sync)
        return groups


def evidence_html(evidence: Iterable[Evidence], state: PlaceState) -> list[str]:
    """A card's evidence (escaped), as of the state's day: each quote with its publisher, date and
    verification; one reported after the day is marked "reported later (date)" (mapdata.js's
    ``evidenceHtml`` writes the same)."""
    e = html.escape
    parts = []
    for ev in evidence:
        event, source = ev.event, ev.source
        later = ""
        if ev.later:
            later = f' · <span class="mapdata-later">{e(REPORTED_LATER.format(date=ev.reported_label))}</span>'
        parts.append(
            f'<div class="mapdata-ev{" mapdata-ev-later" if ev.later else ""}" data-event="{e(event.id)}">'
            f"<blockquote>“{e(event.quote)}”</blockquote>"
            f'<div class="mapdata-meta">{e(source.publisher)}, {e(event.date_label)} · '
            f"<b>{e(event.verification_label)}</b>{later}</div>"
        )
        if event.date_note and event.date_as_written:
            parts.append(
                f'<div class="mapdata-warn">Date as written: “{e(event.date_as_written)}”. {e(event.date_note)}</div>'
            )
        parts.append("</div>")
    if not parts and state.periods:
        parts.append(
            f'<div class="mapdata-meta mapdata-no-evidence">{e(NO_EVIDENCE_YET.format(day=state.day.isoformat()))}</div>'
        )
    return parts


def _client_step_payload(
    builder: MapBuilder, day: dt.date, *, visible: Collection[str], highlight: Iterable[str], layers_gen: int = 0
) -> dict[str, Any]:
    scenario = builder.scenario
    highlight_ids = [p for p in highlight if p in scenario.place_by_id]
    fit = None
    if highlight_ids:
        minx, miny, maxx, maxy = _bounds(scenario.place_by_id[p] for p in highlight_ids)
        fit = [[miny, minx], [maxy, maxx]]
    return {
        "day": day.toordinal(),
        "date": day.isoformat(),
        "asof": f"As of {day.day} {day:%B %Y}",
        "hidden": [f.id for f in scenario.mapped_forces if f.id not in set(visible)],
        "highlight": highlight_ids,
        "fit": fit,
        "gen": layers_gen,
    }


def _open_payload(open_card: tuple[str, int] | None) -> dict[str, Any] | None:
    """The card to open in the browser: a place id and the generation of the choice (opened once per choice)."""
    return {"id": open_card[0], "n": open_card[1]} if open_card else None


def _bounds(places: Iterable[Place]) -> tuple[float, float, float, float]:
    boxes = [p.geometry.bounds for p in places]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


PREVIEW_COLOUR = "#0072B2"
PREVIEW_DOUBTFUL = "#D55E00"


def preview_features(mentions: Iterable[Any]) -> list[dict[str, Any]]:
    """Features for the places found in a report (``PlaceMention``s), for the review map.

    Solid blue when the reading is confident, dashed vermilion when it is doubtful
    (confidence below 0.5) or approximate (a place the gazetteer does not hold, put at the place the text
    says it is in, with the circle it lies in); areas and lines are drawn as such. Popups say why the
    reading was chosen; they are escaped.
    """
    features = []
    e = html.escape
    for index, mention in enumerate(mentions):
        geometry = mention.geometry
        shape_json = (
            geometry_json(geometry)
            if geometry is not None
            else {"type": "Point", "coordinates": [round(mention.lon, 6), round(mention.lat, 6)]}
        )
        kind = "point" if shape_json["type"] == "Point" else "line" if "Line" in shape_json["type"] else "area"
        approximate = bool(getattr(mention, "approximate", False))
        doubtful = mention.confidence < 0.5 or approximate
        colour = PREVIEW_DOUBTFUL if doubtful else PREVIEW_COLOUR
        style = {
            "color": colour,
            "weight": 3,
            "opacity": 1.0,
            "fillColor": colour,
            "fillOpacity": 0.25 if kind == "area" else 0.7,
            "radius": 8,
            "fill": kind != "line",
        }
        if doubtful:
            style["dashArray"] = "6 4"
        others = ", ".join(f"{c.name} ({c.country})" for c in mention.candidates[1:4])
        reason = str(getattr(mention, "reason", "") or "")
        popup = (
            f'<div class="mapdata-popup"><h4>“{e(mention.text)}”</h4>'
            f"<div>→ <b>{e(mention.name)}</b> ({e(mention.kind)}{', ' + e(mention.country) if mention.country else ''}"
            f"{', approximate' if approximate else ''})</div>"
            f'<div class="mapdata-meta">confidence {mention.confidence:.2f}'
            f"{' · scenario place ' + e(mention.place_id) if mention.place_id else ''}</div>"
            + (f'<div class="mapdata-meta">why: {e(reason)}</div>' if reason else "")
            + (f'<div class="mapdata-meta">other readings: {e(others)}</div>' if others else "")
            + "</div>"
        )
        uncertainty = getattr(mention, "uncertainty_m", None) if approximate and kind == "point" else None
        features.append(
            {
                "place_id": f"m{index}",
                "geometry": shape_json,
                "kind": kind,
                "style": style,
                "className": f"mapdata-preview mapdata-preview-{index}",
                "uncertainty_m": uncertainty,  # an approximate place: the circle it lies in
                "tooltip": f"<b>{e(mention.text)}</b> → {e(mention.name)}",
                "popup": popup,
            }
        )
    return features


def preview_layers(mentions: Iterable[Any], *, assets_url: str = ASSETS_URL) -> list[folium.FeatureGroup]:
    """Feature groups for ``st_folium(feature_group_to_add=...)`` on the review page."""
    mentions = list(mentions)
    group = folium.FeatureGroup(name="Places found", control=False)
    _Call("addPlaces", {"features": preview_features(mentions)}, on_map=False, assets_url=assets_url).add_to(group)
    local = [m for m in mentions if m.kind != "country"] or mentions
    if not local:
        return [group]
    lats = [m.lat for m in local] + [
        b for m in local if m.geometry is not None for b in (m.geometry.bounds[1], m.geometry.bounds[3])
    ]
    lons = [m.lon for m in local] + [
        b for m in local if m.geometry is not None for b in (m.geometry.bounds[0], m.geometry.bounds[2])
    ]
    fit = folium.FeatureGroup(name="fit", control=False)
    _Call("fitOnce", [[min(lats), min(lons)], [max(lats), max(lons)]], on_map=True, assets_url=assets_url).add_to(fit)
    return [group, fit]
