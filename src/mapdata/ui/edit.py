"""The "Edit" page (editors only): control periods, events, sources and places, with history.

Every save goes through the store as one validated transaction. The version a form
was opened at is kept, so a save on a record someone else changed meanwhile is
refused with a message naming who changed what (no lost update).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from typing import Any, Literal

import pandas as pd
import streamlit as st
from shapely.geometry import Point
from streamlit_folium import st_folium

from mapdata.exchange import ImportJob
from mapdata.map.mapview import preview_layers
from mapdata.model.errors import ScenarioError
from mapdata.model.models import (
    ControlPeriod,
    DatePrecision,
    Event,
    Place,
    PlaceKind,
    Role,
    Scenario,
    Source,
    Verification,
)
from mapdata.model.records import slug, unique_id
from mapdata.store import AuditEntry, ConflictError, RecordNotFoundError, Store, StoreError
from mapdata.text.mentions import PlaceMention
from mapdata.ui import map_builder, plain, reader, writer
from mapdata.ui.auth import Editor, how_to_edit, sign_in_box

OPEN = "(open)"


def _save(action: Callable[[Store], Any], done: str) -> bool:
    """Run one write; report success, or the conflict / validation problem, without a traceback."""
    try:
        with writer() as store:
            action(store)
    except ConflictError as exc:
        st.error(f"Not saved — {plain(str(exc))}")
        st.caption("Your form kept your values; reopen the record to see the latest version, then edit again.")
        return False
    except ScenarioError as exc:
        st.error("Not saved: the change would break the data rules. Nothing was changed.")
        st.code("\n".join(str(p) for p in exc.problems), language=None, wrap_lines=True)
        return False
    except (StoreError, RecordNotFoundError, ValueError) as exc:
        st.error(f"Not saved: {plain(str(exc))}")
        return False
    st.session_state["_edit_notice"] = done
    for key in [k for k in st.session_state.keys() if isinstance(k, str) and k.startswith("_edit_opened_")]:
        del st.session_state[key]
    st.rerun()
    return True


def _opened_version(kind: str, ident: str, version: int) -> int:
    """The version this editor opened the record at (kept until they save or switch records)."""
    slot = f"_edit_opened_{kind}"
    opened = st.session_state.get(slot)
    if not opened or opened[0] != ident:
        st.session_state[slot] = (ident, version)
        return version
    return int(opened[1])


def _date_or_none(value: Any) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def _new_id(prefix: str, taken: set[str]) -> str:
    return unique_id(slug(prefix, limit=50), taken)


def _periods_tab(scenario: Scenario, editor: Editor) -> None:
    places = {p.id: p.label for p in scenario.places}
    forces = {f.id: f.name for f in scenario.forces}
    place_id = st.selectbox("Place", list(places), format_func=places.__getitem__, key="edit_period_place")
    store = reader()
    rows: list[dict[str, Any]] = []
    for period in scenario.periods:
        if period.place_id != place_id:
            continue
        item = store.get("period", period.id)
        rows.append(
            {
                "id": period.id,
                "force": forces.get(period.force_id, period.force_id),
                "role": period.role.value,
                "start": period.start,
                "end": period.end,
                "events": ", ".join(period.event_ids),
                "version": item.version,
                "last edit": f"{item.updated_by}, {item.updated_at:%Y-%m-%d %H:%M}",
            }
        )
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    choices: list[str] = ["(add a new period)"] + [r["id"] for r in rows]
    chosen = st.selectbox("Edit", choices, key="edit_period_id")
    events = [e.id for e in scenario.events]
    if chosen == choices[0]:
        current, version = None, 0
    else:
        item = store.get("period", chosen)
        current, version = item.record, _opened_version("period", chosen, item.version)
    with st.form(f"period_form_{chosen}"):
        c1, c2 = st.columns(2)
        force = c1.selectbox(
            "Force",
            list(forces),
            format_func=forces.__getitem__,
            index=list(forces).index(current.force_id) if current else 0,
        )
        role = c2.selectbox(
            "Role", [r.value for r in Role], index=[r.value for r in Role].index(current.role.value) if current else 0
        )
        c3, c4 = st.columns(2)
        start = c3.date_input("Start (empty = since before the first report)", value=current.start if current else None)
        end = c4.date_input("End (inclusive; empty = still holds)", value=current.end if current else None)
        supporting = st.multiselect("Supporting events", events, default=list(current.event_ids) if current else [])
        note = st.text_input("Note", value=current.note if current else "")
        submitted = st.form_submit_button("Save period" if current else "Add period", type="primary")
    if submitted:
        record = ControlPeriod(
            id=current.id if current else _new_id(f"{place_id}_{force}_{role}", {p.id for p in scenario.periods}),
            place_id=place_id,
            force_id=force,
            role=Role(role),
            start=_date_or_none(start),
            end=_date_or_none(end),
            event_ids=tuple(supporting),
            source_ids=current.source_ids if current else (),
            note=note,
        )
        if current:
            _save(lambda s: s.update(record, expected_version=version, user=editor.name), f"Saved period {record.id}.")
        else:
            _save(lambda s: s.add(record, user=editor.name), f"Added period {record.id}.")
    if current:
        with st.form(f"period_delete_{chosen}"):
            sure = st.checkbox(f"Delete period {plain(chosen)} (it stays in the history and can be restored)")
            if st.form_submit_button("Delete") and sure:
                _save(
                    lambda s: s.delete("period", chosen, expected_version=version, user=editor.name),
                    f"Deleted period {chosen}.",
                )


def _events_tab(scenario: Scenario, editor: Editor) -> None:
    sources = {s.id: f"{s.publisher}: {s.title}" for s in scenario.sources}
    places = {p.id: p.label for p in scenario.places}
    forces = {f.id: f.name for f in scenario.forces}
    st.caption(
        "An event is backed by an exact quote from a source; the quote's position in the source is found for you."
    )
    choices = ["(add a new event)"] + [e.id for e in scenario.events]
    chosen = st.selectbox(
        "Event",
        choices,
        key="edit_event_id",
        format_func=lambda i: i if i == choices[0] else f"{i} — {scenario.event_by_id[i].summary[:70]}",
    )
    store = reader()
    if chosen == choices[0]:
        current, version = None, 0
    else:
        item = store.get("event", chosen)
        current, version = item.record, _opened_version("event", chosen, item.version)
    with st.form(f"event_form_{chosen}"):
        source_id = st.selectbox(
            "Source",
            list(sources),
            format_func=sources.__getitem__,
            index=list(sources).index(current.source_id) if current else 0,
            disabled=bool(current),
        )
        quote = st.text_area(
            "Quote (exactly as in the source)", value=current.quote if current else "", disabled=bool(current)
        )
        c1, c2 = st.columns(2)
        day = c1.date_input("Date", value=current.date if current else None)
        precision = c2.selectbox(
            "Date precision",
            [p.value for p in DatePrecision],
            index=[p.value for p in DatePrecision].index(current.date_precision.value) if current else 0,
        )
        chosen_places = st.multiselect(
            "Places", list(places), format_func=places.__getitem__, default=list(current.place_ids) if current else []
        )
        chosen_forces = st.multiselect(
            "Forces", list(forces), format_func=forces.__getitem__, default=list(current.force_ids) if current else []
        )
        c3, c4 = st.columns(2)
        kind = c3.text_input("Kind (e.g. deployment, takeover)", value=current.kind if current else "")
        verification = c4.selectbox(
            "Verification",
            [v.value for v in Verification],
            index=[v.value for v in Verification].index(current.verification.value) if current else 1,
        )
        summary = st.text_input("Summary", value=current.summary if current else "")
        c5, c6 = st.columns(2)
        claimed_by = c5.text_input("Claimed by", value=current.claimed_by if current else "")
        verification_note = c6.text_input("Verification note", value=current.verification_note if current else "")
        date_note = st.text_input("Date note", value=current.date_note if current else "")
        submitted = st.form_submit_button("Save event" if current else "Add event", type="primary")
    if not submitted:
        return
    if not isinstance(day, dt.date):
        st.error("Field 'date' is empty: give the event's date.")
        return
    if current:
        record = dataclasses.replace(
            current,
            date=day,
            date_precision=DatePrecision(precision),
            place_ids=tuple(chosen_places),
            force_ids=tuple(chosen_forces),
            kind=kind.strip(),
            summary=summary.strip(),
            verification=Verification(verification),
            claimed_by=claimed_by.strip(),
            verification_note=verification_note.strip(),
            date_note=date_note.strip(),
        )
        _save(lambda s: s.update(record, expected_version=version, user=editor.name), f"Saved event {record.id}.")
        return
    text = scenario.source_by_id[source_id].text
    start = text.find(quote.strip()) if quote.strip() else -1
    if start < 0:
        st.error("Field 'quote' is not in the source's text: copy the passage exactly.")
        return
    record = Event(
        id=_new_id(f"ev_{kind or 'event'}_{day.isoformat()}", {e.id for e in scenario.events}),
        date=day,
        date_precision=DatePrecision(precision),
        place_ids=tuple(chosen_places),
        force_ids=tuple(chosen_forces),
        kind=kind.strip() or "event",
        summary=summary.strip(),
        source_id=source_id,
        quote=quote.strip(),
        quote_start=start,
        quote_end=start + len(quote.strip()),
        verification=Verification(verification),
        claimed_by=claimed_by.strip(),
        verification_note=verification_note.strip(),
        date_note=date_note.strip(),
    )
    _save(lambda s: s.add(record, user=editor.name), f"Added event {record.id}.")


def _sources_tab(scenario: Scenario, editor: Editor) -> None:
    st.caption("Attach a report so its passages can back events.")
    with st.form("source_form"):
        c1, c2 = st.columns(2)
        publisher = c1.text_input("Publisher")
        title = c2.text_input("Title")
        c3, c4 = st.columns(2)
        published = c3.date_input("Published", value=None)
        url = c4.text_input("URL")
        text = st.text_area("Full text", height=200)
        submitted = st.form_submit_button("Add source", type="primary")
    if submitted:
        if not publisher.strip() or not title.strip() or not text.strip():
            st.error("Fields 'publisher', 'title' and 'full text' are required.")
            return
        ident = _new_id(f"{publisher} {published or ''} {title}", {s.id for s in scenario.sources})
        record = Source(
            id=ident,
            publisher=publisher.strip(),
            title=title.strip(),
            text=text,
            text_file=f"sources/{ident}.txt",
            published=_date_or_none(published),
            url=url.strip(),
        )
        _save(lambda s: s.add(record, user=editor.name), f"Added source {ident}.")


def _places_tab(scenario: Scenario, editor: Editor) -> None:
    places = {p.id: p.label for p in scenario.places}
    choices = ["(add a new place)"] + list(places)
    chosen = st.selectbox("Place", choices, key="edit_place_id", format_func=lambda i: places.get(i, i))
    store = reader()
    if chosen == choices[0]:
        current, version = None, 0
    else:
        item = store.get("place", chosen)
        current, version = item.record, _opened_version("place", chosen, item.version)
    is_point = current is None or current.geometry.geom_type == "Point"
    lat0, lon0 = (current.geometry.y, current.geometry.x) if current is not None and is_point else scenario.view_center
    picked = st.session_state.get(f"_picked_{chosen}")
    if picked:
        lat0, lon0 = picked
    if is_point:
        st.caption("Type coordinates, or click the map to pick the position.")
        mention = PlaceMention(
            text="",
            start=0,
            end=0,
            entry_id="pick",
            name="Selected position",
            lat=lat0,
            lon=lon0,
            kind="town",
            confidence=1.0,
        )
        result = st_folium(
            map_builder().base_map(),
            key="edit_place_map",
            feature_group_to_add=preview_layers([mention]),
            returned_objects=["last_clicked"],
            use_container_width=True,
            height=360,
        )
        clicked = (result or {}).get("last_clicked")
        if clicked and clicked != st.session_state.get("_edit_last_click"):
            st.session_state["_edit_last_click"] = clicked
            st.session_state[f"_picked_{chosen}"] = (round(float(clicked["lat"]), 6), round(float(clicked["lng"]), 6))
            st.rerun()
    with st.form(f"place_form_{chosen}"):
        c1, c2 = st.columns(2)
        name_en = c1.text_input("Name (English)", value=current.name_en if current else "")
        name_ar = c2.text_input("Name (Arabic)", value=current.name_ar if current else "")
        kinds = [k.value for k in PlaceKind]
        kind = st.selectbox("Kind", kinds, index=kinds.index(current.kind.value) if current else 0)
        if is_point:
            c3, c4 = st.columns(2)
            lat = c3.number_input("Latitude", value=float(lat0), min_value=-90.0, max_value=90.0, format="%.6f")
            lon = c4.number_input("Longitude", value=float(lon0), min_value=-180.0, max_value=180.0, format="%.6f")
        else:
            st.caption("Areas and lines are edited in GIS (export, edit, import); names and notes here.")
        uncertainty = st.number_input(
            "Position uncertainty (m, 0 = none)",
            min_value=0.0,
            value=float(current.uncertainty_m or 0) if current else 0.0,
        )
        note = st.text_input("Location note", value=current.location_note if current else "")
        submitted = st.form_submit_button("Save place" if current else "Add place", type="primary")
    if not submitted:
        return
    if not name_en.strip():
        st.error("Field 'name (English)' is empty.")
        return
    geometry = Point(lon, lat) if is_point or current is None else current.geometry
    fields = dict(
        name_en=name_en.strip(),
        name_ar=name_ar.strip(),
        kind=PlaceKind(kind),
        geometry=geometry,
        uncertainty_m=uncertainty or None,
        location_note=note.strip(),
    )
    if current:
        moved = is_point and (round(lat, 6), round(lon, 6)) != (
            round(current.geometry.y, 6),
            round(current.geometry.x, 6),
        )
        record = dataclasses.replace(current, geometry_source="analyst" if moved else current.geometry_source, **fields)
        _save(lambda s: s.update(record, expected_version=version, user=editor.name), f"Saved place {record.id}.")
    else:
        record = Place(id=_new_id(name_en, set(places)), geometry_source="analyst", **fields)
        _save(lambda s: s.add(record, user=editor.name), f"Added place {record.id}.")
    st.session_state.pop(f"_picked_{chosen}", None)


HISTORY_VALUE_CHARS = 300
"""Longer field values (geometries, full texts) are cut in the before/after table."""


def change_label(entry: AuditEntry) -> str:
    """How the change picker names a change: "rev 12 · 2018-06-10 14:03 · Rana · updated place homs (v2)"."""
    version = f" (v{entry.version})" if entry.version is not None else ""
    return (
        f"rev {entry.id} · {entry.at:%Y-%m-%d %H:%M} · {entry.who} · {entry.action} {entry.kind} "
        f"{entry.record_id}{version}"
    )


def _shown(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= HISTORY_VALUE_CHARS else text[: HISTORY_VALUE_CHARS - 1] + "…"


def difference_table(entry: AuditEntry, *, everything: bool = False) -> pd.DataFrame:
    """Field by field: the value before and after the change (only the changed fields unless ``everything``)."""
    before, after = dict(entry.before or {}), dict(entry.after or {})
    changed = set(entry.changed_fields)
    rows = []
    for name in dict.fromkeys([*before, *after]):
        if name not in changed and not everything:
            continue
        rows.append(
            {
                "field": name,
                "changed": "yes" if name in changed else "",
                "before": _shown(before.get(name)) if entry.before is not None else "(did not exist)",
                "after": _shown(after.get(name)) if entry.after is not None else "(deleted)",
            }
        )
    return pd.DataFrame(rows, columns=["field", "changed", "before", "after"])


def _history_tab(scenario: Scenario, editor: Editor) -> None:
    kinds = {
        "period": [p.id for p in scenario.periods],
        "event": [e.id for e in scenario.events],
        "place": [p.id for p in scenario.places],
        "source": [s.id for s in scenario.sources],
        "force": [f.id for f in scenario.forces],
    }
    c1, c2 = st.columns([1, 3])
    kind = c1.selectbox("Record type", list(kinds), key="history_kind")
    store = reader()
    known = kinds[kind]
    deleted = sorted({e.record_id for e in store.audit() if e.kind == kind and e.record_id not in known})
    ident = c2.selectbox(
        "Record", known + deleted, key="history_id", format_func=lambda i: i + (" (deleted)" if i in deleted else "")
    )
    if not ident:
        return
    entries = store.history(kind, ident)
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "change": e.id,
                    "when": f"{e.at:%Y-%m-%d %H:%M:%S}",
                    "who": e.who,
                    "action": e.action,
                    "version": e.version,
                    "fields changed": ", ".join(e.changed_fields),
                }
                for e in entries
            ]
        ),
        hide_index=True,
        width="stretch",
    )
    if not entries:
        return
    by_id = {e.id: e for e in entries}
    pick = st.selectbox(
        "Change",
        list(by_id),
        index=len(entries) - 1,
        key="history_entry",
        format_func=lambda i: change_label(by_id[i]) if i in by_id else str(i),
    )
    entry = by_id.get(pick, entries[-1])
    everything = st.toggle("Show the unchanged fields too", key="history_everything")
    st.dataframe(
        difference_table(entry, everything=everything),
        hide_index=True,
        width="stretch",
        column_config={
            "before": st.column_config.TextColumn(width="large"),
            "after": st.column_config.TextColumn(width="large"),
        },
    )
    try:
        current_version = store.get(kind, ident).version
    except RecordNotFoundError:
        current_version = 0
    states: list[Literal["after", "before"]] = ["after", "before"]
    state = st.radio(
        "Restore", states, horizontal=True, key="history_state", format_func=lambda s: f"the state {s} this change"
    )
    if st.button(f"Restore {kind} {plain(ident)} to the state {state} change {entry.id}", type="primary"):
        _save(
            lambda s: s.restore(kind, ident, entry.id, expected_version=current_version, user=editor.name, state=state),
            f"Restored {kind} {ident} (as a new version).",
        )


IMPORT_LIMIT = 64 * 1024 * 1024
IMPORT_POLL_S = 0.5  # how often the import tab shows a running import's progress
IMPORT_WAIT_S = 3.0  # how long the page waits for a file's check before showing it as running
UPLOADER_GEN = "_import_uploader_gen"  # a new key empties the file uploader after an import


def _import_job(name: str, file_id: str, data: bytes, scenario: Scenario) -> ImportJob:
    """The session's import of this upload: checked in the background as soon as it is uploaded."""
    held = st.session_state.get("_import_job")
    if held is not None and held[0] == file_id:
        return held[1]
    job = ImportJob.of_upload(name, data, existing=scenario)  # its temporary copy goes once it is read
    job.check()
    # A small file is checked by the time this run ends: shown at once, not by the polling fragment below. (A
    # fragment registered to rerun itself could lose its first rerun when the page reran meanwhile, as after a
    # refused file; the check's result then waited for the next click.)
    job.join(timeout=IMPORT_WAIT_S)
    st.session_state["_import_job"] = (file_id, job)
    return job


