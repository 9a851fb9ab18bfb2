"""Sources: the reports behind the map, their quotes and verification."""

import streamlit as st

st.set_page_config(page_title="mapdata — sources", page_icon="🗺️", layout="wide")

from mapdata.ui.guard import guarded  # noqa: E402
from mapdata.ui.pages import render_sources  # noqa: E402

guarded(render_sources)
