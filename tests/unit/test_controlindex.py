"""ControlIndex (vectorised whole-map state) against Timeline, the reference."""

from __future__ import annotations

import datetime as dt
import random
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from mapdata.model.load import load_scenario
from mapdata.model.models import ControlPeriod, Role, Scenario, Status
from mapdata.model.timeline import CONTESTED, CONTROL, PRESENCE, STATUSES, UNKNOWN, ControlIndex, Timeline
from mapdata.model.validate import check_consistency
from mapdata.synth import synth_scenario
from mapdata.testing import make_force, make_period, make_place, make_scenario

FORCES = ("alpha", "bravo", "charlie", "delta")
PLACES = ("p1", "p2", "p3")
WINDOW = 20  # finite bounds are days 1..WINDOW
EXTREMES = (dt.date.min, dt.date(1, 1, 2), dt.date.max - dt.timedelta(days=1), dt.date.max)


def day(n: int) -> dt.date:
    """Day n of March 2021 (n may be outside 1..31)."""
    return dt.date(2021, 3, 1) + dt.timedelta(days=n - 1)


Answer = tuple[Status, str | None, frozenset[str], tuple[str, ...], str | None]


def reference(timeline: Timeline, place: str, when: dt.date) -> Answer:
    """Status, holder, the forces present other than by holding, forces_present, holding period id."""
    state = timeline.state(place, when)
    others = {p.force_id for p in state.presence} | (set(state.forces_present) - {state.force})
    return (
        state.status,
        state.force,
        frozenset(others),
        state.forces_present,
        state.holding.id if state.holding else None,
    )


def indexed(index: ControlIndex, when: dt.date | int) -> dict[str, Answer]:
    status, holder, presence = index.states_on(when)
    holding = index.holding_on(when)
    assert status.shape == holder.shape == holding.shape == (index.size,)
    assert status.dtype == np.int8 and holder.dtype == np.int32 and presence.dtype == np.uint64
    out = {}
    for i, place in enumerate(index.place_ids):
        out[place] = (
            index.status_of(status[i]),
            index.force_ids[holder[i]] if holder[i] >= 0 else None,
            frozenset(index.forces_in(presence[i])),
            index.forces_present(int(holder[i]), presence[i]),
            index.scenario.periods[holding[i]].id if holding[i] >= 0 else None,
        )
    return out


def assert_same_as_timeline(scenario: Scenario, days: list[dt.date]) -> None:
    index, timeline = ControlIndex(scenario), Timeline(scenario)
    for when in days:
        got = indexed(index, when)
        for place in index.place_ids:
            assert got[place] == reference(timeline, place, when), (place, when)


# -- random valid period sets ----------------------------------------------------------------


@st.composite
def intervals(draw: st.DrawFn, max_count: int = 4) -> list[tuple[int | None, int | None]]:
    """Non-overlapping inclusive intervals in 1..WINDOW, in order (one-day ones and touching ones too);
    the first may start open, the last may end open."""
    out: list[tuple[int | None, int | None]] = []
    cursor = 1
    for _ in range(draw(st.integers(min_value=0, max_value=max_count))):
        start = cursor + draw(st.integers(min_value=0, max_value=4))
        end = start + draw(st.sampled_from([0, 0, 1, 2, 5, 8]))
        if end > WINDOW:
            break
        out.append((start, end))
        cursor = end + 1
    if out and draw(st.booleans()):
        out[0] = (None, out[0][1])
    if out and draw(st.booleans()):
        out[-1] = (out[-1][0], None)
    return out


def _mk(ident: str, place: str, force: str, role: Role, span: tuple[int | None, int | None]) -> ControlPeriod:
    start, end = span
    return make_period(
        ident, place, force, role, None if start is None else day(start), None if end is None else day(end)
    )


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    periods: list[ControlPeriod] = []
    for place in PLACES[: draw(st.integers(min_value=1, max_value=len(PLACES)))]:
        for i, span in enumerate(draw(intervals())):
            force = draw(st.sampled_from(FORCES))
            role = draw(st.sampled_from([Role.CONTROL, Role.CONTESTED]))
            periods.append(_mk(f"{place}_h{i}", place, force, role, span))
        for force in FORCES:
            for i, span in enumerate(draw(intervals(max_count=3))):
                periods.append(_mk(f"{place}_{force}_p{i}", place, force, Role.PRESENCE, span))
    forces = list(draw(st.permutations(FORCES)))  # the index follows the scenario's force order
    return make_scenario(draw(st.permutations(periods)), forces=forces, places=list(PLACES))