def _import_write(job: ImportJob, editor: Editor) -> None:
    """The Import button: write in the background; a small file is written by the time the page reruns."""
    job.write(writer, user=editor.name)
    job.join(timeout=IMPORT_WAIT_S)


def _import_show(job: ImportJob, editor: Editor, polling: bool = False) -> None:
    """The import's progress, its result, or what to fix; reruns itself while the import runs (``polling``: this
    fragment was set to rerun itself)."""
    name = job.path.name
    if job.running:
        if not polling:  # the write began in a run of this fragment that does not poll: rerun the page, which does
            st.rerun()
        st.progress(min(job.fraction, 1.0), text=plain(job.text))
        return
    if job.state == "done":
        st.session_state["_edit_notice"] = job.text
        st.session_state.pop("_import_job", None)
        st.session_state[UPLOADER_GEN] = (
            st.session_state.get(UPLOADER_GEN, 0) + 1
        )  # an empty uploader: not checked again
        for key in [k for k in st.session_state.keys() if isinstance(k, str) and k.startswith("_edit_opened_")]:
            del st.session_state[key]
        st.rerun()  # the whole page: it shows the new revision
    if job.state in ("refused", "failed"):
        what = "cannot be imported" if job.state == "refused" else "was not imported"
        st.error(
            f"{plain(name)} {what}; nothing was changed."
            + (" Every problem, with row and field:" if job.problems else "")
        )
        st.code("\n".join(str(p) for p in job.problems) or job.error, language=None, wrap_lines=True)
        return
    additions = job.additions
    if additions is None:
        return
    for warning in additions.warnings:
        st.warning(plain(warning))
    if additions.is_empty:
        st.info(f"{plain(name)} holds nothing new: every record in it is already in the store.")
        return
    st.markdown(
        f"**Ready to add** from {plain(name)}: {len(additions.places)} places, {len(additions.periods)} control "
        f"periods, {len(additions.events)} events, {len(additions.sources)} sources, {len(additions.forces)} forces."
    )
    st.dataframe(
        pd.DataFrame([{"place": p.name_en, "kind": p.kind.value, "id": p.id} for p in additions.places]),
        hide_index=True,
        width="stretch",
    )
    st.button(f"Import {plain(name)}", type="primary", key="import_go", on_click=_import_write, args=(job, editor))


