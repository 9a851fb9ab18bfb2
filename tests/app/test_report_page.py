"""The "Add a report" page: analyse pasted text, review, save into the scenario."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mapdata.resources import APP_DIR

ROOT = Path(__file__).resolve().parents[2]
PAGE = str(APP_DIR / "pages" / "1_Add_a_report.py")
REPORT = (
    "On Monday, June 4, Russian forces took over three positions in al-Qusayr, in the western countryside of Homs. "
    "<script>alert('x')</script> Hezbollah objected to the step. Nasrallah spoke on Friday June 5."
)


@pytest.fixture()
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "geodata", folder)
    monkeypatch.setenv("MAPDATA_DATA", str(folder))
    return folder


def analyse(
    text: str, publisher: str = "Test Wire", title: str = "Russians at al-Qusayr", *, editor: bool = False
) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.secrets["mapdata"] = {"editor_password": "team-secret"}
    at.run()
    if editor:
        form = list(at.sidebar.text_input)
        form[0].set_value("Rana")
        form[1].set_value("team-secret")
        next(b for b in at.sidebar.button if b.label == "Sign in to edit").click().run()
        assert any("Signed in as Rana" in c.value for c in at.sidebar.caption)
    at.text_area[0].set_value(text)
    at.main.text_input[0].set_value(publisher)
    at.main.text_input[1].set_value(title)
    next(b for b in at.button if b.label == "Analyse").click().run()
    assert not at.exception, at.exception
    return at


def test_analysis_highlights_escaped_text_and_warns_about_the_weekday(data: Path) -> None:
    at = analyse(REPORT)
    bodies = [el.proto.body for el in at.get("html")]
    report = next(b for b in bodies if 'class="md-report"' in b)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in report
    assert "<script>alert" not in report
    assert 'class="md-place"' in report and ">al-Qusayr</mark>" in report
    assert 'class="md-warn"' in report  # Friday June 5
    assert any("Tuesday" in w.value for w in at.warning)
    assert any("Found" in m.value for m in at.markdown)


def test_empty_text_gets_a_clear_message(data: Path) -> None:
    at = analyse("   ")
    assert any("text is empty" in e.value for e in at.error)


def test_viewers_cannot_save(data: Path) -> None:
    at = analyse(REPORT)
    assert not [b for b in at.button if b.label.startswith("Save")]
    assert any("Sign in as an editor" in i.value for i in at.info)


def test_saving_adds_the_report_and_nothing_before(data: Path, fresh_store: Path) -> None:
    from mapdata.store import open_store

    at = analyse(REPORT, editor=True)
    store = open_store(fresh_store, read_only=True)
    before = store.scenario()
    next(b for b in at.button if b.label.startswith("Save")).click().run()
    assert not at.exception
    messages = [s.value for s in at.success] + [e.value for e in at.error]
    assert any(m.startswith("Saved:") for m in messages), messages
    after = store.scenario()
    assert len(after.sources) == len(before.sources) + 1 and after.sources[-1].publisher == "Test Wire"
    added = [e for e in after.events if e.source_id == after.sources[-1].id]
    assert added and all(REPORT[e.quote_start : e.quote_end] == e.quote for e in added)
    history = store.audit()
    assert history and history[-1].who == "Rana"
