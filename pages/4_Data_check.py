"""Data check: validate the scenario folder and list every problem."""

import streamlit as st

st.set_page_config(page_title="mapdata — data check", page_icon="🗺️", layout="wide")

from mapdata.ui.guard import guarded  # noqa: E402
from mapdata.ui.pages import render_data_check  # noqa: E402

guarded(render_data_check)
