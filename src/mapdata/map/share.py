"""The view as URL query parameters, so a copied link reproduces it exactly.

``?date=2018-06-10&layers=russia,hezbollah&lat=34.55&lon=36.58&zoom=11&event=ev_x``

- ``date``: the day shown (clamped to the scenario's range);
- ``since``: compare with this earlier day (the change list; clamped to the range, dropped unless before ``date``);
- ``layers``: visible forces, comma-separated; absent means all, ``none`` means none;
- ``lat``, ``lon``, ``zoom``: the map view; absent means the scenario's default view;
- ``event``: the event selected in the table (its place is highlighted);
- ``legend``, ``layerctl``: the map's legend and layer control open (``1``) or folded (``0``);
  absent means the map's default for its width (open on a wide map, folded on a narrow one);
- ``basemap``: ``tiles`` for the online tiles; absent (or ``offline``) means the offline basemap;
- ``names``: ``ar`` writes the place names on the map in Arabic (where known); absent means English;
- ``areas``: control areas shaded (``1``) or not (``0``); absent means the default for the scenario's size
  (:data:`mapdata.map.areas.AREAS_DEFAULT_ABOVE`).

Anything unreadable falls back to the default and is reported as a warning, never an error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode, urlsplit

from mapdata.map.areas import AREAS_DEFAULT_ABOVE
from mapdata.model.models import Scenario

NO_LAYERS = "none"
BASEMAPS = ("offline", "tiles")
NAME_LANGUAGES = ("en", "ar")
PANELS = ("legend", "layerctl")  # link parameter = ViewState field
PANEL_FIELDS = (*PANELS, "basemap")  # the ViewState fields the map's own controls set
UI_URL = "mapdata-ui"  # the map reports its panels as selected_layers entries {name: "legend=1", url: UI_URL}


@dataclass(frozen=True)
class ViewState:
    day: dt.date
    forces: tuple[str, ...]
    center: tuple[float, float] | None = None
    zoom: int | None = None
    event_id: str | None = None
    legend: bool | None = None  # None: the map's default for its width
    layerctl: bool | None = None
    basemap: str | None = None  # "tiles", or None for the offline basemap
    since: dt.date | None = None  # compare with this earlier day (None: no comparison)
    areas: bool | None = None  # control areas shaded (None: the default for the scenario's size)
    names: str | None = None  # "ar": place names on the map in Arabic (None: English)

    def areas_on(self, scenario: Scenario) -> bool:
        """Whether control areas are shaded: as the link says, else above a few thousand places."""
        return self.areas if self.areas is not None else len(scenario.places) > AREAS_DEFAULT_ABOVE


def default_day(scenario: Scenario) -> dt.date:
    """The latest dated event (the current picture), within the slider's range."""
    first, last = scenario.date_range
    latest = max((event.date for event in scenario.events), default=last)
    return min(max(latest, first), last)


def default_view(scenario: Scenario) -> ViewState:
    return ViewState(day=default_day(scenario), forces=tuple(f.id for f in scenario.mapped_forces))


def _first(value: str | list[str] | None) -> str | None:
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _link_date(
    params: Mapping[str, str | list[str]],
    name: str,
    bounds: tuple[dt.date, dt.date],
    warnings: list[str],
    *,
    instead: str,
    doing: str,
) -> dt.date | None:
    """The date a link gives as ``name``, moved into ``bounds`` (with a warning); None (with a warning saying what
    happens ``instead``) when it is not a date."""
    raw = _first(params.get(name))
    if not raw:
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        warnings.append(f"{name} {raw!r} is not a date (YYYY-MM-DD); {instead}")
        return None
    first, last = bounds
    if not first <= day <= last:
        clamped = min(max(day, first), last)
        warnings.append(f"{name} {raw} is outside {first} to {last}; {doing} {clamped.isoformat()}")
        return clamped
    return day


def _link_choice(
    params: Mapping[str, str | list[str]], name: str, allowed: tuple[str, ...], warnings: list[str], *, otherwise: str
) -> str | None:
    """The link's ``name`` when it is one of ``allowed``; None when absent, or (with a warning saying what happens
    ``otherwise``) when it is something else."""
    raw = _first(params.get(name))
    if raw is None or raw in allowed:
        return raw
    choices = " or ".join(allowed) if len(allowed) == 2 and allowed == ("0", "1") else "one of " + ", ".join(allowed)
    warnings.append(f"{name} {raw!r} is not {choices}; {otherwise}")
    return None


