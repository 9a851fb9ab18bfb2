"""Who may edit: viewers read by link; editors sign in.

Two ways to sign in, set up by whoever runs the server:

- an OpenID Connect provider (Streamlit's ``st.login``; needs ``streamlit[auth]``), in
  ``.streamlit/secrets.toml``::

      [auth]
      redirect_uri = "https://maps.example.org/oauth2callback"
      cookie_secret = "…"
      client_id = "…"
      client_secret = "…"
      server_metadata_url = "https://accounts.example.org/.well-known/openid-configuration"

      [mapdata]
      editors = ["analyst@example.org"]   # optional: only these accounts may edit

- otherwise a team password: ``MAPDATA_EDITOR_PASSWORD`` in the environment, or in
  ``.streamlit/secrets.toml``::

      [mapdata]
      editor_password = "…"

With neither, nobody can edit: the app is read-only and says how to enable editing
(:func:`how_to_edit`, the one message every page shows). No edit control is shown, and
no write is accepted, without an editor session.

Wrong team passwords are throttled per server process (:class:`SignInThrottle`): after
:data:`SESSION_FREE_TRIES` wrong passwords a browser session is locked out for
:data:`SESSION_LOCK_SECONDS` (doubling with each further failure, at most
:data:`MAX_LOCK_SECONDS`), and after :data:`GLOBAL_MAX_FAILURES` wrong passwords from any
sessions within :data:`GLOBAL_WINDOW_SECONDS` password sign-in is closed for everyone for
:data:`GLOBAL_LOCK_SECONDS` — a script that opens a new session per guess gains nothing.

Session state is never trusted: the signed-in editor is kept as an object of a private
class, so a value forged into ``st.session_state`` (for instance a widget id sent over the
websocket) reads as "not signed in", never as an editor and never as an error.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from mapdata.config import settings
from mapdata.ui import plain

SESSION_KEY = "_mapdata_editor"
ERROR_KEY = "_mapdata_sign_in_error"
MAX_NAME_CHARS = 80

SESSION_FREE_TRIES = 5
SESSION_LOCK_SECONDS = 30.0
MAX_LOCK_SECONDS = 900.0
GLOBAL_WINDOW_SECONDS = 600.0
GLOBAL_MAX_FAILURES = 30
GLOBAL_LOCK_SECONDS = 300.0
FAILURE_DELAY_SECONDS = 0.5
"""Each wrong password also holds that session's page run this long."""


@dataclass(frozen=True)
class Editor:
    name: str
    method: str  # "oidc" or "password"


@dataclass(frozen=True)
class _SignedIn:
    """What a team-password sign-in keeps in the session (a type no forged widget value can have)."""

    name: str


@dataclass
class SignInThrottle:
    """Wrong-password lock-out, per browser session and for the whole server process."""

    clock: Callable[[], float] = time.monotonic
    max_sessions: int = 10_000
    _sessions: OrderedDict[str, tuple[int, float]] = field(
        default_factory=OrderedDict
    )  # session -> (failures, locked until)
    _recent: deque[float] = field(default_factory=deque)  # times of recent failures, any session
    _global_until: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, session: str) -> float:
        """Seconds until ``session`` may try a password again (0: now)."""
        now = self.clock()
        with self._lock:
            _, until = self._sessions.get(session, (0, 0.0))
            return max(0.0, until - now, self._global_until - now)

    def failed(self, session: str) -> None:
        now = self.clock()
        with self._lock:
            failures, until = self._sessions.pop(session, (0, 0.0))
            failures += 1
            if failures >= SESSION_FREE_TRIES:
                lock = SESSION_LOCK_SECONDS * 2 ** (failures - SESSION_FREE_TRIES)
                until = now + min(MAX_LOCK_SECONDS, lock)
            self._sessions[session] = (failures, until)
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
            self._recent.append(now)
            while self._recent and self._recent[0] < now - GLOBAL_WINDOW_SECONDS:
                self._recent.popleft()
            if len(self._recent) >= GLOBAL_MAX_FAILURES:
                self._global_until = now + GLOBAL_LOCK_SECONDS
                self._recent.clear()

    def succeeded(self, session: str) -> None:
        with self._lock:
            self._sessions.pop(session, None)


THROTTLE = SignInThrottle()


def _secrets_section(name: str) -> dict[str, Any]:
    try:
        section = st.secrets.get(name)
    except Exception:  # no secrets.toml at all
        return {}
    return dict(section) if section else {}


def _oidc_configured() -> bool:
    auth = _secrets_section("auth")
    return bool(auth.get("client_id") or any(isinstance(v, dict) and v.get("client_id") for v in auth.values()))


def _team_password() -> str:
    return str(_secrets_section("mapdata").get("editor_password") or settings().editor_password)


def editing_enabled() -> bool:
    return _oidc_configured() or bool(_team_password())


def _state(key: str) -> Any:
    """A session-state value, or None for anything missing or unreadable (a forged widget id, say)."""
    try:
        return st.session_state.get(key)
    except Exception:
        return None


