"""Edit page and sign-in (issue 8 items 11, 13, 16, 19; issue 9 item 9): one message on how to become an
editor, a readable history that stays open after Restore, a throttled team password, escaped names,
and forged session values that never raise."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from mapdata.resources import APP_DIR
from mapdata.store import open_store
from mapdata.ui import auth

ROOT = Path(__file__).resolve().parents[2]
EDIT = str(APP_DIR / "pages" / "2_Edit.py")
REPORT = str(APP_DIR / "pages" / "1_Add_a_report.py")
PASSWORD = "team-secret"
HOSTILE = "![x](http://127.0.0.1:9/img-editorname.png) [click](javascript:alert(1))"


@pytest.fixture(autouse=True)
def fresh_throttle(monkeypatch: pytest.MonkeyPatch) -> auth.SignInThrottle:
    throttle = auth.SignInThrottle()
    monkeypatch.setattr(auth, "THROTTLE", throttle)
    monkeypatch.setattr(auth, "FAILURE_DELAY_SECONDS", 0.0)
    return throttle


def page(script: str = EDIT, *, password: str | None = PASSWORD) -> AppTest:
    at = AppTest.from_file(script, default_timeout=90)
    if password:
        at.secrets["mapdata"] = {"editor_password": password}
    at.run()
    assert not at.exception, at.exception
    return at


def sign_in(at: AppTest, name: str = "Rana", password: str = PASSWORD) -> AppTest:
    at.sidebar.text_input[0].set_value(name)
    at.sidebar.text_input[1].set_value(password)
    next(b for b in at.sidebar.button if b.label == "Sign in to edit").click().run()
    assert not at.exception, at.exception
    return at


def test_read_only_message_names_both_ways_and_is_the_same_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAPDATA_EDITOR_PASSWORD", raising=False)
    at = page(password=None)
    sidebar = " ".join(c.value for c in at.sidebar.caption)
    main = " ".join(i.value for i in at.info)
    for text in (sidebar, main):
        assert "Read-only" in text and "MAPDATA_EDITOR_PASSWORD" in text and "secrets.toml" in text
        assert "OpenID Connect" in text
    assert "sign in from the sidebar" not in main
    report = page(REPORT, password=None)
    assert any("MAPDATA_EDITOR_PASSWORD" in c.value for c in report.sidebar.caption)


def test_the_environment_password_enables_sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAPDATA_EDITOR_PASSWORD", "from-env")
    at = page(password=None)
    assert any("Sign in as an editor in the sidebar" in i.value for i in at.info)
    sign_in(at, password="from-env")
    assert any("Signed in as Rana" in c.value for c in at.sidebar.caption)


def test_repeated_wrong_passwords_lock_the_session_out() -> None:
    at = page()
    for _ in range(auth.SESSION_FREE_TRIES):
        sign_in(at, "Mallory", "guess")
        assert any("Wrong password" in e.value for e in at.sidebar.error)
    sign_in(at, "Mallory", PASSWORD)  # even the right password is refused while locked
    assert any("Too many wrong passwords" in e.value for e in at.sidebar.error)
    assert not at.tabs and not any("Signed in" in c.value for c in at.sidebar.caption)


def test_editor_names_are_text_not_markdown() -> None:
    at = sign_in(page(), HOSTILE)
    caption = next(c.value for c in at.sidebar.caption if c.value.startswith("Signed in as"))
    assert "](" not in caption.replace("\\]\\(", "")
    assert "\\!\\[x\\]\\(http" in caption and "\\[click\\]\\(javascript" in caption


def send_forged_widget(at: AppTest) -> None:
    """Run the page again as a browser that sends a value for a widget id that has no widget (``_mapdata_editor``)."""
    states = at._tree.get_widget_states()
    forged = states.widgets.add()
    forged.id = auth.SESSION_KEY
    forged.string_value = "Mallory"
    at._run(states)
    assert not at.exception, at.exception


@pytest.mark.parametrize("script", [EDIT, REPORT])
def test_a_forged_widget_id_is_ignored(script: str) -> None:
    at = page(script)
    for _ in range(2):
        send_forged_widget(at)
        assert not any("Signed in" in c.value for c in at.sidebar.caption)
        assert at.sidebar.text_input  # the sign-in form is drawn (no KeyError)


@pytest.mark.parametrize("value", ["Mallory", {"name": "Mallory"}, 42, None, auth.Editor("Mallory", "password")])
def test_forged_session_values_sign_nobody_in(value: object) -> None:
    at = AppTest.from_file(EDIT, default_timeout=90)
    at.secrets["mapdata"] = {"editor_password": PASSWORD}
    at.session_state[auth.SESSION_KEY] = value
    at.session_state[auth.ERROR_KEY] = {"not": "text"}
    at.run()
    assert not at.exception, at.exception
    assert not at.tabs
    assert any("needs an editor session" in i.value for i in at.info)


def _renamed_homs(store_path: Path) -> None:
    writer = open_store(store_path, seed_from=ROOT / "geodata")
    item = writer.get("place", "homs")
    writer.update(
        dataclasses.replace(item.record, name_en="Homs city (renamed by mistake)"),
        expected_version=item.version,
        user="Omar",
    )


def _history(at: AppTest) -> AppTest:
    at.selectbox(key="history_kind").set_value("place").run()
    at.selectbox(key="history_id").set_value("homs").run()
    assert not at.exception, at.exception
    return at


def test_history_names_changes_and_shows_field_differences(fresh_store: Path) -> None:
    _renamed_homs(fresh_store)
    at = _history(sign_in(page()))
    picker = at.selectbox(key="history_entry")
    label = picker.format_func(picker.value)
    assert label.startswith("rev ") and " · Omar · " in label and "place homs" in label
    diff = next(d.value for d in at.dataframe if "field" in d.value.columns)
    row = diff[diff["field"] == "name_en"].iloc[0]
    assert row["before"] == "Homs" and row["after"] == "Homs city (renamed by mistake)"
    assert list(diff["field"]) == ["name_en"]  # only what changed
    at.toggle(key="history_everything").set_value(True).run()
    diff = next(d.value for d in at.dataframe if "field" in d.value.columns)
    assert {"name_en", "name_ar", "kind"} <= set(diff["field"])


def _tab_container(at: AppTest) -> Any:
    def walk(node: Any) -> Any:
        proto = getattr(node, "proto", None)
        if proto is not None and proto.DESCRIPTOR.name == "Block" and proto.HasField("tab_container"):
            return proto
        for child in getattr(node, "children", {}).values():
            found = walk(child)
            if found is not None:
                return found
        return None

    return walk(at._tree)


def test_restore_keeps_the_history_tab_open(fresh_store: Path) -> None:
    _renamed_homs(fresh_store)
    at = sign_in(page())
    at.session_state["edit_tab"] = "History"
    at.run()
    _history(at)
    first = at.selectbox(key="history_entry").options[0]
    at.selectbox(key="history_entry").set_value(int(first.split(" ")[1]) if not first.isdigit() else int(first)).run()
    next(b for b in at.button if b.label.startswith("Restore place homs")).click().run()
    assert not at.exception, at.exception
    assert any("Restored place homs" in s.value for s in at.success)
    container = _tab_container(at)
    assert container is not None and container.tab_container.id  # a keyed, stateful st.tabs ...
    assert at.session_state["edit_tab"] == "History"  # ... still on History after the rerun
    assert open_store(fresh_store, read_only=True).get("place", "homs").record.name_en == "Homs"


@pytest.mark.parametrize("script", ["dashboard.py", "pages/3_Sources.py", "pages/4_Data_check.py"])
def test_a_forged_widget_id_is_ignored_on_every_page(script: str) -> None:
    at = AppTest.from_file(str(APP_DIR / script), default_timeout=120)
    at.run()
    send_forged_widget(at)
    assert not any("went wrong" in e.value for e in at.error)