def parse_query(params: Mapping[str, str | list[str]], scenario: Scenario) -> tuple[ViewState, list[str]]:
    """The view a link describes, and a warning for each part that could not be used."""
    view = default_view(scenario)
    warnings: list[str] = []
    first, last = scenario.date_range

    day = _link_date(
        params, "date", (first, last), warnings, instead=f"showing {view.day.isoformat()}", doing="showing"
    )
    if day is not None:
        view = replace(view, day=day)
    since = _link_date(params, "since", (first, last), warnings, instead="no comparison", doing="comparing with")
    if since is not None:
        if since >= view.day:
            warnings.append(f"since {since.isoformat()} is not before the date {view.day.isoformat()}; no comparison")
        else:
            view = replace(view, since=since)

    raw_layers = _first(params.get("layers"))
    if raw_layers is not None:
        known = [f.id for f in scenario.mapped_forces]
        asked = [] if raw_layers.strip() == NO_LAYERS else [p.strip() for p in raw_layers.split(",") if p.strip()]
        unknown = [p for p in asked if p not in known]
        if unknown:
            warnings.append(f"unknown layer{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} ignored")
        view = replace(view, forces=tuple(f for f in known if f in asked))

    lat, lon, zoom = (_first(params.get(k)) for k in ("lat", "lon", "zoom"))
    if lat is not None or lon is not None:
        try:
            center = (float(lat or ""), float(lon or ""))
            if not (-90 <= center[0] <= 90 and -180 <= center[1] <= 180):
                raise ValueError
            view = replace(view, center=center)
        except ValueError:
            warnings.append(f"map centre lat={lat!r}, lon={lon!r} is not a position; using the default view")
    if zoom is not None:
        try:
            level = int(zoom)
            if not 1 <= level <= 18:
                raise ValueError
            view = replace(view, zoom=level)
        except ValueError:
            warnings.append(f"zoom {zoom!r} is not a whole number from 1 to 18; using the default")

    event_id = _first(params.get("event"))
    if event_id:
        if event_id in scenario.event_by_id:
            view = replace(view, event_id=event_id)
        else:
            warnings.append(f"unknown event {event_id!r} ignored")
    for name in PANELS:
        raw = _link_choice(params, name, ("0", "1"), warnings, otherwise="using the map's default")
        if raw is not None:
            shown: dict[str, Any] = {name: raw == "1"}  # a ViewState field of PANELS
            view = replace(view, **shown)
    raw = _link_choice(params, "names", NAME_LANGUAGES, warnings, otherwise="names are in English")
    if raw is not None:
        view = replace(view, names=None if raw == "en" else raw)
    raw = _link_choice(params, "areas", ("0", "1"), warnings, otherwise="using the default for this scenario")
    if raw is not None:
        view = replace(view, areas=raw == "1")
    raw = _link_choice(params, "basemap", BASEMAPS, warnings, otherwise="using the offline basemap")
    if raw is not None:
        view = replace(view, basemap=None if raw == "offline" else raw)
    return view, warnings


def panels_from_map(selected_layers: object) -> dict[str, bool | str | None]:
    """The panel states the map reported (``streamlit-folium``'s ``selected_layers``), as ViewState fields.

    Only what the user set is reported; anything else in the list, or malformed, is ignored.
    """
    found: dict[str, bool | str | None] = {}
    for layer in selected_layers if isinstance(selected_layers, list) else []:
        if not isinstance(layer, dict) or layer.get("url") != UI_URL or not isinstance(layer.get("name"), str):
            continue
        key, _, value = layer["name"].partition("=")
        if key in PANELS and value in ("0", "1"):
            found[key] = value == "1"
        elif key == "basemap" and value in BASEMAPS:
            found[key] = None if value == "offline" else value
    return found


def to_query(view: ViewState, scenario: Scenario) -> dict[str, str]:
    """Query parameters for ``view``; parse_query(to_query(v)) == v."""
    params = {"date": view.day.isoformat()}
    if view.since is not None:
        params["since"] = view.since.isoformat()
    all_forces = tuple(f.id for f in scenario.mapped_forces)
    if view.forces != all_forces:
        params["layers"] = ",".join(view.forces) if view.forces else NO_LAYERS
    if view.center is not None:
        params["lat"] = f"{view.center[0]:.5f}"
        params["lon"] = f"{view.center[1]:.5f}"
    if view.zoom is not None:
        params["zoom"] = str(view.zoom)
    if view.event_id:
        params["event"] = view.event_id
    for name in PANELS:
        value = getattr(view, name)
        if value is not None:
            params[name] = "1" if value else "0"
    if view.basemap is not None:
        params["basemap"] = view.basemap
    if view.areas is not None:
        params["areas"] = "1" if view.areas else "0"
    if view.names is not None:
        params["names"] = view.names
    return params


def share_url(base_url: str, view: ViewState, scenario: Scenario) -> str:
    """The full link for ``view`` on the app at ``base_url``."""
    base = base_url.split("#", 1)[0].split("?", 1)[0]  # a fragment would swallow the query
    if base and not urlsplit(base).path:
        base += "/"  # the app's root: http://host:8501/?date=…, not http://host:8501?date=…
    return f"{base}?{urlencode(to_query(view, scenario), safe=',')}"
