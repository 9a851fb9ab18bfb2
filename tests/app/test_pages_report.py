"""Add a report (issue 8 items 4, 12, 16; issue 9 item 1): required fields, names not ids, grouped warnings,
paged proposals, a corrected event's new summary, and the limits on who analyses how much."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from mapdata.resources import APP_DIR
from mapdata.store import open_store
from mapdata.text.extract import PAGE_MAX_CHARS
from mapdata.ui import auth, report

PAGE = str(APP_DIR / "pages" / "1_Add_a_report.py")
PASSWORD = "team-secret"
TEXT = (
    "On Monday, June 4, 2018, Russian forces took over three positions in al-Qusayr, in the eastern countryside "
    "of Hama. Hezbollah objected to the step."
)
HOSTILE = "![x](http://127.0.0.1:9/img-publisher.png) [click](javascript:alert(1))"


@pytest.fixture(autouse=True)
def quick_sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "THROTTLE", auth.SignInThrottle())
    monkeypatch.setattr(auth, "FAILURE_DELAY_SECONDS", 0.0)
    monkeypatch.delenv("MAPDATA_VIEWER_ANALYSIS", raising=False)


def open_page(*, editor: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.secrets["mapdata"] = {"editor_password": PASSWORD}
    at.run()
    assert not at.exception, at.exception
    if editor:
        at.sidebar.text_input[0].set_value(editor)
        at.sidebar.text_input[1].set_value(PASSWORD)
        next(b for b in at.sidebar.button if b.label == "Sign in to edit").click().run()
        assert not at.exception, at.exception
    return at


def analyse(
    text: str = TEXT, publisher: str = "Test Wire", title: str = "Russians at al-Qusayr", *, editor: str | None = None
) -> AppTest:
    at = open_page(editor=editor)
    for widget, value in ((at.text_area[0], text), (at.main.text_input[0], publisher), (at.main.text_input[1], title)):
        widget.set_value(value)
    return click(at, "Analyse")


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label.startswith(label)).click().run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest, column: str) -> Any:
    return next(d for d in at.dataframe if column in d.value.columns)


def pager(at: AppTest, name: str) -> Any:
    """The page number box of the review table ``name`` (its key ends with the analysis it belongs to)."""
    return next(n for n in at.number_input if n.key.startswith(f"report_{name}_page@"))


def test_publisher_and_title_are_marked_required_and_checked_before_saving(fresh_store: Path) -> None:
    at = analyse(publisher="", title="", editor="Rana")
    labels = [t.label for t in at.main.text_input]
    assert "Publisher (required)" in labels and "Title (required)" in labels
    revision = open_store(fresh_store, read_only=True).revision()
    click(at, "Save")
    assert any("Publisher and Title are required" in e.value for e in at.error)
    assert open_store(fresh_store, read_only=True).revision() == revision
    at.text_input(key=report.PUBLISHER_KEY).set_value("Test Wire")
    at.text_input(key=report.TITLE_KEY).set_value("Russians at al-Qusayr")
    click(at, "Save")
    assert any(s.value.startswith("Saved:") for s in at.success), [e.value for e in at.error]


def test_the_review_shows_names_not_ids() -> None:
    at = analyse(TEXT + " Regime forces entered Talbiseh on June 8, 2018.")
    events = table(at, "summary").value
    periods = table(at, "role").value
    places = table(at, "resolved as").value
    assert list(events["event"]) == [f"Event {n}" for n in range(1, len(events) + 1)]
    assert "Russian forces" in events["forces"].iloc[0]
    assert {"Russian forces", "Syrian regime forces (Assad)"} <= set(periods["force"])
    assert set(periods["event"]) <= set(events["event"])
    assert any(s.startswith("Syrian regime forces (Assad) ") for s in events["summary"])
    shown = " ".join(
        str(v)
        for frame in (events.drop(columns=["id"]), periods, places[["resolved as"]])
        for v in frame.to_numpy().ravel()
    )
    for raw in ("cand_", "syrian_regime", "derived:", "gaz:", "al_qusayr"):
        assert raw not in shown, raw
    assert any(label.endswith("(new area drawn from Ḩamāh)") for label in places["resolved as"])
    view = json.loads(next(iter(at.get("component_instance"))).proto.json_args)  # the preview map ...
    assert view["zoom"] >= 7 and 34.4 < view["center"][0] < 35.4 and 36.4 < view["center"][1] < 38.0  # ... on them
    assert any(
        label.startswith("al-Qusayr · القصير") or label.startswith("al-Qusayr") for label in places["resolved as"]
    )


def test_warnings_are_grouped_and_proposals_paged() -> None:
    sentence = "On Friday June 5, 2018, Russian forces took over a position in al-Qusayr."
    text = " ".join([sentence] * 120)
    at = analyse(text)
    assert len(at.warning) == 1  # one box for 120 weekday warnings ...
    assert at.warning[0].value.startswith("120 × weekday contradicts the date")
    assert any(e.label == "All 120 warnings" for e in at.expander)  # ... and every one of them on demand
    events = table(at, "summary")
    assert len(events.value) == report.PAGE_ROWS
    events_pager = pager(at, "events")
    assert events_pager.label.startswith("Page (of 3;")
    events_pager.set_value(3).run()
    assert not at.exception, at.exception
    assert len(table(at, "summary").value) == 120 - 2 * report.PAGE_ROWS


def test_edits_on_one_page_survive_paging_and_reach_the_save(fresh_store: Path) -> None:
    sentence = "On Friday June 8, 2018, Russian officials spoke in al-Qusayr."
    at = analyse(" ".join([sentence] * 60), editor="Rana")
    first_page = {str(i): {"accept": i < 3} for i in range(report.PAGE_ROWS)}
    _edit(at, table(at, "summary"), first_page)
    pager(at, "events").set_value(2).run()
    _edit(at, table(at, "summary"), {str(i): {"accept": False} for i in range(10)})
    pager(at, "events").set_value(1).run()
    assert list(table(at, "summary").value["accept"]) == [True] * 3 + [False] * (report.PAGE_ROWS - 3)
    click(at, "Save")
    assert any("Saved: source" in s.value and " 3 events" in s.value for s in at.success), [e.value for e in at.error]


def _edit(at: AppTest, frame: Any, rows: dict[str, dict[str, Any]], *, then_click: str | None = None) -> None:
    """Send a data editor's edits the way the browser does (AppTest has no API for them)."""
    if then_click:
        next(b for b in at.button if b.label.startswith(then_click)).click()
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = frame.proto.id
    state.string_value = json.dumps({"edited_rows": rows, "added_rows": [], "deleted_rows": []})
    at._run(states)
    assert not at.exception, at.exception


