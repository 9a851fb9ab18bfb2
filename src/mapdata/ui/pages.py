"""The secondary pages: the sources behind the map, and a check of the data."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mapdata.colours import clashes
from mapdata.config import settings
from mapdata.errors import ScenarioError
from mapdata.load import check_folder, load_scenario
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
    st.caption(f"Validates the scenario folder {folder} against the format and consistency rules (docs/data-format.md).")
    problems = check_folder(folder)
    if not problems:
        st.success("No problems: every file parses, every reference resolves, no periods overlap, every quote matches its source.")
        _colour_check(folder)
        return
    st.error(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found.")
    st.dataframe(
        pd.DataFrame([{"File": p.file, "Record": p.record, "Field": p.field, "Problem": p.message} for p in problems]),
        hide_index=True, width="stretch",
    )


def _colour_check(folder: object) -> None:
    try:
        scenario = load_scenario(folder)  # type: ignore[arg-type]
    except ScenarioError:
        return
    found = clashes([(f.name, f.colour) for f in scenario.forces])
    if not found:
        st.success("Force colours stay distinguishable with protanopia, deuteranopia and tritanopia (simulated).")
        return
    st.warning("Some force colours are hard to tell apart for some readers:")
    st.dataframe(
        pd.DataFrame([{"Force": c.first, "and": c.second, "Vision": c.vision, "Difference (ΔE)": c.delta_e} for c in found]),
        hide_index=True, width="stretch",
    )
