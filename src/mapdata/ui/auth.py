"""Who may edit: viewers read by link; editors sign in.

Two ways to sign in, from ``.streamlit/secrets.toml``:

- an OpenID Connect provider (Streamlit's ``st.login``; needs ``streamlit[auth]``)::

      [auth]
      redirect_uri = "https://maps.example.org/oauth2callback"
      cookie_secret = "…"
      client_id = "…"
      client_secret = "…"
      server_metadata_url = "https://accounts.example.org/.well-known/openid-configuration"

      [mapdata]
      editors = ["analyst@example.org"]   # optional: only these accounts may edit

- otherwise a team password (``MAPDATA_EDITOR_PASSWORD`` in the environment also works)::

      [mapdata]
      editor_password = "…"

With neither, nobody can edit: the app is read-only and says how to enable editing.
No edit control is shown, and no write is accepted, without an editor session.
"""

from __future__ import annotations

import hmac
import os
from dataclasses import dataclass
from typing import Any

import streamlit as st

SESSION_KEY = "_mapdata_editor"


@dataclass(frozen=True)
class Editor:
    name: str
    method: str  # "oidc" or "password"


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
    return str(_secrets_section("mapdata").get("editor_password") or os.environ.get("MAPDATA_EDITOR_PASSWORD") or "")


def editing_enabled() -> bool:
    return _oidc_configured() or bool(_team_password())


def current_editor() -> Editor | None:
    """The signed-in editor, or None (a viewer)."""
    if _oidc_configured():
        user = st.user
        if not getattr(user, "is_logged_in", False):
            return None
        email = str(user.get("email") or user.get("name") or "")
        allowed = _secrets_section("mapdata").get("editors")
        if allowed and email not in allowed:
            return None
        return Editor(name=email or "editor", method="oidc")
    editor = st.session_state.get(SESSION_KEY)
    if editor and _team_password():
        return Editor(name=editor, method="password")
    return None


def _password_sign_in(name: str, password: str) -> None:
    expected = _team_password()
    if expected and name.strip() and hmac.compare_digest(password.encode(), expected.encode()):
        st.session_state[SESSION_KEY] = name.strip()
        st.session_state.pop("_mapdata_sign_in_error", None)
    else:
        st.session_state["_mapdata_sign_in_error"] = "Wrong password, or no name given."


def sign_in_box() -> Editor | None:
    """Sidebar control to sign in or out; returns the editor, if any."""
    editor = current_editor()
    with st.sidebar:
        st.subheader("Editing")
        if editor:
            st.caption(f"Signed in as {editor.name} (editor).")
            if editor.method == "oidc":
                st.button("Sign out", on_click=st.logout)
            else:
                st.button("Sign out", on_click=lambda: st.session_state.pop(SESSION_KEY, None))
            return editor
        if not editing_enabled():
            st.caption("Read-only: no sign-in is configured. Set `[mapdata] editor_password` (or an OIDC provider "
                       "under `[auth]`) in .streamlit/secrets.toml to let editors sign in.")
            return None
        if _oidc_configured():
            st.button("Sign in to edit", on_click=st.login)
            return None
        with st.form("sign_in"):
            name = st.text_input("Your name (recorded with your edits)")
            password = st.text_input("Team password", type="password")
            submitted = st.form_submit_button("Sign in to edit")
        if submitted:
            _password_sign_in(name, password)
            if st.session_state.get(SESSION_KEY):
                st.rerun()
        error = st.session_state.get("_mapdata_sign_in_error")
        if error:
            st.error(error)
    return None
