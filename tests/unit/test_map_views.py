"""The map's views for briefings, without a browser: the link's areas and names, the naming order, a card's control
history as of its date, control over time, and the control areas as the server-rendered map draws them."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

import pytest

from mapdata.map.areas import AREAS_DEFAULT_ABOVE
from mapdata.map.history import control_over_time
from mapdata.map.labels import label_ranks
from mapdata.map.mapview import MapBuilder
from mapdata.map.share import ViewState, parse_query, to_query
from mapdata.model.load import load_scenario
from mapdata.model.timeline import Timeline
from mapdata.synth import synth_scenario

SCENARIO = load_scenario()
D4, D10 = dt.date(2018, 6, 4), dt.date(2018, 6, 10)


@pytest.fixture(scope="module")
def builder() -> MapBuilder:
    return MapBuilder(SCENARIO, tiles=None, client=False)


# -- the link ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("areas", "names"), [(True, "ar"), (False, None), (None, "ar"), (None, None)])
def test_areas_and_names_round_trip_through_the_link(areas: bool | None, names: str | None) -> None:
    view = ViewState(day=D10, forces=tuple(f.id for f in SCENARIO.mapped_forces), areas=areas, names=names)
    query = to_query(view, SCENARIO)
    assert ("areas" in query) == (areas is not None) and ("names" in query) == (names is not None)
    back, warnings = parse_query(query, SCENARIO)
    assert back == view and warnings == []


def test_bad_areas_and_names_in_a_link_are_said_and_ignored() -> None:
    view, warnings = parse_query({"areas": "yes", "names": "fr"}, SCENARIO)
    assert view.areas is None and view.names is None
    assert any("areas 'yes' is not 0 or 1" in w for w in warnings)
    assert any("names 'fr' is not one of en, ar" in w for w in warnings)


def test_areas_default_on_only_for_large_scenarios() -> None:
    view = ViewState(day=D10, forces=())
    assert len(SCENARIO.places) <= AREAS_DEFAULT_ABOVE and not view.areas_on(SCENARIO)
    assert ViewState(day=D10, forces=(), areas=True).areas_on(SCENARIO)


# -- naming order --------------------------------------------------------------------------------------------------


def test_towns_are_named_first_the_most_reported_first() -> None:
    ranks = label_ranks(SCENARIO)
    assert sorted(ranks) == list(range(len(SCENARIO.places)))
    by_rank = [SCENARIO.places[i] for i in sorted(range(len(ranks)), key=ranks.__getitem__)]
    assert by_rank[0].id == "al_qusayr"  # the town most reported on
    kinds = [p.kind.value for p in by_rank]
    assert kinds.index("military_site") > kinds.index("town")
    assert max(i for i, k in enumerate(kinds) if k == "town") < min(i for i, k in enumerate(kinds) if k == "area")


# -- a card's control history --------------------------------------------------------------------------------------


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def test_card_history_shows_the_periods_up_to_the_day_with_their_reports(builder: MapBuilder) -> None:
    card = "".join(builder.history_html("qusayr_position_1", D10))
    text = _text(card)
    assert "Control history to 2018-06-10" in text
    assert "Hezbollah in control, from before the first report to 2018-06-03" in text
    assert "Russian forces holding it, contested, from 2018-06-04 to 2018-06-07" in text
    assert "Syrian regime forces (Assad) in control, from 2018-06-08 on · Enab Baladi, by 2018-06-08" in text
    assert card.count('class="mapdata-seg ') == 3  # the strip: one segment per holding period


def test_card_history_as_of_an_earlier_day_leaves_out_what_came_later(builder: MapBuilder) -> None:
    text = _text("".join(builder.history_html("qusayr_position_1", D4)))
    assert "Russian forces holding it, contested, from 2018-06-04 on" in text
    assert "Syrian regime forces (Assad) in control" not in text  # the handover of 8 June: not known on 4 June
    assert "reported later (2018-06-08)" in text or "reported later (on or after" in text


def test_card_history_is_escaped() -> None:
    evil = "<img src=x onerror=alert(1)>"
    forces = tuple(replace(f, name=evil) if f.id == "hezbollah" else f for f in SCENARIO.forces)
    scenario = replace(SCENARIO, forces=forces)
    card = "".join(MapBuilder(scenario, tiles=None, client=False).history_html("qusayr_position_1", D10))
    assert "<img" not in card and "&lt;img" in card


# -- control over time and the areas on the server-rendered map ----------------------------------------------------


def test_control_over_time_counts_places_held_on_every_change_day() -> None:
    series = control_over_time(Timeline(SCENARIO))
    assert series.exact
    held = {(r.day, r.force_id): r.places for r in series.rows}
    assert held[(dt.date(2018, 6, 4), "russia")] == 3
    assert held[(dt.date(2018, 6, 8), "syrian_regime")] == 3 and held[(dt.date(2018, 6, 8), "russia")] == 0


def test_control_over_time_samples_a_long_scenario_and_adds_area() -> None:
    scenario = synth_scenario(300, 3000, seed=5)
    timeline = Timeline(scenario)
    builder = MapBuilder(scenario, tiles=None, client=False)
    series = control_over_time(timeline, areas=builder.areas, max_days=20)
    assert not series.exact and len({r.day for r in series.rows}) == 20
    assert any(r.area_km2 > 0 for r in series.rows)
    day = sorted({r.day for r in series.rows})[10]
    status, holder, _ = timeline.index.states_on(day)
    assert sum(r.places for r in series.rows if r.day == day) == int(((status == 1) | (status == 2)).sum())


def test_server_map_areas_are_the_shown_holders_cells(builder: MapBuilder) -> None:
    cells = builder.area_features(D10, visible=["syrian_regime"])
    assert {c["place_id"] for c in cells} == {"qusayr_position_1", "qusayr_position_2", "qusayr_position_3"}
    assert all(c["colour"] == SCENARIO.force_by_id["syrian_regime"].colour for c in cells)
    assert builder.area_features(D10, visible=[]) == []


def test_the_control_index_keeps_recent_days_read_only_and_can_keep_none() -> None:
    from mapdata.model.timeline import ControlIndex

    index = ControlIndex(SCENARIO)
    first = index.states_on(D10)
    assert index.states_on(D10)[0] is first[0]  # asked again in the same rerun: not worked out again
    with pytest.raises(ValueError):
        first[0][0] = 0  # shared between sessions: nobody may write into it
    fresh = ControlIndex(SCENARIO, recent_days=0)
    assert fresh.states_on(D10)[0] is not fresh.states_on(D10)[0]
    assert (fresh.states_on(D10)[1] == first[1]).all()


def test_the_change_csv_is_the_same_with_the_callers_timeline() -> None:
    from mapdata.exchange.snapshot import changes_csv

    since = dt.date(2018, 6, 3)
    assert changes_csv(SCENARIO, since=since, until=D10, timeline=Timeline(SCENARIO)) == changes_csv(
        SCENARIO, since=since, until=D10
    )