def test_a_corrected_force_gets_a_new_summary(fresh_store: Path) -> None:
    at = analyse(editor="Rana")
    events = table(at, "summary")
    assert events.value["summary"].iloc[0].startswith("Russian forces take over")  # names, not ids
    _edit(at, events, {"0": {"forces": ["Syrian regime forces (Assad)"]}}, then_click="Save")
    assert any(s.value.startswith("Saved:") for s in at.success), [e.value for e in at.error]
    scenario = open_store(fresh_store, read_only=True).scenario()
    saved = [e for e in scenario.events if e.source_id == scenario.sources[-1].id]
    first = next(e for e in saved if e.force_ids == ("syrian_regime",))
    assert not first.summary.lower().startswith("russia")
    assert first.summary.startswith("Syrian regime forces (Assad): takeover at al-Qusayr")
    periods = [p for p in scenario.periods if first.id in p.event_ids]
    assert periods and {p.force_id for p in periods} == {"syrian_regime"}  # its periods follow the correction


def test_an_editor_adds_a_force_the_report_names(fresh_store: Path) -> None:
    at = analyse(TEXT + " The Wagner Group (فاغنر) also deployed in al-Qusayr.", editor="Rana")
    offered = at.color_picker[0].value
    assert offered.upper() not in {f.colour for f in open_store(fresh_store, read_only=True).scenario().forces}
    by_label = {t.label: t for t in at.main.text_input}
    by_label["Force name"].set_value("Wagner Group")
    by_label["Other names (comma-separated, English or Arabic)"].set_value("Wagner، فاغنر")
    at.color_picker[0].set_value("#0072B3")  # Russia's blue, one step off: refused
    click(at, "Add the force")
    assert any("too close to Russian forces" in e.value for e in at.error), [e.value for e in at.error]
    assert "wagner_group" not in {f.id for f in open_store(fresh_store, read_only=True).scenario().forces}
    by_label = {t.label: t for t in at.main.text_input}
    by_label["Force name"].set_value("Wagner Group")
    by_label["Other names (comma-separated, English or Arabic)"].set_value("Wagner، فاغنر")
    at.color_picker[0].set_value(offered)
    click(at, "Add the force")
    assert any(s.value.startswith("Added Wagner Group") for s in at.success), [e.value for e in at.error]
    added = open_store(fresh_store, read_only=True).scenario().force_by_id["wagner_group"]
    assert added.aliases == ("Wagner", "فاغنر") and added.colour == offered.upper()
    at = click(at, "Analyse")
    assert "Wagner Group" in list(table(at, "summary").value["forces"].explode())