ALL_DAYS = [day(n) for n in range(-1, WINDOW + 3)] + list(EXTREMES)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_states_match_timeline_on_random_valid_period_sets(scenario: Scenario) -> None:
    assert check_consistency(scenario) == []  # the generator makes valid sets only
    assert_same_as_timeline(scenario, ALL_DAYS)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.sampled_from(ALL_DAYS), st.sampled_from(ALL_DAYS))
def test_changed_between_matches_timeline(scenario: Scenario, day_a: dt.date, day_b: dt.date) -> None:
    index, timeline = ControlIndex(scenario), Timeline(scenario)

    def shown(place: str, when: dt.date) -> tuple[Status, str | None, frozenset[str]]:
        return reference(timeline, place, when)[:3]

    expected = [i for i, place in enumerate(index.place_ids) if shown(place, day_a) != shown(place, day_b)]
    assert index.changed_between(day_a, day_b).tolist() == expected
    assert index.changed_between(day_b, day_a).tolist() == expected
    assert index.changed_between(day_a, day_a).tolist() == []


# -- the bundled scenario and a synthetic one ------------------------------------------------------


def test_bundled_scenario_every_day_of_its_range() -> None:
    scenario = load_scenario()
    first, last = scenario.date_range
    days = [first + dt.timedelta(days=n) for n in range(-1, (last - first).days + 2)]
    assert len(days) > 40
    assert_same_as_timeline(scenario, days)
    index, timeline = ControlIndex(scenario), Timeline(scenario)
    for before, after in pairwise(days):
        expected = [
            i
            for i, place in enumerate(index.place_ids)
            if reference(timeline, place, before)[:3] != reference(timeline, place, after)[:3]
        ]
        assert index.changed_between(before, after).tolist() == expected


def test_bundled_scenario_known_states() -> None:
    scenario = load_scenario()
    index = ControlIndex(scenario)
    where = index.place_ids.index("qusayr_position_1")
    force = index.force_ids.index

    status, holder, presence = index.states_on(dt.date(2018, 6, 4))
    assert status[where] == CONTESTED and holder[where] == force("russia")
    assert index.forces_in(presence[where]) == ("hezbollah", "syrian_regime")
    assert index.forces_present(int(holder[where]), presence[where]) == ("russia", "hezbollah", "syrian_regime")
    status, holder, presence = index.states_on(dt.date(2018, 6, 3))
    assert status[where] == CONTROL and holder[where] == force("hezbollah")
    assert index.forces_in(presence[where]) == ("syrian_regime",)
    status, holder, presence = index.states_on(dt.date(2018, 6, 10))
    assert status[where] == CONTROL and holder[where] == force("syrian_regime") and presence[where] == 0
    dabaa = index.place_ids.index("al_dabaa_airport")
    assert status[dabaa] == PRESENCE and holder[dabaa] == -1
    assert index.changed_between(dt.date(2018, 6, 3), dt.date(2018, 6, 4)).tolist() == sorted(
        index.place_ids.index(p)
        for p in ("al_qusayr", "qusayr_position_1", "qusayr_position_2", "qusayr_position_3", "lebanese_border")
    )


def test_synthetic_scenario_matches_timeline() -> None:
    scenario = synth_scenario(150, 1500, seed=11)
    rng = random.Random(5)
    first, last = scenario.date_range
    span = (last - first).days
    days = [first - dt.timedelta(days=1), first, last, last + dt.timedelta(days=1)]
    days += [first + dt.timedelta(days=rng.randrange(span)) for _ in range(25)]
    # the days periods start and end on, where off-by-one mistakes would show
    picked = rng.sample(scenario.periods, 30)
    days += [p.start for p in picked if p.start] + [p.end for p in picked if p.end]
    assert_same_as_timeline(scenario, days)


# -- edge cases --------------------------------------------------------------------------------------


def test_no_periods_means_unknown_everywhere() -> None:
    scenario = make_scenario([], forces=["a"], places=["x", "y"])
    status, holder, presence = ControlIndex(scenario).states_on(day(1))
    assert status.tolist() == [UNKNOWN, UNKNOWN] and holder.tolist() == [-1, -1] and presence.tolist() == [0, 0]


