"""mapdata: who controls what, where and since when — the map page.

Run with ``mapdata serve`` (``streamlit run dashboard.py``, loading the data while the server starts);
plain ``streamlit run dashboard.py`` works too. The other pages are in ``pages/`` (Add a
report, Edit, Sources, Data check); mapdata.ui.nav declares them all (the map reads "Map"
in the navigation). Pages are thin: mapdata.ui reads the widgets and calls the library.
"""

import streamlit as st

st.set_page_config(page_title="mapdata — control map", page_icon="🗺️", layout="wide", initial_sidebar_state="auto")

from mapdata.ui import nav  # noqa: E402  (set_page_config must come first)

nav.run(__file__)
