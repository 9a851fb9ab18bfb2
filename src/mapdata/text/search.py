"""Find a place by name as people type it: English or Arabic, in any common transliteration.

    finder = PlaceFinder(scenario.places)
    finder.find("qusair")        # al-Qusayr, by spelling
    finder.find("القصير")         # the same place, by its Arabic name

Names are folded as the geoparser folds them (:func:`mapdata.text.normalise.normalise`: articles, marks,
q/k, ou/u...), and compared by their consonant skeleton (:func:`mapdata.text.normalise.loose`) when the folded
spellings differ, so "Maarat al-Numan", "Ma`arrat an Nu`man" and "معرة النعمان" find one another. A typo the
skeleton does not absorb is caught by a similarity ratio, tried only when the cheaper tests leave room.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from mapdata.map.labels import KIND_ORDER
from mapdata.model.models import Place
from mapdata.text.normalise import loose_key, normalise

#: How a name matched, best first, with the score each gives (a ratio match scores below all of them).
MATCH_SCORES = {
    "name": 1.0,
    "starts with": 0.9,
    "contains": 0.8,
    "spelling": 0.75,
    "all words": 0.7,  # every word typed starts a word of the name, in any order ("qusayr position")
    "spelling starts": 0.65,
}
MIN_RATIO = 0.75  # similarity of folded spellings for a "close spelling" match


@dataclass(frozen=True)
class PlaceMatch:
    """A place found: the name that matched it, how, and a score from 0 to 1."""

    place_id: str
    name: str
    how: str
    score: float


@dataclass(frozen=True)
class _Name:
    place: int
    text: str
    folded: str
    skeleton: str


class PlaceFinder:
    """The names of ``places`` (English, Arabic, aliases), folded once, to search as often as needed."""

    def __init__(self, places: tuple[Place, ...] | list[Place]) -> None:
        self.places = tuple(places)
        names: list[_Name] = []
        for i, place in enumerate(self.places):
            for text in dict.fromkeys((place.name_en, place.name_ar, *place.aliases)):
                folded = normalise(text) if text else ""
                if folded:
                    names.append(_Name(i, text, folded, " ".join(loose_key(tuple(folded.split())))))
        self._names = tuple(names)

    def find(self, query: str, *, limit: int = 8) -> tuple[PlaceMatch, ...]:
        """The places whose names best match ``query``, best first (one entry per place)."""
        folded = normalise(query.strip()) if query and query.strip() else ""
        if not folded:
            return ()
        skeleton = " ".join(loose_key(tuple(folded.split())))
        words = folded.split()
        best: dict[int, tuple[float, str, str]] = {}

        def keep(name: _Name, how: str, score: float) -> None:
            if name.place not in best or score > best[name.place][0]:
                best[name.place] = (score, name.text, how)

        for name in self._names:
            if name.folded == folded:
                keep(name, "name", MATCH_SCORES["name"])
            elif name.folded.startswith(folded):
                keep(name, "starts with", MATCH_SCORES["starts with"])
            elif folded in name.folded:
                keep(name, "contains", MATCH_SCORES["contains"])
            elif skeleton and name.skeleton == skeleton:
                keep(name, "spelling", MATCH_SCORES["spelling"])
            elif len(words) > 1 and all(any(w.startswith(q) for w in name.folded.split()) for q in words):
                keep(name, "all words", MATCH_SCORES["all words"])
            elif len(skeleton) >= 2 and name.skeleton.startswith(skeleton):
                keep(name, "spelling starts", MATCH_SCORES["spelling starts"])
        if len(best) < limit and len(folded) >= 4:  # a typo: the closest spellings, if close enough
            matcher = difflib.SequenceMatcher(autojunk=False)
            matcher.set_seq2(folded)
            for name in self._names:
                if name.place in best:
                    continue
                matcher.set_seq1(name.folded)
                if matcher.real_quick_ratio() < MIN_RATIO or matcher.quick_ratio() < MIN_RATIO:
                    continue
                ratio = matcher.ratio()
                if ratio >= MIN_RATIO:
                    keep(name, "close spelling", 0.6 * ratio)

        def order(item: tuple[int, tuple[float, str, str]]) -> tuple[float, int, int, str]:
            place = self.places[item[0]]
            return (-item[1][0], KIND_ORDER.get(place.kind, 9), len(place.name_en), place.name_en)

        return tuple(
            PlaceMatch(place_id=self.places[i].id, name=text, how=how, score=round(score, 3))
            for i, (score, text, how) in sorted(best.items(), key=order)[:limit]
        )


__all__ = ["MATCH_SCORES", "PlaceFinder", "PlaceMatch"]
