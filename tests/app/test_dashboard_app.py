"""The dashboard and its pages, run headless with streamlit.testing.v1.AppTest."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from mapdata.model.load import load_scenario
from mapdata.resources import APP_DIR

ALL_FORCES = {f.id for f in load_scenario().mapped_forces}  # the forces with periods: the layers

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = str(APP_DIR / "dashboard.py")
PAGES = sorted(str(p) for p in (APP_DIR / "pages").glob("*.py"))


def run_app(path: str = DASHBOARD, **query: str) -> AppTest:
    at = AppTest.from_file(path, default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def map_args(at: AppTest) -> dict:
    components = at.get("component_instance")
    assert len(components) == 1
    return json.loads(components[0].proto.json_args)


def control_rows(at: AppTest) -> dict[str, dict]:
    frame = at.dataframe[0].value
    return {row["Place"]: row for row in frame.to_dict("records")}


POSITION = "Position 1 near al-Qusayr (unnamed in source)"


@pytest.mark.parametrize("path", [DASHBOARD, *PAGES])
def test_every_page_runs_without_exception(path: str) -> None:
    at = run_app(path)
    assert not at.error


def test_slider_changes_the_reported_control_state() -> None:
    at = run_app()
    seen = {}
    for day in ("2018-06-03", "2018-06-04", "2018-06-10"):
        at.slider(key="date").set_value(dt.date.fromisoformat(day)).run()
        assert not at.exception
        row = control_rows(at)[POSITION]
        seen[day] = (row["Status"], row["Controlling force"])
        assert at.query_params["date"] == day
        assert any(f"{dt.date.fromisoformat(day).day} June 2018" in c.value for c in at.caption)
    assert seen == {
        "2018-06-03": ("control", "Hezbollah"),
        "2018-06-04": ("contested", "Russian forces"),
        "2018-06-10": ("control", "Syrian regime forces (Assad)"),
    }


def test_slider_step_restyles_features_and_keeps_the_base_map() -> None:
    at = run_app(date="2018-06-03")
    before = map_args(at)
    assert "mapdata-place-qusayr_position_1 mapdata-force-hezbollah mapdata-status-control" in before["feature_group"]
    at.slider(key="date").set_value(dt.date(2018, 6, 4)).run()
    after = map_args(at)
    assert "mapdata-place-qusayr_position_1 mapdata-force-russia mapdata-status-contested" in after["feature_group"]
    # Same component key and base-map script: the frame is kept, only the layers change.
    assert after["key"] == before["key"]
    assert after["script"] == before["script"]
    assert after["feature_group"] != before["feature_group"]


def test_query_parameters_set_the_state() -> None:
    at = run_app(
        date="2018-06-10",
        layers="russia,syrian_regime",
        lat="34.55",
        lon="36.58",
        zoom="11",
        event="ev_division11_takeover",
    )
    assert at.slider(key="date").value == dt.date(2018, 6, 10)
    ticked = {cb.label: cb.value for cb in at.checkbox}
    assert ticked["Russian forces"] and ticked["Syrian regime forces (Assad)"]
    assert not ticked["Hezbollah"] and not ticked["Iranian forces"]
    args = map_args(at)
    assert args["center"] == [34.55, 36.58] and args["zoom"] == 11
    sync = re.search(r"mapdata\.sync\(map_div, (\{.*?\})\);", args["feature_group"]).group(1)
    assert set(json.loads(sync)["hidden"]) == ALL_FORCES - {"russia", "syrian_regime"}
    assert "mapdata-highlight-qusayr_position_1" in args["feature_group"]
    assert at.query_params["layers"] == "russia,syrian_regime"
    assert at.query_params["event"] == "ev_division11_takeover"
    share = " ".join(c.value for c in at.code)
    assert "date=2018-06-10" in share and "layers=russia,syrian_regime" in share and "zoom=11" in share


def test_bad_link_values_warn_and_fall_back() -> None:
    at = run_app(date="not-a-date", layers="russia,martians", zoom="99")
    warnings = " ".join(w.value for w in at.warning)
    assert "not-a-date" in warnings and "martians" in warnings and "99" in warnings
    assert at.slider(key="date").value == dt.date(2018, 6, 8)


def test_unticking_a_force_hides_its_layer() -> None:
    at = run_app(date="2018-06-04")
    next(c for c in at.checkbox if c.label == "Hezbollah").uncheck().run()
    sync = re.search(r"mapdata\.sync\(map_div, (\{.*?\})\);", map_args(at)["feature_group"]).group(1)
    assert json.loads(sync)["hidden"] == ["hezbollah"]
    assert at.query_params["layers"] == ",".join(f.id for f in load_scenario().mapped_forces if f.id != "hezbollah")


def test_map_assets_are_served_by_the_app_not_a_cdn() -> None:
    args = map_args(run_app())
    for link in args["js_links"] + args["css_links"]:
        assert link.startswith("../../app/static/"), link
        assert (APP_DIR / "static" / link.removeprefix("../../app/static/")).is_file(), link
    assert "http://" not in args["script"] and "cdn" not in args["script"].lower()


def test_events_table_lists_events_up_to_the_date() -> None:
    at = run_app(date="2018-06-04")
    events = at.dataframe[1].value
    assert list(events["Date"]) == ["2018-05-17", "2018-06-04", "2018-06-04"]
    at.slider(key="date").set_value(dt.date(2018, 6, 10)).run()
    events = at.dataframe[1].value
    assert len(events) == 7
    quds = events[events["Event"].str.contains("Quds Day")].iloc[0]
    assert "Tuesday" in quds["Date note"]
    sohr = events[events["Event"].str.contains("al-Dabaa")].iloc[0]
    assert "SOHR" in sohr["Verification"] and "could not verify" in sohr["Verification"]


def test_broken_data_shows_the_problems_instead_of_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(ROOT / "geodata", data)
    periods = data / "control_periods.csv"
    text = periods.read_text(encoding="utf-8").replace(
        ",syrian_regime,control,2018-06-08,", ",martians,control,2018-06-08,", 1
    )
    periods.write_text(text, encoding="utf-8")
    (data / "forces.json").write_text('[{"id": "russia",', encoding="utf-8")
    monkeypatch.setenv("MAPDATA_DATA", str(data))
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    assert not at.exception
    assert "cannot be loaded into the store" in at.error[0].value
    listing = at.code[0].value
    assert "forces.json" in listing and "is not valid JSON" in listing
    assert "control_periods.csv, line 6 (id 'pos1_regime_control'), field 'force_id'" in listing
    assert not at.get("component_instance")


def test_html_in_the_data_is_escaped_in_the_map(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(ROOT / "geodata", data)
    places = json.loads((data / "places.geojson").read_text(encoding="utf-8"))
    places["features"][0]["properties"]["name_en"] = "<script>alert('x')</script> town"
    (data / "places.geojson").write_text(json.dumps(places), encoding="utf-8")
    monkeypatch.setenv("MAPDATA_DATA", str(data))
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run()
    assert not at.exception
    args = map_args(at)
    assert "<script>alert" not in args["feature_group"]
    assert "&lt;script&gt;alert" in args["feature_group"].replace("\\u0026", "&")
    assert "<script>alert('x')</script> town" in list(control_rows(at))


def test_download_respects_the_date_and_layers(fresh_store: Path) -> None:
    at = run_app(date="2018-06-04", layers="russia")
    at.selectbox(key="export_format").set_value("GeoJSON").run()
    assert not at.exception
    button = next(b for b in at.get("download_button") if b.proto.label.startswith("Download "))
    # the file is made only when clicked (deferred), so slider steps never pay for an export
    assert button.proto.label == "Download GeoJSON" and button.proto.deferred_file_id
    from mapdata.store import open_store
    from mapdata.ui.dashboard import _export_bytes

    revision = open_store(fresh_store, read_only=True).revision()
    exported = json.loads(_export_bytes(str(fresh_store), revision, "geojson", dt.date(2018, 6, 4), ("russia",)))
    places = {f["properties"].get("place_id") for f in exported["features"]}
    assert "qusayr_position_1" in places and "al_dabaa_airport" not in places


def test_show_all_stands_even_if_the_browser_still_holds_the_old_ticks() -> None:
    """The browser may send a checkbox's old value after Show all (it had not redrawn it yet): the choice stands."""
    at = run_app(date="2018-06-10")
    next(c for c in at.checkbox if c.label == "Hezbollah").uncheck().run()
    stale = at._tree.get_widget_states()  # what a browser that has not redrawn since then holds: Hezbollah unticked
    next(b for b in at.button if b.label == "Show all").click().run()
    assert at.query_params.get("layers") is None
    at._run(stale)  # the stale ticks arrive (a rerun caused by something else, e.g. the map)
    assert not at.exception
    assert at.query_params.get("layers") is None, at.query_params.get("layers")
    assert all(c.value for c in at.checkbox if c.label in ("Hezbollah", "Russian forces"))


