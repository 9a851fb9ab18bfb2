"""The view as URL query parameters: parse_query / to_query / share_url."""

from __future__ import annotations

import dataclasses
import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings, strategies as st

from mapdata.map.share import ViewState, default_day, default_view, parse_query, share_url, to_query
from mapdata.model.load import load_scenario
from mapdata.model.models import Scenario

SCENARIO: Scenario = load_scenario()
FORCES = tuple(f.id for f in SCENARIO.mapped_forces)  # the layers: forces with periods
FIRST, LAST = SCENARIO.date_range
D = dt.date


def parse(**params: str | list[str]) -> tuple[ViewState, list[str]]:
    return parse_query(params, SCENARIO)


# -- defaults ---------------------------------------------------------------------------------


def test_bundled_range_and_default_day() -> None:
    assert (FIRST, LAST) == (D(2018, 5, 14), D(2018, 6, 30))
    assert default_day(SCENARIO) == D(2018, 6, 8)  # the latest dated event


def test_empty_query_is_the_default_view() -> None:
    view, warnings = parse()
    assert warnings == []
    assert view == default_view(SCENARIO)
    assert view.day == default_day(SCENARIO)
    assert view.forces == FORCES
    assert view.center is None and view.zoom is None and view.event_id is None


def test_default_view_needs_no_parameters_but_the_date() -> None:
    assert to_query(default_view(SCENARIO), SCENARIO) == {"date": "2018-06-08"}


def test_empty_values_mean_default_without_warning() -> None:
    view, warnings = parse(date="", event="")
    assert warnings == [] and view == default_view(SCENARIO)


def test_default_day_is_clamped_into_the_declared_range() -> None:
    narrow = dataclasses.replace(SCENARIO, date_end=D(2018, 6, 1))
    assert narrow.date_range == (FIRST, D(2018, 6, 1))
    assert default_day(narrow) == D(2018, 6, 1)


# -- layers -------------------------------------------------------------------------------------


def test_layers_none_means_no_force() -> None:
    view, warnings = parse(layers="none")
    assert view.forces == () and warnings == []
    assert to_query(view, SCENARIO)["layers"] == "none"


def test_layers_subset_keeps_scenario_order() -> None:
    view, warnings = parse(layers="hezbollah, russia")
    assert view.forces == ("russia", "hezbollah") and warnings == []


def test_unknown_layers_are_warned_and_ignored() -> None:
    view, warnings = parse(layers="russia,wagner,daesh")
    assert view.forces == ("russia",)
    assert len(warnings) == 1
    assert "wagner" in warnings[0] and "daesh" in warnings[0] and "ignored" in warnings[0]


def test_only_unknown_layers_leave_nothing_visible() -> None:
    view, warnings = parse(layers="wagner")
    assert view.forces == ()
    assert warnings and "wagner" in warnings[0]


def test_all_layers_listed_is_the_default_and_is_not_written() -> None:
    view, _ = parse(layers=",".join(reversed(FORCES)))
    assert view.forces == FORCES
    assert "layers" not in to_query(view, SCENARIO)


# -- dates -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2017-01-01", D(2018, 5, 14)),
        ("2018-05-13", D(2018, 5, 14)),
        ("2018-07-01", D(2018, 6, 30)),
        ("2030-12-31", D(2018, 6, 30)),
    ],
)
def test_out_of_range_dates_are_clamped_with_a_warning(raw: str, expected: dt.date) -> None:
    view, warnings = parse(date=raw)
    assert view.day == expected
    assert len(warnings) == 1
    assert raw in warnings[0] and expected.isoformat() in warnings[0]


@pytest.mark.parametrize("raw", ["2018-05-14", "2018-06-04", "2018-06-30"])
def test_dates_in_range_including_the_ends(raw: str) -> None:
    view, warnings = parse(date=raw)
    assert view.day == D.fromisoformat(raw) and warnings == []


def test_list_values_use_the_first() -> None:
    view, warnings = parse(date=["2018-06-04", "2018-06-10"], layers=["iran"])
    assert view.day == D(2018, 6, 4) and view.forces == ("iran",) and warnings == []


# -- garbage --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "mentions"),
    [
        ({"date": "yesterday"}, "yesterday"),
        ({"date": "2018-02-30"}, "2018-02-30"),
        ({"lat": "north", "lon": "36.5"}, "north"),
        ({"lat": "34.5"}, "lon"),
        ({"lon": "36.5"}, "lat"),
        ({"lat": "95", "lon": "36"}, "95"),
        ({"lat": "34", "lon": "-181"}, "-181"),
        ({"lat": "nan", "lon": "36"}, "nan"),
        ({"lat": "inf", "lon": "36"}, "inf"),
        ({"zoom": "11.5"}, "11.5"),
        ({"zoom": "0"}, "0"),
        ({"zoom": "19"}, "19"),
        ({"zoom": "big"}, "big"),
        ({"event": "ev_<script>"}, "ev_<script>"),
    ],
)
def test_garbage_is_warned_not_raised(params: dict[str, str], mentions: str) -> None:
    view, warnings = parse_query(params, SCENARIO)
    assert len(warnings) == 1, warnings
    assert mentions in warnings[0]
    default = default_view(SCENARIO)
    # the bad part falls back to its default; nothing else changes
    assert view == default


