"""The map page: date slider, force toggles, the map, and the tables under it.

State lives in ``st.session_state`` and is mirrored to the URL on every run
(:mod:`mapdata.map.share`), so the address bar is always a link to the current view.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections import Counter
from collections.abc import Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from mapdata.exchange import Format, export
from mapdata.exchange.brief import BRIEF_MIME, BriefFormat, BriefRequest, brief_bytes, brief_name, view_bbox
from mapdata.exchange.snapshot import changes_csv
from mapdata.map.areas import AREAS_DEFAULT_ABOVE, METHOD as AREAS_METHOD
from mapdata.map.history import control_over_time
from mapdata.map.mapview import MapBuilder
from mapdata.map.share import PANEL_FIELDS, ViewState, panels_from_map, parse_query, share_url, to_query
from mapdata.model.compare import compare, status_words
from mapdata.model.models import Scenario, Verification
from mapdata.model.records import DATE_MAX, DATE_MIN
from mapdata.model.timeline import STATUS_LABELS, EventFilter
from mapdata.text.search import PlaceFinder
from mapdata.ui import map_builder, plain, reader, store_location
from mapdata.ui.text import label

if TYPE_CHECKING:
    from streamlit.elements.arrow import DataframeStateInput

MAP_KEY = "map"
TABLE_ROWS = 500  # rows sent per table: every rerun re-sends them
CHANGE_PAGE = 100  # rows of the change list per page (it is re-sent on every slider step in compare mode)
DATE_KEY = "date"
# The date slider's range input in the page (Streamlit gives a keyed widget's box the class st-key-<key>): the
# browser-side map follows it while it moves (mapdata.js followSlider).
DATE_SLIDER_SELECTOR = f".st-key-{DATE_KEY} input[type=range]"
DATE_THUMB_SELECTOR = f".st-key-{DATE_KEY} [data-testid=stSliderThumbValue]"  # its label; the thumb is its parent
# The date box beside the slider: one widget per day shown (key date_typed:<ISO date>), so that a message the page
# sent before the last rerun reached it (key presses on the slider faster than the server answers) cannot pass the
# box's old date back as if it had been typed, and pull the slider back.
DATE_INPUT_KEY = "date_typed"
DATE_BOX_GEN_KEY = "_date_box_gen"
URL_WARNINGS_KEY = "_url_warnings"
INPUT_WARNINGS_KEY = "_input_warnings"  # choices corrected (a "since" date not before the date shown)
DATE_NOTE_KEY = "_date_note"  # why a typed date was moved into the scenario's range
TYPED_DATE_RANGE = (DATE_MIN, DATE_MAX)  # what the box accepts: any date a record may hold
EVENT_KEY = "selected_event"
SINCE_KEY = "since"  # the "Changes since" date box (None: no comparison)
AREAS_KEY = "areas"  # the "Control areas" toggle
AREAS_CHOSEN_KEY = "_areas_chosen"  # the link or the viewer set it (else it follows the scenario's size)
NAMES_KEY = "arabic_names"  # the "Arabic place names" toggle
SEARCH_KEY = "place_search"  # the "Find a place" box
FOUND_GEN_KEY = "_found_generation"  # how many places were chosen in this session
FOUND_KEY = "_found_place"  # (place id, generation) of the place found: highlighted, flown to, its card opened once
CHANGE_PLACE_KEY = "_change_place"  # the place of the change selected in the change list
SENTINEL = "__mapdata__"
LAYERS_GEN_KEY = "_layers_gen"  # how many times the layers were chosen (see _choose_layers, _layers_from_map)
VISIBLE_KEY = "_visible"  # the forces shown (see _visible)
TABLET_MAX_WIDTH = 1200  # px: below this the map needs the sidebar's room; Streamlit's "auto" collapses only below 768

# Streamlit's initial_sidebar_state "auto" keeps the sidebar open down to 768 px, which leaves a
# 1024 px tablet's map 564 px wide. Once per page load, on a window narrower than
# TABLET_MAX_WIDTH, this collapses it with Streamlit's own button (so Streamlit knows, and the
# viewer reopens it the usual way), unless the viewer has already opened or closed the sidebar
# on this app (Streamlit keeps that choice in localStorage under "stSidebarCollapsed-…").
# Same-origin, inline: nothing is fetched.
_TABLET_SIDEBAR_JS = """<script>
(() => {
  if (window.__mapdataSidebarChecked) return;
  window.__mapdataSidebarChecked = true;
  if (window.innerWidth >= %(max_width)d) return;
  let chosen = false;
  try { chosen = Object.keys(window.localStorage).some((key) => key.startsWith("stSidebarCollapsed-")); } catch (e) {}
  if (chosen) return;
  const button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
  if (button && button.getAttribute("aria-expanded") === "true") button.click();
})();
</script>""" % {"max_width": TABLET_MAX_WIDTH}  # noqa: UP031 - JavaScript's braces would all need doubling


def force_key(force_id: str, gen: int | None = None) -> str:
    """The sidebar checkbox of a force, for the layer choice numbered ``gen`` (now, by default; see :func:`_visible`)."""
    return f"force_{force_id}@{st.session_state.get(LAYERS_GEN_KEY, 0) if gen is None else gen}"


def _visible(scenario: Scenario) -> tuple[str, ...]:
    """The forces shown, in the scenario's order. They live in VISIBLE_KEY, not in the checkboxes: a checkbox
    keeps the value its browser last drew, so a choice made elsewhere (Show all, the map's layer control)
    would be undone by a browser that had not redrawn it yet. Every new choice numbers the checkboxes anew."""
    chosen = st.session_state.get(VISIBLE_KEY)
    shown = set(chosen) if isinstance(chosen, (set, frozenset, tuple, list)) else {f.id for f in scenario.mapped_forces}
    return tuple(f.id for f in scenario.mapped_forces if f.id in shown)


def _choose_layers(force_ids: Iterable[str]) -> None:
    """A new choice of layers (sidebar or map): new checkboxes, and older map reports no longer count."""
    st.session_state[VISIBLE_KEY] = frozenset(force_ids)
    st.session_state[LAYERS_GEN_KEY] = st.session_state.get(LAYERS_GEN_KEY, 0) + 1


def _init_from_url(scenario: Scenario) -> None:
    """On a session's first run, take date, layers, view and event from the link."""
    if st.session_state.get("_view_initialised"):
        return
    params = {key: st.query_params.get_all(key) for key in st.query_params.keys()}
    view, warnings = parse_query(params, scenario)
    st.session_state[DATE_KEY] = view.day
    st.session_state[VISIBLE_KEY] = frozenset(view.forces)
    st.session_state["_initial_center"] = view.center
    st.session_state["_initial_zoom"] = view.zoom
    st.session_state["_center"] = view.center
    st.session_state["_zoom"] = view.zoom
    st.session_state[EVENT_KEY] = view.event_id
    st.session_state[SINCE_KEY] = view.since
    st.session_state[AREAS_KEY] = view.areas_on(scenario)
    st.session_state[NAMES_KEY] = view.names == "ar"
    st.session_state[AREAS_CHOSEN_KEY] = view.areas is not None
    st.session_state["_panels"] = st.session_state["_initial_panels"] = {k: getattr(view, k) for k in PANEL_FIELDS}
    st.session_state[URL_WARNINGS_KEY] = warnings  # shown until dismissed
    st.session_state["_view_initialised"] = True


def _layers_from_map() -> None:
    """The map's own layer control was used: tick or untick the same forces in the sidebar."""
    value = st.session_state.get(MAP_KEY) or {}
    layers = value.get("selected_layers") or []
    names = {layer.get("name") for layer in layers if isinstance(layer, dict) and layer.get("url") == "mapdata"}
    if SENTINEL not in names:
        return  # sent before the force layers were drawn: says nothing about them
    gens = [layer.get("gen") for layer in layers if isinstance(layer, dict) and layer.get("name") == SENTINEL]
    if gens and gens[0] != st.session_state.get(LAYERS_GEN_KEY, 0):
        return  # sent (debounced) before a later choice in the sidebar, e.g. Show all: that choice stands
    shown = {name for name in names if isinstance(name, str) and name != SENTINEL}
    if shown != set(st.session_state.get(VISIBLE_KEY) or ()):
        _choose_layers(shown)


def _select_event(table_key: str, event_ids: list[str]) -> None:
    if table_key != st.session_state.get("_events_table_key"):
        return  # a late report from a table no longer shown (cleared, or another day's)
    selection = st.session_state.get(table_key)
    rows = list(selection.selection.rows) if selection is not None else []
    st.session_state[EVENT_KEY] = event_ids[rows[0]] if rows and rows[0] < len(event_ids) else None


def _view(day: dt.date, visible: tuple[str, ...], event_id: str | None, since: dt.date | None = None) -> ViewState:
    """The view as the session holds it now (the map's centre, zoom and panels as it last reported them; control
    areas only when the link or the viewer chose them: otherwise the scenario's default stands)."""
    areas = st.session_state.get(AREAS_KEY) if st.session_state.get(AREAS_CHOSEN_KEY) else None
    return ViewState(
        areas=areas if isinstance(areas, bool) else None,
        names="ar" if st.session_state.get(NAMES_KEY) else None,
        day=day,
        forces=visible,
        center=st.session_state.get("_center"),
        zoom=st.session_state.get("_zoom"),
        event_id=event_id,
        since=since,
        **st.session_state.get("_panels", {}),
    )


def _since(scenario: Scenario, day: dt.date) -> dt.date | None:
    """The "Changes since" box in the sidebar: the earlier date to compare with, when it is before the day shown."""
    first, last = scenario.date_range
    with st.sidebar:
        st.subheader("Compare")
        chosen = st.date_input(
            "Changes since",
            min_value=first,
            max_value=last,
            key=SINCE_KEY,
            format="YYYY-MM-DD",
            on_change=_since_chosen,
            help="Pick an earlier date (the last brief's): the list under the map shows every place whose holder, "
            "status or forces present changed between that date and the date shown, with the reports behind it.",
        )
        if isinstance(chosen, dt.date):
            st.button("Stop comparing", key="since_clear", on_click=_stop_comparing, width="stretch")
    if not isinstance(chosen, dt.date):
        return None
    if chosen >= day:
        st.warning(
            f"“Changes since” {chosen.isoformat()} is not before the date shown ({day.isoformat()}): pick an "
            "earlier date to compare with. No comparison is shown."
        )
        return None
    return chosen


@st.cache_resource(show_spinner=False, max_entries=4)
def _finder(location: str, revision: int) -> PlaceFinder:
    """The place names folded for search, once per store revision."""
    del location, revision  # cache key
    return PlaceFinder(map_builder().scenario.places)


def _search(scenario: Scenario) -> str | None:
    """ "Find a place" (top of the sidebar): names matched as the geoparser matches them (English or Arabic, any
    spelling); choosing one flies the map to it with its card open. Returns the place chosen, if any."""
    # in the sidebar, above the rest: a row above the map would push the map below a laptop's fold
    sidebar = st.sidebar
    with sidebar:
        query = st.text_input(
            "Find a place",
            key=SEARCH_KEY,
            placeholder="al-Qusayr, Kusair, القصير…",
            help="Type a place's name in English or Arabic, in any common spelling; choose it to fly to it with "
            "its card open.",
            on_change=_search_changed,
        )
    chosen = st.session_state.get(FOUND_KEY)
    if not (query or "").strip():
        return chosen[0] if chosen else None
    matches = _finder(store_location(), reader().revision()).find(query)
    with sidebar:
        if not matches:
            st.caption(plain(f"No place matches “{query.strip()}”: try another spelling, or the Arabic name."))
        else:
            names = Counter(scenario.place_by_id[m.place_id].name_en for m in matches)

            def describe(place_id: str) -> str:
                place = scenario.place_by_id[place_id]
                text = place.name_en + (f" · {place.name_ar}" if place.name_ar else "")
                if names[place.name_en] > 1:  # namesakes: say where
                    lat, lon = place.anchor
                    text += f" ({lat:.2f}, {lon:.2f})"
                return label(text)

            key = f"found_{abs(hash(query)) % 10**8}"
            st.pills(
                "Places found",
                [m.place_id for m in matches],
                format_func=describe,
                key=key,
                on_change=_place_chosen,
                args=(key,),
                label_visibility="collapsed",
            )
    return chosen[0] if chosen else None


def _search_changed() -> None:
    st.session_state[FOUND_KEY] = None  # a new search: the old find no longer stands


def _place_chosen(key: str) -> None:
    place_id = st.session_state.get(key)
    if place_id:
        generation = st.session_state.get(FOUND_GEN_KEY, 0) + 1  # never reset: each choice opens its card once
        st.session_state[FOUND_GEN_KEY] = generation
        st.session_state[FOUND_KEY] = (place_id, generation)
        st.session_state[EVENT_KEY] = None  # the place found is what the map shows now
        st.session_state[CHANGE_PLACE_KEY] = None


def _since_chosen() -> None:
    """A "Changes since" date on or after the date shown is corrected (cleared), and a warning says so until
    dismissed (a callback: before the box is drawn again)."""
    chosen, day = st.session_state.get(SINCE_KEY), st.session_state.get(DATE_KEY)
    if isinstance(chosen, dt.date) and isinstance(day, dt.date) and chosen >= day:
        st.session_state[SINCE_KEY] = None
        st.session_state[INPUT_WARNINGS_KEY] = [
            *(st.session_state.get(INPUT_WARNINGS_KEY) or []),
            f"“Changes since” {chosen.isoformat()} is not before the date shown ({day.isoformat()}), so it was "
            "cleared: pick an earlier date to compare with.",
        ]


def _stop_comparing() -> None:
    st.session_state[SINCE_KEY] = None  # a callback: before the box is drawn again
    st.session_state[CHANGE_PLACE_KEY] = None


@st.cache_data(show_spinner="Comparing the two dates…", max_entries=32)
def _change_rows(location: str, revision: int, since: dt.date, day: dt.date, page: int | None = None) -> pd.DataFrame:
    """The change list between ``since`` and ``day`` (cached per store revision): page ``page`` (from 1) of
    CHANGE_PAGE rows, or all of it. Only the rows asked for are worked out (their reports and words)."""
    del location, revision  # cache key: a new revision means new data
    builder = map_builder()
    scenario = builder.scenario
    names = {f.id: f.name for f in scenario.forces}
    rows = []
    place_ids = None
    if page is not None:
        changed = builder.timeline.changed_between(since, day)
        place_ids = changed[(page - 1) * CHANGE_PAGE : page * CHANGE_PAGE]
    for change in compare(scenario, since=since, until=day, timeline=builder.timeline, place_ids=place_ids):
        latest = change.evidence[-1] if change.evidence else None
        rows.append(
            {
                "Place": scenario.place_by_id[change.place_id].name_en,
                "Change": change.kind,
                "From": status_words(change.before, names),
                "To": status_words(change.after, names),
                "Changed on": change.day.isoformat() if change.day else "",
                "What changed": change.summary(names),
                "Report": (
                    f"{latest.source.publisher}, {latest.event.date_label}"
                    + (f" — reported later ({latest.reported_label})" if latest.later else "")
                )
                if latest
                else "",
                "Quote": latest.event.quote if latest else "",
                "Verification": latest.event.verification_label if latest else "",
                "place_id": change.place_id,
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "Place",
            "Change",
            "From",
            "To",
            "Changed on",
            "What changed",
            "Report",
            "Quote",
            "Verification",
            "place_id",
        ],
    )


def _change_marks(since: dt.date | None, day: dt.date) -> dict[str, str]:
    """Compare mode: each changed place with how it changed (the ring's tooltip); none when not comparing."""
    if since is None:
        return {}
    rows = _change_rows(store_location(), reader().revision(), since, day)
    return {
        row["place_id"]: f"Changed since {since.isoformat()}: {row['What changed']}"
        + (f" (on {row['Changed on']})" if row["Changed on"] else "")
        for row in rows.to_dict("records")
    }


def _select_change(table_key: str, place_ids: list[str]) -> None:
    selection = st.session_state.get(table_key)
    rows = list(selection.selection.rows) if selection is not None else []
    st.session_state[CHANGE_PLACE_KEY] = place_ids[rows[0]] if rows and rows[0] < len(place_ids) else None


def _change_list(since: dt.date, day: dt.date) -> None:
    """Under the map: every place that changed between ``since`` and ``day``; selecting one highlights it."""
    builder = map_builder()  # here, not in the download's own thread (no script context there)
    total = len(builder.timeline.changed_between(since, day))
    st.markdown(f"#### Changes since {since:%A} {since.day} {since:%B %Y}")
    if not total:
        st.caption(
            f"No place changed holder, status or forces present between {since.isoformat()} and {day.isoformat()}."
        )
        return
    pages = -(-total // CHANGE_PAGE)
    page = 1
    if pages > 1:  # a page at a time: every rerun (every slider step) re-sends the rows shown
        page = int(
            st.number_input(
                f"Page (of {pages:,})", min_value=1, max_value=pages, value=1, step=1, key=f"changes_page_{since}"
            )
        )
    page = min(page, pages)  # a later date may have fewer pages than the box still says
    start = (page - 1) * CHANGE_PAGE
    shown = _change_rows(store_location(), reader().revision(), since, day, page)
    st.caption(
        f"{total:,} place{'s' if total != 1 else ''} changed between {since.isoformat()} and "
        f"{day.isoformat()}"
        + (f" (rows {start + 1:,} to {start + len(shown):,} shown)" if pages > 1 else "")
        + f". Evidence is as known on {day.isoformat()}; a report published later says so. "
        "Select a row to highlight its place. The CSV below (and `mapdata diff`) has them all."
    )
    st.download_button(
        "Download the change list (CSV)",
        data=partial(changes_csv, builder.scenario, since=since, until=day, timeline=builder.timeline),
        file_name=f"mapdata-changes-{since.isoformat()}-to-{day.isoformat()}.csv",
        mime="text/csv",
        key="changes_csv",
        icon=":material/download:",
    )
    place_ids = shown["place_id"].tolist()
    table_key = f"changes_{since.isoformat()}_{day.isoformat()}_{page}"
    st.dataframe(
        shown.drop(columns=["place_id"]),
        hide_index=True,
        key=table_key,
        on_select=lambda: _select_change(table_key, place_ids),
        selection_mode="single-row",
        width="stretch",
        column_config=fitted_columns(
            shown, ["Place", "Change", "From", "To", "Changed on", "Verification"], pinned="Place", wide=["Quote"]
        ),
    )


def _changes_note(builder: MapBuilder, day: dt.date) -> str:
    """' · N places changed since <the day before>' (the timeline's whole-map index answers it at once)."""
    before = day - dt.timedelta(days=1)
    first = builder.scenario.date_range[0]
    if before < first:
        return ""
    changed = len(builder.timeline.changed_between(before, day))
    return f" · {changed} place{'s' if changed != 1 else ''} changed since {before.day} {before:%B}"


def _checkbox_changed(force_id: str, gen: int) -> None:
    """A force's sidebar checkbox was ticked or unticked. A checkbox drawn for an older choice (its browser
    had not redrawn it yet) does not count: the later choice stands."""
    if gen != st.session_state.get(LAYERS_GEN_KEY, 0):
        return
    shown = set(st.session_state.get(VISIBLE_KEY) or ())
    if st.session_state.get(force_key(force_id, gen)):
        shown.add(force_id)
    else:
        shown.discard(force_id)
    _choose_layers(shown)


def _sidebar(builder: MapBuilder, view: ViewState) -> None:
    scenario = builder.scenario
    force_ids = tuple(force.id for force in scenario.mapped_forces)
    with st.sidebar:
        st.subheader("Forces")
        st.caption("Toggle layers here or in the map's layer control; both stay in step.")
        gen = st.session_state.get(LAYERS_GEN_KEY, 0)
        for force in scenario.mapped_forces:
            st.checkbox(
                label(force.name),
                value=force.id in view.forces,
                key=force_key(force.id, gen),  # a label
                on_change=_checkbox_changed,
                args=(force.id, gen),
            )  # renders Markdown: the name is text
        all_on, all_off = st.columns(2)
        all_on.button("Show all", width="stretch", key="forces_show_all", on_click=_choose_layers, args=(force_ids,))
        all_off.button("Hide all", width="stretch", key="forces_hide_all", on_click=_choose_layers, args=((),))
        st.toggle(
            "Control areas",
            key=AREAS_KEY,
            on_change=_areas_chosen,
            help=f"Shade the territory nearest each place in the colour of the force holding it. {AREAS_METHOD} "
            f"On by default above {AREAS_DEFAULT_ABOVE:,} places, where markers overlap.",
        )
        st.toggle(
            "Arabic place names",
            key=NAMES_KEY,
            help="Write the places' names on the map in Arabic where the gazetteer has them (else in English).",
        )
        st.html(_TABLET_SIDEBAR_JS, unsafe_allow_javascript=True, width="content")


def _areas_chosen() -> None:
    st.session_state[AREAS_CHOSEN_KEY] = True  # the viewer's choice: the link keeps it


def _shares(builder: MapBuilder, day: dt.date, visible: tuple[str, ...]) -> None:
    """Beside the map, with control areas on: each shown force's places and derived area on the date."""
    shares = [s for s in builder.areas.shares(builder.timeline.index, day) if s.force_id in visible]
    names = {f.id: f.name for f in builder.scenario.forces}
    st.markdown("#### Held on this date")
    st.caption(AREAS_METHOD + f" Shares are of the {len(builder.areas.rows):,} places with an area.")
    if not shares:
        st.caption("No shown force holds a place on this date.")
        return
    table = pd.DataFrame(
        [
            {
                "Force": names[s.force_id],
                "Places": s.places,
                "Contested": s.contested,
                "Share of places": s.place_share,
                "Area (km²)": round(s.area_km2),
                "Share of area": s.area_share,
            }
            for s in shares
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        key="shares",
        width="stretch",
        column_config={
            "Share of places": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
            "Share of area": st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1),
            "Area (km²)": st.column_config.NumberColumn(format="localized"),
        },
    )


@st.cache_data(show_spinner="Counting control over time…", max_entries=8)
def _control_series(location: str, revision: int, with_area: bool) -> tuple[pd.DataFrame, bool]:
    """Places (and area) held per force over the scenario's dates, once per store revision."""
    del location, revision  # cache key
    builder = map_builder()
    series = control_over_time(builder.timeline, areas=builder.areas if with_area else None)
    frame = pd.DataFrame(
        [(r.day, r.force_id, r.places, round(r.area_km2)) for r in series.rows],
        columns=["day", "force_id", "places", "area_km2"],
    )
    return frame, series.exact


def _control_chart(builder: MapBuilder, day: dt.date, visible: tuple[str, ...], *, with_area: bool) -> None:
    """Under the map: a step chart of places (and area) held by each shown force, the slider's date marked."""
    import altair as alt  # loaded with the first chart, not with the app

    frame, exact = _control_series(store_location(), reader().revision(), with_area)
    scenario = builder.scenario
    frame = frame[frame["force_id"].isin(visible)]
    st.markdown("#### Control over time")
    if frame.empty:
        st.caption("No shown force holds a place on any date of the scenario.")
        return
    forces = [f for f in scenario.mapped_forces if f.id in set(frame["force_id"])]
    frame = frame.assign(Force=frame["force_id"].map({f.id: f.name for f in forces}))
    colour = alt.Color(
        "Force:N",
        scale=alt.Scale(domain=[f.name for f in forces], range=[f.colour for f in forces]),
        legend=alt.Legend(orient="bottom", title=None, columns=3),
    )
    marker = (
        alt.Chart(pd.DataFrame({"day": [pd.Timestamp(day)]}))
        .mark_rule(color="#111111", strokeDash=[4, 3])
        .encode(x="day:T")
    )
    measures = [("places", "Places held")] + ([("area_km2", "Area held (km², derived)")] if with_area else [])
    charts = []
    for column, title in measures:
        line = (
            alt.Chart(frame)
            .mark_line(interpolate="step-after", strokeWidth=2)
            .encode(
                x=alt.X("day:T", title=None),
                y=alt.Y(f"{column}:Q", title=title),
                color=colour,
                tooltip=[alt.Tooltip("day:T", title="From"), "Force:N", alt.Tooltip(f"{column}:Q", title=title)],
            )
        )
        charts.append((line + marker).properties(height=220))
    st.altair_chart(alt.vconcat(*charts) if len(charts) > 1 else charts[0], width="stretch")
    st.caption(
        f"The dashed line is the date shown ({day.isoformat()}). "
        + ("Counted on every day holdings change." if exact else "Counted on evenly spaced days across the scenario.")
        + (f" {AREAS_METHOD}" if with_area else "")
    )


def _share_box(scenario: Scenario, view: ViewState) -> None:
    with st.sidebar:
        st.subheader("Share this view")
        base = st.context.url or ""
        link = share_url(base or "", view, scenario)
        st.caption("Opening this link shows this date, these layers and this map view.")
        st.code(link, language=None, wrap_lines=True)


EXPORT_FORMATS: dict[str, tuple[Format, str]] = {
    "GeoJSON": ("geojson", "application/geo+json"),
    "CSV": ("csv", "text/csv"),
    "KML": ("kml", "application/vnd.google-earth.kml+xml"),
    "GeoPackage": ("gpkg", "application/geopackage+sqlite3"),
}


@st.cache_data(show_spinner="Preparing the download…", max_entries=16)
def _export_bytes(location: str, revision: int, fmt: Format, day: dt.date, forces: tuple[str, ...]) -> bytes:
    del location, revision  # cache key: a new revision means new data
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"export.{fmt}"
        export(map_builder().scenario, fmt=fmt, out=out, day=day, forces=list(forces))
        return out.read_bytes()


def _download_box(view: ViewState) -> None:
    with st.sidebar:
        st.subheader("Download this view")
        st.caption("The places shown for this date and these layers, with their sources, quotes and verification.")
        label = st.selectbox("Format", list(EXPORT_FORMATS), key="export_format")
        fmt, mime = EXPORT_FORMATS[label]
        location, revision = store_location(), reader().revision()
        st.download_button(
            f"Download {label}",
            # made only when clicked (in its own thread), so slider steps never pay for an export
            data=lambda: _export_bytes(location, revision, fmt, view.day, view.forces),
            file_name=f"mapdata-{view.day.isoformat()}.{fmt}",
            mime=mime,
            width="stretch",
            key="export_download",
        )


@st.cache_data(show_spinner="Drawing the briefing…", max_entries=8)
def _brief_bytes(location: str, revision: int, fmt: BriefFormat, request: BriefRequest) -> bytes:
    del location, revision  # cache key: a new revision means new data
    builder = map_builder()
    areas = builder.areas if request.with_areas(builder.scenario) else None
    return brief_bytes(builder.scenario, request, fmt=fmt, timeline=builder.timeline, areas=areas)


def _brief_box(view: ViewState, scenario: Scenario) -> None:
    """The briefing to hand over: PNG (a 16:9 slide) and PDF (A4 landscape, with the change list or events)."""
    with st.sidebar:
        st.subheader("Briefing")
        st.caption(
            "The map of this date and these layers with its legend, scale, north arrow and sources; in compare mode "
            "it marks the changes. The PDF adds the change list (or the events up to the date) with every report."
        )
        whole = st.toggle(
            "Whole area of the places shown",
            key="brief_whole",
            value=view.center is None,
            help="Off: the briefing shows the area the map shows now. On: every place of the chosen layers.",
        )
        bbox = None if whole or view.center is None or view.zoom is None else view_bbox(view.center, view.zoom)
        request = BriefRequest(
            day=view.day,
            since=view.since,
            forces=view.forces,
            bbox=bbox,
            areas=view.areas_on(scenario),
            names=view.names or "en",  # as the map writes them
        )
        location, revision = store_location(), reader().revision()
        columns = st.columns(2)
        formats: tuple[BriefFormat, ...] = ("png", "pdf")
        for column, fmt in zip(columns, formats, strict=True):

            def make(fmt: BriefFormat = fmt) -> bytes:
                return _brief_bytes(location, revision, fmt, request)

            column.download_button(
                f"{fmt.upper()}",
                data=make,  # drawn only when clicked (in its own thread), so slider steps never pay for a briefing
                file_name=brief_name(request, fmt),
                mime=BRIEF_MIME[fmt],
                width="stretch",
                key=f"brief_{fmt}",
                icon=":material/download:",
                help="A 16:9 slide (1920 × 1080 pixels)" if fmt == "png" else "A4 landscape, with the list pages",
            )


def _states_table(builder: MapBuilder, day: dt.date, *, limit: int) -> pd.DataFrame:
    scenario = builder.scenario
    rows = []
    for place in scenario.places[:limit]:
        state = builder.timeline.state(place.id, day)
        rows.append(
            {
                "Place": place.name_en,
                "Arabic": place.name_ar,
                "Status": state.status.value,
                "Controlling force": scenario.force_by_id[state.force].name if state.force else "",
                "Since": state.since.isoformat() if state.since else ("before the first report" if state.force else ""),
                "Forces present": ", ".join(scenario.force_by_id[f].name for f in state.forces_present),
                "place_id": place.id,
            }
        )
    return pd.DataFrame(rows)


# Column widths. Left to itself the grid squeezes its columns into the page's width, and cut
# "Syrian regime forces (Assad)" to "Syrian regime forces (": the short columns (names, dates,
# statuses) are made wide enough for their longest value, up to MAX_FITTED_COLUMN_PX; the free
# text columns are wide; the first column stays in view when the table scrolls sideways.
CHAR_PX = 6.6  # at the grid's 14 px font, a little wider than an average character (the estimate errs wide)
CELL_PADDING_PX = 20
MAX_FITTED_COLUMN_PX = 360


def text_column_px(texts: Iterable[str], *, minimum: int = 70) -> int:
    """A column width (px) in which each of ``texts`` fits on one line (up to MAX_FITTED_COLUMN_PX)."""
    longest = max((len(text) for text in texts), default=0)
    return min(max(minimum, round(longest * CHAR_PX) + CELL_PADDING_PX), MAX_FITTED_COLUMN_PX)


def fitted_columns(
    frame: pd.DataFrame, fitted: Iterable[str], *, pinned: str | None = None, wide: Iterable[str] = ()
) -> dict[str, Any]:
    """Column settings: ``fitted`` columns as wide as their longest value (or header), ``wide`` ones large."""
    text = st.column_config.TextColumn
    config: dict[str, Any] = {name: text(width="large") for name in wide}
    for name in fitted:
        values = frame[name].astype(str).tolist() if name in frame else []
        config[name] = text(width=text_column_px([name, *values]), pinned=name == pinned or None)
    return config


def _event_filter(scenario: Scenario, day: dt.date) -> EventFilter:
    """The filters above the events table: force, event type, verification, dates (none chosen: all events)."""
    events = scenario.events_until(day)
    names = {f.id: f.name for f in scenario.forces}
    forces_in = [f.id for f in scenario.forces if any(f.id in e.force_ids for e in events)]
    first = scenario.date_range[0]
    with st.expander("Filter the events", expanded=False):
        c1, c2, c3 = st.columns(3)
        forces = c1.multiselect(
            "Force", forces_in, format_func=lambda f: label(names.get(f) or str(f)), key="events_forces"
        )
        kinds = c2.multiselect("Event type", sorted({e.kind for e in events}), key="events_kinds")
        verifications = c3.multiselect("Verification", [v.value for v in Verification], key="events_verification")
        span = st.date_input(
            "Dated between", value=(first, day), min_value=first, max_value=day, key=f"events_dates_{day.isoformat()}"
        )
    start, end = (span[0], span[-1]) if isinstance(span, (tuple, list)) and span else (None, None)
    return EventFilter(frozenset(forces), frozenset(kinds), frozenset(verifications), start, end)


def _events_table(
    scenario: Scenario, day: dt.date, *, limit: int, chosen: EventFilter | None = None
) -> tuple[pd.DataFrame, list[str]]:
    events = (chosen or EventFilter())(scenario.events_until(day))[-limit:]
    rows = [
        {
            "Date": event.date_label,
            "Event": event.summary,
            "Places": ", ".join(scenario.place_by_id[p].name_en for p in event.place_ids),
            "Forces": ", ".join(scenario.force_by_id[f].name for f in event.force_ids),
            "Verification": event.verification_label,
            "Source": scenario.source_by_id[event.source_id].publisher,
            "Quote": event.quote,
            "Date note": event.date_note,
        }
        for event in events
    ]
    return pd.DataFrame(rows), [event.id for event in events]


def render() -> None:
    builder = map_builder()
    scenario = builder.scenario
    _init_from_url(scenario)
    _link_warnings()

    first, last = scenario.date_range
    st.markdown("### " + plain(scenario.title))
    slider_column, typed_column = st.columns([5, 1], vertical_alignment="bottom")
    with slider_column:
        day = st.slider(
            "Date",
            min_value=first,
            max_value=last,
            step=dt.timedelta(days=1),
            key=DATE_KEY,
            format="ddd D MMM YYYY",
            help="Daily steps across the scenario. The map shows who held what on this day.",
        )
    with typed_column:
        # Any plausible date is let through (the box's own range check is a tooltip few see): _date_typed
        # moves to the nearest day of the scenario and says so under the slider.
        box_key = date_box_key(day)
        st.date_input(
            "Go to date",
            value=day,
            min_value=TYPED_DATE_RANGE[0],
            max_value=TYPED_DATE_RANGE[1],
            key=box_key,
            format="YYYY-MM-DD",
            on_change=_date_typed,
            args=(box_key, first, last),
            help=f"Type a date (YYYY-MM-DD) or pick one; the scenario runs from {first.isoformat()} to "
            f"{last.isoformat()}. A typed date applies when the calendar closes (Esc, or click elsewhere).",
        )
    date_note = st.session_state.get(DATE_NOTE_KEY)
    if date_note:
        st.caption(date_note)  # our own words and ISO dates: no Markdown in it
    visible = _visible(scenario)
    event_id = st.session_state.get(EVENT_KEY)
    if event_id and (event_id not in scenario.event_by_id or scenario.event_by_id[event_id].date > day):
        event_id = None
    found = _search(scenario)
    since = _since(scenario, day)
    changes_note = (
        f" · {len(builder.timeline.changed_between(since, day)):,} places changed since {since.isoformat()}"
        if since
        else _changes_note(builder, day)
    )
    st.caption(
        f"As of {day:%A} {day.day} {day:%B %Y} · {len(visible)} of {len(scenario.mapped_forces)} force layers shown"
        + changes_note
    )
    _sidebar(builder, _view(day, visible, event_id, since))

    change_place = st.session_state.get(CHANGE_PLACE_KEY) if since else None
    open_card = None
    if event_id:
        highlight: tuple[str, ...] = tuple(scenario.event_by_id[event_id].place_ids)
    elif change_place in scenario.place_by_id:
        highlight = (change_place,)
    elif found in scenario.place_by_id:
        highlight = (found,)
        open_card = st.session_state[FOUND_KEY]
    else:
        highlight = ()
    initial_center = st.session_state.get("_initial_center")
    result = st_folium(
        builder.base_map(panels=st.session_state.get("_initial_panels")),
        key=MAP_KEY,
        feature_group_to_add=builder.force_layers(
            day,
            visible=visible,
            highlight=highlight,
            layers_gen=st.session_state.get(LAYERS_GEN_KEY, 0),
            changes=None if builder.client else _change_marks(since, day),
            since=since,
            areas=bool(st.session_state.get(AREAS_KEY)),
            open_card=open_card,
            names="ar" if st.session_state.get(NAMES_KEY) else "en",
            follow=DATE_SLIDER_SELECTOR,
        ),
        center=list(initial_center) if initial_center else None,
        zoom=st.session_state.get("_initial_zoom"),
        returned_objects=["center", "zoom", "selected_layers"],
        use_container_width=True,
        height=620,
        on_change=_layers_from_map,
    )
    _remember_view(result)
    view = _view(day, visible, event_id, since)
    st.query_params.from_dict(to_query(view, scenario))
    if st.session_state.get(AREAS_KEY):
        _shares(builder, day, visible)
    _share_box(scenario, view)
    _brief_box(view, scenario)
    _download_box(view)
    if since is not None and (
        not builder.client
        or st.toggle(
            "Show the change list",
            key="show_changes",
            value=False,
            help="Large scenario: off by default, so that slider steps in compare mode stay light (the map rings "
            "and fades the changes either way; the briefing PDF and `mapdata diff` list them).",
        )
    ):
        _change_list(since, day)

    if not builder.client or st.toggle(
        "Show control over time",
        key="show_history",
        value=False,
        help="Large scenario: off by default (the first view counts every date).",
    ):
        _control_chart(builder, day, visible, with_area=bool(st.session_state.get(AREAS_KEY)))

    if builder.client and not st.toggle(
        "Show the tables of places and events",
        key="show_tables",
        value=False,
        help="Large scenario: the tables are off by default so that slider steps stay light.",
    ):
        return
    st.markdown("#### Control on this date")
    states = _states_table(builder, day, limit=TABLE_ROWS)
    if len(scenario.places) > TABLE_ROWS:
        st.caption(f"The first {TABLE_ROWS:,} of {len(scenario.places):,} places; download the view for all of them.")
    st.dataframe(
        states.drop(columns=["place_id"]),
        hide_index=True,
        key="states",
        width="stretch",
        column_config=fitted_columns(
            states, ["Place", "Status", "Controlling force", "Since", "Forces present"], pinned="Place"
        ),
    )

    st.markdown("#### Events up to this date")
    st.caption("Select an event to highlight its place on the map; every event carries its quote and how sure it is.")
    chosen = _event_filter(scenario, day)
    events, event_ids = _events_table(scenario, day, limit=TABLE_ROWS, chosen=chosen)
    total = len(chosen(scenario.events_until(day)))
    if total > TABLE_ROWS:
        st.caption(f"The latest {TABLE_ROWS:,} of {total:,} events up to this date.")
    elif total != len(scenario.events_until(day)):
        st.caption(f"{total:,} of {len(scenario.events_until(day)):,} events up to this date match the filters.")
    table_key = (  # new key (another day, filter or generation): a new, unticked table
        f"events_{day.isoformat()}_{st.session_state.get('_events_table_generation', 0)}_{abs(hash(chosen)) % 10**8}"
    )
    st.session_state["_events_table_key"] = table_key
    selection_default: DataframeStateInput | None = (
        {"selection": {"rows": [event_ids.index(event_id)]}} if event_id in event_ids else None
    )
    st.dataframe(
        events,
        hide_index=True,
        key=table_key,
        on_select=lambda: _select_event(table_key, event_ids),
        selection_mode="single-row",
        selection_default=selection_default,
        width="stretch",
        column_config=fitted_columns(
            events, ["Date", "Places", "Forces", "Verification", "Source"], wide=["Event", "Quote"]
        ),
    )
    if event_id:
        event = scenario.event_by_id[event_id]
        source = scenario.source_by_id[event.source_id]
        with st.container(border=True):
            st.markdown(f"**Selected:** {event.date_label} — " + plain(event.summary))
            st.text(f"“{event.quote}”")
            st.caption(plain(f"{source.publisher}, {source.title}. Verification: {event.verification_label}."))
            if event.date_note:
                st.caption(plain(f"Date: {event.date_note}"))
            st.button("Clear selection", on_click=_clear_event)


def date_box_key(day: dt.date) -> str:
    """The key of the "Go to date" box while the slider shows ``day`` (a new box, too, after it was emptied)."""
    return f"{DATE_INPUT_KEY}:{day.isoformat()}:{st.session_state.get(DATE_BOX_GEN_KEY, 0)}"


def _date_typed(key: str, first: dt.date, last: dt.date) -> None:
    """A date was typed or picked in the box: move the slider there (a callback, before the slider is drawn);
    a date outside the scenario moves to its nearest day, and a note under the slider says so."""
    if not isinstance(st.session_state.get(DATE_KEY), dt.date) or key != date_box_key(st.session_state[DATE_KEY]):
        # The box of a day the slider has left: Streamlit calls back for it when a message sent before the last
        # rerun arrived (keys pressed on the slider faster than the server answers). Nothing was typed.
        return
    typed = st.session_state.get(key)
    st.session_state[DATE_NOTE_KEY] = None
    if not isinstance(typed, dt.date):  # emptied: a new box shows the slider's date again
        st.session_state[DATE_BOX_GEN_KEY] = st.session_state.get(DATE_BOX_GEN_KEY, 0) + 1
        return
    day = min(max(typed, first), last)
    if day != typed:
        where = "before the scenario begins" if typed < first else "after the scenario ends"
        st.session_state[DATE_NOTE_KEY] = f"{typed.isoformat()} is {where}: showing {day:%A} {day.day} {day:%B %Y}."
    st.session_state[DATE_KEY] = day


def _link_warnings() -> None:
    """What the opened link asked for and could not have, and choices that were corrected: shown until the viewer
    dismisses them."""
    link = st.session_state.get(URL_WARNINGS_KEY) or []
    corrected = st.session_state.get(INPUT_WARNINGS_KEY) or []
    if not link and not corrected:
        return
    with st.container(key="link_warnings"):
        if link:
            lines = "\n".join(f"- {label(warning)}" for warning in link)
            st.warning(
                f"Parts of the link you opened could not be used, so the view and its link were corrected:\n\n{lines}",
                icon="⚠️",
            )
        for warning in corrected:
            st.warning(label(warning), icon="⚠️")
        st.button("Dismiss", key="dismiss_link_warnings", on_click=_dismiss_link_warnings)


def _dismiss_link_warnings() -> None:
    st.session_state[URL_WARNINGS_KEY] = []
    st.session_state[INPUT_WARNINGS_KEY] = []


def _clear_event() -> None:
    """Forget the selected event and untick its row (the old table would send its selection again)."""
    st.session_state[EVENT_KEY] = None
    st.session_state["_events_table_generation"] = st.session_state.get("_events_table_generation", 0) + 1


def _remember_view(result: Any) -> None:
    if not isinstance(result, dict):
        return
    layers = result.get("selected_layers") or []
    if not any(isinstance(layer, dict) and layer.get("name") == SENTINEL for layer in layers):
        return  # sent as the map was created, before it took the link's view (as in _layers_from_map)
    st.session_state["_panels"] = {**st.session_state.get("_panels", {}), **panels_from_map(layers)}
    center, zoom = result.get("center"), result.get("zoom")
    # Only what the browser reported: before that, the link's (or the default) view stands.
    if isinstance(center, dict) and "lat" in center and "lng" in center and isinstance(zoom, (int, float)):
        st.session_state["_center"] = (round(float(center["lat"]), 5), round(float(center["lng"]), 5))
        st.session_state["_zoom"] = int(zoom)


__all__ = ["render", "STATUS_LABELS"]