def test_the_caption_says_how_many_places_changed_since_the_day_before() -> None:
    """The timeline's whole-map index (Timeline.changed_between) counts the places whose state differs."""
    from mapdata.model.load import load_scenario
    from mapdata.model.timeline import Timeline

    timeline = Timeline(load_scenario())
    expected = len(timeline.changed_between(dt.date(2018, 6, 3), dt.date(2018, 6, 4)))
    assert expected >= 3  # the three al-Qusayr positions at least
    at = run_app(date="2018-06-04")
    assert any(f"{expected} places changed since 3 June" in c.value for c in at.caption), [c.value for c in at.caption]
    first = load_scenario().date_range[0]
    at = run_app(date=first.isoformat())
    assert not any("changed since" in c.value for c in at.caption)  # no day before the scenario's first


def test_forces_without_periods_have_no_toggle_and_no_legend_entry() -> None:
    at = run_app(date="2018-06-04")
    labels = {cb.label for cb in at.checkbox}
    assert "Russian forces" in labels and "Turkish forces" not in labels and "US-led coalition" not in labels
    assert "5 of 5 force layers shown" in " ".join(c.value for c in at.caption)
    assert "Turkish forces" not in map_args(at)["feature_group"] + json.dumps(map_args(at).get("script", ""))


def test_changes_since_an_earlier_date_are_listed_with_their_reports() -> None:
    at = run_app(date="2018-06-10", since="2018-06-03")
    changes = next(d for d in at.dataframe if "Change" in d.value.columns).value
    assert list(changes["Place"]) == [f"Position {n} near al-Qusayr (unnamed in source)" for n in (1, 2, 3)]
    assert set(changes["Change"]) == {"taken"} and set(changes["Changed on"]) == {"2018-06-08"}
    assert changes["From"].iloc[0] == "Hezbollah in control"
    assert "Division 11" in changes["Quote"].iloc[0]
    assert "3 places changed since 2018-06-03" in " ".join(c.value for c in at.caption)
    assert at.query_params["since"] == "2018-06-03"
    assert "since=2018-06-03" in " ".join(c.value for c in at.code)  # in the share link


