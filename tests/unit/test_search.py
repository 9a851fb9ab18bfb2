"""Finding a place by name: English or Arabic, any common transliteration, a typo, words in any order."""

from __future__ import annotations

import pytest

from mapdata.model.load import load_scenario
from mapdata.text.search import PlaceFinder

FINDER = PlaceFinder(load_scenario().places)


@pytest.mark.parametrize(
    ("query", "place_id", "how"),
    [
        ("al-Qusayr", "al_qusayr", "name"),
        ("Al Qusseir", "al_qusayr", "name"),  # the geoparser's folding: article, doubled letter, ei/ay
        ("Kusair", "al_qusayr", "name"),
        ("القصير", "al_qusayr", "name"),  # Arabic
        ("حمص", "homs", "name"),
        ("dabaa", "al_dabaa_airport", "name"),
        ("Qusayr position", "qusayr_position_1", "all words"),
        ("Homs countryside", "western_homs_countryside", "contains"),
        ("Alqusayer", "al_qusayr", "close spelling"),  # a typo the folding does not absorb
    ],
)
def test_finds_the_place(query: str, place_id: str, how: str) -> None:
    found = FINDER.find(query)
    assert found, f"nothing found for {query!r}"
    match = next(m for m in found if m.place_id == place_id)
    assert match.how == how
    assert found[0].score == max(m.score for m in found)


def test_the_exact_name_comes_first_and_each_place_once() -> None:
    found = FINDER.find("Homs")
    assert found[0].place_id == "homs"
    assert len({m.place_id for m in found}) == len(found)


@pytest.mark.parametrize("query", ["", "   ", "xyzzy", "-"])
def test_nothing_for_nonsense(query: str) -> None:
    assert FINDER.find(query) == ()


def test_limit() -> None:
    assert len(FINDER.find("homs", limit=1)) == 1
