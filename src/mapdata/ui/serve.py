"""``mapdata serve``: ``streamlit run dashboard.py``, with the data loaded while the server starts.

Streamlit runs nothing of the app until the first page view, so that first visitor
would wait for the map's modules to import and for the whole store to be read and
prepared (seconds, at tens of thousands of places). Here a background thread does that
work as soon as the process starts, into the same caches the pages use: the first
view finds the data ready, or waits only for what is left (Streamlit's cache lets one
caller compute a value while the others wait for it). Any problem is left for the
first page view to show, with its file, record and field.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parents[3]
DASHBOARD = ROOT / "dashboard.py"
WARM_UP_THREAD = "mapdata-warm-up"


def warm_up() -> None:
    """Import the heavy modules and load the store into the pages' cache (errors are left to the page)."""
    start = time.perf_counter()
    try:
        # Not the pages' modules: a component (streamlit_folium's map) registers with Streamlit only when
        # its module is first imported inside a page run; imported here, the page could not load the map.
        import pandas  # noqa: F401 - the heavy imports of the first view, now
        from mapdata import ui

        builder = ui.map_builder()
    except BaseException as exc:  # noqa: BLE001 - st.stop() outside a page run, a store that cannot be read, …
        print(f"mapdata serve: the data was not preloaded ({type(exc).__name__}: {exc}); "
              "the first page view loads it and shows any problem", file=sys.stderr, flush=True)
        return
    print(f"mapdata serve: {len(builder.scenario.places):,} places preloaded in {time.perf_counter() - start:.1f} s",
          file=sys.stderr, flush=True)


class _NotFromWarmUp(logging.Filter):
    """Streamlit warns "missing ScriptRunContext" for st calls outside a page run: expected in the warm-up."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != WARM_UP_THREAD


def main(streamlit_args: Sequence[str] = ()) -> int:
    """Start the warm-up, then the Streamlit server on dashboard.py (returns when the server stops)."""
    from streamlit.web import cli

    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_NotFromWarmUp())
    threading.Thread(target=warm_up, name=WARM_UP_THREAD, daemon=True).start()
    try:
        cli.main.main(args=["run", str(DASHBOARD), *streamlit_args], prog_name="streamlit")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
