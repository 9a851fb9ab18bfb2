"""Date mentions: formats, year inference with and without a publication date, weekday checks,
relative phrases, the seed article, bounded time and offsets on arbitrary text."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from mapdata.model.models import DatePrecision
from mapdata.text.dates import find_dates
from mapdata.text.mentions import DateMention

SOURCES = Path(__file__).resolve().parents[2] / "geodata" / "sources"
ARTICLE = (SOURCES / "enab_baladi_2018_06_russia_iran.txt").read_text(encoding="utf-8")
PUBLISHED = dt.date(2018, 6, 8)  # the seed source's inferred publication date (Friday)
TODAY = dt.date(2025, 11, 25)


def one(text: str, **kwargs: object) -> DateMention:
    mentions, _ = find_dates(text, **kwargs)  # type: ignore[arg-type]
    assert len(mentions) == 1, mentions
    mention = mentions[0]
    assert text[mention.start : mention.end] == mention.text
    return mention


def by_text(mentions: list[DateMention]) -> dict[str, DateMention]:
    return {m.text: m for m in mentions}


# -- the seed article ------------------------------------------------------------------------------


def test_every_date_in_the_seed_article_with_the_publication_date() -> None:
    mentions, basis = find_dates(ARTICLE, published=PUBLISHED, today=TODAY)
    assert [m.text for m in mentions] == ["in the past a few days", "Monday, June 4", "Friday June 5"]
    for m in mentions:
        assert ARTICLE[m.start : m.end] == m.text
    found = by_text(mentions)
    monday = found["Monday, June 4"]
    assert (monday.date, monday.precision, monday.warning) == (dt.date(2018, 6, 4), DatePrecision.DAY, "")
    friday = found["Friday June 5"]
    assert friday.date == dt.date(2018, 6, 5)  # as written; the analyst decides
    assert "Tuesday" in friday.warning and "8 June 2018" in friday.warning
    past = found["in the past a few days"]
    assert (past.date, past.precision) == (PUBLISHED, DatePrecision.REPORTED_BY)
    assert "publication date" in past.basis
    assert "2018-06-08" in basis


def test_seed_article_year_is_inferred_without_a_publication_date() -> None:
    mentions, basis = find_dates(ARTICLE, today=TODAY)
    found = by_text(mentions)
    assert found["Monday, June 4"].date == dt.date(2018, 6, 4)
    friday = found["Friday June 5"]
    assert friday.date == dt.date(2018, 6, 5)
    assert "Tuesday" in friday.warning and "8 June 2018" in friday.warning
    assert "Monday, June 4 fits 2018 (also 2012, 2007)" in basis
    assert "Friday June 5 fits 2020" in basis and "chose 2018" in basis
    relative = found["in the past a few days"]
    assert relative.date is None and relative.precision is DatePrecision.REPORTED_BY and relative.warning


def test_title_phrases_and_named_days_are_not_dates() -> None:
    text = "a new chapter called “Yesterday’s Allies, Today’s Enemies” on Quds Day"
    mentions, _ = find_dates(text, published=PUBLISHED)
    assert mentions == []


# -- year inference ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "year"),
    [(dt.date(2025, 1, 1), 2018), (dt.date(2018, 6, 4), 2018), (dt.date(2018, 6, 3), 2012)],
)
def test_weekday_and_date_give_the_latest_fitting_year_not_in_the_future(today: dt.date, year: int) -> None:
    mentions, basis = find_dates("Troops arrived on Monday, June 4.", today=today)
    assert mentions[0].date == dt.date(year, 6, 4)
    assert f"fits {year}" in basis and f"chose {year}" in basis


def test_a_year_written_in_the_text_is_preferred_when_it_fits() -> None:
    text = "Back in 2007 the base was quiet. On Monday, June 4 the troops came."
    mentions, basis = find_dates(text, today=TODAY)
    assert mentions[0].date == dt.date(2007, 6, 4)
    assert "written in the text" in basis


def test_combinations_that_agree_fix_one_year() -> None:
    mentions, basis = find_dates("Monday, June 4 and then Tuesday, June 5.", today=TODAY)
    assert [m.date for m in mentions] == [dt.date(2018, 6, 4), dt.date(2018, 6, 5)]
    assert all(not m.warning for m in mentions)
    assert "a year fits all of them" in basis


def test_without_weekdays_the_nearest_written_year_is_used() -> None:
    text = "In 2016 things changed. The town fell on June 4."
    mention = find_dates(text, today=TODAY)[0][-1]
    assert mention.date == dt.date(2016, 6, 4) and "2016" in mention.basis


def test_without_any_evidence_the_year_is_assumed_and_flagged() -> None:
    mention = one("The town fell on June 4.", today=dt.date(2020, 3, 1))
    assert mention.date == dt.date(2019, 6, 4)
    assert "assumed" in mention.warning


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        ("on December 28", dt.date(2019, 1, 3), dt.date(2018, 12, 28)),
        ("on January 5", dt.date(2018, 12, 20), dt.date(2019, 1, 5)),
        ("on November 20", dt.date(2018, 6, 8), dt.date(2017, 11, 20)),
        ("on June 10", dt.date(2018, 6, 8), dt.date(2018, 6, 10)),
    ],
)
def test_year_from_the_publication_date(text: str, published: dt.date, expected: dt.date) -> None:
    mention = one(text, published=published)
    assert mention.date == expected and "publication date" in mention.basis


# -- formats ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("It happened on 4 June 2018.", "4 June 2018"),
        ("It happened on June 4, 2018.", "June 4, 2018"),
        ("It happened on June 4th, 2018.", "June 4th, 2018"),
        ("It happened on the 4th of June 2018.", "4th of June 2018"),
        ("It happened on Jun. 4 2018.", "Jun. 4 2018"),
        ("It happened on 2018-06-04.", "2018-06-04"),
        ("It happened on Monday, 4 June 2018.", "Monday, 4 June 2018"),
    ],
)
def test_full_dates(text: str, written: str) -> None:
    mention = one(text, today=TODAY)
    assert (mention.text, mention.date, mention.precision, mention.warning) == (
        written,
        dt.date(2018, 6, 4),
        DatePrecision.DAY,
        "",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [("13/6/2018", dt.date(2018, 6, 13)), ("6/13/2018", dt.date(2018, 6, 13)), ("4/4/2018", dt.date(2018, 4, 4))],
)
def test_numeric_dates_when_unambiguous(text: str, expected: dt.date) -> None:
    assert one(f"on {text}.").date == expected


def test_ambiguous_numeric_date_is_reported_not_guessed() -> None:
    mention = one("on 4/6/2018.")
    assert mention.date is None
    assert "ambiguous" in mention.warning and "4 June 2018" in mention.warning and "6 April 2018" in mention.warning


def test_weekday_contradicting_a_full_date_is_a_warning() -> None:
    mention = one("on Friday, 5 June 2018")
    assert mention.date == dt.date(2018, 6, 5)
    assert "Tuesday" in mention.warning and "8 June 2018" in mention.warning


def test_months() -> None:
    text = "in June 2018, in May, in early June, in mid-June, and the end of May."
    mentions, _ = find_dates(text, published=PUBLISHED)
    assert [(m.text, m.date, m.precision) for m in mentions] == [
        ("June 2018", dt.date(2018, 6, 1), DatePrecision.MONTH),
        ("May", dt.date(2018, 5, 1), DatePrecision.MONTH),
        ("early June", dt.date(2018, 6, 1), DatePrecision.MONTH),
        ("mid-June", dt.date(2018, 6, 1), DatePrecision.MONTH),
        ("the end of May", dt.date(2018, 5, 1), DatePrecision.MONTH),
    ]


def test_may_the_verb_and_lower_case_names_are_not_dates() -> None:
    assert find_dates("Troops may withdraw; a march in june; friday.", published=PUBLISHED)[0] == []


# -- weekdays alone and relative phrases -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("They left on Monday.", dt.date(2018, 6, 4)),
        ("They left on Friday.", dt.date(2018, 6, 8)),  # the publication day itself (a Friday)
        ("They left last Friday.", dt.date(2018, 6, 1)),
        ("They leave next Sunday.", dt.date(2018, 6, 10)),
    ],
)
def test_weekday_alone_against_the_publication_date(text: str, expected: dt.date) -> None:
    mention = one(text, published=PUBLISHED)
    assert (mention.date, mention.precision) == (expected, DatePrecision.DAY)
    assert "publication date" in mention.basis


def test_weekday_alone_without_publication_date_is_unresolved() -> None:
    mention = one("They left on Monday.", today=TODAY)
    assert mention.date is None and mention.warning


def test_friday_prayers_is_not_a_date() -> None:
    assert find_dates("Protests followed Friday prayers.", published=PUBLISHED)[0] == []


@pytest.mark.parametrize(
    ("text", "expected", "precision"),
    [
        ("yesterday", dt.date(2018, 6, 7), DatePrecision.DAY),
        ("today", dt.date(2018, 6, 8), DatePrecision.DAY),
        ("the day before yesterday", dt.date(2018, 6, 6), DatePrecision.DAY),
        ("two days ago", dt.date(2018, 6, 6), DatePrecision.DAY),
        ("in the past few days", dt.date(2018, 6, 8), DatePrecision.REPORTED_BY),
        ("in recent days", dt.date(2018, 6, 8), DatePrecision.REPORTED_BY),
        ("a few days ago", dt.date(2018, 6, 8), DatePrecision.REPORTED_BY),
        ("last week", dt.date(2018, 6, 3), DatePrecision.REPORTED_BY),
        ("last month", dt.date(2018, 5, 1), DatePrecision.MONTH),
    ],
)
def test_relative_phrases(text: str, expected: dt.date, precision: DatePrecision) -> None:
    mention = one(f"Fighting resumed {text}.", published=PUBLISHED)
    assert (mention.text, mention.date, mention.precision) == (text, expected, precision)
    assert mention.basis


def test_last_week_basis_names_the_week() -> None:
    assert "28 May 2018 to 3 June 2018" in one("last week", published=PUBLISHED).basis


def test_relative_phrase_without_publication_date_is_unresolved() -> None:
    mention = one("Fighting resumed yesterday.", today=TODAY)
    assert mention.date is None and "publication date" in mention.warning


# -- scale and robustness ------------------------------------------------------------------------------


def test_bounded_time_on_five_megabytes() -> None:
    """Bounded CPU time (this process's own, so other work on the machine does not count): no
    catastrophic backtracking on large or hostile text."""
    text = (ARTICLE * (5_000_000 // len(ARTICLE) + 1))[:5_000_000]
    started = time.process_time()
    mentions, _ = find_dates(text, published=PUBLISHED)
    assert time.process_time() - started < 8
    assert len(mentions) > 3000
    hostile = "in the past a few " * 50_000 + "refuse " * 50_000 + " " * 1_000_000 + "1/" * 200_000
    started = time.process_time()
    find_dates(hostile)
    assert time.process_time() - started < 8


VOCAB = [
    "Monday",
    "Friday",
    "June",
    "May",
    "Jun.",
    "4",
    "31",
    "2018",
    "1999",
    "4th",
    "of",
    "the",
    "in",
    "last",
    "next",
    "this",
    "week",
    "month",
    "yesterday",
    "Today’s",
    "ago",
    "days",
    "few",
    "a",
    "past",
    "mid-",
    "early",
    ",",
    ".",
    "/",
    "-",
    "’s",
    "\n",
    "Sunday",
    "February",
    "29",
    "30",
    "9999",
    "13/6/2018",
    "4/6/2018",
    "2018-02-30",
]
TEXTS = st.lists(st.one_of(st.sampled_from(VOCAB), st.text(max_size=4)), max_size=40).map(" ".join)
DATES = st.one_of(st.none(), st.dates())


@settings(max_examples=150, deadline=None)
@given(text=st.one_of(TEXTS, st.text(max_size=200)), published=DATES, today=st.dates())
def test_never_crashes_and_offsets_point_at_the_text(text: str, published: dt.date | None, today: dt.date) -> None:
    mentions, basis = find_dates(text, published=published, today=today)
    assert isinstance(basis, str) and basis
    for m in mentions:
        assert text[m.start : m.end] == m.text and m.text
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)
