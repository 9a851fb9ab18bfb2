"""A viewer never sees a traceback: every page's render runs inside :func:`guarded`.

Anything unexpected is logged on the server (with its traceback and a short reference)
and the viewer gets one plain sentence with that reference, never a server path.
``st.stop()``, ``st.rerun()`` and ``st.switch_page()`` are not errors: they raise
``BaseException`` subclasses (Streamlit's control flow), which pass through untouched.
Errors Streamlit shows itself (in widget callbacks, say) are redacted by
``client.showErrorDetails = "none"`` in ``.streamlit/config.toml``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

import streamlit as st

LOG = logging.getLogger("mapdata.ui")

MESSAGE = (
    "Something went wrong while showing this page. Reload the page to try again; "
    "if it happens again, tell the people who run this site (reference {reference})."
)


def guarded(render: Callable[[], None]) -> None:
    """Run a page's ``render``; an unexpected error becomes a short message here and a full log entry there.

    Widget values a browser sent for widgets that do not exist (forged ids) are dropped first
    (:func:`mapdata.ui.auth.guard_session`), on every page.
    """
    from mapdata.ui.auth import guard_session

    try:
        guard_session()
        render()
    except Exception:  # the point: nothing unexpected reaches the viewer as a traceback
        reference = secrets.token_hex(4)
        LOG.exception("page %s failed (reference %s)", getattr(render, "__qualname__", render), reference)
        st.error(MESSAGE.format(reference=reference), icon="⚠️")


__all__ = ["MESSAGE", "guarded"]
