"""The "Add a report" page: paste or upload a report, review what the parser found, save.

Nothing in the scenario changes until "Save" — and then only if the whole result
validates (the store applies the changes in one validated transaction, or none).

Limits that keep one visitor from exhausting the server (see docs/deployment.md):

- a text of at most :data:`~mapdata.text.extract.PAGE_MAX_CHARS` characters, analysed in pieces
  and stopped after :data:`ANALYSIS_SECONDS`;
- at most :data:`ANALYSIS_SLOTS` analyses at a time per server process (another one gets
  "busy, try again", it does not queue);
- viewers analyse only where the deployment allows it (``MAPDATA_VIEWER_ANALYSIS``);
- results are held by the server, not in the session: the last :data:`RESULTS_KEPT`
  analyses per process; an older one is dropped (its page says to analyse again).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import secrets
import threading
from collections import OrderedDict
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from mapdata.config import settings
from mapdata.map.colours import suggest_colour
from mapdata.map.mapview import preview_layers
from mapdata.model.errors import ScenarioError
from mapdata.model.models import DatePrecision, Role, Scenario, Verification
from mapdata.store import ConflictError, StoreError, changes_between
from mapdata.text.extract import PAGE_MAX_CHARS, ExtractError, Pipeline, group_warnings, read_report
from mapdata.text.highlight import highlight_html, legend_html
from mapdata.text.mentions import Extraction, PlaceMention
from mapdata.text.review import ReportMeta, ReviewError, apply_report, new_force
from mapdata.text.reviewtables import (
    EVENT_COLUMNS,
    PERIOD_COLUMNS,
    PLACE_COLUMNS,
    country_name,
    decisions_from_tables,
    event_labels,
    force_names,
    mention_key,
    place_labels,
    same_cell,
)
from mapdata.ui import map_builder, plain, store_location, writer
from mapdata.ui.auth import Editor, how_to_edit, sign_in_box

STATE = "report_review"
PICK_KEY = "report_pick"
PUBLISHER_KEY = "report_save_publisher"
TITLE_KEY = "report_save_title"

ANALYSIS_SLOTS = 2
"""Analyses one server process runs at the same time; one more is told the server is busy."""
ANALYSIS_SECONDS = 60.0
"""An analysis is stopped (with a message) after this long."""
RESULTS_KEPT = 8
"""Analyses a server process keeps for review (across all sessions); the oldest is dropped first."""
PAGE_ROWS = 50
"""Rows per page of the review tables."""
WARNINGS_LISTED = 200
"""Warnings of one kind listed in full; the rest are counted."""

_SLOTS = threading.BoundedSemaphore(ANALYSIS_SLOTS)


class _Results:
    """The analyses under review, held once per server process and bounded (not one copy per session)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._items: OrderedDict[str, Extraction] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, extraction: Extraction) -> str:
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._items[token] = extraction
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
        return token

    def get(self, token: Any) -> Extraction | None:
        with self._lock:
            if not isinstance(token, str) or token not in self._items:
                return None
            self._items.move_to_end(token)
            return self._items[token]

    def drop(self, token: Any) -> None:
        with self._lock:
            if isinstance(token, str):
                self._items.pop(token, None)


RESULTS = _Results(RESULTS_KEPT)


@st.cache_resource(show_spinner="Loading the gazetteer and lexicons…", max_entries=2)
def _pipeline(location: str, fingerprint: int) -> Pipeline:
    del fingerprint  # a new scenario (new places, forces) gets a new pipeline
    return Pipeline.build(map_builder().scenario)


def _current_pipeline() -> Pipeline:
    return _pipeline(store_location(), id(map_builder()))


def _with_names(summary: str, forces: dict[str, str]) -> str:
    """A proposal's summary with force ids ("syrian_regime deploy …") replaced by the forces' names."""
    if not forces:
        return summary
    pattern = re.compile(
        r"(?<![\w-])(" + "|".join(re.escape(f) for f in sorted(forces, key=len, reverse=True)) + r")(?![\w-])"
    )
    return pattern.sub(lambda m: forces[m.group(1)], summary)