def test_changes_reported_later_say_so() -> None:
    at = run_app(date="2018-06-04", since="2018-06-03")
    changes = next(d for d in at.dataframe if "Change" in d.value.columns).value
    assert all("reported later (on or after 2018-06-08)" in report for report in changes["Report"])


def test_a_since_date_not_before_the_date_is_refused_with_a_message() -> None:
    at = run_app(date="2018-06-04", since="2018-06-10")
    assert any("since 2018-06-10 is not before the date 2018-06-04" in w.value for w in at.warning)
    assert not any("Change" in d.value.columns for d in at.dataframe)
    assert "since" not in at.query_params
    at = run_app(date="2018-06-04", since="last-week")
    assert any("since 'last-week' is not a date" in w.value for w in at.warning)


def test_the_events_table_filters_by_force_type_verification_and_dates() -> None:
    at = run_app(date="2018-06-10")
    events = lambda: next(d for d in at.dataframe if "Quote" in d.value.columns and "Event" in d.value.columns).value  # noqa: E731
    everything = len(events())
    at.multiselect(key="events_forces").set_value(["syrian_regime"]).run()
    assert 0 < len(events()) < everything
    assert all("Syrian regime forces (Assad)" in forces for forces in events()["Forces"])
    assert any(f"of {everything} events up to this date match the filters" in c.value for c in at.caption)
    at.multiselect(key="events_forces").set_value([]).run()
    at.multiselect(key="events_verification").set_value(["claimed"]).run()
    assert set(events()["Verification"].str.split().str[0]) == {"claimed"}
    at.multiselect(key="events_verification").set_value([]).run()
    at.date_input(key="events_dates_2018-06-10").set_value((dt.date(2018, 6, 8), dt.date(2018, 6, 10))).run()
    dates = list(events()["Date"])
    assert dates and all(re.search(r"2018-06-(08|09|10)", d) for d in dates)  # "2018-06-08", "by 2018-06-08"


def test_a_since_date_chosen_after_the_date_is_cleared_with_a_warning_until_dismissed() -> None:
    at = run_app(date="2018-06-05")
    at.date_input(key="since").set_value(dt.date(2018, 6, 9)).run()
    assert not at.exception
    assert any("“Changes since” 2018-06-09 is not before the date shown (2018-06-05)" in w.value for w in at.warning)
    assert at.date_input(key="since").value is None and "since" not in at.query_params
    at.slider(key="date").set_value(dt.date(2018, 6, 6)).run()  # still there after another step
    assert any("2018-06-09 is not before" in w.value for w in at.warning)
    at.button(key="dismiss_link_warnings").click().run()
    assert not any("2018-06-09 is not before" in w.value for w in at.warning)


def test_control_areas_list_what_each_force_holds_and_the_link_keeps_them() -> None:
    at = run_app(date="2018-06-10", areas="1")
    shares = next(d for d in at.dataframe if "Share of area" in d.value.columns).value
    assert list(shares["Force"]) == ["Syrian regime forces (Assad)"] and int(shares["Places"].iloc[0]) == 3
    assert at.query_params["areas"] == "1"
    assert map_args(at)  # the map still draws
    at.toggle(key="areas").set_value(False).run()
    assert not any("Share of area" in d.value.columns for d in at.dataframe)
    assert at.query_params["areas"] == "0"


def test_control_over_time_and_the_briefing_buttons_are_there() -> None:
    at = run_app(date="2018-06-10", since="2018-06-03")
    assert any(m.value == "#### Control over time" for m in at.markdown)
    assert at.get("vega_lite_chart"), "no chart drawn"
    labels = [b.proto.label for b in at.get("download_button")]
    assert {"PNG", "PDF"} <= set(labels) and "Download the change list (CSV)" in labels


def test_find_a_place_offers_the_matches() -> None:
    at = run_app(date="2018-06-10")
    at.text_input(key="place_search").set_value("Kusair").run()
    assert not at.exception
    groups = at.get("button_group")
    assert groups, "no places offered"
    at.text_input(key="place_search").set_value("Xyzzyville").run()
    assert any("No place matches “Xyzzyville”" in c.value for c in at.caption)