def _import_tab(scenario: Scenario, editor: Editor) -> None:
    st.caption(
        "GeoJSON (features with at least a `name`), CSV with lat/lon or WKT columns, or GeoPackage — "
        "see docs/import-format.md. The file is checked in full first; it is added all or nothing. "
        "Large files are checked and written in the background, with a progress bar."
    )
    upload = st.file_uploader(
        "File to import",
        type=["geojson", "json", "csv", "gpkg"],
        key=f"import_file_{st.session_state.get(UPLOADER_GEN, 0)}",
    )
    if upload is None:
        return
    data = upload.getvalue()
    if len(data) > IMPORT_LIMIT:
        st.error(f"{plain(upload.name)} is {len(data) / 1e6:.0f} MB; the limit is {IMPORT_LIMIT / 1e6:.0f} MB.")
        return
    job = _import_job(upload.name, upload.file_id, data, scenario)
    # a fragment that reruns on its own while the import runs (the rest of the page is not redrawn)
    st.fragment(_import_show, run_every=IMPORT_POLL_S if job.running else None)(job, editor, polling=job.running)


TABS = ["Control periods", "Events", "Sources", "Places", "History", "Import"]


def render() -> None:
    st.markdown("### Edit")
    editor = sign_in_box()
    if editor is None:
        st.info("Editing needs an editor session. " + how_to_edit() + " Viewers can read everything by link.")
        return
    notice = st.session_state.pop("_edit_notice", None)
    if notice:
        st.success(str(notice))
    scenario = map_builder().scenario
    # keyed, stateful tabs: the tab in use stays open when the page reruns (after a save or a restore)
    tabs = st.tabs(TABS, key="edit_tab", on_change="rerun")
    with tabs[0]:
        _periods_tab(scenario, editor)
    with tabs[1]:
        _events_tab(scenario, editor)
    with tabs[2]:
        _sources_tab(scenario, editor)
    with tabs[3]:
        _places_tab(scenario, editor)
    with tabs[4]:
        _history_tab(scenario, editor)
    with tabs[5]:
        _import_tab(scenario, editor)