def _analysis_allowed(editor: Editor | None) -> bool:
    return editor is not None or settings().viewer_analysis


def _form(editor: Editor | None) -> None:
    if not _analysis_allowed(editor):
        st.info("On this server only editors analyse reports (`MAPDATA_VIEWER_ANALYSIS` is off). " + how_to_edit())
        return
    with st.form("report_form", border=True):
        text = st.text_area(
            f"Report text (at most {PAGE_MAX_CHARS:,} characters)", height=220, placeholder="Paste the report here…"
        )
        upload = st.file_uploader("…or upload a plain-text file (.txt, UTF-8)", type=["txt"])
        c1, c2, c3 = st.columns(3)
        publisher = c1.text_input(
            "Publisher (required)",
            placeholder="e.g. Enab Baladi",
            help="Needed to save the events: who published the report.",
        )
        title = c2.text_input("Title (required)", help="Needed to save the events: the report's title.")
        published = c3.date_input(
            "Publication date", value=None, help="Leave empty if unknown: the year is then inferred."
        )
        url = st.text_input("URL (optional)")
        submitted = st.form_submit_button("Analyse", type="primary")
    if not submitted:
        return
    meta = {"publisher": publisher.strip(), "title": title.strip(), "published": published, "url": url.strip()}
    _forget_review()
    try:
        if upload is not None:
            if upload.size > 4 * PAGE_MAX_CHARS:
                raise ExtractError(
                    f"{upload.name} is {upload.size:,} bytes; the limit here is {PAGE_MAX_CHARS:,} "
                    "characters: split the report into parts and add them one by one"
                )
            body = read_report(upload.getvalue(), name=upload.name)
        else:
            body = text
        extraction = _analyse(body, published if isinstance(published, dt.date) else None)
    except ExtractError as exc:
        st.error(f"Cannot analyse this report: {plain(str(exc))}")
        return
    if extraction is None:
        return
    st.session_state[STATE] = {"token": RESULTS.put(extraction), "meta": meta}
    st.session_state[PUBLISHER_KEY] = meta["publisher"]
    st.session_state[TITLE_KEY] = meta["title"]


def _analyse(body: str, published: dt.date | None) -> Extraction | None:
    """Run the pipeline within the limits; None (with a message) when the server is busy."""
    if isinstance(body, str) and len(body) > PAGE_MAX_CHARS:  # refused before taking a slot or building anything
        raise ExtractError(
            f"the text has {len(body):,} characters; the limit here is {PAGE_MAX_CHARS:,}: "
            "split the report into parts and add them one by one"
        )
    pipeline = _current_pipeline()
    if not _SLOTS.acquire(blocking=False):
        st.warning(
            f"The server is busy analysing other reports (at most {ANALYSIS_SLOTS} at a time): try again in a minute."
        )
        return None
    try:
        with st.spinner("Analysing the report…"):
            return pipeline.extract(body, published=published, max_chars=PAGE_MAX_CHARS, time_limit=ANALYSIS_SECONDS)
    finally:
        _SLOTS.release()


def _forget_review() -> None:
    review = st.session_state.get(STATE)
    if isinstance(review, dict):
        RESULTS.drop(review.get("token"))
    for key in [k for k in st.session_state.keys() if isinstance(k, str) and k.startswith("_report_edits_")]:
        del st.session_state[key]
    for key in (STATE, "_report_moves", "_report_last_click"):
        st.session_state.pop(key, None)


def _places_frame(extraction: Extraction, labels: dict[str, str]) -> pd.DataFrame:
    rows = []
    for index, m in enumerate(extraction.places):
        rows.append(
            {
                "use": m.kind != "country",
                "mention": m.text,
                "at": f"{m.start}–{m.end}",
                "resolved as": labels[mention_key(m)],
                "lat": round(m.lat, 5),
                "lon": round(m.lon, 5),
                "kind": m.kind.replace("_", " "),
                "confidence": round(m.confidence, 2),
                "why": m.reason,
                "other readings": ", ".join(f"{c.name} ({country_name(c.country)})" for c in m.candidates[1:4]),
                "key": mention_key(m),
                "index": index,
            }
        )
    return pd.DataFrame(rows, columns=list(PLACE_COLUMNS))


