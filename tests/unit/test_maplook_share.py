"""The map's panels (legend, layer control) and its base layer travel in the share link."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mapdata.map.share import UI_URL, ViewState, default_view, panels_from_map, parse_query, to_query
from mapdata.model.load import load_scenario


@pytest.fixture(scope="module")
def scenario():
    return load_scenario()


def test_panels_and_basemap_default_to_absent(scenario) -> None:
    view, warnings = parse_query({}, scenario)
    assert warnings == []
    assert (view.legend, view.layerctl, view.basemap) == (None, None, None)
    assert not {"legend", "layerctl", "basemap"} & set(to_query(view, scenario))


@pytest.mark.parametrize("legend", [True, False])
@pytest.mark.parametrize("layerctl", [True, False, None])
@pytest.mark.parametrize("basemap", ["tiles", None])
def test_panels_round_trip_through_the_link(scenario, legend: bool, layerctl: bool | None, basemap: str | None) -> None:
    view = replace(default_view(scenario), legend=legend, layerctl=layerctl, basemap=basemap)
    query = to_query(view, scenario)
    assert query["legend"] == ("1" if legend else "0")
    assert ("layerctl" in query) is (layerctl is not None)
    again, warnings = parse_query(query, scenario)
    assert warnings == []
    assert again == view


def test_offline_basemap_is_the_default(scenario) -> None:
    view, warnings = parse_query({"basemap": "offline"}, scenario)
    assert warnings == [] and view.basemap is None


@pytest.mark.parametrize("params", [{"legend": "yes"}, {"layerctl": "2"}, {"basemap": "satellite"}])
def test_unreadable_panel_values_warn_and_fall_back(scenario, params: dict[str, str]) -> None:
    view, warnings = parse_query(params, scenario)
    (name,) = params
    assert len(warnings) == 1 and name in warnings[0]
    assert getattr(view, name) is None


def test_panels_reported_by_the_map(scenario) -> None:
    reported = [
        {"name": "russia", "url": "mapdata"},
        {"name": "__mapdata__", "url": "mapdata"},
        {"name": "legend=0", "url": UI_URL},
        {"name": "layerctl=1", "url": UI_URL},
        {"name": "basemap=tiles", "url": UI_URL},
        {"name": "legend=maybe", "url": "elsewhere"},
        {"name": "zoom=3", "url": UI_URL},
        "junk",
    ]
    assert panels_from_map(reported) == {"legend": False, "layerctl": True, "basemap": "tiles"}
    assert panels_from_map([{"name": "basemap=offline", "url": UI_URL}]) == {"basemap": None}
    assert panels_from_map(None) == {}
    view = ViewState(day=default_view(scenario).day, forces=(), **panels_from_map(reported))
    assert to_query(view, scenario)["legend"] == "0"
