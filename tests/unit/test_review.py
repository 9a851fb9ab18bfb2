"""Analyst decisions on a report become validated scenario records."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from mapdata.exchange.folder import save_scenario
from mapdata.model.load import DEFAULT_DATA_DIR, load_scenario
from mapdata.model.models import DatePrecision, Role, Verification
from mapdata.model.timeline import Timeline
from mapdata.text.review import EventDecision, NewPlace, PeriodDecision, ReportMeta, ReviewError, apply_report

TEXT = "Regime forces took over al-Qusayr on 20 June 2018, and <b>entered</b> Talbiseh."
META = ReportMeta(publisher="Test Wire", title="Regime retakes al-Qusayr", published=dt.date(2018, 6, 21))


def _decision(**changes: object) -> EventDecision:
    start = TEXT.index("Regime")
    base = dict(
        key="cand_0",
        quote_start=start,
        quote_end=TEXT.index(", and"),
        date=dt.date(2018, 6, 20),
        date_precision=DatePrecision.DAY,
        place_keys=("al_qusayr",),
        force_ids=("syrian_regime",),
        kind="takeover",
        summary="Regime forces take al-Qusayr.",
        verification=Verification.REPORTED,
    )
    base.update(changes)
    return EventDecision(**base)  # type: ignore[arg-type]


def test_accepted_report_adds_source_event_period_and_new_place(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(DEFAULT_DATA_DIR, folder)
    scenario = load_scenario(folder)
    talbiseh = NewPlace.point("geonames:talbiseh", "Talbiseh", 34.84, 36.73, source="geonames")
    result = apply_report(
        scenario,
        meta=META,
        text=TEXT,
        events=[_decision(place_keys=("al_qusayr", "geonames:talbiseh"))],
        periods=[
            PeriodDecision("cand_0", "al_qusayr", "syrian_regime", Role.CONTROL, dt.date(2018, 6, 20)),
            PeriodDecision("cand_0", "geonames:talbiseh", "syrian_regime", Role.CONTROL, dt.date(2018, 6, 20)),
        ],
        new_places=[talbiseh],
    )
    saved = save_scenario(result.scenario, folder)
    assert result.place_ids == ("talbiseh",)
    event = saved.event_by_id[result.event_ids[0]]
    assert event.quote == "Regime forces took over al-Qusayr on 20 June 2018"
    assert saved.source_by_id[result.source_id].text == TEXT
    assert (folder / f"sources/{result.source_id}.txt").read_text(encoding="utf-8") == TEXT
    state = Timeline(saved).state("al_qusayr", dt.date(2018, 6, 22))
    assert (state.status.value, state.force) == ("control", "syrian_regime")
    assert Timeline(saved).state("talbiseh", dt.date(2018, 6, 20)).force == "syrian_regime"


def test_new_holding_period_ends_an_open_one_the_day_before() -> None:
    scenario = load_scenario()
    result = apply_report(
        scenario,
        meta=META,
        text=TEXT,
        events=[_decision(place_keys=("qusayr_position_1",))],
        periods=[PeriodDecision("cand_0", "qusayr_position_1", "russia", Role.CONTROL, dt.date(2018, 6, 20))],
    )
    assert result.closed_periods == ("pos1_regime_control",)
    ended = next(p for p in result.scenario.periods if p.id == "pos1_regime_control")
    assert ended.end == dt.date(2018, 6, 19)


@pytest.mark.parametrize(
    ("decision", "periods", "message"),
    [
        (_decision(place_keys=("atlantis",)), [], "'atlantis' is neither a place"),
        (_decision(quote_end=len(TEXT) + 5), [], "outside the text"),
        (_decision(), [PeriodDecision("cand_9", "al_qusayr", "russia", Role.CONTROL, None)], "not accepted"),
        (
            _decision(),
            [PeriodDecision("cand_0", "al_qusayr", "russia", Role.CONTROL, dt.date(2018, 6, 5), dt.date(2018, 6, 1))],
            "before start",
        ),
    ],
)
def test_bad_decisions_are_refused_with_the_field(decision: EventDecision, periods: list, message: str) -> None:
    with pytest.raises(ReviewError, match=message):
        apply_report(load_scenario(), meta=META, text=TEXT, events=[decision], periods=periods)


def test_empty_report_is_refused() -> None:
    with pytest.raises(ReviewError, match="empty"):
        apply_report(load_scenario(), meta=META, text="   ", events=[])


def test_a_new_force_is_checked_before_it_is_added() -> None:
    from mapdata.map.colours import clashes, suggest_colour
    from mapdata.model.load import load_scenario
    from mapdata.text.review import new_force

    scenario = load_scenario()
    colour = suggest_colour(f.colour for f in scenario.forces)
    assert [
        c for c in clashes([("new", colour), *((f.id, f.colour) for f in scenario.forces)]) if c.first == "new"
    ] == []
    force = new_force(scenario, name="  Wagner   Group ", colour=colour.lower(), aliases=["Wagner", " فاغنر ", ""])
    assert (force.id, force.name, force.colour, force.aliases) == (
        "wagner_group",
        "Wagner Group",
        colour,
        ("Wagner", "فاغنر"),
    )
    for name, colour_, aliases, message in [
        ("", colour, [], "needs a name"),
        ("Hezbollah", colour, [], "already in the scenario"),
        ("Wagner", "blue", [], "is not a colour"),
        ("Wagner", "#0072B3", [], "too close to Russian forces"),
        ("Wagner", colour, ["Hezbollah"], "already names Hezbollah"),
        ("Wagner", colour, ["قسد"], "already names Syrian Democratic Forces"),
    ]:
        with pytest.raises(ReviewError, match=message):
            new_force(scenario, name=name, colour=colour_, aliases=aliases)