def _worth_accepting(event: Any) -> bool:
    """Ticked by default: confident, dated, and about a place smaller than a country."""
    return event.confidence >= 0.5 and event.date is not None and any(m.kind != "country" for m in event.place_mentions)


def _events_frame(extraction: Extraction, scenario: Scenario, labels: dict[str, str]) -> pd.DataFrame:
    forces = force_names(scenario)
    events = event_labels(extraction.events)
    rows = []
    for event in extraction.events:
        rows.append(
            {
                "accept": _worth_accepting(event),
                "event": events[event.id],
                "date": event.date,
                "precision": event.date_precision.value,
                "places": [labels[mention_key(m)] for m in event.place_mentions],
                "forces": [forces.get(f, f) for f in event.forces],
                "kind": event.kind,
                "summary": _with_names(event.summary, forces),
                "verification": event.verification.value,
                "claimed by": event.claimed_by,
                "confidence": round(event.confidence, 2),
                "quote": event.quote,
                "warnings": "; ".join(event.warnings),
                "id": event.id,
            }
        )
    return pd.DataFrame(rows, columns=list(EVENT_COLUMNS))


def _periods_frame(extraction: Extraction, scenario: Scenario, labels: dict[str, str]) -> pd.DataFrame:
    forces = force_names(scenario)
    events = event_labels(extraction.events)
    rows = []
    for event in extraction.events:
        mention_for = {(m.place_id or m.entry_id): m for m in event.place_mentions}
        for period in event.periods:
            mention = mention_for.get(period.place_id)
            key = mention_key(mention) if mention else period.place_id
            rows.append(
                {
                    "accept": _worth_accepting(event),
                    "event": events[event.id],
                    "place": labels.get(key, key),
                    "force": forces.get(period.force, period.force),
                    "role": period.role.value,
                    "start": period.start,
                    "end": period.end,
                }
            )
    return pd.DataFrame(rows, columns=list(PERIOD_COLUMNS))


def _paged_editor(name: str, frame: pd.DataFrame, *, scope: str, dynamic: bool = False, **options: Any) -> pd.DataFrame:
    """A data editor showing :data:`PAGE_ROWS` rows at a time; edits on every page are kept (in the session, as
    the changed cells only) and the whole table with them is returned.

    ``scope`` names the analysis: its widgets' keys end with it, so a new analysis gets new widgets and never
    the browser's edits or page number from the previous one (Streamlit keeps a keyed widget's value across
    reruns whatever the table holds)."""
    columns = list(frame.columns)
    base = frame.to_dict("records")
    pages = max(1, math.ceil(len(base) / PAGE_ROWS))
    if dynamic and pages == 1:  # small enough to add and delete rows in place
        return st.data_editor(frame, key=f"report_{name}@{scope}", num_rows="dynamic", **options)
    edits = st.session_state.setdefault(f"_report_edits_{name}", {})
    if not isinstance(edits, dict):
        edits = st.session_state[f"_report_edits_{name}"] = {}
    rows = [dict(row, **edits.get(index, {})) for index, row in enumerate(base)]
    page = 0
    if pages > 1:
        page = (
            int(
                st.number_input(
                    f"Page (of {pages:,}; {PAGE_ROWS} rows each, {len(base):,} in all)",
                    min_value=1,
                    max_value=pages,
                    value=1,
                    step=1,
                    key=f"report_{name}_page@{scope}",
                )
            )
            - 1
        )
    low, high = page * PAGE_ROWS, min(len(base), (page + 1) * PAGE_ROWS)
    edited = st.data_editor(
        pd.DataFrame(rows[low:high], columns=columns), key=f"report_{name}_{page}@{scope}", **options
    )
    for offset, record in enumerate(edited.to_dict("records")):
        index = low + offset
        changes = {c: v for c, v in record.items() if not same_cell(v, base[index][c])}
        if changes:
            edits[index] = changes
        else:
            edits.pop(index, None)
        rows[index] = base[index] | changes
    return pd.DataFrame(rows, columns=columns)


