"""The secondary pages: the sources behind the map, and a check of the data."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from mapdata.config import settings
from mapdata.load import check_folder
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
        return
    st.error(f"{len(problems)} problem{'s' if len(problems) != 1 else ''} found.")
    st.dataframe(
        pd.DataFrame([{"File": p.file, "Record": p.record, "Field": p.field, "Problem": p.message} for p in problems]),
        hide_index=True, width="stretch",
    )