def test_too_long_a_text_is_refused_with_the_limit() -> None:
    at = analyse("al-Qusayr " * (PAGE_MAX_CHARS // 10 + 1))
    assert any(f"the limit here is {PAGE_MAX_CHARS:,}" in e.value for e in at.error)
    assert not at.dataframe


def test_viewers_may_not_analyse_in_team_mode_unless_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAPDATA_VIEWER_ANALYSIS", "off")
    at = open_page()
    assert not [b for b in at.button if b.label == "Analyse"]
    assert any("only editors analyse reports" in i.value and "Sign in as an editor" in i.value for i in at.info)
    at = open_page(editor="Rana")
    assert [b for b in at.button if b.label == "Analyse"]


def test_a_busy_server_says_so_instead_of_queueing(monkeypatch: pytest.MonkeyPatch) -> None:
    held = [report._SLOTS.acquire(blocking=False) for _ in range(report.ANALYSIS_SLOTS)]
    try:
        assert all(held)
        at = analyse()
        assert any("busy" in w.value and "try again" in w.value for w in at.warning)
        assert not at.dataframe
    finally:
        for _ in held:
            report._SLOTS.release()
    assert not analyse().exception and analyse().dataframe


def test_results_are_held_bounded_by_the_server_not_the_session() -> None:
    at = analyse()
    review = at.session_state[report.STATE]
    assert set(review) == {"token", "meta"}  # the session holds a token, not the analysis
    extraction = report.RESULTS.get(review["token"])
    assert extraction is not None
    for _ in range(report.RESULTS_KEPT):
        report.RESULTS.put(extraction)  # other sessions' analyses push it out
    at.run()
    assert any("no longer held by the server" in i.value for i in at.info)


def test_publisher_and_editor_names_are_text(fresh_store: Path) -> None:
    at = analyse(publisher=HOSTILE, title=HOSTILE, editor=HOSTILE)
    click(at, "Save")
    bodies = [e.value for kind in ("markdown", "caption", "success", "error", "info", "warning") for e in at.get(kind)]
    assert not [b for b in bodies if "![" in b.replace("\\!\\[", "") or "](javascript" in b]
    scenario = open_store(fresh_store, read_only=True).scenario()
    assert scenario.sources[-1].publisher == HOSTILE  # stored as given, shown as text


def test_a_new_analysis_starts_with_fresh_tables(fresh_store: Path) -> None:
    """Unticking an event of one analysis does not untick the same row of the next (nor keep its page)."""
    sentence = "On Friday June 8, 2018, Russian officials spoke in al-Qusayr."
    at = analyse(" ".join([sentence] * 60), editor="Rana")
    _edit(at, table(at, "summary"), {"0": {"accept": False}})
    pager(at, "events").set_value(2).run()
    at.text_area[0].set_value(
        " ".join(["On Monday June 4, 2018, Russian forces took over a position in al-Qusayr."] * 60)
    )
    click(at, "Analyse")
    assert pager(at, "events").value == 1
    assert table(at, "summary").value["accept"].all()


VILLAGES = (
    "Regime forces shelled Busr al-Harir and Nahtah in the eastern Daraa countryside on Sunday, June 10, 2018, "
    "while clashes continued in Kafr Nabudah in the northern Hama countryside. Shells also fell on the Jobar "
    "neighbourhood of Damascus."
)


def test_villages_of_a_pasted_report_are_placed_at_the_right_villages() -> None:
    """Issue 11: the national gazetteer finds the villages, each row says why, and a neighbourhood the gazetteer lacks
    is offered approximately (for the analyst to pin) rather than dropped."""
    at = analyse(VILLAGES)
    places = table(at, "resolved as").value.set_index("mention")
    expected = {"Busr al-Harir": (32.845, 36.341), "Nahtah": (32.788, 36.349), "Kafr Nabudah": (35.432, 36.494)}
    for mention, (lat, lon) in expected.items():
        row = places.loc[mention]
        assert abs(row["lat"] - lat) < 0.02 and abs(row["lon"] - lon) < 0.02, (mention, row.to_dict())
        assert row["use"] and row["why"]
    jobar = places.loc["Jobar neighbourhood"]
    assert "approximate" in jobar["resolved as"] and "pin it" in jobar["why"]
    code = json.loads(next(iter(at.get("component_instance"))).proto.json_args)["feature_group"]
    start = code.index("addPlaces(")
    payload, _ = json.JSONDecoder().raw_decode(code, code.index("{", start))
    features = {f["tooltip"].split("</b>")[0].removeprefix("<b>"): f for f in payload["features"]}
    for mention, (lat, lon) in expected.items():  # the preview map draws each village at its point
        x, y = features[mention]["geometry"]["coordinates"]
        assert abs(y - lat) < 0.02 and abs(x - lon) < 0.02, mention
    approx = features["Jobar neighbourhood"]
    assert approx["uncertainty_m"] and approx["style"].get("dashArray")  # drawn as doubtful, with its circle