def _show_warnings(extraction: Extraction) -> None:
    """One box per kind of warning, with its count and an example; every warning in an expander."""
    groups = group_warnings(extraction.warnings)
    for kind, items in groups:
        st.warning(plain(items[0]) if len(items) == 1 else f"{len(items):,} × {plain(kind)} — e.g. {plain(items[0])}")
    total = len(extraction.warnings)
    if total > len(groups):
        with st.expander(f"All {total:,} warnings"):
            for kind, items in groups:
                shown = items[:WARNINGS_LISTED]
                more = f"\n… and {len(items) - len(shown):,} more" if len(items) > len(shown) else ""
                st.markdown(f"**{plain(kind)}** ({len(items):,})")
                st.text("\n".join(shown) + more)


def _review(scenario: Scenario, editor: Editor | None) -> None:
    review = st.session_state.get(STATE)
    if not isinstance(review, dict):
        return
    extraction = RESULTS.get(review.get("token"))
    if extraction is None:
        st.info(
            f"This analysis is no longer held by the server (it keeps the last {RESULTS_KEPT}): analyse the "
            "report again."
        )
        return
    stored_meta = review.get("meta")
    meta: dict[str, Any] = stored_meta if isinstance(stored_meta, dict) else {}
    scope = str(review.get("token"))[:12]  # this analysis's widgets (see _paged_editor)
    pipeline = _current_pipeline()
    st.divider()
    stats = extraction.stats
    st.markdown(
        f"**Found** {len(extraction.places):,} place mentions, {len(extraction.dates):,} dates, "
        f"{len(extraction.forces):,} force mentions and {len(extraction.events):,} proposed events "
        f"in {stats.get('words', 0):,} words ({stats.get('seconds', 0):.2f} s)."
    )
    if extraction.year_basis:
        st.info("Year: " + plain(extraction.year_basis))
    _show_warnings(extraction)

    st.markdown("#### The text")
    st.html(legend_html())
    st.html(highlight_html(extraction))

    labels = place_labels(scenario, extraction.places, geoparser=pipeline.geoparser)
    options = sorted(set(labels.values()))
    st.markdown("#### Places")
    st.caption(
        "Untick what is not a place, pick another reading, or move a point by editing its coordinates "
        "or by choosing it below and clicking the map."
    )
    places = _paged_editor(
        "places",
        _places_frame(extraction, labels),
        scope=scope,
        hide_index=True,
        width="stretch",
        disabled=["mention", "at", "kind", "confidence", "why", "other readings", "key", "index"],
        column_config={"resolved as": st.column_config.SelectboxColumn(options=options), "key": None, "index": None},
    )
    _preview_map(extraction, places)

    forces = force_names(scenario)
    st.markdown("#### Proposed events")
    st.caption(
        "Accept, reject or correct each; the quote and its offsets come from the text. A summary you leave "
        "as proposed is written afresh from the force, places, date and kind you correct."
    )
    original_events = _events_frame(extraction, scenario, labels)
    events = _paged_editor(
        "events",
        original_events,
        scope=scope,
        hide_index=True,
        width="stretch",
        disabled=["event", "quote", "confidence", "warnings", "id"],
        column_config={
            "date": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "precision": st.column_config.SelectboxColumn(options=[p.value for p in DatePrecision]),
            "places": st.column_config.MultiselectColumn(options=options),
            "forces": st.column_config.MultiselectColumn(options=list(forces.values())),
            "verification": st.column_config.SelectboxColumn(options=[v.value for v in Verification]),
            "quote": st.column_config.TextColumn(width="large"),
            "id": None,
        },
    )
    st.markdown("#### Proposed control periods")
    periods = _paged_editor(
        "periods",
        _periods_frame(extraction, scenario, labels),
        scope=scope,
        dynamic=True,
        hide_index=True,
        width="stretch",
        column_config={
            "event": st.column_config.SelectboxColumn(options=list(event_labels(extraction.events).values())),
            "place": st.column_config.SelectboxColumn(options=options),
            "force": st.column_config.SelectboxColumn(options=list(forces.values())),
            "role": st.column_config.SelectboxColumn(options=[r.value for r in Role]),
            "start": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "end": st.column_config.DateColumn(format="YYYY-MM-DD"),
        },
    )
    if editor is None:
        st.info("Saving into the shared scenario needs an editor session. " + how_to_edit())
        return
    _add_force(scenario, editor)
    st.markdown("#### Save")
    c1, c2 = st.columns(2)
    publisher = c1.text_input("Publisher (required)", key=PUBLISHER_KEY)
    title = c2.text_input("Title (required)", key=TITLE_KEY)
    if st.button("Save accepted events to the scenario", type="primary"):
        missing = [name for name, value in (("Publisher", publisher), ("Title", title)) if not str(value or "").strip()]
        if missing:
            st.error(
                f"Not saved: {' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} required — fill "
                f"{'it' if len(missing) == 1 else 'them'} in above and save again. Nothing was changed."
            )
            return
        meta = dict(meta, publisher=str(publisher).strip(), title=str(title).strip())
        _save(scenario, extraction, meta, places, original_events, events, periods, editor, pipeline)


