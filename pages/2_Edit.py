"""Edit (editors only): control periods, events, sources and places, with history and restore."""

import streamlit as st

st.set_page_config(page_title="mapdata — edit", page_icon="🗺️", layout="wide")

from mapdata.ui.edit import render  # noqa: E402
from mapdata.ui.guard import guarded  # noqa: E402

guarded(render)
