"""The "Add a report" page: paste or upload a report, review what the parser found, save.

Nothing in the scenario changes until "Save" — and then only if the whole result
validates (the store applies the changes in one validated transaction, or none).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from mapdata.errors import ScenarioError
from mapdata.extract import ExtractError, Pipeline, read_report
from mapdata.highlight import highlight_html, legend_html
from mapdata.mapview import preview_layers
from mapdata.mentions import Extraction, PlaceMention
from mapdata.models import DatePrecision, PlaceKind, Role, Scenario, Verification
from mapdata.review import EventDecision, NewPlace, PeriodDecision, ReportMeta, ReviewError, apply_report
from mapdata.store import ConflictError, StoreError, changes_between
from mapdata.ui import map_builder, plain, store_location, writer
from mapdata.ui.auth import Editor, sign_in_box

STATE = "report_review"
PICK_KEY = "report_pick"
KINDS = {"town": PlaceKind.TOWN, "military_site": PlaceKind.MILITARY_SITE, "area": PlaceKind.AREA,
         "border": PlaceKind.BORDER, "region": PlaceKind.REGION}


@st.cache_resource(show_spinner="Loading the gazetteer and lexicons…", max_entries=2)
def _pipeline(location: str, fingerprint: int) -> Pipeline:
    del fingerprint  # a new scenario (new places, forces) gets a new pipeline
    return Pipeline.build(map_builder().scenario)


def _mention_key(mention: PlaceMention) -> str:
    return mention.place_id or f"gaz:{mention.entry_id}"


@dataclass(frozen=True)
class _Reading:
    """A place a mention can be resolved to: a scenario place, or a gazetteer entry (chosen or a candidate)."""

    key: str
    label: str
    name: str
    lat: float
    lon: float
    kind: str
    source: str
    geometry: Any = None


def _readings(scenario: Scenario, mentions: list[PlaceMention]) -> dict[str, _Reading]:
    readings = {p.id: _Reading(p.id, f"{p.name_en} (scenario)", p.name_en, p.anchor[0], p.anchor[1], p.kind.value,
                               "scenario") for p in scenario.places}
    for m in mentions:
        key = _mention_key(m)
        if key not in readings:
            readings[key] = _Reading(key, f"{m.name} (new: {m.kind}, {m.country or '?'})", m.name, m.lat, m.lon, m.kind,
                                     f"gazetteer:{m.entry_id}", m.geometry)
        for c in m.candidates:
            ckey = f"gaz:{c.entry_id}"
            if ckey not in readings:
                readings[ckey] = _Reading(ckey, f"{c.name} (candidate: {c.kind}, {c.country or '?'})", c.name, c.lat,
                                          c.lon, c.kind, f"gazetteer:{c.entry_id}")
    return readings


def _place_label(scenario: Scenario, mentions: list[PlaceMention]) -> dict[str, str]:
    return {key: reading.label for key, reading in _readings(scenario, mentions).items()}


def _form() -> None:
    with st.form("report_form", border=True):
        text = st.text_area("Report text", height=220, placeholder="Paste the report here…")
        upload = st.file_uploader("…or upload a plain-text file (.txt, UTF-8)", type=["txt"])
        c1, c2, c3 = st.columns(3)
        publisher = c1.text_input("Publisher", placeholder="e.g. Enab Baladi")
        title = c2.text_input("Title")
        published = c3.date_input("Publication date", value=None, help="Leave empty if unknown: the year is then inferred.")
        url = st.text_input("URL (optional)")
        submitted = st.form_submit_button("Analyse", type="primary")
    if not submitted:
        return
    try:
        if upload is not None:
            body = read_report(upload.getvalue(), name=upload.name)
        else:
            body = text
        pipeline = _pipeline(store_location(), id(map_builder()))
        extraction = pipeline.extract(body, published=published)
    except ExtractError as exc:
        st.error(f"Cannot analyse this report: {exc}")
        st.session_state.pop(STATE, None)
        return
    st.session_state[STATE] = {
        "extraction": extraction,
        "meta": {"publisher": publisher, "title": title, "published": published, "url": url},
    }


def _places_frame(extraction: Extraction, labels: dict[str, str]) -> pd.DataFrame:
    rows = []
    for index, m in enumerate(extraction.places):
        rows.append({
            "use": m.kind != "country", "mention": m.text, "at": f"{m.start}–{m.end}", "resolved as": labels[_mention_key(m)],
            "lat": round(m.lat, 5), "lon": round(m.lon, 5), "kind": m.kind, "confidence": round(m.confidence, 2),
            "other readings": ", ".join(f"{c.name} ({c.country})" for c in m.candidates[1:4]), "key": _mention_key(m),
            "index": index,
        })
    return pd.DataFrame(rows)


def _worth_accepting(event: Any) -> bool:
    """Ticked by default: confident, dated, and about a place smaller than a country."""
    return event.confidence >= 0.5 and event.date is not None and any(m.kind != "country" for m in event.place_mentions)


def _events_frame(extraction: Extraction, scenario: Scenario, labels: dict[str, str]) -> pd.DataFrame:
    rows = []
    for event in extraction.events:
        rows.append({
            "accept": _worth_accepting(event), "id": event.id, "date": event.date,
            "precision": event.date_precision.value,
            "places": [labels[_mention_key(m)] for m in event.place_mentions],
            "forces": list(event.forces), "kind": event.kind, "summary": event.summary,
            "verification": event.verification.value, "claimed by": event.claimed_by,
            "confidence": round(event.confidence, 2), "quote": event.quote, "warnings": "; ".join(event.warnings),
        })
    return pd.DataFrame(rows)


def _periods_frame(extraction: Extraction, labels: dict[str, str]) -> pd.DataFrame:
    rows = []
    for event in extraction.events:
        mention_for = {(m.place_id or m.entry_id): m for m in event.place_mentions}
        for period in event.periods:
            mention = mention_for.get(period.place_id)
            key = _mention_key(mention) if mention else period.place_id
            rows.append({
                "accept": _worth_accepting(event), "event": event.id, "place": labels.get(key, key),
                "force": period.force, "role": period.role.value, "start": period.start, "end": period.end,
            })
    return pd.DataFrame(rows, columns=["accept", "event", "place", "force", "role", "start", "end"])


def _review(scenario: Scenario, editor: Editor | None) -> None:
    review = st.session_state.get(STATE)
    if not review:
        return
    extraction: Extraction = review["extraction"]
    meta = review["meta"]
    st.divider()
    stats = extraction.stats
    st.markdown(
        f"**Found** {len(extraction.places)} place mentions, {len(extraction.dates)} dates, "
        f"{len(extraction.forces)} force mentions and {len(extraction.events)} proposed events "
        f"in {stats.get('words', 0):,} words ({stats.get('seconds', 0):.2f} s)."
    )
    if extraction.year_basis:
        st.info("Year: " + plain(extraction.year_basis))
    for warning in extraction.warnings:
        st.warning(plain(warning))

    st.markdown("#### The text")
    st.html(legend_html())
    st.html(highlight_html(extraction))

    labels = _place_label(scenario, list(extraction.places))
    st.markdown("#### Places")
    st.caption("Untick what is not a place, pick another reading, or move a point by editing its coordinates "
               "or by choosing it below and clicking the map.")
    places = st.data_editor(
        _places_frame(extraction, labels), hide_index=True, key="report_places", width="stretch",
        disabled=["mention", "at", "kind", "confidence", "other readings", "key", "index"],
        column_config={
            "resolved as": st.column_config.SelectboxColumn(options=sorted(set(labels.values()))),
            "key": None, "index": None,
        },
    )
    _preview_map(extraction, places)

    st.markdown("#### Proposed events")
    st.caption("Accept, reject or correct each; the quote and its offsets come from the text.")
    force_ids = [f.id for f in scenario.forces]
    events = st.data_editor(
        _events_frame(extraction, scenario, labels), hide_index=True, key="report_events", width="stretch",
        disabled=["id", "quote", "confidence", "warnings"],
        column_config={
            "date": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "precision": st.column_config.SelectboxColumn(options=[p.value for p in DatePrecision]),
            "places": st.column_config.MultiselectColumn(options=sorted(set(labels.values()))),
            "forces": st.column_config.MultiselectColumn(options=force_ids),
            "verification": st.column_config.SelectboxColumn(options=[v.value for v in Verification]),
            "quote": st.column_config.TextColumn(width="large"),
        },
    )
    st.markdown("#### Proposed control periods")
    periods = st.data_editor(
        _periods_frame(extraction, labels), hide_index=True, key="report_periods", width="stretch", num_rows="dynamic",
        column_config={
            "event": st.column_config.SelectboxColumn(options=[e.id for e in extraction.events]),
            "place": st.column_config.SelectboxColumn(options=sorted(set(labels.values()))),
            "force": st.column_config.SelectboxColumn(options=force_ids),
            "role": st.column_config.SelectboxColumn(options=[r.value for r in Role]),
            "start": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "end": st.column_config.DateColumn(format="YYYY-MM-DD"),
        },
    )
    if editor is None:
        st.info("Sign in as an editor (sidebar) to save accepted events into the shared scenario.")
    elif st.button("Save accepted events to the scenario", type="primary"):
        _save(scenario, extraction, meta, places, events, periods, labels, editor)


def _preview_map(extraction: Extraction, places: pd.DataFrame) -> None:
    builder = map_builder()
    mentions = [m for m, use in zip(extraction.places, places["use"] if len(places) else []) if use]
    options = ["(none)"] + [f"{row['index']}: {row['mention']}" for _, row in places.iterrows()]
    pick = st.selectbox("Move this place to where I click on the map", options, key=PICK_KEY)
    result = st_folium(
        builder.base_map(), key="report_map", feature_group_to_add=preview_layers(mentions),
        returned_objects=["last_clicked"], use_container_width=True, height=420,
    )
    clicked = (result or {}).get("last_clicked")
    if pick != "(none)" and clicked and clicked != st.session_state.get("_report_last_click"):
        st.session_state["_report_last_click"] = clicked
        index = int(pick.split(":", 1)[0])
        moves = st.session_state.setdefault("_report_moves", {})
        moves[index] = (round(float(clicked["lat"]), 5), round(float(clicked["lng"]), 5))
        st.success(f"Moved “{places.iloc[index]['mention']}” to {moves[index][0]}, {moves[index][1]} (saved with the place).")


def _save(scenario: Scenario, extraction: Extraction, meta: dict[str, Any], places: pd.DataFrame,
          events: pd.DataFrame, periods: pd.DataFrame, labels: dict[str, str], editor: Editor) -> None:
    key_for_label = {label: key for key, label in labels.items()}
    readings = _readings(scenario, list(extraction.places))
    moves: dict[int, tuple[float, float]] = st.session_state.get("_report_moves", {})
    new_places: dict[str, NewPlace] = {}
    resolution: dict[str, str] = {}  # a mention's first reading -> the analyst's choice (events follow it)
    unused = {row["key"] for _, row in places.iterrows() if not row["use"]}
    for _, row in places.iterrows():
        if not row["use"]:
            continue
        unused.discard(row["key"])
        index = int(row["index"])
        key = key_for_label.get(row["resolved as"], row["key"])
        reading = readings[key]
        changed_reading = key != row["key"]
        lat, lon = moves.get(index, (float(row["lat"]), float(row["lon"])))
        if changed_reading and index not in moves:
            lat, lon = reading.lat, reading.lon  # the chosen candidate's own position
        moved = (round(lat, 5), round(lon, 5)) != (round(reading.lat, 5), round(reading.lon, 5))
        if key in scenario.place_by_id and not moved:
            resolution[row["key"]] = key
            continue
        if moved:
            key = f"manual:{index}"
        resolution[row["key"]] = key
        if reading.geometry is not None and not moved:
            new_places[key] = NewPlace(key=key, name_en=reading.name, kind=KINDS.get(reading.kind, PlaceKind.AREA),
                                       geometry=reading.geometry, geometry_source=reading.source)
        else:
            new_places[key] = NewPlace.point(
                key, reading.name, lat, lon, kind=KINDS.get(reading.kind, PlaceKind.TOWN),
                source="analyst" if moved else reading.source,
                note="position set by the analyst" if moved else "",
            )

    def place_key(label: str) -> str:
        key = key_for_label.get(label, label)
        return resolution.get(key, key)

    decisions = []
    by_id = {e.id: e for e in extraction.events}
    for _, row in events.iterrows():
        if not row["accept"]:
            continue
        proposal = by_id[row["id"]]
        if row["date"] is None or pd.isna(row["date"]):
            st.error(f"Event {row['id']}: field 'date' is empty: give a date before saving.")
            return
        decisions.append(EventDecision(
            key=proposal.id, quote_start=proposal.start, quote_end=proposal.end, date=pd.Timestamp(row["date"]).date(),
            date_precision=DatePrecision(row["precision"]),
            place_keys=tuple(place_key(label) for label in (row["places"] or [])
                             if key_for_label.get(label, label) not in unused),
            force_ids=tuple(row["forces"] or ()), kind=str(row["kind"] or "report"), summary=str(row["summary"] or ""),
            verification=Verification(row["verification"]), claimed_by=str(row["claimed by"] or ""),
        ))
    period_decisions = []
    for _, row in periods.iterrows():
        if not row["accept"] or row["event"] not in {d.key for d in decisions}:
            continue
        if key_for_label.get(row["place"], row["place"]) in unused:
            continue  # the analyst said that mention is not a place
        start = None if row["start"] is None or pd.isna(row["start"]) else pd.Timestamp(row["start"]).date()
        end = None if row["end"] is None or pd.isna(row["end"]) else pd.Timestamp(row["end"]).date()
        period_decisions.append(PeriodDecision(
            event_key=row["event"], place_key=place_key(row["place"]), force_id=row["force"],
            role=Role(row["role"]), start=start, end=end,
        ))
    published = meta.get("published")
    report_meta = ReportMeta(
        publisher=meta.get("publisher") or "", title=meta.get("title") or "",
        published=published if isinstance(published, dt.date) else None, url=meta.get("url") or "",
    )
    try:
        with writer() as store:
            current = store.current()
            result = apply_report(current.scenario, meta=report_meta, text=extraction.text, events=decisions,
                                  periods=period_decisions, new_places=list(new_places.values()))
            store.apply(changes_between(current, result.scenario), user=editor.name)
    except ReviewError as exc:
        st.error(f"Not saved: {exc}")
        return
    except ScenarioError as exc:
        st.error("Not saved: the result would not be a valid scenario. Nothing was changed.")
        st.code("\n".join(str(p) for p in exc.problems), language=None, wrap_lines=True)
        return
    except (ConflictError, StoreError) as exc:
        st.error(f"Not saved: {exc}. Nothing was changed; reload and try again.")
        return
    st.session_state.pop(STATE, None)
    st.session_state.pop("_report_moves", None)
    st.success(
        f"Saved: source {result.source_id}, {len(result.event_ids)} events, {len(result.period_ids)} control periods, "
        f"{len(result.place_ids)} new places"
        + (f"; ended open periods {', '.join(result.closed_periods)}" if result.closed_periods else "")
        + ". The map shows them now."
    )



def render() -> None:
    scenario = map_builder().scenario
    st.markdown("### Add a report")
    st.caption("Paste a report: the places, dates and forces it names are found offline and proposed as events "
               "with their quotes. Review them, then save the ones you accept into the scenario.")
    editor = sign_in_box()
    _form()
    _review(scenario, editor)