def _add_force(scenario: Scenario, editor: Editor) -> None:
    """A force the report names and the scenario lacks: name, colour (checked for colour-blind readers), aliases."""
    with st.expander("Add a force the scenario lacks"):
        with st.form("report_add_force", clear_on_submit=True, border=False):
            c1, c2 = st.columns([3, 1])
            name = c1.text_input("Force name", placeholder="e.g. Wagner Group")
            colour = c2.color_picker("Colour", value=suggest_colour(f.colour for f in scenario.forces))
            aliases = st.text_input(
                "Other names (comma-separated, English or Arabic)", placeholder="e.g. Wagner, PMC Wagner, فاغنر"
            )
            st.caption(
                "The colour offered is the one farthest from the other forces' for every reader; another is "
                "checked for colour-blind contrast. Analyse the report again to find the new force in it."
            )
            if not st.form_submit_button("Add the force"):
                return
        try:
            force = new_force(scenario, name=name, colour=colour, aliases=aliases.replace("،", ",").split(","))
            with writer() as store:
                store.add(force, user=editor.name)
        except ReviewError as exc:
            st.error(f"Not added: {plain(str(exc))}. Nothing was changed.")
            return
        except (ConflictError, StoreError) as exc:
            st.error(f"Not added: {plain(str(exc))}. Nothing was changed; reload and try again.")
            return
        st.success(f"Added {plain(force.name)} ({plain(force.id)}). Analyse the report again to find it in the text.")


def _preview_map(extraction: Extraction, places: pd.DataFrame) -> None:
    builder = map_builder()
    mentions = [m for m, use in zip(extraction.places, places["use"] if len(places) else [], strict=False) if use]
    options = ["(none)"] + [f"{row['index']}: {row['mention']}" for _, row in places.iterrows()]
    pick = st.selectbox("Move this place to where I click on the map", options, key=PICK_KEY)
    result = st_folium(
        builder.base_map(),
        key="report_map",
        feature_group_to_add=preview_layers(mentions),
        returned_objects=["last_clicked"],
        use_container_width=True,
        height=420,
        **_view_of(mentions),
    )
    clicked = (result or {}).get("last_clicked")
    if pick != "(none)" and clicked and clicked != st.session_state.get("_report_last_click"):
        st.session_state["_report_last_click"] = clicked
        index = int(pick.split(":", 1)[0])
        moves = st.session_state.setdefault("_report_moves", {})
        moves[index] = (round(float(clicked["lat"]), 5), round(float(clicked["lng"]), 5))
        st.success(
            f"Moved “{plain(str(places.iloc[index]['mention']))}” to {moves[index][0]}, {moves[index][1]} "
            "(saved with the place)."
        )