def test_days_as_ordinals_and_datetimes() -> None:
    scenario = make_scenario([make_period("p", "x", "a", start=day(3), end=day(3))])
    index = ControlIndex(scenario)
    assert index.states_on(day(3).toordinal())[0].tolist() == [CONTROL]
    assert index.states_on(dt.datetime(2021, 3, 3, 23, 59))[0].tolist() == [CONTROL]
    assert index.states_on(np.int64(day(4).toordinal()))[0].tolist() == [UNKNOWN]
    with pytest.raises(TypeError):
        index.states_on("2021-03-03")  # type: ignore[arg-type]


def test_status_codes() -> None:
    assert STATUSES == (Status.UNKNOWN, Status.CONTROL, Status.CONTESTED, Status.PRESENCE)
    assert (UNKNOWN, CONTROL, CONTESTED, PRESENCE) == (0, 1, 2, 3)


def test_overlapping_holding_periods_get_timelines_answer() -> None:
    """Validation refuses them, but an unvalidated scenario still gets the reference's pick."""
    periods = [
        make_period("late", "x", "a", start=day(5), end=day(9)),
        make_period("long", "x", "b", Role.CONTESTED, start=day(1), end=day(20)),
        make_period("open", "x", "c", end=day(2)),
        make_period("pres", "x", "d", Role.PRESENCE, start=day(4)),
        make_period("fine", "y", "a", start=day(3), end=day(4)),
    ]
    scenario = make_scenario(periods, forces=["a", "b", "c", "d"], places=["x", "y"])
    assert check_consistency(scenario) != []
    index = ControlIndex(scenario)
    assert index.irregular_places.tolist() == [0]
    assert_same_as_timeline(scenario, [day(n) for n in range(-1, 24)] + list(EXTREMES))


def test_reversed_period_covers_no_day_and_unknown_place_is_ignored() -> None:
    periods = [
        make_period("rev", "x", "a", start=day(9), end=day(3)),
        make_period("elsewhere", "nowhere", "a", start=day(1)),
    ]
    scenario = Scenario(
        title="t", forces=(make_force("a"),), places=(make_place("x"),), sources=(), events=(), periods=tuple(periods)
    )
    index = ControlIndex(scenario)
    assert index.irregular_places.tolist() == []
    assert_same_as_timeline(scenario, [day(n) for n in range(0, 12)])


def test_unknown_force_is_refused() -> None:
    scenario = make_scenario([make_period("p", "x", "ghost")], forces=["a"], places=["x"])
    with pytest.raises(ValueError, match="ghost"):
        ControlIndex(scenario)


def test_more_than_64_forces_use_several_words() -> None:
    forces = [f"f{j:02d}" for j in range(70)]
    periods = [
        make_period("p3", "x", "f03", Role.PRESENCE, start=day(1)),
        make_period("p66", "x", "f66", Role.PRESENCE, start=day(2), end=day(2)),
        make_period("p69", "y", "f69", Role.PRESENCE),
        make_period("h", "y", "f64", start=day(2)),
    ]
    scenario = make_scenario(periods, forces=forces, places=["x", "y"])
    index = ControlIndex(scenario)
    status, holder, presence = index.states_on(day(2))
    assert presence.shape == (2, 2)
    assert index.forces_in(presence[0]) == ("f03", "f66")
    assert index.forces_in(presence[1]) == ("f69",)
    assert status.tolist() == [PRESENCE, CONTROL] and holder.tolist() == [-1, 64]
    assert index.changed_between(day(2), day(3)).tolist() == [0]
    assert_same_as_timeline(scenario, [day(n) for n in range(0, 5)])


def test_timeline_states_equal_state_for_every_place() -> None:
    """Timeline.states, the index and Timeline.state agree on a synthetic scenario."""
    scenario = synth_scenario(400, 3000, 7)
    timeline = Timeline(scenario)
    first, last = scenario.date_range
    for when in (first - dt.timedelta(days=1), first, first + (last - first) / 2, last, last + dt.timedelta(days=400)):
        states = timeline.states(when)
        assert list(states) == [p.id for p in scenario.places]
        assert states == {p.id: timeline.state(p.id, when) for p in scenario.places}


def test_changed_between_names_the_places_whose_state_differs() -> None:
    scenario = load_scenario()
    timeline = Timeline(scenario)
    before, after = dt.date(2018, 6, 3), dt.date(2018, 6, 4)
    expected = tuple(
        p.id
        for p in scenario.places
        if (lambda a, b: (a.status, a.force, a.forces_present) != (b.status, b.force, b.forces_present))(
            timeline.state(p.id, before), timeline.state(p.id, after)
        )
    )
    assert "qusayr_position_1" in expected
    assert timeline.changed_between(before, after) == expected
