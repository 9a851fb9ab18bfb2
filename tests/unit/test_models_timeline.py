"""ControlPeriod date arithmetic and Timeline.state, on in-memory scenarios."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from mapdata.model.load import load_scenario
from mapdata.model.models import ControlPeriod, Role, Status
from mapdata.model.timeline import Timeline
from mapdata.model.validate import check_consistency
from mapdata.testing import make_event, make_period, make_scenario, make_source

D = dt.date


def day(n: int) -> dt.date:
    """Day n of June 2020 (n may be outside 1..30)."""
    return D(2020, 6, 1) + dt.timedelta(days=n - 1)


# -- ControlPeriod.covers ---------------------------------------------------------------


class TestCovers:
    def test_closed_period_is_inclusive_at_both_ends(self) -> None:
        p = make_period("p", "x", "f", start="2020-06-05", end="2020-06-10")
        assert not p.covers(D(2020, 6, 4))
        assert p.covers(D(2020, 6, 5))
        assert p.covers(D(2020, 6, 7))
        assert p.covers(D(2020, 6, 10))
        assert not p.covers(D(2020, 6, 11))

    def test_open_start_covers_everything_up_to_end(self) -> None:
        p = make_period("p", "x", "f", start=None, end="2020-06-10")
        assert p.covers(D(1900, 1, 1))
        assert p.covers(dt.date.min)
        assert p.covers(D(2020, 6, 10))
        assert not p.covers(D(2020, 6, 11))

    def test_open_end_covers_everything_from_start(self) -> None:
        p = make_period("p", "x", "f", start="2020-06-05", end=None)
        assert not p.covers(D(2020, 6, 4))
        assert p.covers(D(2020, 6, 5))
        assert p.covers(dt.date.max)

    def test_fully_open_covers_every_day(self) -> None:
        p = make_period("p", "x", "f")
        assert p.covers(dt.date.min) and p.covers(D(2020, 6, 5)) and p.covers(dt.date.max)

    def test_one_day_period_covers_only_that_day(self) -> None:
        p = make_period("p", "x", "f", start="2020-06-05", end="2020-06-05")
        assert [d for d in range(1, 11) if p.covers(day(d))] == [5]


# -- ControlPeriod.overlaps ----------------------------------------------------------------


def _p(start: str | None, end: str | None, ident: str = "p") -> ControlPeriod:
    return make_period(ident, "x", "f", start=start, end=end)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        # disjoint, and touching at an inclusive end (same day counts as overlap)
        (("2020-06-01", "2020-06-04"), ("2020-06-05", "2020-06-09"), False),
        (("2020-06-01", "2020-06-05"), ("2020-06-05", "2020-06-09"), True),
        (("2020-06-01", "2020-06-30"), ("2020-06-10", "2020-06-12"), True),  # containment
        (("2020-06-05", "2020-06-05"), ("2020-06-05", "2020-06-05"), True),  # same one day
        (("2020-06-05", "2020-06-05"), ("2020-06-06", "2020-06-06"), False),  # consecutive one-day periods
        # open ends
        ((None, "2020-06-04"), ("2020-06-05", None), False),
        ((None, "2020-06-05"), ("2020-06-05", None), True),
        ((None, "2020-06-10"), (None, "2020-06-01"), True),
        (("2020-06-01", None), ("2020-06-20", None), True),
        ((None, None), ("2020-06-05", "2020-06-05"), True),
        ((None, None), (None, None), True),
        (("2020-06-10", None), (None, "2020-06-09"), False),
        (("2020-06-10", None), (None, "2020-06-10"), True),
    ],
)
def test_overlaps_is_symmetric_and_inclusive(
    a: tuple[str | None, str | None], b: tuple[str | None, str | None], expected: bool
) -> None:
    first, second = _p(*a, ident="a"), _p(*b, ident="b")
    assert first.overlaps(second) is expected
    assert second.overlaps(first) is expected


bounds = st.one_of(st.none(), st.integers(min_value=-5, max_value=40))


@given(bounds, bounds, bounds, bounds)
def test_overlaps_iff_some_day_covered_by_both(s1: int | None, e1: int | None, s2: int | None, e2: int | None) -> None:
    if s1 is not None and e1 is not None and e1 < s1:
        s1, e1 = e1, s1
    if s2 is not None and e2 is not None and e2 < s2:
        s2, e2 = e2, s2
    a = make_period("a", "x", "f", start=None if s1 is None else day(s1), end=None if e1 is None else day(e1))
    b = make_period("b", "x", "f", start=None if s2 is None else day(s2), end=None if e2 is None else day(e2))
    # Every finite bound is in -5..40; open bounds reach past it, so the window -10..50 decides.
    shared = any(a.covers(day(n)) and b.covers(day(n)) for n in range(-10, 51))
    assert a.overlaps(b) is shared
    assert b.overlaps(a) is shared


# -- Timeline.state --------------------------------------------------------------------------


def test_period_boundaries() -> None:
    scenario = make_scenario([make_period("p", "town", "red", Role.CONTROL, "2020-06-05", "2020-06-10")])
    tl = Timeline(scenario)
    before, first, last, after = (tl.state("town", day(n)) for n in (4, 5, 10, 11))
    assert before.status is Status.UNKNOWN and before.force is None and before.forces_present == ()
    assert first.status is Status.CONTROL and first.force == "red" and first.since == day(5)
    assert last.status is Status.CONTROL and last.force == "red" and last.since == day(5)
    assert after.status is Status.UNKNOWN and after.force is None and after.since is None
    assert first.holding is scenario.periods[0]
    assert before.holding is None and before.presence == () and before.periods == ()


def test_open_start_and_open_end() -> None:
    scenario = make_scenario(
        [
            make_period("old", "town", "red", Role.CONTROL, None, "2020-06-05"),
            make_period("new", "town", "blue", Role.CONTROL, "2020-06-06", None),
        ]
    )
    tl = Timeline(scenario)
    early = tl.state("town", D(1990, 1, 1))
    assert (early.force, early.status, early.since) == ("red", Status.CONTROL, None)
    assert tl.state("town", day(5)).force == "red"
    late = tl.state("town", day(6))
    assert (late.force, late.status, late.since) == ("blue", Status.CONTROL, day(6))
    assert tl.state("town", D(2099, 12, 31)).force == "blue"


def test_gap_between_periods_is_unknown() -> None:
    scenario = make_scenario(
        [
            make_period("a", "town", "red", Role.CONTROL, "2020-06-01", "2020-06-05"),
            make_period("b", "town", "red", Role.CONTROL, "2020-06-10", "2020-06-15"),
        ]
    )
    tl = Timeline(scenario)
    assert tl.state("town", day(5)).status is Status.CONTROL
    for n in (6, 7, 8, 9):
        state = tl.state("town", day(n))
        assert state.status is Status.UNKNOWN
        assert state.force is None and state.forces_present == () and state.since is None
    resumed = tl.state("town", day(10))
    assert resumed.status is Status.CONTROL and resumed.since == day(10)
    assert resumed.holding is not None and resumed.holding.id == "b"


def test_contested_vs_control() -> None:
    scenario = make_scenario(
        [
            make_period("c", "town", "red", Role.CONTROL, "2020-06-01", "2020-06-03"),
            make_period("d", "town", "blue", Role.CONTESTED, "2020-06-04", "2020-06-06"),
            make_period("e", "town", "red", Role.PRESENCE, "2020-06-04", "2020-06-06"),
        ]
    )
    tl = Timeline(scenario)
    held = tl.state("town", day(3))
    assert (held.status, held.force, held.forces_present) == (Status.CONTROL, "red", ("red",))
    contested = tl.state("town", day(4))
    assert contested.status is Status.CONTESTED
    assert contested.force == "blue"
    assert contested.forces_present == ("blue", "red")
    assert contested.since == day(4)
    assert [p.id for p in contested.presence] == ["e"]
    assert [p.id for p in contested.periods] == ["d", "e"]


def test_presence_only_has_no_force_and_earliest_start() -> None:
    scenario = make_scenario(
        [
            make_period("a", "town", "red", Role.PRESENCE, "2020-06-03", "2020-06-20"),
            make_period("b", "town", "blue", Role.PRESENCE, "2020-06-01", "2020-06-10"),
            make_period("c", "town", "green", Role.PRESENCE, "2020-06-05", None),
        ]
    )
    tl = Timeline(scenario)
    state = tl.state("town", day(6))
    assert state.status is Status.PRESENCE
    assert state.force is None and state.holding is None
    assert state.forces_present == ("blue", "green", "red")
    assert state.since == day(1)  # earliest start among covering presence periods
    later = tl.state("town", day(15))  # blue has left
    assert later.forces_present == ("green", "red")
    assert later.since == day(3)


def test_presence_since_is_none_when_any_start_is_open() -> None:
    scenario = make_scenario(
        [
            make_period("a", "town", "red", Role.PRESENCE, "2020-06-03", None),
            make_period("b", "town", "blue", Role.PRESENCE, None, "2020-06-10"),
        ]
    )
    tl = Timeline(scenario)
    assert tl.state("town", day(5)).since is None
    assert tl.state("town", day(11)).since == day(3)  # the open-start period no longer covers


def test_holding_since_ignores_presence_starts() -> None:
    scenario = make_scenario(
        [
            make_period("h", "town", "red", Role.CONTROL, "2020-06-10", None),
            make_period("p", "town", "blue", Role.PRESENCE, None, None),
        ]
    )
    state = Timeline(scenario).state("town", day(12))
    assert state.since == day(10)
    holding_open = make_scenario([make_period("h", "town", "red", Role.CONTESTED, None, None)])
    assert Timeline(holding_open).state("town", day(12)).since is None


def test_forces_present_holder_first_then_sorted() -> None:
    scenario = make_scenario(
        [
            make_period("h", "town", "zulu", Role.CONTROL),
            make_period("p1", "town", "mike", Role.PRESENCE),
            make_period("p2", "town", "alpha", Role.PRESENCE),
            make_period("p3", "town", "zulu", Role.PRESENCE),  # the holder is also present: listed once
            make_period("p4", "town", "bravo", Role.PRESENCE, "2020-06-20", None),
        ]
    )
    tl = Timeline(scenario)
    assert tl.state("town", day(1)).forces_present == ("zulu", "alpha", "mike")
    assert tl.state("town", day(20)).forces_present == ("zulu", "alpha", "bravo", "mike")


def test_places_are_independent_and_unknown_place_is_unknown() -> None:
    scenario = make_scenario([make_period("a", "one", "red", Role.CONTROL)], places=["one", "two"], forces=["red"])
    tl = Timeline(scenario)
    assert tl.state("one", day(1)).status is Status.CONTROL
    assert tl.state("two", day(1)).status is Status.UNKNOWN
    assert tl.state("nowhere", day(1)).status is Status.UNKNOWN
    states = tl.states(day(1))
    assert list(states) == ["one", "two"]
    assert states["one"].force == "red" and states["two"].force is None
    assert all(s.day == day(1) and s.place_id == pid for pid, s in states.items())


def test_change_days() -> None:
    scenario = make_scenario(
        [
            make_period("a", "one", "red", Role.CONTROL, None, "2020-06-05"),
            make_period("b", "one", "blue", Role.CONTROL, "2020-06-06", None),
            make_period("c", "two", "red", Role.PRESENCE, "2020-06-03", "2020-06-03"),
            make_period("d", "two", "blue", Role.PRESENCE, "2020-06-03", "2020-06-30"),
            make_period("e", "three", "red", Role.PRESENCE),
        ]
    )
    days = Timeline(scenario).change_days()
    # starts 6, 3 ; day after ends 5 -> 6, 3 -> 4, 30 -> 1 July; sorted and de-duplicated
    assert days == (day(3), day(4), day(6), D(2020, 7, 1))


def test_change_days_empty_without_dated_periods() -> None:
    assert Timeline(make_scenario([make_period("e", "x", "red", Role.PRESENCE)])).change_days() == ()
    assert Timeline(make_scenario()).change_days() == ()


@given(st.integers(min_value=-3, max_value=35))
def test_state_changes_only_on_change_days(n: int) -> None:
    """Between two consecutive days, a state can only differ if the later one is a change day."""
    tl = Timeline(_CHANGE_SCENARIO)
    today, tomorrow = day(n), day(n + 1)
    changes = set(tl.change_days())
    for place in _CHANGE_SCENARIO.places:
        a, b = tl.state(place.id, today), tl.state(place.id, tomorrow)
        if (a.status, a.force, a.forces_present, a.since) != (b.status, b.force, b.forces_present, b.since):
            assert tomorrow in changes


_CHANGE_SCENARIO = make_scenario(
    [
        make_period("a", "one", "red", Role.CONTROL, None, "2020-06-05"),
        make_period("b", "one", "blue", Role.CONTESTED, "2020-06-09", "2020-06-12"),
        make_period("c", "one", "green", Role.PRESENCE, "2020-06-04", "2020-06-20"),
        make_period("d", "two", "red", Role.PRESENCE, "2020-06-07", "2020-06-07"),
        make_period("e", "two", "red", Role.CONTROL, "2020-06-15", None),
    ]
)


# -- evidence ----------------------------------------------------------------------------


SOURCE = make_source(text="Alpha took the town. Beta arrived later. Gamma was seen nearby. Delta left.")
EV_ALPHA = make_event("ev_alpha", "2020-06-01", ["town"], ["red"], source=SOURCE, quote="Alpha took the town.")
EV_BETA = make_event("ev_beta", "2020-06-08", ["town"], ["blue"], source=SOURCE, quote="Beta arrived later.")
EV_GAMMA = make_event("ev_gamma", "2020-06-03", ["other"], ["blue"], source=SOURCE, quote="Gamma was seen nearby.")
EV_DELTA = make_event("ev_delta", "2020-06-02", ["other", "third"], ["red"], source=SOURCE, quote="Delta left.")


def _evidence_scenario():
    return make_scenario(
        [
            make_period("hold", "town", "red", Role.CONTROL, "2020-06-01", None, event_ids=["ev_beta", "ev_alpha"]),
            make_period("pres", "town", "blue", Role.PRESENCE, "2020-06-08", None, event_ids=["ev_beta"]),
            make_period("srcs", "third", "red", Role.PRESENCE, None, None, event_ids=[], source_ids=["src"]),
        ],
        places=["town", "other", "third"],
        forces=["red", "blue"],
        sources=[SOURCE],
        events=[EV_ALPHA, EV_BETA, EV_GAMMA, EV_DELTA],
    )


def test_fixture_scenario_is_consistent() -> None:
    assert check_consistency(_evidence_scenario()) == []


def test_evidence_comes_from_the_state_periods_oldest_first_without_duplicates() -> None:
    tl = Timeline(_evidence_scenario())
    evidence = tl.evidence(tl.state("town", day(10)))
    assert [ev.event.id for ev in evidence] == ["ev_alpha", "ev_beta"]
    assert all(ev.source is SOURCE for ev in evidence)
    # before blue arrives only the holding period counts; it names both events, but beta is dated later
    # (as of the day, an event dated after it is not yet evidence: tests/unit/test_evidence_asof.py)
    assert [ev.event.id for ev in tl.evidence(tl.state("town", day(2)))] == ["ev_alpha"]


def test_evidence_falls_back_to_events_at_the_place_up_to_the_day() -> None:
    tl = Timeline(_evidence_scenario())
    # "other" has no periods: the events at the place dated up to the day
    assert [ev.event.id for ev in tl.evidence(tl.state("other", day(1)))] == []
    assert [ev.event.id for ev in tl.evidence(tl.state("other", day(2)))] == ["ev_delta"]
    assert [ev.event.id for ev in tl.evidence(tl.state("other", day(3)))] == ["ev_delta", "ev_gamma"]
    # "third" has a period backed only by a source: falls back to its events too
    assert [ev.event.id for ev in tl.evidence(tl.state("third", day(5)))] == ["ev_delta"]


# -- property tests against a naive reference ------------------------------------------------

FORCES = ("alpha", "bravo", "charlie")
WINDOW = 30  # finite bounds are days 1..WINDOW


@st.composite
def intervals(draw: st.DrawFn, max_count: int = 4) -> list[tuple[int | None, int | None]]:
    """Non-overlapping inclusive day intervals in 1..WINDOW, in order; the first may start open, the last end open."""
    out: list[tuple[int | None, int | None]] = []
    cursor = 1
    for _ in range(draw(st.integers(min_value=0, max_value=max_count))):
        start = cursor + draw(st.integers(min_value=0, max_value=5))
        end = start + draw(st.integers(min_value=0, max_value=6))
        if end > WINDOW:
            break
        out.append((start, end))
        cursor = end + 1
    if out and draw(st.booleans()):
        out[0] = (None, out[0][1])
    if out and draw(st.booleans()):
        out[-1] = (out[-1][0], None)
    return out


@st.composite
def period_sets(draw: st.DrawFn) -> list[ControlPeriod]:
    periods: list[ControlPeriod] = []
    for place in ("p1", "p2"):
        for i, (start, end) in enumerate(draw(intervals())):
            force = draw(st.sampled_from(FORCES))
            role = draw(st.sampled_from([Role.CONTROL, Role.CONTESTED]))
            periods.append(_mk(f"{place}_h{i}", place, force, role, start, end))
        for force in FORCES:
            for i, (start, end) in enumerate(draw(intervals(max_count=3))):
                periods.append(_mk(f"{place}_{force}_p{i}", place, force, Role.PRESENCE, start, end))
    return draw(st.permutations(periods))


def _mk(ident: str, place: str, force: str, role: Role, start: int | None, end: int | None) -> ControlPeriod:
    return make_period(
        ident, place, force, role, None if start is None else day(start), None if end is None else day(end)
    )


def naive_state(periods: list[ControlPeriod], place: str, when: dt.date) -> tuple:
    """The documented rules, written out as plainly as possible."""
    holder = None
    present: list[ControlPeriod] = []
    for p in periods:
        if p.place_id != place:
            continue
        after_start = p.start is None or not when < p.start
        before_end = p.end is None or not when > p.end
        if not (after_start and before_end):
            continue
        if p.role == Role.PRESENCE:
            present.append(p)
        else:
            assert holder is None, "generator produced overlapping holding periods"
            holder = p
    others = sorted({p.force_id for p in present} - ({holder.force_id} if holder else set()))
    if holder is not None:
        status = Status.CONTROL if holder.role == Role.CONTROL else Status.CONTESTED
        return (status, holder.force_id, (holder.force_id, *others), holder.start)
    if present:
        starts = [p.start for p in present]
        since = None if None in starts else min(starts)
        return (Status.PRESENCE, None, tuple(others), since)
    return (Status.UNKNOWN, None, (), None)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(period_sets())
def test_state_matches_naive_reference(periods: list[ControlPeriod]) -> None:
    scenario = make_scenario(periods, forces=list(FORCES), places=["p1", "p2"])
    assert check_consistency(scenario) == []  # the generator only makes valid sets
    tl = Timeline(scenario)
    for place in ("p1", "p2"):
        for n in range(-1, WINDOW + 3):
            state = tl.state(place, day(n))
            got = (state.status, state.force, state.forces_present, state.since)
            assert got == naive_state(periods, place, day(n)), (place, day(n))
            assert {p.id for p in state.periods} == {p.id for p in periods if p.place_id == place and p.covers(day(n))}


@settings(max_examples=100, deadline=None)
@given(period_sets(), st.data())
def test_overlapping_holding_period_is_always_reported(periods: list[ControlPeriod], data: st.DataObject) -> None:
    """Adding a holding period on a day already held makes check_consistency complain about it."""
    held = [p for p in periods if p.role.holds]
    if not held:
        return
    target = data.draw(st.sampled_from(held))
    covered = [n for n in range(1, WINDOW + 1) if target.covers(day(n))]
    if not covered:
        return
    n = data.draw(st.sampled_from(covered))
    extra = make_period("intruder", target.place_id, data.draw(st.sampled_from(FORCES)), Role.CONTROL, day(n), day(n))
    problems = check_consistency(make_scenario([*periods, extra], forces=list(FORCES), places=["p1", "p2"]))
    assert problems, "an overlapping holding period was not reported"
    assert all("overlaps" in p.message for p in problems)
    assert any("intruder" in f"{p.record} {p.message}" and target.id in f"{p.record} {p.message}" for p in problems)


def test_events_at_a_place_match_a_scan_of_every_event() -> None:
    from mapdata.synth import synth_scenario

    for scenario in (load_scenario(), synth_scenario(40, 200, 3)):
        days = sorted({e.date for e in scenario.events})
        for place in scenario.places:
            every = sorted((e for e in scenario.events if place.id in e.place_ids), key=lambda e: (e.date, e.id))
            assert scenario.events_at(place.id) == tuple(every)
            for day in days[:: max(1, len(days) // 7)]:
                assert scenario.events_at(place.id, until=day) == tuple(e for e in every if e.date <= day)
    assert load_scenario().events_at("no_such_place") == ()
