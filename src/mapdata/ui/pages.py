"""The secondary pages: the sources behind the map, and a check of the data."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from typing import Sequence

from mapdata.colours import clashes
from mapdata.config import settings
from mapdata.errors import Problem, ScenarioError
from mapdata.load import check_folder
from mapdata.models import Scenario
from mapdata.ui import reader, store_location
from mapdata.ui import scenario as current_scenario


def render_sources() -> None:
    scenario = current_scenario()
    st.markdown("### Sources")
    st.caption("Every report the map rests on, with the passages quoted as evidence and how sure each is.")
    for source in scenario.sources:
        with st.container(border=True):
            st.markdown(f"**{source.publisher}**")
            st.text(source.title)
            details = {
                "Published": source.date_label,
                "Basis of the date": source.published_basis,
                "URL": source.url or "(none given)",
                "Language": source.language,
                "Terms": source.licence,
            }
            st.dataframe(
                pd.DataFrame({"": list(details), "Value": list(details.values())}), hide_index=True, width="stretch",
            )
            events = [e for e in scenario.events if e.source_id == source.id]
            st.markdown(f"**{len(events)} passages used as evidence**")
            st.dataframe(
                pd.DataFrame([{
                    "Event date": e.date_label,
                    "Date as written": e.date_as_written,
                    "Quote": e.quote,
                    "Characters": f"{e.quote_start}–{e.quote_end}",
                    "Verification": e.verification_label,
                    "Date note": e.date_note,
                } for e in events]),
                hide_index=True, width="stretch",
                column_config={"Quote": st.column_config.TextColumn(width="large")},
            )
            with st.expander("Full text"):
                st.text(source.text)


def render_data_check() -> None:
    folder = settings().data_dir
    st.markdown("### Data check")
    store = reader()
    info = store.info()
    st.caption(
        f"Store: {store_location()} ({info.get('backend', '?')}, schema v{info.get('schema_version', '?')}, "
        f"revision {store.revision()}). Seed folder: {folder}."
    )
    st.markdown("**The shared data in the store**")
    try:
        scenario = store.scenario()
    except ScenarioError as exc:
        _problems(exc.problems)
    else:
        st.success(
            f"Valid: {len(scenario.places)} places, {len(scenario.events)} events, {len(scenario.periods)} control "
            f"periods, {len(scenario.sources)} sources; every reference resolves, no periods overlap, every quote "
            "matches its source."
        )
        _colour_check(scenario)
    st.markdown(f"**The scenario folder {folder}** (seeds a new store; checked with `mapdata validate`)")
    problems = check_folder(folder)
    if problems:
        _problems(problems)
    else:
        st.success("No problems in the folder.")


def _problems(problems: Sequence[Problem]) -> None:
    st.error(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found.")
    st.dataframe(
        pd.DataFrame([{"File": p.file, "Record": p.record, "Field": p.field, "Problem": p.message} for p in problems]),
        hide_index=True, width="stretch",
    )


def _colour_check(scenario: Scenario) -> None:
    found = clashes([(f.name, f.colour) for f in scenario.forces])
    if not found:
        st.success("Force colours stay distinguishable with protanopia, deuteranopia and tritanopia (simulated).")
        return
    st.warning("Some force colours are hard to tell apart for some readers:")
    st.dataframe(
        pd.DataFrame([{"Force": c.first, "and": c.second, "Vision": c.vision, "Difference (ΔE)": c.delta_e} for c in found]),
        hide_index=True, width="stretch",
    )
