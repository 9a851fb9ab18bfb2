"""``mapdata serve``: ``streamlit run dashboard.py``, with the data loaded while the server starts.

The entry script is the app's own (``dashboard.py``: at the top of a checkout, ``mapdata/app/`` in a
wheel), run from the folder :func:`mapdata.resources.prepare_served_app` gives: the checkout's, or a
copy in the user's data folder when installed (its ``static/cache/`` must be writable).

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
import os
import sys
import threading
import time
from collections.abc import Sequence

from mapdata.config import settings
from mapdata.resources import ENTRY_SCRIPT, prepare_served_app

WARM_UP_THREAD = "mapdata-warm-up"


def warm_up() -> None:
    """Import the heavy modules and load the store into the pages' cache (errors are left to the page)."""
    start = time.perf_counter()
    try:
        # Not the pages' modules: a component (streamlit_folium's map) registers with Streamlit only when
        # its module is first imported inside a page run; imported here, the page could not load the map.
        import pandas  # noqa: F401 - the heavy imports of the first view, now

        from mapdata import ui
        from mapdata.model.errors import ScenarioError
        from mapdata.store import StoreError

        try:
            builder = ui.preload()
        except ScenarioError as exc:
            count = len(exc.problems)
            raise _NotLoaded(
                f"{count} problem{'s' if count != 1 else ''} in the data, the first: {exc.problems[0]}"
            ) from None
        except StoreError as exc:
            raise _NotLoaded(str(exc)) from None
    except Exception as exc:  # whatever it is, the page shows it with its file, record and field
        reason = str(exc) if isinstance(exc, _NotLoaded) else f"{type(exc).__name__}: {exc}"
        from mapdata.store.errors import redact

        reason = redact(reason, settings().store, settings().store_read)  # not in logs
        print(
            f"mapdata serve: the data was not preloaded ({reason}); the first page view shows the problem",
            file=sys.stderr,
            flush=True,
        )
        return
    print(
        f"mapdata serve: {len(builder.scenario.places):,} places preloaded in {time.perf_counter() - start:.1f} s",
        file=sys.stderr,
        flush=True,
    )


class _NotLoaded(Exception):
    """Why the warm-up could not load the data, in words."""


class _NotFromWarmUp(logging.Filter):
    """Streamlit warns "missing ScriptRunContext" for st calls outside a page run: expected in the warm-up."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != WARM_UP_THREAD


def static_folder_size(directory: str) -> int:
    """The size of ``directory``'s files, counting none that vanishes while it is walked.

    Streamlit sums static/ once at start (to refuse serving a folder over 1 GB) and stops the
    server if a file it listed is gone when it asks its size. The map's cache lives in static/
    and changes under it: the warm-up thread writes a file under a temporary name and renames
    it, and other servers on the same folder prune superseded versions.
    """
    total = 0
    for folder, _, names in os.walk(directory):
        for name in names:
            try:
                total += os.path.getsize(os.path.join(folder, name))
            except OSError:  # renamed or removed since the listing
                continue
    return total


def main(streamlit_args: Sequence[str] = ()) -> int:
    """Start the warm-up, then the Streamlit server on dashboard.py (returns when the server stops)."""
    from streamlit import file_util
    from streamlit.web import cli

    file_util.get_directory_size = static_folder_size  # Streamlit's own walk fails on a file that vanishes
    entry = prepare_served_app() / ENTRY_SCRIPT
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(_NotFromWarmUp())
    threading.Thread(target=warm_up, name=WARM_UP_THREAD, daemon=True).start()
    try:
        cli.main.main(args=["run", str(entry), *streamlit_args], prog_name="streamlit")
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
