"""Proposed events: the seed article with hand-built place mentions, synthetic sentences for each
rule (agents, roles, hypotheticals, carried-over places, verification), sentence splitting, and
property tests on arbitrary text."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings, strategies as st

from mapdata.model.load import load_scenario
from mapdata.model.models import DatePrecision, Role, Verification
from mapdata.text.dates import find_dates
from mapdata.text.events import propose_events, split_sentences
from mapdata.text.lexicon import Lexicon
from mapdata.text.mentions import PlaceMention, ProposedEvent

SCENARIO = load_scenario()
LEXICON = Lexicon.from_forces(SCENARIO.forces)
ARTICLE = SCENARIO.sources[0].text
PUBLISHED = dt.date(2018, 6, 8)

SEED_PLACES = {
    "al-Qusayr": "al_qusayr",
    "al-Dabaa military airport": "al_dabaa_airport",
    "southern western countryside of Homs": "southwestern_homs_countryside",
    "Southern Syria": "southern_syria",
    "Lebanese borders": "lebanese_border",
}


def place_mentions(text: str, names: dict[str, str]) -> list[PlaceMention]:
    """A PlaceMention at every occurrence of each name, as the geoparser would give it."""
    out = []
    for name, place_id in names.items():
        for m in re.finditer(re.escape(name), text):
            out.append(
                PlaceMention(
                    text=name,
                    start=m.start(),
                    end=m.end(),
                    entry_id=f"test:{place_id}",
                    name=name,
                    lat=34.5,
                    lon=36.5,
                    kind="town",
                    confidence=0.9,
                    place_id=place_id,
                )
            )
    return sorted(out, key=lambda p: p.start)


def propose(
    text: str, names: dict[str, str], *, published: dt.date | None = PUBLISHED, today: dt.date = dt.date(2025, 11, 25)
) -> list[ProposedEvent]:
    dates, _ = find_dates(text, published=published, today=today)
    events = propose_events(
        text,
        places=place_mentions(text, names),
        dates=dates,
        forces=LEXICON.find_forces(text),
        actions=LEXICON.find_actions(text),
        published=published,
    )
    for event in events:
        assert text[event.start : event.end] == event.quote
    return events


def event_with(events: list[ProposedEvent], words: str) -> ProposedEvent:
    matching = [e for e in events if words in e.quote]
    assert len(matching) == 1, [e.quote for e in events]
    return matching[0]


def periods(event: ProposedEvent) -> set[tuple[str, str, Role, dt.date | None, dt.date | None]]:
    return {(p.place_id, p.force, p.role, p.start, p.end) for p in event.periods}


@pytest.fixture(scope="module")
def seed_events() -> list[ProposedEvent]:
    return propose(ARTICLE, SEED_PLACES)


# -- the seed article -------------------------------------------------------------------------------


def test_every_quote_points_at_the_text_and_ids_are_stable(seed_events: list[ProposedEvent]) -> None:
    assert seed_events
    for event in seed_events:
        assert ARTICLE[event.start : event.end] == event.quote
        assert re.fullmatch(r"cand_\d+", event.id)
        assert event.place_mentions and 0 < event.confidence <= 1
        place_ids = {m.place_id for m in event.place_mentions}
        assert all(p.place_id in place_ids for p in event.periods)
    assert len({e.id for e in seed_events}) == len(seed_events)
    assert seed_events == propose(ARTICLE, SEED_PLACES)  # deterministic


def test_russian_deployment_at_al_qusayr_on_4_june(seed_events: list[ProposedEvent]) -> None:
    event = event_with(seed_events, "spread soldiers")
    assert (event.date, event.date_precision) == (dt.date(2018, 6, 4), DatePrecision.DAY)
    assert [m.place_id for m in event.place_mentions] == ["al_qusayr"]
    assert event.forces[0] == "russia" and "israel" in event.forces  # "to reassure Israel" is mentioned, not acting
    russia = {(p.role, p.start) for p in event.periods if p.force == "russia" and p.place_id == "al_qusayr"}
    assert russia and russia <= {(Role.CONTROL, dt.date(2018, 6, 4)), (Role.PRESENCE, dt.date(2018, 6, 4))}
    assert all(p.force == "russia" for p in event.periods)
    assert event.kind in {"takeover", "deployment"} and event.verification is Verification.REPORTED
    assert not event.warnings


def test_division_11_takes_control(seed_events: list[ProposedEvent]) -> None:
    event = event_with(seed_events, "Division 11")
    regime = [p for p in event.periods if p.force == "syrian_regime"]
    assert [p.role for p in regime] == [Role.CONTROL]
    assert regime[0].place_id == "al_qusayr"  # "the positions" refers back to the deployment sentence
    assert any("carried over" in w for w in event.warnings)
    assert (event.date, event.date_precision) == (PUBLISHED, DatePrecision.REPORTED_BY)
    assert event.kind == "takeover"


def test_sohr_claim_of_iran_and_hezbollah_at_al_dabaa(seed_events: list[ProposedEvent]) -> None:
    event = event_with(seed_events, "Syrian Observatory")
    assert event.verification is Verification.CLAIMED
    assert "SOHR" in event.claimed_by and "Syrian Observatory for Human Rights" in event.claimed_by
    assert any("not been able to verify" in w for w in event.warnings)
    found = periods(event)
    for force in ("iran", "hezbollah"):
        assert ("al_dabaa_airport", force, Role.PRESENCE, None, None) in found  # continuing, start not dated
        assert ("southwestern_homs_countryside", force, Role.PRESENCE, None, None) in found
    assert not any(p.force == "russia" for p in event.periods)  # Moscow demands; it does not act here
    assert event.kind == "refusal"


def test_agreement_on_southern_syria_proposes_no_control_change(seed_events: list[ProposedEvent]) -> None:
    event = event_with(seed_events, "arrived at an agreement")
    assert [m.place_id for m in event.place_mentions] == ["southern_syria"]
    assert event.kind == "agreement"
    assert {"russia", "israel", "syrian_regime", "iran"} <= set(event.forces)
    assert event.periods == ()
    assert any("hypothetical" in w for w in event.warnings)


def test_border_deployment_reported_via_the_agency(seed_events: list[ProposedEvent]) -> None:
    event = event_with(seed_events, "Lebanese borders")
    assert periods(event) == {("lebanese_border", "russia", Role.PRESENCE, PUBLISHED, None)}
    assert event.verification is Verification.REPORTED


def test_nasrallah_quote_belongs_to_hezbollah(seed_events: list[ProposedEvent]) -> None:
    event = event_with(seed_events, "no one could get us out")
    assert {p.force for p in event.periods} == {"hezbollah"}


def test_sentences_without_place_or_force_give_nothing(seed_events: list[ProposedEvent]) -> None:
    assert not [e for e in seed_events if "Enab Baladi has not been able" in e.quote]
    assert not [e for e in seed_events if "Friday June 5" in e.quote]  # no place in that sentence


def test_without_publication_date_the_inferred_year_dates_the_deployment() -> None:
    events = propose(ARTICLE, SEED_PLACES, published=None)
    assert event_with(events, "spread soldiers").date == dt.date(2018, 6, 4)
    undated = event_with(events, "Syrian Observatory")
    assert undated.date is None and any("no date" in w for w in undated.warnings)


def test_weekday_warning_reaches_the_event() -> None:
    text = "Russian forces entered al-Qusayr on Friday June 5."
    event = propose(text, {"al-Qusayr": "al_qusayr"})[0]
    assert event.date == dt.date(2018, 6, 5) and any("Tuesday" in w for w in event.warnings)


# -- rules on synthetic sentences ----------------------------------------------------------------------

QUSAYR = {"al-Qusayr": "al_qusayr"}


def test_passive_by_names_the_agent() -> None:
    event = propose("Al-Qusayr was taken over by Russian forces on June 4.", {"Al-Qusayr": "al_qusayr"})[0]
    assert periods(event) == {("al_qusayr", "russia", Role.CONTROL, dt.date(2018, 6, 4), None)}


def test_a_dispute_after_a_takeover_makes_it_contested() -> None:
    event = propose("Russian forces took over al-Qusayr, sparking clashes with Hezbollah.", QUSAYR)[0]
    assert periods(event) == {
        ("al_qusayr", "russia", Role.CONTESTED, PUBLISHED, None),
        ("al_qusayr", "hezbollah", Role.PRESENCE, PUBLISHED, None),
    }


def test_withdrawal_ends_presence_and_negated_withdrawal_continues_it() -> None:
    events = propose("Hezbollah withdrew from al-Qusayr yesterday. Iran did not withdraw from al-Qusayr.", QUSAYR)
    assert periods(events[0]) == {("al_qusayr", "hezbollah", Role.PRESENCE, None, dt.date(2018, 6, 7))}
    assert periods(events[1]) == {("al_qusayr", "iran", Role.PRESENCE, None, None)}


def test_coordinated_agents_and_demands() -> None:
    events = propose(
        "Both Iran and Hezbollah deployed in al-Qusayr. Russia demanded that Hezbollah leave al-Qusayr.", QUSAYR
    )
    assert {p.force for p in events[0].periods} == {"iran", "hezbollah"}
    assert events[1].periods == () and events[1].kind == "demand"


def test_attribution_cues() -> None:
    events = propose(
        "Rebels reportedly captured al-Qusayr. The regime denied that rebels entered al-Qusayr. "
        "Reuters said Russia deployed in al-Qusayr.",
        QUSAYR,
    )
    assert [e.verification for e in events] == [Verification.UNVERIFIED, Verification.DISPUTED, Verification.REPORTED]


def test_a_country_named_as_actor_is_not_a_place() -> None:
    text = "To reassure Israel, Russia spread soldiers in al-Qusayr after talks in Moscow."
    names = {"Israel": "israel_country", "Russia": "russia_country", "al-Qusayr": "al_qusayr", "Moscow": "moscow"}
    event = propose(text, names)[0]
    assert [m.place_id for m in event.place_mentions] == ["al_qusayr", "moscow"]
    assert {p.place_id for p in event.periods} == {"al_qusayr", "moscow"}
    assert {p.force for p in event.periods} == {"russia"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Gen. Smith arrived. Then U.S. forces left.", ["Gen. Smith arrived.", "Then U.S. forces left."]),
        ("He said “no.” Then he left!", ["He said “no.”", "Then he left!"]),
        ("A heading\nA sentence. another one.", ["A heading", "A sentence. another one."]),
        ("  ", []),
    ],
)
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in split_sentences(text)] == expected


# -- robustness ------------------------------------------------------------------------------------------

WORDS = [
    "Russia",
    "took",
    "over",
    "al-Qusayr",
    "Hezbollah",
    "has",
    "not",
    "withdrawn",
    "from",
    "according",
    "to",
    "the",
    "“Syrian",
    "Observatory”",
    "Monday,",
    "June",
    "4",
    "Friday",
    ".",
    ",",
    "\n",
    "positions",
    "This",
    "refuse",
    "retreat",
    "agreement",
    "by",
    "us",
    "said",
    "could",
    "not",
    "verify",
    "Iran",
    "and",
    "clashes",
]
TEXTS = st.lists(st.one_of(st.sampled_from(WORDS), st.text(max_size=3)), max_size=50).map(" ".join)


@settings(max_examples=120, deadline=None)
@given(
    text=st.one_of(TEXTS, st.text(max_size=150)),
    spans=st.lists(st.tuples(st.integers(0, 400), st.integers(0, 30)), max_size=6),
    published=st.one_of(st.none(), st.dates()),
)
def test_never_crashes_and_quotes_point_at_the_text(
    text: str, spans: list[tuple[int, int]], published: dt.date | None
) -> None:
    places = place_mentions(text, QUSAYR)
    for start, length in spans:  # arbitrary place mentions anywhere in the text
        start = min(start, len(text))
        end = min(len(text), start + length)
        places.append(PlaceMention(text[start:end], start, end, "test:x", "X", 0.0, 0.0, "town", 0.5))
    dates, _ = find_dates(text, published=published, today=dt.date(2025, 1, 1))
    events = propose_events(
        text,
        places=places,
        dates=dates,
        forces=LEXICON.find_forces(text),
        actions=LEXICON.find_actions(text),
        published=published,
    )
    for event in events:
        assert text[event.start : event.end] == event.quote and event.quote
        assert 0 <= event.confidence <= 1
        event.to_json()
