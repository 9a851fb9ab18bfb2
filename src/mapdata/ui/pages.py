"""The secondary pages: the sources behind the map, and a check of the data.

Both are computed once per store revision (any edit, by anyone, makes a new one) and
paged, so a view costs the same at ten places or ten thousand. User text (publishers,
titles, problems) is shown as text, never as Markdown.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from mapdata.config import settings
from mapdata.map.colours import ColourClash, clashes
from mapdata.model.errors import Problem, ScenarioError
from mapdata.model.load import check_folder
from mapdata.model.models import Event, Scenario
from mapdata.store import Store, StoreError, StoreUnavailableError
from mapdata.ui import (
    _builder_for,
    _show_and_stop,
    _show_unavailable,
    plain,
    read_location,
    reader,
    scenario as current_scenario,
    shown,
    store_location,
)

T = TypeVar("T")

SOURCES_PER_PAGE = 25
PROBLEMS_PER_PAGE = 500


def _paged(items: Sequence[T], *, per_page: int, key: str, noun: str) -> Sequence[T]:
    """The items of the page the reader picked (a page number box appears only when there is more than one)."""
    pages = max(1, math.ceil(len(items) / per_page))
    if pages == 1:
        return items
    if st.session_state.get(key, 1) > pages:  # fewer pages since the last view (before the widget is drawn)
        st.session_state[key] = pages
    page = int(st.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, step=1, key=key))
    start = (page - 1) * per_page
    end = min(len(items), start + per_page)
    st.caption(f"{noun.capitalize()} {start + 1:,}–{end:,} of {len(items):,}.")
    return items[start:end]


@st.cache_resource(show_spinner=False, max_entries=4)
def _events_by_source(location: str, revision: int, _scenario: Scenario) -> Mapping[str, tuple[Event, ...]]:
    """Each source's events, once per store revision (read-only: shared by every session)."""
    del location, revision  # the cache key
    found: dict[str, list[Event]] = defaultdict(list)
    for event in _scenario.events:
        found[event.source_id].append(event)
    return {source_id: tuple(events) for source_id, events in found.items()}


def _revision(store: Store) -> int:
    """The store's revision; shows the problem and stops the page when the store cannot be read."""
    try:
        return store.revision()
    except StoreUnavailableError as exc:
        _show_unavailable(exc)
    except StoreError as exc:
        _show_and_stop(f"The data store {store_location()} cannot be read.", [str(exc)])
    raise AssertionError("unreachable")  # st.stop() raises


def render_sources() -> None:
    scenario = current_scenario()
    revision = _revision(reader())
    st.markdown("### Sources")
    st.caption("Every report the map rests on, with the passages quoted as evidence and how sure each is.")
    by_source = _events_by_source(store_location(), revision, scenario)
    for source in _paged(scenario.sources, per_page=SOURCES_PER_PAGE, key="sources_page", noun="sources"):
        with st.container(border=True):
            st.markdown(f"**{plain(source.publisher)}**")
            st.text(source.title)
            details = {
                "Published": source.date_label,
                "Basis of the date": source.published_basis,
                "URL": source.url or "(none given)",
                "Language": source.language,
                "Terms": source.licence,
            }
            st.dataframe(
                pd.DataFrame({"": list(details), "Value": list(details.values())}),
                hide_index=True,
                width="stretch",
            )
            events = by_source.get(source.id, ())
            st.markdown(f"**{len(events)} passages used as evidence**")
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "Event date": e.date_label,
                            "Date as written": e.date_as_written,
                            "Quote": e.quote,
                            "Characters": f"{e.quote_start}–{e.quote_end}",
                            "Verification": e.verification_label,
                            "Date note": e.date_note,
                        }
                        for e in events
                    ]
                ),
                hide_index=True,
                width="stretch",
                column_config={"Quote": st.column_config.TextColumn(width="large")},
            )
            with st.expander("Full text"):
                st.text(source.text)


@dataclass(frozen=True)
class _StoreCheck:
    info: Mapping[str, Any]
    scenario: Scenario | None
    problems: tuple[Problem, ...]
    clashes: tuple[ColourClash, ...]


@st.cache_resource(show_spinner="Checking the data…", max_entries=4)
def _store_check(location: str, revision: int, _store: Store) -> _StoreCheck:
    """What the Data check shows about the store, once per revision (the scenario comes from the map's cache)."""
    del location, revision  # the cache key
    info = _store.info()
    try:
        scenario = _builder_for(_store).scenario
    except ScenarioError as exc:
        return _StoreCheck(info=info, scenario=None, problems=tuple(exc.problems), clashes=())
    found = clashes([(f.name, f.colour) for f in scenario.forces])
    return _StoreCheck(info=info, scenario=scenario, problems=(), clashes=tuple(found))


@st.cache_data(show_spinner=False, max_entries=4)
def _folder_check(folder: str, stamp: tuple[tuple[str, int, int], ...]) -> list[Problem]:
    del stamp  # the cache key: the folder's files, sizes and times
    return check_folder(folder)


def _folder_stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    try:
        files = sorted(p for p in folder.rglob("*") if p.is_file())
        return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    except OSError:
        return ()


def render_data_check() -> None:
    folder = settings().data_dir
    st.markdown("### Data check")
    store = reader()
    revision = _revision(store)
    try:
        check = _store_check(store_location(), revision, store)
    except StoreUnavailableError as exc:
        _show_unavailable(exc)
        return
    except StoreError as exc:
        _show_and_stop(f"The data store {store_location()} cannot be read.", [str(exc)])
        return
    info = check.info
    reads = f"; viewers read through {shown(read_location())}" if read_location() != store_location() else ""
    st.caption(
        plain(
            f"Store: {shown(store_location())}{reads} ({info.get('backend', '?')}, schema v{info.get('schema_version', '?')}, "
            f"revision {revision}). Seed folder: {folder}."
        )
    )
    st.markdown("**The shared data in the store**")
    scenario = check.scenario
    if scenario is None:
        _problems(check.problems, key="store_problems_page")
    else:
        st.success(
            f"Valid: {len(scenario.places):,} places, {len(scenario.events):,} events, {len(scenario.periods):,} "
            f"control periods, {len(scenario.sources):,} sources; every reference resolves, no periods overlap, "
            "every quote matches its source."
        )
        _colour_check(check.clashes)
    st.markdown(f"**The scenario folder {plain(str(folder))}** (seeds a new store; checked with `mapdata validate`)")
    problems = _folder_check(str(folder), _folder_stamp(Path(folder)))
    if problems:
        _problems(problems, key="folder_problems_page")
    else:
        st.success("No problems in the folder.")


def _problems(problems: Sequence[Problem], *, key: str) -> None:
    st.error(f"{len(problems):,} problem{'s' if len(problems) != 1 else ''} found.")
    page = _paged(problems, per_page=PROBLEMS_PER_PAGE, key=key, noun="problems")
    st.dataframe(
        pd.DataFrame([{"File": p.file, "Record": p.record, "Field": p.field, "Problem": p.message} for p in page]),
        hide_index=True,
        width="stretch",
    )


def _colour_check(found: Sequence[ColourClash]) -> None:
    if not found:
        st.success("Force colours stay distinguishable with protanopia, deuteranopia and tritanopia (simulated).")
        return
    st.warning("Some force colours are hard to tell apart for some readers:")
    st.dataframe(
        pd.DataFrame(
            [{"Force": c.first, "and": c.second, "Vision": c.vision, "Difference (ΔE)": c.delta_e} for c in found]
        ),
        hide_index=True,
        width="stretch",
    )