def test_garbage_in_one_part_keeps_the_good_parts() -> None:
    view, warnings = parse(date="2018-06-04", layers="iran", lat="x", lon="y", zoom="11", event="ev_refuse_dabaa")
    assert len(warnings) == 1
    assert view == ViewState(day=D(2018, 6, 4), forces=("iran",), center=None, zoom=11, event_id="ev_refuse_dabaa")


def test_several_bad_parts_give_several_warnings() -> None:
    view, warnings = parse(date="soon", layers="wagner", lat="x", lon="y", zoom="99", event="nope")
    assert len(warnings) == 5
    assert view.day == default_day(SCENARIO) and view.forces == ()


@given(
    st.dictionaries(st.sampled_from(["date", "layers", "lat", "lon", "zoom", "event", "other"]), st.text(max_size=30))
)
def test_arbitrary_text_never_raises(params: dict[str, str]) -> None:
    view, warnings = parse_query(params, SCENARIO)
    assert FIRST <= view.day <= LAST
    assert set(view.forces) <= set(FORCES)
    assert view.zoom is None or 1 <= view.zoom <= 18
    assert view.center is None or (-90 <= view.center[0] <= 90 and -180 <= view.center[1] <= 180)
    assert view.event_id is None or view.event_id in SCENARIO.event_by_id
    assert all(isinstance(w, str) and w for w in warnings)


# -- round trip -------------------------------------------------------------------------------------------


@st.composite
def views(draw: st.DrawFn) -> ViewState:
    day = draw(st.dates(min_value=FIRST, max_value=LAST))
    chosen = draw(st.sets(st.sampled_from(FORCES)))
    forces = tuple(f for f in FORCES if f in chosen)
    center = draw(
        st.one_of(
            st.none(),
            st.tuples(
                st.integers(min_value=-9_000_000, max_value=9_000_000).map(lambda n: n / 100_000),
                st.integers(min_value=-18_000_000, max_value=18_000_000).map(lambda n: n / 100_000),
            ),
        )
    )
    zoom = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=18)))
    event_id = draw(st.one_of(st.none(), st.sampled_from(sorted(SCENARIO.event_by_id))))
    return ViewState(day=day, forces=forces, center=center, zoom=zoom, event_id=event_id)


@settings(max_examples=200)
@given(views())
def test_round_trip(view: ViewState) -> None:
    query = to_query(view, SCENARIO)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in query.items())
    parsed, warnings = parse_query(query, SCENARIO)
    assert warnings == []
    assert parsed == view


@settings(max_examples=100)
@given(views())
def test_round_trip_through_a_url(view: ViewState) -> None:
    url = share_url("https://maps.example.org/app/?stale=1#x", view, SCENARIO)
    parts = urlsplit(url)
    params = parse_qs(parts.query, keep_blank_values=True)
    parsed, warnings = parse_query(params, SCENARIO)
    assert warnings == [] and parsed == view
    assert "stale" not in params


def test_center_is_written_with_five_decimals() -> None:
    view = ViewState(day=D(2018, 6, 10), forces=FORCES, center=(34.5, 36.583331), zoom=11)
    query = to_query(view, SCENARIO)
    assert query["lat"] == "34.50000" and query["lon"] == "36.58333" and query["zoom"] == "11"


# -- share_url ---------------------------------------------------------------------------------------------


def test_share_url_builds_a_full_link() -> None:
    view = ViewState(
        day=D(2018, 6, 10), forces=("russia", "hezbollah"), center=(34.55, 36.58), zoom=11, event_id="ev_refuse_dabaa"
    )
    url = share_url("http://localhost:8501/", view, SCENARIO)
    assert url == (
        "http://localhost:8501/?date=2018-06-10&layers=russia,hezbollah&lat=34.55000&lon=36.58000&zoom=11&event=ev_refuse_dabaa"
    )


def test_share_url_replaces_an_existing_query() -> None:
    view = default_view(SCENARIO)
    assert share_url("http://host/app?date=2000-01-01&layers=none", view, SCENARIO) == "http://host/app?date=2018-06-08"


def test_share_url_drops_a_fragment() -> None:
    view = default_view(SCENARIO)
    assert share_url("http://host/app#top", view, SCENARIO) == "http://host/app?date=2018-06-08"


def test_share_url_of_the_root_has_its_slash() -> None:
    """st.context.url gives the root without its slash ("http://host:8501"): the link still reads host/?date=…"""
    view = default_view(SCENARIO)
    assert share_url("http://127.0.0.1:8611", view, SCENARIO) == "http://127.0.0.1:8611/?date=2018-06-08"
    assert (
        share_url("http://127.0.0.1:8611?date=2000-01-01", view, SCENARIO) == "http://127.0.0.1:8611/?date=2018-06-08"
    )