def _view_of(mentions: list[PlaceMention]) -> dict[str, Any]:
    """Centre and zoom that show the places found (smaller than a country), for st_folium."""
    local = [m for m in mentions if m.kind != "country"] or mentions
    if not local:
        return {}
    lats = [m.lat for m in local] + [
        b for m in local if m.geometry is not None for b in (m.geometry.bounds[1], m.geometry.bounds[3])
    ]
    lons = [m.lon for m in local] + [
        b for m in local if m.geometry is not None for b in (m.geometry.bounds[0], m.geometry.bounds[2])
    ]
    south, north, west, east = min(lats), max(lats), min(lons), max(lons)
    span = max(north - south, (east - west) * 0.6, 0.02)  # a 420 px high map about 700 px wide
    zoom = int(max(3, min(12, math.floor(math.log2(420 / 256 * 180 / span)))))
    return {"center": ((south + north) / 2, (west + east) / 2), "zoom": zoom}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(column): cell for column, cell in row.items()} for row in frame.to_dict("records")]


def _report_meta(meta: dict[str, Any]) -> ReportMeta:
    published = meta.get("published")
    return ReportMeta(
        publisher=meta.get("publisher") or "",
        title=meta.get("title") or "",
        published=published if isinstance(published, dt.date) else None,
        url=meta.get("url") or "",
    )


def _save(
    scenario: Scenario,
    extraction: Extraction,
    meta: dict[str, Any],
    places: pd.DataFrame,
    original_events: pd.DataFrame,
    events: pd.DataFrame,
    periods: pd.DataFrame,
    editor: Editor,
    pipeline: Pipeline,
) -> None:
    moves = st.session_state.get("_report_moves")
    try:
        decisions = decisions_from_tables(
            scenario,
            extraction,
            places=_records(places),
            proposed_events=_records(original_events),
            events=_records(events),
            periods=_records(periods),
            moves=moves if isinstance(moves, dict) else {},
            geoparser=pipeline.geoparser,
        )
    except ReviewError as exc:
        st.error(f"{plain(str(exc))}. Nothing was changed.")
        return
    try:
        with writer() as store:
            current = store.current()
            result = apply_report(
                current.scenario,
                meta=_report_meta(meta),
                text=extraction.text,
                events=decisions.events,
                periods=decisions.periods,
                new_places=decisions.new_places,
            )
            store.apply(changes_between(current, result.scenario), user=editor.name)
    except ReviewError as exc:
        st.error(f"Not saved: {plain(_readable(str(exc), extraction))}")
        return
    except ScenarioError as exc:
        st.error("Not saved: the result would not be a valid scenario. Nothing was changed.")
        st.code("\n".join(str(p) for p in exc.problems), language=None, wrap_lines=True)
        return
    except (ConflictError, StoreError) as exc:
        st.error(f"Not saved: {plain(str(exc))}. Nothing was changed; reload and try again.")
        return
    _forget_review()
    st.success(
        f"Saved: source {plain(result.source_id)}, {len(result.event_ids)} events, {len(result.period_ids)} control "
        f"periods, {len(result.place_ids)} new places"
        + (f"; ended open periods {plain(', '.join(result.closed_periods))}" if result.closed_periods else "")
        + ". The map shows them now."
    )


def _readable(message: str, extraction: Extraction) -> str:
    """A review error with the proposals' labels ("Event 3") instead of their ids."""
    for event_id, label in sorted(event_labels(extraction.events).items(), key=lambda item: -len(item[0])):
        message = message.replace(f"event {event_id}", label).replace(f"event {event_id}:", f"{label}:")
    return message


def render() -> None:
    scenario = map_builder().scenario
    st.markdown("### Add a report")
    st.caption(
        "Paste a report: the places, dates and forces it names are found offline and proposed as events "
        "with their quotes. Review them, then save the ones you accept into the scenario."
    )
    editor = sign_in_box()
    _form(editor)
    _review(scenario, editor)
