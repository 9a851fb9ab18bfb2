"""The Streamlit side of mapdata: the only package that imports streamlit.

Pages call these functions; the domain logic they use lives in the rest of
``mapdata`` and knows nothing of Streamlit.
"""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from mapdata.config import settings
from mapdata.errors import ScenarioError
from mapdata.load import load_scenario
from mapdata.mapview import MapBuilder
from mapdata.models import Scenario


def _fingerprint(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times: a changed file reloads the scenario."""
    if not folder.is_dir():
        return ()
    out = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            out.append((str(path.relative_to(folder)), stat.st_size, stat.st_mtime_ns))
    return tuple(out)


@st.cache_resource(show_spinner="Loading the scenario…", max_entries=4)
def _builder(folder: str, fingerprint: tuple[tuple[str, int, int], ...], tiles_key: tuple[str, ...]) -> MapBuilder:
    del fingerprint  # part of the cache key only
    config = settings()
    return MapBuilder(load_scenario(folder), tiles=config.tiles)


def map_builder() -> MapBuilder:
    """The prepared scenario for this app (cached until a data file changes).

    Shows the problems and stops the page when the data is not usable.
    """
    config = settings()
    folder = config.data_dir
    tiles_key = (config.tiles.url, config.tiles.attribution) if config.tiles else ()
    try:
        return _builder(str(folder), _fingerprint(folder), tiles_key)
    except ScenarioError as exc:
        st.error(
            f"The scenario in {os.fspath(folder)} cannot be shown: "
            f"{len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''} in the data. "
            "Fix them (each names the file, record and field) and reload."
        )
        st.code("\n".join(str(p) for p in exc.problems), language=None, wrap_lines=True)
        st.stop()
        raise  # st.stop() raises; this line keeps type checkers informed


def scenario() -> Scenario:
    return map_builder().scenario


def plain(text: str) -> str:
    """Markdown-escape user text so Streamlit renders it literally (no links, HTML or formatting)."""
    specials = "\\`*_{}[]()#+-.!|<>~$:"
    return "".join("\\" + ch if ch in specials else ch for ch in text)
