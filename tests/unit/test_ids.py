"""One id helper (model.records): slug, unique_id and IdMaker, used by review, the Edit page, import and the
gazetteer build."""

from __future__ import annotations

from mapdata.model.records import ID_PATTERN, IdMaker, slug, unique_id


def test_slug_is_an_id_fragment() -> None:
    assert slug("Tal Kalakh (تلكلخ) — 2018!") == "tal_kalakh_2018"
    assert slug("حمص") == "x"  # nothing ASCII left: still a valid id
    assert slug("a" * 50, limit=10) == "a" * 10 and len(slug("b " * 100, limit=None)) == 199
    assert all(ID_PATTERN.match(slug(text)) for text in ("Ünïcode", "__x__", "a-b-c", "1 2 3"))


def test_unique_id_counts_on_from_two() -> None:
    assert unique_id("homs", set()) == "homs"
    assert unique_id("homs", {"homs", "homs_2"}) == "homs_3"


def test_id_maker_stays_linear_over_many_ids_from_one_base() -> None:
    taken: set[str] = set()
    asked = []

    def is_taken(ident: str) -> bool:
        asked.append(ident)
        return ident in taken

    make = IdMaker(is_taken)
    for _ in range(2000):
        taken.add(make("place"))
    assert len(taken) == 2000 and "place_2000" in taken
    assert len(asked) < 3 * 2000  # not 2000 * 2000 / 2
