"""The large-scenario map path: geometry is published once; a slider step sends only the day."""

from __future__ import annotations

import datetime as dt
import json
import re
import time

import pytest
from streamlit.testing.v1 import AppTest

from mapdata.map.clientmap import read_published
from mapdata.model.load import load_scenario
from mapdata.resources import APP_DIR

ALL_FORCES = {f.id for f in load_scenario().mapped_forces}  # the forces with periods: the layers


@pytest.fixture(autouse=True)
def client_map(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAPDATA_CLIENT_MAP", "on")


def _args(at: AppTest) -> dict:
    return json.loads(at.get("component_instance")[0].proto.json_args)


def _step(**query: str) -> tuple[AppTest, dict, str]:
    """The dashboard opened with ``query``: the app, the day's ``clientShow`` payload, and the step's script."""
    at = AppTest.from_file(str(APP_DIR / "dashboard.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    feature_group = _args(at)["feature_group"]
    payload = json.loads(re.search(r"mapdata\.clientShow\(map_div, (\{.*?\})\);", feature_group).group(1))
    return at, payload, feature_group


def test_a_step_after_the_first_sends_no_geometry() -> None:
    at = AppTest.from_file(str(APP_DIR / "dashboard.py"), default_timeout=60)
    at.query_params["date"] = "2018-06-03"
    at.run()
    assert not at.exception, at.exception
    first = _args(at)
    # the base map points at the published scenario and basemap files instead of carrying them
    urls = [u for u in re.findall(r'"url":"([^"]+)"', first["script"]) if "cache/" in u]
    assert any("/scenario-" in u for u in urls) and any("/basemap-" in u for u in urls)
    for url in urls:  # written in the background (the page loads meanwhile; the browser waits for a file)
        published = APP_DIR / "static" / url.removeprefix("../../app/static/")
        deadline = time.monotonic() + 60
        while not published.is_file() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert published.is_file()
    bundle = read_published(
        next(APP_DIR / "static" / u.removeprefix("../../app/static/") for u in urls if "scenario-" in u)
    )
    assert len(bundle["places"]) == 11 and "coordinates" in bundle["places"][0]["g"]
    # the popups' evidence is in separate files, one per chunk of places, fetched on demand (written in the
    # background: the first map does not wait for them)
    paths = [APP_DIR / "static" / u.removeprefix("../../app/static/") for u in bundle["evidence"]["urls"]]
    deadline = time.monotonic() + 20
    while not all(p.exists() for p in paths) and time.monotonic() < deadline:
        time.sleep(0.05)
    evidence = [read_published(p) for p in paths]
    assert len(evidence) == 1 and bundle["evidence"]["places_per_file"] >= 11
    quotes = [e["quote"] for chunk in evidence for e in chunk["events"].values()]
    assert any("spread soldiers in the area of al-Qusayr" in q for q in quotes)
    cited = {str(i) for ids in [*evidence[0]["periods"].values(), *evidence[0]["places"].values()] for i in ids}
    assert cited == set(evidence[0]["events"])

    at.slider(key="date").set_value(dt.date(2018, 6, 4)).run()
    step = _args(at)
    assert step["script"] == first["script"] and step["key"] == first["key"]  # same map frame
    assert "coordinates" not in step["feature_group"] and "mapdata-place" not in step["feature_group"]
    payload = json.loads(re.search(r"mapdata\.clientShow\(map_div, (\{.*?\})\);", step["feature_group"]).group(1))
    assert payload["date"] == "2018-06-04" and payload["day"] == dt.date(2018, 6, 4).toordinal()
    assert len(step["feature_group"]) < 1000 and len(step["script"]) < 10_000


def test_hidden_forces_and_highlight_travel_in_the_step() -> None:
    at, payload, _ = _step(date="2018-06-10", layers="russia", event="ev_refuse_dabaa")
    assert set(payload["hidden"]) == ALL_FORCES - {"russia"}
    assert payload["highlight"] == ["al_dabaa_airport", "western_homs_countryside", "southwestern_homs_countryside"]


def test_compare_mode_sends_the_since_date_and_lists_changes_on_request() -> None:
    """On the large-scenario map the browser finds the changes (only the "since" day is sent); the change list,
    re-sent on every step, is behind a toggle."""
    at, payload, feature_group = _step(date="2018-06-10", since="2018-06-03")
    assert payload["since"] == dt.date(2018, 6, 3).toordinal()
    assert "mapdata-change-mark" not in feature_group  # no ring features from the server
    assert not any("Change" in d.value.columns for d in at.dataframe)
    at.toggle(key="show_changes").set_value(True).run()
    changes = next(d for d in at.dataframe if "Change" in d.value.columns).value
    assert len(changes) == 3
