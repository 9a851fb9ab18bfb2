"""The Edit page: only editors edit; saves are versioned; a stale save is refused; history restores."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from streamlit.testing.v1 import AppTest

from mapdata.resources import APP_DIR
from mapdata.store import open_store

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(APP_DIR / "pages" / "2_Edit.py")
PASSWORD = "team-secret"


def page(*, sign_in: bool = True) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.secrets["mapdata"] = {"editor_password": PASSWORD}
    at.run()
    assert not at.exception, at.exception
    if sign_in:
        at.sidebar.text_input[0].set_value("Rana")
        at.sidebar.text_input[1].set_value(PASSWORD)
        next(b for b in at.sidebar.button if b.label == "Sign in to edit").click().run()
        assert not at.exception, at.exception
    return at


def test_viewers_see_no_edit_controls() -> None:
    at = page(sign_in=False)
    assert any("needs an editor session" in i.value for i in at.info)
    assert not at.tabs and not at.date_input


def test_wrong_password_is_refused() -> None:
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.secrets["mapdata"] = {"editor_password": PASSWORD}
    at.run()
    at.sidebar.text_input[0].set_value("Mallory")
    at.sidebar.text_input[1].set_value("guess")
    next(b for b in at.sidebar.button if b.label == "Sign in to edit").click().run()
    assert any("Wrong password" in e.value for e in at.sidebar.error)
    assert not at.tabs


def test_no_sign_in_configured_means_read_only() -> None:
    at = AppTest.from_file(PAGE, default_timeout=90).run()
    assert any("Read-only" in c.value for c in at.sidebar.caption)
    assert not at.sidebar.text_input


def _period_form(at: AppTest, period_id: str) -> None:
    at.selectbox(key="edit_period_place").set_value("qusayr_position_1").run()
    at.selectbox(key="edit_period_id").set_value(period_id).run()
    assert not at.exception, at.exception


def test_edit_a_period_then_a_stale_save_is_refused(fresh_store: Path) -> None:
    at = page()
    _period_form(at, "pos1_regime_control")
    # the editor ends the period on 20 June
    end_input = next(d for d in at.date_input if d.label.startswith("End"))
    end_input.set_value(dt.date(2018, 6, 20))
    next(b for b in at.button if b.label == "Save period").click().run()
    assert not at.exception, at.exception
    assert any("Saved period pos1_regime_control" in s.value for s in at.success)
    store = open_store(fresh_store, read_only=True)
    item = store.get("period", "pos1_regime_control")
    assert item.record.end == dt.date(2018, 6, 20) and item.version == 2 and item.updated_by == "Rana"

    # the editor opens it again (version 2) ...
    _period_form(at, "pos1_regime_control")
    # ... meanwhile a second editor saves a change through another connection
    other = open_store(fresh_store)
    other.update(
        dataclasses.replace(item.record, note="checked against a second source"), expected_version=2, user="Omar"
    )
    # ... and the first editor's save is refused, naming what changed and who did it
    next(d for d in at.date_input if d.label.startswith("End")).set_value(dt.date(2018, 6, 25))
    next(b for b in at.button if b.label == "Save period").click().run()
    assert not at.exception, at.exception
    message = " ".join(e.value for e in at.error)
    assert "Omar" in message and "note" in message
    kept = store.get("period", "pos1_regime_control")
    assert kept.version == 3 and kept.record.note == "checked against a second source"
    assert kept.record.end == dt.date(2018, 6, 20)


def test_an_overlapping_period_is_refused_and_nothing_changes(fresh_store: Path) -> None:
    at = page()
    store = open_store(fresh_store, read_only=True)
    revision = store.revision()
    at.selectbox(key="edit_period_place").set_value("qusayr_position_1").run()
    next(s for s in at.selectbox if s.label == "Force").set_value("israel")
    next(s for s in at.selectbox if s.label == "Role").set_value("control")
    next(d for d in at.date_input if d.label.startswith("Start")).set_value(dt.date(2018, 6, 9))
    next(m for m in at.multiselect if m.label == "Supporting events").set_value(["ev_division11_takeover"])
    next(b for b in at.button if b.label == "Add period").click().run()
    assert not at.exception, at.exception
    assert any("break the data rules" in e.value for e in at.error)
    assert any("overlaps" in c.value for c in at.code)
    assert store.revision() == revision


def test_history_shows_changes_and_restores(fresh_store: Path) -> None:
    writer = open_store(fresh_store, seed_from=ROOT / "geodata")
    item = writer.get("place", "homs")
    writer.update(
        dataclasses.replace(item.record, name_en="Homs city (renamed by mistake)"),
        expected_version=item.version,
        user="Omar",
    )
    at = page()
    at.selectbox(key="history_kind").set_value("place").run()
    at.selectbox(key="history_id").set_value("homs").run()
    history = next(d.value for d in at.dataframe if "who" in d.value.columns)
    assert list(history["who"])[-1] == "Omar" and "name_en" in list(history["fields changed"])[-1]
    first = int(history["change"].iloc[0])
    at.selectbox(key="history_entry").set_value(first).run()
    next(b for b in at.button if b.label.startswith("Restore place homs")).click().run()
    assert not at.exception, at.exception
    restored = open_store(fresh_store, read_only=True).get("place", "homs")
    assert restored.record.name_en == "Homs" and restored.updated_by == "Rana"
