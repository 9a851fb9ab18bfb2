"""Who did what, where, when (issue 12, English rules): backers are not actors, strikes change no control, an area
that says where a village is did not change hands, a place handed over goes to its recipient, and "the same day",
"two days later", "on Thursday" take their date from the last dated sentence."""

from __future__ import annotations

import datetime as dt

import pytest

from mapdata.model.models import Role
from mapdata.text.extract import Pipeline, default_pipeline
from mapdata.text.mentions import ProposedEvent


@pytest.fixture(scope="module")
def pipe() -> Pipeline:
    return default_pipeline()


def events(pipe: Pipeline, text: str) -> list[ProposedEvent]:
    return list(pipe.extract(text).events)


def periods(event: ProposedEvent) -> set[tuple[str, Role, dt.date | None, dt.date | None]]:
    return {(p.force, p.role, p.start, p.end) for p in event.periods}


def test_a_backer_is_not_the_actor(pipe: Pipeline) -> None:
    (event,) = events(
        pipe,
        "Syrian regime forces, backed by Russian warplanes, captured the villages of Busr al-Harir and Nahtah on "
        "Thursday, June 21, 2018.",
    )
    assert {p.force for p in event.periods} == {"syrian_regime"}
    assert all(p.role is Role.CONTROL and p.start == dt.date(2018, 6, 21) for p in event.periods)
    assert len(event.periods) == 2 and event.summary.startswith("syrian_regime take over")


@pytest.mark.parametrize(
    "text",
    [
        "Regime forces, with Russian air cover, seized al-Hirak on June 20, 2018.",
        "Regime forces, supported by Iranian militias and Hezbollah, seized al-Hirak on June 20, 2018.",
    ],
)
def test_support_in_other_words_is_not_action_either(pipe: Pipeline, text: str) -> None:
    (event,) = events(pipe, text)
    assert {p.force for p in event.periods} == {"syrian_regime"}


def test_a_strike_is_an_event_at_the_place_not_a_presence(pipe: Pipeline) -> None:
    (event,) = events(pipe, "Russian jets bombed Khan Shaykhun, Maarat al-Numan and Jisr al-Shughur on June 5, 2018.")
    assert event.kind == "strike" and event.periods == ()
    assert len(event.place_mentions) == 3 and "“bombed”" in event.summary  # the words that decided the type


@pytest.mark.parametrize(
    "text",
    [
        "Regime artillery shelled Nahtah on June 5, 2018.",
        "A drone strike hit al-Qusayr on June 5, 2018.",
        "Russian warplanes carried out air strikes on Kafr Nabudah on June 5, 2018.",
    ],
)
def test_shelling_and_air_strikes_make_no_period(pipe: Pipeline, text: str) -> None:
    (event,) = events(pipe, text)
    assert event.kind == "strike" and event.periods == ()


def test_the_village_changed_hands_not_the_area_it_lies_in(pipe: Pipeline) -> None:
    (event,) = events(
        pipe, "Opposition factions seized the village of al-Hirak in the eastern countryside of Daraa on June 20, 2018."
    )
    assert [(p.force, p.role) for p in event.periods] == [("opposition", Role.CONTROL)]
    assert any(m.kind == "area" for m in event.place_mentions)  # still where it is
    (area,) = events(pipe, "Opposition factions took control of the eastern countryside of Daraa on June 20, 2018.")
    assert [p.role for p in area.periods] == [Role.CONTROL]  # an area taken itself is taken


def test_a_place_handed_over_goes_to_its_recipient(pipe: Pipeline) -> None:
    (event,) = events(pipe, "Hezbollah handed over the three positions in al-Qusayr to Division 11 on June 5, 2018.")
    day = dt.date(2018, 6, 5)
    assert periods(event) == {("hezbollah", Role.PRESENCE, None, day), ("syrian_regime", Role.CONTROL, day, None)}


def test_a_refusal_to_leave_keeps_the_presence(pipe: Pipeline) -> None:
    (event,) = events(pipe, "Hezbollah refused to leave al-Qusayr on June 6, 2018.")
    assert [(p.force, p.role, p.end) for p in event.periods] == [("hezbollah", Role.PRESENCE, None)]


@pytest.mark.parametrize(
    ("second", "date", "says"),
    [
        ("Hezbollah withdrew from al-Qusayr the same day.", dt.date(2018, 6, 4), "the same day"),
        ("Hezbollah withdrew from al-Qusayr the next day.", dt.date(2018, 6, 5), "the next day"),
        ("Division 11 took over the positions in al-Qusayr two days later.", dt.date(2018, 6, 6), "two days later"),
        ("That evening Hezbollah withdrew from al-Qusayr.", dt.date(2018, 6, 4), "That evening"),
        ("On Thursday, Hezbollah withdrew from al-Qusayr.", dt.date(2018, 6, 7), "Thursday"),
    ],
)
def test_dates_lean_on_the_last_dated_sentence(pipe: Pipeline, second: str, date: dt.date, says: str) -> None:
    first, then = events(pipe, "Russian forces deployed in al-Qusayr on Monday, June 4, 2018. " + second)
    assert first.date == dt.date(2018, 6, 4)
    assert then.date == date
    assert any(says in w and "2018-06-04" in w for w in then.warnings)  # the basis is shown


def test_text_without_dates_forces_or_places_proposes_nothing_and_never_crashes(pipe: Pipeline) -> None:
    for text in ("The same day.", "Two days later, nothing happened.", "Backed by.", "Shelling.", "On Thursday."):
        assert events(pipe, text) == []


def test_they_are_the_forces_of_the_last_action(pipe: Pipeline) -> None:
    first, then = events(
        pipe,
        "On June 19, 2018, regime forces, with Russian air cover, recaptured Mlihat al-Atash. The next day they "
        "stormed Busr al-Harir.",
    )
    assert {(p.force, p.role) for p in first.periods} == {("syrian_regime", Role.CONTROL)}
    assert {(p.force, p.role, p.start) for p in then.periods} == {("syrian_regime", Role.CONTROL, dt.date(2018, 6, 20))}
