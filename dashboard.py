"""mapdata: who controls what, where and since when.

Run with ``streamlit run dashboard.py``. This entry point only sets up the pages;
each page is thin and calls mapdata.ui, which reads the widgets and calls the library.
"""

from pathlib import Path

import streamlit as st

st.set_page_config(page_title="mapdata — control map", page_icon="🗺️", layout="wide", initial_sidebar_state="auto")

from mapdata.ui import dashboard  # noqa: E402  (set_page_config must come first)

PAGES = Path(__file__).parent / "pages"

st.navigation(
    [
        st.Page(dashboard.render, title="Map", default=True),
        st.Page(PAGES / "3_Add_a_report.py", title="Add a report", url_path="Add_a_report"),
        st.Page(PAGES / "4_Edit.py", title="Edit", url_path="Edit"),
        st.Page(PAGES / "1_Sources.py", title="Sources", url_path="Sources"),
        st.Page(PAGES / "2_Data_check.py", title="Data check", url_path="Data_check"),
    ]
).run()