def _drop(key: str) -> None:
    try:
        st.session_state.pop(key, None)
    except Exception:
        pass


def guard_session() -> None:
    """Forget widget values this session's browser sent for widgets that do not exist.

    Streamlit 1.67 keeps a widget value that arrives over the websocket under any id; one whose id
    is not an element id and that has no widget behind it (a forged ``_mapdata_editor``, say) makes
    the next widget drawn raise a ``KeyError`` with server paths. Such values are dropped before the
    page draws anything. (Uses Streamlit's session internals; if they change, this does nothing.)
    """
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
        from streamlit.runtime.state.common import is_element_id

        ctx = get_script_run_ctx()
        if ctx is None:
            return
        widgets = ctx.session_state._state._new_widget_state
        for widget_id in list(widgets.states):
            if (
                not is_element_id(widget_id)
                and not widget_id.startswith("$$")
                and widget_id not in widgets.widget_metadata
            ):
                del widgets.states[widget_id]
    except Exception:  # another Streamlit version: nothing to do here
        pass


def _session_id() -> str:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return str(ctx.session_id) if ctx is not None else "-"


def _oidc_account() -> tuple[bool, str]:
    """(signed in with the provider, account name)."""
    user = st.user
    if not getattr(user, "is_logged_in", False):
        return False, ""
    return True, str(user.get("email") or user.get("name") or "")


def current_editor() -> Editor | None:
    """The signed-in editor, or None (a viewer)."""
    if _oidc_configured():
        logged_in, email = _oidc_account()
        if not logged_in:
            return None
        allowed = _secrets_section("mapdata").get("editors")
        if allowed and email not in allowed:
            return None
        return Editor(name=email or "editor", method="oidc")
    signed_in = _state(SESSION_KEY)
    if not isinstance(signed_in, _SignedIn):
        return None
    if not _team_password():
        return None
    return Editor(name=signed_in.name, method="password")


def how_to_edit() -> str:
    """How to become an editor on this server: the one message every page shows (Markdown, no user text)."""
    if _oidc_configured():
        logged_in, email = _oidc_account()
        if logged_in:
            return (
                f"The account {plain(email)} is not on this server's list of editors: ask whoever runs the "
                "server to add it (`editors` under `[mapdata]` in .streamlit/secrets.toml)."
            )
        return "Sign in as an editor in the sidebar (**Editing**) with your organisation's account."
    if _team_password():
        return (
            "Sign in as an editor in the sidebar (**Editing**) with your name and the team password "
            "(ask whoever runs the server for it)."
        )
    return (
        "Read-only: nobody can edit on this server yet. Whoever runs the server enables editing in one of two "
        "ways: a team password (the environment variable `MAPDATA_EDITOR_PASSWORD`, or `editor_password` under "
        "`[mapdata]` in .streamlit/secrets.toml), or an OpenID Connect provider under `[auth]` in "
        ".streamlit/secrets.toml (sign-in with the organisation's accounts). See docs/deployment.md."
    )


def _password_sign_in(name: str, password: str) -> None:
    session = _session_id()
    wait = THROTTLE.wait(session)
    if wait > 0:
        st.session_state[ERROR_KEY] = f"Too many wrong passwords: sign-in is locked for {wait:.0f} s. Try again later."
        return
    expected = _team_password()
    name = " ".join(str(name).split())[:MAX_NAME_CHARS]
    if expected and name and hmac.compare_digest(str(password).encode(), expected.encode()):
        THROTTLE.succeeded(session)
        st.session_state[SESSION_KEY] = _SignedIn(name)
        _drop(ERROR_KEY)
        return
    if not name:
        st.session_state[ERROR_KEY] = "Give your name: it is recorded with your edits."
        return
    THROTTLE.failed(session)
    time.sleep(FAILURE_DELAY_SECONDS)
    st.session_state[ERROR_KEY] = "Wrong password."


def _sign_out() -> None:
    _drop(SESSION_KEY)


def sign_in_box() -> Editor | None:
    """Sidebar control to sign in or out; returns the editor, if any."""
    editor = current_editor()
    with st.sidebar:
        st.subheader("Editing")
        if editor:
            st.caption(f"Signed in as {plain(editor.name)} (editor).")
            st.button("Sign out", on_click=st.logout if editor.method == "oidc" else _sign_out)
            return editor
        if not editing_enabled():
            st.caption(how_to_edit())
            return None
        if _oidc_configured():
            if _oidc_account()[0]:
                st.caption(how_to_edit())
                st.button("Sign out", on_click=st.logout)
            else:
                st.button("Sign in to edit", on_click=st.login)
            return None
        with st.form("sign_in"):
            name = st.text_input("Your name (recorded with your edits)", max_chars=MAX_NAME_CHARS)
            password = st.text_input("Team password", type="password")
            submitted = st.form_submit_button("Sign in to edit")
        if submitted:
            _password_sign_in(name, password)
            if current_editor() is not None:
                st.rerun()
        error = _state(ERROR_KEY)
        if isinstance(error, str) and error:
            st.error(error)
    return None
