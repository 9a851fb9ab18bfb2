"""Add a report: paste or upload a report, review what the parser found, save it."""

import streamlit as st

st.set_page_config(page_title="mapdata — add a report", page_icon="🗺️", layout="wide")

from mapdata.ui.guard import guarded  # noqa: E402
from mapdata.ui.report import render  # noqa: E402

guarded(render)
