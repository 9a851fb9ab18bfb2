"""The app's pages and its navigation (called by the entry script, ``dashboard.py``).

Classic multipage navigation names the main page after its script ("dashboard"), and the
entry script keeps its name (``mapdata serve``, the README and CI run it), so the pages are
declared here with ``st.navigation``, exactly as Streamlit's classic ``pages/`` folder would
declare them, except that the map page reads "Map". The addresses stay what they were: the map
at ``/`` (and ``/dashboard``), each file in ``pages/`` at ``/<its name>`` (``/Sources``,
``/Add_a_report``, …), so links and bookmarks keep working. A new file in ``pages/`` appears
in the navigation as before.
"""

from __future__ import annotations

import re
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from mapdata.ui import dashboard
from mapdata.ui.guard import guarded

MAP_TITLE = "Map"
MAP_URL_PATH = "dashboard"  # the classic address of the main page (the entry script's name)
_PAGE_FILE = re.compile(r"([0-9]*)[_ -]*(.*)\.py")


def _map() -> None:
    guarded(dashboard.render)


def _order(path: Path) -> tuple[float, str]:
    """Classic ``pages/`` order: by the number the file name starts with, then by name."""
    match = _PAGE_FILE.fullmatch(path.name)
    number, name = (match.group(1), match.group(2)) if match else ("", path.stem)
    return (float(number) if number else float("inf"), name.lower())


def page_files(folder: Path) -> list[Path]:
    """The page scripts in ``folder`` (the entry script's ``pages/``), in navigation order."""
    return sorted((p for p in folder.glob("*.py") if not p.name.startswith((".", "__"))), key=_order)


def run(entry_script: str | Path) -> None:
    """Declare the pages (the map first, then ``pages/``) and run the one the address asks for."""
    if PagesManager.uses_pages_directory:
        # The process's first run: Streamlit saw pages/ and ran this script as the main page of its
        # classic navigation; declaring pages inside that run leaves components (the map) unloaded.
        # From now on this script declares the pages itself: start the run again that way.
        PagesManager.uses_pages_directory = False
        st.rerun()
    folder = Path(entry_script).resolve().parent / "pages"
    pages = [st.Page(_map, title=MAP_TITLE, url_path=MAP_URL_PATH, default=True)]
    pages += [st.Page(path) for path in page_files(folder)]
    st.navigation(pages, position="sidebar").run()


__all__ = ["MAP_TITLE", "page_files", "run"]
